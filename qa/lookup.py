"""Exact answers from the structured store: one cell, a derived figure, aggregates, comparisons.

Numbers come from parsed cells only. A sum of sub-rows or a blank 总计 computed from its row is
``derived`` and cites every cell it used; inferred/ambiguous cells and the report's own broken
arithmetic come back as warnings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ingest import templates as T
from ingest.store import ReportRow, Store, StoredCell

from . import vocab as V
from .models import Citation

Num = int | Decimal
CURRENT_COLUMNS = ("value", "year", "current")  # the 统计表 column of the report's own year (not 历年累计)


@dataclass
class Figure:
    """A figure for one report, with the cells behind it."""

    value: Num | None
    cells: list[StoredCell]
    derived: bool = False
    how: str = ""  # e.g. "sum of 8 sub-rows", "总计 blank; sum of the row"
    warnings: list[str] = field(default_factory=list)
    ambiguous: bool = False
    missing: bool = False  # the report has no such cell

    @property
    def label(self) -> str:
        return ""


def cite(c: StoredCell, quote: str | None = None) -> Citation:
    return Citation(source=c.source, agency=c.agency, year=c.year, page=c.page, section=_section_of(c.table),
                    table=c.table, row=c.row, column=c.column, quote=quote if quote is not None else c.raw,
                    value=None if c.value is None else str(c.value), status=c.status, report_id=c.report_id,
                    start=c.start, end=c.end, line_no=c.line_no, cell_id=c.id, row_id=c.row_id or None,
                    column_id=c.column_id or None)


def _section_of(table: str) -> str:
    return {"二": "二、主动公开政府信息情况", "三": "三、收到和处理政府信息公开申请情况",
            "四": "四、政府信息公开行政复议、行政诉讼情况", "统计表": "政府信息公开情况统计表"}.get(table, "")


def _grid(cells: list[StoredCell]) -> dict[tuple[str, str], StoredCell]:
    return {(c.row_id, c.column_id): c for c in cells}


def _cell_warnings(cells: list[StoredCell], lang: str) -> list[str]:
    """One warning for rows placed by order, one per ambiguous cell."""
    out = []
    inferred = list(dict.fromkeys(c.row for c in cells if c.status == "inferred"))
    if inferred:
        out.append((f"row label lost in the source, placed by template order and arithmetic: {'; '.join(inferred)}"
                    if lang == "en" else f"原文行标签缺失,按模板顺序和勾稽关系推断:{'; '.join(inferred)}"))
    for c in cells:
        if c.status == "ambiguous":
            out.append((f"{c.row} / {c.column} is ambiguous in the source: {c.note}" if lang == "en"
                        else f"{c.row} / {c.column} 原文数字粘连,无法唯一确定:{c.note}"))
    return list(dict.fromkeys(out))


def _sum(values: list[Num]) -> Num:
    total: Num = 0
    for v in values:
        total += v  # type: ignore[operator]
    return total


def cell_figure(store: Store, report: ReportRow, metric: V.Metric, column: str | None, lang: str) -> Figure:
    """The metric's figure in one report (table 三 or 四)."""
    cells = store.cells(report_id=report.id, table=metric.table)
    grid = _grid(cells)
    if metric.table == "四":
        cols = ([metric.column.replace("*", g) for g in ("direct", "after_review")]
                if metric.column and "*" in metric.column else [metric.column])
        used = [grid.get(("appeals", c)) for c in cols]
        if any(u is None for u in used):
            return Figure(None, [], missing=True)
        return _combine([u for u in used if u is not None], derived=len(cols) > 1,
                        how="直接起诉 + 复议后起诉" if len(cols) > 1 else "", lang=lang)
    rows = metric.rows
    if not any((r, "total") in grid for r in rows) and metric.alt_rows:
        rows = metric.alt_rows  # 2019 template / single (六)其他处理 row
    col_ids = list(V.ORG_COLUMNS) if column == "orgs" else [column or "total"]
    used: list[StoredCell] = []
    parts_figures = []
    for r in rows:
        for cid in col_ids:
            c = grid.get((r, cid))
            if c is None:
                continue
            if c.value is None and c.status != "ambiguous" and cid == "total":
                # blank 总计: derive it from the row's applicant columns
                row_parts = [grid.get((r, p)) for p in T.T3_PARTS]
                present = [p for p in row_parts if p is not None and p.value is not None]
                if present and all(p is None or p.status != "ambiguous" for p in row_parts):
                    parts_figures.append((c, present, len(present) < len(row_parts)))
                    continue
            used.append(c)
    if not used and not parts_figures:
        return Figure(None, [], missing=True)
    fig = _combine(used, derived=len(rows) * len(col_ids) > 1, lang=lang,
                   how=(f"{len(rows)}项合计" if len(rows) > 1 else "") + ("; 法人或其他组织5列合计" if column == "orgs" else ""))
    for blank_total, row_parts, some_blank in parts_figures:
        extra = _sum([p.value for p in row_parts])  # type: ignore[misc]
        fig.value = extra if fig.value is None and not fig.cells else (
            None if fig.value is None else fig.value + extra)  # type: ignore[operator]
        fig.cells.extend([blank_total, *row_parts])  # type: ignore[list-item]
        fig.derived = True
        fig.warnings.append(
            f"{blank_total.row}: 总计 cell is blank in the report; derived as the sum of its applicant columns = {extra}"
            if lang == "en" else f"{blank_total.row}:报告中总计栏为空,按该行各申请人类别相加推算为 {extra}")
        if some_blank:
            fig.warnings.append("some applicant columns of that row are blank too; added as absent, not as 0"
                                if lang == "en" else "该行部分申请人类别栏也为空白,按未填报处理(未计为0)")
        fig.how = (fig.how + "; " if fig.how else "") + "总计栏空白,按行推算"
    return fig


def _combine(cells: list[StoredCell], derived: bool, how: str, lang: str) -> Figure:
    warnings = _cell_warnings(cells, lang)
    if any(c.status == "ambiguous" for c in cells):
        return Figure(None, cells, derived, how, warnings, ambiguous=True)
    values = [c.value for c in cells]
    if any(v is None for v in values):
        blank = [c for c in cells if c.value is None]
        if len(cells) == 1:
            return Figure(None, cells, derived, how, warnings + [
                "the cell is blank in the report (not 0)" if lang == "en" else "该栏在报告中为空白(不等于0)"])
        warnings.append(("blank in the report, left out of the sum: " if lang == "en" else "报告中为空白,未计入合计:")
                        + "; ".join(c.row for c in blank))
        values = [v for v in values if v is not None]
        if not values:
            return Figure(None, cells, derived, how, warnings)
    return Figure(_sum(values), cells, derived, how, warnings)  # type: ignore[arg-type]


def t2_figure(store: Store, report: ReportRow, t2: V.T2Metric, column: str | None, lang: str) -> Figure:
    cells = [c for c in store.cells(report_id=report.id, table="二") if c.row_id == t2.row]
    if not cells:
        return Figure(None, [], missing=True)
    by_col = {c.column_id: c for c in cells}
    equivalents = {"issued": "made", "made": "issued", "in_force": "total_public", "total_public": "in_force"}
    if column and column not in by_col and equivalents.get(column) in by_col:
        column = equivalents[column]
    if column is None:
        column = next((c for c in ("decisions", "amount") if c in by_col), None)
    if column is None or column not in by_col:
        # the row without a column: show every column, no single value
        fig = _combine(list(by_col.values()), derived=False, how="", lang=lang)
        fig.value = None
        fig.how = "row"
        return fig
    return _combine([by_col[column]], derived=False, how="", lang=lang)


def pre2019_figure(store: Store, report: ReportRow, indicator_ids: tuple[str, ...], lang: str) -> Figure:
    """A pre-2019 统计表 indicator of the report's own year, by its canonical id (the first id the
    table holds). No label is guessed: an indicator the table does not map is missing."""
    cells = store.cells(report_id=report.id, table="统计表")
    for iid in indicator_ids:
        hit = [c for c in cells if c.row_id in (f"pre2019.{iid}", iid) and c.column_id in CURRENT_COLUMNS]
        if hit:
            return _combine(hit[:1], derived=False, how="", lang=lang)
    return Figure(None, [], missing=True)


def report_findings(store: Store, report: ReportRow, table: str, row: str | None, column: str | None,
                    lang: str) -> list[str]:
    """The report's own arithmetic failures touching this figure (or its table)."""
    out = []
    for f in store.findings(report.id):
        if f.severity not in ("error", "warning") or not f.rule.startswith(("table", "cross_year")):
            continue
        if f.table and f.table != table:
            continue
        if table == "三" and row and f.rule == "table3.row_sum" and f.row != row:
            continue
        if table == "三" and column and f.rule in ("table3.balance", "table3.outcomes") and f.column and f.column != column:
            continue
        out.append(("The report's own arithmetic fails: " if lang == "en" else "报告自身勾稽关系不成立:") + f.message)
    return out
