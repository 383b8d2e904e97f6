"""Understand a question: language, agency, year(s), metric, applicant column, and its kind.

Pure functions over the question text and the list of known agencies; no store access.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.normalize import normalize_piece, looks_traditional

from . import vocab as V
from .agencies import AgencyIndex, Resolution

QuestionKind = str  # "cell" | "aggregate" | "compare" | "findings" | "metadata" | "prose"

_FINDINGS = re.compile(r"勾稽|不一致|对不上|不成立|矛盾|自相|数据质量|校验|核对|arithmetic|inconsisten|"
                       r"(?:do(?:es)?n'?t|do(?:es)? not) add up|contradict|validation|data quality", re.I)
_SUPERLATIVE_MAX = re.compile(r"最多|最高|最大|排名第一|which .{0,40}(?:most|highest|largest)|\bmost\b|highest|largest", re.I)
_SUPERLATIVE_MIN = re.compile(r"最少|最低|最小|fewest|least|lowest|smallest", re.I)
_WHICH = re.compile(r"哪个|哪一?家|哪些|哪一个|\bwhich\b|\bwho\b", re.I)
_SUM_ALL = re.compile(r"合计|总共|一共|加起来|所有|全部|各.{0,6}合计|\ball\b|combined|altogether|in total", re.I)
_COMPARE = re.compile(r"增加|减少|变化|相比|比较|增长|下降|变动|差|多了|少了|change|increase|decrease|compared?|differ|grow|drop", re.I)
_METADATA = re.compile(r"发布日期|何时发布|什么时候发布|哪天发布|发布时间|成文日期|published|publication date|"
                       r"统计期限|模板|template|哪些报告|有哪些机关|哪些机关有|which reports|what reports", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_LAST_YEAR = re.compile(r"去年|上一年|上年度|last year|previous year", re.I)
UNIT_HINT = re.compile(r"(?:多少|几)(篇|个|条|次|件|人次|人|场|期|项|万元|元|家|部|份|名|天|场次|批)")
_EN = re.compile(r"[A-Za-z]{3,}")


@dataclass
class Query:
    question: str
    q: str  # normalised (Simplified, half-width)
    lang: str
    years: list[int]
    agency: Resolution
    kind: QuestionKind
    metric: V.Metric | None = None
    t2: V.T2Metric | None = None
    t2_column: str | None = None
    column: str | None = None  # applicant column of table 三
    superlative: str | None = None  # "max" | "min"
    sum_all: bool = False
    unit_hint: str | None = None
    agency_filter: str | None = None  # "街道" in "所有街道办事处合计"
    notes: list[str] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return self.years[-1] if self.years else None

    def describe(self) -> dict:
        return {
            "kind": self.kind, "language": self.lang, "agency": self.agency.agency,
            "agency_matched": self.agency.matched, "agency_candidates": self.agency.candidates,
            "years": self.years,
            "metric": self.metric.id if self.metric else (f"表二.{self.t2.id}.{self.t2_column}" if self.t2 else None),
            "column": self.column, "superlative": self.superlative, "sum_all": self.sum_all,
        }


_CN_DIGITS = {"〇": "0", "零": "0", "○": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
              "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})(?=年)")


def normalise_question(question: str) -> str:
    q = normalize_piece(question, traditional=looks_traditional(question) or _has_trad(question))
    # 二〇二四年 → 2024年
    return _CN_YEAR.sub(lambda m: "".join(_CN_DIGITS[c] for c in m.group(1)), q)


def _has_trad(s: str) -> bool:
    return any(ch in s for ch in "機關門區縣鎮國報數據與開發審處臺灣")


def detect_language(question: str) -> str:
    cjk = sum(1 for ch in question if "\u4e00" <= ch <= "\u9fff")
    latin_words = len(_EN.findall(question))
    return "en" if latin_words >= 3 and latin_words * 2 > cjk / 2 else "zh"


def find_metric(q: str, lang: str) -> tuple[V.Metric | None, V.T2Metric | None, str | None]:
    flags = re.I
    for m in (*V.T4_METRICS, *V.LITIGATION_ANY):
        if any(re.search(p, q) for p in m.zh) or (lang == "en" and any(re.search(p, q, flags) for p in m.en)):
            return m, None, None
    # 行政复议 / 行政诉讼 named without a result word → their total
    if re.search(r"复议|administrative review|reconsideration", q, flags):
        return next(m for m in V.T4_METRICS if m.id == "review.total"), None, None
    if re.search(r"行政诉讼|lawsuits?|litigation", q, flags):
        return next(m for m in V.LITIGATION_ANY if m.id == "litigation.total"), None, None
    for t in V.T2_METRICS:
        if re.search(t.zh, q) or (lang == "en" and re.search(t.en, q, flags)):
            col = next((cid for cid, pat in t.columns.items() if re.search(pat, q)), None)
            if col is None and lang == "en":
                col = _t2_column_en(q, t)
            return None, t, col
    for m in V.T3_METRICS:
        if any(re.search(p, q) for p in m.zh) or (lang == "en" and any(re.search(p, q, flags) for p in m.en)):
            return m, None, None
    return None, None, None


def _t2_column_en(q: str, t: V.T2Metric) -> str | None:
    pats = {"issued": r"issued|adopted|new", "repealed": r"repeal|abolish", "in_force": r"in force|valid|current",
            "decisions": r"decision|how many", "amount": r"amount|how much|fees?"}
    for cid, pat in pats.items():
        if cid in t.columns and re.search(pat, q, re.I):
            return cid
    return None


def route(question: str, agencies: AgencyIndex) -> Query:
    q = normalise_question(question)
    lang = detect_language(q)
    years = sorted({int(y) for y in _YEAR.findall(q)})
    res = agencies.resolve(q)
    metric, t2, t2col = find_metric(q, lang)
    if metric is None and t2 is None and V.find_column(q, lang) and re.search(r"申请|requests?|applications?", q, re.I):
        metric = next(m for m in V.T3_METRICS if m.id == "new")  # "商业企业申请多少件"
    column = V.find_column(q, lang) if metric is not None and metric.table == "三" else None
    unit = UNIT_HINT.search(q)
    query = Query(question, q, lang, years, res, "prose", metric, t2, t2col, column,
                  unit_hint=unit.group(1) if unit else None)
    if _LAST_YEAR.search(q) and len(years) == 1 and _COMPARE.search(q):
        query.years = [years[0] - 1, years[0]]
    has_metric = metric is not None or t2 is not None
    every = re.search(r"(?:所有|全部|各)(街道办事处|街道|镇|乡|区|县|市|局|委员会|办公厅|机关|单位|部门)", q)
    if every and res.agency is None:
        res.mention = None  # "所有街道办事处" names a kind of agency, not one
    if _FINDINGS.search(q):
        query.kind = "findings"
    elif has_metric and res.agency is None and res.mention is None and (
            _WHICH.search(q) or _SUPERLATIVE_MAX.search(q) or _SUPERLATIVE_MIN.search(q) or _SUM_ALL.search(q)):
        query.kind = "aggregate"
        query.superlative = "min" if _SUPERLATIVE_MIN.search(q) else ("max" if _SUPERLATIVE_MAX.search(q) else None)
        query.sum_all = query.superlative is None
        kind_word = every.group(1).replace("办事处", "") if every else None
        query.agency_filter = None if kind_word in (None, "机关", "单位", "部门") else kind_word
    elif has_metric and res.agency is None and res.mention is None:
        query.kind = "aggregate"  # a figure for every report of that year
    elif has_metric and len(query.years) >= 2 and _COMPARE.search(q):
        query.kind = "compare"
    elif _METADATA.search(q):
        query.kind = "metadata"
    elif has_metric:
        query.kind = "cell"
    return query
