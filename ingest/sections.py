"""The report's numbered top-level sections 一、总体情况 … 六、其他需要报告的事项.

Headings are found on their own line or inline in a flattened line ("…联系。 一、总体情况
2022年,…"). For the 2019 and 2021 templates each section gets its *canonical* number (1..6)
from its keywords, whatever numeral the report wrote (shanghai-stcsm-2024 numbers its tables
一、二、三); a lost 五 heading is recovered from its "(一)…问题" sub-heading. Pre-2019 reports have
their own headings (一…八/九) and keep the numeral as written.

Not headings: table 三 row labels (一、本年新收…, 二、上年结转…, 三、本年度办理结果,
四、结转下年度继续办理), "一是…" sentences and "(一)…" sub-headings.

Among the candidate headings the chosen ones are the best-scoring sequence with strictly
increasing numbers, so a list of section names in the opening, a table row label or a stray
numeral cannot break the order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .meta import extract_meta
from .models import LoadedDocument, Section

_NUMERALS = "一二三四五六七八九十"
# a numeral + 、 not preceded by "(" (sub-heading) nor by another numeral (十一 is read whole)
_HEADING = re.compile(rf"(?<![(({_NUMERALS}])(?P<num>[{_NUMERALS}]{{1,3}})\s*、\s*")
_LINE_START = re.compile(r"^[\s#*]*$")  # only blanks / markdown before the numeral
_CANONICAL: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(r"^(?:总体情况|概述|概况|基本情况)")),
    (2, re.compile(r"^(?:[^。,;]{0,6})主动公开政府信息(?:的)?情况")),
    (3, re.compile(r"^(?:[^。,;]{0,6})收到和处理政府信息公开申请")),
    (4, re.compile(r"^[^。;]{0,20}复议[^。;]{0,12}诉讼")),
    (5, re.compile(r"^[^。,;]{0,12}(?:存在的?主要问题|主要问题|存在问题)|^[^。,;]{0,12}问题(?:及|和|与)改进")),
    (6, re.compile(r"^(?:其他需要报告|其他事项|其它需要报告)")),
)
_PRE2019_KEYS = re.compile(r"^[^。,;]{0,16}(?:概述|概况|基本|总体|主动公开|依申请|申请|复议|诉讼|收费|减免|问题|"
                           r"改进|措施|其他|其它|统计表|回应|解读|机构|经费|培训|落实|工作情况|打算)")
_TITLE_END = re.compile(r".*?(?:情况统计表|统计表|情况|事项|措施|概述|概况|打算)")
_TITLE_STOP = re.compile(r"[\d\s((,,。:;|]")
_MISSING_FIVE = re.compile(r"\(一\)[^。\n]{0,24}?(?:问题|改进)")
_SHORT_LINE = 40  # a heading on its own line is short


@dataclass(frozen=True)
class _Cand:
    number: int
    title: str
    start: int
    weight: int  # line-start keyword 3, inline keyword 2, positional guess 1


def find_sections(doc: LoadedDocument, template: str | None = None) -> list[Section]:
    """Top-level sections in text order; each ends where the next begins (the last at the end).

    ``template`` ("2021" | "2019" | "pre2019") is detected from the text when not given.
    """
    template = template or extract_meta(doc).template
    canonical = template != "pre2019"
    cands = _candidates(doc, canonical)
    chosen = _best_increasing(cands, max_gap=6 if canonical else 2)
    if canonical:
        chosen = _recover_five(doc.text, chosen)
    out: list[Section] = []
    for i, c in enumerate(chosen):
        end = chosen[i + 1].start if i + 1 < len(chosen) else len(doc.text)
        out.append(Section(number=c.number, title=c.title, start=c.start, end=end, page=doc.page_at(c.start)))
    return out


def _numeral(s: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20."""
    digits = {ch: i + 1 for i, ch in enumerate(_NUMERALS[:9])}
    if "十" not in s:
        return digits.get(s, 0) if len(s) == 1 else 0
    tens, _, ones = s.partition("十")
    return (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)


def _title(rest: str, inline: bool) -> str:
    """The heading text after the numeral: the whole short line, or up to its ending word."""
    if not inline:
        return rest.strip().rstrip("|").strip()
    chunk = _TITLE_STOP.split(rest, maxsplit=1)[0][:40]
    m = _TITLE_END.match(chunk)
    return m.group() if m else chunk


def _candidates(doc: LoadedDocument, canonical: bool) -> list[_Cand]:
    cands: list[_Cand] = []
    for ln in doc.lines:
        for m in _HEADING.finditer(ln.text):
            n = _numeral(m.group("num"))
            if not n:
                continue
            at_start = bool(_LINE_START.match(ln.text[:m.start()]))
            rest = ln.text[m.end():]
            inline = not at_start or len(ln.text) > _SHORT_LINE
            cells = ln.cells if ln.cells is not None else (ln.text.split("|") if at_start else ())
            if len([c for c in cells if c.strip()]) > 1:
                continue  # a table row ("一、本年新收… | 3 | 0 …", "九、…培训情况 | —")
            head = rest[:40]
            name = _title(rest, inline)
            if not at_start and rest[len(name):][:1] in (";", "、", ";"):
                continue  # "本报告包括一、总体情况;二、…": a list, not headings
            title, start = f"{m.group('num')}、{name}", ln.start + m.start()
            if canonical:
                for number, rx in _CANONICAL:
                    if rx.match(head):
                        cands.append(_Cand(number, title, start, 3 if at_start else 2))
                        break
                else:
                    if n == 1 and at_start and not inline:  # 一、2022年工作完成情况 (no keyword)
                        cands.append(_Cand(1, title, start, 1))
            elif (at_start and not inline) or _PRE2019_KEYS.match(head):
                cands.append(_Cand(n, title, start, 3 if at_start else 2))
    return sorted(cands, key=lambda c: c.start)


def _best_increasing(cands: list[_Cand], max_gap: int) -> list[_Cand]:
    """The sequence with strictly increasing numbers and the largest total weight, neighbours
    at most ``max_gap`` apart (pre-2019: 2, so a stray "一、" after 八 cannot restart it).

    Dynamic programme over heading numbers (small), linear in the number of candidates.
    """
    best_at: dict[int, tuple[int, int]] = {}  # number → (best score of a chain ending there, its last cand)
    back: list[int] = []  # previous candidate of each candidate's best chain, -1 at a start
    scores: list[int] = []
    for i, c in enumerate(cands):
        prevs = [best_at[v] for v in range(c.number - max_gap, c.number) if v in best_at]
        score, prev = max(prevs, default=(0, -1))
        scores.append(score + c.weight)
        back.append(prev)
        if scores[i] > best_at.get(c.number, (-1, -1))[0]:
            best_at[c.number] = (scores[i], i)
    if not cands:
        return []
    i = max(range(len(cands)), key=lambda k: (scores[k], -k))
    out: list[_Cand] = []
    while i >= 0:
        out.append(cands[i])
        i = back[i]
    return out[::-1]


def _recover_five(text: str, chosen: list[_Cand]) -> list[_Cand]:
    """Heading 五 lost (PDF extraction): start section 5 at the "(一)…问题/改进" after 四."""
    numbers = [c.number for c in chosen]
    if 5 in numbers or 4 not in numbers:
        return chosen
    k = numbers.index(4)
    end = chosen[k + 1].start if k + 1 < len(chosen) else len(text)
    m = _MISSING_FIVE.search(text, chosen[k].start, end)
    if not m:
        return chosen
    line_end = text.find("\n", m.start())
    title = text[m.start():line_end if line_end >= 0 else len(text)].strip()[:40]
    five = _Cand(5, title, m.start(), 0)
    return chosen[:k + 1] + [five] + chosen[k + 1:]
