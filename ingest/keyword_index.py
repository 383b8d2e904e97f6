"""The keyword index: report chunks in SQLite FTS5 over jieba tokens, ranked by BM25.

Built once, kept on disk (``home/keyword.sqlite3``), and brought up to date per report:

* **What** — ``docs`` holds one row per :class:`~ingest.chunks.Chunk` of the *current* version
  of each stored report (id, report, agency, year, text, flat metadata, and its tokens joined by
  spaces); ``fts`` is an external-content FTS5 table over those tokens. Tokens are
  :func:`tokenize`'s: ``jieba.lcut_for_search``, lower-cased, punctuation and 1–3 digit numbers
  dropped — e.g. ``泰安市行政审批服务局2024年`` → ``泰安 泰安市 行政 审批 行政审批 服务 服务局 2024 年``.
* **Filters inside the query** — agency and year are columns of ``docs`` (indexed) and go into
  the same SQL as the ``MATCH``, so a filtered search ranks only the chunks it may return,
  while BM25's IDF stays corpus-wide (SQLite's ``bm25()``: k1 = 1.2, b = 0.75).
* **Up to date** — :meth:`KeywordIndex.sync` compares the facts store's generation counter
  (:meth:`ingest.store.Store.generation`) with the one it last synced at; only when it moved
  does it list the current reports, index the new ones and drop the gone or superseded ones.
  ``gongkai ingest`` also adds each report as it is stored (:func:`make_keyword_hook`), so the
  first search after an ingest finds the work done.
* **Derived data** — everything here is rebuilt from the facts store, so a file written by
  another :data:`INDEX_VERSION` or :data:`~ingest.chunks.CHUNKER_VERSION` is emptied and
  refilled rather than migrated; it is independent of where the facts live.
"""
from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .chunks import CHUNKER_VERSION, Chunk, make_chunks, parsed_from_store
from .config import Settings
from .models import ParsedReport

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)

INDEX_FILE = "keyword.sqlite3"
INDEX_VERSION = 2  # bump when tokenize() or the schema below changes: the file is then refilled
COMMON_SHARE = 0.5  # a query token in more than this share of chunks adds ~nothing to BM25 (IDF ≤ 0)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    rowid     INTEGER PRIMARY KEY,
    chunk_id  TEXT NOT NULL UNIQUE,
    report_id TEXT NOT NULL,
    agency    TEXT,
    year      INTEGER,
    text      TEXT NOT NULL,
    metadata  TEXT NOT NULL,
    tokens    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_report ON docs(report_id);
CREATE INDEX IF NOT EXISTS docs_agency_year ON docs(agency, year);
CREATE INDEX IF NOT EXISTS docs_year ON docs(year);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(tokens, content='docs', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS fts_vocab USING fts5vocab(fts, 'row');
"""


# ------------------------------------------------------------------------------ tokens
_NO_WORD = re.compile(r"^[\W_]+$")
_SMALL_NUMBER = re.compile(r"^\d{1,3}$|^\d+\.\d+$")  # table values; 4-digit years stay
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


def _phrase(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _as_list(v: Any) -> list | None:
    if v is None:
        return None
    if isinstance(v, (str, int)):
        return [v]
    return list(v) or None


# ------------------------------------------------------------------------------ index
@dataclass
class KeywordHit:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    score: float  # BM25 (higher is better)


class KeywordIndex:
    """The FTS5 keyword index in *path* (one connection, shared by threads under a lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._con = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._con.execute("PRAGMA busy_timeout = 30000")
        self._con.execute("PRAGMA journal_mode = WAL")
        self._con.execute("PRAGMA synchronous = NORMAL")
        self.tokenized = 0  # chunks tokenized by this object (what indexing costs)
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                for stmt in (s.strip() for s in _SCHEMA.split(";")):
                    if stmt:
                        self._con.execute(stmt)
                want = f"{INDEX_VERSION}/{CHUNKER_VERSION}"
                got = self._meta("version")
                if got != want:
                    if got is not None:
                        log.info("keyword index %s: version %s → %s, refilling", self.path, got, want)
                    self._con.execute("DELETE FROM docs")
                    self._con.execute("INSERT INTO fts(fts) VALUES ('delete-all')")
                    self._set_meta("version", want)
                    self._set_meta("generation", "")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    @classmethod
    def for_settings(cls, settings: Settings) -> KeywordIndex:
        return cls(settings.home / INDEX_FILE)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    # -- meta
    def _meta(self, key: str) -> str | None:
        r = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if r is None else r[0]

    def _set_meta(self, key: str, value: str) -> None:
        self._con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def synced_generation(self) -> str | None:
        with self._lock:
            return self._meta("generation") or None

    # -- reading
    def size(self) -> int:
        with self._lock:
            return self._con.execute("SELECT count(*) FROM docs").fetchone()[0]

    def has_report(self, report_id: str) -> bool:
        with self._lock:
            return self._con.execute("SELECT 1 FROM docs WHERE report_id = ? LIMIT 1", (report_id,)).fetchone() is not None

    def report_ids(self) -> set[str]:
        with self._lock:
            return {r for (r,) in self._con.execute("SELECT DISTINCT report_id FROM docs")}

    # -- writing
    def _delete(self, report_ids: Iterable[str]) -> int:
        n = 0
        for rid in report_ids:
            rows = self._con.execute("SELECT rowid, tokens FROM docs WHERE report_id = ?", (rid,)).fetchall()
            self._con.executemany("INSERT INTO fts(fts, rowid, tokens) VALUES ('delete', ?, ?)", rows)
            self._con.execute("DELETE FROM docs WHERE report_id = ?", (rid,))
            n += len(rows)
        return n

    def _insert(self, chunks: Sequence[Chunk]) -> None:
        for c in chunks:
            tokens = " ".join(tokenize(c.text))
            self.tokenized += 1
            cur = self._con.execute(
                "INSERT INTO docs (chunk_id, report_id, agency, year, text, metadata, tokens) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (c.id, c.report_id, c.agency, c.year, c.text, json.dumps(c.metadata(), ensure_ascii=False), tokens))
            self._con.execute("INSERT INTO fts(rowid, tokens) VALUES (?, ?)", (cur.lastrowid, tokens))

    def _transaction(self, fn: Callable[[], Any]) -> Any:
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                out = fn()
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")
            return out

    def add_report(self, chunks: Sequence[Chunk], report_id: str) -> int:
        """Replace the report's chunks by *chunks* (one transaction); returns how many."""
        def run() -> int:
            self._delete([report_id])
            self._insert(chunks)
            return len(chunks)
        return self._transaction(run)

    def delete_report(self, report_id: str) -> int:
        return self._transaction(lambda: self._delete([report_id]))

    def sync(self, store: Store, generation: int | None = None) -> dict[str, int]:
        """Make the index hold the chunks of exactly the store's current reports. Cheap when the
        store's generation is the one last synced at (nothing is listed); else the new reports
        are chunked and indexed (each in its own transaction) and the others dropped."""
        gen = str(store.generation() if generation is None else generation)
        if self.synced_generation == gen:
            return {"indexed": 0, "deleted": 0}
        current = {r.id for r in store.reports()}
        have = self.report_ids()
        gone = have - current
        deleted = self._transaction(lambda: self._delete(sorted(gone))) if gone else 0
        added = 0
        for rid in sorted(current - have):
            parsed = parsed_from_store(store, rid)
            if parsed is not None:
                self.add_report(make_chunks(parsed, rid), rid)
                added += 1
        self._transaction(lambda: self._set_meta("generation", gen))
        if added or deleted:
            log.info("keyword index: %d report(s) indexed, %d chunk(s) dropped", added, deleted)
        return {"indexed": added, "deleted": deleted}

    # -- searching
    def _query_terms(self, tokens: Sequence[str], n_docs: int) -> list[str]:
        """The distinct query tokens worth matching: those in at most :data:`COMMON_SHARE` of the
        chunks (a token in more has IDF ≤ 0, which SQLite's bm25 floors to 1e-6, yet matching it
        would rank nearly every chunk); all of them if every one is that common."""
        uniq = list(dict.fromkeys(t for t in tokens if t))
        if not uniq or n_docs < 4:
            return uniq
        df: dict[str, int] = {}
        for t in uniq:  # one lookup per term: fts5vocab answers "term = ?" from the index, "IN" by a scan
            r = self._con.execute("SELECT doc FROM fts_vocab WHERE term = ?", (t,)).fetchone()
            df[t] = r[0] if r else 0
        rare = [t for t in uniq if df.get(t, 0) <= n_docs * COMMON_SHARE]
        return rare if any(df.get(t) for t in rare) else uniq

    def search(self, tokens: Sequence[str], k: int = 5, agency: Any = None, year: Any = None) -> list[KeywordHit]:
        """The *k* best chunks for the query *tokens* (see :func:`tokenize`) by BM25, among the
        chunks of *agency* / *year* (each a value or a list; ``None``: any)."""
        ag, yr = _as_list(agency), _as_list(year)
        with self._lock:
            n_docs = self._con.execute("SELECT count(*) FROM docs").fetchone()[0]
            terms = self._query_terms(tokens, n_docs)
            if not terms:
                return []
            where, args = ["fts MATCH ?"], [" OR ".join(_phrase(t) for t in terms)]
            if ag:
                where.append(f"d.agency IN ({','.join('?' * len(ag))})")
                args += ag
            if yr:
                where.append(f"d.year IN ({','.join('?' * len(yr))})")
                args += [int(y) for y in yr]
            rows = self._con.execute(
                "SELECT d.chunk_id, d.text, d.metadata, -bm25(fts) AS score FROM fts JOIN docs d ON d.rowid = fts.rowid"
                f" WHERE {' AND '.join(where)} ORDER BY score DESC LIMIT ?", (*args, int(k))).fetchall()
        return [KeywordHit(cid, text, json.loads(md), float(score)) for cid, text, md, score in rows]


# ------------------------------------------------------------------------------ ingest hook
def make_keyword_hook(settings: Settings) -> Callable[[ParsedReport, str], None]:
    """A ``pipeline.ingest_paths`` hook: index each stored current report's chunks now (an
    "unchanged" one only when the index lacks it)."""
    state: dict[str, KeywordIndex] = {}

    def keyword_index(parsed: ParsedReport, status: str) -> None:
        idx = state.get("i")
        if idx is None:
            idx = state["i"] = KeywordIndex.for_settings(settings)
        rid = parsed.report_id
        if status == "unchanged" and idx.has_report(rid):
            return
        idx.add_report(make_chunks(parsed, rid), rid)

    keyword_index.__name__ = keyword_index.__qualname__ = "keyword index"
    return keyword_index
