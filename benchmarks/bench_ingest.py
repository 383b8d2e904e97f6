"""Ingest throughput on the corpus (embedding excluded) and peak memory.

    python benchmarks/bench_ingest.py [CORPUS_DIR] [--rounds 5]

Prints, from one run: median seconds per round and reports/s for text/HTML/Markdown files and for
PDFs (parse only: load → normalise → metadata → sections → tables → validation), the full
pipeline into a fresh SQLite store (parse + store, no vector index) in one process and with the
two parse workers `gongkai ingest` uses, and peak RSS.
"""
from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.config import load_settings  # noqa: E402
from ingest.pipeline import ingest_paths, parse_file  # noqa: E402
from ingest.load import SUPPORTED  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus" / "raw"))
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    files = sorted(p for p in Path(args.corpus).iterdir() if p.suffix.lower() in SUPPORTED and p.name != "SOURCES.md")
    text = [p for p in files if p.suffix.lower() != ".pdf"]
    pdfs = [p for p in files if p.suffix.lower() == ".pdf"]
    parse_file(files[0])  # warm imports (jieba/opencc/pypdf)

    def timed(group: list[Path]) -> list[float]:
        out = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            for p in group:
                parse_file(p)
            out.append(time.perf_counter() - t)
        return out

    t_text, t_pdf = timed(text), timed(pdfs)
    def pipeline(group: list[Path], workers: int) -> list[float]:
        out = []
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as home:
                settings = dataclasses.replace(load_settings(home), embed=False)
                t = time.perf_counter()
                s = ingest_paths(group, settings, progress=False, workers=workers)
                out.append(time.perf_counter() - t)
                assert not s.errors, s.errors
        return out

    full = pipeline(files, 1)
    full2 = pipeline(files, 2)
    pdf2 = pipeline(pdfs, 2)
    med = statistics.median
    print(f"corpus: {len(files)} files ({len(text)} text/HTML/MD, {len(pdfs)} PDF), {args.rounds} rounds, medians")
    print(f"  parse text/HTML/MD : {med(t_text):.3f} s/round  → {len(text) / med(t_text):6.1f} reports/s (target ≥ 20)")
    print(f"  parse PDF          : {med(t_pdf):.3f} s/round  → {len(pdfs) / med(t_pdf):6.1f} reports/s (target ≥ 3)")
    print(f"  full pipeline      : {med(full):.3f} s/round  → {len(files) / med(full):6.1f} reports/s (parse + SQLite, no index, 1 process)")
    print(f"  full, 2 workers    : {med(full2):.3f} s/round  → {len(files) / med(full2):6.1f} reports/s (as `gongkai ingest` runs; ratio ×{med(full) / med(full2):.2f})")
    print(f"  PDFs, 2 workers    : {med(pdf2):.3f} s/round  → {len(pdfs) / med(pdf2):6.1f} reports/s (parse + SQLite)")
    print(f"  peak RSS           : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
