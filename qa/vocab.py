"""What users call the template's figures, in Chinese and English — data, not code.

Each :class:`Metric` names the cells it reads (table, row ids, column id). A metric with several
rows is their sum (e.g. 不予公开 = its 8 sub-rows) and answers as a *derived* figure.
Order matters: more specific phrases come first, and table 四 comes before table 三 so that
"行政复议总计" is not read as table 三's (七)总计.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import templates as T

_REFUSED = tuple(r.id for r in T.T3_ROWS_2021 if r.group == "refused")
_UNABLE = tuple(r.id for r in T.T3_ROWS_2021 if r.group == "unable")
_NOT_PROCESSED = tuple(r.id for r in T.T3_ROWS_2021 if r.group == "not_processed")
_OTHER = tuple(r.id for r in T.T3_ROWS_2021 if r.group == "other")


@dataclass(frozen=True)
class Metric:
    id: str
    table: str  # "二" | "三" | "四"
    rows: tuple[str, ...]  # row ids summed (one → a plain cell)
    column: str | None  # fixed column id (tables 二/四); None → applicant column (table 三)
    zh: tuple[str, ...]  # regexes over the normalised question
    en: tuple[str, ...] = ()
    label_zh: str = ""
    label_en: str = ""
    unit: str = "件"
    alt_rows: tuple[str, ...] = ()  # 2019-template equivalent rows (single (六)其他处理)
    pre2019: tuple[str, ...] = ()  # pre-2019 indicator ids that answer the same question
    companions: tuple[str, ...] = field(default_factory=tuple)  # metrics shown beside it


def _t4(group: str, result: str, zh: tuple[str, ...], en: tuple[str, ...], label_zh: str, label_en: str) -> Metric:
    return Metric(f"{group}.{result}", "四", ("appeals",), f"{group}.{result}", zh, en, label_zh, label_en)


_RESULTS = (
    ("upheld", "结果维持|维持", "upheld|sustained|maintained", "结果维持", "upheld"),
    ("corrected", "结果纠正|纠正|纠错|撤销|确认违法", "corrected|overturned|reversed", "结果纠正", "corrected"),
    ("other", "其他结果", "other result", "其他结果", "other results"),
    ("pending", "尚未审结|未审结|还没(?:有)?审结|还未审结|没(?:有)?审结|没审完|未审完|审完了没|尚在审理|审理中|还没结|未结|未办结", "pending|not (?:yet )?(?:concluded|closed|decided|finished)|unresolved|open", "尚未审结", "pending"),
    ("total", "总计|总数|多少|几", "total|how many", "总计", "total"),
)
_GROUPS = (
    ("litigation_after_review", "复议后(?:提起)?(?:行政)?诉讼|复议后起诉", r"(?:lawsuits?|litigation|cases?)(?: \w+){0,3} after (?:an? )?(?:administrative )?review|after-review (?:lawsuits?|litigation|cases?)",
     "行政诉讼(复议后起诉)", "lawsuits after review"),
    ("litigation_direct", "未经复议(?:直接)?起诉|直接起诉", r"direct(?:ly)? (?:lawsuits?|litigation|filed|brought)|(?:lawsuits?|litigation|cases?)(?: \w+){0,3} directly|without (?:prior )?(?:administrative )?review",
     "行政诉讼(未经复议直接起诉)", "direct lawsuits"),
    ("review", "行政复议|复议", "(?:administrative )?(?:review|reconsideration)s?|appeals?", "行政复议", "administrative reviews"),
)

T4_METRICS: tuple[Metric, ...] = tuple(
    _t4(g, r, (rf"(?:{gzh})(?P<gap>[\s\S]{{0,12}}?)(?:{rzh})", rf"(?:{rzh})(?P<gap>[^多几]{{0,4}}?)(?:{gzh})"),
        (rf"(?:{gen})(?P<gap>[\s\S]{{0,40}}?)(?:{ren})", rf"(?:{ren})(?P<gap>[\s\S]{{0,40}}?)(?:{gen})"),
        f"{glz}{rlz}", f"{gle} {rle}")
    for g, gzh, gen, glz, gle in _GROUPS for r, rzh, ren, rlz, rle in _RESULTS
)
# 行政诉讼 without saying which kind: both groups added
LITIGATION_ANY: tuple[Metric, ...] = tuple(
    Metric(f"litigation.{r}", "四", ("appeals",), f"litigation_*.{r}", (rf"行政诉讼(?P<gap>[\s\S]{{0,12}}?)(?:{rzh})",),
           (rf"(?:lawsuits?|litigation)(?P<gap>[\s\S]{{0,40}}?)(?:{ren})", rf"(?:{ren})(?P<gap>[\s\S]{{0,40}}?)(?:lawsuits?|litigation)"),
           f"行政诉讼{rlz}(直接起诉+复议后起诉)", f"lawsuits {rle} (direct + after review)")
    for r, rzh, ren, rlz, rle in _RESULTS
)

T3_METRICS: tuple[Metric, ...] = (
    # sub-rows first (specific)
    Metric("refused.state_secret", "三", ("refused.state_secret",), None, ("(?:属于|涉及)?国家秘密",), ("state secrets?",), "不予公开·属于国家秘密", "refused as state secrets"),
    Metric("refused.prohibited", "三", ("refused.prohibited",), None, ("(?:其他)?法律行政法规禁止(?:公开)?",), ("prohibited by (?:other )?laws?",), "不予公开·其他法律行政法规禁止公开", "refused as prohibited by law"),
    Metric("refused.three_safety", "三", ("refused.three_safety",), None, ("三安全一稳定",), ("three safet",), "不予公开·危及三安全一稳定", "refused as endangering safety/stability"),
    Metric("refused.third_party", "三", ("refused.third_party",), None, ("第三方",), ("third[- ]part",), "不予公开·保护第三方合法权益", "refused to protect third parties"),
    Metric("refused.internal", "三", ("refused.internal",), None, ("(?:属于)?(?:三类)?内部事务(?:信息)?",), ("internal affairs",), "不予公开·属于三类内部事务信息", "refused as internal affairs"),
    Metric("refused.process", "三", ("refused.process",), None, ("(?:属于)?(?:四类)?过程性(?:信息)?",), ("process(?:-| )information|deliberative",), "不予公开·属于四类过程性信息", "refused as process information"),
    Metric("refused.enforcement", "三", ("refused.enforcement",), None, ("(?:属于)?(?:行政)?执法案卷",), ("enforcement (?:case )?files?",), "不予公开·属于行政执法案卷", "refused as enforcement files"),
    Metric("refused.query", "三", ("refused.query",), None, ("(?:属于)?(?:行政)?查询事项",), ("query matters?|inquiry",), "不予公开·属于行政查询事项", "refused as administrative queries"),
    Metric("unable.not_held", "三", ("unable.not_held",), None, ("(?:本机关)?不掌握(?:相关)?(?:政府)?(?:信息)?",), ("not held|does not hold|did not hold",), "无法提供·本机关不掌握相关政府信息", "information not held"),
    Metric("unable.needs_creation", "三", ("unable.needs_creation",), None, ("另行制作|没有现成",), ("would have to be (?:created|produced)|no ready",), "无法提供·没有现成信息需要另行制作", "information would have to be created"),
    Metric("unable.unclear", "三", ("unable.unclear",), None, ("仍不明确",), ("unclear",), "无法提供·补正后申请内容仍不明确", "request still unclear after correction"),
    Metric("not_processed.petition", "三", ("not_processed.petition",), None, ("信访|举报投诉",), ("petition|complaint",), "不予处理·信访举报投诉类申请", "not processed: petitions/complaints"),
    Metric("not_processed.repeat", "三", ("not_processed.repeat",), None, ("重复申请",), ("repeat(?:ed)? (?:requests?|applications?)|duplicate",), "不予处理·重复申请", "not processed: repeated requests"),
    Metric("not_processed.publication", "三", ("not_processed.publication",), None, ("出版物",), ("publications?",), "不予处理·要求提供公开出版物", "not processed: publications"),
    Metric("not_processed.mass", "三", ("not_processed.mass",), None, ("大量反复",), ("mass|repeatedly in large",), "不予处理·无正当理由大量反复申请", "not processed: mass repeated requests"),
    Metric("not_processed.confirm", "三", ("not_processed.confirm",), None, ("确认或重新出具",), ("confirm",), "不予处理·要求确认或重新出具已获取信息", "not processed: confirmation requests"),
    Metric("other.no_correction", "三", ("other.no_correction",), None, ("逾期不补正",), ("fail(?:ed)? to (?:correct|supplement)",), "其他处理·逾期不补正", "other: applicant did not correct in time"),
    Metric("other.unpaid", "三", ("other.unpaid",), None, ("缴纳费用|收费通知",), ("did not pay|unpaid|fees? (?:not )?paid",), "其他处理·逾期未缴纳费用", "other: fee not paid"),
    # groups and main rows
    Metric("partly_granted", "三", ("partly_granted",), None, ("部分公开",), ("part(?:ly|ially) (?:grant|disclos|approv)|partial(?:ly)? (?:grant|disclos)",), "部分公开", "requests partly granted",
           pre2019=("partly_granted",)),
    Metric("refused", "三", _REFUSED, None, ("不予公开|不公开|拒绝公开|被拒",), ("reject|refus|den(?:y|ied)|turn(?:ed)? down",), "不予公开(8项合计)", "requests refused (不予公开, sum of its 8 sub-rows)",
           pre2019=("refused",), companions=("unable", "not_processed")),
    Metric("unable", "三", _UNABLE, None, ("无法提供",), ("could not be provided|cannot be provided|unable to provide",), "无法提供(3项合计)", "could not be provided (无法提供)"),
    Metric("not_processed", "三", _NOT_PROCESSED, None, ("不予处理",), ("not processed|not handled|declined to process",), "不予处理(5项合计)", "not processed (不予处理)"),
    Metric("other", "三", _OTHER, None, ("其他处理",), ("other(?:wise)? (?:handl|process)",), "其他处理", "other handling (其他处理)", alt_rows=("other",)),
    Metric("granted", "三", ("granted",), None, ("予以公开|同意公开|全部公开",), ("grant\\w*|approv\\w*|fully disclos\\w*|disclos\\w* in full",), "予以公开", "requests granted",
           pre2019=("granted",)),
    Metric("carried_forward", "三", ("carried_forward",), None, ("结转(?:至|到)?下(?:一)?年度?(?:继续办理)?|下年度继续(?:办理)?|转入下一?年度?",), (r"carried forward|carry forward|carr(?:y|ied) over (?:to|into) (?:the )?next year|(?:to|into) (?:the )?(?:next|following) year|still (?:open|pending) at (?:the )?(?:end of the )?year|pending at the end|(?:unfinished|unresolved|outstanding) at (?:the )?(?:year end|end of)",), "结转下年度继续办理", "requests carried forward to next year"),
    Metric("carried_over", "三", ("carried_over",), None, ("上年结转|结转.{0,4}上年|上一年度?结转",), ("carried over|from (?:the )?(?:previous|last) year",), "上年结转", "carried over from last year"),
    Metric("total", "三", ("total",), None, ("办理结果(?P<gap>[\s\S]{0,6}?)(?:总计|合计|共)|办结|(?:办理|答复|处理)(?:结果)?总(?:计|数)|办理总数|总计|办理(?P<gap2>[\s\S]{0,4}?)(?:总数|合计)",), (r"total(?:ly)? (?:handled|processed|outcomes?)|handled in total|outcomes? in total|total number of requests (?:handled|processed|dealt)|\bhandl\w*|\bprocess(?:ed|es)?\b|dealt with|deal with",), "办理结果总计", "requests handled in total"),
    Metric("new", "三", ("new",), None, ("新收(?:到)?(?:的)?(?:政府信息公开)?(?:申请)?|(?:收到|接到|收了|受理)(?P<gap>[\s\S]{0,8}?)申请|申请(?:数量|量|数)|提出(?P<gap2>[\s\S]{0,4}?)申请|(?:收到|接到|收了)(?:了)?(?=多少|几)",),
           (r"receiv\w*|new (?:(?:government )?(?:information )?(?:disclosure )?)?(?:requests?|applications?)|requests? (?:were )?(?:filed|submitted|made)|\b(?:get|got)\b",), "本年新收政府信息公开申请数量", "new requests received",
           pre2019=("requests_received",)),
)


@dataclass(frozen=True)
class T2Metric:
    id: str
    row: str
    columns: dict[str, str]  # column id → regex
    zh: str
    en: str
    label_zh: str
    label_en: str
    unit: str = "件"


T2_METRICS: tuple[T2Metric, ...] = (
    T2Metric("normative_docs", "normative_docs",
             {"issued": "制发|发布|出台", "repealed": "废止", "in_force": "现行有效|有效", "made": "新制作|制作",
              "published": "新公开", "total_public": "对外公开总|公开总数"},
             "(?:行政)?规范性文件", "normative documents?|regulatory documents?", "行政规范性文件", "normative documents"),
    T2Metric("rules", "rules",
             {"issued": "制发|发布|出台", "repealed": "废止", "in_force": "现行有效|有效", "made": "新制作|制作",
              "published": "新公开", "total_public": "对外公开总|公开总数"},
             "规章", "(?:government )?rules|regulations", "规章", "rules"),
    T2Metric("licensing", "licensing", {"decisions": "(?:本年)?(?:处理)?决定(?:数量|数)?|数量", "last_year_items": "上一?年(?:的)?项目(?:数量|数)?", "change": "本年增/?减|增/减"},
             "行政许可", "(?:administrative )?(?:licen[cs]ing|permits?|licen[cs]es)(?: decisions?)?", "行政许可", "administrative licensing decisions"),
    T2Metric("penalty", "penalty", {"decisions": "(?:本年)?(?:处理)?决定(?:数量|数)?|数量", "last_year_items": "上一?年(?:的)?项目(?:数量|数)?", "change": "本年增/?减|增/减"},
             "行政处罚", "(?:administrative )?(?:penalt(?:y|ies)|sanctions?)(?: decisions?)?", "行政处罚", "administrative penalty decisions"),
    T2Metric("enforcement", "enforcement", {"decisions": "(?:本年)?(?:处理)?决定(?:数量|数)?|数量", "last_year_items": "上一?年(?:的)?项目(?:数量|数)?", "change": "本年增/?减|增/减"},
             "行政强制", "(?:administrative )?(?:coercive|compulsory|enforcement) measures?(?: decisions?)?|coercive", "行政强制", "administrative enforcement decisions"),
    T2Metric("other_services", "other_services",
             {"decisions": "(?:本年)?(?:处理)?决定(?:数量|数)?|数量", "last_year_items": "上一?年(?:的)?项目(?:数量|数)?", "change": "本年增/?减|增/减"},
             "其他对外管理服务事项|对外管理服务事项", "other (?:external )?(?:management|administrative) services?",
             "其他对外管理服务事项", "other administrative services"),
    T2Metric("procurement", "procurement", {"projects": "(?:采购)?项目(?:数量|数)?|几个项目|多少个项目", "amount": "(?:采购)?(?:总)?金额|多少钱"},
             "政府集中采购|集中采购", "(?:centrali[sz]ed )?(?:government )?procurement", "政府集中采购", "government procurement"),
    T2Metric("fees", "fees", {"amount": "(?:收费)?金额|收费|多少", "last_year_items": "上一?年(?:的)?项目(?:数量|数)?|项目数", "change": "本年增/?减|增/减"},
             "行政事业性收费", "administrative fees?|fees? collected", "行政事业性收费", "administrative fees", unit="万元"),
)

# applicant columns of table 三
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("natural_person", "自然人|个人|公民", "natural persons?|individuals?|citizens?|private persons?"),
    ("commercial", "商业企业|企业", "commercial|business(?:es)?|compan(?:y|ies)|enterprises?"),
    ("research", "科研机构", "research"),
    ("public_welfare", "社会公益组织|公益组织", "public[- ]welfare|charit|non-?profit|NGOs?"),
    ("legal_service", "法律服务机构|律师", "legal service|law firms?|lawyers?"),
    ("orgs", "法人或其他组织|法人和其他组织|法人", "legal persons?|organi[sz]ations? and (?:legal|other)|legal entit"),  # the five columns summed
    ("other_org", "其他组织|其他法人|其他类", "other organi[sz]ations?"),
)
ORG_COLUMNS = ("commercial", "research", "public_welfare", "legal_service", "other_org")


def find_column(q: str, lang: str) -> str | None:
    for cid, zh, en in COLUMNS:
        if re.search(zh, q) or (lang == "en" and re.search(en, q, re.I)):
            return cid
    return None


# a table-四 result word said on its own (a follow-up: "还没审结的有几件？")
T4_RESULT_WORDS: tuple[tuple[str, str], ...] = tuple((r, rzh) for r, rzh, _, _, _ in _RESULTS if r != "total")

METRICS_BY_ID: dict[str, Metric] = {m.id: m for m in (*T4_METRICS, *LITIGATION_ANY, *T3_METRICS)}


@dataclass(frozen=True)
class Pre2019Question:
    """A figure only the pre-2019 统计表 holds (channels, staff, trainings …), and how staff ask for it.

    Asked of a 2019/2021-template report it is not in the tables: the answer may come from the
    prose (培训 is often written there) or says the template has no such figure."""

    id: str  # the indicator id of ``ingest.templates.PRE2019_INDICATORS``
    pattern: re.Pattern
    label_zh: str
    label_en: str
    unit: str = "件"


# Figures only the 统计表 holds: the Chinese question words are the templates' own (``Indicator.ask``, one
# home); here only the order they are tried in (specific first), English words and units.
_PRE2019_ASKED: tuple[tuple[str, str, str, str], ...] = (  # id, English label, English words, unit
    ("requests_in_person", "requests made in person", r"in person", "件"),
    ("requests_fax", "requests by fax", r"by fax", "件"),
    ("requests_email", "requests by email", r"by e-?mail", "件"),
    ("requests_online", "requests made online", r"online", "件"),
    ("requests_letter", "requests by letter", r"by (?:letter|post|mail)", "件"),
    ("requests_other", "requests in other forms", r"in other forms", "件"),
    ("proactive_website", "items published on the website", r"on the website", "条"),
    ("proactive_gazette", "items published in the gazette", r"gazette", "条"),
    ("proactive_other", "items published in other ways", r"other ways", "条"),
    ("proactive_total", "items proactively disclosed", r"proactive(?:ly)? (?:disclos|publish)\w*", "条"),
    ("fee_waived", "fees waived", r"fees? waived", "元"),
    ("fees", "fees charged", r"fees? charged", "元"),
    ("complaints", "complaints", r"complaints?", "件"),
    ("trainees", "people trained", r"people trained|trainees", "人"),
    ("trainings", "training sessions", r"training sessions?", "次"),
    ("staff", "staff", r"\bstaff\b", "人"),
    ("query_points", "query points", r"query points?", "个"),
)


def _pre2019_questions() -> tuple[Pre2019Question, ...]:
    by_id = {i.id: i for i in T.PRE2019_INDICATORS}
    out = []
    for iid, en_label, en, unit in _PRE2019_ASKED:
        ind = by_id.get(iid)
        if ind is None or not ind.ask:
            continue
        pattern = re.compile("|".join(f"(?:{a})" for a in ind.ask) + f"|(?:{en})", re.I)
        out.append(Pre2019Question(iid, pattern, ind.label.split(":")[-1], en_label, unit))
    return tuple(out)


PRE2019_ONLY: tuple[Pre2019Question, ...] = _pre2019_questions()
