"""The facts store on a PostgreSQL server (``GONGKAI_DATABASE_URL=postgresql://user:pw@host/db``).

The same store as :class:`ingest.store.SQLiteStore` — same tables (built and upgraded by the same
migrations, :func:`ingest.migrations.migrate_pg`), same SQL, same answers — for several app
processes, on one machine or several, sharing one store. What differs is kept here:

* :class:`PgConnection` lets the store's SQL run unchanged: ``?`` parameters become psycopg's
  ``%s``, rows answer to a column's name and position (as ``sqlite3.Row``), it counts the rows
  written (SQLite's ``total_changes``: a write that changed nothing leaves the generation), and
  a plain many-row ``INSERT`` (a report's lines, cells, findings) goes in as one ``COPY``.
* Writers take turns: every write transaction first takes an advisory lock of the store
  (``pg_advisory_xact_lock``, keyed by the schema), so a save sees every save before it, as
  ``BEGIN IMMEDIATE`` gives on SQLite. Readers are never blocked.
* :meth:`Store.snapshot` is a ``REPEATABLE READ READ ONLY`` transaction.
* The store lives in the connection's current schema (``public`` unless the URL says otherwise,
  e.g. ``?options=-csearch_path%3Dcity_a``): one database can hold several stores.
* A connection the server dropped between two statements (a restart, a failover, an idle
  timeout) is made again on the next statement; one lost inside a transaction raises, and the
  transaction is rolled back as on any error.
* Text may not hold NUL on PostgreSQL: a NUL in a stored string is kept as U+FFFD.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from .migrations import PG_LOCK, migrate_pg
from .store import Store, StoreError, _report_cols

_DML = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.I)
_PLAIN_INSERT = re.compile(r"INSERT INTO (?P<table>\w+) \((?P<cols>[^()]*)\) VALUES \((?:\?, )*\?\)")


def _redact(url: str) -> str:
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


class Row:
    """One result row: ``row["agency"]``, ``row[0]``, ``dict(row)``, unpacking."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: dict[str, int], values: Sequence[Any]) -> None:
        self._names, self._values = names, tuple(values)

    def __getitem__(self, key: int | str) -> Any:
        return self._values[key if isinstance(key, int) else self._names[key]]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._names)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._names, self._values))!r})"


def _row_factory(cursor: Any):
    names = {d.name: i for i, d in enumerate(cursor.description or ())}
    return lambda values: Row(names, values)


def _sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _param(v: Any) -> Any:
    return v.replace("\x00", "\ufffd") if isinstance(v, str) and "\x00" in v else v


class PgConnection:
    """A psycopg 3 connection (autocommit: the store says ``BEGIN`` and ``COMMIT`` itself, as it
    does on SQLite) that runs the store's SQLite-flavoured SQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.raw = self._connect()
        self.total_changes = 0

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.url, autocommit=True, row_factory=_row_factory)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        import psycopg

        idle = not self.in_transaction
        try:
            cur = self._execute(sql, params)
        except psycopg.OperationalError:
            if not (idle and self.raw.closed) or _DML.match(sql):
                raise
            # the server restarted or dropped the connection between two statements: nothing of a
            # transaction is lost, so connect again and run the statement once more
            self.raw = self._connect()
            cur = self._execute(sql, params)
        if cur.rowcount and cur.rowcount > 0 and _DML.match(sql):
            self.total_changes += cur.rowcount
        return cur

    def _execute(self, sql: str, params: Sequence[Any]) -> Any:
        return self.raw.execute(_sql(sql), [_param(p) for p in params]) if params else self.raw.execute(sql)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        rows = [[_param(p) for p in params] for params in seq]
        if not rows:
            return
        plain = _PLAIN_INSERT.fullmatch(sql)
        with self.raw.cursor() as cur:
            if plain:  # a save's lines and cells: COPY is several times faster than row-by-row INSERTs
                with cur.copy(f"COPY {plain['table']} ({plain['cols']}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cur.executemany(_sql(sql), rows)
        self.total_changes += len(rows)

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


class PostgresStore(Store):
    """The facts store in the PostgreSQL database at *url* (its tables created, or upgraded in
    place, on first open)."""

    _BEGIN_WRITE = ("BEGIN", PG_LOCK)
    _BEGIN_SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    _REPORT_COLS = _report_cols(
        "(SELECT coalesce(json_agg(o.source ORDER BY o.seq DESC), '[]'::json)::text FROM reports o"
        "  WHERE o.report_key = reports.report_key AND o.id != reports.id)")

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise StoreError("GONGKAI_DATABASE_URL needs psycopg 3 (pip install 'psycopg[binary]')") from exc
        self.url = url
        self.path = _redact(url)  # what messages name
        self._local = threading.local()
        try:
            migrate_pg(self._con(), self.path, StoreError)
        except psycopg.Error as exc:
            raise StoreError(f"{self.path}: not a usable gongkai database ({type(exc).__name__}: "
                             f"{str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r})") from exc

    def stamp(self) -> tuple:
        return tuple(self._con().execute("SELECT 'store_meta'::regclass::oid, value FROM store_meta"
                                         " WHERE key = 'generation'").fetchone())

    def _after_copy(self, con: PgConnection) -> None:
        for table in ("cells", "findings"):  # identity columns go on after the ids copied in
            con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                        " HAVING max(id) IS NOT NULL")

    def _batches(self, sql: str, size: int):
        with self._con().raw.cursor(name="gongkai_batches") as cur:  # server-side: rows arrive as read
            cur.execute(sql)
            names = [d.name for d in cur.description]
            while rows := cur.fetchmany(size):
                yield names, [tuple(r) for r in rows]

    def _con(self) -> PgConnection:
        con: PgConnection | None = getattr(self._local, "con", None)
        if con is None or con.raw.closed:
            con = PgConnection(self.url)
            self._local.con = con
        return con
