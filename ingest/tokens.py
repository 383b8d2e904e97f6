"""Turn a region of a loaded document into a stream of label / number / blank tokens.

Every table layout the corpus shows — pipe rows, Markdown, one cell per line, HTML grids, PDF
text lines, a whole table flattened into one line with digits run together — reduces to the
same stream, which :mod:`ingest.tables` aligns against the template.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .models import LoadedDocument

TokKind = Literal["label", "num", "blank"]
_CJK = "\u4e00-\u9fff"
# A number run: digits (maybe decimal, maybe negative). Digits followed by these characters are
# part of a label ("2023年", "保留4位小数", "第711号").
_LABEL_UNITS = "年月日位号季"
_NUM_RE = re.compile(r"-?\d+(?:\.\d+)?")
_CELL_LABEL_THEN_NUMBERS = re.compile(r"^(.*[^\d\s.\-])\s+((?:-?\d+(?:\.\d+)?\s*)+)$")
# a cell that is a label with figures glued on ("行政规范性文件693665") still needs splitting
_RUN_TOGETHER = re.compile(rf"[{_CJK}“”)]\d{{2,}}(?![\d年月日位号季次条件人])")
_NUM_WITH_UNIT = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:元|万元|件|条|个|次|人|人次|篇|项|%)")
_DASHES = {"/", "-", "—", "–", "——", "－", "无", "\\"}


@dataclass(frozen=True)
class Tok:
    kind: TokKind
    text: str
    start: int
    end: int
    line_no: int
    page: int | None
    in_cell: bool = False  # came from an explicit table cell

    @property
    def is_value(self) -> bool:
        return self.kind != "label"


def _split_text(s: str, base: int) -> list[tuple[TokKind, str, int, int]]:
    """Split free text into label and number pieces (offsets relative to the document)."""
    out: list[tuple[TokKind, str, int, int]] = []
    pos = 0
    label_start = None

    def flush_label(upto: int) -> None:
        nonlocal label_start
        if label_start is not None:
            piece = s[label_start:upto]
            if piece.strip(" \t|｜"):  # a lone "|" separates cells; it is not a label
                lead = len(piece) - len(piece.lstrip())
                out.append(("label", piece.strip(), base + label_start + lead,
                            base + label_start + lead + len(piece.strip())))
            label_start = None

    for m in _NUM_RE.finditer(s):
        a, b = m.span()
        txt = m.group()
        nxt = s[b:b + 1]
        prev = s[a - 1:a] if a > 0 else ""
        # "2023年", "第711号": part of a label
        if nxt and nxt in _LABEL_UNITS:
            continue
        if prev in ("第",) or (prev and prev.isalpha() and prev.isascii()):
            continue
        # "…00000002.其他法律": the last digit numbers the next label ("2.")
        if nxt == "." and re.match(f"[{_CJK}“\"(]", s[b + 1:b + 2] or ""):
            if len(txt.lstrip("-")) == 1:
                continue  # the whole run is the sub-row number
            b -= 1
            txt = txt[:-1]
        # "1、" list markers are labels too
        if nxt == "、" and len(txt) <= 2:
            continue
        if label_start is None and pos < a:
            label_start = pos
        flush_label(a)
        out.append(("num", txt, base + a, base + b))
        pos = b
    if pos < len(s):
        label_start = pos if label_start is None else label_start
        flush_label(len(s))
    # merge label pieces that ended up adjacent (a skipped number inside a label)
    merged: list[tuple[TokKind, str, int, int]] = []
    for t in out:
        if merged and t[0] == "label" and merged[-1][0] == "label":
            k, txt, a, _ = merged[-1]
            merged[-1] = ("label", s[a - base:t[3] - base].strip(), a, t[3])
        else:
            merged.append(t)
    return merged


def tokenize(doc: LoadedDocument, start: int, end: int) -> list[Tok]:
    """Tokens of ``doc.text[start:end]``, line by line."""
    toks: list[Tok] = []
    for ln in doc.lines:
        if ln.end <= start or ln.start >= end:
            continue
        if ln.cells is not None and ln.start >= start and ln.end <= end:
            pos = ln.start
            for cell in ln.cells:
                c = cell.strip()
                if c == "":
                    toks.append(Tok("blank", "", pos, pos, ln.line_no, ln.page, True))
                elif c in _DASHES:
                    toks.append(Tok("blank", c, pos, pos + len(cell), ln.line_no, ln.page, True))
                elif _NUM_RE.fullmatch(c.replace(" ", "")) and " " not in c:
                    toks.append(Tok("num", c, pos, pos + len(cell), ln.line_no, ln.page, True))
                elif (mu := _NUM_WITH_UNIT.fullmatch(c)):
                    toks.append(Tok("num", mu.group(1), pos, pos + len(mu.group(1)), ln.line_no, ln.page, True))
                else:
                    m = _CELL_LABEL_THEN_NUMBERS.match(cell)
                    if m and re.search(f"[{_CJK}]", cell):
                        # "行政许可 550": a label cell that swallowed its figures
                        toks.append(Tok("label", m.group(1).strip(), pos, pos + len(m.group(1)), ln.line_no, ln.page, True))
                        for x in _NUM_RE.finditer(m.group(2)):
                            a = pos + m.start(2) + x.start()
                            toks.append(Tok("num", x.group(), a, a + len(x.group()), ln.line_no, ln.page, True))
                    elif re.search(f"[{_CJK}]", cell) and not _RUN_TOGETHER.search(cell):
                        toks.append(Tok("label", c, pos, pos + len(cell), ln.line_no, ln.page, True))
                    else:
                        for kind, txt, a, b in _split_text(cell, pos):
                            toks.append(Tok(kind, txt, a, b, ln.line_no, ln.page, True))
                pos += len(cell) + 3  # " | "
            continue
        a = max(start, ln.start)
        b = min(end, ln.end)
        for kind, txt, x, y in _split_text(doc.text[a:b], a):
            toks.append(Tok(kind, txt, x, y, ln.line_no, ln.page, False))
    return toks
