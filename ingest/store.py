"""The facts store: every ingested report, its lines, sections, cells and validation findings.

One interface, :class:`Store`, with two databases behind it, chosen by :func:`open_store`:
:class:`SQLiteStore` (the default: one file under the home folder) and
:class:`ingest.store_pg.PostgresStore` (``GONGKAI_DATABASE_URL=postgresql://…``: several app
processes on several machines share one store). Both run the SQL below (written once, with
``?`` parameters) and the same migrations; only connecting, the start of a transaction and the
few words the two disagree on differ.

* **Reports and versions.** A report is identified by agency + year + template (the *report
  key*); each file stored for it is a *version* (its own row in ``reports``, with its file name,
  path, content hash and ingest time; ``reports.id`` is the first 16 hex digits of the hash).
  Exactly one version of each report is *current*: the newest (the last one stored) unless one was
  chosen with :meth:`Store.choose_version`. Everything that lists or sums — :meth:`Store.reports`,
  :meth:`Store.cells` and :meth:`Store.findings` without a report id, :meth:`Store.counts` — sees
  current versions only, so a republished or renamed copy is never counted twice. A second version
  is matched by agency name, allowing a place in front: ``平潭综合实验区`` (2013, txt) and
  ``福建省平潭综合实验区`` (2013, html) are one report with two versions.
* **Nothing stored is deleted by a save.** The same content again is ``"unchanged"``; new content
  of a report under a file name it had is ``"replaced"``: a new version, the old one is kept (a
  reader that listed the old version can still read its rows); another report under a file
  name that held one before is just another report. Only :meth:`Store.delete` deletes.
* Each save is one transaction that also recomputes what depends on several reports — the
  ``cross_year.*`` checks of the agency's neighbouring years and the ``versions.*`` differences
  between versions — so an ingest killed at any moment leaves the store as complete as the
  files it finished.
* Cell values are stored as text with a type tag, so ``int``, ``Decimal`` and ``None`` (a blank
  cell, which is not 0) come back exactly as they went in.
* Each thread gets its own connection (``threading.local``); readers (the web UI) never block on
  a writer (ingest) and vice versa (SQLite in WAL mode; PostgreSQL's MVCC), writers take turns
  (``BEGIN IMMEDIATE``; a PostgreSQL advisory lock per store); :meth:`Store.snapshot` gives a
  reader one consistent view across several calls.
* The schema is created and upgraded by ordered migrations (:mod:`ingest.migrations`, recorded in the
  ``schema_migrations`` table, as in simonw/llm's ``llm/migrations.py``): a store written by an
  older version of the program is upgraded in place when opened, without losing anything.
"""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from .migrations import migrate
from .models import Cell, Finding, Line, ParsedReport, Section

SaveStatus = Literal["added", "unchanged", "replaced"]
CROSS_YEAR_PREFIX = "cross_year."
VERSIONS_PREFIX = "versions."
MAX_IDS_PER_QUERY = 30_000  # report ids in one cells_of query (one query up to this many reports)
MAX_VERSION_DIFFS = 40  # differing cells recorded one finding each; the rest are counted in one line

def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class StoreError(RuntimeError):
    """The store refused an operation (e.g. a corrupt database or a report id collision)."""


# ------------------------------------------------------------------------------------ records
@dataclass
class ReportRow:
    """One stored report version. ``text`` is only loaded by :meth:`Store.get_report` (``None``
    in lists). ``other_versions`` names the files of the report's other versions (newest first);
    ``is_current`` is false for a version that answers do not use."""

    id: str
    source: str
    path: str
    content_hash: str
    format: str
    agency: str | None
    aliases: list[str]
    year: int | None
    published: str | None
    template: str
    title: str | None
    pages: int | None
    encoding: str | None
    warnings: list[str]
    agency_evidence: str
    year_evidence: str
    ingested_at: str
    n_cells: int = 0
    n_findings: int = 0
    text: str | None = None
    report_key: str = ""
    version: int = 1  # 1 = the first stored version of this report
    is_current: bool = True
    pinned: bool = False  # chosen with Store.choose_version
    other_versions: list[str] = field(default_factory=list)


@dataclass
class StoredCell:
    """A :class:`~ingest.models.Cell` with the report it belongs to."""

    report_id: str
    source: str
    agency: str | None
    year: int | None
    template: str
    table: str
    row: str
    column: str
    value: int | Decimal | None
    raw: str
    status: str = "exact"
    row_id: str = ""
    column_id: str = ""
    start: int | None = None
    end: int | None = None
    page: int | None = None
    line_no: int | None = None
    note: str = ""
    id: int | None = None  # the cell's row id in the store: what a citation points at

    def to_cell(self) -> Cell:
        """The plain :class:`Cell` (as parse_tables produced it)."""
        return Cell(**{f.name: getattr(self, f.name) for f in fields(Cell)})

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if isinstance(self.value, Decimal):
            d["value"] = str(self.value)
        return d


@dataclass
class StoredFinding:
    """A :class:`~ingest.models.Finding` with the report it belongs to."""

    report_id: str
    rule: str
    severity: str
    message: str
    table: str = ""
    row: str = ""
    column: str = ""
    reported: str | None = None
    computed: str | None = None

    def to_finding(self) -> Finding:
        return Finding(**{f.name: getattr(self, f.name) for f in fields(Finding)})


@dataclass
class SaveResult:
    """What :meth:`Store.save_report` did. ``other_versions``: the files of the same report's
    other versions (empty for a report stored once); ``current``: the id answers now use."""

    status: SaveStatus
    report_id: str
    is_current: bool = True
    current: str = ""
    other_versions: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------ values
def encode_value(value: int | Decimal | None) -> tuple[str | None, str | None]:
    """``(text, type)`` for the ``value``/``value_type`` columns."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        raise TypeError("cell value must be int, Decimal or None, not bool")
    if isinstance(value, int):
        return str(value), "int"
    if isinstance(value, Decimal):
        return format(value, "f"), "decimal"
    raise TypeError(f"cell value must be int, Decimal or None, not {type(value).__name__}")


def decode_value(text: str | None, kind: str | None) -> int | Decimal | None:
    """Inverse of :func:`encode_value`."""
    if text is None:
        return None
    return Decimal(text) if kind == "decimal" else int(text)


def _json_list(text: str | None) -> list[str]:
    return list(json.loads(text)) if text else []


# ------------------------------------------------------------------------------------ versions
_PLACE_PREFIX = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:省|市|自治区|自治州|地区|盟|州|区|县|旗)")


def same_agency(a: str | None, b: str | None, a_aliases: Sequence[str] = (), b_aliases: Sequence[str] = ()) -> bool:
    """Whether two agency names name one agency: equal, or one ends the other and what comes
    before it is a place (``福建省平潭综合实验区`` = ``平潭综合实验区``, ``淮安市洪泽区人民政府`` = ``洪泽区人民政府``)
    or the longer one's report gives the shorter as its alias (``张店区人民政府马尚街道办事处`` with
    alias ``马尚街道办事处``). A name with something after it is another agency
    (``平潭县人民政府办公室`` ≠ ``平潭县人民政府``)."""
    if not a or not b:
        return False
    if a == b:
        return True
    (short, _), (long, long_aliases) = sorted(((a, a_aliases), (b, b_aliases)), key=lambda x: len(x[0]))
    if len(short) < 4 or not long.endswith(short):
        return False
    return bool(_PLACE_PREFIX.fullmatch(long[: -len(short)])) or short in long_aliases


def _key_for(con: sqlite3.Connection, agency: str | None, year: int | None, template: str,
             aliases: Sequence[str], source: str) -> str:
    """The report key a new version belongs to: an existing report of the same year and template
    whose agency is this one (:func:`same_agency`); else a new key ``agency|year|template``.
    Without an agency or a year the file name is all that identifies a report (``file:NAME``)."""
    if not agency or year is None:
        return f"file:{source}"
    # only names that can be the same agency (:func:`same_agency`: equal, or one ends the other)
    # come back, so a save reads a few rows instead of every report of its year
    rows = con.execute("SELECT report_key, agency, aliases FROM reports WHERE year = ? AND template = ?"
                       " AND report_key != '' AND substr(report_key, 1, 5) != 'file:'"
                       " AND (agency = ? OR ? LIKE ('%' || agency) OR agency LIKE ('%' || ?))"
                       " ORDER BY seq", (year, template, agency, agency, agency)).fetchall()
    for r in rows:
        if r["agency"] == agency:
            return r["report_key"]
    for r in rows:
        if same_agency(r["agency"], agency, _json_list(r["aliases"]), aliases):
            return r["report_key"]
    return f"{agency}|{year}|{template}"


def _elect(con: sqlite3.Connection, key: str) -> str | None:
    """Make the pinned version of *key* current, else its newest; returns the current id."""
    row = con.execute("SELECT id FROM reports WHERE report_key = ? ORDER BY pinned DESC, seq DESC LIMIT 1",
                      (key,)).fetchone()
    con.execute("UPDATE reports SET is_current = 0 WHERE report_key = ? AND is_current = 1", (key,))
    if row is None:
        return None
    con.execute("UPDATE reports SET is_current = 1 WHERE id = ?", (row["id"],))
    return row["id"]


def _con_cells(con: sqlite3.Connection, report_id: str) -> list[Cell]:
    rows = con.execute('SELECT table_name, "row", "column", value, value_type, raw, status, row_id, column_id,'
                       ' "start", "end", page, line_no, note FROM cells WHERE report_id = ? ORDER BY id',
                       (report_id,))
    return [Cell(r[0], r[1], r[2], decode_value(r[3], r[4]), r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13])
            for r in rows]


def _insert_findings(con: sqlite3.Connection, rid: str, findings: Iterable[Finding]) -> None:
    con.executemany(
        'INSERT INTO findings (report_id, rule, severity, message, table_name, "row", "column", reported, computed)'
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((rid, f.rule, f.severity, f.message, f.table, f.row, f.column,
          None if f.reported is None else str(f.reported), None if f.computed is None else str(f.computed))
         for f in findings),
    )


def _delete_rule_prefix(con: sqlite3.Connection, prefix: str, where: str, args: Sequence[Any]) -> None:
    con.execute(f"DELETE FROM findings WHERE substr(rule, 1, ?) = ? AND report_id IN (SELECT id FROM reports {where})",
                (len(prefix), prefix, *args))


def _recheck_cross_year(con: sqlite3.Connection, agency: str, years: Iterable[int]) -> None:
    """Redo the ``cross_year.*`` findings of *agency*'s current reports of *years* and of the
    year after each (the pairs a change to those years can affect). A report is checked against
    the agency's current report of the year before (when several, the one with most cells)."""
    from . import validate  # looked up at call time (tests replace validate_cross_year)

    for year in sorted({y + d for y in years for d in (0, 1)}):
        _delete_rule_prefix(con, CROSS_YEAR_PREFIX, "WHERE agency = ? AND year = ?", (agency, year))
        cur = con.execute("SELECT id, template FROM reports WHERE agency = ? AND year = ? AND is_current = 1",
                          (agency, year)).fetchall()
        if not cur:
            continue
        prev = con.execute(
            "SELECT id FROM reports r WHERE agency = ? AND year = ? AND is_current = 1 ORDER BY"
            " (SELECT count(*) FROM cells c WHERE c.report_id = r.id) DESC, seq DESC LIMIT 1",
            (agency, year - 1)).fetchone()
        if prev is None:
            continue
        prev_cells = _con_cells(con, prev["id"])
        for r in cur:
            _insert_findings(con, r["id"], validate.validate_cross_year(prev_cells, _con_cells(con, r["id"]),
                                                                        r["template"]))


def _cell_key(c: Cell) -> tuple[str, str, str]:
    return c.table, c.row_id or f"label:{c.row}", c.column_id or f"label:{c.column}"


def _show(v: int | Decimal | None) -> str:
    return "空" if v is None else (format(v, "f") if isinstance(v, Decimal) else str(v))


def _recheck_versions(con: sqlite3.Connection, key: str) -> None:
    """Redo the ``versions.*`` findings of report *key*: each figure on which another version
    differs from the current one, on the current version (e.g. ``a.html 与 b.txt 不一致: 表三 …/总计 95 vs 96``)."""
    _delete_rule_prefix(con, VERSIONS_PREFIX, "WHERE report_key = ?", (key,))
    rows = con.execute("SELECT id, source, is_current FROM reports WHERE report_key = ? ORDER BY seq DESC",
                       (key,)).fetchall()
    cur = next((r for r in rows if r["is_current"]), None)
    if cur is None or len(rows) < 2:
        return
    mine: dict[tuple[str, str, str], Cell] = {}
    for c in _con_cells(con, cur["id"]):
        mine.setdefault(_cell_key(c), c)
    out: list[Finding] = []
    for other in rows:
        if other["id"] == cur["id"]:
            continue
        theirs: dict[tuple[str, str, str], Cell] = {}
        for c in _con_cells(con, other["id"]):
            theirs.setdefault(_cell_key(c), c)
        diffs = [(mine[k], theirs[k]) for k in mine if k in theirs and mine[k].value != theirs[k].value]
        name = f"{other['source']} 与 {cur['source']} 不一致"
        for a, b in diffs[:MAX_VERSION_DIFFS]:
            out.append(Finding("versions.differ", "warning",
                               f"{name}: 表{a.table} {a.row}/{a.column} {_show(b.value)} vs {_show(a.value)}",
                               table=a.table, row=a.row, column=a.column, reported=_show(a.value),
                               computed=_show(b.value)))
        if len(diffs) > MAX_VERSION_DIFFS:
            out.append(Finding("versions.differ", "warning",
                               f"{name}: 另有 {len(diffs) - MAX_VERSION_DIFFS} 个数字不同 (more differing figures)"))
        only_mine, only_theirs = len(mine.keys() - theirs.keys()), len(theirs.keys() - mine.keys())
        if only_mine or only_theirs:
            out.append(Finding("versions.cells", "info",
                               f"{cur['source']} 有 {only_mine} 个单元格 {other['source']} 没有, "
                               f"{other['source']} 有 {only_theirs} 个单元格 {cur['source']} 没有 "
                               "(the versions' tables were read differently)"))
    _insert_findings(con, cur["id"], out)


# ------------------------------------------------------------------------------------ store
def open_store(settings: Any) -> Store:
    """The facts store *settings* name: PostgreSQL at ``settings.database_url`` when set, else
    the SQLite file ``settings.db_path`` (created when missing). Either is upgraded in place."""
    url = getattr(settings, "database_url", None)
    if url:
        from .store_pg import PostgresStore

        return PostgresStore(url)
    return SQLiteStore(settings.db_path)


def store_exists(settings: Any) -> bool:
    """Whether anything may have been stored yet (a server store always may; opening a missing
    SQLite file would create it)."""
    return bool(getattr(settings, "database_url", None)) or Path(settings.db_path).is_file()


COPY_TABLES = ("reports", "lines", "sections", "cells", "findings")  # parents before children


def copy_store(src: Store, dst: Store, batch: int = 5000) -> dict[str, int]:
    """Copy every row of *src* into the empty store *dst* — SQLite to PostgreSQL or back — in
    one transaction: every version, chosen version, line, cell (with its id, which citations
    name) and finding. Returns rows copied per table. Raises :class:`StoreError` when *dst*
    already holds reports or is *src*."""
    if src.path == dst.path:
        raise StoreError(f"{dst.path}: cannot copy a store onto itself")
    out: dict[str, int] = {}
    with src.snapshot(), dst._write() as con:
        if con.execute("SELECT count(*) FROM reports").fetchone()[0]:
            raise StoreError(f"{dst.path}: already holds reports; copy into an empty store")
        for table in COPY_TABLES:
            out[table] = 0
            for names, rows in src._batches(f"SELECT * FROM {table}", batch):
                cols = ", ".join('"%s"' % n for n in names)  # "start", "row": quoted
                con.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(names))})", rows)
                out[table] += len(rows)
        dst._after_copy(con)
    return out


def _report_cols(other_versions: str) -> str:
    return ("id, source, path, content_hash, format, agency, aliases, year, published, template, title,"
            " pages, encoding, warnings, agency_evidence, year_evidence, ingested_at,"
            " (SELECT count(*) FROM cells c WHERE c.report_id = reports.id) AS n_cells,"
            " (SELECT count(*) FROM findings f WHERE f.report_id = reports.id) AS n_findings,"
            " report_key, is_current, pinned,"
            " (SELECT count(*) FROM reports v WHERE v.report_key = reports.report_key"
            "  AND v.seq <= reports.seq) AS version,"
            f" {other_versions} AS other_versions")


class Store:
    """The facts store's interface, and everything in it both databases share (all the SQL of
    saving and reading). A subclass says how to connect (:meth:`_con`, one connection per
    thread), how a write transaction and a read snapshot begin, and how to list a report's other
    versions as JSON. Get one with :func:`open_store` (or :meth:`Store.open`); ``Store(path)``
    still opens the SQLite file at *path*.

    Safe to share between threads: every thread uses its own connection.
    """

    _BEGIN_WRITE: tuple[str, ...]  # statements that start a write transaction (writers take turns)
    _BEGIN_SNAPSHOT: str  # starts a read-only transaction that sees one state
    _REPORT_COLS: str  # the columns of a ReportRow

    def __new__(cls, *args: Any, **kwargs: Any) -> Store:
        return super().__new__(SQLiteStore if cls is Store else cls)

    @staticmethod
    def open(settings: Any) -> Store:
        return open_store(settings)

    # -- connections
    def _con(self) -> Any:
        raise NotImplementedError

    def _after_copy(self, con: Any) -> None:
        """After :func:`copy_store` wrote rows with their ids (nothing to do on SQLite)."""

    def _batches(self, sql: str, size: int) -> Iterator[tuple[list[str], list[tuple]]]:
        """*sql*'s column names and rows, *size* rows at a time (not all held at once)."""
        cur = self._con().execute(sql)
        names = [d[0] for d in cur.description]
        while rows := cur.fetchmany(size):
            yield names, [tuple(r) for r in rows]

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back on any exception."""
        con = self._con()
        if con.in_transaction:
            raise StoreError("cannot write inside Store.snapshot() (it is a read-only view)")
        begin, *then = self._BEGIN_WRITE
        con.execute(begin)
        try:
            for stmt in then:
                con.execute(stmt)
            changes = con.total_changes
            yield con
            if con.total_changes != changes:
                con.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def generation(self) -> int:
        """A number that grows with every change to the store (a report saved, replaced, deleted,
        a version chosen) and only then: what a cache of anything read from the store compares."""
        return self._con().execute("SELECT value FROM store_meta WHERE key = 'generation'").fetchone()[0]

    def stamp(self) -> tuple:
        """What a cache of anything read from the store compares: changes with every change
        (:meth:`generation`) and when the store itself is replaced — a home folder wiped and
        ingested again, a schema dropped and made again — where the generation starts over."""
        return ("", self.generation())

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Read several things from one consistent state of the store (this thread only): a
        report listed inside the block keeps its rows until the block ends, whatever another
        process stores meanwhile. Nested blocks share the outer one's view."""
        con = self._con()
        if con.in_transaction:
            yield self
            return
        con.execute(self._BEGIN_SNAPSHOT)
        con.execute("SELECT count(*) FROM reports").fetchone()  # the read snapshot starts here
        try:
            yield self
        finally:
            con.execute("COMMIT")

    # -- writing
    def save(self, parsed: ParsedReport, aliases: Sequence[str] = ()) -> SaveStatus:
        """Store one parsed report; ``"added"``, ``"replaced"`` or ``"unchanged"`` (see :meth:`save_report`)."""
        return self.save_report(parsed, aliases).status

    def save_report(self, parsed: ParsedReport, aliases: Sequence[str] = ()) -> SaveResult:
        """Store one parsed report as a version of its report (agency + year + template).

        ``"unchanged"``: the same content is already stored (nothing is written).
        ``"replaced"``: other content of the same report was stored under the same file name; it
        is kept as an older version and this one is the newest.
        ``"added"``: a new report, or a new version of a stored one under another file name. (A
        file name that held another report before holds both now: nothing stored is deleted by a
        save.) The report's cross-year and version findings are recomputed in the same
        transaction; any error rolls the whole save back, leaving the store as it was.
        """
        doc, meta = parsed.doc, parsed.meta
        rid = parsed.report_id
        with self._write() as con:
            same = con.execute("SELECT id, is_current, report_key FROM reports WHERE content_hash = ?",
                               (doc.content_hash,)).fetchone()
            if same:
                return SaveResult("unchanged", same["id"], bool(same["is_current"]),
                                  *self._current_and_others(con, same["report_key"], same["id"]))
            if con.execute("SELECT 1 FROM reports WHERE id = ?", (rid,)).fetchone():
                raise StoreError(f"report id {rid} already used by other content (hash prefix collision)")
            key = _key_for(con, meta.agency, meta.year, meta.template, aliases, doc.source)
            replaced = con.execute("SELECT 1 FROM reports WHERE source = ? AND report_key = ?",
                                   (doc.source, key)).fetchone() is not None
            before = self._current_agency_year(con, key)
            seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM reports").fetchone()[0]
            self._insert_report(con, parsed, aliases, key, seq)
            self._insert_lines(con, rid, doc.lines)
            self._insert_sections(con, rid, parsed.sections)
            self._insert_cells(con, rid, parsed.cells)
            self._insert_findings(con, rid, parsed.findings)
            self._after_change(con, {key}, {(meta.agency, meta.year), before})
            current, others = self._current_and_others(con, key, rid)
        return SaveResult("replaced" if replaced else "added", rid, current == rid, current, others)

    @staticmethod
    def _current_agency_year(con: sqlite3.Connection, key: str) -> tuple[str | None, int | None]:
        r = con.execute("SELECT agency, year FROM reports WHERE report_key = ? AND is_current = 1", (key,)).fetchone()
        return (r["agency"], r["year"]) if r else (None, None)

    @staticmethod
    def _current_and_others(con: sqlite3.Connection, key: str, rid: str) -> tuple[str, list[str]]:
        rows = con.execute("SELECT id, source, is_current FROM reports WHERE report_key = ? ORDER BY seq DESC",
                           (key,)).fetchall()
        current = next((r["id"] for r in rows if r["is_current"]), "")
        return current, [r["source"] for r in rows if r["id"] != rid]

    def _after_change(self, con: sqlite3.Connection, keys: set[str],
                      agency_years: set[tuple[str | None, int | None]]) -> None:
        """Re-elect the current version of *keys* and redo every finding that depends on more
        than one report: version differences of *keys*, cross-year checks around the years of
        *agency_years* (before and after the change) — all inside the caller's transaction."""
        for key in keys:
            _elect(con, key)
            agency_years.add(self._current_agency_year(con, key))
        for key in keys:
            _recheck_versions(con, key)
        by_agency: dict[str, set[int]] = {}
        for agency, year in agency_years:
            if agency and year is not None:
                by_agency.setdefault(agency, set()).add(year)
        for agency, years in sorted(by_agency.items()):
            _recheck_cross_year(con, agency, years)

    def _insert_report(self, con: sqlite3.Connection, parsed: ParsedReport, aliases: Sequence[str],
                       key: str, seq: int) -> None:
        doc, meta = parsed.doc, parsed.meta
        con.execute(
            "INSERT INTO reports (id, source, path, content_hash, format, agency, aliases, year, published,"
            " template, title, pages, encoding, warnings, agency_evidence, year_evidence, text, ingested_at,"
            " report_key, seq, is_current, pinned)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)",
            (parsed.report_id, doc.source, doc.path, doc.content_hash, doc.format, meta.agency,
             json.dumps(list(aliases), ensure_ascii=False), meta.year, meta.published, meta.template,
             meta.title, doc.pages, doc.encoding, json.dumps(list(doc.warnings), ensure_ascii=False),
             meta.agency_evidence, meta.year_evidence, doc.text, _now(), key, seq),
        )

    def _insert_lines(self, con: sqlite3.Connection, rid: str, lines: Iterable[Line]) -> None:
        con.executemany(
            'INSERT INTO lines (report_id, line_no, page, "start", "end", text, cells) VALUES (?, ?, ?, ?, ?, ?, ?)',
            ((rid, ln.line_no, ln.page, ln.start, ln.end, ln.text,
              None if ln.cells is None else json.dumps(list(ln.cells), ensure_ascii=False)) for ln in lines),
        )

    def _insert_sections(self, con: sqlite3.Connection, rid: str, sections: Iterable[Section]) -> None:
        con.executemany(
            'INSERT INTO sections (report_id, number, title, "start", "end", page) VALUES (?, ?, ?, ?, ?, ?)',
            ((rid, s.number, s.title, s.start, s.end, s.page) for s in sections),
        )

    def _insert_cells(self, con: sqlite3.Connection, rid: str, cells: Iterable[Cell]) -> None:
        rows = []
        for c in cells:
            value, kind = encode_value(c.value)
            rows.append((rid, c.table, c.row, c.row_id, c.column, c.column_id, value, kind, c.raw, c.status,
                         c.start, c.end, c.page, c.line_no, c.note))
        con.executemany(
            'INSERT INTO cells (report_id, table_name, "row", row_id, "column", column_id, value, value_type,'
            ' raw, status, "start", "end", page, line_no, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            rows,
        )

    def _insert_findings(self, con: sqlite3.Connection, rid: str, findings: Iterable[Finding]) -> None:
        _insert_findings(con, rid, findings)

    def add_findings(self, report_id: str, findings: Iterable[Finding]) -> int:
        """Append findings to a stored report; returns how many were added."""
        findings = list(findings)
        with self._write() as con:
            self._require(con, report_id)
            self._insert_findings(con, report_id, findings)
        return len(findings)

    def replace_cross_year_findings(self, report_id: str, findings: Iterable[Finding]) -> int:
        """Replace the report's ``cross_year.*`` findings with *findings* (all must be cross-year).
        (Saves recompute them by themselves; this is for checks made outside the store.)"""
        findings = list(findings)
        bad = [f.rule for f in findings if not f.rule.startswith(CROSS_YEAR_PREFIX)]
        if bad:
            raise ValueError(f"not cross-year rules (must start with {CROSS_YEAR_PREFIX!r}): {bad}")
        with self._write() as con:
            self._require(con, report_id)
            _delete_rule_prefix(con, CROSS_YEAR_PREFIX, "WHERE id = ?", (report_id,))
            self._insert_findings(con, report_id, findings)
        return len(findings)

    def delete(self, report_id: str) -> bool:
        """Delete one version and everything attached to it (the report's next newest version,
        if any, becomes current); ``False`` when there was none."""
        with self._write() as con:
            r = con.execute("SELECT report_key, agency, year FROM reports WHERE id = ?", (report_id,)).fetchone()
            if r is None:
                return False
            con.execute("DELETE FROM reports WHERE id = ?", (report_id,))
            self._after_change(con, {r["report_key"]}, {(r["agency"], r["year"])})
        return True

    def choose_version(self, agency: str, year: int, pick: str | None = None) -> ReportRow:
        """Answer from version *pick* (a report id or file name among :meth:`versions`) of
        *agency*'s *year* report from now on; ``None`` goes back to the newest. Returns the
        version now current. Raises ``KeyError`` when there is no such report or version."""
        with self._write() as con:
            keys = self._keys(con, agency, year)
            if not keys:
                raise KeyError(f"no report of {agency} {year} in the store")
            if pick is None:
                con.execute(f"UPDATE reports SET pinned = 0 WHERE report_key IN ({','.join('?' * len(keys))})", keys)
                chosen_key = keys
            else:
                r = con.execute(f"SELECT id, report_key FROM reports WHERE report_key IN ({','.join('?' * len(keys))})"
                                " AND (id = ? OR source = ?) ORDER BY seq DESC LIMIT 1", (*keys, pick, pick)).fetchone()
                if r is None:
                    raise KeyError(f"no version {pick!r} of {agency} {year} (see Store.versions)")
                con.execute("UPDATE reports SET pinned = 0 WHERE report_key = ?", (r["report_key"],))
                con.execute("UPDATE reports SET pinned = 1 WHERE id = ?", (r["id"],))
                chosen_key = [r["report_key"]]
            before = {self._current_agency_year(con, k) for k in chosen_key}
            self._after_change(con, set(chosen_key), before)
            current = con.execute("SELECT id FROM reports WHERE report_key = ? AND is_current = 1",
                                  (chosen_key[0],)).fetchone()["id"]
        got = self.get_report(current)
        assert got is not None
        got.text = None
        return got

    @staticmethod
    def _keys(con: sqlite3.Connection, agency: str, year: int) -> list[str]:
        """Keys of the reports of *agency* (the name of any version, or an alias) for *year*."""
        rows = con.execute("SELECT DISTINCT report_key, agency, aliases FROM reports WHERE year = ?", (year,)).fetchall()
        exact = sorted({r["report_key"] for r in rows if r["agency"] == agency})
        return exact or sorted({r["report_key"] for r in rows
                                if same_agency(r["agency"], agency, _json_list(r["aliases"]))
                                or agency in _json_list(r["aliases"])})

    @staticmethod
    def _require(con: sqlite3.Connection, report_id: str) -> None:
        if not con.execute("SELECT 1 FROM reports WHERE id = ?", (report_id,)).fetchone():
            raise KeyError(f"no report {report_id!r} in the store")

    # -- reading
    @staticmethod
    def _report_row(r: sqlite3.Row, text: str | None = None) -> ReportRow:
        d = dict(r)
        d.pop("text", None)
        d["aliases"] = _json_list(d["aliases"])
        d["warnings"] = _json_list(d["warnings"])
        d["other_versions"] = _json_list(d["other_versions"])
        d["is_current"], d["pinned"] = bool(d["is_current"]), bool(d["pinned"])
        return ReportRow(**d, text=text)

    def reports(self, agency: str | None = None, year: int | None = None,
                source: str | None = None) -> list[ReportRow]:
        """The current version of each stored report (without text), ordered by agency, year,
        source; optional exact filters (*source* also finds a report by an older version's file)."""
        where, args = _where({"agency": agency, "year": year})
        where = (where + " AND " if where else "WHERE ") + "is_current = 1"
        if source is not None:
            where += " AND report_key IN (SELECT report_key FROM reports WHERE source = ?)"
            args.append(source)
        rows = self._con().execute(
            f"SELECT {self._REPORT_COLS} FROM reports {where} ORDER BY agency IS NULL, agency, year, source", args)
        return [self._report_row(r) for r in rows]

    def versions(self, agency: str, year: int) -> list[ReportRow]:
        """Every stored version of *agency*'s *year* report (*agency*: the name of any version,
        or an alias), newest first; ``is_current`` marks the one answers use."""
        con = self._con()
        keys = self._keys(con, agency, year)
        if not keys:
            return []
        rows = con.execute(f"SELECT {self._REPORT_COLS} FROM reports WHERE report_key IN"
                           f" ({','.join('?' * len(keys))}) ORDER BY seq DESC", keys)
        return [self._report_row(r) for r in rows]

    def get_report(self, report_id: str) -> ReportRow | None:
        """One report version (current or not) with its full normalised text, or ``None``."""
        r = self._con().execute(f"SELECT {self._REPORT_COLS}, text FROM reports WHERE id = ?", (report_id,)).fetchone()
        return None if r is None else self._report_row(r, text=r["text"])

    def counts(self) -> dict[str, int]:
        """``{"reports": n, "cells": n, "findings": n}`` over the current versions."""
        con = self._con()
        cur = "report_id IN (SELECT id FROM reports WHERE is_current = 1)"
        return {"reports": con.execute("SELECT count(*) FROM reports WHERE is_current = 1").fetchone()[0],
                "cells": con.execute(f"SELECT count(*) FROM cells WHERE {cur}").fetchone()[0],
                "findings": con.execute(f"SELECT count(*) FROM findings WHERE {cur}").fetchone()[0]}

    def cells(self, report_id: str | None = None, table: str | None = None, row_id: str | None = None,
              column_id: str | None = None, agency: str | None = None, year: int | None = None) -> list[StoredCell]:
        """Cells with their report's source, agency, year and template; in report, then parse, order.
        Without *report_id*: the cells of current versions only."""
        where, args = _where({"c.report_id": report_id, "c.table_name": table, "c.row_id": row_id,
                              "c.column_id": column_id, "r.agency": agency, "r.year": year})
        if report_id is None:
            where = (where + " AND " if where else "WHERE ") + "r.is_current = 1"
        rows = self._con().execute(
            'SELECT c.report_id, r.source, r.agency, r.year, r.template, c.table_name, c."row", c."column",'
            ' c.value, c.value_type, c.raw, c.status, c.row_id, c.column_id, c."start", c."end", c.page,'
            f" c.line_no, c.note, c.id FROM cells c JOIN reports r ON r.id = c.report_id {where}"
            " ORDER BY r.agency IS NULL, r.agency, r.year, r.source, c.id", args)
        return [_stored_cell(r) for r in rows]

    def cells_of(self, report_ids: Sequence[str], tables: Sequence[str], row_ids: Sequence[str] | None = None,
                 columns: dict[str, Sequence[str]] | None = None) -> dict[str, list[StoredCell]]:
        """The cells of these tables (and, when given, only these row ids; of a table named in
        *columns*, only those column ids) of these reports, in one query: report id → its cells."""
        out: dict[str, list[StoredCell]] = {rid: [] for rid in report_ids}
        if not report_ids or not tables:
            return out
        if len(report_ids) > MAX_IDS_PER_QUERY:  # SQLite takes at most 32,766 parameters a statement
            for i in range(0, len(report_ids), MAX_IDS_PER_QUERY):
                out.update(self.cells_of(report_ids[i:i + MAX_IDS_PER_QUERY], tables, row_ids, columns))
            return out
        rq, tq = ",".join("?" * len(report_ids)), ",".join("?" * len(tables))
        row_filter, row_args = "", []
        if row_ids is not None:
            row_filter = f" AND c.row_id IN ({','.join('?' * len(row_ids))})" if row_ids else " AND 1 = 0"
            row_args = list(row_ids)
        for table, cols in (columns or {}).items():
            row_filter += f" AND (c.table_name != ? OR c.column_id IN ({','.join('?' * len(cols))}))"
            row_args += [table, *cols]
        rows = self._con().execute(
            'SELECT c.report_id, r.source, r.agency, r.year, r.template, c.table_name, c."row", c."column",'
            ' c.value, c.value_type, c.raw, c.status, c.row_id, c.column_id, c."start", c."end", c.page,'
            " c.line_no, c.note, c.id FROM cells c JOIN reports r ON r.id = c.report_id"
            f" WHERE c.report_id IN ({rq}) AND c.table_name IN ({tq}){row_filter} ORDER BY c.id",
            [*report_ids, *tables, *row_args])
        for r in rows:
            out[r["report_id"]].append(_stored_cell(r))
        return out

    def findings(self, report_id: str | None = None) -> list[StoredFinding]:
        """Findings of one report version, or of every current version, in the order they were stored."""
        if report_id is None:
            where, args = "WHERE report_id IN (SELECT id FROM reports WHERE is_current = 1)", []
        else:
            where, args = "WHERE report_id = ?", [report_id]
        rows = self._con().execute(
            'SELECT report_id, rule, severity, message, table_name, "row", "column", reported, computed'
            f" FROM findings {where} ORDER BY report_id, id", args)
        return [StoredFinding(*r) for r in rows]

    def lines(self, report_id: str, start_line: int = 1, end_line: int | None = None) -> list[Line]:
        """Lines ``start_line``..``end_line`` (1-based, inclusive; ``None`` = to the end)."""
        rows = self._con().execute(
            'SELECT text, "start", "end", line_no, page, cells FROM lines'
            " WHERE report_id = ? AND line_no >= ? AND line_no <= ? ORDER BY line_no",
            (report_id, start_line, end_line if end_line is not None else 2**62))
        return [_line(r) for r in rows]

    def line_at(self, report_id: str, offset: int) -> Line | None:
        """The line containing character *offset* of the report text (its end, the newline, included)."""
        r = self._con().execute(
            'SELECT text, "start", "end", line_no, page, cells FROM lines'
            ' WHERE report_id = ? AND "start" <= ? ORDER BY line_no DESC LIMIT 1', (report_id, offset)).fetchone()
        return None if r is None or offset > r["end"] else _line(r)

    def sections(self, report_id: str) -> list[Section]:
        rows = self._con().execute(
            'SELECT number, title, "start", "end", page FROM sections WHERE report_id = ? ORDER BY "start"',
            (report_id,))
        return [Section(*r) for r in rows]


class SQLiteStore(Store):
    """The SQLite facts store at *db_path* (created with its folder when missing, upgraded in
    place when an older program wrote it)."""

    _BEGIN_WRITE = ("BEGIN IMMEDIATE",)
    _BEGIN_SNAPSHOT = "BEGIN"
    _REPORT_COLS = _report_cols(
        "(SELECT json_group_array(source) FROM (SELECT o.source FROM reports o WHERE"
        "  o.report_key = reports.report_key AND o.id != reports.id ORDER BY o.seq DESC))")

    def __init__(self, db_path: str | Path) -> None:
        self.path = Path(db_path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        for attempt in range(8):
            try:
                migrate(self._con(), self.path, StoreError)
                break
            except sqlite3.OperationalError as exc:
                # two processes creating one new file: switching it to WAL or upgrading a read lock
                # can fail at once with "locked" (SQLite does not wait there); the other one finishes
                if "locked" not in str(exc) or attempt == 7:
                    raise StoreError(f"{self.path}: not a usable gongkai database ({exc})") from exc
                self.close()
                time.sleep(0.05 * 2 ** attempt)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: not a usable gongkai database ({exc})") from exc

    def _con(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is not None and not con.in_transaction and self._local.file != _file_id(self.path):
            con.close()  # the file was deleted or replaced (a home folder wiped and ingested again)
            con = None
        if con is None:
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA foreign_keys = ON")
            con.execute("PRAGMA busy_timeout = 30000")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")
            self._local.con, self._local.file = con, _file_id(self.path)
            if getattr(self, "_migrated", None) not in (None, self._local.file):
                migrate(con, self.path, StoreError)  # a new file under the old name
            self._migrated = self._local.file
        return con


    def stamp(self) -> tuple:
        gen = self.generation()
        return (self._local.file, gen)


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _stored_cell(r: sqlite3.Row) -> StoredCell:
    return StoredCell(r["report_id"], r["source"], r["agency"], r["year"], r["template"], r["table_name"],
                      r["row"], r["column"], decode_value(r["value"], r["value_type"]), r["raw"], r["status"],
                      r["row_id"], r["column_id"], r["start"], r["end"], r["page"], r["line_no"], r["note"], r["id"])


def _line(r: sqlite3.Row) -> Line:
    cells = r["cells"]
    return Line(r["text"], r["start"], r["end"], r["line_no"], r["page"],
                None if cells is None else tuple(json.loads(cells)))


def _where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """``WHERE a = ? AND …`` for the filters that are not ``None``."""
    parts, args = [], []
    for col, val in filters.items():
        if val is not None:
            parts.append(f"{col} = ?")
            args.append(val)
    return ("WHERE " + " AND ".join(parts)) if parts else "", args
