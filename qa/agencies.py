"""Resolve the loose agency names users type to the agencies in the store.

马尚街道 / 马尚街道办事处 / 张店区马尚街道 / 张店区人民政府马尚街道办事处 all name one report. Each
stored agency gets a set of *variants* (its full name, aliases written in the report, the name
with leading place names dropped, without 人民政府/办事处 …, common abbreviations); the
question is matched against them, longest first, allowing one wrong character in names of four
or more characters (OCR: 沭阳县 / 沐阳县).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_SUFFIXES = ("人民政府办公厅", "人民政府办公室", "街道办事处", "人民政府", "办事处", "管委会", "管理委员会", "政府")
_PLACE = re.compile(r"^(.{2,9}?(?:省|自治区|市|自治州|地区|盟|区|县|旗))")
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("科学技术委员会", "科委"),
    ("发展和改革委员会", "发改委"),
    ("人力资源和社会保障局", "人社局"),
    ("住房和城乡建设局", "住建局"),
    ("生态环境局", "环保局"),
    ("市场监督管理局", "市场监管局"),
    ("人民政府办公厅", "政府办公厅"),
    ("人民政府办公室", "政府办公室"),
    ("综合实验区管委会", "综合实验区"),
)
# words that look like an agency name in a question
AGENCY_MENTION = re.compile(
    r"([\u4e00-\u9fff]{2,24}(?:人民政府办公厅|人民政府办公室|人民政府|街道办事处|办事处|管委会|委员会|"
    r"综合实验区|政府|街道|镇|乡|局|委|办|厅|署|中心|区|县|市))")


@dataclass
class AgencyEntry:
    name: str
    variants: set[str] = field(default_factory=set)


@dataclass
class Resolution:
    agency: str | None  # the chosen agency
    matched: str = ""  # the words of the question that named it
    candidates: list[str] = field(default_factory=list)  # all equally good matches
    fuzzy: bool = False
    mention: str | None = None  # an agency-like phrase in the question, when nothing matched


def _strip_places(name: str) -> list[str]:
    out = [name]
    cur = name
    for _ in range(3):
        m = _PLACE.match(cur)
        if not m or len(cur) - len(m.group(1)) < 2:
            break
        cur = cur[len(m.group(1)):]
        out.append(cur)
    return out


def variants(name: str, aliases: list[str] | None = None) -> set[str]:
    base = {name, *(aliases or [])}
    out: set[str] = set()
    for n in base:
        for long, short in ABBREVIATIONS:
            if long in n:
                base_n = n.replace(long, short)
                out.add(base_n)
            if short in n:
                out.add(n.replace(short, long))
    base |= out
    result: set[str] = set()
    work = [v for n in base for v in _strip_places(n)]
    for n in list(work):
        # "张店区人民政府马尚街道办事处" → "马尚街道办事处"
        if "人民政府" in n and not n.endswith("人民政府"):
            work.append(n.split("人民政府", 1)[1])
    for v in work:
        result.add(v)
        for suf in _SUFFIXES:  # longest first: strip one suffix only
            if v.endswith(suf) and len(v) - len(suf) >= 2:
                stem = v[: -len(suf)]
                result.add(stem)
                if suf in ("街道办事处", "办事处") and not stem.endswith("街道"):
                    result.add(stem + "街道")
                break
    return {v for v in result if len(v) >= 2 and v not in ("街道", "人民政府", "政府", "人民")}


class AgencyIndex:
    def __init__(self, entries: dict[str, list[str]]):
        """``entries``: agency name → aliases written in its reports."""
        self.entries = [AgencyEntry(name, variants(name, aliases)) for name, aliases in entries.items()]

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def resolve(self, question: str) -> Resolution:
        q = question
        best_len = 0
        best: list[tuple[str, str, bool]] = []
        for e in self.entries:
            for v in e.variants:
                if len(v) < 2:
                    continue
                hit = v in q
                fuzzy = False
                if not hit and (len(v) >= 4 or (len(v) == 3 and v[-1] in "县区市镇乡")) \
                        and _near_substring(v, q, first_only=len(v) == 3):
                    hit, fuzzy = True, True
                if not hit:
                    continue
                score = len(v) - (1 if fuzzy else 0)
                if score > best_len:
                    best_len, best = score, [(e.name, v, fuzzy)]
                elif score == best_len and e.name not in [b[0] for b in best]:
                    best.append((e.name, v, fuzzy))
        if best and best_len >= 2:
            # a generic stem ("行政审批服务局") must not beat a more specific unmatched mention
            names = [b[0] for b in best]
            return Resolution(names[0] if len(names) == 1 else names[0], best[0][1], names, best[0][2])
        m = AGENCY_MENTION.search(_drop_noise(q))
        return Resolution(None, mention=m.group(1) if m else None)

    def nearest(self, mention: str, k: int = 3) -> list[str]:
        """Stored agencies sharing the most characters with ``mention``."""
        def score(e: AgencyEntry) -> float:
            best = 0.0
            for v in e.variants | {e.name}:
                common = len(set(v) & set(mention))
                best = max(best, common / max(len(set(mention)), 1))
            return best
        ranked = sorted(self.entries, key=score, reverse=True)
        return [e.name for e in ranked[:k] if score(e) > 0.3]


_NOISE = re.compile(r"\d{4}\s*年度?|多少|几|哪个|哪些|机关|申请|政府信息公开|报告")


def _drop_noise(q: str) -> str:
    return _NOISE.sub(" ", q)


def _near_substring(v: str, q: str, first_only: bool = False) -> bool:
    """``v`` occurs in ``q`` with at most one character different (only the first, for short names)."""
    n = len(v)
    for i in range(len(q) - n + 1):
        diff = 0
        if first_only and v[1:] != q[i + 1:i + n]:
            continue
        for a, b in zip(v, q[i:i + n]):
            if a != b:
                diff += 1
                if diff > 1:
                    break
        if diff <= 1:
            return True
    return False
