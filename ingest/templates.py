"""The report templates as data: rows, columns, label keywords and arithmetic identities.

Parsing, validation, export and question routing all read these tables; nothing else in the
code base should spell out a row label. Sources: 国办公开办函〔2021〕30号 (2021 template),
国办公开办函〔2019〕60号 (2019 template); see ``shared/domain/report-format.md``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class RowSpec:
    id: str  # stable id, e.g. "refused.state_secret"
    label: str  # template wording used in exports, e.g. "(三)不予公开/1.属于国家秘密"
    keys: tuple[str, ...]  # any of these substrings identifies the row in a (normalised) label
    group: str = ""  # parent group id for sub-rows, e.g. "refused"
    numbered: int | None = None  # the sub-row number ("1." …) when it has one


@dataclass(frozen=True)
class ColumnSpec:
    id: str
    label: str
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identity:
    """Σ ``lhs`` must equal Σ ``rhs``, for every row (``each="row"``: the ids are column ids) or
    for every column (``each="column"``: the ids are row ids) of ``table``.

    Example: ``Identity("table3.row_sum", "三", ("total",), T3_PARTS, "row")`` is 总计 = 自然人 + …
    + 其他 in each row of 表三. The parser uses these to choose among digit splits, validation to
    report broken ones — one list, two readers.
    """

    name: str
    table: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    each: str  # "row" | "column"
    description: str

    def instances(self, rows: Iterable[str], cols: Iterable[str]) -> list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]]:
        """(where, lhs cells, rhs cells) for every row or column; cells are (row_id, column_id)."""
        out = []
        for k in (rows if self.each == "row" else cols):
            if self.each == "row":
                out.append((k, [(k, c) for c in self.lhs], [(k, c) for c in self.rhs]))
            else:
                out.append((k, [(r, k) for r in self.lhs], [(r, k) for r in self.rhs]))
        return out


def check(lhs: Sequence, rhs: Sequence, blank_as_zero: bool = False) -> bool | None:
    """True/False when the identity can be evaluated on these values, None when it cannot
    (a missing value; a blank counts as 0 only with ``blank_as_zero``, and never on the left)."""
    if any(v is None for v in lhs):
        return None
    if any(v is None for v in rhs):
        if not blank_as_zero:
            return None
        rhs = [0 if v is None else v for v in rhs]
    return sum(lhs) == sum(rhs)


def row_predicate(identities: Sequence[Identity], cols: Sequence[str], blank_as_zero: bool = True):
    """``accept(values)`` for one row's reading: every per-row identity that can be evaluated holds
    (the same rule as :func:`check`, unrolled: the digit search calls it very often)."""
    idx = {c: i for i, c in enumerate(cols)}
    per_row = [(tuple(idx[c] for c in i.lhs), tuple(idx[c] for c in i.rhs))
               for i in identities if i.each == "row"]

    def broken(values: tuple, lh: tuple, rh: tuple) -> bool:
        s = 0
        for j in lh:
            v = values[j]
            if v is None:
                return False  # cannot be evaluated
            s += v
        t = 0
        for j in rh:
            v = values[j]
            if v is None:
                if not blank_as_zero:
                    return False
                continue
            t += v
        return s != t

    def accept(values: tuple) -> bool:
        for lh, rh in per_row:
            if broken(values, lh, rh):
                return False
        return True
    last = [max(lh + rh) for lh, rh in per_row]

    def prefix(values: tuple, before: int = 0) -> bool:
        """The identities completed by ``values[before:]`` hold (for pruning a search)."""
        n = len(values)
        for (lh, rh), m in zip(per_row, last):
            if before <= m < n and broken(values, lh, rh):
                return False
        return True
    accept.prefix = prefix  # type: ignore[attr-defined]
    accept.first_check = min(last) + 1 if last else 0  # type: ignore[attr-defined]  # no prefix shorter can fail
    accept.n_identities = len(per_row)  # type: ignore[attr-defined]
    accept.totals = frozenset(j for lh, _ in per_row for j in lh)  # type: ignore[attr-defined]
    return accept


# ---------------------------------------------------------------------------------------------
# Table 三: 收到和处理政府信息公开申请情况
# ---------------------------------------------------------------------------------------------
T3_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("natural_person", "自然人", ("自然人",)),
    ColumnSpec("commercial", "法人或其他组织/商业企业", ("商业企业", "商业")),
    ColumnSpec("research", "法人或其他组织/科研机构", ("科研机构", "科研")),
    ColumnSpec("public_welfare", "法人或其他组织/社会公益组织", ("社会公益组织", "公益")),
    ColumnSpec("legal_service", "法人或其他组织/法律服务机构", ("法律服务机构", "法律服务")),
    ColumnSpec("other_org", "法人或其他组织/其他", ("其他",)),
    ColumnSpec("total", "总计", ("总计",)),
)
T3_PARTS = tuple(c.id for c in T3_COLUMNS[:-1])

_R = RowSpec
T3_ROWS_2021: tuple[RowSpec, ...] = (
    _R("new", "一、本年新收政府信息公开申请数量", ("本年新收", "新收政府信息公开申请")),
    _R("carried_over", "二、上年结转政府信息公开申请数量", ("上年结转",)),
    _R("granted", "三、本年度办理结果/(一)予以公开", ("予以公开",)),
    _R("partly_granted", "三、本年度办理结果/(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
       ("部分公开", "区分处理")),
    _R("refused.state_secret", "(三)不予公开/1.属于国家秘密", ("国家秘密",), "refused", 1),
    _R("refused.prohibited", "(三)不予公开/2.其他法律行政法规禁止公开",
       ("其他法律", "法规禁止", "禁止公开", "行政止公开"), "refused", 2),
    _R("refused.three_safety", "(三)不予公开/3.危及\"三安全一稳定\"",
       ("三安全", "一稳定", "危及"), "refused", 3),
    _R("refused.third_party", "(三)不予公开/4.保护第三方合法权益", ("第三方", "合法权益"), "refused", 4),
    _R("refused.internal", "(三)不予公开/5.属于三类内部事务信息", ("内部事务", "三类内部"), "refused", 5),
    _R("refused.process", "(三)不予公开/6.属于四类过程性信息", ("过程性", "四类过程"), "refused", 6),
    _R("refused.enforcement", "(三)不予公开/7.属于行政执法案卷", ("执法案卷",), "refused", 7),
    _R("refused.query", "(三)不予公开/8.属于行政查询事项", ("查询事项", "行政查询"), "refused", 8),
    _R("unable.not_held", "(四)无法提供/1.本机关不掌握相关政府信息", ("不掌握",), "unable", 1),
    _R("unable.needs_creation", "(四)无法提供/2.没有现成信息需要另行制作",
       ("另行制作", "没有现成"), "unable", 2),
    _R("unable.unclear", "(四)无法提供/3.补正后申请内容仍不明确", ("仍不明确", "补正后申请"), "unable", 3),
    _R("not_processed.petition", "(五)不予处理/1.信访举报投诉类申请", ("信访", "举报投诉"), "not_processed", 1),
    _R("not_processed.repeat", "(五)不予处理/2.重复申请", ("重复申请",), "not_processed", 2),
    _R("not_processed.publication", "(五)不予处理/3.要求提供公开出版物", ("出版物",), "not_processed", 3),
    _R("not_processed.mass", "(五)不予处理/4.无正当理由大量反复申请", ("大量反复",), "not_processed", 4),
    _R("not_processed.confirm", "(五)不予处理/5.要求行政机关确认或重新出具已获取信息",
       ("确认或重新", "重新出具", "已获取信息"), "not_processed", 5),
    _R("other.no_correction", "(六)其他处理/1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
       ("逾期不补正", "不补正"), "other", 1),
    _R("other.unpaid", "(六)其他处理/2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
       ("缴纳费用", "收费通知"), "other", 2),
    _R("other.other", "(六)其他处理/3.其他", ("3.其他",), "other", 3),
    _R("total", "三、本年度办理结果/(七)总计", ("(七)总计", "七)总计", "(七)")),
    _R("carried_forward", "四、结转下年度继续办理", ("结转下年", "下年度继续")),
)

# The 2019 template has a single (六)其他处理 row.
T3_ROWS_2019: tuple[RowSpec, ...] = tuple(
    r for r in T3_ROWS_2021 if r.group != "other"
)[:-2] + (
    _R("other", "(六)其他处理", ("其他处理",)),
) + T3_ROWS_2021[-2:]

T3_GROUPS: dict[str, str] = {
    "refused": "(三)不予公开",
    "unable": "(四)无法提供",
    "not_processed": "(五)不予处理",
    "other": "(六)其他处理",
}

# Group header keys: labels that introduce a group but carry no numbers of their own.
T3_GROUP_KEYS: dict[str, tuple[str, ...]] = {
    "refused": ("不予公开",),
    "unable": ("无法提供",),
    "not_processed": ("不予处理",),
    "other": ("其他处理",),
}


def t3_rows(template: str) -> tuple[RowSpec, ...]:
    return T3_ROWS_2019 if template == "2019" else T3_ROWS_2021


def t3_outcome_rows(template: str) -> tuple[str, ...]:
    """Row ids whose sum is (七)总计."""
    return tuple(r.id for r in t3_rows(template) if r.id not in ("new", "carried_over", "total", "carried_forward"))


def t3_identities(template: str) -> tuple[Identity, ...]:
    """Table 三: the row sum (each row) and the two column identities (each column)."""
    return (
        Identity("table3.row_sum", "三", ("total",), T3_PARTS, "row",
                 "总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他"),
        Identity("table3.balance", "三", ("new", "carried_over"), ("total", "carried_forward"), "column",
                 "一 + 二 = 三(七)总计 + 四 (the table's own header)"),
        Identity("table3.outcomes", "三", ("total",), t3_outcome_rows(template), "column",
                 "(七)总计 = (一)+(二)+Σ(三)+Σ(四)+Σ(五)+Σ(六)"),
    )


# ---------------------------------------------------------------------------------------------
# Table 四: 行政复议、行政诉讼
# ---------------------------------------------------------------------------------------------
T4_RESULTS: tuple[ColumnSpec, ...] = (
    ColumnSpec("upheld", "结果维持"),
    ColumnSpec("corrected", "结果纠正"),
    ColumnSpec("other", "其他结果"),
    ColumnSpec("pending", "尚未审结"),
    ColumnSpec("total", "总计"),
)
T4_GROUPS: tuple[ColumnSpec, ...] = (
    ColumnSpec("review", "行政复议"),
    ColumnSpec("litigation_direct", "行政诉讼/未经复议直接起诉"),
    ColumnSpec("litigation_after_review", "行政诉讼/复议后起诉"),
)
T4_ROW = "政府信息公开行政复议、行政诉讼情况"


def t4_columns() -> list[tuple[str, str, str, str]]:
    """The 15 cells of table 四 in order: (group_id, result_id, column_label, column_id)."""
    out = []
    for g in T4_GROUPS:
        for r in T4_RESULTS:
            out.append((g.id, r.id, f"{g.label}/{r.label}", f"{g.id}.{r.id}"))
    return out


def t4_identities() -> tuple[Identity, ...]:
    """Table 四 (one row, ``appeals``): each group's 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结."""
    return tuple(
        Identity("table4.group_total", "四", (f"{g.id}.total",),
                 tuple(f"{g.id}.{r.id}" for r in T4_RESULTS[:-1]), "row",
                 f"{g.label}: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结")
        for g in T4_GROUPS)


def t4_column_ids() -> tuple[str, ...]:
    return tuple(c[3] for c in t4_columns())


# ---------------------------------------------------------------------------------------------
# Table 二: 主动公开政府信息情况
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class T2Row:
    id: str
    item: str  # 第二十条第(X)项
    label: str
    keys: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    decimal: bool = False  # amounts (万元, 元)
    signed: bool = False  # 本年增/减 may be negative


# ``keys`` of a 表二 column: the words prose uses when it states that column's figure
# ("2025年新制发规范性文件3件" states 行政规范性文件/本年制发件数 = 3).
_DOC_COLS_2021 = (
    ColumnSpec("issued", "本年制发件数", ("制发", "新制定", "出台", "印发")),
    ColumnSpec("repealed", "本年废止件数", ("废止",)),
    ColumnSpec("in_force", "现行有效件数", ("现行有效",)),
)
_DECISION_COL = (ColumnSpec("decisions", "本年处理决定数量", ("处理决定", "作出")),)

T2_ROWS_2021: tuple[T2Row, ...] = (
    T2Row("rules", "第二十条第(一)项", "规章", ("规章",), _DOC_COLS_2021),
    T2Row("normative_docs", "第二十条第(一)项", "行政规范性文件", ("行政规范性文件", "规范性文件"), _DOC_COLS_2021),
    T2Row("licensing", "第二十条第(五)项", "行政许可", ("行政许可",), _DECISION_COL),
    T2Row("penalty", "第二十条第(六)项", "行政处罚", ("行政处罚",), _DECISION_COL),
    T2Row("enforcement", "第二十条第(六)项", "行政强制", ("行政强制",), _DECISION_COL),
    T2Row("fees", "第二十条第(八)项", "行政事业性收费", ("行政事业性收费",),
          (ColumnSpec("amount", "本年收费金额(单位:万元)"),), decimal=True),
)

_DOC_COLS_2019 = (
    ColumnSpec("made", "本年新制作数量", ("新制作", "制作")),
    ColumnSpec("published", "本年新公开数量", ("新公开",)),
    ColumnSpec("total_public", "对外公开总数量", ("对外公开总", "累计公开")),
)
_ITEM_COLS_2019 = (
    ColumnSpec("last_year_items", "上一年项目数量", ("上一年",)),
    ColumnSpec("change", "本年增/减", ("增减", "增/减")),
    ColumnSpec("decisions", "处理决定数量", ("处理决定", "作出")),
)
T2_ROWS_2019: tuple[T2Row, ...] = (
    T2Row("rules", "第二十条第(一)项", "规章", ("规章",), _DOC_COLS_2019),
    T2Row("normative_docs", "第二十条第(一)项", "规范性文件", ("规范性文件",), _DOC_COLS_2019),
    T2Row("licensing", "第二十条第(五)项", "行政许可", ("行政许可",), _ITEM_COLS_2019, signed=True),
    T2Row("other_services", "第二十条第(五)项", "其他对外管理服务事项", ("其他对外管理服务事项", "对外管理服务"),
          _ITEM_COLS_2019, signed=True),
    T2Row("penalty", "第二十条第(六)项", "行政处罚", ("行政处罚",), _ITEM_COLS_2019, signed=True),
    T2Row("enforcement", "第二十条第(六)项", "行政强制", ("行政强制",), _ITEM_COLS_2019, signed=True),
    T2Row("fees", "第二十条第(八)项", "行政事业性收费", ("行政事业性收费",),
          (ColumnSpec("last_year_items", "上一年项目数量"), ColumnSpec("change", "本年增/减")), signed=True),
    T2Row("procurement", "第二十条第(九)项", "政府集中采购", ("政府集中采购", "集中采购"),
          (ColumnSpec("projects", "采购项目数量"), ColumnSpec("amount", "采购总金额")), decimal=True),
)


# A table some reports add beside the template (often in 六、其他需要报告的事项): the
# 信息处理费 charged. Its columns are named by its own header; these keys map them.
INFO_FEE_KEYS = ("信息处理费", "信息公开处理费")
INFO_FEE_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("cases", "收费件数", ("件数", "收费件", "申请数", "数量")),
    ColumnSpec("amount", "收费金额", ("金额", "费用", "收费额", "元")),
)


def t2_rows(template: str) -> tuple[T2Row, ...]:
    return T2_ROWS_2019 if template == "2019" else T2_ROWS_2021


# ---------------------------------------------------------------------------------------------
# Pre-2019 统计表 / 附表: named indicators, mapped to canonical ids where they map.
#
# The vocabulary is data: adding a printed variant is adding a string to ``keys``.
# ``keys`` are substrings of the printed label once "其中:" and the ordinal ("1." "(一)" "2、")
# are stripped; a key starting with "=" must equal that whole label. The longest matching key
# wins ("同意部分公开" beats "同意公开"; "行政诉讼、举报" beats "行政诉讼"). ``under`` limits an
# entry to sub-rows of the given ids (renfang-2011's "6.其他" under 拒绝提供 is not a channel).
# ``ask``: question words (regexes) that route a question to the indicator.
# ``prose``: regexes for the figure the report's text states (group "n"; a match without the
# group means 0, e.g. "未收到…申请"); a match preceded by 累计/历年 in its clause is cumulative.
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    keys: tuple[str, ...]
    ask: tuple[str, ...] = ()
    under: tuple[str, ...] = ()
    prose: tuple[str, ...] = ()


_I = Indicator
_N = r"(?P<n>\d+)\s*"
PRE2019_INDICATORS: tuple[Indicator, ...] = (
    _I("proactive_total", "主动公开政府信息数",
       ("主动公开政府信息数", "主动公开信息数", "主动公开文件数", "主动公开政府信息"),
       ask=("主动公开(?:了)?(?:政府)?(?:信息|文件)", "公开(?:了)?多少(?:条)?(?:政府)?信息"),
       prose=(rf"主动公开(?:政府)?信息(?:共|总数|数)?[为达::]?{_N}条",)),
    _I("proactive_website", "其中:政府网站公开政府信息数", ("政府网站公开", "网站公开"),
       ask=("(?:政府)?网站(?:上)?公开(?:的)?(?:政府)?(?:信息)?(?:数)?",)),
    _I("proactive_gazette", "其中:政府公报公开政府信息数", ("政府公报公开", "公报公开"), ask=("(?:政府)?公报(?:上)?(?:公开)?(?:的)?(?:政府)?(?:信息)?(?:数)?",)),
    _I("proactive_other", "其中:其他方式公开政府信息数", ("其他方式公开", "其它方式公开"), ask=("其他方式公开",)),
    _I("policy_interpretations", "发布解读稿件数", ("解读稿件", "政策解读")),
    _I("requests_received", "受理(收到)政府信息公开申请总数",
       ("收到申请数", "受理依申请公开信息总数", "受理政府信息公开申请", "受理政府信息依申请公开",
        "正式受理", "受理申请", "申请总数"),
       ask=("收到.{0,8}申请", "受理.{0,8}申请", "申请(?:总)?数", "多少(?:件|个|份)?申请"),
       prose=(rf"(?:收到|受理)[^。;,\d]{{0,20}}?(?:申请|依申请公开信息)[^。;,\d]{{0,4}}?{_N}[件条个份]",
              r"未(?:收到|受理)(?![^。;,]{0,25}(?:复议|诉讼))[^。;,]{0,25}?申请")),
    _I("requests_in_person", "其中:当面申请数", ("当面申请", "当面"), ask=("当面",)),
    _I("requests_fax", "其中:传真申请数", ("传真申请",), ask=("传真",)),
    _I("requests_email", "其中:电子邮件申请数", ("电子邮件申请", "电子邮件"), ask=("电子邮件|邮件",)),
    _I("requests_online", "其中:网上申请数", ("网上申请", "网络申请"), ask=("网上申请|网络申请|在线申请",)),
    _I("requests_letter", "其中:信函申请数", ("信函申请", "信函", "信函、传真"), ask=("信函",)),
    _I("requests_other", "其中:其他形式申请数", ("其他形式", "其它形式"), ask=("其他形式|其它形式",)),
    _I("requests_closed", "申请办结数", ("申请办结数",), ask=("办结",)),
    _I("closed_on_time", "按时办结数", ("按时办结",), ask=("按时办结",)),
    _I("closed_extended", "延期办结数", ("延期办结",), ask=("延期办结",)),
    _I("replies_total", "对申请的答复总数",
       ("答复总数", "对申请的答复数", "申请答复数", "=办结"),
       ask=("答复(?:了)?(?:多少|总数|几)",)),
    _I("already_public", "属于已主动公开范围数", ("已主动公开范围",), under=("replies_total",)),
    _I("granted", "同意公开答复数", ("同意公开答复", "同意提供"), ask=("同意公开", "予以公开")),
    _I("partly_granted", "同意部分公开答复数", ("同意部分公开", "部分公开答复"), ask=("部分公开",)),
    _I("refused", "不予公开(否决公开/不同意公开)答复数",
       ("不同意公开答复", "不予公开答复", "否决公开答复", "否决公开", "拒绝提供"),
       ask=("不予公开", "不同意公开", "否决公开", "拒绝(?:公开|提供)")),
    _I("refused.state_secret", "不同意公开/涉及国家秘密", ("涉及国家秘密",), under=("refused",)),
    _I("refused.commercial_secret", "不同意公开/涉及商业秘密", ("涉及商业秘密",), under=("refused",)),
    _I("refused.privacy", "不同意公开/涉及个人隐私", ("涉及个人隐私",), under=("refused",)),
    _I("refused.security", "不同意公开/危及国家安全、公共安全、经济安全和社会稳定", ("危及国家安全",), under=("refused",)),
    _I("not_gov_info", "不同意公开/不是《条例》所指政府信息", ("所指政府信息", "不属于政府信息"), under=("refused",)),
    _I("refused.other_law", "不同意公开/法律法规规定的其他情形", ("法律法规规定的其他情形",), under=("refused",)),
    _I("wrong_agency", "不属于本行政机关公开数", ("不属于本行政机关", "非本机关"), under=("replies_total",)),
    _I("not_exist", "申请信息不存在数", ("申请信息不存在", "信息不存在"), under=("replies_total",)),
    _I("ask_amend", "告知作出更改补充数", ("告知作出更改补充", "更改补充"), under=("replies_total",)),
    _I("other_route", "告知通过其他途径办理数", ("其他途径办理",), under=("replies_total",)),
    _I("other_replies", "其他类型答复数", ("其他类型答复", "其它类型答复", "其他类型"), ask=("其他类型",)),
    _I("fees", "依申请公开信息收取的费用", ("收取的费用", "收费金额", "收费"), ask=("收费|收取.{0,4}费用",)),
    _I("fee_waived", "政府信息公开收费减免金额", ("收费减免", "减免金额"), ask=("减免",)),
    _I("review", "行政复议数", ("行政复议",), ask=("行政复议|复议",),
       prose=(rf"{_N}[件份起次][^。;,\d]{{0,20}}?行政复议", rf"行政复议[^。;,\d]{{0,12}}?{_N}[件份起次]",
              r"未(?:收到|发生)[^。;,]{0,25}?行政复议")),
    _I("litigation", "行政诉讼数", ("行政诉讼",), ask=("行政诉讼|诉讼|起诉",),
       prose=(rf"{_N}[件份起次][^。;,\d]{{0,20}}?行政诉讼", rf"行政诉讼[^。;,\d]{{0,12}}?{_N}[件份起次]",
              r"未(?:收到|发生)[^。;,]{0,25}?行政诉讼")),
    # 接受行政申诉、举报数; typo 申述; syq-2017/2018 print 接受行政诉讼、举报数 for the same row
    _I("complaints", "行政申诉(举报)数",
       ("举报投诉", "行政申诉", "行政申述", "申诉、举报", "申述、举报", "行政诉讼、举报", "举报"),
       ask=("申诉|举报|投诉",)),
    _I("query_points", "政府信息公开查询点数", ("查询点数", "查阅点数"), ask=("查询点|查阅点",)),
    _I("consultations", "政府信息咨询数", ("政府信息咨询数", "咨询数"), ask=("咨询",)),
    _I("staff", "从事政府信息公开工作人员数", ("工作人员数", "从事政府信息公开工作人员"), ask=("工作人员|人员",)),
    _I("meetings", "召开政府信息公开工作会议次数", ("工作会议", "专题会议"), ask=("会议",)),
    _I("trainings", "举办各类培训班次数", ("培训班",), ask=("培训班|培训(?:了)?(?:多少|几)次",)),
    _I("trainees", "接受培训人员数", ("培训人员", "接受培训"), ask=("培训.{0,4}人",)),
)


@dataclass(frozen=True)
class IndicatorIdentity:
    """``lhs`` compared with the sum of the ``rhs`` rows the table prints (per value column)."""

    name: str
    lhs: str
    rel: str  # "=" or ">="
    rhs: tuple[str, ...]
    description: str


PRE2019_IDENTITIES: tuple[IndicatorIdentity, ...] = (
    IndicatorIdentity("pre2019.request_channels", "requests_received", "=",
                      ("requests_in_person", "requests_fax", "requests_email", "requests_online",
                       "requests_letter", "requests_other"),
                      "受理申请总数 = 当面 + 传真 + 电子邮件 + 网上 + 信函 + 其他形式"),
    IndicatorIdentity("pre2019.replies", "replies_total", "=",
                      ("already_public", "granted", "partly_granted", "refused", "other_replies",
                       "wrong_agency", "not_exist", "ask_amend", "other_route"),
                      "答复总数 = 同意公开 + 同意部分公开 + 不予公开 + 其他类型 (+ 2018 表的其他答复类)"),
    IndicatorIdentity("pre2019.refused_reasons", "refused", "=",
                      ("refused.state_secret", "refused.commercial_secret", "refused.privacy",
                       "refused.security", "not_gov_info", "refused.other_law"),
                      "不同意公开 = 其中各项理由之和"),
    IndicatorIdentity("pre2019.closed", "requests_closed", "=", ("closed_on_time", "closed_extended"),
                      "申请办结数 = 按时办结 + 延期办结"),
    IndicatorIdentity("pre2019.proactive_channels", "proactive_total", ">=",
                      ("proactive_website", "proactive_gazette", "proactive_other"),
                      "主动公开总数 ≥ 网站 + 公报 + 其他方式 (同一信息多渠道公开只计1条, so ≥ not =)"),
)
# Only rows with these units are counts (历年累计 ≥ 本年度 holds for them; amounts too).
PRE2019_UNITS: tuple[str, ...] = ("人次", "万元", "条", "件", "次", "个", "人", "元", "篇", "项", "家", "期")


def pre2019_asked(question: str) -> tuple[str, ...]:
    """Ids of the pre-2019 indicators a question asks about, best (longest ``ask`` match) first.

    "2013年收到多少申请" → ("requests_received",). For the question router; the words are data in
    ``PRE2019_INDICATORS[*].ask``.
    """
    import re

    hits = []
    for ind in PRE2019_INDICATORS:
        best = max((len(m.group()) for a in ind.ask for m in [re.search(a, question)] if m), default=0)
        if best:
            hits.append((-best, ind.id))
    return tuple(i for _, i in sorted(hits))
