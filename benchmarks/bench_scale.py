"""How answering and ingest scale: synthetic archives of 20, 1,000 and 10,000 reports.

    python benchmarks/bench_scale.py [--sizes 20,1000,10000] [--answers 800] [--cache DIR]

For each size an archive is generated from the corpus's real 2021-template reports
(:mod:`benchmarks.synth_archive`: new agencies, years and numbers, the truth kept beside them)
and ingested without a vector index, once: the archive, its store and the ingest figures are kept
under ``--cache`` (default ``~/.cache/gongkai-scale``) and reused by later runs. Then a fresh
process asks questions generated from the truth, phrased through the agencies' loose forms
(short names, abbreviations), and prints per kind: p50/p95 latency and accuracy, with wrong
numbers counted apart from misses (no number given); and its RSS after the answers.

Kinds: cell (one table cell), derived (a group of sub-rows summed), ratio (a named rate),
aggregate (a year's maximum over every agency; a kind of agency summed), multi-year (an
agency's figure summed over a span of years), not-found (an agency not in the archive, or a year
the agency has no report for: correct = no number).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

KINDS = ("cell", "derived", "ratio", "aggregate", "multi-year", "not-found")
T4 = "政府信息公开行政复议、行政诉讼情况"

# (phrase, the truth keys summed) — one cell each
CELL_Q = (("新收的政府信息公开申请", ("三|new|total",)), ("予以公开的申请", ("三|granted|total",)),
          ("部分公开", ("三|partly_granted|total",)), ("上年结转的申请", ("三|carried_over|total",)),
          ("转入下一年的申请", ("三|carried_forward|total",)), ("自然人提出的申请", ("三|new|natural_person",)),
          ("因属于国家秘密不予公开的", ("三|refused.state_secret|total",)), ("被申请行政复议", (f"四|{T4}|review.total",)),
          ("因重复申请不予处理的", ("三|not_processed.repeat|total",)))
_SUB = {"不予公开": "refused", "无法提供": "unable", "不予处理": "not_processed", "其他处理": "other"}
RATES = (("予以公开率", ("三|granted|total",), "三|total|total"), ("不予公开率", ("三|refused.*|total",), "三|total|total"),
         ("行政复议纠错率", (f"四|{T4}|review.corrected",), f"四|{T4}|review.total"))


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _val(values: dict, keys) -> int:
    out = 0
    for k in keys:
        if "*" in k:
            pre, suf = k.split("*")
            out += sum(v for kk, v in values.items() if kk.startswith(pre) and kk.endswith(suf))
        else:
            out += values[k]
    return out


# ------------------------------------------------------------------------------------ questions
def questions(truth: dict, n_per_kind: int, seed: int = 11) -> list[dict]:
    """``{kind, q, expect}`` — expect: a number, ``None`` (no number is right) or, for a maximum,
    ``{"value": v, "agencies": [...]}``."""
    rng = random.Random(seed)
    forms = {a["name"]: a["forms"] for a in truth["agencies"]}
    kinds = {a["name"]: a["kind"] for a in truth["agencies"]}
    reps = truth["reports"]
    by_agency: dict[str, list[dict]] = {}
    for r in reps:
        by_agency.setdefault(r["agency"], []).append(r)
    years = sorted({r["year"] for r in reps})
    out: list[dict] = []

    def form(agency: str) -> str:
        fs = forms[agency]
        loose = [f for f in fs if f != agency]
        return rng.choice(loose) if loose and rng.random() < 0.75 else agency

    for _ in range(n_per_kind):
        r = rng.choice(reps)
        phrase, keys = rng.choice(CELL_Q)
        out.append({"kind": "cell", "q": f"{form(r['agency'])}{r['year']}年{phrase}有多少件？", "expect": _val(r["values"], keys)})
        r = rng.choice(reps)
        word, gid = rng.choice(list(_SUB.items()))
        out.append({"kind": "derived", "q": f"{form(r['agency'])}{r['year']}年{word}的申请有多少件？",
                    "expect": _val(r["values"], (f"三|{gid}.*|total",))})
        for _ in range(50):
            r = rng.choice(reps)
            name, num, den = rng.choice(RATES)
            d = _val(r["values"], (den,))
            if d:
                pct = (Decimal(_val(r["values"], num)) / Decimal(d) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
                out.append({"kind": "ratio", "q": f"{form(r['agency'])}{r['year']}年的{name}是多少？", "expect": str(pct)})
                break
        y = rng.choice(years)
        if rng.random() < 0.5:
            vals = {x["agency"]: x["values"]["三|new|total"] for x in reps if x["year"] == y}
            top = max(vals.values())
            out.append({"kind": "aggregate", "q": f"{y}年哪个机关收到的申请最多？",
                        "expect": {"value": top, "agencies": sorted(a for a, v in vals.items() if v == top)}})
        else:
            kind, word = rng.choice((("街道", "所有街道办事处"), ("镇", "所有镇")))
            members = [x for x in reps if x["year"] == y and kinds[x["agency"]] == kind]
            if members:
                phrase, keys = rng.choice((("新收申请", ("三|new|total",)), ("予以公开", ("三|granted|total",))))
                out.append({"kind": "aggregate", "q": f"{word}{y}年{phrase}合计多少件？",
                            "expect": sum(_val(x["values"], keys) for x in members)})
        multi = [a for a, rs in by_agency.items() if len(rs) >= 2]
        if multi:
            a = rng.choice(multi)
            ys = sorted(x["year"] for x in by_agency[a])
            i = rng.randrange(len(ys) - 1)
            j = rng.randrange(i + 1, len(ys))
            phrase, keys = rng.choice((("新收申请", ("三|new|total",)), ("予以公开", ("三|granted|total",))))
            out.append({"kind": "multi-year", "q": f"{form(a)}{ys[i]}年至{ys[j]}年{phrase}合计多少件？",
                        "expect": sum(_val(x["values"], keys) for x in by_agency[a] if ys[i] <= x["year"] <= ys[j])})
        if rng.random() < 0.5 and truth["unused_agencies"]:
            out.append({"kind": "not-found", "q": f"{rng.choice(truth['unused_agencies'])}{rng.choice(years)}年新收申请多少件？",
                        "expect": None})
        else:
            a = rng.choice(list(by_agency))
            have = {x["year"] for x in by_agency[a]}
            y = rng.choice([y for y in range(2019, 2027) if y not in have])
            out.append({"kind": "not-found", "q": f"{form(a)}{y}年予以公开多少件？", "expect": None})
    return out


def score(expect, a) -> str:
    """correct | wrong (a number, not the true one) | miss (no number where one was due)."""
    v = a.value
    if expect is None:
        return "correct" if v is None else "wrong"
    if v is None:
        return "miss"
    if isinstance(expect, dict):
        top = (a.data or [{}])[0].get("agency") if getattr(a, "data", None) else None
        return "correct" if Decimal(str(v)) == Decimal(str(expect["value"])) and top in expect["agencies"] else "wrong"
    return "correct" if Decimal(str(v)) == Decimal(str(expect)) else "wrong"


# ------------------------------------------------------------------------------------ phases
def phase_ingest(cache: Path) -> dict:
    """In a child process: ingest ``cache/reports`` into ``cache/home`` (2 parse workers, no index)."""
    from ingest.config import load_settings
    from ingest.pipeline import ingest_paths

    settings = dataclasses.replace(load_settings(str(cache / "home")), embed=False)
    t = time.perf_counter()
    s = ingest_paths([str(cache / "reports")], settings, progress=False, workers=2)
    sec = time.perf_counter() - t
    db = settings.db_path
    size = sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())
    return {"ingest_s": sec, "reports": s.reports, "errors": len(s.errors),
            "ingest_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "sqlite_mib": size / 2**20}


def phase_answer(cache: Path, n_answers: int) -> dict:
    """In a fresh process: ask ``n_answers`` questions (cycled by kind) and time them."""
    from ingest.config import load_settings
    from qa import answer

    truth = json.loads((cache / "truth.json").read_text("utf-8"))
    settings = dataclasses.replace(load_settings(str(cache / "home")), embed=False)
    per_kind = max(1, -(-n_answers // len(KINDS)))
    qs = questions(truth, per_kind)
    by_kind: dict[str, list[dict]] = {}
    for q in qs:
        by_kind.setdefault(q["kind"], []).append(q)
    order = [q for i in range(per_kind) for k in KINDS for q in by_kind.get(k, [])[i:i + 1]][:n_answers]
    t = time.perf_counter()
    answer("你好", settings=settings)  # opens the store and builds the context
    first = time.perf_counter() - t
    from ingest.store import Store

    stored = {r.source: r.agency for r in Store(settings.db_path).reports()}
    misread = sum(1 for r in truth["reports"] if stored.get(r["file"]) != r["agency"])  # agency read wrong, or not current
    res: dict[str, dict] = {k: {"ms": [], "correct": 0, "wrong": 0, "miss": 0, "examples": []} for k in KINDS}
    for q in order:
        t = time.perf_counter()
        a = answer(q["q"], settings=settings)
        ms = (time.perf_counter() - t) * 1000
        r = res[q["kind"]]
        r["ms"].append(ms)
        s = score(q["expect"], a)
        r[s] += 1
        if s != "correct" and len(r["examples"]) < 3:
            r["examples"].append(f"{s}: {q['q']} expected {q['expect'] if not isinstance(q['expect'], dict) else q['expect']['value']}"
                                 f" got {a.value} ({a.kind}) {a.text[:80]!r}")
    return {"first_answer_s": first, "answers": len(order), "misread": misread, "rss_after_mib": rss_mib(),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "kinds": res}


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if out.returncode:
        sys.exit(f"child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(cache: Path, n: int) -> dict:
    """The archive and store of ``n`` reports under ``cache`` (built once; figures kept in built.json)."""
    import synth_archive

    meta_file = cache / "built.json"
    if meta_file.exists():
        return json.loads(meta_file.read_text())
    cache.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    truth = synth_archive.build(cache, n)
    gen = time.perf_counter() - t
    meta = {"generate_s": gen, "agencies": len(truth["agencies"]), **_child(["--ingest-only", str(cache)])}
    meta_file.write_text(json.dumps(meta))
    return meta


def pct(vs: list[float], p: float) -> float:
    vs = sorted(vs)
    return vs[min(len(vs) - 1, int(round(p * (len(vs) - 1))))] if vs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="20,1000,10000")
    ap.add_argument("--answers", default="800", help="answers per size (one number, or one per size: 800,800,200)")
    ap.add_argument("--cache", default=str(Path.home() / ".cache" / "gongkai-scale"))
    ap.add_argument("--ingest-only")
    ap.add_argument("--answer-only")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--examples", action="store_true", help="print a few wrong/missed questions per kind")
    args = ap.parse_args()
    if args.ingest_only:
        print(json.dumps(phase_ingest(Path(args.ingest_only))))
        return
    if args.answer_only:
        print(json.dumps(phase_answer(Path(args.answer_only), int(args.answers))))
        return
    sizes = [int(x) for x in args.sizes.split(",")]
    answers = [int(x) for x in args.answers.split(",")]
    answers += [answers[-1]] * (len(sizes) - len(answers))
    rows = []
    for n, na in zip(sizes, answers):
        cache = Path(args.cache).expanduser() / f"n{n}"
        t = time.perf_counter()
        built = prepare(cache, n)
        ready = time.perf_counter() - t
        print(f"[{n} reports] archive ready in {ready:.1f} s (generated in {built['generate_s']:.1f} s, "
              f"ingested in {built['ingest_s']:.1f} s when first built)", file=sys.stderr, flush=True)
        t = time.perf_counter()
        ans = _child(["--answer-only", str(cache), "--answers", str(na)])
        print(f"[{n} reports] {ans['answers']} answers in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
        rows.append((n, built, ans))
    if args.json:
        Path(args.json).write_text(json.dumps([{"n": n, "built": b, "answer": a} for n, b, a in rows], ensure_ascii=False))
    base = rows[0]
    print(f"\nStore and ingest (ratios to {base[0]} reports)")
    print("| reports | agencies | agency misread at ingest | ingest reports/s | ingest peak RSS | SQLite | first answer (context) | RSS after answers |")
    print("|---|---|---|---|---|---|---|---|")
    for n, b, a in rows:
        print(f"| {n:,} | {b['agencies']:,} | {a.get('misread', 0)} | {n / b['ingest_s']:.1f} | {b['ingest_peak_rss_mib']:.0f} MiB | "
              f"{b['sqlite_mib']:.1f} MiB (×{b['sqlite_mib'] / base[1]['sqlite_mib']:.0f}) | {a['first_answer_s'] * 1000:.0f} ms | "
              f"{a['rss_after_mib']:.0f} MiB after {a['answers']} (×{a['rss_after_mib'] / base[2]['rss_after_mib']:.1f}) |")
    print(f"\nAnswers by kind: p50 / p95 latency (ratio of p50 to {base[0]} reports), accuracy (wrong = a wrong number, miss = no number)")
    print("| reports | kind | n | p50 ms | p95 ms | ×p50 | accuracy | wrong | miss |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, b, a in rows:
        for k in KINDS:
            r = a["kinds"][k]
            if not r["ms"]:
                continue
            b50 = statistics.median(base[2]["kinds"][k]["ms"]) if base[2]["kinds"][k]["ms"] else float("nan")
            n_k = len(r["ms"])
            print(f"| {n:,} | {k} | {n_k} | {statistics.median(r['ms']):.1f} | {pct(r['ms'], 0.95):.1f} | "
                  f"×{statistics.median(r['ms']) / b50:.1f} | {100 * r['correct'] / n_k:.0f}% | {r['wrong']} | {r['miss']} |")
    if args.examples:
        for n, b, a in rows:
            for k in KINDS:
                for e in a["kinds"][k]["examples"]:
                    print(f"  [{n} {k}] {e}")


if __name__ == "__main__":
    main()
