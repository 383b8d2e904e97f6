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
    ("pending", "尚未审结|未审结|未结", "pending|not (?:yet )?(?:concluded|closed|decided)|unresolved", "尚未审结", "pending"),
    ("total", "总计|合计|共|总数|多少|几", "total|how many", "总计", "total"),
)
_GROUPS = (
    ("litigation_after_review", "复议后(?:提起)?(?:行政)?诉讼|复议后起诉", "(?:lawsuits?|litigation|cases?) (?:filed |brought )?after (?:an? )?(?:administrative )?review",
     "行政诉讼(复议后起诉)", "lawsuits after review"),
    ("litigation_direct", "未经复议(?:直接)?起诉|直接起诉", r"direct(?:ly)? (?:lawsuits?|litigation|filed|brought)|(?:lawsuits?|litigation|cases?)(?: \w+){0,3} directly|without (?:prior )?(?:administrative )?review",
     "行政诉讼(未经复议直接起诉)", "direct lawsuits"),
    ("review", "行政复议|复议", "administrative review|reconsideration|appeals?", "行政复议", "administrative reviews"),
)

T4_METRICS: tuple[Metric, ...] = tuple(
    _t4(g, r, (rf"(?:{gzh}).{{0,12}}(?:{rzh})",), (rf"(?:{gen}).{{0,40}}(?:{ren})|(?:{ren}).{{0,40}}(?:{gen})",),
        f"{glz}{rlz}", f"{gle} {rle}")
    for g, gzh, gen, glz, gle in _GROUPS for r, rzh, ren, rlz, rle in _RESULTS
)
# 行政诉讼 without saying which kind: both groups added
LITIGATION_ANY: tuple[Metric, ...] = tuple(
    Metric(f"litigation.{r}", "四", ("appeals",), f"litigation_*.{r}", (rf"行政诉讼.{{0,12}}(?:{rzh})",),
           (rf"(?:lawsuits?|litigation).{{0,40}}(?:{ren})|(?:{ren}).{{0,40}}(?:lawsuits?|litigation)",),
           f"行政诉讼{rlz}(直接起诉+复议后起诉)", f"lawsuits {rle} (direct + after review)")
    for r, rzh, ren, rlz, rle in _RESULTS
)

T3_METRICS: tuple[Metric, ...] = (
    # sub-rows first (specific)
    Metric("refused.state_secret", "三", ("refused.state_secret",), None, ("国家秘密",), ("state secrets?",), "不予公开·属于国家秘密", "refused as state secrets"),
    Metric("refused.prohibited", "三", ("refused.prohibited",), None, ("法律行政法规禁止",), ("prohibited by (?:other )?laws?",), "不予公开·其他法律行政法规禁止公开", "refused as prohibited by law"),
    Metric("refused.three_safety", "三", ("refused.three_safety",), None, ("三安全一稳定",), ("three safet",), "不予公开·危及三安全一稳定", "refused as endangering safety/stability"),
    Metric("refused.third_party", "三", ("refused.third_party",), None, ("第三方",), ("third[- ]part",), "不予公开·保护第三方合法权益", "refused to protect third parties"),
    Metric("refused.internal", "三", ("refused.internal",), None, ("内部事务",), ("internal affairs",), "不予公开·属于三类内部事务信息", "refused as internal affairs"),
    Metric("refused.process", "三", ("refused.process",), None, ("过程性",), ("process(?:-| )information|deliberative",), "不予公开·属于四类过程性信息", "refused as process information"),
    Metric("refused.enforcement", "三", ("refused.enforcement",), None, ("执法案卷",), ("enforcement (?:case )?files?",), "不予公开·属于行政执法案卷", "refused as enforcement files"),
    Metric("refused.query", "三", ("refused.query",), None, ("查询事项",), ("query matters?|inquiry",), "不予公开·属于行政查询事项", "refused as administrative queries"),
    Metric("unable.not_held", "三", ("unable.not_held",), None, ("不掌握",), ("not held|does not hold|did not hold",), "无法提供·本机关不掌握相关政府信息", "information not held"),
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
    Metric("partly_granted", "三", ("partly_granted",), None, ("部分公开",), ("part(?:ly|ially) (?:grant|disclos|approv)|partial(?:ly)? (?:grant|disclos)",), "部分公开", "partly granted",
           pre2019=("partly_granted",)),
    Metric("refused", "三", _REFUSED, None, ("不予公开|不公开|拒绝公开|被拒",), ("reject|refus|den(?:y|ied)|turn(?:ed)? down",), "不予公开(8项合计)", "refused (不予公开, sum of its 8 sub-rows)",
           pre2019=("refused",), companions=("unable", "not_processed")),
    Metric("unable", "三", _UNABLE, None, ("无法提供",), ("could not be provided|cannot be provided|unable to provide",), "无法提供(3项合计)", "could not be provided (无法提供)"),
    Metric("not_processed", "三", _NOT_PROCESSED, None, ("不予处理",), ("not processed|not handled|declined to process",), "不予处理(5项合计)", "not processed (不予处理)"),
    Metric("other", "三", _OTHER, None, ("其他处理",), ("other(?:wise)? (?:handl|process)",), "其他处理", "other handling (其他处理)", alt_rows=("other",)),
    Metric("granted", "三", ("granted",), None, ("予以公开|同意公开|全部公开",), ("grant|approv|fully disclos|disclosed in full",), "予以公开", "granted",
           pre2019=("granted",)),
    Metric("carried_forward", "三", ("carried_forward",), None, ("结转下年|下年度继续|转入下一?年",), (r"carried forward|carry forward|carr(?:y|ied) over (?:to|into) (?:the )?next year|(?:to|into) (?:the )?(?:next|following) year|still (?:open|pending) at (?:the )?(?:end of the )?year|pending at the end|(?:unfinished|unresolved|outstanding) at (?:the )?(?:year end|end of)",), "结转下年度继续办理", "carried forward to next year"),
    Metric("carried_over", "三", ("carried_over",), None, ("上年结转|结转.{0,4}上年|上一年度?结转",), ("carried over|from (?:the )?(?:previous|last) year",), "上年结转", "carried over from last year"),
    Metric("total", "三", ("total",), None, ("办理结果.{0,6}(?:总计|合计|共)|办结|总计|办理.{0,4}(?:总数|合计)",), (r"total(?:ly)? (?:handled|processed|outcomes?)|handled in total|outcomes? in total|total number of requests (?:handled|processed|dealt)|\bhandled\b|\bprocessed\b|dealt with",), "办理结果总计", "total handled"),
    Metric("new", "三", ("new",), None, ("新收|收到.{0,8}申请|受理.{0,8}申请|申请(?:数量|量|数)|提出.{0,4}申请",), ("receiv|new requests?|new applications?|requests? (?:were )?(?:filed|submitted|made)",), "本年新收政府信息公开申请数量", "new requests received",
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
    T2Metric("licensing", "licensing", {"decisions": "处理决定|决定|数量", "last_year_items": "上一年", "change": "增/减|增减"},
             "行政许可", "licen[cs]ing|permits?|licen[cs]es", "行政许可", "administrative licensing decisions"),
    T2Metric("penalty", "penalty", {"decisions": "处理决定|决定|数量", "last_year_items": "上一年", "change": "增/减|增减"},
             "行政处罚", "penalt(?:y|ies)|sanctions?", "行政处罚", "administrative penalty decisions"),
    T2Metric("enforcement", "enforcement", {"decisions": "处理决定|决定|数量", "last_year_items": "上一年", "change": "增/减|增减"},
             "行政强制", "coercive|compulsory measures?|enforcement measures?", "行政强制", "administrative enforcement decisions"),
    T2Metric("fees", "fees", {"amount": "金额|收费|多少", "last_year_items": "上一年|项目", "change": "增/减|增减"},
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


_P = Pre2019Question
PRE2019_ONLY: tuple[Pre2019Question, ...] = (
    _P("requests_in_person", re.compile(r"当面(?:申请|提出|提交)?|in person", re.I), "当面申请数", "requests made in person"),
    _P("requests_fax", re.compile(r"传真(?:申请)?|by fax", re.I), "传真申请数", "requests by fax"),
    _P("requests_email", re.compile(r"电子邮件|电邮|by e-?mail", re.I), "电子邮件申请数", "requests by email"),
    _P("requests_online", re.compile(r"网上申请|网络申请|在线申请|网上提交|online", re.I), "网上申请数", "requests made online"),
    _P("requests_letter", re.compile(r"信函(?:申请)?|来信申请|by (?:letter|post|mail)", re.I), "信函申请数", "requests by letter"),
    _P("requests_other", re.compile(r"其[他它]形式"), "其他形式申请数", "requests in other forms"),
    _P("proactive_website", re.compile(r"(?:政府)?网站(?:上)?公开(?:的)?(?:政府)?(?:信息)?(?:数|条)?"), "政府网站公开信息数", "items published on the website", "条"),
    _P("proactive_gazette", re.compile(r"(?:政府)?公报(?:上)?公开(?:的)?(?:政府)?(?:信息)?(?:数|条)?"), "政府公报公开信息数", "items published in the gazette", "条"),
    _P("proactive_total", re.compile(r"主动公开(?:了)?(?:的)?(?:政府)?(?:信息|文件)?(?:数|总数|总量)?|proactive(?:ly)? (?:disclos|publish)\w*", re.I), "主动公开信息数", "items proactively disclosed", "条"),
    _P("fee_waived", re.compile(r"(?:收费)?减免(?:金额)?|fees? waived", re.I), "收费减免金额", "fees waived", "元"),
    _P("fees", re.compile(r"依申请(?:公开)?(?:信息)?收(?:取)?(?:的)?费(?:用)?|收取(?:的)?费用|fees? charged", re.I), "依申请公开收费金额", "fees charged", "元"),
    _P("complaints", re.compile(r"(?:行政)?申[诉述](?:、?举报)?|举报(?:数)?(?!投诉)|complaints?", re.I), "行政申诉、举报数", "complaints"),
    _P("staff", re.compile(r"(?:工作|专职|兼职)人员|staff", re.I), "从事政府信息公开工作人员数", "staff", "人"),
    _P("trainees", re.compile(r"(?:接受)?培训(?:的)?人员|参训|受训"), "接受培训人员数", "people trained", "人"),
)
