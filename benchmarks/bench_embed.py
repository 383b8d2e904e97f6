"""Embedding options side by side: throughput on the same chunks, and recall@5 on the retrieval benchmark.

    .venv/bin/python benchmarks/bench_embed.py [--profiles full,fast,...] [--subset N] [--rounds N]
                                              [--cache FILE] [--threads N] [--no-recall] [--json FILE]

Each option is an embedding profile of :data:`ingest.vectorstore.PROFILES` (``full`` is the first
version's: float32, whole chunks up to 2,048 tokens, table chunks too).

1. The corpus is ingested into a temporary home (facts only) and chunked.
2. **Throughput**: a fixed subset of the chunks (seeded sample, the corpus's prose/table mix) is
   embedded by each profile through the real :class:`~ingest.vectorstore.Embedder` with an
   empty cache; profiles take turns slice by slice (8 chunks of the length-sorted subset), so
   load changes on the shared machine fall on all of them alike, for ``--rounds`` rounds; the
   best round counts. Time is the process's CPU time (``time.process_time``: one torch thread,
   so it is what the work costs whatever else runs on the machine; wall time is printed too).
   ``chunks/s`` is subset chunks ÷ CPU seconds: the table chunks a profile
   skips count as indexed (exact lookup answers from their cells, keyword search finds them);
   ``embedded/s`` counts only what went through the model. Model loading is not timed.
3. **Recall**: the whole corpus is indexed with each profile (vectors from ``--cache`` when they
   are there, so a second run embeds nothing) and searched with the dev questions as
   ``bench_retrieval.py`` does: recall@1 / recall@5 of the expected report, dense and hybrid.

The default profile must be ≥ 5× ``full``'s chunks/s with hybrid recall@5 no lower.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_retrieval import recall  # noqa: E402
from ingest.config import load_settings  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402
from ingest.vectorstore import (DEFAULT_PROFILE, PROFILES, Embedder, EmbeddingCache, VectorIndex,  # noqa: E402
                                all_chunks, load_profile_model, profile_for)
from qa.retrieval import HybridSearcher  # noqa: E402

SPEEDUP_TARGET = 5.0


def subset(chunks: list, n: int, seed: int = 14) -> list:
    """*n* chunks in the corpus's prose/table proportions, the same for every run."""
    rnd = random.Random(seed)
    prose = [c for c in chunks if c.kind == "prose"]
    tables = [c for c in chunks if c.kind == "table"]
    n_tab = round(n * len(tables) / len(chunks))
    return rnd.sample(prose, min(n - n_tab, len(prose))) + rnd.sample(tables, min(n_tab, len(tables)))


def throughput(settings, names: list[str], sample: list, rounds: int, tmp: Path) -> dict[str, dict]:
    """CPU and wall seconds per profile to embed *sample*, profiles interleaved slice by slice
    (8 chunks of the length-sorted sample at a time), so a change of load on the shared machine
    falls on every profile alike; the best of *rounds* counts."""
    embedders = {}
    for name in names:  # load and warm every model first (not timed)
        s = dataclasses.replace(settings, embed_profile=name)
        load_profile_model(s, profile_for(s)).encode_document(["预热"], batch_size=1)
    ordered = sorted(sample, key=lambda c: len(c.text))
    slices = [ordered[i:i + 8] for i in range(0, len(ordered), 8)]
    best: dict[str, tuple[float, float]] = {}
    embedded: dict[str, int] = {}
    for r in range(rounds):
        cpu = dict.fromkeys(names, 0.0)
        wall = dict.fromkeys(names, 0.0)
        for name in names:
            s = dataclasses.replace(settings, embed_profile=name)
            embedders[name] = Embedder(s, cache=EmbeddingCache(tmp / f"tp-{name}-{r}.sqlite3"))
        for part in slices:
            for name in names:
                emb = embedders[name]
                texts = [c.text for c in part if emb.profile.embeds(c)]
                t, w = time.process_time(), time.perf_counter()
                emb.embed_documents(texts)
                cpu[name] += time.process_time() - t
                wall[name] += time.perf_counter() - w
        for name in names:
            embedders[name].cache.close()
            embedded[name] = embedders[name].encoded
            if cpu[name] < best.get(name, (float("inf"), 0.0))[0]:
                best[name] = (cpu[name], wall[name])
            print(f"  round {r + 1} {name:<14} {cpu[name]:7.1f} s CPU {wall[name]:7.1f} s wall", file=sys.stderr, flush=True)
    return {n: {"cpu_s": best[n][0], "wall_s": best[n][1], "chunks_per_s": len(sample) / best[n][0],
                "embedded": embedded[n], "embedded_per_s": embedded[n] / best[n][0]} for n in names}


def recall_of(settings, name: str, cache_file: Path, questions: list[dict]) -> dict:
    s = dataclasses.replace(settings, embed_profile=name)
    emb = Embedder(s, cache=EmbeddingCache(cache_file))
    t = time.perf_counter()
    VectorIndex(s, embedder=emb).sync(progress=False)
    index_s = time.perf_counter() - t
    searcher = HybridSearcher(s, embedder=emb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {mode: recall(searcher, questions, mode, False) for mode in ("dense", "hybrid")}
    out["index_s"], out["embedded_now"] = index_s, emb.encoded
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "raw")
    ap.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev-questions.jsonl")
    ap.add_argument("--profiles", default=",".join(PROFILES), help=f"comma-separated (default: all of {', '.join(PROFILES)})")
    ap.add_argument("--subset", type=int, default=32, help="chunks timed per profile (default 32)")
    ap.add_argument("--rounds", type=int, default=2, help="timed rounds per profile, best counts (default 2)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the machine is shared)")
    ap.add_argument("--cache", type=Path, default=ROOT / ".gongkai-test-home" / "retrieval-embeddings.sqlite3",
                    help="embedding cache for the recall runs, kept between runs (default: the one "
                         "tests/test_retrieval.py seeds from; keys name the model, dtype and length)")
    ap.add_argument("--no-recall", action="store_true", help="throughput only")
    ap.add_argument("--recall", metavar="PROFILES", help="measure recall for these profiles only (comma-separated; "
                    "default: every timed one — the whole corpus is embedded once per profile)")
    ap.add_argument("--json", type=Path, metavar="FILE")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.profiles.split(",") if n.strip()]
    if "full" not in names:
        names.insert(0, "full")
    unknown = [n for n in names if n not in PROFILES]
    if unknown:
        ap.error(f"unknown profile(s): {', '.join(unknown)}")

    import torch

    torch.set_num_threads(args.threads)
    questions = [q for q in map(json.loads, args.questions.read_text("utf-8").splitlines()) if q.get("report")]
    tmp = tempfile.TemporaryDirectory(prefix="gongkai-bench-embed-")
    settings = dataclasses.replace(load_settings(tmp.name), chroma_url=None, embed=True)
    ingest_paths([args.corpus], settings, progress=False)
    chunks = all_chunks(settings)
    sample = subset(chunks, args.subset)
    print(f"machine: {os.cpu_count()} CPU(s), torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print(f"corpus: {len(chunks)} chunks ({sum(c.kind == 'table' for c in chunks)} table); timed subset: "
          f"{len(sample)} chunks ({sum(c.kind == 'table' for c in sample)} table), {args.rounds} round(s), best counts")
    tp = throughput(settings, names, sample, args.rounds, Path(tmp.name))
    rec: dict[str, dict] = {}
    if not args.no_recall:
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        for name in ([n.strip() for n in args.recall.split(",") if n.strip()] if args.recall else names):
            rec[name] = recall_of(settings, name, args.cache, questions)
            print(f"  recall {name:<14} indexed in {rec[name]['index_s']:.0f} s "
                  f"({rec[name]['embedded_now']} embedded now)", file=sys.stderr, flush=True)
    base = tp["full"]["chunks_per_s"]
    print(f"\n{'profile':<14} {'dtype':<9} {'seq':>5} {'tables':>6} {'CPU s':>6} {'wall s':>6} {'chunks/s':>9} "
          f"{'embedded/s':>10} {'speed-up':>8}"
          + ("" if args.no_recall else f" {'dense R@1':>9} {'dense R@5':>9} {'hybrid R@1':>10} {'hybrid R@5':>10}"))
    for name in names:
        p, t = PROFILES[name], tp[name]
        line = (f"{name + (' *' if name == DEFAULT_PROFILE else ''):<14} {p.dtype:<9} {p.max_seq_length or 2048:>5} "
                f"{'no' if p.skip_tables else 'yes':>6} {t['cpu_s']:6.1f} {t['wall_s']:6.1f} {t['chunks_per_s']:9.2f} {t['embedded_per_s']:10.2f} "
                f"{t['chunks_per_s'] / base:7.1f}×")
        if name in rec:
            r = rec[name]
            line += (f" {r['dense']['recall@1']:9.3f} {r['dense']['recall@5']:9.3f} {r['hybrid']['recall@1']:10.3f} "
                     f"{r['hybrid']['recall@5']:10.3f}")
        print(line)
    print(f"(* the default profile; load average {os.getloadavg()[0]:.1f} at end)")
    if DEFAULT_PROFILE in tp:
        up = tp[DEFAULT_PROFILE]["chunks_per_s"] / base
        ok = up >= SPEEDUP_TARGET
        msg = f"target: {DEFAULT_PROFILE} is {up:.1f}× full (≥ {SPEEDUP_TARGET:.0f}×) {'OK' if ok else 'MISSED'}"
        if rec.get(DEFAULT_PROFILE) and rec.get("full"):
            a, b = rec[DEFAULT_PROFILE]["hybrid"]["recall@5"], rec["full"]["hybrid"]["recall@5"]
            msg += f"; hybrid recall@5 {a:.3f} vs {b:.3f} {'OK' if a >= b else 'MISSED'}"
        print(msg)
    if args.json:
        args.json.write_text(json.dumps({"throughput": tp, "recall": rec}, indent=2, ensure_ascii=False) + "\n")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
