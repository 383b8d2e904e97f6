"""The vector index: report chunks embedded into one Chroma collection.

* **Where** — an embedded ``chromadb.PersistentClient`` under ``settings.chroma_path`` by default;
  with ``settings.chroma_url`` (``GONGKAI_CHROMA_URL``, e.g. ``http://127.0.0.1:8001``) an
  ``HttpClient`` to a running ``chroma run`` server instead.
* **What** — one collection per embedding model (``gongkai-<model slug>``, cosine space), so
  switching models never mixes vectors. Each record is one :class:`~ingest.chunks.Chunk`: its id,
  text and flat metadata (report_id, source, agency, year, kind, section, page, span, table,
  row_ids, content_hash).
* **Embedding cache** — ``home/embeddings.sqlite3`` maps ``(model, sha256(text))`` to a float32
  vector, so re-indexing unchanged text never runs the model. Documents are embedded with
  ``encode_document`` in batches of :data:`BATCH_SIZE`, queries with ``encode_query``.
* **Ingest hook** — :func:`make_index_hook` gives ``pipeline.ingest_paths`` a hook that indexes
  each added/replaced report (and an "unchanged" one only when the index lacks it). Without the
  model it raises :class:`~ingest.model_install.ModelMissingError` whose message starts with
  ``run `gongkai models install```; the pipeline records it per file as
  "stored, but vector index failed (…)" — the facts store (and BM25 search) are unaffected.
* **Chunks from the facts store** — :func:`all_chunks` rebuilds every chunk from the *facts
  store* (not from Chroma); the keyword index (:mod:`ingest.keyword_index`) is filled the same
  way, so keyword search works with no model installed and with ``--no-index``.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from .chunks import CHUNKER_VERSION, Chunk, make_chunks, parsed_from_store, sha256_text
from .config import Settings
from .model_install import ModelMissingError
from .models import ParsedReport

if TYPE_CHECKING:
    import chromadb

BATCH_SIZE = 8  # documents per encode_document call (fastest on the 2-core CPU)
CACHE_FILE = "embeddings.sqlite3"
INSTALL_HINT = "run `gongkai models install`"


# ------------------------------------------------------------------------------ profiles
@dataclass(frozen=True)
class EmbedProfile:
    """How chunks are embedded (``settings.embed_profile``; measured by benchmarks/bench_embed.py).

    ``dtype``: the model's weights (``bfloat16`` runs on the CPU's bf16 units where it has them);
    ``max_seq_length``: tokens read per chunk (``None``: the model's 2,048); ``skip_tables``: table
    chunks are not embedded — exact lookup answers from their cells and keyword search finds them.
    Vectors of different profiles never mix: each has its own cache key and Chroma collection.
    """

    name: str
    dtype: str = "float32"
    max_seq_length: int | None = None
    skip_tables: bool = False
    batch_size: int = BATCH_SIZE

    def key(self, model: str) -> str:
        """The embedding-cache key: what makes the vectors (model, dtype, length), so profiles that
        differ only in which chunks they embed share vectors; the model name alone for float32
        whole chunks (what earlier versions wrote)."""
        if self.dtype == "float32" and self.max_seq_length is None:
            return model
        return f"{model}@{self.dtype}/{self.max_seq_length or 'full'}"

    def embeds(self, chunk: Chunk) -> bool:
        return not (self.skip_tables and chunk.kind == "table")


PROFILES: dict[str, EmbedProfile] = {p.name: p for p in (
    EmbedProfile("full"),  # the first version: float32, whole chunks, tables too
    EmbedProfile("seq256", max_seq_length=256),
    EmbedProfile("prose", skip_tables=True),
    EmbedProfile("bf16", dtype="bfloat16"),
    EmbedProfile("prose-seq256", max_seq_length=256, skip_tables=True),
    EmbedProfile("prose-seq128", max_seq_length=128, skip_tables=True),
    EmbedProfile("fast", dtype="bfloat16", max_seq_length=128, skip_tables=True),
)}
DEFAULT_PROFILE = "fast"


def profile_for(settings: Settings) -> EmbedProfile:
    try:
        return PROFILES[settings.embed_profile or DEFAULT_PROFILE]
    except KeyError:
        raise ValueError(f"unknown embedding profile {settings.embed_profile!r} "
                         f"(GONGKAI_EMBED_PROFILE: one of {', '.join(PROFILES)})") from None


_MODELS: dict[tuple, Any] = {}  # (path, dtype) → SentenceTransformer: one copy of the weights per dtype
_MODELS_LOCK = threading.Lock()


class ProfileModel:
    """The shared model of one dtype, read up to *max_seq_length* tokens (profiles that differ
    only in length share the weights; the length is set for each call, under a lock)."""

    def __init__(self, model: Any, max_seq_length: int | None) -> None:
        self.model = model
        self._lock = getattr(model, "_gongkai_lock", None) or threading.Lock()
        model._gongkai_lock = self._lock
        # the model's own length, read before any profile shortened it (the attribute is shared)
        self._full = getattr(model, "_gongkai_full_length", None) or model.max_seq_length
        model._gongkai_full_length = self._full
        self.max_seq_length = min(max_seq_length or self._full, self._full)

    def _call(self, fn: str, *args: Any, **kw: Any) -> Any:
        with self._lock:
            self.model.max_seq_length = self.max_seq_length
            return getattr(self.model, fn)(*args, **kw)

    def encode_document(self, *args: Any, **kw: Any) -> Any:
        return self._call("encode_document", *args, **kw)

    def encode_query(self, *args: Any, **kw: Any) -> Any:
        return self._call("encode_query", *args, **kw)


def load_profile_model(settings: Settings, profile: EmbedProfile) -> ProfileModel:
    """The model for *profile* (weights in its dtype, read up to its sequence length), loaded
    once per process per dtype from the local model files (never from a hub)."""
    from .model_install import load_embedder, resolve_model

    path = resolve_model(settings.embedding_model, settings.model_dir)
    key = (path, profile.dtype)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            if profile.dtype == "float32":
                model = load_embedder(settings.embedding_model, settings.model_dir)  # shared, as before
            else:
                import os

                import torch
                from sentence_transformers import SentenceTransformer

                local = path != settings.embedding_model
                if local:
                    os.environ["HF_HUB_OFFLINE"] = "1"
                model = SentenceTransformer(path, device="cpu", local_files_only=local,
                                            model_kwargs={"dtype": getattr(torch, profile.dtype)})
            _MODELS[key] = model
    return ProfileModel(model, profile.max_seq_length)


# ------------------------------------------------------------------------------ naming
def model_slug(model: str) -> str:
    """``embeddinggemma-300m`` → ``embeddinggemma-300m``; a path or hub id → its safe form."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", model.strip()).strip("-._")
    if len(s) > 60 or s != model:  # keep it short and unique for paths / ids with odd characters
        s = f"{s[-48:].strip('-._')}-{hashlib.sha256(model.encode()).hexdigest()[:8]}"
    return s or "model"


def collection_name(model: str, profile: str = "full") -> str:
    """``gongkai-embeddinggemma-300m`` (profile ``full``), ``gongkai-embeddinggemma-300m-fast`` …"""
    return f"gongkai-{model_slug(model)}" + ("" if profile == "full" else f"-{profile}")


# ------------------------------------------------------------------------------ clients
def open_client(settings: Settings) -> chromadb.ClientAPI:
    """The Chroma client for *settings*: ``HttpClient`` when ``chroma_url`` is set, else an
    embedded ``PersistentClient`` under ``settings.chroma_path``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    cs = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        u = urlparse(settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}")
        ssl = u.scheme == "https"
        return chromadb.HttpClient(host=u.hostname or "localhost", port=u.port or (443 if ssl else 8000),
                                   ssl=ssl, settings=cs)
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=cs)


# ------------------------------------------------------------------------------ embedding cache
class EmbeddingCache:
    """``(model, sha256(text)) → float32 vector`` in a SQLite file (thread-safe, WAL)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._con.execute("PRAGMA journal_mode = WAL")
        self._con.execute("PRAGMA synchronous = NORMAL")
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, sha256 TEXT NOT NULL,"
            " dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, sha256)) WITHOUT ROWID")

    def get_many(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        uniq = list(dict.fromkeys(hashes))
        with self._lock:
            for i in range(0, len(uniq), 500):
                part = uniq[i:i + 500]
                rows = self._con.execute(
                    f"SELECT sha256, dim, vec FROM embeddings WHERE model = ? AND sha256 IN ({','.join('?' * len(part))})",
                    (model, *part))
                for sha, dim, blob in rows:
                    v = np.frombuffer(blob, dtype=np.float32)
                    if v.size == dim:
                        out[sha] = v
        return out

    def put_many(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [(model, sha, int(v.size), np.asarray(v, dtype=np.float32).tobytes()) for sha, v in items]
        with self._lock:
            self._con.execute("BEGIN")
            try:
                self._con.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    def count(self, model: str | None = None) -> int:
        with self._lock:
            if model is None:
                return self._con.execute("SELECT count(*) FROM embeddings").fetchone()[0]
            return self._con.execute("SELECT count(*) FROM embeddings WHERE model = ?", (model,)).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._con.close()


# ------------------------------------------------------------------------------ embedder
def require_model(settings: Settings) -> str:
    """The model's path (or name); raises :class:`ModelMissingError` with the install hint.

    Cheap (no loading), so a command can call it up front and print one clear line."""
    from .model_install import resolve_model

    try:
        return resolve_model(settings.embedding_model, settings.model_dir)
    except ModelMissingError as exc:
        raise ModelMissingError(
            f"{INSTALL_HINT} — embedding model {settings.embedding_model} is not installed "
            f"(looked in {settings.model_dir}); `gongkai ingest --no-index` skips the vector index") from exc


def _quiet_transformers() -> None:
    """No "Loading weights" progress bar on stderr while the model loads (it would break into
    the ingest progress bar)."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except Exception:  # noqa: BLE001 — cosmetic only
        pass


class Embedder:
    """Embeds documents (through the cache, in batches) and queries with one SentenceTransformer.

    *model* may be any object with ``encode_document`` / ``encode_query`` (tests pass a counting
    wrapper); by default the configured model is loaded on first use.
    """

    def __init__(self, settings: Settings, model: Any = None, cache: EmbeddingCache | None = None) -> None:
        self.settings = settings
        self.profile = profile_for(settings)
        self.model_name = self.profile.key(settings.embedding_model)  # the cache key
        self._model = model
        self.cache = cache if cache is not None else EmbeddingCache(settings.home / CACHE_FILE)
        self._lock = threading.Lock()
        self.encoded = 0  # texts sent to the model so far (cache misses)

    @property
    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    require_model(self.settings)
                    _quiet_transformers()
                    self._model = load_profile_model(self.settings, self.profile)
        return self._model

    def embed_documents(self, texts: Sequence[str], progress: bool | None = False,
                        desc: str = "embed", on_batch: Callable[[int], None] | None = None) -> list[np.ndarray]:
        """One normalised float32 vector per text; only cache misses reach the model.
        *on_batch* is called with the number of texts each model call embedded."""
        hashes = [sha256_text(t) for t in texts]
        have = self.cache.get_many(self.model_name, hashes)
        todo = list({h: t for h, t in zip(hashes, texts) if h not in have}.items())
        if todo:
            from tqdm import tqdm

            model = self.model
            todo.sort(key=lambda ht: len(ht[1]))  # similar lengths per batch: less padding
            bar = tqdm(total=len(todo), desc=desc, unit="chunk", file=sys.stderr, leave=False, position=1,
                       dynamic_ncols=True, disable=(None if progress is None else not progress))
            try:
                for i in range(0, len(todo), BATCH_SIZE):
                    batch = todo[i:i + BATCH_SIZE]
                    vecs = model.encode_document([t for _, t in batch], batch_size=BATCH_SIZE,
                                                 normalize_embeddings=True, convert_to_numpy=True,
                                                 show_progress_bar=False)
                    self.encoded += len(batch)
                    new = [(h, _unit(v)) for (h, _), v in zip(batch, vecs)]
                    self.cache.put_many(self.model_name, new)
                    have.update(new)
                    bar.update(len(batch))
                    if on_batch is not None:
                        on_batch(len(batch))
            finally:
                bar.close()
        return [have[h] for h in hashes]

    def embed_query(self, text: str) -> np.ndarray:
        v = self.model.encode_query(text, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return _unit(v)


def _unit(v: Any) -> np.ndarray:
    """float32, length 1 (a bfloat16 model normalises in bfloat16: off by up to ~0.5%)."""
    v = np.asarray(v, dtype=np.float32)
    n = float(np.linalg.norm(v))
    return v / n if n else v


# ------------------------------------------------------------------------------ index
@dataclass
class IndexResult:
    report_id: str
    chunks: int
    embedded: int  # chunks that went through the model (cache misses)
    deleted: int  # records removed before adding (the report's previous chunks)


class VectorIndex:
    """The Chroma collection of one embedding model, with add/replace/delete by report."""

    def __init__(self, settings: Settings, client: Any = None, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.client = client if client is not None else open_client(settings)
        self.embedder = embedder if embedder is not None else Embedder(settings)
        self.profile = profile_for(settings)
        self.name = collection_name(settings.embedding_model, self.profile.name)
        self._collection: Any = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self.client.get_or_create_collection(
                self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                metadata={"model": self.settings.embedding_model, "chunker": CHUNKER_VERSION,
                          "profile": self.profile.name})
        return self._collection

    def count(self) -> int:
        return self.collection.count()

    def is_indexed(self, report_id: str) -> bool:
        """Whether the report has chunks made by this version of the chunker."""
        got = self.collection.get(where={"$and": [{"report_id": report_id}, {"chunker": CHUNKER_VERSION}]},
                                  limit=1, include=[])
        return bool(got["ids"])

    def _ids_where(self, where: dict) -> list[str]:
        return list(self.collection.get(where=where, include=[])["ids"])

    def index_chunks(self, chunks: Sequence[Chunk], report_id: str, source: str | None = None,
                     progress: bool | None = False, on_batch: Callable[[int], None] | None = None) -> IndexResult:
        """Replace the report's records (and any under the same source file name) by *chunks*
        (those the profile embeds: not table chunks when it skips them).

        Embeds first, so a missing model leaves the previous records in place."""
        chunks = [c for c in chunks if self.profile.embeds(c)]
        before = self.embedder.encoded
        vecs = self.embedder.embed_documents([c.text for c in chunks], progress=progress,
                                             desc=f"embed {source or report_id}"[:40], on_batch=on_batch)
        embedded = self.embedder.encoded - before
        where: dict = {"report_id": report_id} if not source else {"$or": [{"report_id": report_id}, {"source": source}]}
        old = self._ids_where(where)
        if old:
            self.collection.delete(ids=old)
        step = max(1, min(5000, getattr(self.client, "get_max_batch_size", lambda: 5000)()))
        for i in range(0, len(chunks), step):
            part = chunks[i:i + step]
            self.collection.add(ids=[c.id for c in part], embeddings=[v.tolist() for v in vecs[i:i + step]],
                                documents=[c.text for c in part], metadatas=[c.metadata() for c in part])
        return IndexResult(report_id, len(chunks), embedded, len(old))

    def index_report(self, parsed: ParsedReport, report_id: str | None = None,
                     progress: bool | None = False) -> IndexResult:
        rid = report_id or parsed.report_id
        return self.index_chunks(make_chunks(parsed, rid), rid, parsed.doc.source, progress)

    def delete_report(self, report_id: str) -> int:
        ids = self._ids_where({"report_id": report_id})
        if ids:
            self.collection.delete(ids=ids)
        return len(ids)

    def report_ids(self) -> set[str]:
        out: set[str] = set()
        total = self.collection.count()
        for off in range(0, total, 5000):
            got = self.collection.get(include=["metadatas"], limit=5000, offset=off)
            out.update(str(m.get("report_id")) for m in got["metadatas"] or [] if m)
        return out

    def sync(self, progress: bool | None = None) -> dict[str, int]:
        """Make the index match the facts store: index reports it lacks (or that an older chunker
        made), delete records of reports no longer stored. Returns counts."""
        from .store import open_store

        store = open_store(self.settings)
        stored = {r.id for r in store.reports()}
        have = self.report_ids()
        gone = have - stored
        for rid in gone:
            self.delete_report(rid)
        added = 0
        for rid in sorted(stored):
            if rid in have and self.is_indexed(rid):
                continue
            parsed = parsed_from_store(store, rid)
            if parsed is not None:
                self.index_report(parsed, rid, progress=progress)
                added += 1
        return {"indexed": added, "deleted": len(gone), "reports": len(stored)}


_INDEXES: dict[tuple, VectorIndex] = {}
_INDEX_LOCK = threading.Lock()


def get_index(settings: Settings) -> VectorIndex:
    """A shared :class:`VectorIndex` per (store location, model) in this process."""
    key = (settings.chroma_url or str(settings.chroma_path), settings.embedding_model,
           str(settings.model_dir), str(settings.home))
    with _INDEX_LOCK:
        if key not in _INDEXES:
            _INDEXES[key] = VectorIndex(settings)
        return _INDEXES[key]


def index_report(parsed: ParsedReport, report_id: str | None, settings: Settings,
                 progress: bool | None = False) -> IndexResult:
    """Replace *report_id*'s chunks in the index (delete where report_id/source match, then add)."""
    return get_index(settings).index_report(parsed, report_id, progress)


def delete_report(report_id: str, settings: Settings) -> int:
    """Remove a report's chunks from the index; returns how many were removed."""
    return get_index(settings).delete_report(report_id)


def make_index_hook(settings: Settings, progress: bool | None = None) -> Callable[[ParsedReport, str], None]:
    """A ``pipeline.ingest_paths`` hook: index each added/replaced report; an "unchanged" one
    only when the index lacks it (e.g. it was ingested with ``--no-index`` or without the model).

    *progress*: ``None`` shows the per-report embedding bar only on a terminal.
    Raises :class:`ModelMissingError` (``run `gongkai models install` — …``) when the model is
    not installed; ``ingest_paths`` then reports "stored, but vector index failed (…)".
    """
    state: dict[str, VectorIndex] = {}  # "i": the index; "missing": set once the model was found missing

    def vector_index(parsed: ParsedReport, status: str) -> None:
        if not settings.embed:
            return
        idx = state.get("i")
        if idx is None:
            idx = state["i"] = get_index(settings)
        if status == "unchanged" and idx.is_indexed(parsed.report_id):
            return
        if "missing" in state:  # said in full once; keep the other files' lines short
            raise ModelMissingError(f"{INSTALL_HINT} (embedding model not installed)")
        try:
            idx.index_report(parsed, parsed.report_id, progress=progress)
        except ModelMissingError:
            state["missing"] = idx
            raise

    vector_index.__name__ = vector_index.__qualname__ = "vector index"
    return vector_index


class BackgroundIndexer:
    """Fills the vector index on one worker thread while ingest goes on storing files.

    :meth:`hook` is a ``pipeline.ingest_paths`` hook that only queues the report's chunks: its
    facts (and keyword index) are already committed, so answers work while it embeds. The worker
    loads the model as soon as the first report is queued (after ingest has started its parse
    processes, so none is forked from a process with a running torch thread). Progress is a
    second bar, ``embed`` (chunks), under ingest's. :meth:`wait` blocks until the queue is done
    and returns ``[(source, reason)]`` for the reports whose indexing failed; a report left out
    (Ctrl-C) is indexed by the next ``gongkai ingest`` of the same files.
    Raises :class:`ModelMissingError` at once when the model is not installed.
    """

    def __init__(self, settings: Settings, progress: bool | None = None, index: VectorIndex | None = None) -> None:
        import queue

        from tqdm import tqdm

        if index is None:
            require_model(settings)
        self.settings = settings
        self.index = index if index is not None else get_index(settings)
        self.profile = self.index.profile
        self.errors: list[tuple[str, str]] = []
        self.reports = 0  # reports queued
        self.chunks = 0  # chunks queued
        self.done = 0  # chunks through the model so far
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self.bar = tqdm(total=0, desc="embed", unit="chunk", file=sys.stderr, position=1, dynamic_ncols=True,
                        disable=(None if progress is None else not progress), leave=True)

    def hook(self, parsed: ParsedReport, status: str) -> None:
        rid = parsed.report_id
        if status == "unchanged" and self.index.is_indexed(rid):
            return
        chunks = [c for c in make_chunks(parsed, rid) if self.profile.embeds(c)]
        self.chunks += len(chunks)
        self.bar.total = self.chunks
        self.bar.refresh()
        self.reports += 1
        self._queue.put((rid, parsed.doc.source, chunks))
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="gongkai-embed", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        try:
            self.index.embedder.model  # noqa: B018 — load (warm) the model now
        except Exception as exc:  # noqa: BLE001 — every queued report then fails with this reason
            load_error: Exception | None = exc
        else:
            load_error = None
        while (item := self._queue.get()) is not None:
            rid, source, chunks = item
            try:
                if load_error is not None:
                    raise load_error
                self.index.index_chunks(chunks, rid, source, on_batch=self._advance)
            except Exception as exc:  # noqa: BLE001 — reported by wait(), the facts are stored
                self.errors.append((source, f"stored, but vector index failed ({exc.__class__.__name__}: {exc})"))

    def _advance(self, n: int) -> None:
        self.done += n
        self.bar.update(n)

    def wait(self) -> list[tuple[str, str]]:
        """Block until every queued report is indexed; ``[(source, reason)]`` of the failures."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self.bar.close()
        return self.errors


# ------------------------------------------------------------------------------ chunks for BM25
_CHUNK_CACHE: dict[tuple[str, str, str], list[Chunk]] = {}


def store_fingerprint(settings: Settings) -> str:
    """Changes whenever the facts store changes (its generation counter) or the chunker does."""
    from .store import Store, open_store

    if settings.database_url:  # a server store: its generation counter (one read)
        with open_store(settings) as store:
            return f"{store.stamp()}:chunker{CHUNKER_VERSION}"
    if not settings.db_path.is_file():
        return "empty"
    with Store(settings.db_path) as store:
        return f"{store.stamp()}:chunker{CHUNKER_VERSION}"


def all_chunks(settings: Settings) -> list[Chunk]:
    """Every chunk of every report in the facts store, made exactly as the index makes them
    (same ids and text). Needs neither the model nor Chroma. Chunks are cached per report."""
    from .store import open_store, store_exists

    if not store_exists(settings):
        return []
    store = open_store(settings)
    out: list[Chunk] = []
    try:
        for r in store.reports():
            key = (settings.store_location, r.id, r.ingested_at)
            if key not in _CHUNK_CACHE:
                parsed = parsed_from_store(store, r.id)
                _CHUNK_CACHE[key] = make_chunks(parsed, r.id) if parsed is not None else []
            out += _CHUNK_CACHE[key]
    finally:
        store.close()
    return out


def agency_names(settings: Settings) -> dict[str, str]:
    """``{name or alias: agency}`` for every stored report (for :func:`qa.retrieval.guess_filters`)."""
    from .store import open_store, store_exists

    if not store_exists(settings):
        return {}
    out: dict[str, str] = {}
    with open_store(settings) as store:
        for r in store.reports():
            if r.agency:
                out.setdefault(r.agency, r.agency)
                for a in r.aliases:
                    out.setdefault(a, r.agency)
    return out
