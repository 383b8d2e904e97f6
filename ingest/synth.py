"""Synthetic reports: a real report's layout with fresh numbers that satisfy the identities.

``regenerate(doc, cells, rng)`` takes a parsed 2019/2021-template report and writes new figures
into the very places its tables held figures — one figure per cell where the source had one
token per cell, digits run together where the source ran them together (with the source's
spacing habits: none, or a stray space between some cells) — and returns the new text with the
truth for every cell it wrote. Used by the property test (every cell read back must be right or
ambiguous, never exact and wrong) and by benchmarks that need many realistic reports.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from decimal import Decimal

from . import templates as T
from .models import Cell, LoadedDocument

Num = int | Decimal | None
_PROSE_COUNT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?=\s*(?:件|条|起|宗|个|项|份|篇|次|人|元|万元|余))")


@dataclass
class Synthetic:
    text: str
    truth: dict[tuple[str, str, str], Num]  # (table, row_id, column_id) → value written


def _small(rng: random.Random, zero: float = 0.6) -> int:
    r = rng.random()
    if r < zero:
        return 0
    if r < zero + (1 - zero) * 0.6:
        return rng.randint(1, 9)
    if r < zero + (1 - zero) * 0.9:
        return rng.randint(10, 99)
    return rng.randint(100, 999)


def t3_values(template: str, rng: random.Random) -> dict[str, tuple[int, ...]]:
    """Table 三 rows (7 columns) satisfying the row sums and both column identities."""
    rows = T.t3_rows(template)
    outcome = T.t3_outcome_rows(template)
    vals: dict[str, list[int]] = {}
    busy = rng.random()
    for r in outcome:
        vals[r] = [_small(rng, 0.9 if rng.random() > busy else 0.5) if i == 0 else _small(rng, 0.92)
                   for i in range(6)]
    total = [sum(vals[r][i] for r in outcome) for i in range(6)]
    cf = [_small(rng, 0.8) for _ in range(6)]
    co = [rng.randint(0, total[i] + cf[i]) if rng.random() < 0.25 else 0 for i in range(6)]
    new = [total[i] + cf[i] - co[i] for i in range(6)]
    vals.update(total=total, carried_forward=cf, carried_over=co, new=new)
    return {r.id: tuple(vals[r.id]) + (sum(vals[r.id]),) for r in rows}


def t4_values(rng: random.Random) -> tuple[int, ...]:
    out: list[int] = []
    for _ in T.T4_GROUPS:
        parts = [_small(rng, 0.7) for _ in range(4)]
        out += parts + [sum(parts)]
    return tuple(out)


def t2_value(row: T.T2Row, col: T.ColumnSpec, rng: random.Random) -> Num:
    if row.decimal and col.id == "amount":
        r = rng.random()
        if r < 0.6:
            return 0
        if r < 0.8:
            return Decimal(f"{rng.randint(0, 999)}.{rng.randint(1, 99)}").normalize() if rng.random() < 0.5 \
                else rng.randint(1, 99999)
        return rng.randint(1, 999)
    return _small(rng, 0.4)


def _fmt(v: Num) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        s = format(v, "f")
        return s.rstrip("0").rstrip(".") if "." in s else s
    return str(v)


def _render_run(values: list[Num], spaced: bool, rng: random.Random) -> str:
    """Figures of one row run together; a blank cell is a space; ``spaced`` adds stray spaces."""
    out = ""
    for i, v in enumerate(values):
        s = _fmt(v)
        if i and (v is None or values[i - 1] is None):
            out += " "
        elif i and spaced and rng.random() < 0.35:
            out += " "
        out += s
    return out


def regenerate(doc: LoadedDocument, cells: list[Cell], template: str, rng: random.Random,
               blank_rate: float = 0.1) -> Synthetic | None:
    """The report's text with fresh figures in its 表二/表三/表四 cells (None when it has none).
    In rows whose figures run together, ``blank_rate`` of 表三 rows get one blank cell (a zero
    part left empty, written as the space a crawled ``&nbsp;`` cell leaves)."""
    t3 = t3_values(template, rng)
    t4 = t4_values(rng)
    t4_ids = T.t4_column_ids()
    t2_specs = {r.id: r for r in T.t2_rows(template)}
    truth: dict[tuple[str, str, str], Num] = {}
    # group the cells of each table row; a row is rewritten over the span its cells cover
    rows: dict[tuple[str, str], list[Cell]] = {}
    for c in cells:
        if c.table in ("二", "三", "四") and c.start is not None and c.end is not None:
            rows.setdefault((c.table, c.row_id), []).append(c)
    edits: list[tuple[int, int, str]] = []
    for (table, row_id), cs in rows.items():
        if table == "三" and row_id not in t3:
            continue
        if table == "二" and row_id not in t2_specs:
            continue
        if table == "三":
            new = list(t3[row_id])
            cols = [c.id for c in T.T3_COLUMNS]
        elif table == "四":
            new, cols = list(t4), list(t4_ids)
        else:
            spec = t2_specs[row_id]
            cols = [c.id for c in spec.columns]
            new = [t2_value(spec, col, rng) for col in spec.columns]
        by_col = {c.column_id: c for c in cs}
        if set(by_col) != set(cols):
            continue
        # a blank cell in the source stays blank (with its total derived by nothing: keep it blank)
        for i, cid in enumerate(cols):
            src = by_col[cid]
            if src.value is None and src.status != "ambiguous" and src.raw in ("", "∅") and table != "二":
                new[i] = None
        if table == "三" and any(v is None for v in new[:-1]):
            if new[-1] is not None:
                new[-1] = sum(v for v in new[:-1] if v is not None)
        spans = {(c.start, c.end) for c in cs}
        if len(spans) == len(cols):  # one token per cell: replace each
            for cid, v in zip(cols, new):
                c = by_col[cid]
                if v is None and doc.text[c.start:c.end].strip() == "":
                    continue
                edits.append((c.start, c.end, _fmt(v) if v is not None else ""))  # type: ignore[arg-type]
        else:
            a = min(c.start for c in cs)  # type: ignore[type-var]
            b = max(c.end for c in cs)  # type: ignore[type-var]
            src = doc.text[a:b]
            if "\n" in src or "|" in src:
                continue
            if table == "三" and rng.random() < blank_rate:
                # a cell holding only &nbsp; in the page: a zero part becomes a blank cell
                zeros = [i for i, v in enumerate(new[:-1]) if v == 0]
                if zeros:
                    new[rng.choice(zeros)] = None
            edits.append((a, b, _render_run(new, " " in src, rng)))
        for cid, v in zip(cols, new):
            truth[(table, row_id, cid)] = v
    if not edits:
        return None
    # the prose's own counts describe the old figures: neutralise them ("申请6件" → "申请若干件")
    lo = min(a for a, _, _ in edits)
    hi = max(b for _, b, _ in edits)
    for m in _PROSE_COUNT.finditer(doc.text):
        if not (lo - 200 <= m.start() < hi):
            edits.append((m.start(), m.end(), "若干"))
    edits.sort()
    text, pos, out = doc.text, 0, []
    for a, b, s in edits:
        if a < pos:
            return None  # overlapping spans: the source's cells are not cleanly located
        out.append(text[pos:a])
        out.append(s)
        pos = b
    out.append(text[pos:])
    new_text = "".join(out)
    # a row of real cells ending in an empty cell (HTML/DOCX grids, bordered Markdown) is written
    # as a bordered Markdown row, so that the empty cell stays a cell when the text is read back
    lines = new_text.split("\n")
    if len(lines) == len(doc.lines):
        lines = [f"| {t} |" if ln.cells and (doc.format in ("html", "docx") or ln.cells[-1] == "") else t
                 for t, ln in zip(lines, doc.lines)]
        new_text = "\n".join(lines)
    return Synthetic(new_text, truth)
