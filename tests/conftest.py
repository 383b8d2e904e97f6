"""Shared test helpers: where the corpus is, and a skip marker when it is absent."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
CORPUS = (ROOT.parent / "shared" / "corpus" / "raw").resolve()
DEV_QUESTIONS = (ROOT.parent / "shared" / "eval" / "dev-questions.jsonl").resolve()
SAMPLE = ROOT / "ingest" / "sample"

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS} (tests read ../shared/corpus/raw beside the checkout)"
)
