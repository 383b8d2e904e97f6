"""Execute a :class:`~qa.plan.QueryPlan` against the facts store and write the cited answer.

The rule above all: a number is given only when every part of the question was understood and
every cell behind it was read (``exact``, ``inferred`` with an identity confirming it, or
``derived`` from such cells). Otherwise the answer says what is missing, ambiguous or not in the
report — and gives no ``value``.

Scope first (which reports: subjects × years), then one SQL query for every cell of the tables
the plan needs (:meth:`ingest.store.Store.cells_of`), then the operation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ingest.store import ReportRow, StoredCell, Store

from . import lookup as L
from . import prose as P
from . import vocab as V
from .models import Answer, AnswerKind as K, Citation
from .plan import Measure, Op, QueryPlan, YearMode

Num = int | Decimal


# ------------------------------------------------------------------------------------ helpers
def _t(plan: QueryPlan, zh: str, en: str) -> str:
    return en if plan.lang == "en" else zh


def fmt(v) -> str:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral() else format(v, "f")
    return str(v)


@dataclass
class Unit:
    """One subject of the answer: a name as the question gave it and the agencies it covers."""

    label: str
    agencies: list[str]


@dataclass
class Fig:
    """One measure of one report, ready to combine."""

    report: ReportRow
    measure: Measure
    value: Num | None
    cells: list[StoredCell] = field(default_factory=list)
    derived: bool = False
    how: str = ""
    problem: str = ""  # why there is no value (missing, ambiguous, blank, not in the template)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.value is not None and not self.problem


class _Cells:
    """The cells of the reports in scope, fetched with one query, served like ``Store.cells``."""

    def __init__(self, store: Store, reports: list[ReportRow], measures: list[Measure]):
        tables, rows = sorted(_tables_for(measures)), sorted(_rows_for(measures))
        cols = _t3_columns_for(measures)
        self.by_report = store.cells_of([r.id for r in reports], tables, rows, {"三": cols})
        # a blank 总计 cell is derived from its row's applicant columns (qa.lookup.cell_figure):
        # the reports that have one are fetched again with every column (a second query, rarely)
        again = [rid for rid, cs in self.by_report.items()
                 if any(c.table == "三" and c.column_id == "total" and c.value is None and c.status != "ambiguous"
                        for c in cs)]
        if again:
            self.by_report.update(store.cells_of(again, tables, rows))
        self._by_table: dict[tuple[str, str], list[StoredCell]] = {}
        for rid, cs in self.by_report.items():
            for c in cs:
                self._by_table.setdefault((rid, c.table), []).append(c)

    def cells(self, report_id: str, table: str | None = None, **_) -> list[StoredCell]:
        if table is None:
            return list(self.by_report.get(report_id, []))
        return list(self._by_table.get((report_id, table), ()))


def _tables_for(measures: list[Measure]) -> set[str]:
    out = {"统计表"}
    for m in measures:
        out.add(m.table)
    return out


def _t3_columns_for(measures: list[Measure]) -> list[str]:
    """The table-三 columns a plan's figures read: 总计 (a rate's default denominator too) and the
    applicant columns asked for."""
    out = {"total"}
    for m in measures:
        if m.column == "orgs":
            out |= set(V.ORG_COLUMNS)
        elif m.column:
            out.add(m.column)
    return sorted(out)


def _rows_for(measures: list[Measure]) -> set[str]:
    """The row ids a plan's figures read (a report's other rows are never fetched)."""
    out: set[str] = set()
    for m in measures:
        if m.table == "二":
            out.add(m.id.split(".")[1])
        elif m.table == "统计表":
            iid = m.id.split(".", 1)[1]
            out |= {iid, f"pre2019.{iid}"}
        else:
            metric = V.METRICS_BY_ID[m.id]
            out |= set(metric.rows) | set(metric.alt_rows)
            for comp in metric.companions:  # shown beside it (无法提供 / 不予处理 beside 不予公开)
                out |= set(V.METRICS_BY_ID[comp].rows) | set(V.METRICS_BY_ID[comp].alt_rows)
            for iid in metric.pre2019 or (("review",) if m.id.startswith("review") else
                                          ("litigation",) if m.id.startswith("litigation") else ()):
                out |= {iid, f"pre2019.{iid}"}
    return out


# ------------------------------------------------------------------------------------ figures
def figure(src: _Cells, report: ReportRow, m: Measure, lang: str) -> Fig:
    """The measure's figure in one report (template metric, table-二 item or pre-2019 indicator)."""
    zh = lang == "zh"
    if report.template == "pre2019" or m.table == "统计表":
        ids: tuple[str, ...]
        if m.id.startswith("pre2019."):
            ids = (m.id.split(".", 1)[1],)
        else:
            metric = V.METRICS_BY_ID.get(m.id)
            ids = metric.pre2019 if metric else ()
            if m.id in ("review.total",):
                ids = ("review",)
            elif m.id in ("litigation.total",):
                ids = ("litigation",)
            if m.column:
                ids = ()  # the 统计表 has no applicant columns
        if report.template != "pre2019":
            return Fig(report, m, None, problem=_t_lang(lang, f"{_tpl(report, zh)}的报告表格中没有“{m.label_zh}”这一项",
                                                        f"a {report.template}-template report has no “{m.label_en}” in its tables"))
        if not ids:
            return Fig(report, m, None, problem=_t_lang(
                lang, f"该报告为2019年以前的格式(统计表),没有“{m.label(lang)}”这一项",
                f"this report uses the pre-2019 statistics table, which has no “{m.label(lang)}”"))
        f = L.pre2019_figure(src, report, ids, lang)  # type: ignore[arg-type]
        if f.missing:
            return Fig(report, m, None, problem=_t_lang(lang, f"报告的统计表中没有解析到“{m.label_zh}”",
                                                        f"the report's statistics table has no parsed “{m.label_en}”"))
        return _from_lookup(report, m, f, lang)
    if m.table == "二":
        parts = m.id.split(".")
        t2 = next(t for t in V.T2_METRICS if t.id == parts[1])
        f = L.t2_figure(src, report, t2, parts[2] if len(parts) > 2 else None, lang)  # type: ignore[arg-type]
        if f.how == "row":
            return Fig(report, m, None, f.cells, problem=_t_lang(lang, "请指明表二的哪一栏", "name the column of table 二"),
                       warnings=f.warnings)
    else:
        f = L.cell_figure(src, report, V.METRICS_BY_ID[m.id], m.column, lang)  # type: ignore[arg-type]
    if f.missing:
        return Fig(report, m, None, problem=_t_lang(lang, f"报告中没有解析到“{m.label_zh}”",
                                                    f"no parsed figure for “{m.label_en}” in the report"))
    return _from_lookup(report, m, f, lang)


def _tpl(report: ReportRow, zh: bool) -> str:
    return {"2021": "2021年模板", "2019": "2019年模板", "pre2019": "2019年以前格式"}.get(report.template, report.template)


def _t_lang(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _from_lookup(report: ReportRow, m: Measure, f: L.Figure, lang: str) -> Fig:
    if f.ambiguous:
        notes = "; ".join(c.note for c in f.cells if c.status == "ambiguous" and c.note)[:300]
        return Fig(report, m, None, f.cells, f.derived, f.how,
                   _t_lang(lang, "原文数字粘连或行位置无法确认,不能唯一确定" + (f"({notes})" if notes else ""),
                           "the source's digits run together (or the row cannot be placed) and cannot be read "
                           "unambiguously" + (f" ({notes})" if notes else "")), f.warnings)
    if f.value is None:
        return Fig(report, m, None, f.cells, f.derived, f.how,
                   _t_lang(lang, "该栏在报告中为空白(未填报,不等于0)", "the cell is blank in the report (not 0)"), f.warnings)
    return Fig(report, m, f.value, f.cells, f.derived, f.how, "", f.warnings)


# ------------------------------------------------------------------------------------ scope
@dataclass
class Scope:
    units: list[Unit]
    years: list[int]
    reports: list[ReportRow]
    notes: list[str]
    problem: Answer | None = None
    undated: list[ReportRow] = field(default_factory=list)  # reports of the units whose year is unknown


def _group_match(kind: str, agency: str) -> bool:
    if kind in ("街道", "片区"):
        return kind in agency
    if kind in ("镇", "乡"):
        return bool(re.search(kind + r"(?:人民政府)?$", agency)) or f"{kind}人民政府" in agency
    if kind in ("区县",):
        return bool(re.search(r"[区县](?:人民政府)?$", agency))
    return agency.endswith(kind) or agency.endswith(kind + "人民政府")


class Reports(list):
    """The current reports, indexed once (by agency, by kind of agency, the years present): the
    answer context holds one, so scoping an answer never walks every report of the store.
    A plain list works too — it is indexed on the spot."""

    def __init__(self, reports=()):
        super().__init__(reports)
        self.by_agency: dict[str, list[ReportRow]] = {}
        for r in self:
            if r.agency:
                self.by_agency.setdefault(r.agency, []).append(r)
        self.years = sorted({r.year for r in self if r.year})
        self.agency_names = sorted(self.by_agency)
        self._groups: dict[str, list[str]] = {}
        self._by_char: dict[str, list[str]] | None = None

    def sharing(self, chars: set[str]) -> set[str]:
        """The agencies whose names hold any of ``chars``."""
        if self._by_char is None:
            self._by_char = {}
            for a in self.agency_names:
                for ch in set(a):
                    self._by_char.setdefault(ch, []).append(a)
        return {a for ch in chars for a in self._by_char.get(ch, ())}

    def group(self, kind: str) -> list[str]:
        """The agencies of a kind (街道 / 镇 / 局 …), sorted."""
        if kind not in self._groups:
            self._groups[kind] = [a for a in self.agency_names if _group_match(kind, a)]
        return self._groups[kind]


def indexed(all_reports: list[ReportRow]) -> Reports:
    return all_reports if isinstance(all_reports, Reports) else Reports(all_reports)


def resolve_scope(plan: QueryPlan, all_reports: list[ReportRow], single_needed: bool) -> Scope:
    idx = indexed(all_reports)
    by_agency = idx.by_agency
    notes: list[str] = list(plan.notes)
    units: list[Unit] = []
    asked_years = set(plan.years.years)

    for s in plan.subjects:
        if s.group_all:
            units.append(Unit(_t(plan, "全部机关", "all agencies"), list(idx.agency_names)))
            continue
        if s.group_kind:
            members = list(idx.group(s.group_kind))
            if not members:
                return Scope([], [], [], notes, Answer(plan.question, _t(
                    plan, f"没有找到“{s.mention}”这一类机关的报告。", f"No reports from agencies of the kind “{s.mention}”."),
                    K.NOT_FOUND))
            units.append(Unit(s.mention, members))
            continue
        if s.how == "incomplete":
            return Scope([], [], [], notes, Answer(plan.question, _t(
                plan, f"“{s.mention}”没有说明是哪个地方的机关,请写出地名(例如“上海市科委”)。",
                f"“{s.mention}” does not say which place's agency it is; please name the place."), K.AMBIGUOUS))
        if s.how == "joined" and not s.agencies:
            return Scope([], [], [], notes, Answer(plan.question, _t(
                plan, f"没有找到“{s.mention}”的报告(其中的地名与机关名不属于同一个已导入的机关)。",
                f"No report from “{s.mention}” (its place and agency name do not belong to one ingested agency)."),
                K.NOT_FOUND))
        cands = [a for a in s.agencies if a in by_agency]
        if s.how == "place" and s.region and plan.op in (Op.COUNT, Op.LIST, Op.FINDINGS):
            units.append(Unit(s.mention, [a for a in s.region if a in by_agency]))  # "淮安的年报有几份"
            continue
        if s.how == "region":
            if plan.op in (Op.COUNT, Op.LIST, Op.FINDINGS, Op.SUM, Op.MAX, Op.MIN, Op.RANK, Op.SERIES):
                units.append(Unit(s.mention, cands))  # "上海的年报有几份": every agency of that place
                continue
            lst = "、".join(cands)
            return Scope([], [], [], notes, Answer(plan.question, _t(
                plan, f"没有“{s.mention}”本级政府的报告;该地有报告的机关:{lst}。请指明是哪一个。",
                f"There is no report of the government of “{s.mention}”; agencies there with reports: {lst}. "
                f"Please say which."), K.AMBIGUOUS))
        if len(cands) > 1 and asked_years and s.how == "place":
            # a bare place's governments across eras (平潭县人民政府 / 平潭综合实验区): the year decides.
            # Never for departments: 兴溪财政局 is not 兴溪市宝庄区财政局 because only the latter has 2025
            with_year = [a for a in cands if any(r.year in asked_years for r in by_agency[a])]
            if len(with_year) == 1:
                notes.append(_t(plan, f"“{s.mention}”可指{'、'.join(cands)},其中只有{with_year[0]}有所问年份的报告,按此作答",
                                f"“{s.mention}” could be {', '.join(cands)}; only {with_year[0]} has a report for the "
                                f"year asked, so it is used"))
                cands = with_year
        if len(cands) > 1:
            lst = "; ".join(f"{a}({'、'.join(str(r.year) for r in sorted(by_agency[a], key=lambda r: r.year or 0))})"
                            for a in cands)
            return Scope([], [], [], notes, Answer(plan.question, _t(
                plan, f"“{s.mention}”可能指以下多个机关,请指明是哪一个:{lst}。",
                f"“{s.mention}” could mean several agencies; please say which: {lst}."), K.AMBIGUOUS))
        if not cands:
            return Scope([], [], [], notes, Answer(plan.question, _t(
                plan, f"没有找到“{s.mention}”的报告。", f"No report from “{s.mention}” has been ingested."), K.NOT_FOUND))
        units.append(Unit(cands[0], cands))

    if not units:
        if len(by_agency) == 1:
            units = [Unit(next(iter(by_agency)), list(by_agency))]
        elif single_needed:
            names = "、".join(idx.agency_names[:12]) + ("等" if len(by_agency) > 12 else "")
            return Scope([], [], [], notes, Answer(plan.question, _t(
                plan, f"请指明机关名称。现有{len(by_agency)}个机关的报告,例如:{names}。",
                f"Please name the agency. Reports from {len(by_agency)} agencies are available, e.g. {names}."),
                K.NOT_FOUND))
        else:
            units = [Unit(_t(plan, "全部机关", "all agencies"), list(idx.agency_names))]

    if all(len(set(u.agencies)) == len(idx.agency_names) for u in units):
        covered = list(idx.years)  # every agency: every year of the store
    else:
        covered = sorted({r.year for u in units for a in u.agencies for r in by_agency.get(a, []) if r.year})
    mode = plan.years.mode
    if mode == YearMode.LATEST and plan.op in (Op.COUNT, Op.LIST, Op.FINDINGS):
        years = covered + [None]  # "有几份年报" without a year: every report, one whose year is unknown too
    elif mode == YearMode.LATEST:
        if not covered:
            years = []
        else:
            years = [covered[-1]]
            notes.append(_t(plan, f"问题未指明年份,采用最新的{covered[-1]}年报告", f"No year given; used the latest ({covered[-1]})"))
    elif mode == YearMode.ALL:
        years = covered
    elif mode == YearMode.RECENT:
        n = plan.years.n or 1
        years = covered[-n:]
        if len(years) < n:
            notes.append(_t(plan, f"只有{len(years)}年的报告", f"only {len(years)} year(s) of reports exist"))
        notes.append(_t(plan, f"“近{n}年”按已导入的最新年份计:{'、'.join(map(str, years))}",
                        f"“last {n} years” counted from the newest data: {', '.join(map(str, years))}"))
    else:
        years = sorted(plan.years.years)
    reports = [r for u in units for a in u.agencies for r in by_agency.get(a, []) if r.year in years]
    if not plan.subjects and plan.op in (Op.COUNT, Op.LIST, Op.FINDINGS):
        reports = [r for r in all_reports if r.year in years]  # every report, one whose agency is unknown too
        undated = [r for r in all_reports if r.year is None]
    else:
        undated = [r for u in units for a in u.agencies for r in by_agency.get(a, []) if r.year is None]
    return Scope(units, years, reports, notes, undated=undated)


def missing_years_answer(plan: QueryPlan, scope: Scope, all_reports: list[ReportRow]) -> Answer | None:
    """An agency asked for years it has no report of → say which, and which years exist."""
    for u in scope.units:
        if len(u.agencies) != 1:
            continue
        have = sorted({r.year for r in indexed(all_reports).by_agency.get(u.agencies[0], []) if r.year})
        missing = [y for y in scope.years if y not in have]
        if missing:
            return Answer(plan.question, _t(
                plan, f"没有找到{u.agencies[0]}{'、'.join(map(str, missing))}年的报告。已导入的年份:{'、'.join(map(str, have)) or '无'}。",
                f"There is no {', '.join(map(str, missing))} report for {u.agencies[0]}. Years available: "
                f"{', '.join(map(str, have)) or 'none'}."), K.NOT_FOUND)
    return None


# ------------------------------------------------------------------------------------ execution
def execute(plan: QueryPlan, store: Store, all_reports: list[ReportRow], settings=None) -> Answer:
    a = _execute(plan, store, all_reports, settings)
    a.language = plan.lang
    a.interpretation = plan.to_dict()
    return a


def _not_understood(plan: QueryPlan, agencies_hint: list[str]) -> Answer:
    words = "、".join(f"“{u}”" for u in plan.unconsumed)
    text = _t(plan, f"问题中的{words}未能理解(不是已知的机关、年份或指标),因此不给出数字。",
              f"Could not place {', '.join(plan.unconsumed)} in the question (not a known agency, year or figure), "
              f"so no number is given.")
    if agencies_hint:
        text += _t(plan, f"相近的机关:{'、'.join(agencies_hint)}。", f" Similar agencies: {', '.join(agencies_hint)}.")
    text += "\n" + _t(plan, "理解为:", "Understood as: ") + plan.describe()
    return Answer(plan.question, text, K.NOT_FOUND)


def _execute(plan: QueryPlan, store: Store, all_reports: list[ReportRow], settings) -> Answer:
    if plan.op == Op.PROSE:
        return _prose(plan, store, all_reports, settings)
    if plan.unconsumed and plan.op != Op.FINDINGS:  # findings only list what the reports say; no figure at stake
        return _not_understood(plan, plan_hint(plan, all_reports))
    single = plan.op in (Op.VALUE, Op.DIFF, Op.RATIO, Op.METADATA, Op.SERIES) and not any(s.is_group for s in plan.subjects)
    if plan.op in (Op.FINDINGS, Op.COUNT, Op.LIST):
        single = False
    scope = resolve_scope(plan, all_reports, single_needed=single and plan.op != Op.SERIES)
    if scope.problem:
        scope.problem.text += "\n" + _t(plan, "理解为:", "Understood as: ") + plan.describe()
        return scope.problem
    if plan.op == Op.FINDINGS:
        return _findings(plan, store, scope)
    if plan.op in (Op.COUNT, Op.LIST):
        return _count(plan, scope)
    per_agency = all(len(u.agencies) == 1 for u in scope.units)
    if per_agency and plan.op not in (Op.MAX, Op.MIN, Op.RANK, Op.METADATA):
        miss = missing_years_answer(plan, scope, all_reports)
        if miss is not None and (plan.op != Op.SERIES or not scope.reports):
            return _with_plan(plan, miss, scope)
    if not scope.reports:
        have = indexed(all_reports).years
        return _with_plan(plan, Answer(plan.question, _t(
            plan, f"没有{'、'.join(map(str, scope.years)) or '所问年份'}年的报告。已导入的年份:{'、'.join(map(str, have))}。",
            f"No reports for {', '.join(map(str, scope.years)) or 'the years asked'}. Years available: "
            f"{', '.join(map(str, have))}."), K.NOT_FOUND), scope)
    if plan.op == Op.METADATA:
        return _metadata(plan, scope)
    extra = [plan.denominator] if plan.denominator else (
        [d for d in (_default_denominator(plan.measures[0]),) if d] if op_needs_denominator(plan) else [])
    src = _Cells(store, scope.reports, plan.measures + extra)
    op = plan.op
    if op == Op.VALUE:
        return _value(plan, store, scope, src)
    if op == Op.RATIO:
        return _ratio(plan, store, scope, src)
    if op == Op.DIFF:
        return _diff(plan, scope, src)
    if op in (Op.SUM, Op.SERIES):
        return _sum_or_series(plan, scope, src)
    if op in (Op.MAX, Op.MIN, Op.RANK):
        return _rank(plan, scope, src)
    return _with_plan(plan, Answer(plan.question, _t(plan, "无法回答这个问题。", "Cannot answer this."), K.NOT_FOUND), scope)


def op_needs_denominator(plan: QueryPlan) -> bool:
    return plan.op == Op.RATIO and bool(plan.measures)


def plan_hint(plan: QueryPlan, all_reports: list[ReportRow]) -> list[str]:
    """Agencies whose names share characters with the words not understood (a "did you mean")."""
    idx = indexed(all_reports)
    out = []
    for u in plan.unconsumed:
        us = set(u)
        names = idx.sharing(us)  # a name sharing no character scores 0 and is never hinted
        scored = sorted(((len(set(n) & us) / len(us), n) for n in names), reverse=True)
        out += [n for s, n in scored[:3] if s >= 0.5]
    return list(dict.fromkeys(out))[:3]


def _with_plan(plan: QueryPlan, a: Answer, scope: Scope | None = None) -> Answer:
    notes = scope.notes if scope else plan.notes
    if scope and len(scope.reports) <= 5:  # other versions of the reports used (republished, corrected)
        notes = notes + _report_of_version_notes(plan, scope.reports)
    a.warnings = list(dict.fromkeys(notes + a.warnings))
    a.text += "\n" + _t(plan, "理解为:", "Understood as: ") + plan.describe()
    return a


def _cite_all(figs: list[Fig]) -> list[Citation]:
    out, seen = [], set()
    for f in figs:
        for c in f.cells:
            key = (c.report_id, c.table, c.row_id, c.column_id, c.id)
            if key not in seen:
                seen.add(key)
                out.append(L.cite(c))
    return out


def _who(f: Fig, plan: QueryPlan) -> str:
    return _t(plan, f"{f.report.agency}{f.report.year}年", f"{f.report.agency} {f.report.year}")


def _findings_text(plan: QueryPlan, store: Store, figs: list[Fig]) -> list[str]:
    """The report's own contradictions touching these figures, stated (not only warned)."""
    out = []
    for f in figs:
        row = f.cells[0].row if len(f.cells) == 1 else None
        col = f.cells[-1].column if f.cells else None
        out += L.report_findings(store, f.report, f.measure.table, row, col if f.measure.table == "三" else None, plan.lang)
    return list(dict.fromkeys(out))


def _report_of_version_notes(plan: QueryPlan, reports: list[ReportRow]) -> list[str]:
    out = []
    for r in reports:
        others = getattr(r, "other_versions", None) or []
        if others:
            out.append(_t(plan, f"{r.agency}{r.year}年报告另有其他版本:{'、'.join(others)};本答案采用{r.source}",
                          f"{r.agency} {r.year} also exists as {', '.join(others)}; this answer uses {r.source}"))
    return out


def _value(plan: QueryPlan, store: Store, scope: Scope, src: _Cells) -> Answer:
    if len(scope.reports) != 1:
        return _sum_or_series(plan, scope, src)
    report = scope.reports[0]
    figs = [figure(src, report, m, plan.lang) for m in plan.measures]
    if len(figs) > 1:
        return _sum_or_series(plan, scope, src)
    f = figs[0]
    notes = scope.notes
    who = _who(f, plan)
    label = f.measure.label(plan.lang)
    if not f.ok:
        if f.problem and f.measure.table == "统计表" and report.template != "pre2019":
            prose = _prose_for(plan, store, report, settings=None, terms=[f.measure.label_zh])
            if prose is not None and prose.value is not None:
                prose.warnings = notes + prose.warnings
                return _with_plan(plan, prose, scope)
        kind = K.AMBIGUOUS if "粘连" in f.problem or "unambiguous" in f.problem else K.NOT_FOUND
        a = Answer(plan.question, _t(plan, f"{who}{label}:{f.problem}。", f"{who}, {label}: {f.problem}."), kind,
                   citations=_cite_all([f]) or [Citation(source=report.source, agency=report.agency, year=report.year,
                                                         report_id=report.id)], warnings=f.warnings)
        a.warnings = notes + a.warnings
        return _with_plan(plan, a, scope)
    unit = f.measure.unit or ("件" if plan.lang == "zh" else "")
    if f.cells and f.cells[0].table == "统计表":
        unit = _unit_of(f.cells[0]) or unit
    detail = ""
    if f.derived and len(f.cells) > 1:
        nonzero = [f"{c.row.split('/')[-1]} {fmt(c.value)}" for c in f.cells if c.value]
        detail = _t(plan, f"(为{f.how}" + (":" + " + ".join(nonzero) if nonzero else "") + ")",
                    f" ({f.how}" + (": " + " + ".join(nonzero) if nonzero else "") + ")")
    text = _t(plan, f"{who}{label}为 {fmt(f.value)} {unit}{detail}。",
              f"{who}: {label} = {fmt(f.value)}{'' if unit in ('件', '') else ' ' + unit}{detail}.")
    cited = [f]
    metric = V.METRICS_BY_ID.get(f.measure.id)
    if metric and metric.companions and report.template != "pre2019":
        # "拒绝" often also means 无法提供 / 不予处理: show them beside, never added in
        extras = []
        for mid in metric.companions:
            from .parse import measure_by_id

            cm = measure_by_id(mid)
            cm.column, cm.column_label = f.measure.column, f.measure.column_label
            cf = figure(src, report, cm, plan.lang)
            if cf.ok:
                extras.append(cf)
        if extras:
            cited += extras
            text += _t(plan, " 另:" + ",".join(f"{e.measure.label_zh} {fmt(e.value)} 件" for e in extras)
                       + "(用户说“拒绝”时常也指这两类,未计入上数)。",
                       " Also: " + "; ".join(f"{e.measure.label_en} {fmt(e.value)}" for e in extras)
                       + " (often also meant by “rejected”; not included above).")
    contradictions = _findings_text(plan, store, [f])
    if contradictions:
        text += _t(plan, " 注意,报告自身数据有矛盾:", " Note: the report contradicts itself: ") + "; ".join(contradictions)
    a = Answer(plan.question, text, K.DERIVED if f.derived else K.TABLE, f.value, unit, _cite_all(cited),
               notes + f.warnings + contradictions, formula=f.how)
    a.data = [{"agency": report.agency, "year": report.year, "label": label, "value": _jsonable(f.value)}]
    return _with_plan(plan, a, scope)


def _unit_of(c: StoredCell) -> str:
    m = re.search(r"unit\s*([^;,\s]+)", c.note or "")
    return m.group(1) if m else ""


def _jsonable(v):
    if isinstance(v, Decimal):
        return float(v) if v != v.to_integral() else int(v)
    return v


def _default_denominator(m: Measure) -> Measure | None:
    from .parse import measure_by_id

    if m.table == "三":
        if m.id in ("new", "carried_over"):
            return measure_by_id("new") if m.column else None
        if m.id in ("total", "carried_forward"):
            return None
        return measure_by_id("total")
    if m.table == "四":
        group = m.id.split(".")[0]
        if m.id.endswith(".total"):
            return None
        return measure_by_id(f"{group}.total")
    return None


def _growth(plan: QueryPlan, scope: Scope, src: _Cells) -> Answer:
    """"24年比23年增长了百分之多少": (later − earlier) ÷ earlier × 100, with its direction."""
    old_r, new_r = sorted(scope.reports, key=lambda r: r.year or 0)
    m = plan.measures[0]
    f0, f1 = figure(src, old_r, m, plan.lang), figure(src, new_r, m, plan.lang)
    bad = [f for f in (f0, f1) if not f.ok]
    label = m.label(plan.lang)
    if bad or f0.value == 0:
        why = "; ".join(f"{f.report.year}: {f.problem}" for f in bad) or _t(plan, "上一年为 0,增长率无意义", "the earlier year is 0")
        return _with_plan(plan, Answer(plan.question, _t(plan, f"无法计算增长率:{why}。", f"Cannot compute the change: {why}."),
                                       K.NOT_FOUND, citations=_cite_all([f0, f1])), scope)
    pct = ((Decimal(str(f1.value)) - Decimal(str(f0.value))) / Decimal(str(f0.value)) * 100).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)
    word = _t(plan, "增长" if pct > 0 else ("下降" if pct < 0 else "持平"), "up" if pct > 0 else ("down" if pct < 0 else "unchanged"))
    formula = f"({fmt(f1.value)} − {fmt(f0.value)}) ÷ {fmt(f0.value)} × 100%"
    text = _t(plan, f"{new_r.agency}{label}:{old_r.year}年 {fmt(f0.value)},{new_r.year}年 {fmt(f1.value)},{word} {fmt(abs(pct))}%"
                    f"(即 {formula})。",
              f"{new_r.agency}, {label}: {old_r.year} {fmt(f0.value)}, {new_r.year} {fmt(f1.value)} — {word} "
              f"{fmt(abs(pct))}% ({formula}).")
    return _with_plan(plan, Answer(plan.question, text, K.DERIVED, abs(pct), "%", _cite_all([f0, f1]),
                                   f0.warnings + f1.warnings, formula=formula), scope)


def _ratio(plan: QueryPlan, store: Store, scope: Scope, src: _Cells) -> Answer:
    if len(scope.reports) == 2 and len({r.agency for r in scope.reports}) == 1 and len(plan.measures) == 1 \
            and plan.denominator is None and not plan.rate_name:
        return _growth(plan, scope, src)
    if len(scope.reports) != 1:
        return _with_plan(plan, Answer(plan.question, _t(
            plan, "比率只对一个机关的一份报告计算,请指明机关和年份。", "Rates are computed for one report; name the agency and year."),
            K.NOT_FOUND), scope)
    report = scope.reports[0]
    if not plan.measures:
        return _with_plan(plan, Answer(plan.question, _t(plan, "请说明要计算哪个指标的比例。", "Which figure's share?"),
                                       K.NOT_FOUND), scope)
    denom_m = plan.denominator or _default_denominator(plan.measures[0])
    if denom_m is None:
        return _with_plan(plan, Answer(plan.question, _t(
            plan, "无法确定比例的分母,请说明“占什么的比例”。", "The denominator is unclear; say “share of what”."),
            K.NOT_FOUND), scope)
    if plan.measures[0].column and denom_m.table == "三" and not plan.denominator:
        denom_m = Measure(denom_m.id, denom_m.table, denom_m.label_zh, denom_m.label_en, unit=denom_m.unit)
    nums = [figure(src, report, m, plan.lang) for m in plan.measures]
    den = figure(src, report, denom_m, plan.lang)
    bad = [f for f in nums + [den] if not f.ok]
    who = _t(plan, f"{report.agency}{report.year}年", f"{report.agency} {report.year}")
    parts_zh = "+".join(m.label("zh") for m in plan.measures)
    parts_en = " + ".join(m.label("en") for m in plan.measures)
    name = plan.rate_name or _t(plan, f"{parts_zh}占{denom_m.label('zh')}的比例", f"{parts_en} as a share of {denom_m.label('en')}")
    if bad:
        why = "; ".join(f"{f.measure.label(plan.lang)}: {f.problem}" for f in bad)
        return _with_plan(plan, Answer(plan.question, _t(plan, f"{who}{name}无法计算:{why}。", f"{who}: cannot compute {name}: {why}."),
                                       K.NOT_FOUND, citations=_cite_all(nums + [den])), scope)
    num_v = sum(Decimal(str(f.value)) for f in nums)
    den_v = Decimal(str(den.value))
    operands = " + ".join(f"{f.measure.label(plan.lang)} {fmt(f.value)}" for f in nums)
    if den_v == 0:
        return _with_plan(plan, Answer(plan.question, _t(
            plan, f"{who}{name}无法计算:分母{denom_m.label('zh')}为 0(分子 {operands})。",
            f"{who}: {name} is undefined: the denominator {denom_m.label('en')} is 0 (numerator {operands})."),
            K.NOT_FOUND, citations=_cite_all(nums + [den])), scope)
    pct = (num_v / den_v * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    formula = f"({operands}) ÷ {denom_m.label(plan.lang)} {fmt(den.value)} × 100%"
    text = _t(plan, f"{who}{name}为 {fmt(pct)}%,即 {formula} = {fmt(pct)}%。",
              f"{who}: {name} = {fmt(pct)}%, i.e. {formula} = {fmt(pct)}%.")
    contradictions = _findings_text(plan, store, nums + [den])
    if contradictions:
        text += _t(plan, " 注意,报告自身数据有矛盾:", " Note: the report contradicts itself: ") + "; ".join(contradictions)
    warnings = [w for f in nums + [den] for w in f.warnings]
    a = Answer(plan.question, text, K.DERIVED, pct, "%", _cite_all(nums + [den]), warnings, formula=formula)
    return _with_plan(plan, a, scope)


def _operands(plan: QueryPlan, scope: Scope, src: _Cells) -> list[tuple[str, Fig]]:
    """(label, figure) for each (agency, year, measure) in the scope, in a stable order."""
    out = []
    for u in scope.units:
        members = set(u.agencies)
        for r in sorted((r for r in scope.reports if r.agency in members), key=lambda r: (r.year or 0, r.agency or "")):
            for m in plan.measures:
                f = figure(src, r, m, plan.lang)
                label = _t(plan, f"{r.agency}{r.year}年", f"{r.agency} {r.year}")
                if len(plan.measures) > 1:
                    label += f"·{m.label(plan.lang)}"
                out.append((label, f))
    return out


def _diff(plan: QueryPlan, scope: Scope, src: _Cells) -> Answer:
    ops = _operands(plan, scope, src)
    if len(ops) != 2:
        what = _t(plan, f"比较需要恰好两个数(两年、两个机关或两个指标),这里有{len(ops)}个。",
                  f"A comparison needs exactly two figures (two years, agencies or figures); there are {len(ops)}.")
        a = _sum_or_series(plan, scope, src, force_series=True)
        a.text = what + " " + a.text
        a.value = None
        a.kind = K.SERIES if a.data else K.NOT_FOUND
        return a
    agency_order = [s.resolved for s in plan.subjects if s.resolved]
    (l0, f0), (l1, f1) = ops
    if len(agency_order) == 2 and f0.report.agency != f1.report.agency:
        # "A比B多几件": A − B in the order the question named them
        if f0.report.agency != agency_order[0]:
            (l0, f0), (l1, f1) = (l1, f1), (l0, f0)
        first, second = (l0, f0), (l1, f1)
    elif len(plan.measures) == 2:
        first, second = (l0, f0), (l1, f1)  # "不予公开比予以公开多几件": in the order named
    else:
        first, second = (l1, f1), (l0, f0)  # years: the later minus the earlier
    bad = [f for _, f in ops if not f.ok]
    if bad:
        why = "; ".join(f"{lbl}: {f.problem}" for lbl, f in ops if not f.ok)
        return _with_plan(plan, Answer(plan.question, _t(plan, f"无法比较:{why}。", f"Cannot compare: {why}."), K.NOT_FOUND,
                                       citations=_cite_all([f for _, f in ops])), scope)
    a_v, b_v = first[1].value, second[1].value
    diff = a_v - b_v  # type: ignore[operator]
    label = plan.measures[0].label(plan.lang) if len(plan.measures) == 1 else ""
    if len(plan.measures) == 1 and first[1].report.agency == second[1].report.agency:
        # one agency, two years
        old, new = second, first
        word = _t(plan, "增加" if diff > 0 else ("减少" if diff < 0 else "持平"),
                  "an increase" if diff > 0 else ("a decrease" if diff < 0 else "unchanged"))
        text = _t(plan, f"{new[1].report.agency}{label}:{old[1].report.year}年 {fmt(old[1].value)},{new[1].report.year}年 "
                        f"{fmt(new[1].value)},{word}" + (f" {fmt(abs(diff))}" if diff else "") + "。",
                  f"{new[1].report.agency}, {label}: {old[1].report.year} {fmt(old[1].value)}, {new[1].report.year} "
                  f"{fmt(new[1].value)} — {word}" + (f" by {fmt(abs(diff))}" if diff else "") + ".")
    else:
        word = _t(plan, "多" if diff > 0 else ("少" if diff < 0 else "相同"), "more" if diff > 0 else ("fewer" if diff < 0 else "the same"))
        text = _t(plan, f"{first[0]}{label} {fmt(a_v)},{second[0]}{label} {fmt(b_v)};前者比后者{word}"
                        + (f" {fmt(abs(diff))}" if diff else "") + "。",
                  f"{first[0]} {label} {fmt(a_v)}, {second[0]} {label} {fmt(b_v)}: the first has "
                  + (f"{fmt(abs(diff))} {word}" if diff else word) + ".")
    if plan.direction and diff != 0 and (plan.direction == "up") != (diff > 0):
        text += _t(plan, f"(注意:问题问的是{'增加/多' if plan.direction == 'up' else '减少/少'},实际是{'增加' if diff > 0 else '减少'}。)",
                   f" (Note: the question asks about {'an increase' if plan.direction == 'up' else 'a decrease'}; "
                   f"it is actually {'an increase' if diff > 0 else 'a decrease'}.)")
    formula = f"{fmt(a_v)} − {fmt(b_v)} = {fmt(diff)}"
    ans = Answer(plan.question, text, K.DERIVED, abs(diff), plan.measures[0].unit if plan.measures else None,
                 _cite_all([first[1], second[1]]), [w for _, f in ops for w in f.warnings], formula=formula)
    ans.data = [{"label": lbl, "agency": f.report.agency, "year": f.report.year, "value": _jsonable(f.value)} for lbl, f in ops]
    return _with_plan(plan, ans, scope)


def _sum_or_series(plan: QueryPlan, scope: Scope, src: _Cells, force_series: bool = False) -> Answer:
    ops = _operands(plan, scope, src)
    if not ops:
        return _with_plan(plan, Answer(plan.question, _t(plan, "所选范围内没有报告。", "No reports in scope."), K.NOT_FOUND), scope)
    series = force_series or plan.op == Op.SERIES or (plan.op == Op.VALUE and len(ops) > 1)
    listing = ("; " if plan.lang == "en" else ";").join(
        f"{lbl} {fmt(f.value) if f.ok else '(' + f.problem + ')'}" for lbl, f in ops)
    data = [{"label": lbl, "agency": f.report.agency, "year": f.report.year, "value": _jsonable(f.value) if f.ok else None}
            for lbl, f in ops]
    label = "、".join(m.label(plan.lang) for m in plan.measures)
    missing = _missing_in_span(plan, scope)
    if series:
        text = _t(plan, f"{label}:{listing}。", f"{label}: {listing}.")
        if missing:
            text += " " + missing
        a = Answer(plan.question, text, K.SERIES, None, None, _cite_all([f for _, f in ops]),
                   [w for _, f in ops for w in f.warnings])
        a.data = data
        return _with_plan(plan, a, scope)
    if len(ops) == 1 and plan.years.mode == YearMode.LATEST and plan.op == Op.SUM and \
            not any(s.is_group for s in plan.subjects) and len(plan.measures) == 1:
        return _with_plan(plan, Answer(plan.question, _t(
            plan, f"“合计”需要说明合计哪几年(或哪几个机关);只找到一个数:{listing}。请写明年份,例如“2023年和2024年”。",
            f"A total needs the years (or agencies) to add up; only one figure was found: {listing}. "
            f"Please name the years."), K.NOT_FOUND, None, None, _cite_all([f for _, f in ops])), scope)
    bad = [(lbl, f) for lbl, f in ops if not f.ok]
    if bad or missing:
        why = "; ".join(f"{lbl}: {f.problem}" for lbl, f in bad)
        text = _t(plan, "无法给出合计:" + "; ".join(x for x in (why, missing) if x) + f"。已有的数:{listing}。",
                  "No total can be given: " + "; ".join(x for x in (why, missing) if x) + f". Figures found: {listing}.")
        a = Answer(plan.question, text, K.NOT_FOUND, None, None, _cite_all([f for _, f in ops]))
        a.data = data
        return _with_plan(plan, a, scope)
    total = sum((f.value for _, f in ops), start=0)  # type: ignore[arg-type]
    formula = " + ".join(fmt(f.value) for _, f in ops) + f" = {fmt(total)}"
    text = _t(plan, f"{label}合计 {fmt(total)}({len(ops)}项:{listing})。",
              f"{label}, total {fmt(total)} ({len(ops)} figures: {listing}).")
    unit = plan.measures[0].unit if plan.measures else None
    a = Answer(plan.question, text, K.AGGREGATE, total, unit, _cite_all([f for _, f in ops]),
               [w for _, f in ops for w in f.warnings], formula=formula)
    a.data = data
    return _with_plan(plan, a, scope)


def _missing_in_span(plan: QueryPlan, scope: Scope) -> str:
    """Years asked (a range or list) that an agency has no report for."""
    if plan.years.mode not in (YearMode.RANGE, YearMode.GIVEN) or len(scope.years) < 2:
        return ""
    out = []
    for u in scope.units:
        if len(u.agencies) != 1:
            continue  # (a group's members may lack years: only a single agency is told)
        for a in u.agencies:
            have = {r.year for r in scope.reports if r.agency == a}
            miss = [y for y in scope.years if y not in have]
            if miss:
                out.append(_t(plan, f"{a}缺少{'、'.join(map(str, miss))}年的报告", f"{a} has no report for {', '.join(map(str, miss))}"))
    return "; ".join(out)


def _rank(plan: QueryPlan, scope: Scope, src: _Cells) -> Answer:
    ops = _operands(plan, scope, src)
    good = [(lbl, f) for lbl, f in ops if f.ok]
    unsure = [(lbl, f) for lbl, f in ops if not f.ok and "没有" not in f.problem and "no " not in f.problem]
    absent = [(lbl, f) for lbl, f in ops if not f.ok and (lbl, f) not in unsure]
    if not good:
        return _with_plan(plan, Answer(plan.question, _t(plan, "所选报告中没有可比较的数字。", "No comparable figures in the selected reports."),
                                       K.NOT_FOUND), scope)
    rev = plan.op != Op.MIN
    good.sort(key=lambda t: t[1].value, reverse=rev)  # type: ignore[arg-type, return-value]
    top_v = good[0][1].value
    ties = [lbl for lbl, f in good if f.value == top_v]
    n = plan.top_n or 5
    ranking = ("; " if plan.lang == "en" else ";").join(f"{i + 1}. {lbl} {fmt(f.value)}" for i, (lbl, f) in enumerate(good[:max(n, 5)]))
    label = plan.measures[0].label(plan.lang)
    word = _t(plan, "最多" if rev else "最少", "highest" if rev else "lowest")
    if plan.op == Op.RANK:
        text = _t(plan, f"{label}排名:{ranking}。共比较{len(good)}份报告。", f"{label} ranking: {ranking}. {len(good)} reports compared.")
    else:
        text = _t(plan, f"{label}{word}的是{'、'.join(ties)}({fmt(top_v)})。排名:{ranking}。共比较{len(good)}份报告。",
                  f"The {word} {label} is {', '.join(ties)} ({fmt(top_v)}). Ranking: {ranking}. {len(good)} reports compared.")
    value = top_v if plan.op != Op.RANK else None
    if unsure:
        text += _t(plan, f" 另有{len(unsure)}份报告该数字无法确定({'; '.join(l for l, _ in unsure)}),未参与比较,因此不给出确定的{word}值。",
                   f" {len(unsure)} report(s) have no certain figure ({'; '.join(l for l, _ in unsure)}) and were left out, "
                   f"so no certain {word} value is given.")
        value = None
    if absent:
        text += _t(plan, f" {len(absent)}份报告没有该项(格式不同):{'、'.join(l for l, _ in absent)}。",
                   f" {len(absent)} report(s) do not have this figure (another template): {', '.join(l for l, _ in absent)}.")
    a = Answer(plan.question, text, K.AGGREGATE, value, plan.measures[0].unit, _cite_all([f for _, f in good[:max(n, 5)]]),
               [w for _, f in good[:1] for w in f.warnings])
    a.data = [{"label": lbl, "agency": f.report.agency, "year": f.report.year, "value": _jsonable(f.value)} for lbl, f in good]
    return _with_plan(plan, a, scope)


def _count(plan: QueryPlan, scope: Scope) -> Answer:
    reps = sorted(scope.reports, key=lambda r: (r.year or 0, r.agency or ""))
    unknown = _t(plan, "(机关未识别)", "(agency not identified)")
    listing = ("; " if plan.lang == "en" else ";").join(f"{r.agency or unknown} {r.year or ''}".strip() for r in reps)
    yrs = plan.years.describe(plan.lang) if plan.years.mode != YearMode.LATEST else _t(plan, "各年", "all years")
    undated = [r for r in scope.undated if r.id not in {x.id for x in reps}] if None not in scope.years else []
    if plan.op == Op.COUNT and undated:
        # a report whose year could not be read might belong to the year asked: no certain count
        text = _t(plan, f"{yrs}可确认的报告{len(reps)}份:{listing}。另有{len(undated)}份报告未能识别年份"
                        f"({'、'.join(r.source for r in undated)}),可能也属于该年,因此不给出确定的份数。",
                  f"{len(reps)} report(s) confirmed ({yrs}): {listing}. {len(undated)} more report(s) have no readable "
                  f"year ({', '.join(r.source for r in undated)}) and may belong here, so no certain count is given.")
        a = Answer(plan.question, text, K.NOT_FOUND, None, None)
    elif plan.op == Op.COUNT:
        text = _t(plan, f"{yrs}共有{len(reps)}份报告:{listing}。", f"{len(reps)} report(s) ({yrs}): {listing}.")
        a = Answer(plan.question, text, K.AGGREGATE, len(reps), "份")
    else:
        text = _t(plan, f"{yrs}的报告({len(reps)}份):{listing}。", f"Reports ({yrs}, {len(reps)}): {listing}.")
        a = Answer(plan.question, text, K.METADATA, None, None)
    a.citations = [Citation(source=r.source, agency=r.agency, year=r.year, report_id=r.id, quote=r.title or "") for r in reps[:50]]
    a.data = [{"agency": r.agency, "year": r.year, "source": r.source} for r in reps]
    return _with_plan(plan, a, scope)


def _findings(plan: QueryPlan, store: Store, scope: Scope) -> Answer:
    reps = scope.reports
    lines, cits = [], []
    for r in sorted(reps, key=lambda r: (r.agency or "", r.year or 0)):
        fs = [f for f in store.findings(r.id) if f.severity in ("error", "warning")]
        if fs:
            lines.append(f"{r.agency} {r.year} ({r.source}): " + "; ".join(f.message for f in fs))
            cits.append(Citation(source=r.source, agency=r.agency, year=r.year, report_id=r.id,
                                 quote="; ".join(f.message for f in fs)))
    if not lines:
        a = Answer(plan.question, _t(plan, f"所选{len(reps)}份报告的数据勾稽关系均成立,正文与表格未发现矛盾。",
                                     f"All {len(reps)} selected reports satisfy their arithmetic; no prose-vs-table conflicts found."),
                   K.FINDINGS, None if len(reps) == 1 else 0, None if len(reps) == 1 else "份")
        return _with_plan(plan, a, scope)
    text = _t(plan, f"{len(lines)}份报告的数据勾稽关系不成立或正文与表格矛盾:\n",
              f"{len(lines)} report(s) break their own arithmetic or contradict themselves:\n") + "\n".join(f"- {x}" for x in lines)
    one = len(reps) == 1  # about one report: the findings are the answer, not a count
    return _with_plan(plan, Answer(plan.question, text, K.FINDINGS, None if one else len(lines), None if one else "份",
                                   cits), scope)


def _metadata(plan: QueryPlan, scope: Scope) -> Answer:
    report = sorted(scope.reports, key=lambda r: r.year or 0)[-1]
    text = _t(plan, f"{report.agency}{report.year}年报告:发布日期 {report.published or '未注明'};模板 {report.template};"
                    f"文件 {report.source};题目 {report.title or '—'}。",
              f"{report.agency} {report.year} report: published {report.published or 'not stated'}; template "
              f"{report.template}; file {report.source}; title {report.title or '—'}.")
    return _with_plan(plan, Answer(plan.question, text, K.METADATA, None, None,
                                   [Citation(source=report.source, agency=report.agency, year=report.year,
                                             report_id=report.id, quote=report.title or "")]), scope)


# ------------------------------------------------------------------------------------ prose
def _prose(plan: QueryPlan, store: Store, all_reports: list[ReportRow], settings) -> Answer:
    if not plan.prose_terms and not plan.measures:
        return _with_plan(plan, Answer(plan.question, _t(
            plan, "请说明要查询的内容(机关、年份和指标),例如“泰安市行政审批服务局2024年不予公开多少件”。",
            "Please say what to look up (agency, year and figure), e.g. “How many requests did X reject in 2024?”"),
            K.NOT_FOUND))
    scope = resolve_scope(plan, all_reports, single_needed=True)
    if scope.problem:
        return _with_plan(plan, scope.problem)
    miss = missing_years_answer(plan, scope, all_reports)
    if miss is not None:
        return _with_plan(plan, miss, scope)
    if len(scope.reports) != 1:
        return _with_plan(plan, Answer(plan.question, _t(plan, "正文检索需要指明一个机关和一个年份。",
                                                         "A text search needs one agency and one year."), K.NOT_FOUND), scope)
    report = scope.reports[0]
    terms = [w for w in plan.prose_terms if not re.fullmatch(r"[A-Za-z'-]+", w)] if plan.lang == "en" else plan.prose_terms
    if plan.lang == "en" and len(terms) < len(plan.prose_terms):
        a = None  # English words the reports cannot hold (they are written in Chinese)
        unknown = [w for w in plan.prose_terms if w not in terms]
        a = Answer(plan.question, f"Could not search the {report.year} report of {report.agency} for "
                                  f"{', '.join(unknown)}: the reports are in Chinese and these words have no known "
                                  f"Chinese equivalent here.", K.NOT_FOUND,
                   citations=[Citation(source=report.source, agency=report.agency, year=report.year, report_id=report.id)])
        return _with_plan(plan, a, scope)
    a = _prose_for(plan, store, report, settings, terms)
    if a is None:
        a = Answer(plan.question, _t(plan, f"在{report.agency}{report.year}年报告中没有找到与“{'、'.join(terms)}”相关的内容。",
                                     f"Nothing in the {report.year} report of {report.agency} mentions {', '.join(terms)}."),
                   K.NOT_FOUND, citations=[Citation(source=report.source, agency=report.agency, year=report.year, report_id=report.id)])
    return _with_plan(plan, a, scope)


def _prose_for(plan: QueryPlan, store: Store, report: ReportRow, settings, terms: list[str]) -> Answer | None:
    """Extractive prose. A number only when it stands with every asked term in the same clause."""
    hint = P.section_hint(plan.q)
    passages = P.report_passages(store, report, hint) or P.report_passages(store, report)
    warnings: list[str] = []
    if settings is not None:
        retrieved, warn = P.retrieved_passages(settings, plan.q, report.agency, report.year)
        warnings += warn
        passages = [p for p in retrieved if p.report_id in (None, report.id)] + passages
    if settings is not None and settings.llm_configured and passages:
        text, problem = P.llm_answer(settings, plan.question, passages, plan.lang)
        if text is not None:
            return Answer(plan.question, text, K.PROSE, None, None,
                          [Citation(source=p.source, agency=p.agency, year=p.year, page=p.page, section=p.section,
                                    quote=p.text, report_id=p.report_id, start=p.start, end=p.end) for p in passages[:6]],
                          warnings)
        warnings.append(_t(plan, f"语言模型回答未通过核验,改用原文摘录:{problem}", f"Fell back to extractive: {problem}"))
    prefix = _t(plan, f"{report.agency}{report.year}年报告:", f"{report.agency}, {report.year} report: ")
    if hint == 5 and not plan.unit_hint:
        res = P.section_summary(P.report_passages(store, report, 5))
        if res.found:
            return Answer(plan.question, prefix + _t(plan, "“存在的主要问题及改进情况”:\n", "section 五 (problems and improvements):\n")
                          + res.text, K.PROSE, None, None, res.citations, warnings)
    drop = [s.mention for s in plan.subjects] + [str(y) for y in plan.years.years]
    res = P.extract(plan.q, passages, drop, plan.unit_hint, plan.lang,
                    want_list=P.wants_list(plan.q) and not plan.unit_hint, terms=terms)
    if not res.found:
        return None
    if plan.unit_hint and res.value is None:
        # a count was asked and no number stands beside the asked words: say so, quote what is there
        return Answer(plan.question, prefix + _t(
            plan, f"报告中没有与“{'、'.join(terms)}”对应的数字。相关原文:", f"no figure stands with {', '.join(terms)}. "
            f"Related text: ") + res.text, K.NOT_FOUND, None, None, res.citations, warnings + res.warnings)
    return Answer(plan.question, prefix + res.text, K.PROSE, res.value, res.unit, res.citations, warnings + res.warnings)
