"""Hybrid retrieval over report chunks: BM25 (jieba) + dense (Chroma), fused by reciprocal rank.

Both halves are LangChain retrievers, called with ``invoke(query, k=…, filters=…)``:

* :class:`FilteredBM25Retriever` wraps ``langchain_community``'s ``BM25Retriever`` (rank-bm25
  Okapi over ``jieba.lcut_for_search`` tokens, punctuation and whitespace dropped). Scores are
  computed for the whole corpus (corpus-wide IDF) and then post-filtered by agency/year.
* :class:`ChromaDenseRetriever` queries ``langchain_chroma.Chroma`` over the index collection with
  :class:`GongkaiEmbeddings` (``encode_query`` for queries, cached ``encode_document`` for
  documents) and a Chroma ``where`` filter on agency/year.

Fusion is a small in-house reciprocal rank fusion (:func:`reciprocal_rank_fusion`, k=60) rather
than ``langchain_classic``'s ``EnsembleRetriever``: the fused score and each side's rank are
kept on the hit; documents are deduplicated by chunk id; filters and depth are per call; and
when the dense side is unavailable (model not installed, Chroma server down) the search
degrades to BM25 with a warning instead of failing.

The BM25 index is built from the facts store (:func:`ingest.vectorstore.all_chunks`), cached in
the process, and rebuilt when the store's fingerprint (report ids and ingest times) changes, so
``mode="bm25"`` needs neither the model nor a filled vector index.
"""
from __future__ import annotations

import logging
import re
import threading
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingest.chunks import Chunk
from ingest.config import Settings
from ingest.model_install import ModelMissingError

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[str, ...] = ("hybrid", "bm25", "dense")
RRF_K = 60
CANDIDATES = 30  # depth of each ranked list fed to the fusion


class DegradedSearchWarning(UserWarning):
    """Hybrid search fell back to BM25 (the dense side is unavailable)."""


# ------------------------------------------------------------------------------ tokens
_NO_WORD = re.compile(r"^[\W_]+$")
_SMALL_NUMBER = re.compile(r"^\d{1,3}$|^\d+\.\d+$")  # table values; 4-digit years stay
BM25_PARAMS = {"k1": 1.5, "b": 0.5}  # b < 0.75: long table chunks are not buried by their length
_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba() -> Any:
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def tokenize(text: str) -> list[str]:
    """BM25 tokens: ``jieba.lcut_for_search`` (lower-cased), without punctuation/whitespace tokens
    and without numbers of 1–3 digits or with decimals (the values of a table would otherwise
    make table chunks look long and match every question that has a number in it)."""
    return [t.lower() for t in _jieba().lcut_for_search(text)
            if t.strip() and not _NO_WORD.match(t) and not _SMALL_NUMBER.match(t)]


_QUESTION_WORDS = re.compile(
    r"((?:是|有|为|共|各)?(?:多少|几)(?:件|个|次|篇|条|项|人|家|期|场|位)?|哪个|哪些|哪家|什么|怎么样|怎样|如何|是否|吗|呢|请问"
    r"|\bhow many\b|\bhow much\b|\bwhat\b|\bwhich\b|\bdid\b|\bdoes\b|\bwas\b|\bwere\b|\bis\b|\bare\b)[?？]*",
    re.IGNORECASE)


def rewrite_query(question: str) -> str:
    """The question without question words and question marks (多少/几件/哪个/how many …)."""
    q = _QUESTION_WORDS.sub(" ", question)
    q = re.sub(r"[?？]+", " ", q)
    return re.sub(r"\s+", " ", q).strip() or question


# ------------------------------------------------------------------------------ filters
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")


def guess_filters(question: str, agencies: Mapping[str, str] | Iterable[str]) -> dict[str, Any]:
    """``{"agency": …, "year": …}`` read from *question* for ``search(**…)``, by the one agency
    matcher (:class:`qa.agencies.AgencyIndex`).

    *agencies*: the stored agency names, or ``{name or alias: agency}`` (see
    :func:`ingest.vectorstore.agency_names`). ``agency`` is the agency the first mention names (a
    list when it could be several), ``year`` every 4-digit year 1990–2099 in the question (an int
    when one); each is ``None`` when nothing matched.
    """
    from .agencies import AgencyIndex

    names: Mapping[str, str] = agencies if isinstance(agencies, Mapping) else {a: a for a in agencies}
    entries: dict[str, list[str]] = {}
    for alias, agency in names.items():
        entries.setdefault(agency, [])
        if alias != agency:
            entries[agency].append(alias)
    found = AgencyIndex(entries).find(question)
    years = sorted({int(y) for y in _YEAR.findall(question)})
    chosen = list(found[0].agencies) if found else []
    return {
        "agency": (chosen[0] if len(chosen) == 1 else chosen) if chosen else None,
        "year": (years[0] if len(years) == 1 else years) if years else None,
    }


def _as_list(v: Any) -> list | None:
    if v is None:
        return None
    if isinstance(v, (str, int)):
        return [v]
    out = list(v)
    return out or None


def chroma_where(agency: Any = None, year: Any = None) -> dict | None:
    """The Chroma ``where`` clause for agency/year filters (each a value or a list)."""
    conds = []
    for key, val in (("agency", _as_list(agency)), ("year", _as_list(year))):
        if val:
            conds.append({key: val[0]} if len(val) == 1 else {key: {"$in": val}})
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


def _matches(md: Mapping[str, Any], agency: list | None, year: list | None) -> bool:
    return (agency is None or md.get("agency") in agency) and (year is None or md.get("year") in year)


# ------------------------------------------------------------------------------ hits
@dataclass
class Hit:
    """One retrieved chunk: its metadata and text, the score of the mode used, and its rank (1-based).

    ``score`` is the RRF score (hybrid), the BM25 score (bm25) or the cosine similarity (dense);
    ``bm25_rank`` / ``dense_rank`` tell where each side ranked it (``None``: not in that list).
    """

    id: str
    report_id: str
    source: str
    agency: str | None
    year: int | None
    kind: str
    section_number: int | None
    section_title: str
    page: int | None
    start: int
    end: int
    table: str
    row_ids: tuple[str, ...]
    text: str
    score: float
    rank: int
    mode: str = "hybrid"
    bm25_rank: int | None = None
    dense_rank: int | None = None

    @classmethod
    def from_document(cls, doc: Document, score: float, rank: int, mode: str, **ranks: int | None) -> Hit:
        c = Chunk.from_metadata(doc.page_content, doc.metadata)
        return cls(id=c.id or str(doc.id), report_id=c.report_id, source=c.source, agency=c.agency, year=c.year,
                   kind=c.kind, section_number=c.section_number, section_title=c.section_title, page=c.page,
                   start=c.start, end=c.end, table=c.table, row_ids=c.row_ids, text=c.text, score=float(score),
                   rank=rank, mode=mode, **ranks)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["row_ids"] = list(self.row_ids)
        return d


def _doc_id(doc: Document) -> str:
    return str(doc.metadata.get("chunk_id") or doc.id or doc.page_content)


def reciprocal_rank_fusion(ranked: Sequence[Sequence[Document]], k: int = RRF_K,
                           weights: Sequence[float] | None = None) -> list[tuple[Document, float]]:
    """Documents of several ranked lists, deduplicated by chunk id, by Σ weight/(k + rank)."""
    weights = weights or [1.0] * len(ranked)
    score: dict[str, float] = {}
    first: dict[str, Document] = {}
    for docs, w in zip(ranked, weights):
        for rank, doc in enumerate(docs, 1):
            key = _doc_id(doc)
            score[key] = score.get(key, 0.0) + w / (k + rank)
            first.setdefault(key, doc)
    return sorted(((first[key], s) for key, s in score.items()), key=lambda ds: -ds[1])


# ------------------------------------------------------------------------------ retrievers
class FilteredBM25Retriever(BaseRetriever):
    """``BM25Retriever`` (jieba tokens) with per-call ``k`` and agency/year post-filters."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    bm25: Any  # langchain_community.retrievers.BM25Retriever
    k: int = 5

    @classmethod
    def from_chunks(cls, chunks: Sequence[Chunk], k: int = 5) -> FilteredBM25Retriever:
        with warnings.catch_warnings():  # langchain-community announces its sunset on import
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.retrievers import BM25Retriever
        docs = [Document(page_content=c.text, metadata=c.metadata(), id=c.id) for c in chunks]
        if not docs:
            return cls(bm25=None, k=k)
        return cls(bm25=BM25Retriever.from_documents(docs, preprocess_func=tokenize, bm25_params=BM25_PARAMS, k=k), k=k)

    @property
    def size(self) -> int:
        return 0 if self.bm25 is None else len(self.bm25.docs)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None, agency: Any = None, year: Any = None) -> list[Document]:
        if self.bm25 is None:
            return []
        tokens = self.bm25.preprocess_func(query)
        if not tokens:
            return []
        scores = self.bm25.vectorizer.get_scores(tokens)
        ag, yr = _as_list(agency), _as_list(year)
        out: list[Document] = []
        for i in scores.argsort()[::-1]:
            if scores[i] <= 0:
                break
            doc = self.bm25.docs[i]
            if _matches(doc.metadata, ag, yr):
                out.append(Document(page_content=doc.page_content, id=doc.id,
                                    metadata={**doc.metadata, "score": float(scores[i])}))
                if len(out) >= (k or self.k):
                    break
        return out


class GongkaiEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over :class:`ingest.vectorstore.Embedder`: ``encode_query`` for
    queries, cached ``encode_document`` (batches of 8) for documents."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [v.tolist() for v in self.embedder.embed_documents(texts)]

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


class ChromaDenseRetriever(BaseRetriever):
    """Nearest chunks in the Chroma collection (``langchain_chroma.Chroma``), with a ``where`` filter."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    vectorstore: Any  # langchain_chroma.Chroma
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None, agency: Any = None, year: Any = None) -> list[Document]:
        pairs = self.vectorstore.similarity_search_with_score(query, k=k or self.k, filter=chroma_where(agency, year))
        return [Document(page_content=d.page_content, id=d.id,
                         metadata={**d.metadata, "score": 1.0 - float(dist)}) for d, dist in pairs]


# ------------------------------------------------------------------------------ searcher
_BM25_CACHE: dict[str, tuple[str, FilteredBM25Retriever]] = {}
_BM25_LOCK = threading.Lock()


class HybridSearcher:
    """Search the ingested reports under ``settings.home``.

    ``search(query, k=5, agency=None, year=None, mode="hybrid")`` → ranked :class:`Hit` list.
    ``agency``/``year`` take a value or a list; ``auto_filters=True`` fills the ones not given
    from the question (:func:`guess_filters`). Without the embedding model (or with the Chroma
    server unreachable) ``hybrid`` degrades to BM25 with a :class:`DegradedSearchWarning`,
    noted in :attr:`notes`; ``dense`` raises.
    """

    def __init__(self, settings: Settings, embedder: Any = None, client: Any = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._client = client
        self._dense: ChromaDenseRetriever | None = None
        self._dense_error: Exception | None = None
        self._lock = threading.Lock()
        # Set by a background loader (the web UI) while it loads the model: hybrid search answers
        # from BM25 at once meanwhile instead of waiting for the model.
        self.loading = False
        self.notes: list[str] = []  # warnings given by this searcher (e.g. degraded to BM25)
        self._agencies: tuple[str, dict[str, str]] | None = None

    # -- the two sides
    def bm25(self) -> FilteredBM25Retriever:
        """The BM25 retriever over every stored chunk (rebuilt when the store changes)."""
        from ingest.vectorstore import all_chunks, store_fingerprint

        key = self.settings.store_location
        fp = store_fingerprint(self.settings)
        cached = _BM25_CACHE.get(key)
        if cached is not None and cached[0] == fp:
            return cached[1]
        with _BM25_LOCK:
            cached = _BM25_CACHE.get(key)
            if cached is None or cached[0] != fp:
                t0 = time.perf_counter()
                retriever = FilteredBM25Retriever.from_chunks(all_chunks(self.settings))
                _BM25_CACHE[key] = (fp, retriever)
                log.info("BM25 index: %d chunks in %.2f s", retriever.size, time.perf_counter() - t0)
            return _BM25_CACHE[key][1]

    def dense(self) -> ChromaDenseRetriever:
        """The dense retriever; raises :class:`ModelMissingError` (or a connection error)."""
        if self._dense is not None:
            return self._dense
        with self._lock:
            if self._dense is None:
                from ingest.vectorstore import Embedder, collection_name, open_client, require_model

                if self._embedder is None:
                    require_model(self.settings)  # fail fast, before opening anything
                    self._embedder = Embedder(self.settings)
                client = self._client if self._client is not None else open_client(self.settings)
                from langchain_chroma import Chroma

                store = Chroma(client=client, collection_name=collection_name(self.settings.embedding_model),
                               embedding_function=GongkaiEmbeddings(self._embedder),
                               collection_configuration={"hnsw": {"space": "cosine"}})
                self._dense = ChromaDenseRetriever(vectorstore=store)
                if store._collection.count() == 0 and self.bm25().size:
                    self._note("the vector index is empty (reports were ingested without the model or with "
                               "--no-index): hybrid results are keyword (BM25) results only")
        return self._dense

    def warm_up(self) -> None:
        """Build the BM25 index and load the model now (so the first query is not the slow one)."""
        self.bm25()
        try:
            self.dense().invoke("政府信息公开", k=1)
        except Exception as exc:  # noqa: BLE001 — reported by search() when it matters
            self._dense_error = exc

    # -- filters
    def agencies(self) -> dict[str, str]:
        """``{name or alias: agency}`` of the stored reports (cached per store fingerprint)."""
        from ingest.vectorstore import agency_names, store_fingerprint

        fp = store_fingerprint(self.settings)
        if self._agencies is None or self._agencies[0] != fp:
            self._agencies = (fp, agency_names(self.settings))
        return self._agencies[1]

    def guess_filters(self, question: str) -> dict[str, Any]:
        return guess_filters(question, self.agencies())

    # -- search
    def search(self, query: str, k: int = 5, agency: Any = None, year: Any = None, mode: Mode = "hybrid",
               *, auto_filters: bool = False) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if auto_filters and (agency is None or year is None):
            guess = self.guess_filters(query)
            agency = agency if agency is not None else guess["agency"]
            year = year if year is not None else guess["year"]
        depth = max(k, CANDIDATES)
        keyword_query = rewrite_query(query)
        if mode == "bm25":
            docs = self.bm25().invoke(keyword_query, k=k, agency=agency, year=year)
            return [Hit.from_document(d, d.metadata["score"], i, "bm25", bm25_rank=i) for i, d in enumerate(docs, 1)]
        if mode == "dense":
            docs = self.dense().invoke(query, k=k, agency=agency, year=year)
            return [Hit.from_document(d, d.metadata["score"], i, "dense", dense_rank=i) for i, d in enumerate(docs, 1)]
        sparse = self.bm25().invoke(keyword_query, k=depth, agency=agency, year=year)
        if self.loading:
            log.info("model still loading: keyword (BM25) results for %r", query[:40])
            return [Hit.from_document(d, d.metadata["score"], i, "bm25", bm25_rank=i)
                    for i, d in enumerate(sparse[:k], 1)]
        try:
            dense = self.dense().invoke(query, k=depth, agency=agency, year=year)
        except Exception as exc:  # noqa: BLE001 — no model, server down…: keyword search still answers
            self._degraded(exc)
            return [Hit.from_document(d, d.metadata["score"], i, "bm25", bm25_rank=i)
                    for i, d in enumerate(sparse[:k], 1)]
        b_rank = {_doc_id(d): i for i, d in enumerate(sparse, 1)}
        d_rank = {_doc_id(d): i for i, d in enumerate(dense, 1)}
        fused = reciprocal_rank_fusion([sparse, dense], k=RRF_K)[:k]
        return [Hit.from_document(d, s, i, "hybrid", bm25_rank=b_rank.get(_doc_id(d)), dense_rank=d_rank.get(_doc_id(d)))
                for i, (d, s) in enumerate(fused, 1)]

    def _note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)
            warnings.warn(note, DegradedSearchWarning, stacklevel=4)
            log.warning(note)

    def _degraded(self, exc: Exception) -> None:
        reason = str(exc) if isinstance(exc, ModelMissingError) else f"{exc.__class__.__name__}: {exc}"
        self._note(f"dense search unavailable, keyword (BM25) results only — {reason}")
        if isinstance(exc, ModelMissingError):  # retry later only if the error may be transient
            return
        with self._lock:
            self._dense = None
