"""Ready means ready: the web UI loads the embedding model and the indexes in a background thread,
and embeds uploaded reports there too, so the page is usable at once and table questions are
answered while text search gets ready.

    >>> r = Readiness(settings).start()   # returns at once
    >>> r.snapshot().state                # "loading" → "embedding" (k of n reports) → "ready"
    >>> r.index_later([report_id])        # after an upload: embed it in the background

States: ``loading`` (model and indexes loading), ``embedding`` (``done`` of ``total`` reports
embedded), ``ready``, ``off`` (embedding switched off: text search by keywords only, ready at
once), ``failed`` (``error`` says why; text search falls back to keywords). No Gradio here.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.config import Settings

log = logging.getLogger("gongkai.ui")


@dataclass(frozen=True)
class Status:
    state: str
    done: int = 0
    total: int = 0
    error: str = ""
    since: float = 0.0  # time.monotonic() when the state began

    @property
    def ready(self) -> bool:
        return self.state in ("ready", "off", "failed")


class Readiness:
    """The background loader of one UI process (one per home)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._status = Status("loading" if settings.embed else "off", since=time.monotonic())
        self._lock = threading.Lock()
        self._work = threading.Lock()  # one embedding job at a time
        self._pending: list[str] = []
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    # -- state
    def snapshot(self) -> Status:
        with self._lock:
            return self._status

    def _set(self, state: str, done: int = 0, total: int = 0, error: str = "") -> None:
        with self._lock:
            self._status = Status(state, done, total, error, time.monotonic())
        if state in ("ready", "off", "failed"):
            self._ready.set()
        else:
            self._ready.clear()
        log.info("index %s %s", state, f"{done}/{total}" if total else error)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until ready (or off / failed); false when *timeout* passed first."""
        return self._ready.wait(timeout)

    # -- work
    def start(self) -> Readiness:
        """Warm up in a daemon thread: the answering context and BM25 index, then (embedding on)
        the model, then embed any stored report the vector index lacks."""
        self._thread = threading.Thread(target=self._run, args=(None,), name="gongkai-warm-up", daemon=True)
        self._thread.start()
        return self

    def index_later(self, report_ids: Iterable[str]) -> None:
        """Embed these (just stored) reports in the background; the header shows the progress."""
        ids = [r for r in report_ids if r]
        if not ids or not self.settings.embed:
            return
        with self._lock:
            self._pending += [r for r in ids if r not in self._pending]
            self._status = Status("embedding", 0, len(self._pending), "", time.monotonic())
        self._ready.clear()
        threading.Thread(target=self._run, args=(ids,), name="gongkai-embed", daemon=True).start()

    def _run(self, report_ids: list[str] | None) -> None:
        with self._work:
            try:
                if report_ids is None:
                    self._warm()
                with self._lock:
                    todo, self._pending = list(self._pending), []
                if report_ids is None or todo:
                    self._embed(todo if report_ids is not None else None)
                self._set("ready" if self.settings.embed else "off")
            except Exception as exc:  # noqa: BLE001 — a missing model must leave table answers working
                log.exception("index warm-up failed")
                self._set("failed", error=f"{exc.__class__.__name__}: {str(exc)[:160]}")

    def _warm(self) -> None:
        from . import prose
        from .answering import get_context

        get_context(self.settings)  # the agency index and report list answers use
        searcher = prose._searcher(self.settings)  # the searcher prose answers use (cached per settings)
        searcher.bm25()
        if not self.settings.embed:
            return
        self._set("loading")
        from ingest.vectorstore import require_model

        require_model(self.settings)
        searcher.loading = True  # a prose question asked meanwhile is answered from keywords, at once
        try:
            self._load_model(searcher)
        finally:
            searcher.loading = False

    def _load_model(self, searcher) -> None:
        from ingest.vectorstore import get_index

        # The vector index (for embedding uploads) opens its Chroma client while holding the lock
        # the searcher opens its own under, so the two are never set up at the same moment
        # (Chroma's client set-up is not safe to run twice at once).
        with searcher._lock:
            index = get_index(self.settings)
            if getattr(searcher, "_embedder", None) is None:  # one copy of the model for indexing and search
                searcher._embedder = index.embedder
        searcher.warm_up()
        if getattr(searcher, "_dense_error", None) is not None:
            raise searcher._dense_error

    def _embed(self, report_ids: list[str] | None) -> None:
        """Embed *report_ids* (``None``: every stored report the index lacks), counting reports."""
        if not self.settings.embed:
            return
        from ingest.chunks import parsed_from_store
        from ingest.store import Store
        from ingest.vectorstore import get_index

        index = get_index(self.settings)
        store = Store(self.settings.db_path)
        if report_ids is None:
            report_ids = [r.id for r in store.reports() if not index.is_indexed(r.id)]
        total = len(report_ids)
        for done, rid in enumerate(report_ids):
            self._set("embedding", done, total)
            parsed = parsed_from_store(store, rid)
            if parsed is not None:
                index.index_report(parsed, rid, progress=False)
        if total:
            self._set("embedding", total, total)
