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


def _ref_label(table: str, cell: tuple[str, str]) -> str:
    rows = {r.id: r.label for r in (*T.T3_ROWS_2021, *T.T3_ROWS_2019)}
    cols = {c.id: c.label for c in T.T3_COLUMNS}
    cols.update({cid: label for _, _, label, cid in T.t4_columns()})
    if table == "四":
        return cols.get(cell[1], cell[1])
    return f"{rows.get(cell[0], cell[0])}/{cols.get(cell[1], cell[1])}"


def _col_label(table: str, col: str) -> str:
    return _ref_label("四", ("", col)) if table == "四" else _ref_label(table, ("", col)).split("/", 1)[-1]


def validate_identities(cells: list[Cell], table: str, idents: tuple[T.Identity, ...]) -> list[Finding]:
    """One finding per identity instance the reported figures break (blank or ambiguous cells
    take no part; a blank 总计 whose parts are all present gets an ``info`` finding)."""
    grid = _grid(cells, table)
    if not grid:
        return []
    present_rows = list(dict.fromkeys(r for r, _ in grid))
    present_cols = list(dict.fromkeys(c for _, c in grid))
    out: list[Finding] = []
    for ident in idents:
        # a column identity needs its named rows; of a long sum (the outcome rows) those present
        summed = set(ident.rhs) if len(ident.rhs) > 2 else set()
        if ident.each == "column" and any(r not in present_rows for r in ident.lhs + ident.rhs if r not in summed):
            continue
        for where, lhs, rhs in ident.instances(present_rows, present_cols):
            if ident.each == "column":
                rhs = [c for c in rhs if c[0] in present_rows]
                if not rhs:
                    continue
            lv = [_val(grid, *c) for c in lhs]
            rv = [_val(grid, *c) for c in rhs]
            ok = T.check(lv, rv)
            row_label = _ref_label(table, (where, "")).split("/")[0] if ident.each == "row" else ""
            if ok is False:
                ls, rs = sum(lv), sum(rv)  # type: ignore[arg-type]
                lhs_txt = " + ".join(f"{_ref_label(table, c)} {v}" for c, v in zip(lhs, lv))
                out.append(Finding(
                    ident.name, "error",
                    f"表{table} {ident.description}: {lhs_txt} = {ls}, but the other side adds up to {rs}",
                    table=table, row=row_label or "+".join(r for r, _ in lhs),
                    column=_col_label(table, lhs[0][1]),
                    reported=str(ls), computed=str(rs)))
            elif ok is None and ident.each == "row" and len(lhs) == 1 and all(v is not None for v in rv):
                cell = grid.get(lhs[0])
                if cell is not None and cell.status not in ("ambiguous", "derived") and cell.value is None:
                    out.append(Finding(ident.name.split(".")[0] + ".blank_total", "info",
                                       f"表{table} {row_label}: 总计 is blank in the report; the row adds up to {sum(rv)}",
                                       table=table, row=row_label, column="总计", reported=None, computed=str(sum(rv))))
    return out


def validate_table3(cells: list[Cell], template: str = "2021") -> list[Finding]:
    grid = _grid(cells, "三")
    tpl = "2019" if any(r == "other" for r, _ in grid) else "2021"
    return validate_identities(cells, "三", T.t3_identities(tpl))


def validate_table4(cells: list[Cell]) -> list[Finding]:
    return validate_identities(cells, "四", T.t4_identities())


def table_value(cells: list[Cell], table: str, refs: tuple[tuple[str, str], ...]) -> Num | None:
    """The sum of these cells ("refused" = the (三)不予公开 sub-rows); None if any is missing,
    blank or ambiguous."""
    grid = _grid(cells, table)
    total: Num = 0
    for row, col in refs:
        rows = [r for r, _ in grid if r == row or r.startswith(row + ".")]
        rows = list(dict.fromkeys(rows))
        if not rows:
            return None
        for r in rows:
            v = _val(grid, r, col)
            if v is None and col == "total" and table == "三" and (r, col) in grid \
                    and grid[(r, col)].status != "ambiguous":
                # a blank 总计: the sum of the row's filled applicant columns (as answers derive it;
                # blank cells are left out, not read as 0)
                parts = [grid.get((r, p)) for p in T.T3_PARTS]
                if any(p is not None and p.status == "ambiguous" for p in parts):
                    return None
                filled = [p.value for p in parts if p is not None and p.value is not None]
                v = sum(filled) if filled else None  # type: ignore[arg-type]
            if v is None:
                return None
            total += v
    return total


def validate_prose(cells: list[Cell], text: str) -> list[Finding]:
    """Figures the prose states (prose_facts) against the tables: a warning when they differ."""
    from . import prose_facts

    facts = prose_facts.extract(text, _table_spans(cells))
    out: list[Finding] = []
    for m in prose_facts.PROSE_METRICS:
        if not m.table:
            continue
        said = [f for f in facts if f.metric == m.id]
        if not said:
            continue
        table = table_value(cells, m.table, m.cells)
        if table is None:
            continue
        allowed = {table}
        if m.id == "new":  # "共受理N件" often counts 上年结转 too
            co = table_value(cells, "三", (("carried_over", "total"),))
            if co is not None:
                allowed.add(table + co)
        if any(f.value in allowed for f in said):
            continue
        f = said[0]
        out.append(Finding("prose.table_mismatch", "warning",
                           f"正文称{m.label}{f.value}件(“{f.quote}”),表{m.table}{m.label}合计{table}件",
                           table=m.table, row=m.label, column="总计", reported=str(f.value), computed=str(table)))
    return out


def _table_spans(cells: list[Cell]) -> list[tuple[int, int]]:
    spans = [(c.start, c.end) for c in cells if c.start is not None and c.end is not None]
    if not spans:
        return []
    by_table: dict[str, list[int]] = {}
    for c in cells:
        if c.start is not None:
            by_table.setdefault(c.table, []).extend([c.start, c.end or c.start])
    return [(min(v), max(v)) for v in by_table.values()]


def validate_report(cells: list[Cell], template: str, text: str | None = None) -> list[Finding]:
    """Findings for identities one report's own tables break (and, given the text, for figures
    its prose states differently)."""
    out = validate_table3(cells) + validate_table4(cells)
    if text is not None:
        out += validate_prose(cells, text)
    return out


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
