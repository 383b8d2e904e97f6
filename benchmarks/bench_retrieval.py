"""Retrieval benchmark on the corpus: recall, indexing throughput, query latency, peak memory.

    .venv/bin/python benchmarks/bench_retrieval.py [--corpus DIR] [--questions FILE]
                                                  [--reuse HOME] [--keyword-only]
                                                  [--synthetic N] [--repeat N] [--json FILE]

One run:

1. ingests the corpus into a fresh temporary home (fresh embedding cache, so every chunk goes
   through the model) with the index hook, timing the hook: chunks/s, embedding included;
2. for every dev question that names a report, searches top-5 with BM25 alone, dense alone and
   hybrid — first with the question as is, then with agency/year filters guessed from it
   (``guess_filters``) — and prints recall@1 / recall@5 of the expected report;
3. times queries per mode with the model already loaded (p50 / p95 over questions × repeats);
4. keyword search at scale: the corpus plus ``--synthetic N`` (default 1,000) reports cloned
   from the corpus's reports under new agency names (facts store only): the time of the first
   keyword query (index build or sync), then recall and p50 / p95 latency of keyword queries
   with and without guessed filters;
5. prints the peak resident memory of the process (``getrusage`` maxrss).

``--reuse HOME`` skips step 1 and searches an already indexed home (for quick iterations);
``--keyword-only`` measures BM25 alone (no model, no vector index).
Targets: hybrid recall@5 ≥ 0.95, query p95 ≤ 300 ms.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.config import Settings, load_settings  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402
from ingest.vectorstore import get_index, make_index_hook  # noqa: E402
from qa.retrieval import MODES, HybridSearcher  # noqa: E402

RECALL_TARGET = 0.95
P95_TARGET_MS = 300.0


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = (len(xs) - 1) * p
    lo, hi = int(i), min(int(i) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (i - lo)


def build_index(corpus: Path, settings: Settings) -> dict:
    """Ingest + index the corpus into *settings.home*; returns timings."""
    from ingest.model_install import load_embedder
    from ingest.vectorstore import _quiet_transformers

    _quiet_transformers()
    t0 = time.perf_counter()
    load_embedder(settings.embedding_model, settings.model_dir)
    model_s = time.perf_counter() - t0
    hook = make_index_hook(settings, progress=False)
    spent = [0.0]

    def timed(parsed, status):
        t = time.perf_counter()
        try:
            hook(parsed, status)
        finally:
            spent[0] += time.perf_counter() - t

    timed.__name__ = "vector index"
    t0 = time.perf_counter()
    summary = ingest_paths([corpus], settings, progress=False, hooks=[timed])
    total_s = time.perf_counter() - t0
    index = get_index(settings)
    chunks = index.count()
    if summary.errors:
        print("ingest problems:\n  " + "\n  ".join(f"{p}: {r}" for p, r in summary.errors), file=sys.stderr)
    return {"reports": summary.stored, "chunks": chunks, "embedded": index.embedder.encoded,
            "model_load_s": model_s, "ingest_total_s": total_s, "index_s": spent[0],
            "chunks_per_s": chunks / spent[0] if spent[0] else float("nan")}


def recall(searcher: HybridSearcher, questions: list[dict], mode: str, auto: bool) -> dict:
    r1 = r5 = 0
    misses = []
    for q in questions:
        hits = searcher.search(q["question"], k=5, mode=mode, auto_filters=auto)
        sources = [h.source for h in hits]
        r1 += sources[:1] == [q["report"]]
        r5 += q["report"] in sources
        if q["report"] not in sources:
            misses.append(q["id"])
    n = len(questions)
    return {"recall@1": r1 / n, "recall@5": r5 / n, "misses": misses}


def latency(searcher: HybridSearcher, questions: list[dict], mode: str, auto: bool, repeat: int) -> dict:
    times = []
    cpu = time.process_time()
    for _ in range(repeat):
        for q in questions:
            t = time.perf_counter()
            searcher.search(q["question"], k=5, mode=mode, auto_filters=auto)
            times.append((time.perf_counter() - t) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / len(times)  # this process's CPU: steadier on a shared machine
    return {"p50_ms": _pct(times, 0.5), "p95_ms": _pct(times, 0.95), "max_ms": max(times), "n": len(times),
            "cpu_ms_mean": cpu_ms}


SYNTHETIC_PREFIXES = ("东川", "西岭", "南湖", "北辰", "中原", "青山", "云台", "石门", "金沙", "玉泉")


def synthetic_home(src: Settings, home: Path, n: int) -> tuple[Settings, float]:
    """A home holding the facts of *src* plus *n* reports cloned from them under new agency
    names (``东川市第0001区人民政府`` …) and file names; returns its settings and seconds spent."""
    from dataclasses import replace

    from ingest.chunks import parsed_from_store
    from ingest.store import Store

    t0 = time.perf_counter()
    dst = dataclasses.replace(src, home=home, embed=False)
    with Store(src.db_path) as a:
        originals = [p for p in (parsed_from_store(a, r.id) for r in a.reports()) if p is not None]
    with Store(dst.db_path) as b:
        for p in originals:
            b.save(p)
        for i in range(n):
            p = originals[i % len(originals)]
            name = f"{SYNTHETIC_PREFIXES[i % len(SYNTHETIC_PREFIXES)]}市第{i:04d}区人民政府"
            digest = hashlib.sha256(f"{p.doc.content_hash}:{i}".encode()).hexdigest()
            doc = replace(p.doc, source=f"synthetic-{i:04d}-{p.doc.source}", content_hash=digest)
            b.save(replace(p, doc=doc, meta=replace(p.meta, agency=name)))
    return dst, time.perf_counter() - t0


def scale(src: Settings, questions: list[dict], n: int, repeat: int, tmp_root: Path) -> dict:
    """Keyword search over the corpus plus *n* synthetic reports (see :func:`synthetic_home`)."""
    settings, build_s = synthetic_home(src, tmp_root / f"synthetic-{n}", n)
    searcher = HybridSearcher(settings)
    t = time.perf_counter()
    searcher.search("政府信息公开申请", k=5, mode="bm25")
    first_s = time.perf_counter() - t
    out: dict = {"reports": n, "store_s": build_s, "first_query_s": first_s,
                 "chunks": searcher.bm25().size}
    for auto in (False, True):
        key = "bm25+filters" if auto else "bm25"
        out[key] = {**recall(searcher, questions, "bm25", auto),
                    **latency(searcher, questions, "bm25", auto, repeat)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "raw")
    ap.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev-questions.jsonl")
    ap.add_argument("--reuse", type=Path, metavar="HOME", help="search this indexed home; skip indexing")
    ap.add_argument("--keyword-only", action="store_true", help="BM25 alone: no model, no vector index")
    ap.add_argument("--synthetic", type=int, default=1000, metavar="N",
                    help="also time keyword search with N synthetic reports added (0: skip; default 1000)")
    ap.add_argument("--repeat", type=int, default=3, help="latency: passes over the questions (default 3)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)

    questions = [q for q in map(json.loads, args.questions.read_text("utf-8").splitlines()) if q.get("report")]
    import torch

    load1 = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPU(s), torch threads {torch.get_num_threads()}, "
          f"load average {load1:.1f} at start")
    out: dict = {"questions": len(questions)}
    tmp = None
    modes = ("bm25",) if args.keyword_only else MODES[1:] + MODES[:1]
    if args.keyword_only and not args.reuse:
        tmp = tempfile.TemporaryDirectory(prefix="gongkai-bench-")
        settings = dataclasses.replace(load_settings(tmp.name), chroma_url=None, embed=False)
        t0 = time.perf_counter()
        summary = ingest_paths([args.corpus], settings, progress=False)
        print(f"home: {settings.home} ({summary.stored} reports stored in {time.perf_counter() - t0:.1f} s; "
              "keyword only)")
    elif args.reuse:
        settings = dataclasses.replace(load_settings(args.reuse), chroma_url=None)
        print(f"home: {settings.home} (reused; indexing not measured)")
    else:
        tmp = tempfile.TemporaryDirectory(prefix="gongkai-bench-")
        settings = dataclasses.replace(load_settings(tmp.name), chroma_url=None)
        idx = build_index(args.corpus, settings)
        out["index"] = idx
        print(f"indexing (cold embedding cache): {idx['reports']} reports, {idx['chunks']} chunks, "
              f"{idx['embedded']} embedded in {idx['index_s']:.1f} s → {idx['chunks_per_s']:.2f} chunks/s "
              f"(whole ingest {idx['ingest_total_s']:.1f} s; model load {idx['model_load_s']:.1f} s, not counted)")

    searcher = HybridSearcher(settings)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if args.keyword_only:
            searcher.bm25()
        else:
            searcher.warm_up()
    print(f"warm-up (keyword index{'' if args.keyword_only else ' and model'}): {time.perf_counter() - t0:.2f} s")
    out["recall"], out["latency"] = {}, {}
    print(f"\nrecall of the expected report, {len(questions)} dev questions, top-5:")
    print(f"  {'mode':<8} {'filters':<8} {'R@1':>6} {'R@5':>6}  misses@5")
    for auto in (False, True):
        for mode in modes:
            r = recall(searcher, questions, mode, auto)
            out["recall"][f"{mode}{'+filters' if auto else ''}"] = r
            print(f"  {mode:<8} {'guessed' if auto else 'none':<8} {r['recall@1']:6.3f} {r['recall@5']:6.3f}  "
                  f"{' '.join(r['misses']) or '-'}")
    print(f"\nquery latency (model loaded, {args.repeat} passes × {len(questions)} questions):")
    print(f"  {'mode':<8} {'filters':<8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU ms':>8}")
    for auto in (False, True):
        for mode in modes:
            lt = latency(searcher, questions, mode, auto, args.repeat)
            out["latency"][f"{mode}{'+filters' if auto else ''}"] = lt
            print(f"  {mode:<8} {'guessed' if auto else 'none':<8} {lt['p50_ms']:8.1f} {lt['p95_ms']:8.1f} {lt['max_ms']:8.1f} "
                  f"{lt['cpu_ms_mean']:8.1f}")
    if args.synthetic:
        root = Path(tmp.name) if tmp is not None else Path(tempfile.mkdtemp(prefix="gongkai-bench-"))
        sc = out["scale"] = scale(settings, questions, args.synthetic, args.repeat, root)
        print(f"\nkeyword search at scale: corpus + {args.synthetic} synthetic reports, {sc['chunks']} chunks "
              f"(stored in {sc['store_s']:.0f} s); first query (index build/sync) {sc['first_query_s']:.2f} s")
        print(f"  {'mode':<8} {'filters':<8} {'R@1':>6} {'R@5':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU ms':>8}")
        for key in ("bm25", "bm25+filters"):
            r = sc[key]
            print(f"  {'bm25':<8} {'guessed' if key.endswith('filters') else 'none':<8} {r['recall@1']:6.3f} "
                  f"{r['recall@5']:6.3f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['max_ms']:8.1f} {r['cpu_ms_mean']:8.1f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak_rss_mb"] = peak_mb
    out["load_average_end"] = os.getloadavg()[0]
    print(f"\npeak memory (maxrss): {peak_mb:.0f} MB; load average {out['load_average_end']:.1f} at end")
    top = "bm25" if args.keyword_only else "hybrid"
    h5 = out["recall"][top]["recall@5"]
    p95 = out["latency"][top]["p95_ms"]
    print(f"targets ({top}): recall@5 {h5:.3f} (≥ {RECALL_TARGET}) {'OK' if h5 >= RECALL_TARGET else 'MISSED'}; "
          f"p95 {p95:.0f} ms (≤ {P95_TARGET_MS:.0f}) {'OK' if p95 <= P95_TARGET_MS else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
