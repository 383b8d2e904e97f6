"""报告对比: one agency's reports of two years, cell by cell, with the cross-year checks.

    >>> c = compare(store, "平潭综合实验区", 2024, 2025)
    >>> row = c.cell("三", "new", "total")
    >>> row.value_a, row.value_b, row.diff
    (218, 154, -64)

What the office does by hand each year: 表二/三/四 of year A beside year B, every cell that
changed, the change, and whether 上年结转 of the later year equals 结转下年度 of the year before
it (the ``cross_year.*`` findings the store keeps). Pure data: no Gradio, no HTML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ingest.export import table_layout
from ingest.store import ReportRow, Store, StoredCell
from ingest.templates import T3_COLUMNS

COMPARED_TABLES = ("二", "三", "四")
CROSS_YEAR_PREFIX = "cross_year."
Number = int | Decimal


@dataclass
class CompareRow:
    """One (row, column) of one table in both years; ``a``/``b`` are the stored cells (or None)."""

    table: str
    row_id: str
    column_id: str
    row: str
    column: str
    a: StoredCell | None = None
    b: StoredCell | None = None

    @property
    def value_a(self) -> Number | None:
        return None if self.a is None else self.a.value

    @property
    def value_b(self) -> Number | None:
        return None if self.b is None else self.b.value

    @property
    def diff(self) -> Number | None:
        """Year B minus year A, when both years have a figure."""
        if self.value_a is None or self.value_b is None:
            return None
        return self.value_b - self.value_a

    @property
    def changed(self) -> bool:
        return self.value_a != self.value_b


@dataclass
class CrossCheck:
    """A check between a year and the year before it (上年结转 = last year's 结转下年度 …).

    ``verdict``: ``ok`` (the figures agree), ``error`` / ``warning`` (the store's ``cross_year.*``
    finding for it), ``missing`` (a figure is absent), ``not_consecutive`` (years A and B are
    not neighbours, so the check does not apply)."""

    rule: str
    table: str
    label: str  # e.g. "表三 自然人: 上年结转 vs 上年的结转下年度"
    expected: Number | None  # what last year's report implies
    reported: Number | None  # what this year's report says
    verdict: str
    message: str = ""
    cells: list[StoredCell] = field(default_factory=list)  # the cells compared (earlier year first)


@dataclass
class Comparison:
    agency: str
    year_a: int
    year_b: int
    report_a: ReportRow
    report_b: ReportRow
    tables: dict[str, list[CompareRow]]
    checks: list[CrossCheck]

    def cell(self, table: str, row_id: str, column_id: str) -> CompareRow | None:
        return next((r for r in self.tables.get(table, []) if r.row_id == row_id and r.column_id == column_id), None)

    @property
    def changed(self) -> list[CompareRow]:
        return [r for rows in self.tables.values() for r in rows if r.changed]


class CompareError(ValueError):
    """The agency has no current report for one of the years asked."""


def agency_years(store: Store) -> dict[str, list[int]]:
    """Agencies with current reports of at least two years → those years, ascending."""
    out: dict[str, set[int]] = {}
    for r in store.reports():
        if r.agency and r.year is not None:
            out.setdefault(r.agency, set()).add(r.year)
    return {a: sorted(ys) for a, ys in sorted(out.items()) if len(ys) >= 2}


def _report(store: Store, agency: str, year: int) -> ReportRow:
    rows = store.reports(agency=agency, year=year)
    if not rows:
        raise CompareError(f"{agency} 没有 {year} 年的报告 (no {year} report)")
    return max(rows, key=lambda r: r.n_cells)  # several current reports of one year: the fullest


def _key(c: StoredCell) -> tuple[str, str]:
    return c.row_id or f"label:{c.row}", c.column_id or f"label:{c.column}"


def _table_rows(table: str, a: ReportRow, b: ReportRow, cells_a: list[StoredCell],
                cells_b: list[StoredCell]) -> list[CompareRow]:
    """Rows in template order (year B's template first), then what either report adds."""
    by_a = {_key(c): c for c in cells_a}
    by_b = {_key(c): c for c in cells_b}
    order: list[tuple[str, str]] = []
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    for rep in (b, a):
        rows, cols = table_layout(table, rep.template)
        for rid, rlabel in rows:
            for cid, clabel in cols:
                if (rid, cid) not in labels:
                    labels[(rid, cid)] = (rlabel, clabel)
                    order.append((rid, cid))
    for c in [*cells_b, *cells_a]:
        k = _key(c)
        if k not in labels:
            labels[k] = (c.row, c.column)
            order.append(k)
    out = []
    for k in order:
        if k not in by_a and k not in by_b:
            continue  # a template cell neither report has: nothing to compare
        rlabel, clabel = labels[k]
        out.append(CompareRow(table, k[0], k[1], rlabel, clabel, by_a.get(k), by_b.get(k)))
    return out


def _checks(store: Store, ra: ReportRow, rb: ReportRow, cells_a: dict[str, list[StoredCell]],
            cells_b: dict[str, list[StoredCell]]) -> list[CrossCheck]:
    consecutive = rb.year == (ra.year or 0) + 1
    found = [f for f in store.findings(rb.id) if f.rule.startswith(CROSS_YEAR_PREFIX)] if consecutive else []
    grid_a = {_key(c): c for cs in cells_a.values() for c in cs if c.table in ("二", "三")}
    grid_b = {_key(c): c for cs in cells_b.values() for c in cs if c.table in ("二", "三")}
    out: list[CrossCheck] = []

    def verdict(rule: str, table: str, row: str, column: str, expected, reported) -> tuple[str, str]:
        hit = next((f for f in found if f.rule == rule and f.table == table and f.column == column
                    and (f.row == row or not row)), None)
        if hit is not None:
            return hit.severity, hit.message
        if not consecutive:
            return "not_consecutive", ""
        if expected is None or reported is None:
            return "missing", ""
        return ("ok", "") if expected == reported else ("error", "")  # stored findings are authoritative

    for col in T3_COLUMNS:
        last = grid_a.get(("carried_forward", col.id))
        this = grid_b.get(("carried_over", col.id))
        exp, rep = (last.value if last else None), (this.value if this else None)
        v, msg = verdict("cross_year.carry", "三", "", col.label, exp, rep)
        out.append(CrossCheck("cross_year.carry", "三", col.label, exp, rep, v, msg, [c for c in (last, this) if c]))
    for row, label in (("rules", "规章"), ("normative_docs", "行政规范性文件")):
        prev = grid_a.get((row, "in_force"))
        parts = [grid_b.get((row, c)) for c in ("issued", "repealed", "in_force")]
        if prev is None and not any(parts):
            continue
        issued, repealed, now = parts
        vals = [x.value if x else None for x in (prev, issued, repealed)]
        exp = None if None in vals else vals[0] + vals[1] - vals[2]  # type: ignore[operator]
        rep = now.value if now else None
        v, msg = verdict("cross_year.in_force", "二", label, "现行有效件数", exp, rep)
        if v == "error" and not msg:
            v = "warning"  # the in-force identity is a warning in validation too
        out.append(CrossCheck("cross_year.in_force", "二", label, exp, rep, v, msg,
                              [c for c in (prev, issued, repealed, now) if c]))
    return out


def compare(store: Store, agency: str, year_a: int, year_b: int) -> Comparison:
    """Compare *agency*'s current reports of *year_a* and *year_b* (A is shown first, differences
    are B − A; the cross-year checks apply when B is the year after A)."""
    ra, rb = _report(store, agency, year_a), _report(store, agency, year_b)
    cells_a = store.cells_of([ra.id], COMPARED_TABLES)[ra.id]
    cells_b = store.cells_of([rb.id], COMPARED_TABLES)[rb.id]
    by_table_a = {t: [c for c in cells_a if c.table == t] for t in COMPARED_TABLES}
    by_table_b = {t: [c for c in cells_b if c.table == t] for t in COMPARED_TABLES}
    tables = {t: _table_rows(t, ra, rb, by_table_a[t], by_table_b[t]) for t in COMPARED_TABLES}
    tables = {t: rows for t, rows in tables.items() if rows}
    return Comparison(agency, year_a, year_b, ra, rb, tables, _checks(store, ra, rb, by_table_a, by_table_b))
