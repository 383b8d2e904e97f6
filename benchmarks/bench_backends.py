"""The facts store on SQLite and on PostgreSQL, side by side (the table in docs/postgres.md).

    .venv/bin/python benchmarks/bench_backends.py --database-url postgresql://user@/postgres?host=/var/run/postgresql

For each database: ingest the corpus (no embeddings), store the same parsed files again into an
empty store, time the change check and five kinds of answer (30 warm runs each), and measure the
bytes stored per report version. The PostgreSQL store goes in a schema made for the run and
dropped after it (the URL's role must be allowed to create one).
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.config import load_settings  # noqa: E402
from ingest.pipeline import ingest_paths, parse_file  # noqa: E402
from ingest.store import open_store  # noqa: E402

QUESTIONS = {
    "cell": "泰安市行政审批服务局2024年予以公开的申请有几件？",
    "rate": "洪泽区2024年予以公开率",
    "ranking": "2024年哪个机关收到的申请最多？",
    "series": "平潭综合实验区2021年到2025年历年新收申请分别是多少",
    "not found": "北京市海淀区2024年新收多少件？",
}


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[max(0, int(q * len(xs)) - 1)]


def run(name: str, settings, corpus: Path, parsed: list, sized) -> dict:
    from qa import answer

    out: dict = {}
    t = time.perf_counter()
    summary = ingest_paths([corpus], settings, progress=False, workers=1)
    out["ingest"] = f"{summary.added} files {time.perf_counter() - t:.1f} s"
    for q in QUESTIONS.values():
        answer(q, settings=settings)
    for kind, q in QUESTIONS.items():
        ts = []
        for _ in range(30):
            t = time.perf_counter()
            answer(q, settings=settings)
            ts.append((time.perf_counter() - t) * 1000)
        out[kind] = f"{statistics.median(ts):.1f} / {pct(ts, 0.95):.1f} ms"
    store = open_store(settings)
    t = time.perf_counter()
    for _ in range(200):
        store.stamp()
    out["change check"] = f"{(time.perf_counter() - t) / 200 * 1000:.3f} ms"
    versions = store._con().execute("SELECT count(*) FROM reports").fetchone()[0]
    out["bytes per version"] = f"{sized() / versions / 1000:.0f} KB"
    empty = sized.fresh()
    t = time.perf_counter()
    for p, aliases in parsed:
        empty.save_report(p, aliases)
    dt = time.perf_counter() - t
    out["storing alone"] = f"{dt:.2f} s ({len(parsed) / dt:.0f} saves/s)"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", help="a PostgreSQL server (without it: SQLite only)")
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "raw")
    args = ap.parse_args(argv)
    files = sorted(p for p in args.corpus.iterdir() if p.is_file())
    parsed = []
    for f in files:
        try:
            parsed.append(parse_file(f))
        except Exception:  # noqa: BLE001 - what ingest refuses is not stored either
            pass
    results: dict[str, dict] = {}

    home = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
    s = dataclasses.replace(load_settings(home), embed=False, database_url=None)

    def sqlite_size() -> int:
        import sqlite3

        con = sqlite3.connect(s.db_path)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        return s.db_path.stat().st_size

    sqlite_size.fresh = lambda: open_store(dataclasses.replace(s, home=Path(tempfile.mkdtemp())))
    results["SQLite"] = run("sqlite", s, args.corpus, parsed, sqlite_size)

    if args.database_url:
        import psycopg

        schemas = [f"bench_{uuid.uuid4().hex[:8]}", f"bench_{uuid.uuid4().hex[:8]}"]
        url = lambda schema: (f"{args.database_url}{'&' if '?' in args.database_url else '?'}"  # noqa: E731
                              f"options=-csearch_path%3D{schema}")
        with psycopg.connect(args.database_url, autocommit=True) as con:
            for schema in schemas:
                con.execute(f"CREATE SCHEMA {schema}")
        try:
            p = dataclasses.replace(load_settings(Path(tempfile.mkdtemp())), embed=False, database_url=url(schemas[0]))

            def pg_size() -> int:
                with psycopg.connect(args.database_url, autocommit=True) as con:
                    con.execute("VACUUM ANALYZE")
                    return con.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
                                       " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                                       (schemas[0],)).fetchone()[0]

            pg_size.fresh = lambda: open_store(dataclasses.replace(p, database_url=url(schemas[1])))
            results["PostgreSQL"] = run("postgresql", p, args.corpus, parsed, pg_size)
        finally:
            with psycopg.connect(args.database_url, autocommit=True) as con:
                for schema in schemas:
                    con.execute(f"DROP SCHEMA {schema} CASCADE")

    names = list(results)
    rows = list(results[names[0]])
    print("| | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for r in rows:
        label = f"{r} p50 / p95" if r in QUESTIONS else r
        print(f"| {label} | " + " | ".join(results[n][r] for n in names) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
