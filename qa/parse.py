"""Question → :class:`~qa.plan.QueryPlan`, driven by vocabularies, consuming the question as it goes.

Each recogniser (agencies, years, groups, rates, figures, applicant columns, operations, filler)
claims the characters it understood; claimed characters are blanked out (``\\n``) so that later
patterns cannot reach across them. Whatever content is left over is recorded in
``plan.unconsumed`` — and a plan with unconsumed content never yields a number (see
:mod:`qa.execute`). Pure functions of the question, the agency index and the previous plan.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import cn2an

from ingest import templates as T
from ingest.normalize import normalize_piece

from . import vocab as V
from .agencies import AgencyIndex
from .plan import Measure, Op, QueryPlan, Subject, YearMode, Years

_WORDS_FILE = Path(__file__).with_name("data") / "question_words.toml"
ANY_UNIT = "*"
_BLANK = "\n"


@dataclass(frozen=True)
class Rate:
    name: str
    en: str
    pattern: re.Pattern[str]
    numerator: tuple[str, ...]
    denominator: str


@dataclass(frozen=True)
class Words:
    ops: dict[str, re.Pattern[str]]
    rates: tuple[Rate, ...]
    share: re.Pattern[str]
    share_of: re.Pattern[str]
    group: re.Pattern[str]
    group_all: frozenset[str]
    group_en: re.Pattern[str]
    group_en_kinds: dict[str, str]
    filler_zh: tuple[str, ...]
    filler_en: frozenset[str]
    glossary: tuple[tuple[re.Pattern[str], str], ...]


@lru_cache(maxsize=1)
def words() -> Words:
    d = tomllib.loads(_WORDS_FILE.read_text("utf-8"))
    ops = {k: re.compile("|".join(f"(?:{p})" for p in v), re.I) for k, v in d["ops"].items()}
    rates = tuple(Rate(r["name"], r["en"], re.compile(r["pattern"], re.I), tuple(r["numerator"]), r["denominator"])
                  for r in d["rates"])
    filler = tuple(sorted(d["filler"]["zh"], key=len, reverse=True))
    return Words(ops, rates, re.compile(d["share"]["pattern"], re.I), re.compile(d["share"]["of_pattern"]),
                 re.compile(d["groups"]["pattern"]), frozenset(d["groups"]["all_kinds"]),
                 re.compile(d["groups"]["en"], re.I), dict(d["groups"]["en_kinds"]), filler,
                 frozenset(d["filler"]["en"]),
                 tuple((re.compile(rf"\b(?:{k})\b", re.I), v) for k, v in d["glossary"].items()))


# ------------------------------------------------------------------------------------ the text
_CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})(?=年)")


def normalise_question(question: str) -> str:
    q = normalize_piece(question, traditional=True)  # a question may mix scripts; t2s leaves Simplified as it is
    return _CN_YEAR.sub(lambda m: cn2an.transform(m.group(1) + "年", "cn2an")[:-1], q)


def detect_language(q: str, agency_spans: list[tuple[int, int]]) -> str:
    """Chinese when any Chinese character stands outside the agency names; else English."""
    inside = set()
    for a, b in agency_spans:
        inside.update(range(a, b))
    outside = "".join(ch if i not in inside else " " for i, ch in enumerate(q))
    runs = re.findall(r"[\u4e00-\u9fff]+", outside)
    latin = len(re.findall(r"[A-Za-z]{2,}", q))
    # English words around at most one short Chinese name nobody matched ("How many … 沭阳县 receive …")
    return "en" if latin >= 3 and (not runs or (len(runs) == 1 and len(runs[0]) <= 8)) or (not runs and latin >= 2) \
        else "zh"


class _Text:
    """The question with a mask of what has been understood."""

    def __init__(self, q: str):
        self.q = q
        self.chars = list(q)

    @property
    def open(self) -> str:
        return "".join(self.chars)

    def take(self, a: int, b: int) -> None:
        """Claim q[a:b] — a Latin word is claimed whole ("disclos" claims "disclosed")."""
        def word(ch: str) -> bool:
            return ch.isascii() and (ch.isalpha() or ch == "-")

        while 0 < a < b and word(self.q[a]) and word(self.q[a - 1]):
            a -= 1
        while 0 < b < len(self.q) and word(self.q[b - 1]) and word(self.q[b]):
            b += 1
        for i in range(a, b):
            self.chars[i] = _BLANK

    def take_match(self, m: re.Match, absorb: re.Pattern[str] | None = None) -> None:
        """Claim a match except its ``gap…`` groups: words a pattern only reaches across stay open,
        unless they are ``absorb`` words (the figure's own family: "复议后起诉的行政诉讼结果维持")."""
        gaps = sorted(m.span(g) for g, v in m.groupdict().items() if g.startswith("gap") and v)
        pos = m.start()
        for a, b in gaps:
            self.take(pos, a)
            if absorb is not None:
                for w in absorb.finditer(self.q, a, b):
                    self.take(w.start(), w.end())
            pos = b
        self.take(pos, m.end())

    def taken(self, a: int, b: int) -> bool:
        return any(c == _BLANK for c in self.chars[a:b])

    def finditer(self, pat: re.Pattern[str]):
        return [m for m in pat.finditer(self.open) if m.end() > m.start()]


# ------------------------------------------------------------------------------------ years
_RANGE = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:-|–|—|~|～|至|到)\s*((?:19|20)\d{2})\s*年?(?:度)?")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)\s*(?:年度|年)?")
# "23年", "23、24两年", "23和24年": two-digit years of this century, only where 年 follows the list
_SHORT_YEARS = re.compile(r"(?<![\d.])([0-3]\d)(?:\s*年)?((?:\s*(?:、|,|，|和|与|及|至|到|-|–|~)\s*[0-3]\d(?:\s*年)?)*)(?=\s*(?:两|三|四)?年|年)")
_RECENT = re.compile(r"(?:近|最近|过去|前|这|那)([0-9一二两三四五六七八九十]{1,2})(?:个)?年(?:度)?|"
                     r"(?<![\d一二三四五六七八九十])(两|三|四|五)年(?!度?报告|报)|"
                     r"(?:last|past) ([0-9]+|two|three|four|five) years", re.I)
_ALL_YEARS = re.compile(r"历年(?:来)?|各年度?|所有年份|每一?年|逐年|all (?:the )?years|every year|over the years|each year", re.I)
_PREV_YEAR = re.compile(r"(?:去年|上一年度?|上年度?|前一年|last year|previous year|the year before)(?!结转)", re.I)
_EN_NUM = {"two": 2, "three": 3, "four": 4, "five": 5}


def _num(s: str) -> int:
    if s.isdigit():
        return int(s)
    if s.lower() in _EN_NUM:
        return _EN_NUM[s.lower()]
    return int(cn2an.cn2an(s.replace("两", "二"), "smart"))


def _years(t: _Text) -> Years:
    ys: list[int] = []
    texts = []
    mode = YearMode.LATEST
    n = None
    for m in t.finditer(_RANGE):
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        ys += list(range(a, b + 1))
        mode = YearMode.RANGE
        texts.append(m.group(0))
        t.take(m.start(), m.end())
    for m in t.finditer(_YEAR):
        ys.append(int(m.group(1)))
        texts.append(m.group(0))
        t.take(m.start(), m.end())
        if mode == YearMode.LATEST:
            mode = YearMode.GIVEN
    for m in t.finditer(_SHORT_YEARS):
        short = [int(x) for x in re.findall(r"[0-3]\d", m.group(0))]
        if re.search(r"至|到|-|–|~", m.group(0)) and len(short) == 2:
            short = list(range(short[0], short[1] + 1))
            mode = YearMode.RANGE
        elif mode == YearMode.LATEST:
            mode = YearMode.GIVEN
        ys += [2000 + y for y in short]
        texts.append(m.group(0))
        t.take(m.start(), m.end())
    for m in t.finditer(_RECENT):
        t.take(m.start(), m.end())
        texts.append(m.group(0))
        if ys:  # "2019到2021三年": the years are named; the count only restates them
            continue
        n = _num(m.group(1) or m.group(2) or m.group(3))
        mode = YearMode.RECENT
    if mode == YearMode.LATEST:
        for m in t.finditer(_ALL_YEARS):
            mode = YearMode.ALL
            texts.append(m.group(0))
            t.take(m.start(), m.end())
    return Years(mode, sorted(set(ys)), n, " ".join(texts))


# ------------------------------------------------------------------------------------ figures
def _t3_measure(m: V.Metric, span: tuple[int, int] | None = None) -> Measure:
    return Measure(m.id, m.table, m.label_zh, m.label_en, unit=m.unit, span=span)


def measure_by_id(mid: str) -> Measure:
    """A measure from its id (metric id of :mod:`qa.vocab`, ``t2.<row>.<col>`` or ``pre2019.<id>``)."""
    if mid.startswith("t2."):
        _, row, col = (mid.split(".") + [""])[:3]
        t2 = next(t for t in V.T2_METRICS if t.id == row)
        return Measure(mid, "二", t2.label_zh + (f"·{_t2_col_label(col)}" if col else ""), t2.label_en, unit=t2.unit)
    if mid.startswith("pre2019."):
        ind = next(i for i in T.PRE2019_INDICATORS if i.id == mid.split(".", 1)[1])
        return Measure(mid, "统计表", ind.label.replace("其中:", ""), ind.id.replace("_", " "), unit="")
    m = V.METRICS_BY_ID[mid]
    return _t3_measure(m)


_T2_COL_LABEL = {"projects": "采购项目数量", "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数", "made": "本年新制作数量",
                 "published": "本年新公开数量", "total_public": "对外公开总数量", "decisions": "处理决定数量",
                 "last_year_items": "上一年项目数量", "change": "本年增/减", "amount": "金额"}


def _t2_col_label(col: str) -> str:
    return _T2_COL_LABEL.get(col, col)


def _figures(t: _Text, lang: str) -> list[Measure]:
    """Every figure named, in question order (table 四 before 二 before 三; specific before general)."""
    found: list[Measure] = []
    flags = re.I if lang == "en" else 0
    for m in (*V.T4_METRICS, *V.LITIGATION_ANY):
        for p in (*m.zh, *(m.en if lang == "en" else ())):
            for hit in t.finditer(re.compile(p, flags)):
                found.append(_t3_measure(m, (hit.start(), hit.end())))
                t.take_match(hit, _T4_FAMILY)
    if any(m.table == "四" for m in found):  # the same group said again in other words is not a second figure
        for hit in t.finditer(_T4_RESTATED):
            t.take(hit.start(), hit.end())
    for pat, mid in ((r"复议后(?:提起)?(?:行政)?(?:诉讼|起诉)", "litigation_after_review.total"),
                     (r"未经复议(?:直接)?(?:提起)?(?:行政)?(?:诉讼|起诉)|直接(?:提起)?(?:行政)?(?:诉讼|起诉)", "litigation_direct.total"),
                     (r"(?:行政)?复议|(?:administrative )?(?:reviews?|reconsiderations?)|appeals?", "review.total"),
                     (r"行政诉讼|诉讼|lawsuits?|litigation|sued", "litigation.total")):
        for hit in t.finditer(re.compile(pat, re.I)):
            found.append(_t3_measure(V.METRICS_BY_ID[mid], (hit.start(), hit.end())))
            t.take(hit.start(), hit.end())
    for t2 in V.T2_METRICS:
        for hit in t.finditer(re.compile(t2.zh + (f"|{t2.en}" if lang == "en" else ""), re.I)):
            col = None
            t.take(hit.start(), hit.end())
            near = t.open[hit.end(): hit.end() + 10]  # a column is named right after its row ("行政许可处理决定数量")
            for cid, pat in t2.columns.items():
                cm = re.search(pat, near)
                if cm:
                    col = cid
                    t.take(hit.end() + cm.start(), hit.end() + cm.end())
                    break
            if col is None and lang == "en":
                col = _t2_column_en(t.q, t2)
            mid = f"t2.{t2.id}" + (f".{col}" if col else "")
            found.append(Measure(mid, "二", t2.label_zh + (f"·{_t2_col_label(col)}" if col else ""),
                                 t2.label_en + (f" ({col.replace('_', ' ')})" if col else ""), unit=t2.unit,
                                 span=(hit.start(), hit.end())))
    for m in V.T3_METRICS:
        for p in (*m.zh, *(m.en if lang == "en" else ())):
            for hit in t.finditer(re.compile(p, flags)):
                found.append(_t3_measure(m, (hit.start(), hit.end())))
                t.take_match(hit)
    for ind in V.PRE2019_ONLY:
        for hit in t.finditer(ind.pattern):
            found.append(Measure(f"pre2019.{ind.id}", "统计表", ind.label_zh, ind.label_en, unit=ind.unit,
                                 span=(hit.start(), hit.end())))
            t.take(hit.start(), hit.end())
    # "requests by letter … receive": a channel of the requests received, not a second figure
    if any(m.id.startswith("pre2019.requests_") for m in found):
        found = [m for m in found if m.id != "new"]
    # one figure named twice counts once
    found = list({m.id: m for m in sorted(found, key=lambda m: m.span or (0, 0), reverse=True)}.values())
    # a sub-row and its group both named ("因属于国家秘密不予公开"): the group only qualifies the sub-row
    named = {m.id for m in found}
    found = [m for m in found if not any(other.startswith(m.id + ".") for other in named if other != m.id)
             or m.table != "三"]
    found.sort(key=lambda m: m.span or (0, 0))
    return found


_T4_FAMILY = re.compile(r"行政诉讼|诉讼|行政复议|复议|结果|案件|的|lawsuits?|litigation|cases?|filed|were|was|against|"
                        r"administrative|reviews?|reconsiderations?", re.I)
_T4_RESTATED = re.compile(r"without (?:prior |an? )?(?:administrative )?review|after (?:an? )?(?:administrative )?review|"
                          r"未经复议|经复议", re.I)


def _t2_column_en(q: str, t2: V.T2Metric) -> str | None:
    pats = {"issued": r"issued|adopted|new", "repealed": r"repeal|abolish", "in_force": r"in force|valid|current",
            "decisions": r"decision|how many", "amount": r"amount|how much|fees?"}
    for cid, pat in pats.items():
        if cid in t2.columns and re.search(pat, q, re.I):
            return cid
    return None


def _columns(t: _Text, lang: str) -> list[tuple[str, str, tuple[int, int]]]:
    out = []
    for cid, zh, en in V.COLUMNS:
        for hit in t.finditer(re.compile(zh + (f"|{en}" if lang == "en" else ""), re.I)):
            out.append((cid, hit.group(0), (hit.start(), hit.end())))
            t.take(hit.start(), hit.end())
    return sorted(out, key=lambda c: c[2])


_KIND_WORD = re.compile(r"街道办事处|街道办|街道|乡镇|镇人民政府|镇政府|片区管理局|片区|乡人民政府|"
                        r"street offices?|towns(?:hips)?|bureaus?", re.I)
_KIND_OF = {"街道办事处": "街道", "街道办": "街道", "乡镇": "镇", "镇人民政府": "镇", "镇政府": "镇", "片区管理局": "片区",
            "乡人民政府": "乡", "street office": "街道", "street offices": "街道", "town": "镇", "towns": "镇",
            "township": "镇", "townships": "镇", "bureau": "局", "bureaus": "局"}


_PLACE_END = "市区县省镇乡州"
_QUOTED = re.compile(r"[“\"「『《][^”\"」』》]{1,24}[”\"」』》]")


def _incomplete(q: str, m):
    """"市科委" / "区财政局": a place ending with no place name before it says *some* city's 科委 —
    not which one. The mention is kept with no agency (never the one short name that happens to fit)."""
    from .agencies import AgencyMatch

    if m.how in ("short", "abbreviation") and m.start > 0 and q[m.start - 1] in _PLACE_END and (
            m.start < 2 or not ("\u4e00" <= q[m.start - 2] <= "\u9fff")):
        return AgencyMatch(m.start - 1, m.end, q[m.start - 1:m.end], (), "incomplete")
    return m


def _join_adjacent(matches: list) -> list:
    """Mentions written back to back are one name: "泰安市" + "发改局" is 泰安市's 发改局, which must
    exist — the agencies both parts fit, else none (never two agencies, never the wrong one)."""
    from .agencies import AgencyMatch

    out: list = []
    for m in matches:
        if out and out[-1].end == m.start:
            prev = out.pop()
            both = tuple(a for a in m.agencies if a in prev.agencies)
            out.append(AgencyMatch(prev.start, m.end, prev.text + m.text, both, "joined"))
        else:
            out.append(m)
    return out


# ------------------------------------------------------------------------------------ the parser
def parse(question: str, agencies: AgencyIndex, prev: QueryPlan | None = None) -> QueryPlan:
    W = words()
    q = normalise_question(question)
    if re.search(r"[A-Za-z]{3,}", q):
        q = agencies.english_names(q)  # "the Pingtan public security bureau" → 平潭公安局
    t = _Text(q)
    # agencies first: their names may hold words that look like figures
    unquoted = _QUOTED.sub(lambda m: _BLANK * len(m.group(0)), q)  # “平潭发布” names an account, not an agency
    matches = _join_adjacent(agencies.find(unquoted))
    matches = [_incomplete(q, m) for m in matches]
    for m in matches:
        t.take(m.start, m.end)
    lang = detect_language(q, [(m.start, m.end) for m in matches])
    plan = QueryPlan(question, q, lang, Op.VALUE)
    plan.subjects = []
    for m in matches:  # "平潭2024年平潭大家谈…": the same name twice is one subject
        if not any(s.mention == m.text and s.agencies == list(m.agencies) for s in plan.subjects):
            plan.subjects.append(Subject(m.text, list(m.agencies), m.how, region=list(m.region)))
    for m in matches:
        if m.how in ("short", "abbreviation", "place") and m.resolved and m.text != m.resolved:
            plan.notes.append(f"“{m.text}”理解为{m.resolved}" if lang == "zh" else f"“{m.text}” taken as {m.resolved}")

    plan.years = _years(t)
    # groups: 所有街道办事处 / 各镇 / all agencies
    for g in t.finditer(W.group):
        kind = g.group("kind").replace("办事处", "").replace("人民政府", "").replace("政府", "") or None
        if kind in W.group_all or kind is None:
            plan.subjects.append(Subject(g.group(0), [], "group", group_all=True))
        else:
            plan.subjects.append(Subject(g.group(0), [], "group", group_kind=kind))
        t.take(g.start(), g.end())
    if lang == "en":
        for g in t.finditer(W.group_en):
            kind = W.group_en_kinds.get((g.group("kind") or g.group("kind2") or "").lower(), "")
            plan.subjects.append(Subject(g.group(0), [], "group", group_kind=kind or None, group_all=not kind))
            t.take(g.start(), g.end())

    # operations that own words the figures would otherwise take
    for name in ("findings", "metadata", "count", "list"):
        for hit in t.finditer(W.ops[name]):
            if plan.op == Op.VALUE:  # the first named wins: "哪些报告勾稽关系不成立" is about findings
                plan.op = {"findings": Op.FINDINGS, "metadata": Op.METADATA, "count": Op.COUNT, "list": Op.LIST}[name]
            t.take_match(hit)
    if plan.op in (Op.COUNT, Op.LIST) and not any(not s.is_group for s in plan.subjects):
        # "街道办事处的年报有几份" / "How many street office reports": a kind of agency
        for g in t.finditer(_KIND_WORD):
            kind = _KIND_OF.get(g.group(0).lower(), g.group(0))
            if not any(s.group_kind == kind for s in plan.subjects):
                plan.subjects.append(Subject(g.group(0), [], "group", group_kind=kind))
            t.take(g.start(), g.end())

    # applicant columns first: figure patterns must not reach across them ("收到自然人的申请")
    cols = _columns(t, lang)
    # rates and shares before the figures they are made of
    rate = None
    for r in W.rates:
        hit = next(iter(t.finditer(r.pattern)), None)
        if hit:
            rate = r
            t.take(hit.start(), hit.end())
            break
    share = None
    if rate is None:
        of = next(iter(t.finditer(W.share_of)), None)
        if of is not None:
            denom = _figures(_Text(of.group("what")), lang)
            if len(denom) == 1:  # "占办理总数的百分之几": the denominator is named
                plan.denominator = denom[0]
                t.take(of.start(), of.end())
        share = next(iter(t.finditer(W.share)), None)
        if share is not None:
            t.take(share.start(), share.end())
    plan.measures = _figures(t, lang)

    # a column alone ("商业企业申请多少件") asks for new requests from that applicant
    if cols and not plan.measures and not prev and re.search(r"申请|requests?|applications?", q, re.I):
        plan.measures = [measure_by_id("new")]
    if cols:
        cid, word, _ = cols[0]
        label = next((c.label.split("/")[-1] for c in T.T3_COLUMNS if c.id == cid), "法人或其他组织(5列合计)")
        if cid == "orgs":
            label = "法人或其他组织(5列合计)"
        plan.column, plan.column_label = cid, label
        if len(cols) > 1 and len({c[0] for c in cols}) > 1:
            plan.notes.append("问题中有多个申请人类别,只按第一个作答" if lang == "zh" else
                              "several applicant columns named; the first is used")

    # relative years: 比去年 / 较上年
    prev_year_hit = next(iter(t.finditer(_PREV_YEAR)), None)
    if prev_year_hit is not None and re.match(r"\s*[(（]\s*(?:19|20)\d\d", q[prev_year_hit.end():]):
        t.take(prev_year_hit.start(), prev_year_hit.end())  # "去年(2024)": the year is given; 去年 only glosses it
        prev_year_hit = None
    if prev_year_hit is not None:
        t.take(prev_year_hit.start(), prev_year_hit.end())
        if len(plan.years.years) == 1:
            y = plan.years.years[0]
            plan.years = Years(YearMode.GIVEN, [y - 1, y], text=plan.years.text + " " + prev_year_hit.group(0))
            if plan.op == Op.VALUE:
                plan.op = Op.DIFF
        elif not plan.years.years:
            plan.years = Years(YearMode.RECENT, [], 2, prev_year_hit.group(0))
            if plan.op == Op.VALUE:
                plan.op = Op.DIFF

    # the remaining operation words
    if plan.op == Op.VALUE:
        for name, op in (("max", Op.MAX), ("min", Op.MIN), ("rank", Op.RANK)):
            hit = next(iter(t.finditer(W.ops[name])), None)
            if hit:
                plan.op = op
                if op == Op.RANK and hit.lastindex:
                    g = next((x for x in hit.groups() if x), None)
                    plan.top_n = _num(g) if g else None
                t.take(hit.start(), hit.end())
                break
    up = next(iter(t.finditer(W.ops["up"])), None)
    down = next(iter(t.finditer(W.ops["down"])), None)
    if up or down:
        plan.direction = "up" if up and (not down or up.start() < down.start()) else "down"
    diff_hit = [h for h in t.finditer(W.ops["diff"])]
    sum_hit = [h for h in t.finditer(W.ops["sum"])]
    series_hit = [h for h in t.finditer(W.ops["series"])]
    for h in diff_hit + sum_hit + series_hit:
        t.take(h.start(), h.end())
    if plan.op == Op.VALUE:
        if rate is not None or share is not None or plan.denominator is not None:
            plan.op = Op.RATIO
        elif diff_hit or plan.direction:
            plan.op = Op.DIFF
        elif sum_hit:
            plan.op = Op.SUM
        elif series_hit:
            plan.op = Op.SERIES
    if rate is not None:
        # other outcome figures named beside the rate join its numerator; its whole (行政复议 for 纠错率,
        # 办理结果总计 for 公开率) only says what the rate is of
        wholes = {rate.denominator, "total", "new", "carried_over", "carried_forward"}
        named = [m for m in plan.measures if m.id not in rate.numerator and m.id not in wholes
                 and not m.id.endswith(".total")]
        plan.measures = [measure_by_id(x) for x in rate.numerator] + named
        plan.denominator = measure_by_id(rate.denominator)
        if named:  # "予以公开加部分公开的比例": the figures named, over the rate's denominator
            plan.rate_name = ""
            if any(m.table != plan.denominator.table for m in named):
                plan.unconsumed.append("、".join(m.label_zh for m in named))  # parts of different tables
        else:
            plan.rate_name = rate.name if lang == "zh" else rate.en

    # fuzzy agency names (one character wrong) in what is left
    if not [s for s in plan.subjects if not s.is_group]:
        for m in agencies.find_fuzzy(t.open.replace(_BLANK, "\u0000")):
            plan.subjects.append(Subject(m.text, list(m.agencies), "fuzzy"))
            t.take(m.start, m.end)
            if m.resolved:
                plan.notes.append(f"“{m.text}”与{m.resolved}相差一个字,按此作答" if lang == "zh" else
                                  f"“{m.text}” differs by one character from {m.resolved}; answered for it")

    unit = re.search(r"(?:多少|几)(篇|个|条|次|件|人次|人|场|期|项|万元|元|家|部|份|名|天|场次|批|条次|期次)", t.open)
    plan.unit_hint = unit.group(1) if unit else None
    if unit:
        t.take(unit.start(), unit.end())
    elif re.search(r"多少|几|how many|how much|number of", q, re.I):
        plan.unit_hint = ANY_UNIT  # "发了多少视频": a count, its unit whatever the report writes
    if lang == "en" and not plan.measures:  # a text search asked in English: the report's own words
        for pat, zh in W.glossary:
            for hit in t.finditer(pat):
                if zh:
                    plan.prose_terms.append(zh)
                t.take(hit.start(), hit.end())
    plan.unconsumed = _leftover(t, lang)
    if any(s.resolved and agencies.is_government(s.resolved) for s in plan.subjects):
        # "平潭综合实验区本级(管委会)": a government's own kind restated is no new content
        from .agencies import rules

        plan.unconsumed = [u for u in plan.unconsumed if u not in rules().government_suffixes]
    _inherit(plan, prev)
    if plan.column:
        plan.measures = [replace(m, column=plan.column, column_label=plan.column_label) if m.table == "三" else m
                         for m in plan.measures]
    _settle_op(plan)
    return plan


_QUOTE_CHARS = "“”\"'‘’《》「」『』()（）[]【】"


def _leftover(t: _Text, lang: str) -> list[str]:
    """Content words nobody claimed: runs of ≥2 Chinese characters, English words not in filler."""
    W = words()
    s = t.open
    for f in W.filler_zh:
        if len(f) > 1:
            s = s.replace(f, _BLANK * len(f))
    out = []
    for run in re.findall(r"[\u4e00-\u9fff]+", s):
        core = run
        singles = {f for f in W.filler_zh if len(f) == 1}
        while core and core[0] in singles:
            core = core[1:]
        while core and core[-1] in singles:
            core = core[:-1]
        if len(core) >= 2:
            out.append(core)
    out += re.findall(r"\d+(?:\.\d+)?", s)  # a number nobody understood is never ignored
    out += [c for c in re.findall(r"[两三四五六七八九十百千万]+", s) if c]  # nor one written in characters
    for w in re.findall(r"[A-Za-z][A-Za-z'-]*", s):
        lw = w.lower().strip("'")
        if lw not in W.filler_en and len(lw) > 1 and not lw.endswith("'s"):
            out.append(w)
    return out


def _inherit(plan: QueryPlan, prev: QueryPlan | None) -> None:
    """A follow-up ("那2023年呢？", "其中自然人多少？", "和洪泽区比呢？") takes what it lacks from ``prev``."""
    if prev is None:
        return
    zh = plan.lang == "zh"
    if prev.lang != plan.lang and not re.search(r"[A-Za-z]{3,}", plan.q):
        plan.lang = prev.lang
        zh = plan.lang == "zh"
    agencies_named = [s for s in plan.subjects if not s.is_group]
    if plan.op == Op.VALUE and not plan.measures and not plan.unconsumed and not plan.column \
            and prev.op in (Op.COUNT, Op.LIST, Op.FINDINGS, Op.METADATA):
        plan.op = prev.op  # "2023年呢？" after "2024年有几份年报？"
        plan.inherited.append("问法" if zh else "question")
    if not plan.measures and not plan.unconsumed and prev.measures and plan.op not in (Op.FINDINGS, Op.METADATA, Op.COUNT, Op.LIST):
        plan.measures = list(prev.measures)
        plan.denominator = plan.denominator or prev.denominator
        plan.rate_name = plan.rate_name or prev.rate_name
        plan.inherited.append("指标" if zh else "figure")
        if plan.op == Op.VALUE and prev.op in (Op.RATIO, Op.MAX, Op.MIN, Op.RANK, Op.SERIES, Op.SUM):
            plan.op = prev.op
    elif plan.measures and prev.measures and all(m.id == "new" for m in plan.measures) and plan.column \
            and re.search(r"其中|of (?:which|them|these)", plan.q):
        # "其中自然人申请多少？" — the column applies to the previous figure
        plan.measures = list(prev.measures)
        plan.inherited.append("指标" if zh else "figure")
    if not plan.measures and prev.measures and prev.measures[0].table == "四":
        for rid, pat in V.T4_RESULT_WORDS:
            hit = next((u for u in plan.unconsumed if re.search(pat, u)), None)
            if hit:
                group = prev.measures[0].id.split(".")[0]
                mid = f"{group}.{rid}"
                if mid in V.METRICS_BY_ID:
                    plan.measures = [measure_by_id(mid)]
                    plan.unconsumed = [u for u in plan.unconsumed if u != hit]
                    plan.inherited.append("复议/诉讼类别" if zh else "review/lawsuit group")
                    if plan.op == Op.PROSE:
                        plan.op = Op.VALUE
                        plan.prose_terms = []
                break
    if not plan.subjects and prev.subjects:
        plan.subjects = [replace(s, how=s.how) for s in prev.subjects]
        plan.inherited.append("机关" if zh else "agency")
    elif len(agencies_named) == 1 and len([s for s in prev.subjects if not s.is_group]) == 1 and (
            plan.op == Op.DIFF or re.search(r"(?:和|跟|与|同)\S{0,20}(?:比|相比|对比)|compared? (?:to|with)|versus|\bvs\b", plan.q)):
        # "和淮安市比呢？" / "淮安市多几件？": the agency named against the one before
        plan.subjects = [s for s in prev.subjects if not s.is_group] + agencies_named
        plan.inherited.append("机关" if zh else "agency")
        plan.op = Op.DIFF
    if not plan.measures and not plan.unit_hint and prev.op == Op.PROSE and prev.unit_hint:
        plan.unit_hint = ANY_UNIT  # "视频号呢？" after "公众号发文多少篇？": a count, in whatever unit the report uses
    if plan.years.mode == YearMode.LATEST and prev.years.mode != YearMode.LATEST:
        plan.years = prev.years
        plan.inherited.append("年份" if zh else "years")


def _settle_op(plan: QueryPlan) -> None:
    """What the parts imply when no operation word said it."""
    agencies_named = [s for s in plan.subjects if not s.is_group]
    if plan.op == Op.DIFF and len(plan.years.years) == 1 and len(agencies_named) <= 1 and len(plan.measures) == 1:
        y = plan.years.years[0]  # "2024年新收同比变化" / "比23年": one year named → against the year before
        plan.years = Years(YearMode.GIVEN, [y - 1, y], text=plan.years.text)
        plan.notes.append(f"与上一年({y - 1}年)比较" if plan.lang == "zh" else f"compared with the year before ({y - 1})")
    agencies_named = [s for s in plan.subjects if not s.is_group]
    group = any(s.is_group for s in plan.subjects)
    if plan.op in (Op.FINDINGS, Op.METADATA, Op.COUNT, Op.LIST):
        return
    if plan.unconsumed and plan.measures and all(m.table == "统计表" for m in plan.measures) and plan.op == Op.VALUE:
        # "组织开展政务公开培训几次": a statistics-table word inside a sentence about the text
        plan.prose_terms = plan.unconsumed + [re.sub(r"(?:了)?(?:多少|几)[次个件条人名场期]?$", "", plan.q[m.span[0]:m.span[1]])
                                              for m in plan.measures if m.span]
        plan.measures = []
    if not plan.measures and plan.op in (Op.VALUE, Op.SUM, Op.DIFF, Op.SERIES):
        plan.op = Op.PROSE
        plan.prose_terms = list(dict.fromkeys(plan.prose_terms + plan.unconsumed))
        return
    if plan.op == Op.VALUE:
        many_years = len(plan.years.years) > 1 or plan.years.mode in (YearMode.ALL, YearMode.RECENT, YearMode.RANGE)
        if many_years or len(agencies_named) > 1:
            plan.op = Op.SERIES
        elif group:
            plan.op = Op.SUM
        elif len(plan.measures) > 1:
            plan.op = Op.SERIES


def _debug(question: str, names: list[str]) -> dict:  # pragma: no cover - a REPL helper
    return parse(question, AgencyIndex({n: [] for n in names})).to_dict()
