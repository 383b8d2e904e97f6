"""Fault injection: kill `gongkai ingest` of the corpus at a random moment, re-run it, and compare
the store with a clean run's.

    python benchmarks/fault_inject.py [--rounds 20] [--corpus DIR] [--seed N] [--corpus-only]

Each round: a fresh home; ``python -m qa.cli ingest INPUT --no-index`` (two parse workers) is
started and killed at a random moment — in odd rounds after a random delay within the clean
run's duration, in even rounds as soon as a random number of files (1 … all but one) is stored,
so that kills also land while the last, quickly parsed files are stored (the twins, the years
that pair up) — with SIGKILL in most rounds and SIGTERM or SIGINT in every fourth; then the
ingest is run again to the end. The round
*differs* when the re-run store's export (``gongkai export`` CSV, byte for byte), its findings
(every finding of every current report) or its report versions are not exactly the clean run's;
a worker process still alive after the kill is counted as an orphan. Prints one line per round
and the totals; the target is 0 differing rounds and 0 orphans.

INPUT is the corpus plus one corrected copy of ``pingtan-syq-2024.txt`` (its 表三 结转下年度
changed from 0 to 3): the corpus alone holds no carry-over mismatch, and this copy makes the
findings that depend on several reports (the cross-year check against 2025, the differences
between the two 2024 versions) part of what is compared. ``--corpus-only`` leaves it out.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.store import Store  # noqa: E402

CARRY_ROW = "四、结转下年度继续办理0000000"


def cli(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GONGKAI_SKIP_MODEL": "1", "GONGKAI_EMBED": "0"}
    return subprocess.Popen([sys.executable, "-m", "qa.cli", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, **kw)


def ingest(inp: Path, home: Path) -> subprocess.Popen:
    return cli("ingest", str(inp), "--home", str(home), "--no-progress", "--no-index")


def finish(proc: subprocess.Popen, what: str) -> str:
    out, err = proc.communicate(timeout=600)
    if proc.returncode not in (0,):
        raise SystemExit(f"{what} failed ({proc.returncode}):\n{out.decode()}\n{err.decode()}")
    return out.decode()


def state(home: Path) -> tuple[bytes, list, list]:
    """(export CSV bytes, findings, report versions) of the store under *home*."""
    out = home / "export.csv"
    finish(cli("export", "--home", str(home), "--out", str(out)), "export")
    with Store(home / "gongkai.sqlite3") as store:
        reports = store.reports()
        source = {r.id: r.source for r in reports}
        findings = sorted(json.dumps([source[f.report_id], f.rule, f.severity, f.message, f.table, f.row, f.column,
                                      f.reported, f.computed], ensure_ascii=False) for f in store.findings())
        versions = [[r.agency, r.year, r.template, r.source, getattr(r, "other_versions", []), r.n_cells, r.n_findings]
                    for r in reports]
    return out.read_bytes(), findings, versions


def children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(p.name))
    return out


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def wait_until_stored(db: Path, n: int, proc: subprocess.Popen) -> None:
    """Return as soon as *n* files (report versions) are stored under *db*, or the ingest ended."""
    while proc.poll() is None:
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            try:
                if con.execute("SELECT count(*) FROM reports").fetchone()[0] >= n:
                    return
            finally:
                con.close()
        except sqlite3.Error:
            pass  # not created yet
        time.sleep(0.002)


def make_input(corpus: Path, dest: Path, corpus_only: bool) -> Path:
    shutil.copytree(corpus, dest)
    if not corpus_only:
        text = (corpus / "pingtan-syq-2024.txt").read_text("utf-8")
        assert text.count(CARRY_ROW) == 1, "pingtan-syq-2024.txt changed: update CARRY_ROW"
        (dest / "pingtan-syq-2024.v2.txt").write_text(text.replace(CARRY_ROW, "四、结转下年度继续办理3000003"), "utf-8")
    return dest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "raw")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--corpus-only", action="store_true", help="ingest the corpus without the corrected copy")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="gongkai-faults-"))
    try:
        inp = make_input(args.corpus, work / "input", args.corpus_only)
        t0 = time.perf_counter()
        finish(ingest(inp, work / "clean"), "clean ingest")
        clean_s = time.perf_counter() - t0
        clean = state(work / "clean")
        n_reports = len(clean[2])
        n_files = sum(1 for _ in inp.iterdir())
        newline = b"\n"
        print(f"input: {n_files} files ({'corpus only' if args.corpus_only else 'corpus + 1 corrected version'}); "
              f"clean run {clean_s:.2f} s: {n_reports} reports, {clean[0].count(newline) - 1} cells, "
              f"{len(clean[1])} findings ({sum('cross_year' in f for f in clean[1])} cross-year, "
              f"{sum('versions.' in f for f in clean[1])} versions)")

        differed = orphans = mid_store = 0
        for i in range(1, args.rounds + 1):
            home = work / f"r{i:02d}"
            sig = signal.SIGKILL if i % 4 else (signal.SIGTERM if i % 8 else signal.SIGINT)
            delay = rng.uniform(0.0, clean_s)
            target = rng.randint(1, n_files - 1)
            proc = ingest(inp, home)
            t_start = time.perf_counter()
            if i % 2:
                time.sleep(delay)
            else:
                wait_until_stored(home / "gongkai.sqlite3", target, proc)
            delay = time.perf_counter() - t_start
            workers = children(proc.pid)
            finished = proc.poll() is not None
            if not finished:
                os.kill(proc.pid, sig)
            proc.wait(timeout=60)
            deadline = time.monotonic() + 5
            while any(map(alive, workers)) and time.monotonic() < deadline:
                time.sleep(0.05)
            left = [w for w in workers if alive(w)]
            for w in left:  # count them, then clean up after them
                os.kill(w, signal.SIGKILL)
            orphans += len(left)
            stored = 0
            if (home / "gongkai.sqlite3").exists():
                with Store(home / "gongkai.sqlite3") as s:
                    stored = s.counts()["reports"]
            mid_store += 0 < stored < n_reports
            rerun = finish(ingest(inp, home), f"round {i} re-run")
            got = state(home)
            diff = [name for name, a, b in zip(("export", "findings", "versions"), got, clean) if a != b]
            differed += bool(diff)
            how = "finished before the kill" if finished else (
                f"{signal.Signals(sig).name} at {delay:.2f} s" + ("" if i % 2 else f" (file {target} stored)"))
            print(f"round {i:2d}: {how}, {stored:2d}/{n_reports} reports stored, {len(left)} orphan(s); "
                  f"re-run: {rerun.splitlines()[0].split(': ', 1)[1]} -> "
                  + ("SAME as clean" if not diff else f"DIFFERS in {', '.join(diff)}"))
            shutil.rmtree(home, ignore_errors=True)
        print(f"\n{differed} of {args.rounds} rounds differed from the clean run; {orphans} orphaned worker(s); "
              f"{mid_store} round(s) killed with part of the corpus stored")
        return 1 if differed or orphans else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
