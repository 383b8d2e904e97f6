"""Hybrid retrieval over report chunks: BM25 (jieba) + dense (Chroma), fused by reciprocal rank.

Both halves are LangChain retrievers, called with ``invoke(query, k=…, filters=…)``:

* :class:`KeywordRetriever` ranks by BM25 in the persisted SQLite FTS5 index of
  :mod:`ingest.keyword_index` (``jieba.lcut_for_search`` tokens, punctuation and whitespace
  dropped); agency/year filters are part of the query, IDF stays corpus-wide.
* :class:`ChromaDenseRetriever` queries ``langchain_chroma.Chroma`` over the index collection with
  :class:`GongkaiEmbeddings` (``encode_query`` for queries, cached ``encode_document`` for
  documents) and a Chroma ``where`` filter on agency/year.

Fusion is a small in-house reciprocal rank fusion (:func:`reciprocal_rank_fusion`, k=60) rather
than ``langchain_classic``'s ``EnsembleRetriever``: the fused score and each side's rank are
kept on the hit; documents are deduplicated by chunk id; filters and depth are per call; and
when the dense side is unavailable (model not installed, Chroma server down) the search
degrades to BM25 with a warning instead of failing.

The keyword index is filled at ingest and kept on disk under the home; a searcher brings it up
to date when the facts store's generation moved (new reports indexed, gone ones dropped), so
``mode="bm25"`` needs neither the model nor a filled vector index, and no process rebuilds it.
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
from ingest.keyword_index import KeywordIndex, tokenize  # one tokenizer for the index and the query
from ingest.model_install import ModelMissingError

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[str, ...] = ("hybrid", "bm25", "dense")
RRF_K = 60
CANDIDATES = 30  # depth of each ranked list fed to the fusion


class DegradedSearchWarning(UserWarning):
    """Hybrid search fell back to BM25 (the dense side is unavailable)."""


# ------------------------------------------------------------------------------ query words
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


def agency_index(agencies: Mapping[str, str] | Iterable[str]) -> Any:
    """The :class:`qa.agencies.AgencyIndex` of *agencies* (names, or ``{name or alias: agency}``)."""
    from .agencies import AgencyIndex

    names: Mapping[str, str] = agencies if isinstance(agencies, Mapping) else {a: a for a in agencies}
    entries: dict[str, list[str]] = {}
    for alias, agency in names.items():
        entries.setdefault(agency, [])
        if alias != agency:
            entries[agency].append(alias)
    return AgencyIndex(entries)


def guess_filters(question: str, agencies: Mapping[str, str] | Iterable[str] | Any) -> dict[str, Any]:
    """``{"agency": …, "year": …}`` read from *question* for ``search(**…)``, by the one agency
    matcher (:class:`qa.agencies.AgencyIndex`).

    *agencies*: the stored agency names, ``{name or alias: agency}`` (see
    :func:`ingest.vectorstore.agency_names`), or an :func:`agency_index` built from them. ``agency``
    is the agency the first mention names (a list when it could be several), ``year`` every
    4-digit year 1990–2099 in the question (an int when one); each is ``None`` when nothing matched.
    """
    index = agencies if hasattr(agencies, "find") else agency_index(agencies)
    found = index.find(question)
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
class KeywordRetriever(BaseRetriever):
    """BM25 over jieba tokens in the persisted FTS5 index (:class:`ingest.keyword_index.KeywordIndex`),
    with per-call ``k`` and agency/year filters applied inside the query."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    index: Any  # ingest.keyword_index.KeywordIndex
    k: int = 5

    @property
    def size(self) -> int:
        return self.index.size()

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None, agency: Any = None, year: Any = None) -> list[Document]:
        tokens = tokenize(query)
        if not tokens:
            return []
        return [Document(page_content=h.text, id=h.chunk_id, metadata={**h.metadata, "score": h.score})
                for h in self.index.search(tokens, k=k or self.k, agency=agency, year=year)]


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
_KEYWORD: dict[str, KeywordIndex] = {}  # one open index per home, shared by the searchers of a process
_KEYWORD_LOCK = threading.Lock()


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
        self._agencies: tuple[Any, dict[str, str], Any] | None = None  # (generation, names, AgencyIndex)
        self._facts: Any = None  # ingest.store.Store, opened on first use

    # -- the two sides
    def bm25(self) -> KeywordRetriever:
        """The keyword (BM25) retriever over every current report's chunks: the FTS5 index under
        the home, brought up to date first when the store's generation moved."""
        from ingest.keyword_index import INDEX_FILE

        key = str(self.settings.home / INDEX_FILE)
        with _KEYWORD_LOCK:
            index = _KEYWORD.get(key)
            if index is None:
                index = _KEYWORD[key] = KeywordIndex(key)
        store = self._store()
        if store is not None:
            gen = str(store.generation())
            if index.synced_generation != gen:
                with _KEYWORD_LOCK:  # one thread syncs; the others then find it done
                    t0 = time.perf_counter()
                    done = index.sync(store, int(gen))
                    if done["indexed"] or done["deleted"]:
                        log.info("keyword index synced in %.2f s: %s", time.perf_counter() - t0, done)
        return KeywordRetriever(index=index)

    def _store(self) -> Any:
        """The facts store (opened once), or ``None`` while there is none."""
        if self._facts is None:
            from ingest.store import open_store, store_exists

            if store_exists(self.settings):
                self._facts = open_store(self.settings)
        return self._facts

    def dense(self) -> ChromaDenseRetriever:
        """The dense retriever; raises :class:`ModelMissingError` (or a connection error)."""
        if self._dense is not None:
            return self._dense
        with self._lock:
            if self._dense is None:
                from ingest.vectorstore import Embedder, collection_name, open_client, profile_for, require_model

                if self._embedder is None:
                    require_model(self.settings)  # fail fast, before opening anything
                    self._embedder = Embedder(self.settings)
                client = self._client if self._client is not None else open_client(self.settings)
                from langchain_chroma import Chroma

                store = Chroma(client=client, collection_name=collection_name(self.settings.embedding_model,
                                                                   profile_for(self.settings).name),
                               embedding_function=GongkaiEmbeddings(self._embedder),
                               collection_configuration={"hnsw": {"space": "cosine"}})
                self._dense = ChromaDenseRetriever(vectorstore=store)
                if store._collection.count() == 0 and self.bm25().size:
                    self._note("the vector index is empty (reports were ingested without the model or with "
                               "--no-index): hybrid results are keyword (BM25) results only")
        return self._dense

    def warm_up(self) -> None:
        """Bring the keyword index up to date and load the model now (so the first query is not
        the slow one)."""
        self.bm25()
        try:
            self.dense().invoke("政府信息公开", k=1)
        except Exception as exc:  # noqa: BLE001 — reported by search() when it matters
            self._dense_error = exc

    # -- filters
    def agencies(self) -> dict[str, str]:
        """``{name or alias: agency}`` of the stored reports (read again when the store changed)."""
        return self._agency_cache()[1]

    def _agency_cache(self) -> tuple[Any, dict[str, str], Any]:
        from ingest.vectorstore import agency_names

        store = self._store()
        gen = store.generation() if store is not None else None
        if self._agencies is None or self._agencies[0] != gen:
            names = agency_names(self.settings)
            self._agencies = (gen, names, agency_index(names))
        return self._agencies

    def guess_filters(self, question: str) -> dict[str, Any]:
        return guess_filters(question, self._agency_cache()[2])

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


def warm_up_in_background(settings: Settings) -> threading.Thread:
    """Bring the keyword index up to date and load the embedding model on a daemon thread, for a
    long-running process (the web UI): its first prose answer then does not wait for the model.
    Warms the searcher :mod:`qa.prose` answers with (the model itself is shared per process)."""
    def run() -> None:
        try:
            from .prose import _searcher

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _searcher(settings).warm_up()
        except Exception:  # noqa: BLE001 — the first search reports what is wrong
            log.debug("warm-up failed", exc_info=True)

    t = threading.Thread(target=run, name="gongkai-warm-up", daemon=True)
    t.start()
    return t
