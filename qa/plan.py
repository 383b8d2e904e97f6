"""A question, understood: the typed query plan that answering executes.

The parser (:mod:`qa.parse`) turns a question into a :class:`QueryPlan`; the executor
(:mod:`qa.execute`) turns the plan into SQL over the facts store and a cited answer. The plan
records what every part of the question was taken to mean *and what it could not place*
(``unconsumed``): a plan with unconsumed content words never yields a number.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Op(str, Enum):
    """What to do with the figures."""

    VALUE = "value"  # one figure of one report
    SUM = "sum"  # several agencies / years added up
    DIFF = "diff"  # the change between two years or two agencies
    RATIO = "ratio"  # numerator / denominator, in percent
    MAX = "max"
    MIN = "min"
    RANK = "rank"
    SERIES = "series"  # one figure per year
    COUNT = "count"  # how many reports
    LIST = "list"  # which reports / agencies
    FINDINGS = "findings"  # the reports' arithmetic and prose-vs-table findings
    METADATA = "metadata"
    PROSE = "prose"  # a question the tables do not hold


class YearMode(str, Enum):
    GIVEN = "given"  # 2024 / 2023和2024
    RANGE = "range"  # 2018–2025
    ALL = "all"  # 历年
    RECENT = "recent"  # 近三年 (relative to the newest data)
    LATEST = "latest"  # no year: the newest report


@dataclass
class Years:
    mode: YearMode = YearMode.LATEST
    years: list[int] = field(default_factory=list)  # GIVEN / RANGE (filled at execution for ALL/RECENT)
    n: int | None = None  # RECENT: how many
    text: str = ""

    def describe(self, lang: str) -> str:
        if self.mode == YearMode.LATEST:
            return "最新年度" if lang == "zh" else "latest year"
        if self.mode == YearMode.ALL:
            return "历年" if lang == "zh" else "all years"
        if self.mode == YearMode.RECENT:
            return f"近{self.n}年" if lang == "zh" else f"last {self.n} years"
        if self.mode == YearMode.RANGE and len(self.years) > 2:
            return f"{self.years[0]}–{self.years[-1]}年" if lang == "zh" else f"{self.years[0]}–{self.years[-1]}"
        return "、".join(f"{y}年" for y in self.years) if lang == "zh" else ", ".join(map(str, self.years))


@dataclass
class Subject:
    """Who: one agency mention (resolved or not), or a group of agencies."""

    mention: str = ""
    agencies: list[str] = field(default_factory=list)  # candidates; one = resolved
    how: str = ""  # exact | short | abbreviation | place | fuzzy | group | inherited
    group_kind: str | None = None  # 街道 / 镇 / 局 … for "所有街道办事处"
    group_all: bool = False  # every agency
    region: list[str] = field(default_factory=list)  # a place mention: every agency of that place

    @property
    def is_group(self) -> bool:
        return self.group_all or self.group_kind is not None

    @property
    def resolved(self) -> str | None:
        return self.agencies[0] if len(self.agencies) == 1 and not self.is_group else None

    def describe(self, lang: str) -> str:
        if self.group_all:
            return "全部机关" if lang == "zh" else "all agencies"
        if self.group_kind:
            return f"所有{self.group_kind}" if lang == "zh" else f"every {self.group_kind}"
        if self.resolved:
            return self.resolved
        if self.agencies:
            return ("“" + self.mention + "”(可能是:" + "、".join(self.agencies) + ")") if lang == "zh" else \
                f"“{self.mention}” (could be: {', '.join(self.agencies)})"
        return f"“{self.mention}”(未找到)" if lang == "zh" else f"“{self.mention}” (not found)"


@dataclass
class Measure:
    """Which figure: a template metric (table, rows, column) or a pre-2019 indicator."""

    id: str  # e.g. "refused", "review.corrected", "t2.fees.amount", "pre2019.requests_letter"
    table: str  # 二 | 三 | 四 | 统计表
    label_zh: str
    label_en: str
    column: str | None = None  # applicant column of table 三 (natural_person … / orgs)
    column_label: str = ""
    unit: str = "件"
    span: tuple[int, int] | None = None

    def label(self, lang: str) -> str:
        base = self.label_en if lang == "en" else self.label_zh
        return base + (f"·{self.column_label}" if self.column_label else "")


@dataclass
class QueryPlan:
    question: str
    q: str  # normalised question (Simplified, half-width, Arabic years)
    lang: str  # zh | en
    op: Op
    subjects: list[Subject] = field(default_factory=list)
    years: Years = field(default_factory=Years)
    measures: list[Measure] = field(default_factory=list)
    denominator: Measure | None = None  # RATIO
    rate_name: str = ""  # 予以公开率 …
    direction: str | None = None  # "up" | "down" when the question asks 增加/减少
    top_n: int | None = None
    unconsumed: list[str] = field(default_factory=list)  # content words the parser could not place
    inherited: list[str] = field(default_factory=list)  # parts taken from the previous question
    notes: list[str] = field(default_factory=list)
    column: str | None = None  # applicant column of table 三 named in the question (natural_person … / orgs)
    column_label: str = ""
    unit_hint: str | None = None  # 篇 / 次 … for prose numbers
    prose_terms: list[str] = field(default_factory=list)  # the words a prose answer must stand with

    @property
    def understood(self) -> bool:
        return not self.unconsumed

    def describe(self, lang: str | None = None) -> str:
        """One line for "理解为 / Understood as"."""
        lang = lang or self.lang
        zh = lang == "zh"
        parts = []
        if self.subjects:
            parts.append(("机关:" if zh else "agency: ") + ("、" if zh else "; ").join(s.describe(lang) for s in self.subjects))
        parts.append(("年份:" if zh else "years: ") + self.years.describe(lang))
        if self.measures:
            parts.append(("指标:" if zh else "figure: ") + ("、" if zh else "; ").join(m.label(lang) for m in self.measures))
        if self.denominator is not None:
            parts.append(("分母:" if zh else "denominator: ") + self.denominator.label(lang))
        parts.append(("运算:" if zh else "operation: ") + _OP_LABEL[self.op][0 if zh else 1])
        if self.inherited:
            parts.append(("沿用上一问:" if zh else "carried over: ") + ("、" if zh else ", ").join(self.inherited))
        if self.op == Op.PROSE and self.prose_terms:
            parts.append(("检索词:" if zh else "searched for: ") + ("、" if zh else ", ").join(f"“{u}”" for u in self.prose_terms))
        elif self.unconsumed:
            parts.append(("未能理解:" if zh else "not understood: ") + ("、" if zh else ", ").join(f"“{u}”" for u in self.unconsumed))
        return ("；" if zh else "; ").join(parts)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["op"] = self.op.value
        d["years"]["mode"] = self.years.mode.value
        d["describe"] = self.describe()
        return d


_OP_LABEL = {
    Op.VALUE: ("取值", "value"), Op.SUM: ("合计", "sum"), Op.DIFF: ("差额", "difference"),
    Op.RATIO: ("比率(%)", "rate (%)"), Op.MAX: ("最大值", "maximum"), Op.MIN: ("最小值", "minimum"),
    Op.RANK: ("排名", "ranking"), Op.SERIES: ("逐年", "by year"), Op.COUNT: ("报告计数", "count of reports"),
    Op.LIST: ("列出报告", "list of reports"), Op.FINDINGS: ("数据核验", "consistency findings"),
    Op.METADATA: ("报告信息", "report details"), Op.PROSE: ("正文检索", "text search"),
}
