"""The facts store's schema as ordered migrations (as in simonw/llm's ``llm/migrations.py``).

Each migration is a function that changes the schema (and moves the data) one step; they run in
the order they are defined, each once, each in its own transaction, and are recorded by name in
``schema_migrations`` (``PRAGMA user_version`` counts them too, so the first release's stores —
``user_version = 1`` and no ``schema_migrations`` table — are recognised: ``m001_initial`` only
creates what is missing). A new schema change is a new function at the end; never edit one that
has shipped.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

_SCHEMA_V1 = """
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


Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []  # applied in this order, each once, each in one transaction


def _migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


@_migration
def m001_initial(con: sqlite3.Connection) -> None:
    """The first schema (``PRAGMA user_version = 1``): one report per content and per file name."""
    for stmt in _statements(_SCHEMA_V1):
        con.execute(stmt)


@_migration
def m002_report_versions(con: sqlite3.Connection) -> None:
    """Reports get versions: ``report_key`` (agency|year|template), ``seq`` (storing order),
    ``is_current`` (one per key) and ``pinned`` (chosen by hand); a file name may now hold
    several versions. Existing rows are grouped into reports and their newest made current."""
    from .store import CROSS_YEAR_PREFIX, _elect, _json_list, _key_for, _recheck_cross_year, _recheck_versions

    for stmt in (
        "ALTER TABLE reports ADD COLUMN report_key TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE reports ADD COLUMN seq INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE reports ADD COLUMN is_current INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE reports ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0",
        "DROP INDEX IF EXISTS reports_source",
        "CREATE INDEX reports_source ON reports(source)",
    ):
        con.execute(stmt)
    rows = con.execute("SELECT id, source, agency, aliases, year, template FROM reports"
                       " ORDER BY ingested_at, rowid").fetchall()
    for seq, r in enumerate(rows, start=1):
        key = _key_for(con, r["agency"], r["year"], r["template"], _json_list(r["aliases"]), r["source"])
        con.execute("UPDATE reports SET report_key = ?, seq = ? WHERE id = ?", (key, seq, r["id"]))
    for (key,) in con.execute("SELECT DISTINCT report_key FROM reports").fetchall():
        _elect(con, key)
    con.execute("CREATE UNIQUE INDEX reports_current ON reports(report_key) WHERE is_current = 1")
    con.execute("CREATE INDEX reports_key ON reports(report_key, seq)")
    # cross-year checks now pair current versions only and run on every save: redo them once
    con.execute("DELETE FROM findings WHERE substr(rule, 1, ?) = ?", (len(CROSS_YEAR_PREFIX), CROSS_YEAR_PREFIX))
    agencies = [a for (a,) in con.execute("SELECT DISTINCT agency FROM reports WHERE agency IS NOT NULL")]
    for agency in agencies:
        years = [y for (y,) in con.execute("SELECT DISTINCT year FROM reports WHERE agency = ? AND is_current = 1"
                                           " AND year IS NOT NULL", (agency,))]
        _recheck_cross_year(con, agency, years)
    for (key,) in con.execute("SELECT report_key FROM reports GROUP BY report_key HAVING count(*) > 1").fetchall():
        _recheck_versions(con, key)


@_migration
def m003_generation(con: sqlite3.Connection) -> None:
    """A generation counter, raised by every write transaction that changed something
    (:meth:`ingest.store.Store.generation`): "has the store changed?" in one read."""
    con.execute("CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    con.execute("INSERT INTO store_meta (key, value) VALUES ('generation', 1)")


def migrate(con: sqlite3.Connection, path: Path, error: type[Exception] = RuntimeError) -> None:
    """Apply the migrations this file lacks, each in its own transaction (safe when several
    processes open a new or old store at once: the second one finds the work done)."""
    known = [name for name, _ in MIGRATIONS]
    if con.execute("PRAGMA user_version").fetchone()[0] > len(known):
        raise error(f"{path}: database schema is newer than this program (v{len(known)}); upgrade gongkai")
    has_table = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone()
    done = {n for (n,) in con.execute("SELECT name FROM schema_migrations")} if has_table else set()
    if done - set(known):
        raise error(f"{path}: database has migrations this program does not know"
                    f" ({', '.join(sorted(done - set(known)))}); upgrade gongkai")
    if set(known) <= done:
        return  # the usual case: opening an up-to-date store reads two things and writes nothing
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, fn in MIGRATIONS:
        con.execute("BEGIN IMMEDIATE")
        try:
            if con.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (name,)).fetchone():
                con.execute("ROLLBACK")
                continue
            fn(con)
            con.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, _now()))
            con.execute(f"PRAGMA user_version = {known.index(name) + 1}")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
