"""Export stored cells (CSV / XLSX, one cell per row) and lay out one table as a grid.

Rows and columns follow the template order of :mod:`ingest.templates`; a cell whose row or
column the template does not know (e.g. a pre-2019 indicator) comes after, in parse order.

Nothing exported is executed by a spreadsheet: a CSV text field that starts with ``=``, ``+``,
``-``, ``@``, tab or CR gets a leading ``'`` (OWASP "CSV injection"), unless it is a plain
number such as ``-3`` or only dashes; XLSX text is written as text cells, never as formulas.
"""
from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Literal

from .store import Store, StoredCell
from .templates import T3_COLUMNS, t2_rows, t3_rows, t4_columns

EXPORT_COLUMNS = ("source", "agency", "year", "template", "table", "row", "column", "value", "raw", "status")
TABLE_ORDER = ("二", "三", "四", "统计表")

Layout = tuple[list[tuple[str, str]], list[tuple[str, str]]]  # ([(row_id, label)], [(column_id, label)])


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*%?")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML cannot hold


def csv_safe(value: object) -> object:
    """*value* as a CSV field a spreadsheet will show, not run: ``"=1+2.txt"`` → ``"'=1+2.txt"``."""
    if (isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value)
            and value.strip("-")):  # "-3" and a lone "-" (a blank in many tables) cannot run anything
        return "'" + value
    return value


def csv_row(values: Sequence[object]) -> list[object]:
    return [csv_safe(v) for v in values]


def xlsx_row(ws, values: Sequence[object]) -> list:
    """Cells for ``ws.append`` (a write-only or normal sheet): numbers stay numbers, ``None``
    stays empty, and text is a text cell even when it looks like a formula."""
    from openpyxl.cell import WriteOnlyCell

    out = []
    for v in values:
        if isinstance(v, str):
            c = WriteOnlyCell(ws, value=_XLSX_ILLEGAL.sub("", v))
            c.data_type = "s"  # openpyxl would otherwise take "=…" for a formula
            out.append(c)
        else:
            out.append(v)
    return out


def table_layout(table: str, template: str) -> Layout:
    """The template's rows and columns of *table* as ``(id, label)`` lists, in template order.

    Tables whose rows are not fixed by the template (四's single row, the pre-2019 统计表) give
    only what is fixed; their other rows come from the cells.
    """
    if table == "三":
        return [(r.id, r.label) for r in t3_rows(template)], [(c.id, c.label) for c in T3_COLUMNS]
    if table == "二":
        specs = t2_rows(template)
        cols: dict[str, str] = {}
        for spec in specs:
            for c in spec.columns:
                cols.setdefault(c.id, c.label)
        return [(s.id, f"{s.item}/{s.label}") for s in specs], list(cols.items())
    if table == "四":
        return [], [(cid, label) for _, _, label, cid in t4_columns()]
    return [], []


def _row_key(c: StoredCell) -> str:
    return c.row_id or f"label:{c.row}"


def _column_key(c: StoredCell) -> str:
    return c.column_id or f"label:{c.column}"


def _grid(cells: Sequence[StoredCell], table: str, template: str) -> Layout:
    """Template rows/columns, then any extra ones the cells bring, in order of appearance."""
    rows, cols = table_layout(table, template)
    row_ids, col_ids = {r for r, _ in rows}, {c for c, _ in cols}
    for c in cells:
        if (k := _row_key(c)) not in row_ids:
            row_ids.add(k)
            rows.append((k, c.row))
        if (k := _column_key(c)) not in col_ids:
            col_ids.add(k)
            cols.append((k, c.column))
    return rows, cols


def sort_cells(cells: Iterable[StoredCell]) -> list[StoredCell]:
    """Cells by report (agency, year, source), then table, row and column in template order."""
    by_report: dict[str, list[StoredCell]] = {}
    for c in cells:
        by_report.setdefault(c.report_id, []).append(c)
    out: list[StoredCell] = []
    for group in sorted(by_report.values(), key=lambda g: (g[0].agency is None, g[0].agency or "",
                                                           g[0].year or 0, g[0].source)):
        by_table: dict[str, list[StoredCell]] = {}
        for c in group:
            by_table.setdefault(c.table, []).append(c)
        for table in sorted(by_table, key=lambda t: (TABLE_ORDER.index(t) if t in TABLE_ORDER else 99, t)):
            tcells = by_table[table]
            rows, cols = _grid(tcells, table, tcells[0].template)
            ri = {k: i for i, (k, _) in enumerate(rows)}
            ci = {k: i for i, (k, _) in enumerate(cols)}
            out += sorted(tcells, key=lambda c: (ri[_row_key(c)], ci[_column_key(c)]))  # stable: parse order
    return out


def value_text(value: int | Decimal | None) -> str:
    """A value as exported: digits, a plain decimal, or "" for a blank cell."""
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _records(store: Store) -> Iterable[list]:
    for c in sort_cells(store.cells()):
        yield [c.source, c.agency or "", c.year if c.year is not None else "", c.template, c.table,
               c.row, c.column, c.value, c.raw, c.status]


def export_cells(store: Store, fmt: Literal["csv", "xlsx"] = "csv", out: Path | None = None,
                 stream: IO[str] | None = None) -> int:
    """Write every stored cell, one per row, with the columns :data:`EXPORT_COLUMNS`.

    CSV goes to *out* (UTF-8 with BOM, so Excel reads the Chinese) or, when *out* is ``None``,
    to *stream* / standard output (a BOM only when that is not a terminal). XLSX needs *out*.
    Returns the number of cells written.
    """
    if fmt == "xlsx":
        if out is None:
            raise ValueError("xlsx export needs an output file")
        return _write_xlsx(store, Path(out))
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r} (csv or xlsx)")
    if out is not None:
        with open(out, "w", encoding="utf-8-sig", newline="") as f:
            return _write_csv(store, f)
    if stream is None and hasattr(sys.stdout, "buffer"):  # UTF-8 whatever the locale says
        sys.stdout.flush()
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
        try:
            if not sys.stdout.isatty():
                stream.write("\ufeff")
            return _write_csv(store, stream)
        finally:
            stream.detach()  # leave sys.stdout open
    return _write_csv(store, stream if stream is not None else sys.stdout)


def _write_csv(store: Store, f: IO[str]) -> int:
    w = csv.writer(f)
    w.writerow(csv_row(EXPORT_COLUMNS))
    n = 0
    for rec in _records(store):
        rec[7] = value_text(rec[7])
        w.writerow(csv_row(rec))
        n += 1
    return n


def _write_xlsx(store: Store, out: Path) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("cells")
    ws.append(list(EXPORT_COLUMNS))
    n = 0
    for rec in _records(store):
        ws.append(xlsx_row(ws, rec))  # numbers stay numbers (int, Decimal); a blank cell stays empty
        n += 1
    wb.save(out)
    return n


def table_frame(store: Store, report_id: str, table: str) -> tuple[list[str], list[list]]:
    """One table of one report as a grid: ``(headers, rows)``.

    ``headers`` is ``["", column labels…]``; each row is ``[row label, values…]`` with values as
    stored (``int``, ``Decimal``, ``None`` for blank or not found). Rows and columns follow the
    template; rows the report lacks are kept (all ``None``) so the grid always has its shape.
    """
    cells = store.cells(report_id=report_id, table=table)
    report = store.get_report(report_id) if not cells else None
    template = cells[0].template if cells else (report.template if report else "unknown")
    rows, cols = _grid(cells, table, template)
    labels = {_row_key(c): c.row for c in cells}  # the report's own row wording where it has one
    values: dict[tuple[str, str], int | Decimal | None] = {}
    for c in cells:
        key = (_row_key(c), _column_key(c))
        if values.get(key) is None:
            values[key] = c.value
    headers = [""] + [label for _, label in cols]
    grid = [[labels.get(rid, label)] + [values.get((rid, cid)) for cid, _ in cols] for rid, label in rows]
    return headers, grid
