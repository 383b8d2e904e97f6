"""The naive RAG baseline: what most teams build first, run beside the real pipeline.

Same chunks and embeddings as gongkai (``qa.retrieval.HybridSearcher`` over the same home), but:

* **retrieval** — plain top-k dense search (k=5) on the question text: no agency or year filter,
  no routing, no table lookup. If dense search is impossible (embedding model not installed, or
  the dense search raises) it falls back to BM25 and says so in :attr:`NaiveRAG.notes`, which the
  evaluation summary prints.
* **the number** — taken from the passages in rank order: in the best passage, the first number
  that comes at most :data:`WINDOW` characters after a *question keyword* (a jieba word of two or
  more characters from the question, not a stop word, year or number). Years written as
  ``20xx年`` are skipped. If the best passage has no such number the next passage is tried.
  This is deliberately simple and honest: it reads the first figure next to a word of the
  question, exactly what a prompt-less "find the number near the words" heuristic does, so in a
  table row it takes the first column (自然人), not 总计, and it never says "not found" when some
  passage came back.
* **the answer** — kind ``"prose"``, ``value`` the number (None if none was found), the passage
  it came from as the one citation. ``"not_found"`` only when retrieval returned nothing.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from qa.models import Answer, Citation

K = 5
WINDOW = 20  # max characters between the end of a keyword and the number it labels
NUM_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])")
YEAR_AFTER_RE = re.compile(r"\s*(?:年|-\d|/\d)")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
STOP_WORDS = frozenset("""
多少 多少件 多少篇 多少条 多少次 多少个 多少场 多少期 多少元 多少起 几件 几次 几篇 几个 几期 有几件 有多少 是多少
哪个 哪些 什么 怎么 如何 是否 以及 其中 一共 共计 总共 收到 the and for did how many much what which was were
with from that this year in of to a an is are its their
""".split())


def keywords(question: str) -> list[str]:
    """Question words worth matching in a passage: jieba words of 2+ characters, minus stop words,
    years and numbers (longest first, no repeats)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    words: list[str] = []
    for w in jieba.lcut(question):
        w = w.strip()
        lw = w.lower()
        if len(w) < 2 or lw in STOP_WORDS or re.fullmatch(r"[\d.,%]+年?", w):
            continue
        if not (CJK_RE.search(w) or re.fullmatch(r"[A-Za-z]{3,}", w)):
            continue
        if w not in words:
            words.append(w)
    return sorted(words, key=len, reverse=True)


def _is_year(text: str, start: int, end: int) -> bool:
    n = text[start:end]
    return len(n) == 4 and n[:2] in ("19", "20") and bool(YEAR_AFTER_RE.match(text, end))


def extract_number(passage: str, words: Sequence[str], window: int = WINDOW) -> tuple[str, int, int, int] | None:
    """The first number in *passage* that follows a keyword by at most *window* characters, as
    ``(number_text, number_start, number_end, keyword_start)``; None when there is none."""
    if not words:
        return None
    ends: list[tuple[int, int]] = []  # (keyword end, keyword start)
    for w in words:
        for m in re.finditer(re.escape(w), passage):
            ends.append((m.end(), m.start()))
    if not ends:
        return None
    for m in NUM_RE.finditer(passage):
        if _is_year(passage, m.start(), m.end()):
            continue
        before = [(e, s) for e, s in ends if e <= m.start() and m.start() - e <= window]
        if before:
            return m.group(), m.start(), m.end(), max(before)[1]
    return None


def _number(text: str) -> int | Decimal:
    d = Decimal(text)
    return int(d) if d == d.to_integral_value() and "." not in text else d


def _field(hit: Any, name: str, default: Any = None) -> Any:
    """A hit's attribute, or its metadata entry (``hit.metadata`` dict or ``hit.chunk``)."""
    if isinstance(hit, dict):
        return hit.get(name, (hit.get("metadata") or {}).get(name, default))
    v = getattr(hit, name, None)
    if v is not None:
        return v
    md = getattr(hit, "metadata", None)
    if callable(md):
        md = md()
    if isinstance(md, dict) and md.get(name) is not None:
        return md[name]
    chunk = getattr(hit, "chunk", None)
    if chunk is not None and getattr(chunk, name, None) is not None:
        return getattr(chunk, name)
    return default


def _citation(hit: Any, quote: str) -> Citation:
    year = _field(hit, "year")
    return Citation(
        source=str(_field(hit, "source", "") or ""),
        agency=_field(hit, "agency"),
        year=int(year) if isinstance(year, (int, str)) and str(year).isdigit() else None,
        page=_field(hit, "page"),
        section=_field(hit, "section_title") or _field(hit, "section"),
        table=_field(hit, "table") or None,
        quote=quote,
        report_id=_field(hit, "report_id"),
    )


def _english(question: str) -> bool:
    return len(CJK_RE.findall(question)) * 3 < len(re.findall(r"[A-Za-z]", question))


class NaiveRAG:
    """``NaiveRAG(settings)(question) -> Answer``. *searcher* may be injected (tests)."""

    name = "baseline"

    def __init__(self, settings: Any = None, *, home: str | None = None, k: int = K,
                 searcher: Any = None) -> None:
        self.k = k
        self.notes: list[str] = []
        self.retrieval = "dense"
        self._dense_answered = False  # dense search has returned hits at least once
        if searcher is None:
            from ingest.config import load_settings
            from qa.retrieval import HybridSearcher

            settings = settings if settings is not None else load_settings(home)
            self._precheck_model(settings)
            searcher = HybridSearcher(settings)
        self.searcher = searcher

    def _precheck_model(self, settings: Any) -> None:
        try:
            from ingest.model_install import ModelMissingError, resolve_model
        except ImportError:  # pragma: no cover - ingest always ships it
            return
        try:
            resolve_model(settings.embedding_model, settings.model_dir)
        except ModelMissingError as exc:
            self._fall_back(f"embedding model not installed ({exc})")

    def _fall_back(self, why: str) -> None:
        self.retrieval = "bm25"
        self.notes.append(f"baseline: dense retrieval unavailable — {why}; fell back to BM25")

    def search(self, question: str) -> list[Any]:
        if self.retrieval == "dense":
            try:
                hits = list(self.searcher.search(question, k=self.k, mode="dense"))
            except Exception as exc:  # model missing / index unreadable: say so, go on with BM25
                self._fall_back(f"{type(exc).__name__}: {exc}")
            else:
                if hits or self._dense_answered:
                    self._dense_answered = True
                    return hits
                # unfiltered top-k over a filled index is never empty: the vector index is empty
                bm25 = list(self.searcher.search(question, k=self.k, mode="bm25"))
                if not bm25:
                    return []
                self._fall_back("the vector index is empty (reports ingested without the model or with "
                                "--no-index)")
                return bm25
        return list(self.searcher.search(question, k=self.k, mode="bm25"))

    def __call__(self, question: str) -> Answer:
        return self.answer(question)

    def answer(self, question: str) -> Answer:
        hits = self.search(question)
        lang = "en" if _english(question) else "zh"
        interp = {"pipeline": "naive-rag", "retrieval": self.retrieval, "k": self.k}
        if not hits:
            text = "No passage found." if lang == "en" else "没有检索到相关段落。"
            return Answer(question=question, text=text, kind="not_found", language=lang, interpretation=interp)
        words = keywords(question)
        for hit in hits:
            passage = str(_field(hit, "text", "") or "")
            found = extract_number(passage, words)
            if found is None:
                continue
            num, s, e, kw_start = found
            snippet = re.sub(r"\s+", " ", passage[kw_start:e + 20]).strip()[:80]
            src = _field(hit, "source", "?")
            text = f"{num}（{src}：“{snippet}…”）"
            return Answer(question=question, text=text, kind="prose", value=_number(num),
                          citations=[_citation(hit, snippet)], language=lang, interpretation=interp)
        best = hits[0]
        passage = re.sub(r"\s+", " ", str(_field(best, "text", "") or "")).strip()
        return Answer(question=question, text=passage[:200], kind="prose",
                      citations=[_citation(best, passage[:200])], language=lang, interpretation=interp,
                      warnings=["no number next to a question word in the retrieved passages"])


def make_baseline(home: str | None = None, **kw: Any) -> Callable[[str], Answer]:
    return NaiveRAG(home=home, **kw)
