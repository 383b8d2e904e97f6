"""Arithmetic checks (勾稽关系) on parsed cells, driven by the identities in ``templates``.

A finding keeps what the report states (``reported``) next to what the arithmetic gives
(``computed``); nothing is ever overwritten. Cells that are blank or ambiguous take no part in
a check (a blank is not 0), but a blank 总计 whose parts are all present gets an ``info``
finding with the computed figure.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from . import templates as T
from .models import Cell, Finding

Num = int | Decimal


def _grid(cells: Iterable[Cell], table: str) -> dict[tuple[str, str], Cell]:
    return {(c.row_id, c.column_id): c for c in cells if c.table == table}


def _val(grid, row: str, col: str) -> Num | None:
    c = grid.get((row, col))
    if c is None or c.status == "ambiguous":
        return None
    return c.value  # type: ignore[return-value]


def _fmt(v) -> str:
    return "空" if v is None else str(v)


def _t3_rows(grid) -> list[str]:
    """Row ids present, in template order (2021 sub-rows or the 2019 single (六) row)."""
    present = {r for r, _ in grid}
    rows = T.T3_ROWS_2019 if "other" in present else T.T3_ROWS_2021
    return [r.id for r in rows if r.id in present]


def validate_table3(cells: list[Cell]) -> list[Finding]:
    grid = _grid(cells, "三")
    if not grid:
        return []
    rows = _t3_rows(grid)
    labels = {r.id: r.label for r in (*T.T3_ROWS_2021, *T.T3_ROWS_2019)}
    col_label = {c.id: c.label for c in T.T3_COLUMNS}
    out: list[Finding] = []
    outcome_rows = [r for r in rows if r not in ("new", "carried_over", "total", "carried_forward")]
    for col in (c.id for c in T.T3_COLUMNS):
        a, b = _val(grid, "new", col), _val(grid, "carried_over", col)
        tot, cf = _val(grid, "total", col), _val(grid, "carried_forward", col)
        if None not in (a, b, tot, cf) and a + b != tot + cf:  # type: ignore[operator]
            out.append(Finding(
                "table3.balance", "error",
                f"表三 {col_label[col]}: 一、新收 {a} + 二、上年结转 {b} = {a + b}, but (七)总计 {tot} + "  # type: ignore[operator]
                f"四、结转下年度 {cf} = {tot + cf}",  # type: ignore[operator]
                table="三", row="一+二 vs (七)+四", column=col_label[col],
                reported=str(tot + cf), computed=str(a + b)))  # type: ignore[operator]
        parts = [_val(grid, r, col) for r in outcome_rows]
        if tot is not None and outcome_rows and all(p is not None for p in parts):
            s = sum(parts)  # type: ignore[arg-type]
            if s != tot:
                out.append(Finding(
                    "table3.outcomes", "error",
                    f"表三 {col_label[col]}: (七)总计 is {tot}, but the outcomes (一)…(六) add up to {s}",
                    table="三", row=labels["total"], column=col_label[col], reported=str(tot), computed=str(s)))
    for r in rows:
        parts = [_val(grid, r, c) for c in T.T3_PARTS]
        tot_cell = grid.get((r, "total"))
        tot = _val(grid, r, "total")
        if any(p is None for p in parts):
            continue
        s = sum(parts)  # type: ignore[arg-type]
        if tot is None and tot_cell is not None and tot_cell.status != "ambiguous" and tot_cell.value is None:
            out.append(Finding("table3.blank_total", "info",
                               f"表三 {labels.get(r, r)}: 总计 is blank in the report; the row adds up to {s}",
                               table="三", row=labels.get(r, r), column="总计", reported=None, computed=str(s)))
        elif tot is not None and s != tot:
            out.append(Finding("table3.row_sum", "error",
                               f"表三 {labels.get(r, r)}: 总计 is {tot}, but the applicant columns add up to {s}",
                               table="三", row=labels.get(r, r), column="总计", reported=str(tot), computed=str(s)))
    return out


def validate_table4(cells: list[Cell]) -> list[Finding]:
    grid = _grid(cells, "四")
    out: list[Finding] = []
    for g in T.T4_GROUPS:
        parts = [_val(grid, "appeals", f"{g.id}.{r.id}") for r in T.T4_RESULTS[:-1]]
        tot = _val(grid, "appeals", f"{g.id}.total")
        if tot is None or any(p is None for p in parts):
            continue
        s = sum(parts)  # type: ignore[arg-type]
        if s != tot:
            names = "+".join(r.label for r in T.T4_RESULTS[:-1])
            out.append(Finding("table4.group_total", "error",
                               f"表四 {g.label}: 总计 is {tot}, but {names} = {s}",
                               table="四", row=T.T4_ROW, column=f"{g.label}/总计", reported=str(tot), computed=str(s)))
    return out


def validate_report(cells: list[Cell], template: str) -> list[Finding]:
    """Findings for identities one report's own tables break."""
    return validate_table3(cells) + validate_table4(cells)


def validate_cross_year(prev_cells: list[Cell], cur_cells: list[Cell], template: str) -> list[Finding]:
    """Findings (rules ``cross_year.*``) between an agency's consecutive years."""
    out: list[Finding] = []
    prev3, cur3 = _grid(prev_cells, "三"), _grid(cur_cells, "三")
    col_label = {c.id: c.label for c in T.T3_COLUMNS}
    for col in (c.id for c in T.T3_COLUMNS):
        last_cf = _val(prev3, "carried_forward", col)
        this_co = _val(cur3, "carried_over", col)
        if last_cf is not None and this_co is not None and last_cf != this_co:
            out.append(Finding(
                "cross_year.carry", "error",
                f"表三 {col_label[col]}: 二、上年结转 is {this_co}, but last year's report carried forward "
                f"(四、结转下年度) {last_cf}",
                table="三", row="二、上年结转政府信息公开申请数量", column=col_label[col],
                reported=str(this_co), computed=str(last_cf)))
    if template == "2021":
        prev2, cur2 = _grid(prev_cells, "二"), _grid(cur_cells, "二")
        for row, label in (("rules", "规章"), ("normative_docs", "行政规范性文件")):
            p = _val(prev2, row, "in_force")
            issued, repealed, now = (_val(cur2, row, c) for c in ("issued", "repealed", "in_force"))
            if None in (p, issued, repealed, now):
                continue
            expect = p + issued - repealed  # type: ignore[operator]
            if expect != now:
                out.append(Finding(
                    "cross_year.in_force", "warning",
                    f"表二 {label}: 现行有效件数 is {now}, but last year's {p} + 本年制发 {issued} − 本年废止 "
                    f"{repealed} = {expect}",
                    table="二", row=label, column="现行有效件数", reported=str(now), computed=str(expect)))
    return out
