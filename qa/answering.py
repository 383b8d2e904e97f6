"""``answer(question)``: route the question, answer from the table store or the prose, cite.

    >>> from qa import answer
    >>> a = answer("泰安市行政审批服务局2024年不予公开的申请有多少件？")
    >>> a.value, a.kind, a.citations[0].source
    (2, 'derived', '003_67b517500533bac5.txt')
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from ingest.config import Settings, load_settings
from ingest.store import ReportRow, Store

from . import lookup as L
from . import prose as P
from . import vocab as V
from .agencies import AgencyIndex
from .models import Answer, Citation
from .route import Query, route


@dataclass
class Context:
    """What answering needs from one home folder; rebuilt when the store changes."""

    settings: Settings
    store: Store
    reports: list[ReportRow]
    agencies: AgencyIndex
    stamp: tuple

    @classmethod
    def open(cls, settings: Settings) -> "Context":
        store = Store(settings.db_path)
        reports = store.reports()
        entries: dict[str, list[str]] = {}
        for r in reports:
            if r.agency:
                entries.setdefault(r.agency, []).extend(r.aliases)
        return cls(settings, store, reports, AgencyIndex(entries), _stamp(store))


def _stamp(store: Store) -> tuple:
    c = store.counts()
    return (c["reports"], c["cells"], c["findings"], tuple(sorted(r.id for r in store.reports())))


_contexts: dict[str, Context] = {}
_lock = threading.Lock()


def get_context(settings: Settings) -> Context:
    key = str(settings.db_path)
    with _lock:
        ctx = _contexts.get(key)
        if ctx is None or ctx.settings != settings or _stamp(ctx.store) != ctx.stamp:
            ctx = Context.open(settings)
            _contexts[key] = ctx
        return ctx


def answer(question: str, *, home: str | None = None, settings: Settings | None = None) -> Answer:
    """Answer one question (Chinese or English) from the reports ingested under ``home``."""
    t0 = time.perf_counter()
    settings = settings or load_settings(home)
    question = (question or "").strip()
    if not question:
        return Answer(question, "请输入问题。/ Please ask a question.", "not_found")
    if not settings.db_path.exists():
        a = Answer(question, f"No reports have been ingested under {settings.home}. Run `gongkai ingest --sample` "
                             f"or `gongkai ingest PATH`. / 尚未导入任何报告。", "not_found")
        return a
    ctx = get_context(settings)
    q = route(question, ctx.agencies)
    a = _dispatch(ctx, q)
    a.interpretation = q.describe()
    a.language = q.lang
    a.seconds = round(time.perf_counter() - t0, 4)
    return a


# ------------------------------------------------------------------------------------ dispatch
def _dispatch(ctx: Context, q: Query) -> Answer:
    if q.kind == "findings":
        return _findings(ctx, q)
    if q.kind == "aggregate":
        return _aggregate(ctx, q)
    if q.agency.agency is None and q.agency.mention and q.kind != "metadata":
        return _unknown_agency(ctx, q)
    reports, problem = _pick_reports(ctx, q)
    if problem is not None:
        return problem
    if q.kind == "compare":
        return _compare(ctx, q, reports)
    report = reports[-1]
    notes = _choice_notes(ctx, q, report)
    if q.kind == "metadata":
        return _metadata(ctx, q, report, notes)
    if q.kind == "cell" or (q.kind == "prose" and report.template == "pre2019" and _stats_hit(ctx, q, report)):
        a = _cell(ctx, q, report)
        if a is not None:
            a.warnings = notes + a.warnings
            return a
    a = _prose(ctx, q, report)
    a.warnings = notes + a.warnings
    return a


def _t(q: Query, zh: str, en: str) -> str:
    return en if q.lang == "en" else zh


def _fmt(v) -> str:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral() else str(v)
    return str(v)


def _pick_reports(ctx: Context, q: Query) -> tuple[list[ReportRow], Answer | None]:
    reports = [r for r in ctx.reports if q.agency.agency is None or r.agency == q.agency.agency]
    if q.agency.agency is None:
        if len({r.agency for r in ctx.reports}) == 1:
            reports = ctx.reports
        else:
            names = sorted({r.agency for r in ctx.reports if r.agency})
            return [], Answer(q.question, _t(q, "请指明机关名称。现有报告的机关:" + "、".join(names),
                                             "Please name the agency. Agencies with reports: " + ", ".join(names)),
                              "not_found")
    if not reports:
        return [], _unknown_agency(ctx, q)
    years = sorted({r.year for r in reports if r.year})
    if q.years:
        wanted = q.years if q.kind == "compare" else [q.years[-1]]
        chosen = [r for r in reports if r.year in wanted]
        missing = [y for y in wanted if y not in years]
        if missing:
            have = "、".join(str(y) for y in years) or "无"
            return [], Answer(q.question, _t(
                q, f"没有找到{q.agency.agency}{'、'.join(map(str, missing))}年的报告。已导入的年份:{have}。",
                f"There is no {', '.join(map(str, missing))} report for {q.agency.agency}. Years available: {have}."),
                "not_found")
        return sorted(chosen, key=lambda r: (r.year or 0)), None
    # no year: the latest report of that agency
    return sorted(reports, key=lambda r: (r.year or 0)), None


def _choice_notes(ctx: Context, q: Query, report: ReportRow) -> list[str]:
    notes = []
    if len(q.agency.candidates) > 1:
        notes.append(_t(q, f"“{q.agency.matched}”匹配多个机关({'、'.join(q.agency.candidates)}),已选择{report.agency}。",
                        f"“{q.agency.matched}” matches several agencies ({', '.join(q.agency.candidates)}); "
                        f"answered for {report.agency}."))
    if q.agency.fuzzy:
        notes.append(_t(q, f"问题中的机关名与{report.agency}最接近(相差一个字),按此作答。",
                        f"The agency name is closest to {report.agency} (one character differs); answered for it."))
    if not q.years and report.year:
        notes.append(_t(q, f"问题未指明年份,采用最新的{report.year}年报告。",
                        f"No year given; used the latest report ({report.year})."))
    return notes


# ------------------------------------------------------------------------------------ tables
def _stats_hit(ctx: Context, q: Query, report: ReportRow) -> bool:
    """A pre-2019 question whose words name an indicator of the 统计表 (政府网站公开政府信息数)."""
    cells = ctx.store.cells(report_id=report.id, table="统计表")
    return L.best_indicator(cells, q.q) is not None

def _figure(ctx: Context, q: Query, report: ReportRow) -> tuple[L.Figure, str, str]:
    """(figure, label, table) for the routed metric in one report."""
    lang = q.lang
    if report.template == "pre2019":
        ids = q.metric.pre2019 if q.metric else ()
        if q.metric and q.metric.table == "四":
            ids = ("review",) if q.metric.id.startswith("review") else ("litigation",)
        fig = L.pre2019_figure(ctx.store, report, ids, q.q, lang)
        label = fig.cells[0].row if fig.cells else (q.metric.label_zh if q.metric else "")
        return fig, label, "统计表"
    if q.t2 is not None:
        fig = L.t2_figure(ctx.store, report, q.t2, q.t2_column, lang)
        col = fig.cells[0].column if len(fig.cells) == 1 else ""
        return fig, (q.t2.label_en if lang == "en" else q.t2.label_zh) + (f" · {col}" if col else ""), "二"
    assert q.metric is not None
    fig = L.cell_figure(ctx.store, report, q.metric, q.column, lang)
    label = q.metric.label_en if lang == "en" else q.metric.label_zh
    if q.column:
        col_label = next((c.label for c in V_COLUMNS if c.id == q.column), "法人或其他组织(合计)")
        label += f" · {col_label}"
    return fig, label, q.metric.table


from ingest.templates import T3_COLUMNS as V_COLUMNS  # noqa: E402


def _cell(ctx: Context, q: Query, report: ReportRow) -> Answer | None:
    fig, label, table = _figure(ctx, q, report)
    if fig.missing:
        if report.template == "pre2019":
            return None  # try the prose
        return Answer(q.question, _t(q, f"{report.agency}{report.year}年报告中没有解析到“{label}”。",
                                     f"The {report.year} report of {report.agency} has no parsed figure for “{label}”."),
                      "not_found", citations=[Citation(source=report.source, agency=report.agency, year=report.year)])
    citations = [L.cite(c) for c in fig.cells]
    warnings = list(fig.warnings)
    row = fig.cells[0].row if len(fig.cells) == 1 else None
    col = fig.cells[-1].column if fig.cells else None
    warnings += L.report_findings(ctx.store, report, table, row, col if table == "三" else None, q.lang)
    who = f"{report.agency}{report.year}年"
    if fig.ambiguous:
        return Answer(q.question, _t(q, f"{who}{label}:原文数字粘连,无法唯一确定。" + "; ".join(c.note for c in fig.cells if c.note)[:300],
                                     f"{report.agency} {report.year}, {label}: the source's digits run together and "
                                     f"cannot be read unambiguously. " + "; ".join(c.note for c in fig.cells if c.note)[:300]),
                      "ambiguous", None, None, citations, warnings)
    if fig.how == "row":  # a table-二 row without a column named: show the row
        parts = "; ".join(f"{c.column} {_fmt(c.value) if c.value is not None else '空'}" for c in fig.cells)
        return Answer(q.question, _t(q, f"{who}{label}:{parts}。", f"{report.agency} {report.year}, {label}: {parts}."),
                      "table", None, None, citations, warnings)
    if fig.value is None:
        return Answer(q.question, _t(q, f"{who}{label}在报告中为空白(未填报,不等于0)。",
                                     f"{report.agency} {report.year}, {label}: the cell is blank in the report (not 0)."),
                      "table", None, None, citations, warnings)
    unit = (q.t2.unit if q.t2 else (q.metric.unit if q.metric else "件"))
    if table == "统计表" and fig.cells and "unit" in (fig.cells[0].note or ""):
        unit = fig.cells[0].note.split("unit", 1)[1].strip() or unit
    kind = "derived" if fig.derived else "table"
    detail = ""
    if fig.derived and len(fig.cells) > 1 and q.metric and len(q.metric.rows) > 1:
        nonzero = [f"{c.row.split('/')[-1]} {_fmt(c.value)}" for c in fig.cells if c.value]
        detail = _t(q, f"(为{fig.how}" + (":" + " + ".join(nonzero) if nonzero else "") + ")",
                    f" (sum of {len(q.metric.rows)} sub-rows" + (": " + " + ".join(nonzero) if nonzero else "") + ")")
    text = _t(q, f"{who}{label}为 {_fmt(fig.value)} {unit}{detail}。",
              f"{report.agency} {report.year}: {label} = {_fmt(fig.value)}{'' if unit == '件' else ' ' + unit}{detail}.")
    if q.column and q.metric and q.metric.table == "三" and re.search(r"其中|of which|of them", q.q, re.I):
        whole = L.cell_figure(ctx.store, report, q.metric, None, q.lang)
        if whole.value is not None:
            text += _t(q, f" 该项合计(总计)为 {_fmt(whole.value)} 件。", f" All applicants together: {_fmt(whole.value)}.")
            citations += [L.cite(c) for c in whole.cells]
    if q.metric and q.metric.companions:
        extras = []
        for mid in q.metric.companions:
            m = next(m for m in V.T3_METRICS if m.id == mid)
            f2 = L.cell_figure(ctx.store, report, m, q.column, q.lang)
            if f2.value is not None:
                extras.append((m, f2))
                citations += [L.cite(c) for c in f2.cells if c.value]
        if extras:
            text += _t(q, " 另:" + ",".join(f"{m.label_zh} {_fmt(f.value)} 件" for m, f in extras) + "(用户说“拒绝”时常也指这两类)。",
                       " Also: " + "; ".join(f"{m.label_en} {_fmt(f.value)}" for m, f in extras)
                       + " (often also meant by “rejected”).")
    if warnings:
        text += _t(q, " ⚠ 注意:", " ⚠ Note: ") + warnings[0]
    return Answer(q.question, text, kind, fig.value, unit, citations, warnings)


# ------------------------------------------------------------------------------------ aggregate
def _aggregate(ctx: Context, q: Query) -> Answer:
    year = q.year
    reports = [r for r in ctx.reports if (year is None or r.year == year)
               and (q.agency_filter is None or (r.agency or "").find(q.agency_filter) >= 0)]
    if not reports:
        years = sorted({r.year for r in ctx.reports if r.year})
        return Answer(q.question, _t(q, f"没有{year}年的报告。已导入的年份:{'、'.join(map(str, years))}。",
                                     f"No reports for {year}. Years available: {', '.join(map(str, years))}."), "not_found")
    rows = []
    for r in reports:
        fig, label, table = _figure(ctx, q, r)
        if fig.missing or fig.value is None or fig.ambiguous:
            continue
        rows.append((r, fig, label))
    if not rows:
        return Answer(q.question, _t(q, "所选报告中没有可比较的数字。", "No comparable figures in the selected reports."),
                      "not_found")
    label = rows[0][2]
    scope = _t(q, f"{year}年" if year else "所有年份", f"in {year}" if year else "across all years")
    if q.superlative:
        rows.sort(key=lambda t: t[1].value, reverse=(q.superlative == "max"))  # type: ignore[arg-type, return-value]
        top_r, top_f, _ = rows[0]
        ties = [r.agency for r, f, _ in rows if f.value == top_f.value]
        ranking = "; ".join(f"{r.agency} {_fmt(f.value)}" for r, f, _ in rows[:5])
        text = _t(q, f"{scope}{label}{'最多' if q.superlative == 'max' else '最少'}的是{'、'.join(ties)}({_fmt(top_f.value)})。"
                     f"排名:{ranking}。共比较{len(rows)}份报告。",
                  f"{scope.capitalize()}, the {'highest' if q.superlative == 'max' else 'lowest'} {label} is "
                  f"{', '.join(ties)} ({_fmt(top_f.value)}). Ranking: {ranking}. {len(rows)} reports compared.")
        cits = [L.cite(c) for r, f, _ in rows[:5] for c in f.cells]
        warnings = [w for _, f, _ in rows[:1] for w in f.warnings]
        return Answer(q.question, text, "aggregate", top_f.value, "件", cits, warnings)
    total = sum(f.value for _, f, _ in rows)  # type: ignore[misc]
    listing = "; ".join(f"{r.agency} {_fmt(f.value)}" for r, f, _ in rows)
    text = _t(q, f"{scope}{len(rows)}份报告的{label}合计 {_fmt(total)}:{listing}。",
              f"{scope.capitalize()}, {label} summed over {len(rows)} reports = {_fmt(total)}: {listing}.")
    return Answer(q.question, text, "aggregate", total, "件", [L.cite(c) for _, f, _ in rows for c in f.cells],
                  [w for _, f, _ in rows for w in f.warnings])


def _compare(ctx: Context, q: Query, reports: list[ReportRow]) -> Answer:
    figs = [(r, *_figure(ctx, q, r)) for r in reports]
    if len(figs) < 2 or any(f.value is None for _, f, _, _ in figs):
        return Answer(q.question, _t(q, "两年中有一年缺少该数字,无法比较。", "One of the two years lacks the figure."),
                      "not_found", citations=[L.cite(c) for _, f, _, _ in figs for c in f.cells])
    (r0, f0, label, _), (r1, f1, _, _) = figs[0], figs[-1]
    diff = f1.value - f0.value  # type: ignore[operator]
    word = _t(q, "增加" if diff > 0 else ("减少" if diff < 0 else "持平"), "up" if diff > 0 else ("down" if diff < 0 else "unchanged"))
    text = _t(q, f"{r1.agency}{label}:{r0.year}年 {_fmt(f0.value)},{r1.year}年 {_fmt(f1.value)},{word} {_fmt(abs(diff))}。",
              f"{r1.agency}, {label}: {r0.year} {_fmt(f0.value)}, {r1.year} {_fmt(f1.value)} — {word} {_fmt(abs(diff))}.")
    return Answer(q.question, text, "derived", diff, "件", [L.cite(c) for c in f0.cells + f1.cells], f0.warnings + f1.warnings)


# ------------------------------------------------------------------------------------ other kinds
def _findings(ctx: Context, q: Query) -> Answer:
    reports = [r for r in ctx.reports if (q.agency.agency is None or r.agency == q.agency.agency)
               and (not q.years or r.year in q.years)]
    lines, cits = [], []
    for r in reports:
        fs = [f for f in ctx.store.findings(r.id) if f.severity == "error"]
        if fs:
            lines.append(f"{r.agency} {r.year} ({r.source}): " + "; ".join(f.message for f in fs))
            cits.append(Citation(source=r.source, agency=r.agency, year=r.year, quote="; ".join(f.message for f in fs)))
    if not lines:
        return Answer(q.question, _t(q, f"所选{len(reports)}份报告的勾稽关系均成立。",
                                     f"All {len(reports)} selected reports satisfy their arithmetic."), "findings", 0, "份")
    text = _t(q, f"{len(lines)}份报告的数据勾稽关系不成立:\n", f"{len(lines)} report(s) break their own arithmetic:\n") + \
        "\n".join(f"- {x}" for x in lines)
    return Answer(q.question, text, "findings", len(lines), "份", cits)


def _metadata(ctx: Context, q: Query, report: ReportRow, notes: list[str]) -> Answer:
    text = _t(q, f"{report.agency}{report.year}年报告:发布日期 {report.published or '未注明'};模板 {report.template};"
                 f"文件 {report.source};题目 {report.title or '—'}。",
              f"{report.agency} {report.year} report: published {report.published or 'not stated'}; template "
              f"{report.template}; file {report.source}; title {report.title or '—'}.")
    return Answer(q.question, text, "metadata", None, None,
                  [Citation(source=report.source, agency=report.agency, year=report.year, quote=report.title or "")], notes)


def _unknown_agency(ctx: Context, q: Query) -> Answer:
    mention = q.agency.mention or ""
    near = ctx.agencies.nearest(mention) if mention else []
    have = {}
    for r in ctx.reports:
        have.setdefault(r.agency, []).append(r.year)
    near_txt = "; ".join(f"{n}({'、'.join(str(y) for y in sorted(have.get(n, [])))})" for n in near)
    return Answer(q.question, _t(q, f"没有找到“{mention}”的报告。" + (f"最接近的:{near_txt}。" if near else
                                                                    f"已导入{len(have)}个机关的报告。"),
                                 f"No report from “{mention}” has been ingested." + (f" Closest: {near_txt}." if near else
                                                                                    f" Reports from {len(have)} agencies are available.")),
                  "not_found")


def _prose(ctx: Context, q: Query, report: ReportRow) -> Answer:
    drop = [q.agency.matched] + [str(y) for y in q.years]
    hint = P.section_hint(q.q)
    passages = P.report_passages(ctx.store, report, hint) or P.report_passages(ctx.store, report)
    warnings: list[str] = []
    retrieved, warn = P.retrieved_passages(ctx.settings, q.q, report.agency, report.year)
    warnings += warn
    passages = [p for p in retrieved if p.report_id in (None, report.id)] + passages
    if ctx.settings.llm_configured and passages:
        text, problem = P.llm_answer(ctx.settings, q.question, passages, q.lang)
        if text is not None:
            return Answer(q.question, text, "prose", None, None,
                          [Citation(source=p.source, agency=p.agency, year=p.year, page=p.page, section=p.section,
                                    quote=p.text, report_id=p.report_id, start=p.start, end=p.end) for p in passages[:6]],
                          warnings)
        warnings.append(_t(q, f"语言模型回答未通过核验,改用原文摘录:{problem}", f"Fell back to extractive: {problem}"))
    if hint == 5 and not q.unit_hint:
        res = P.section_summary(P.report_passages(ctx.store, report, 5))
        if res.found:
            prefix = _t(q, f"{report.agency}{report.year}年报告“存在的主要问题及改进情况”:\n",
                        f"{report.agency}, {report.year} report, section 五 (problems and improvements):\n")
            return Answer(q.question, prefix + res.text, "prose", None, None, res.citations, warnings)
    res = P.extract(q.q, passages, drop, q.unit_hint, q.lang, want_list=P.wants_list(q.q) and not q.unit_hint)
    if not res.found:
        return Answer(q.question, _t(q, f"在{report.agency}{report.year}年报告中没有找到与问题相关的内容。",
                                     f"Nothing in the {report.year} report of {report.agency} answers this."),
                      "not_found", citations=[Citation(source=report.source, agency=report.agency, year=report.year)],
                      warnings=warnings)
    prefix = _t(q, f"{report.agency}{report.year}年报告:", f"{report.agency}, {report.year} report: ")
    return Answer(q.question, prefix + res.text, "prose", res.value, res.unit, res.citations, warnings + res.warnings)
