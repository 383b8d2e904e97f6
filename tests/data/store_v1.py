# The facts store as the first release wrote it (schema v1; `git show 9556660:ingest/store.py`),
# kept so that tests can create a home with the old code and open it with the new one.
"""The facts store: one SQLite file holding every ingested report, its lines, sections, cells and
validation findings.

* One report per content (``reports.content_hash`` is UNIQUE; ``reports.id`` is its first 16 hex
  digits) and one report per source file name (``reports.source`` is UNIQUE): saving different
  content under a known file name replaces the old report, in one transaction.
* Cell values are stored as text with a type tag, so ``int``, ``Decimal`` and ``None`` (a blank
  cell, which is not 0) come back exactly as they went in.
* Each thread gets its own connection (``threading.local``); the database runs in WAL mode, so
  readers (the web UI) never block on a writer (ingest) and vice versa.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from ingest.models import Cell, Finding, Line, ParsedReport, Section

SaveStatus = Literal["added", "unchanged", "replaced"]
CROSS_YEAR_PREFIX = "cross_year."
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id              TEXT PRIMARY KEY,
    source          TEXT NOT NULL,
    path            TEXT NOT NULL DEFAULT '',
    content_hash    TEXT NOT NULL UNIQUE,
    format          TEXT NOT NULL,
    agency          TEXT,
    aliases         TEXT NOT NULL DEFAULT '[]',
    year            INTEGER,
    published       TEXT,
    template        TEXT NOT NULL DEFAULT 'unknown',
    title           TEXT,
    pages           INTEGER,
    encoding        TEXT,
    warnings        TEXT NOT NULL DEFAULT '[]',
    agency_evidence TEXT NOT NULL DEFAULT '',
    year_evidence   TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL,
    ingested_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS reports_source ON reports(source);
CREATE INDEX IF NOT EXISTS reports_agency_year ON reports(agency, year);

CREATE TABLE IF NOT EXISTS lines (
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    line_no   INTEGER NOT NULL,
    page      INTEGER,
    "start"   INTEGER NOT NULL,
    "end"     INTEGER NOT NULL,
    text      TEXT NOT NULL,
    cells     TEXT,
    PRIMARY KEY (report_id, line_no)
);

CREATE TABLE IF NOT EXISTS sections (
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    number    INTEGER NOT NULL,
    title     TEXT NOT NULL,
    "start"   INTEGER NOT NULL,
    "end"     INTEGER NOT NULL,
    page      INTEGER
);
CREATE INDEX IF NOT EXISTS sections_report ON sections(report_id, "start");

CREATE TABLE IF NOT EXISTS cells (
    id         INTEGER PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    table_name TEXT NOT NULL,
    "row"      TEXT NOT NULL,
    row_id     TEXT NOT NULL DEFAULT '',
    "column"   TEXT NOT NULL,
    column_id  TEXT NOT NULL DEFAULT '',
    value      TEXT,
    value_type TEXT CHECK (value_type IN ('int', 'decimal') OR value_type IS NULL),
    raw        TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'exact',
    "start"    INTEGER,
    "end"      INTEGER,
    page       INTEGER,
    line_no    INTEGER,
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS cells_lookup ON cells(report_id, table_name, row_id, column_id);
CREATE INDEX IF NOT EXISTS cells_by_id ON cells(table_name, row_id, column_id);

CREATE TABLE IF NOT EXISTS findings (
    id         INTEGER PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    rule       TEXT NOT NULL,
    severity   TEXT NOT NULL,
    message    TEXT NOT NULL,
    table_name TEXT NOT NULL DEFAULT '',
    "row"      TEXT NOT NULL DEFAULT '',
    "column"   TEXT NOT NULL DEFAULT '',
    reported   TEXT,
    computed   TEXT
);
CREATE INDEX IF NOT EXISTS findings_report ON findings(report_id);
"""


class StoreError(RuntimeError):
    """The store refused an operation (e.g. a corrupt database or a report id collision)."""


# ------------------------------------------------------------------------------------ records
@dataclass
class ReportRow:
    """One stored report. ``text`` is only loaded by :meth:`Store.get_report` (``None`` in lists)."""

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


# ------------------------------------------------------------------------------------ store
class Store:
    """The SQLite facts store at *db_path* (created with its folder when missing).

    Safe to share between threads: every thread uses its own connection.
    """

    def __init__(self, db_path: str | Path) -> None:
        self.path = Path(db_path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        try:
            con = self._con()
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: database schema v{version} is newer than this program (v{SCHEMA_VERSION})")
            if version < SCHEMA_VERSION:  # a new file: create (opening an existing one writes nothing)
                con.executescript(_SCHEMA)
                con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable gongkai database ({exc})") from exc

    # -- connections
    def _con(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA foreign_keys = ON")
            con.execute("PRAGMA busy_timeout = 30000")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")
            self._local.con = con
        return con

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
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    # -- writing
    def save(self, parsed: ParsedReport, aliases: Sequence[str] = ()) -> SaveStatus:
        """Store one parsed report.

        ``"unchanged"``: the same content is already stored (nothing is written).
        ``"replaced"``: another content was stored under the same source file name; its rows are
        deleted and the new ones written in the same transaction. ``"added"``: a new report.
        Any error rolls the whole save back, leaving the store as it was.
        """
        doc = parsed.doc
        rid = parsed.report_id
        with self._write() as con:
            if con.execute("SELECT 1 FROM reports WHERE content_hash = ?", (doc.content_hash,)).fetchone():
                return "unchanged"
            old = [r[0] for r in con.execute("SELECT id FROM reports WHERE source = ?", (doc.source,))]
            if rid not in old and con.execute("SELECT 1 FROM reports WHERE id = ?", (rid,)).fetchone():
                raise StoreError(f"report id {rid} already used by other content (hash prefix collision)")
            for oid in old:
                con.execute("DELETE FROM reports WHERE id = ?", (oid,))  # cascades to lines, cells, …
            self._insert_report(con, parsed, aliases)
            self._insert_lines(con, rid, doc.lines)
            self._insert_sections(con, rid, parsed.sections)
            self._insert_cells(con, rid, parsed.cells)
            self._insert_findings(con, rid, parsed.findings)
        return "replaced" if old else "added"

    def _insert_report(self, con: sqlite3.Connection, parsed: ParsedReport, aliases: Sequence[str]) -> None:
        doc, meta = parsed.doc, parsed.meta
        con.execute(
            "INSERT INTO reports (id, source, path, content_hash, format, agency, aliases, year, published,"
            " template, title, pages, encoding, warnings, agency_evidence, year_evidence, text, ingested_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (parsed.report_id, doc.source, doc.path, doc.content_hash, doc.format, meta.agency,
             json.dumps(list(aliases), ensure_ascii=False), meta.year, meta.published, meta.template,
             meta.title, doc.pages, doc.encoding, json.dumps(list(doc.warnings), ensure_ascii=False),
             meta.agency_evidence, meta.year_evidence, doc.text,
             datetime.now(timezone.utc).isoformat(timespec="seconds")),
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
        con.executemany(
            'INSERT INTO findings (report_id, rule, severity, message, table_name, "row", "column", reported, computed)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((rid, f.rule, f.severity, f.message, f.table, f.row, f.column,
              None if f.reported is None else str(f.reported), None if f.computed is None else str(f.computed))
             for f in findings),
        )

    def add_findings(self, report_id: str, findings: Iterable[Finding]) -> int:
        """Append findings to a stored report; returns how many were added."""
        findings = list(findings)
        with self._write() as con:
            self._require(con, report_id)
            self._insert_findings(con, report_id, findings)
        return len(findings)

    def replace_cross_year_findings(self, report_id: str, findings: Iterable[Finding]) -> int:
        """Replace the report's ``cross_year.*`` findings with *findings* (all must be cross-year)."""
        findings = list(findings)
        bad = [f.rule for f in findings if not f.rule.startswith(CROSS_YEAR_PREFIX)]
        if bad:
            raise ValueError(f"not cross-year rules (must start with {CROSS_YEAR_PREFIX!r}): {bad}")
        with self._write() as con:
            self._require(con, report_id)
            con.execute("DELETE FROM findings WHERE report_id = ? AND substr(rule, 1, ?) = ?",
                        (report_id, len(CROSS_YEAR_PREFIX), CROSS_YEAR_PREFIX))
            self._insert_findings(con, report_id, findings)
        return len(findings)

    def delete(self, report_id: str) -> bool:
        """Delete a report and everything attached to it; ``False`` when there was none."""
        with self._write() as con:
            return con.execute("DELETE FROM reports WHERE id = ?", (report_id,)).rowcount > 0

    @staticmethod
    def _require(con: sqlite3.Connection, report_id: str) -> None:
        if not con.execute("SELECT 1 FROM reports WHERE id = ?", (report_id,)).fetchone():
            raise KeyError(f"no report {report_id!r} in the store")

    # -- reading
    _REPORT_COLS = ("id, source, path, content_hash, format, agency, aliases, year, published, template, title,"
                    " pages, encoding, warnings, agency_evidence, year_evidence, ingested_at,"
                    " (SELECT count(*) FROM cells c WHERE c.report_id = reports.id) AS n_cells,"
                    " (SELECT count(*) FROM findings f WHERE f.report_id = reports.id) AS n_findings")

    @staticmethod
    def _report_row(r: sqlite3.Row, text: str | None = None) -> ReportRow:
        d = dict(r)
        d.pop("text", None)
        d["aliases"] = _json_list(d["aliases"])
        d["warnings"] = _json_list(d["warnings"])
        return ReportRow(**d, text=text)

    def reports(self, agency: str | None = None, year: int | None = None,
                source: str | None = None) -> list[ReportRow]:
        """Stored reports (without text), ordered by agency, year, source; optional exact filters."""
        where, args = _where({"agency": agency, "year": year, "source": source})
        rows = self._con().execute(
            f"SELECT {self._REPORT_COLS} FROM reports {where} ORDER BY agency IS NULL, agency, year, source", args)
        return [self._report_row(r) for r in rows]

    def get_report(self, report_id: str) -> ReportRow | None:
        """One report with its full normalised text, or ``None``."""
        r = self._con().execute(f"SELECT {self._REPORT_COLS}, text FROM reports WHERE id = ?", (report_id,)).fetchone()
        return None if r is None else self._report_row(r, text=r["text"])

    def counts(self) -> dict[str, int]:
        """``{"reports": n, "cells": n, "findings": n}`` over the whole store."""
        con = self._con()
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("reports", "cells", "findings")}

    def cells(self, report_id: str | None = None, table: str | None = None, row_id: str | None = None,
              column_id: str | None = None, agency: str | None = None, year: int | None = None) -> list[StoredCell]:
        """Cells with their report's source, agency, year and template; in report, then parse, order."""
        where, args = _where({"c.report_id": report_id, "c.table_name": table, "c.row_id": row_id,
                              "c.column_id": column_id, "r.agency": agency, "r.year": year})
        rows = self._con().execute(
            'SELECT c.report_id, r.source, r.agency, r.year, r.template, c.table_name, c."row", c."column",'
            ' c.value, c.value_type, c.raw, c.status, c.row_id, c.column_id, c."start", c."end", c.page,'
            f" c.line_no, c.note FROM cells c JOIN reports r ON r.id = c.report_id {where}"
            " ORDER BY r.agency IS NULL, r.agency, r.year, r.source, c.id", args)
        return [
            StoredCell(r["report_id"], r["source"], r["agency"], r["year"], r["template"], r["table_name"],
                       r["row"], r["column"], decode_value(r["value"], r["value_type"]), r["raw"], r["status"],
                       r["row_id"], r["column_id"], r["start"], r["end"], r["page"], r["line_no"], r["note"])
            for r in rows
        ]

    def findings(self, report_id: str | None = None) -> list[StoredFinding]:
        """Findings, all or of one report, in the order they were stored."""
        where, args = _where({"report_id": report_id})
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
