"""One row reader for every table: value tokens → the readings of a row of ``ncols`` cells.

``read_row`` is the single place that turns a row's value tokens (numbers, blank cells) into
candidate tuples; the tables parser calls it for 表二, 表三 and 表四 alike. The row identities of
the template (``templates.row_predicate``) filter the candidates:

- real cells (HTML/DOCX grid, pipe rows with empty cells): one reading, blanks stay ``None``;
- one figure per cell: one reading;
- digits run together (``21710000218`` for seven cells): every cut, kept if the identities hold;
- fewer digits than cells (``0 00000`` for seven cells): a blank cell is a *position* — in a
  crawled page a cell holding only ``&nbsp;`` survives as the whitespace between two runs, so
  blanks are put only at such gaps (``0 ∅ 0 0 0 0 0``), never read as a digit;
- more figures than cells: drop figures, kept only if the identities hold.

``RowReading.confirmed`` says whether the readings satisfy the row identities (False: none did,
and the readings are the loose ones); ``forced`` whether the cut needed no choice at all.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Sequence

from .digits import cut, distinct, parse_number, split_tokens
from .tokens import Tok

MAX_LOOSE = 50


@dataclass(frozen=True)
class RowShape:
    ncols: int
    accept: Callable[[tuple], bool] | None = None  # the row identities (templates.row_predicate)
    decimal: bool = False
    lost_last: bool = False  # one-digit cells, one short: the row lost its last (总计) cell


@dataclass
class RowReading:
    readings: list[tuple]
    tokens: list[Tok]
    how: str  # "cells" | "split" | "blank-gap" | "dropped" | "lost-last" | "none"
    confirmed: bool = True  # the readings satisfy the row identities
    forced: bool = False  # no choice was involved (one figure per cell, or one digit per cell)
    notes: list[str] = field(default_factory=list)

    @property
    def raw(self) -> str:
        return " ".join(t.text or "∅" for t in self.tokens)


def _ok(shape: RowShape, vals: tuple) -> bool:
    return shape.accept is None or shape.accept(vals)


def _gaps(tokens: Sequence[Tok], text: str | None) -> list[int]:
    """Gap indices (0 = before the first token … len = after the last) where whitespace stands in
    the source, i.e. where a blank cell may have been."""
    if text is None:
        return list(range(1, len(tokens)))
    out = []
    for i in range(len(tokens) + 1):
        if i == 0:
            a = tokens[0].start
            ok = a > 0 and text[a - 1].isspace()
        elif i == len(tokens):
            b = tokens[-1].end
            ok = b < len(text) and text[b].isspace() and tokens[-1].line_no == tokens[-1].line_no
        else:
            between = text[tokens[i - 1].end:tokens[i].start]
            ok = between != "" and between.strip() == ""
        if ok:
            out.append(i)
    return out


def _with_blanks(texts: list[str], ncols: int, gaps: list[int], nblank: int, decimal: bool,
                 accept: Callable | None = None, forbid: frozenset = frozenset()) -> list[tuple]:
    """Readings with ``nblank`` blank cells at whitespace gaps and the tokens cut into the rest
    (``accept`` prunes cuts whose finished identities fail; ``forbid``: cells a blank may not take)."""
    out: list[tuple] = []
    for placement in itertools.combinations_with_replacement(gaps, nblank):
        at = {g: placement.count(g) for g in set(placement)}
        out += cut(texts, ncols, decimal, accept, at, forbid)
    return distinct(out)


def read_row(tokens: list[Tok], shape: RowShape, text: str | None = None) -> RowReading:
    """Every reading of ``tokens`` as ``shape.ncols`` cells; ``text`` (the document text) lets
    blank cells be placed at the whitespace the tokens' offsets show."""
    n = shape.ncols
    if any(t.kind == "blank" for t in tokens):
        while len(tokens) > n and tokens[0].kind == "blank" and tokens[0].text == "":
            tokens = tokens[1:]  # colspan filler of the label column (HTML grids are right-aligned)
        while len(tokens) > n and tokens[-1].kind == "blank":
            tokens = tokens[:-1]
        if len(tokens) == n:
            vals = tuple(None if t.kind == "blank" else parse_number(t.text) for t in tokens)
            if tokens[0].kind == "blank" and tokens[0].text == "" and tokens[-1].kind != "blank":
                # a leading empty cell may be the label column's filler, with the row's last
                # (blank) cell lost at the end of a pipe line: both positions are readings
                shifted = vals[1:] + (None,)
                both = [v for v in (vals, shifted) if _ok(shape, v)] or [vals, shifted]
                return RowReading(both, tokens, "cells", True, len(both) == 1,
                                  ["a leading empty cell: label filler or a blank first cell"])
            return RowReading([vals], tokens, "cells", _ok(shape, vals), True)
        nums = [t for t in tokens if t.kind == "num"]
        if len(nums) == n:
            vals = tuple(parse_number(t.text) for t in nums)
            return RowReading([vals], nums, "cells", _ok(shape, vals), True)
        return RowReading([], tokens, "none", False)
    texts = [t.text for t in tokens]
    if not texts:
        return RowReading([], tokens, "none", False)
    if len(texts) == n:
        vals = tuple(parse_number(x) for x in texts)
        if all(v is not None for v in vals):
            return RowReading([vals], tokens, "cells", _ok(shape, vals), True)
        return RowReading([], tokens, "none", False)
    ndigits = sum(sum(ch.isdigit() for ch in x) for x in texts)
    if shape.lost_last and len(texts) == n - 1 and n > 2 and all(len(x.lstrip("-")) == 1 for x in texts) \
            and all(t.in_cell for t in tokens):
        vals = tuple(parse_number(x) for x in texts) + (None,)
        return RowReading([vals], tokens, "lost-last", _ok(shape, vals), True,
                          ["the row has one figure per cell and lacks its last (总计) cell"])
    if len(texts) < n:
        if ndigits < n:
            gaps = _gaps(tokens, text)
            if not gaps:
                return RowReading([], tokens, "none", False,
                                  [f"{ndigits} digit(s) for {n} cells and no gap where a blank cell could stand"])
            cands: list[tuple] = []
            for nb in range(n - ndigits, min(n - len(texts), n - ndigits + 1) + 1):
                cands += _with_blanks(texts, n, gaps, nb, shape.decimal)
            good = [c for c in distinct(cands) if _ok(shape, c)]
            return RowReading(good if good else distinct(cands)[:MAX_LOOSE], tokens, "blank-gap", bool(good),
                              len(distinct(cands)) == 1,
                              [f"{ndigits} digits for {n} cells: blank cell(s) at the whitespace between runs"])
        in_cells = all(t.in_cell for t in tokens)
        # one digit per cell is forced only in flattened text; a figure in a real cell ("50") is
        # one cell, and a row of real cells one short may have lost its last cell instead
        forced = ndigits == n and not shape.decimal and not in_cells
        extra: list[tuple] = []
        notes: list[str] = []
        if in_cells and len(texts) == n - 1:
            vals = tuple(parse_number(x) for x in texts) + (None,)
            if all(v is not None for v in vals[:-1]) and _ok(shape, vals):
                extra = [vals]
                notes.append("a row of real cells one short: its last cell may be lost")
        elif not in_cells and shape.accept is not None and (gaps := _gaps(tokens, text)):
            # flattened text: a blank cell (&nbsp;) may stand at any whitespace, with the figures
            # around it cut differently ("60 00915" = 6,0,∅,0,0,9,15): readings the identities allow
            totals = getattr(shape.accept, "totals", frozenset())
            # one blank cell; only readings the identities check (a blank total would pass any)
            extra += [c for c in _with_blanks(texts, n, gaps, 1, shape.decimal, shape.accept, totals)
                      if shape.accept(c)]
            if extra:
                notes.append("a blank cell may stand at the whitespace between runs")
        plain = distinct(split_tokens(texts, n, allow_decimal=shape.decimal, accept=shape.accept))
        good = distinct(plain + extra)
        if good:
            return RowReading(good, tokens, "split", True, forced and len(good) == 1 and not extra, notes)
        loose = distinct(split_tokens(texts, n, allow_decimal=shape.decimal))
        return RowReading(loose if len(loose) <= MAX_LOOSE else [], tokens, "split", False, forced)
    # more figures than cells: an extra cell crept in; try dropping cells (identities must hold)
    extra = len(texts) - n
    if extra > 3:
        return RowReading([], tokens, "none", False, False, [f"{len(texts)} figures for {n} cells"])
    out = []
    for drop in itertools.combinations(range(len(texts)), extra):
        kept = tuple(parse_number(x) for i, x in enumerate(texts) if i not in drop)
        if all(v is not None for v in kept) and shape.accept is not None and shape.accept(kept):
            out.append(kept)
    return RowReading(distinct(out), tokens, "dropped", bool(out), False,
                      [f"{len(texts)} figures for {n} cells; extra cell(s) dropped where the identities allow"])
