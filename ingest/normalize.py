"""Text normalisation: Traditional → Simplified, pinyin glosses, widths, stray spaces, repeats.

All functions are pure and work on one string (a line or a cell) so that character offsets
of the normalised document stay simple: the loader normalises piece by piece and builds the
document text from the normalised pieces.
"""
from __future__ import annotations

import re
from functools import lru_cache

_CJK = "\u4e00-\u9fff\u3400-\u4dbf"
# Pinyin glued to a character by converting sites: 張店區(qū) 報(bào) 數(shù)量. Tone-marked only, so that
# ordinary bracketed Latin ("邮箱(email)") survives.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_GLOSS = re.compile(rf"(?<=[{_CJK}])[(（]([a-zü{_TONED}]{{1,7}})[)）]")

_WIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)},
     **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
     **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
     "（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "！": "!", "？": "?",
     "％": "%", "／": "/", "－": "-", "＋": "+", "．": ".", "\u3000": " ", "\xa0": " ",
     "\u200b": "", "\ufeff": "", "＂": '"', "｜": "|", "〔": "〔", "\t": " "}
)
_UNIT_AFTER_DIGIT = "年月日号件条次个篇项人家期元万亿户份部名场场类余多起%"
_SPACE_CJK = re.compile(rf"(?<=[{_CJK}“”、])[ ]+(?=[{_CJK}“”、])")
_SPACE_DIGIT_UNIT = re.compile(rf"(?<=\d)[ ]+(?=[{_UNIT_AFTER_DIGIT}])")
_SPACE_YEAR_DIGIT = re.compile(r"(?<=[年月至自共计])[ ]+(?=\d)")
_MULTI_SPACE = re.compile(r"[ ]{2,}")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # opencc-python-reimplemented

    return OpenCC("t2s")


# Characters that exist only in Traditional script and are frequent in these reports; a text
# with none of them is not sent through OpenCC (which is slow in its pure-Python form).
_TRAD_MARKERS = set("區報數據據與個書開發關於這時會處務學見電話體國機實經辦為對應將從條歲請辦歷費審議務權統計劃點負責際門戶單傳態類規範總幾產業執決結轉復訴")


def looks_traditional(text: str) -> bool:
    hits = sum(1 for ch in text if ch in _TRAD_MARKERS)
    return hits >= 3 and hits >= len(text) * 0.002


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def strip_pinyin(text: str) -> str:
    return _PINYIN_GLOSS.sub("", text)


def unify_width(text: str) -> str:
    return text.translate(_WIDTH)


def join_broken_words(text: str) -> str:
    """Remove stray spaces inside Chinese words and between a number and its unit."""
    text = _SPACE_CJK.sub("", text)
    text = _SPACE_DIGIT_UNIT.sub("", text)
    text = _SPACE_YEAR_DIGIT.sub("", text)
    return _MULTI_SPACE.sub(" ", text)


def normalize_piece(text: str, *, traditional: bool) -> str:
    """Normalise one line or cell. ``traditional`` is decided once per document."""
    text = strip_pinyin(text)
    if traditional:
        text = to_simplified(text)
    text = unify_width(text)
    return join_broken_words(text).strip()


def drop_repeated_blocks(lines: list[str], min_chars: int = 120) -> tuple[list[str], list[tuple[int, int]]]:
    """Drop a run of lines pasted twice in a row (the second copy).

    Returns the kept lines and the (start, length) of each dropped run, in input line indices.
    A run counts when it is at least ``min_chars`` long, so that repeated short headings
    ("信息内容") stay.
    """
    n = len(lines)
    keep = [True] * n
    dropped: list[tuple[int, int]] = []
    index: dict[str, list[int]] = {}
    for i, ln in enumerate(lines):
        if len(ln) >= 20:
            index.setdefault(ln, []).append(i)
    i = 0
    while i < n:
        best = 0
        for j in index.get(lines[i], []):
            if j <= i:
                continue
            k = 0
            while j + k < n and i + k < j and lines[i + k] == lines[j + k]:
                k += 1
            chars = sum(len(x) for x in lines[j:j + k])
            if chars >= min_chars and k > best:
                best = k
                start = j
        if best:
            for t in range(start, start + best):
                keep[t] = False
            dropped.append((start, best))
            i = start + best
        else:
            i += 1
    return [ln for ln, k in zip(lines, keep) if k], dropped
