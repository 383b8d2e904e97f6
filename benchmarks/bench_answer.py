"""Answer latency by kind on the dev questions (warm: store open, first call excluded).

    python benchmarks/bench_answer.py [--repeat 20] [--home DIR]

Without --home, the corpus is ingested (no vector index) into a temporary home first, so prose
answers use sentence scoring over the report only; with a home that has an index, they also
run the hybrid retriever.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.config import load_settings  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402
from qa import answer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", default=str(ROOT.parent / "shared" / "eval" / "dev-questions.jsonl"))
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "raw"))
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--home")
    args = ap.parse_args()
    tmp = None
    home = args.home
    if home is None:
        tmp = tempfile.TemporaryDirectory()
        home = tmp.name
        ingest_paths([args.corpus], dataclasses.replace(load_settings(home), embed=False), progress=False)
    qs = [json.loads(x)["question"] for x in Path(args.questions).read_text("utf-8").splitlines() if x.strip()]
    by_kind: dict[str, list[float]] = {}
    for q in qs:
        kind = answer(q, home=home).kind  # warm-up
        for _ in range(args.repeat):
            t = time.perf_counter()
            answer(q, home=home)
            by_kind.setdefault(kind, []).append(time.perf_counter() - t)
    allv = sorted(v for vs in by_kind.values() for v in vs)
    print(f"{len(qs)} questions × {args.repeat} warm calls (home: {'temporary, no index' if tmp else home})")
    for kind, vs in sorted(by_kind.items()):
        vs.sort()
        print(f"  {kind:10s} n={len(vs):4d}  median {statistics.median(vs) * 1000:7.1f} ms   p95 {vs[int(0.95 * (len(vs) - 1))] * 1000:7.1f} ms")
    print(f"  {'all':10s} n={len(allv):4d}  median {statistics.median(allv) * 1000:7.1f} ms   p95 {allv[int(0.95 * (len(allv) - 1))] * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
