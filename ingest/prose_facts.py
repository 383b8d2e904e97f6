"""Figures a report states in words, as evidence for the tables and as a check on them.

"2024年度，我局共收到政府信息公开申请4件" states the 表三 一、本年新收 总计; "行政复议2件" states the
表四 行政复议 总计. The vocabulary below is data: a metric, the table cells whose sum it states,
and the phrasings (regexes with a named group ``n``; ``zero`` phrasings state 0).

Only sentences about the whole agency count: a clause whose subject is one office
("区政府办…受理…17件", see report-format.md on 淮安市洪泽区) or a part ("其中民政局1件") is skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CLAUSE_END = "。；;！!？?\n"
_N = r"(?P<n>\d+)"


@dataclass(frozen=True)
class ProseMetric:
    id: str
    table: str
    cells: tuple[tuple[str, str], ...]  # (row_id, column_id) whose sum the prose states
    patterns: tuple[str, ...]
    zero: tuple[str, ...] = ()
    label: str = ""


# Row "refused" stands for the sum of the (三)不予公开 sub-rows (see ``table_value``).
PROSE_METRICS: tuple[ProseMetric, ...] = (
    ProseMetric("new", "三", (("new", "total"),), (
        rf"本年(?:度)?新收[^。；;]{{0,20}}?{_N}件",
        rf"(?:共|累计|总共)?(?:收到|受理|接收)(?:和处理|并办理)?[^。；;，,\d]{{0,20}}?(?:申请|依申请公开)[^。；;，,\d]{{0,6}}?(?:共)?{_N}件",
        rf"(?:共|累计)?(?:收到|受理|接收)(?:办结)?{_N}件[^。；;，,\d]{{0,8}}?(?:政府信息公开申请|依申请公开|申请)",
    ), zero=(r"未(?:收到|受理)[^。；;，,\d]{0,20}?(?:政府信息公开|公开政府信息)申请",),
        label="收到申请"),
    ProseMetric("refused", "三", (("refused", "total"),), (
        rf"不予公开(?:的)?(?:申请)?{_N}件",
    ), label="不予公开"),
    ProseMetric("granted_and_partly", "三", (("granted", "total"), ("partly_granted", "total")), (
        rf"予以公开(?:及|和|与|、|或)部分公开(?:的)?(?:申请)?(?:共|合计)?{_N}件",
    ), label="予以公开及部分公开"),
    ProseMetric("unable", "三", (("unable", "total"),), (
        rf"无法提供(?:的)?(?:申请)?(?:共)?{_N}件",
    ), label="无法提供"),
    ProseMetric("not_processed", "三", (("not_processed", "total"),), (
        rf"不予处理(?:的)?(?:申请)?(?:共)?{_N}件",
    ), label="不予处理"),
    ProseMetric("carried_forward", "三", (("carried_forward", "total"),), (
        rf"结转(?:至)?下(?:一)?年度?(?:继续办理)?(?:的)?(?:申请)?{_N}件",
    ), label="结转下年度"),
    ProseMetric("review", "四", (("appeals", "review.total"),), (
        rf"(?:政府信息公开)?行政复议(?:案件|申请)?(?:共)?{_N}(?:件|起|宗)",
    ), zero=(r"未(?:发生|收到|产生)[^。；;，,\d]{0,20}?行政复议",),
        label="行政复议"),
    ProseMetric("litigation", "四", (("appeals", "litigation_direct.total"), ("appeals", "litigation_after_review.total")), (
        rf"(?:政府信息公开)?行政诉讼(?:案件)?(?:共)?{_N}(?:件|起|宗)",
    ), zero=(r"未(?:发生|收到|产生)[^。；;，,\d]{0,20}?行政诉讼",),
        label="行政诉讼"),
    ProseMetric("info_fee", "", (), (
        rf"信息处理费(?:共计|合计|共)?{_N}元",
        rf"收取信息处理费[^。；;，,\d]{{0,8}}?{_N}元",
    ), zero=(r"(?:没有|未|无)(?:产生|收取)?[^。；;，,\d]{0,12}?信息(?:公开)?处理费",),
        label="信息处理费(元)"),
)

# A clause whose subject is one office or a part of the agency: "区政府办", "其中民政局".
_PART_SUBJECT = re.compile(r"其中|(?<![我本全])[\u4e00-\u9fff]{1,6}(?:办公室|政府办|办|科室|股|大队|中队|派出所|分局)(?![理公事])")


# "未发生…行政复议纠错" / "…行政诉讼败诉": a statement about outcomes, not about the count
_QUALIFIED = re.compile(r"[^。；;，,]{0,12}?(?:纠错|纠正|败诉|被撤销|确认违法|被改变)")


@dataclass(frozen=True)
class ProseFact:
    metric: str
    value: int
    quote: str
    start: int


def _clause_start(text: str, pos: int) -> int:
    i = pos
    while i > 0 and text[i - 1] not in _CLAUSE_END:
        i -= 1
    return i


def _whole_agency(text: str, start: int) -> bool:
    head = text[_clause_start(text, start):start]
    head = head.split("，")[-1] if "其中" in head.split("，")[-1] else head
    return not _PART_SUBJECT.search(head)


def extract(text: str, table_spans: list[tuple[int, int]] | None = None) -> list[ProseFact]:
    """Every whole-agency figure stated in prose (outside the tables' spans)."""
    spans = table_spans or []
    out: list[ProseFact] = []
    for m in PROSE_METRICS:
        for kind, pats in (("n", m.patterns), ("0", m.zero)):
            for pat in pats:
                for x in re.finditer(pat, text):
                    if any(a <= x.start() < b for a, b in spans):
                        continue
                    if not _whole_agency(text, x.start()):
                        continue
                    if kind == "0" and _QUALIFIED.match(text, x.end()):
                        continue  # "未发生…行政复议纠错或行政诉讼败诉": no losses, not no cases
                    value = int(x.group("n")) if kind == "n" else 0
                    a = _clause_start(text, x.start())
                    out.append(ProseFact(m.id, value, text[a:x.end()].strip()[-80:], x.start()))
    seen, uniq = set(), []
    for f in sorted(out, key=lambda f: f.start):
        if (f.metric, f.start) not in seen:
            seen.add((f.metric, f.start))
            uniq.append(f)
    return uniq


def metric(mid: str) -> ProseMetric:
    return next(m for m in PROSE_METRICS if m.id == mid)


def stated(facts: list[ProseFact], mid: str) -> set[int]:
    return {f.value for f in facts if f.metric == mid}
