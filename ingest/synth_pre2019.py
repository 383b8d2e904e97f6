"""Regenerate a real pre-2019 统计表 layout with fresh numbers that satisfy its identities.

``regenerate(doc, rng)`` keeps everything of a loaded report — prose, labels, units, ordinals,
separators (glued digits stay glued, spaced cells stay spaced, grid cells stay cells) — and
replaces only the table's figures (and the prose figures the vocabulary reads as evidence) with
new ones. It returns the new document and the truth per (data-row index, column id), so a test
can require every cell back either exact and right, or ambiguous.

The numbers obey what real tables obey: 历年累计 ≥ 本年度, and ``templates.PRE2019_IDENTITIES``
(channels and replies sum to their totals; website + gazette + other ≤ 主动公开). Blank cells
are drawn only where the layout can show them (grid cells, spaced text) and not in rows whose
figure the prose restates.
"""
from __future__ import annotations

import random
import re
from dataclasses import replace

from . import templates as T
from .indicators import Layout, prose_figures, read_layout
from .models import LoadedDocument, Line

Truth = dict[tuple[int, str], int | None]


def _draw(rng: random.Random) -> int:
    x = rng.random()
    if x < 0.35:
        return 0
    if x < 0.65:
        return rng.randint(1, 9)
    if x < 0.9:
        return rng.randint(10, 999)
    return rng.randint(1000, 99999)


def _ordered_identities() -> list[T.IndicatorIdentity]:
    """Identities whose left side feeds another identity's right side come first."""
    ids = list(T.PRE2019_IDENTITIES)
    ids.sort(key=lambda i: sum(1 for j in ids if i.lhs in j.rhs), reverse=True)
    return ids


def fresh_values(layout: Layout, rng: random.Random, blank_rate: float = 0.05) -> list[tuple[int | None, ...]]:
    """One tuple of values per data row of ``layout`` (columns as in ``layout.columns``)."""
    rows = [r for r in layout.rows if r.is_data]
    cids = [c for _, c in layout.columns]
    cur = cids.index("current") if "current" in cids else None
    cum = cids.index("cumulative") if "cumulative" in cids else None
    vals: list[list[int | None]] = []
    for _ in rows:
        v = [_draw(rng) for _ in cids]
        if cur is not None and cum is not None:
            v[cum] = v[cur] + _draw(rng)
        vals.append(v)
    index = {r.id: i for i, r in enumerate(rows)}
    for ident in _ordered_identities():
        if ident.lhs not in index:
            continue
        kids = [index[k] for k in ident.rhs if k in index]
        if not kids:
            continue
        li = index[ident.lhs]
        extra = _draw(rng) if ident.rel == ">=" else 0
        for ci in range(len(cids)):
            s = sum(vals[k][ci] or 0 for k in kids)
            vals[li][ci] = s + extra
            if ci == cum and cur is not None:
                vals[li][ci] += _draw(rng) if ident.rel == ">=" else 0
    prose_ids = {ind.id for ind in T.PRE2019_INDICATORS if ind.prose}
    in_identity = {i for ident in T.PRE2019_IDENTITIES for i in (ident.lhs, *ident.rhs)}
    if layout.mode != "glued" and len(cids) > 1:
        for i, r in enumerate(rows):
            if r.id in prose_ids or r.id in in_identity:
                continue
            if rng.random() < blank_rate:
                vals[i][rng.randrange(len(cids))] = None
    return [tuple(v) for v in vals]


def _render(values: tuple[int | None, ...], glued: bool) -> str:
    return ("" if glued else " ").join(str(v) for v in values if v is not None)


def _apply(doc: LoadedDocument, repl: list[tuple[int, int, str]]) -> LoadedDocument:
    """``doc`` with text spans replaced; lines and grid cells follow."""
    repl = sorted(repl)
    new_lines: list[Line] = []
    parts: list[str] = []
    pos = 0
    for ln in doc.lines:
        mine = [r for r in repl if ln.start <= r[0] and r[1] <= ln.end]
        text = ln.text
        for a, b, new in sorted(mine, reverse=True):
            text = text[: a - ln.start] + new + text[b - ln.start:]
        cells = None
        if ln.cells is not None:
            cells, cpos = [], ln.start
            for c in ln.cells:
                i = doc.text.find(c, cpos, ln.end + 1) if c else -1
                a = i if i >= 0 else cpos
                hit = [r for r in mine if r[0] == a and r[1] == a + len(c)] if c else []
                cells.append(hit[0][2] if hit else c)
                cpos = a + len(c) if i >= 0 else cpos
            cells = tuple(cells)
            text = " | ".join(cells)
        new_lines.append(Line(text, pos, pos + len(text), ln.line_no, ln.page, cells))
        parts.append(text)
        pos += len(text) + 1
    return replace(doc, text="\n".join(parts), lines=new_lines, content_hash=doc.content_hash[:8] + "synth")


def regenerate(doc: LoadedDocument, rng: random.Random) -> tuple[LoadedDocument, Truth, Layout]:
    """A copy of ``doc`` whose 统计表 (and restated prose figures) carry fresh numbers."""
    layout = read_layout(doc)
    if layout is None:
        raise ValueError(f"{doc.source}: no pre-2019 统计表 found")
    rows = [r for r in layout.rows if r.is_data]
    cids = [c for _, c in layout.columns]
    values = fresh_values(layout, rng)
    repl: list[tuple[int, int, str]] = []
    truth: Truth = {}
    for i, (r, v) in enumerate(zip(rows, values)):
        if layout.mode == "cells" or any(x.cell for x in r.values):
            # a grid keeps its cells: only cells that exist get a figure, the rest stay blank
            cells = r.values[: len(cids)]
            v = tuple(v[ci] if ci < len(cells) and cells[ci].text else None for ci in range(len(cids)))
            for ci, x in enumerate(cells):
                if x.text:
                    repl.append((x.start, x.end, "" if v[ci] is None else str(v[ci])))
        elif not r.values:
            v = (None,) * len(cids)
        values[i] = v
        for ci, cid in enumerate(cids):
            truth[(i, cid)] = v[ci]
        if not r.values or layout.mode == "cells" or any(x.cell for x in r.values):
            continue
        glued = all(x.glued for x in r.values[1:]) and layout.mode == "glued"
        repl.append((r.values[0].start, r.values[-1].end, _render(v, glued)))
    # the prose restates some figures: keep it telling the same story
    by_id = {r.id: i for i, r in enumerate(rows)}
    for f in prose_figures(doc.text, (layout.start, layout.end)):
        i = by_id.get(f.indicator)
        if i is None or f.column not in cids:
            continue
        new = truth[(i, f.column)]
        m = re.search(rf"(?<!\d){f.value}(?!\d)", doc.text[f.start: f.start + 40])
        if m and new is not None and f.value != 0:
            repl.append((f.start + m.start(), f.start + m.end(), str(new)))
    # drop overlapping replacements (a prose match inside another), keep the first
    repl.sort()
    kept: list[tuple[int, int, str]] = []
    for r in repl:
        if kept and r[0] < kept[-1][1]:
            continue
        kept.append(r)
    return _apply(doc, kept), truth, layout
