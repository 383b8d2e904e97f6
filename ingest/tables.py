"""Statistical tables 二, 三, 四 and the pre-2019 统计表 → structured cells.

The parser works on the token stream of :mod:`ingest.tokens`, so one algorithm serves every
layout. For table 三 it

1. cuts the stream into *groups* (a run of labels, then a run of values),
2. anchors groups whose own label names a template row (monotonically, in template order),
3. places label-less groups in the gaps between anchors by template order,
4. reads each group's values — splitting digits run together — keeping only readings that
   satisfy the row identity (总计 = Σ applicant columns), and
5. chooses among the remaining readings with the column identities; what stays undecided is
   marked ``ambiguous`` with its alternatives in ``note``.

Cells placed by order rather than by their own label are marked ``inferred``.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from . import templates as T
from . import prose_facts
from .digits import distinct, parse_number
from .models import Cell, Finding, LoadedDocument, Section
from .indicators import parse_indicator_table
from .rowread import RowReading, RowShape, read_row
from .tokens import Tok, tokenize

# ------------------------------------------------------------------------------ regions
_T3_START = re.compile(r"收到和处理政府信息公开申请(?:的)?情况")
_T3_HEADER = re.compile(r"本列数据的勾稽关系")
_T3_FIRST_ROW = re.compile(r"本年新收|新收政府信息公开申请")
_CARRY_FWD = re.compile(r"结转下年")
_T4_START = re.compile(r"四、[^。\n]{0,30}?复议|行政复议[、和及与]?\s*行政诉讼(?:情况)?|行政复议(?:\s*\|\s*)+行政诉讼")
_T5_START = re.compile(r"五、|存在的主要问题|主要问题(?:及|和)改进")
_T2_START = re.compile(r"第二十条第?\(?一\)?项")


@dataclass
class Regions:
    t2: tuple[int, int] | None = None
    t3: tuple[int, int] | None = None
    t4: tuple[int, int] | None = None


def find_regions(text: str, template: str) -> Regions:
    r = Regions()
    if template == "pre2019":
        return r  # the 统计表 is found and read by ingest/indicators.py
    # the table's header is the last "收到和处理…申请情况"/"勾稽关系" before its first row; the
    # phrase also occurs in a report's opening sentence, so searching forward is not enough
    first_row = _T3_FIRST_ROW.search(text)
    starts = [m for m in _T3_START.finditer(text) if first_row is None or m.start() < first_row.start()]
    if first_row is not None:
        near = [m for m in starts if first_row.start() - m.start() < 1500]
        hdr = [m for m in _T3_HEADER.finditer(text, 0, first_row.start()) if first_row.start() - m.start() < 1500]
        t3a = near[-1].start() if near else (hdr[-1].start() if hdr else first_row.start())
    elif starts:
        t3a = starts[-1].start()
    else:
        return r
    cf = _CARRY_FWD.search(text, t3a)
    m4 = _T4_START.search(text, cf.end() if cf else t3a + 1)
    t3b = m4.start() if m4 else (cf.end() + 200 if cf else len(text))
    r.t3 = (t3a, t3b)
    if m4:
        m5 = _T5_START.search(text, m4.end())
        r.t4 = (m4.start(), m5.start() if m5 else min(len(text), m4.end() + 2000))
    m2 = _T2_START.search(text, 0, t3a)
    if m2:
        r.t2 = (max(0, m2.start() - 40), t3a)
    return r


# ------------------------------------------------------------------------------ groups
@dataclass
class Group:
    labels: list[Tok] = field(default_factory=list)
    values: list[Tok] = field(default_factory=list)

    @property
    def attached_text(self) -> str:
        if not self.values:
            return ""
        ln = self.values[0].line_no
        return "".join(t.text for t in self.labels if t.line_no == ln)

    @property
    def detached_text(self) -> str:
        ln = self.values[0].line_no if self.values else -1
        return "".join(t.text for t in self.labels if t.line_no != ln)

    @property
    def label_text(self) -> str:
        return "".join(t.text for t in self.labels)

    @property
    def n_values(self) -> int:
        return len(self.values)


def make_groups(toks: list[Tok]) -> list[Group]:
    """Labels followed by values; a new line that starts with values opens a new group."""
    groups: list[Group] = []
    cur = Group()
    prev: Tok | None = None
    for t in toks:
        if t.kind == "blank" and not cur.values and prev is not None and prev.kind == "label" \
                and prev.line_no == t.line_no and t.in_cell and _row_has_grid(toks, t):
            cur.values.append(t)  # an empty cell right after its row label (HTML/DOCX grids)
            prev = t
            continue
        prev = t
        if t.kind == "label":
            if cur.values:
                groups.append(cur)
                cur = Group()
            cur.labels.append(t)
        else:
            if t.kind == "blank" and not cur.values:
                continue  # leading empty cells (label columns)
            if cur.values and t.line_no != cur.values[-1].line_no and _line_starts_with_values(toks, t):
                groups.append(cur)
                cur = Group()
            cur.values.append(t)
    if cur.values or cur.labels:
        groups.append(cur)
    return groups


def _row_has_grid(toks: list[Tok], t: Tok) -> bool:
    """True for rows of a real grid (HTML/DOCX), where every cell position is kept."""
    return any(x.line_no == t.line_no and x.kind == "blank" and x.text == "" for x in toks) and \
        sum(1 for x in toks if x.line_no == t.line_no and x.kind != "label") >= 5


def _line_starts_with_values(toks: list[Tok], t: Tok) -> bool:
    first = next(x for x in toks if x.line_no == t.line_no)
    return first is t or (first.kind == "blank" and first.line_no == t.line_no and first.start <= t.start)


# ------------------------------------------------------------------------------ table 三
def _norm_label(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _row_candidates(text: str, rows: tuple[T.RowSpec, ...]) -> list[int]:
    t = _norm_label(text)
    return [i for i, r in enumerate(rows) if any(k in t for k in r.keys)]


def _group_candidates(text: str, rows: tuple[T.RowSpec, ...]) -> list[int]:
    t = _norm_label(text)
    out = []
    for gid, keys in T.T3_GROUP_KEYS.items():
        if any(k in t for k in keys):
            out.extend(i for i, r in enumerate(rows) if r.group == gid or r.id == gid)
    return out


@dataclass
class _Placed:
    row: int
    tokens: list[Tok]
    how: str  # "label" | "order" | "group"
    label_toks: list[Tok]


def _values_tokens(g: Group) -> list[Tok]:
    return [t for t in g.values]


def parse_table3(doc: LoadedDocument, region: tuple[int, int], template: str) -> tuple[list[Cell], list[Finding]]:
    rows = T.t3_rows(template)
    region_text = doc.text[region[0]:region[1]]
    if template != "2019" and "其他处理" in region_text and not any(
            k in region_text for k in ("不补正", "缴纳费用", "收费通知", "3.其他")):
        rows = T.T3_ROWS_2019  # (六)其他处理 printed as a single row
    cols = T.T3_COLUMNS
    ncols = len(cols)
    toks = tokenize(doc, *region)
    groups = [g for g in make_groups(toks) if g.values and (
        any(t.kind == "num" for t in g.values) or _row_candidates(g.attached_text, rows))]
    findings: list[Finding] = []

    # merge consecutive label-less fragments that together make one row (wrapped numbers)
    # (a row's figures wrapped over lines, or one figure per line as some PDF extractions give)
    merged: list[Group] = []
    for g in groups:
        prev = merged[-1] if merged else None
        if (prev is not None and not g.attached_text and not g.detached_text and prev.n_values < ncols
                and prev.n_values + g.n_values <= ncols and all(t.kind == "num" for t in prev.values + g.values)
                and (prev.n_values + g.n_values == ncols or len(g.values) == 1)):
            prev.values.extend(g.values)
        else:
            merged.append(g)
    groups = merged

    # 1) anchors: groups whose own label names a row, in template order
    placed: list[_Placed | None] = [None] * len(groups)
    cursor = 0
    anchors: list[tuple[int, int]] = []  # (group index, row index)
    for gi, g in enumerate(groups):
        cands = _row_candidates(g.attached_text, rows) or (
            _row_candidates(g.detached_text, rows) if _detached_is_local(g) else [])
        cands = [c for c in cands if c >= cursor]
        if cands:
            r = min(cands)
            anchors.append((gi, r))
            cursor = r + 1
    # 2) fill gaps by order (group labels like "(五)不予处理" as hints)
    bounds = [(-1, -1)] + anchors + [(len(groups), len(rows))]
    for (g0, r0), (g1, r1) in zip(bounds, bounds[1:]):
        if 0 <= g0 < len(groups):
            placed[g0] = _Placed(r0, _values_tokens(groups[g0]), "label", groups[g0].labels)
        free_groups = list(range(g0 + 1, g1))
        free_rows = list(range(r0 + 1, r1))
        if not free_groups:
            continue
        # a group may hold several rows' values (k * ncols values)
        expanded: list[tuple[int, list[Tok]]] = []
        for gi in free_groups:
            vals = _values_tokens(groups[gi])
            if len(vals) > ncols and len(vals) % ncols == 0 and _all_simple(groups[gi]):
                for k in range(len(vals) // ncols):
                    expanded.append((gi, vals[k * ncols:(k + 1) * ncols]))
            else:
                expanded.append((gi, vals))
        if g0 == -1 and len(expanded) > len(free_rows):
            expanded = expanded[len(expanded) - len(free_rows):]  # header numbers before row 一
        if len(expanded) > len(free_rows):
            stray = [e for e in expanded if len(e[1]) < ncols - 1 and all(
                t.kind == "blank" or len(t.text.lstrip("-")) == 1 for t in e[1])]
            if stray and len(expanded) - len(stray) <= len(free_rows):
                for gi, vals in stray:
                    findings.append(Finding(
                        "parse.stray_figures", "info",
                        f"表三: stray figure(s) {' '.join(t.text for t in vals)} (line {vals[0].line_no}) "
                        f"outside any row were ignored", table="三"))
                expanded = [e for e in expanded if e not in stray]
        if len(expanded) <= len(free_rows):
            slots = _place_in_gap(expanded, free_rows, groups, rows)
            for (gi, vals), r in zip(expanded, slots):
                how = "order"
                if placed[gi] is None:
                    placed[gi] = _Placed(r, vals, how, groups[gi].labels)
                else:  # second row of a multi-row group
                    placed.append(_Placed(r, vals, how, []))
            if len(expanded) < len(free_rows):
                missing = [rows[i].label for i in free_rows if i not in slots]
                findings.append(Finding("parse.missing_rows", "warning",
                                        f"表三: {len(missing)} row(s) not found in the text: " + "; ".join(missing),
                                        table="三"))
        else:
            findings.append(Finding("parse.extra_rows", "warning",
                                    f"表三: {len(expanded) - len(free_rows)} unexplained value row(s) between "
                                    f"{rows[r0].label if r0 >= 0 else 'start'} and "
                                    f"{rows[r1].label if r1 < len(rows) else 'end'}; they were not used",
                                    table="三"))
            for (gi, vals), r in zip(expanded, free_rows):
                placed[gi] = _Placed(r, vals, "order", groups[gi].labels)
    placements = [p for p in placed if p is not None]

    # 3) readings per row (read_row, filtered by the row identity), then choose with the column
    #    identities and the prose; a row cut or placed without an identity confirming it is ambiguous
    col_ids = [c.id for c in cols]
    idents = T.t3_identities(template)
    shape = RowShape(ncols, T.row_predicate(idents, col_ids), lost_last=True)
    per_row: dict[int, tuple[_Placed, RowReading]] = {}
    for p in placements:
        per_row[p.row] = (p, read_row(p.tokens, shape, doc.text))
    facts = prose_facts.extract(doc.text, [region])
    chosen, undecided, why = _choose_t3(per_row, rows, idents, facts)
    derive_totals = _whole_total_column_blank(chosen)

    cells: list[Cell] = []
    for ri, (p, reading) in sorted(per_row.items()):
        spec = rows[ri]
        vals = chosen.get(ri)
        cands = reading.readings
        raw_tokens = reading.tokens
        raw = reading.raw
        status = "exact" if p.how == "label" else "inferred"
        notes: list[str] = []
        if p.how != "label":
            notes.append("row label missing in source; placed by template order")
        if vals is None:
            status = "ambiguous"
            notes = [(f"{len(cands)} readings fit" if cands else "no reading fits") + f": {raw}"
                     + ("" if not cands else " | " + " / ".join(",".join(_fmt(v) for v in c) for c in cands[:5]))]
            notes += reading.notes
        elif ri in undecided:
            status = "ambiguous"
            notes.append(f"digits run together ({raw}); alternatives: " + " / ".join(
                ",".join(_fmt(v) for v in c) for c in undecided[ri][:5]))
        else:
            confirmed = _t3_row_confirmed(ri, vals, chosen, rows, idents, col_ids)
            cut = not reading.forced  # the figures were cut, blanks placed or cells dropped
            if (p.how != "label" or cut) and not confirmed:
                status = "ambiguous"
                notes.append(f"reading {','.join(map(_fmt, vals))} of ({raw}) is not confirmed by any identity")
                vals = None
            else:
                if p.how != "label":
                    notes.append("confirmed by " + confirmed)
                if cut:
                    notes.append(f"digits run together ({raw}) split by the {confirmed or 'row identity'}"
                                 if reading.how == "split" else "; ".join(reading.notes) + f" ({raw})")
                if reading.how == "dropped":
                    status = "inferred"
                if reading.forced and reading.how == "split":
                    notes.append(f"digits run together ({raw}): as many digits as cells, one digit per cell")
                elif reading.forced and reading.how == "blank-gap":
                    notes.append("; ".join(reading.notes) + f" ({raw}); the only reading")
                if why.get(ri):
                    notes.append(why[ri])
        note = "; ".join(n for n in notes if n)
        a = raw_tokens[0].start if raw_tokens else None
        b = raw_tokens[-1].end if raw_tokens else None
        parts_sum = None
        if derive_totals and vals is not None and vals[-1] is None and all(v is not None for v in vals[:-1]):
            parts_sum = sum(vals[:-1])  # type: ignore[arg-type]
        for ci, col in enumerate(cols):
            v = vals[ci] if vals is not None else None
            tok = _token_for(raw_tokens, ci, ncols)
            cst, cnote = status, note
            if parts_sum is not None and col.id == "total":
                v, cst = parts_sum, "derived"
                cnote = "the report leaves the whole 总计 column blank; derived as the sum of the applicant columns"
            cells.append(Cell(
                table="三", row=spec.label, column=col.label, value=v,
                raw=(tok.text if tok is not None and len(raw_tokens) == ncols else raw),
                status=cst, row_id=spec.id, column_id=col.id,
                start=tok.start if tok is not None and len(raw_tokens) == ncols else a,
                end=tok.end if tok is not None and len(raw_tokens) == ncols else b,
                page=raw_tokens[0].page if raw_tokens else None,
                line_no=raw_tokens[0].line_no if raw_tokens else None, note=cnote))
    for ri, spec in enumerate(rows):
        if ri not in per_row:
            findings.append(Finding("parse.row_not_found", "warning", f"表三 row not found: {spec.label}",
                                    table="三", row=spec.label))
    return cells, findings


def _detached_is_local(g: Group) -> bool:
    """A label on earlier lines may name the row (PDF labels wrap) — if it is short and the group
    looks like a whole row rather than a stray figure."""
    whole_row = g.n_values >= 6 or any(t.kind == "num" and len(t.text.lstrip("-")) > 1 for t in g.values)
    return bool(g.labels) and len(g.detached_text) <= 80 and whole_row


def _all_simple(g: Group) -> bool:
    """Every value token is one number that cannot hide others (no run-together digits)."""
    return all(t.kind == "blank" or len(t.text.lstrip("-")) == 1 for t in g.values) or False


def _place_in_gap(expanded, free_rows, groups, rows) -> list[int]:
    """Row index for each label-less group in a gap; uses group/detached labels when fewer
    groups than rows, else plain order."""
    n = len(expanded)
    if n == len(free_rows):
        return list(free_rows)
    # try to honour hints: group key ("(五)不予处理") or a detached label naming a row
    slots: list[int] = []
    pos = 0
    for k, (gi, _) in enumerate(expanded):
        g = groups[gi]
        hints = [r for r in (_row_candidates(g.detached_text, rows) + _group_candidates(g.label_text, rows))
                 if r in free_rows[pos:]]
        remaining_after = n - k - 1
        limit = len(free_rows) - remaining_after
        hints = [h for h in hints if free_rows.index(h) < limit]
        r = min(hints) if hints else free_rows[pos]
        slots.append(r)
        pos = free_rows.index(r) + 1
    return slots


def _t3_lookup(assign: dict[int, tuple], rows, col_ids):
    idx = {r.id: i for i, r in enumerate(rows)}
    cidx = {c: i for i, c in enumerate(col_ids)}

    def get(cell: tuple[str, str]):
        t = assign.get(idx[cell[0]]) if cell[0] in idx else None
        return _MISSING if t is None else t[cidx[cell[1]]]
    return get


_MISSING = object()  # a row with no reading (not found, or undecided): the identity cannot be checked


def _column_checks(assign: dict[int, tuple], rows, idents, col_ids, only_row: str | None = None) -> tuple[int, int]:
    """(held, evaluable) over the column identities' instances (those naming ``only_row``)."""
    get = _t3_lookup(assign, rows, col_ids)
    row_ids = [r.id for r in rows]
    held = evaluable = 0
    for ident in idents:
        if ident.each != "column" or (only_row and only_row not in ident.lhs + ident.rhs):
            continue
        if any(r not in row_ids for r in ident.lhs + ident.rhs):
            continue  # the table lacks a row the identity needs
        for _, lhs, rhs in ident.instances(row_ids, col_ids):
            # a blank counts as 0 on both sides: where a reading puts its blank cell must not
            # decide whether an identity is counted (it would favour hiding a blank in a column
            # that cannot be checked anyway)
            lv = [get(c) for c in lhs]
            rv = [get(c) for c in rhs]
            if any(v is _MISSING for v in lv + rv) or all(v is None for v in lv) or all(v is None for v in rv):
                continue
            ok = T.check([0 if v is None else v for v in lv], [0 if v is None else v for v in rv])
            if ok is not None:
                evaluable += 1
                held += ok
    return held, evaluable


def _t3_row_confirmed(ri: int, vals: tuple, assign: dict[int, tuple], rows, idents, col_ids) -> str:
    """Which identity confirms this row's reading ('' when none): its own row identity, or the
    column identities it takes part in (all that can be evaluated hold)."""
    idx = {c: i for i, c in enumerate(col_ids)}
    for ident in idents:
        if ident.each == "row":
            ok = T.check([vals[idx[c]] for c in ident.lhs], [vals[idx[c]] for c in ident.rhs], blank_as_zero=True)
            if ok:
                return "row identity (" + ident.description + ")"
    held, evaluable = _column_checks(assign, rows, idents, col_ids, only_row=rows[ri].id)
    if evaluable and held == evaluable:
        return "column identities (" + "; ".join(i.description for i in idents if i.each == "column") + ")"
    return ""


def _choose_t3(per_row, rows, idents, facts) -> tuple[dict[int, tuple], dict[int, list[tuple]], dict[int, str]]:
    """Pick one reading per row maximising the column identities that hold, then the prose."""
    col_ids = [c.id for c in T.T3_COLUMNS]
    fixed: dict[int, tuple] = {}
    multi: dict[int, list[tuple]] = {}
    for ri, (_, reading) in per_row.items():
        if len(reading.readings) == 1:
            fixed[ri] = reading.readings[0]
        elif len(reading.readings) > 1:
            multi[ri] = reading.readings
    why: dict[int, str] = {}
    if not multi:
        return fixed, {}, why
    keys = sorted(multi)
    total_combos = 1
    for k in keys:
        total_combos *= len(multi[k])
    if total_combos > 20000:
        return fixed, {k: multi[k] for k in keys}, why
    best, best_assign = -1, []
    for combo in itertools.product(*(multi[k] for k in keys)):
        assign = dict(fixed)
        assign.update(zip(keys, combo))
        s, _ = _column_checks(assign, rows, idents, col_ids)
        if s > best:
            best, best_assign = s, [combo]
        elif s == best:
            best_assign.append(combo)
    chosen = dict(fixed)
    undecided: dict[int, list[tuple]] = {}
    for i, k in enumerate(keys):
        options = distinct(c[i] for c in best_assign)
        if len(options) > 1:
            options = _prefer_t3_by_prose(options, rows[k].id, facts) or options
            if len(options) == 1:
                why[k] = "chosen among readings by the figure the prose states"
        chosen[k] = options[0]
        if len(options) > 1:
            undecided[k] = options
    return chosen, undecided, why


def _prefer_t3_by_prose(options: list[tuple], row_id: str, facts) -> list[tuple]:
    for m in prose_facts.PROSE_METRICS:
        if m.table == "三" and [r for r, _ in m.cells] == [row_id]:
            vals = prose_facts.stated(facts, m.id)
            if vals:
                return [o for o in options if o[-1] in vals]
    return []


def _whole_total_column_blank(chosen: dict[int, tuple]) -> bool:
    vals = [v for v in chosen.values() if v is not None]
    return len(vals) >= 3 and all(v[-1] is None for v in vals) and any(
        all(x is not None for x in v[:-1]) for v in vals)


def _token_for(tokens: list[Tok], ci: int, ncols: int) -> Tok | None:
    if len(tokens) == ncols:
        return tokens[ci]
    return tokens[0] if tokens else None


def _fmt(v) -> str:
    return "空" if v is None else str(v)


# ------------------------------------------------------------------------------ table 四
def parse_table4(doc: LoadedDocument, region: tuple[int, int]) -> tuple[list[Cell], list[Finding]]:
    toks = tokenize(doc, *region)
    groups = [g for g in make_groups(toks) if any(t.kind == "num" for t in g.values)]
    findings: list[Finding] = []
    if not groups:
        return [], [Finding("parse.table4_missing", "warning", "表四: no figures found", table="四")]
    # the figures are the value runs after the header; join lines of values
    values: list[Tok] = []
    for g in groups:
        values.extend(g.values)
        if len(values) >= 15:
            break
    layout = T.t4_columns()
    n = len(layout)
    idents = T.t4_identities()
    reading = read_row(values, RowShape(n, T.row_predicate(idents, T.t4_column_ids())), doc.text)
    values = reading.tokens
    texts = [t.text for t in values]
    cands = reading.readings
    status, note = "exact", ""
    if not cands:
        return [], [Finding("parse.table4_unreadable", "warning",
                            f"表四: cannot read 15 figures from: {' '.join(texts)[:80]}", table="四")]
    if len(cands) > 1:
        by_prose = _prefer_t4_by_prose(cands, prose_facts.extract(doc.text, [region]))
        if len(by_prose) == 1:
            cands, note = by_prose, "; the figure(s) the prose states (行政复议/行政诉讼N件) chose among the readings"
    if len(cands) > 1:
        status = "ambiguous"
        note = f"{len(cands)} readings of {' '.join(texts)}: " + " / ".join(",".join(map(_fmt, c)) for c in cands[:4])
        vals: tuple = (None,) * n
    else:
        vals = cands[0]
        if not reading.forced:
            if reading.confirmed:
                note = f"digits run together ({' '.join(texts)}) split by the group totals" + note
                if reading.how == "dropped":
                    status, note = "inferred", f"{len(texts)} figures for 15 cells; {note}"
            else:
                status, vals = "ambiguous", (None,) * n
                note = f"digits run together ({' '.join(texts)}); no reading satisfies the group totals: " + \
                    " / ".join(",".join(map(_fmt, c)) for c in cands[:4])
    cells = []
    exact_tokens = len(values) == n and status != "ambiguous" and not note.startswith("digits")
    for i, (gid, rid, label, cid) in enumerate(layout):
        tok = values[i] if exact_tokens and i < len(values) else (values[0] if values else None)
        cells.append(Cell(table="四", row=T.T4_ROW, column=label, value=vals[i],
                          raw=tok.text if exact_tokens and tok else " ".join(texts),
                          status=status, row_id="appeals", column_id=cid,
                          start=tok.start if tok else None,
                          end=tok.end if exact_tokens and tok else (values[-1].end if values else None),
                          page=tok.page if tok else None, line_no=tok.line_no if tok else None, note=note.lstrip("; ")))
    return cells, findings


def _prefer_t4_by_prose(cands: list[tuple], facts) -> list[tuple]:
    """Keep the readings whose group totals equal what the prose states (行政复议N件 / 行政诉讼N件)."""
    col = {cid: i for i, cid in enumerate(T.t4_column_ids())}
    kept = cands
    for m in prose_facts.PROSE_METRICS:
        if m.table != "四":
            continue
        vals = prose_facts.stated(facts, m.id)
        if not vals:
            continue
        kept = [c for c in kept if sum(c[col[cid]] or 0 for _, cid in m.cells) in vals] or kept
    return kept


# ------------------------------------------------------------------------------ table 二
def parse_table2(doc: LoadedDocument, region: tuple[int, int], template: str) -> tuple[list[Cell], list[Finding]]:
    specs = T.t2_rows(template)
    toks = tokenize(doc, *region)
    groups = [g for g in make_groups(toks) if g.values]
    cells: list[Cell] = []
    findings: list[Finding] = []
    used: set[int] = set()
    prose = doc.text
    for spec in specs:
        gi = next((i for i, g in enumerate(groups) if i not in used
                   and any(k in _norm_label(g.attached_text or g.label_text[-40:]) for k in spec.keys)
                   and not _more_specific_row(spec, g, specs)), None)
        if gi is None:
            continue
        used.add(gi)
        g = groups[gi]
        ncols = len(spec.columns)
        decimal_cols = [spec.decimal and c.id == "amount" for c in spec.columns]
        reading = read_row(g.values, RowShape(ncols, None, decimal=any(decimal_cols)), doc.text)
        vals_toks = reading.tokens
        texts = [t.text for t in vals_toks if t.kind == "num"]
        # a decimal figure only in an amount column
        cands = [c for c in reading.readings
                 if all(dc or not isinstance(v, Decimal) for v, dc in zip(c, decimal_cols))]
        status, note = "exact", ""
        if not reading.forced:
            note = f"digits run together ({' '.join(texts)})"
            if len(cands) > 1:
                cands = _prefer_by_prose(cands, spec, prose)
                if len(cands) == 1:
                    note += " split by the figures the prose states"
        if not cands:
            findings.append(Finding("parse.table2_unreadable", "warning",
                                    f"表二 {spec.label}: cannot read {ncols} figure(s) from {' '.join(texts)}",
                                    table="二", row=spec.label))
            continue
        vals: tuple | None = cands[0]
        if len(cands) > 1:
            status = "ambiguous"
            note += f"; {len(cands)} readings fit: " + " / ".join(",".join(map(_fmt, c)) for c in cands[:6])
            vals = None
        elif note and not note.endswith("states"):
            note += " split unambiguously"
        for ci, col in enumerate(spec.columns):
            tok = vals_toks[ci] if len(vals_toks) == ncols else (vals_toks[0] if vals_toks else None)
            v = vals[ci] if vals is not None else None
            cells.append(Cell(table="二", row=f"{spec.item}/{spec.label}", column=col.label, value=v,
                              raw=tok.text if tok is not None and len(vals_toks) == ncols else " ".join(texts),
                              status=status, row_id=spec.id, column_id=col.id,
                              start=tok.start if tok else None,
                              end=(tok.end if len(vals_toks) == ncols else vals_toks[-1].end) if tok else None,
                              page=tok.page if tok else None, line_no=tok.line_no if tok else None, note=note))
    return cells, findings


def _more_specific_row(spec: T.T2Row, g: Group, specs) -> bool:
    """'规范性文件' also occurs inside '行政规范性文件'; '行政许可' inside other labels."""
    text = _norm_label(g.attached_text or g.label_text[-40:])
    for other in specs:
        if other is spec:
            continue
        for k in other.keys:
            if k in text and any(sk in k and sk != k for sk in spec.keys):
                return True
    return False


def _prefer_by_prose(cands: list[tuple], spec: T.T2Row, prose: str) -> list[tuple]:
    """Keep the readings that agree with what the prose states about one *column* of the row:
    "新制发规范性文件3件" → 本年制发件数 = 3 (a bare figure near the row's name decides nothing)."""
    row = "|".join(map(re.escape, spec.keys))
    kept = cands
    for ci, col in enumerate(spec.columns):
        if not col.keys:
            continue
        ck = "|".join(map(re.escape, col.keys))
        pat = re.compile(rf"(?:{ck})[^。;；,，\d]{{0,6}}?(?:{row})[^。;；,，\d]{{0,4}}?(?<![\d.])(\d+)(?:件|个|项|起|条)|"
                         rf"(?:{row})[^。;；,，\d]{{0,4}}?(?:{ck})[^。;；,，\d]{{0,4}}?(?<![\d.])(\d+)(?:件|个|项|起|条)")
        stated = {int(m.group(1) or m.group(2)) for m in pat.finditer(prose)}
        if len(stated) == 1:
            narrowed = [c for c in kept if c[ci] in stated]
            kept = narrowed or kept
    return kept


# ------------------------------------------------------------------------------ entry point
def parse_tables(doc: LoadedDocument, sections: list[Section], template: str) -> tuple[list[Cell], list[Finding]]:
    """Return every cell found, and findings about the parse itself (ambiguous splits, missing rows).

    A PDF's cells are read twice — from its text and by geometry — and reconciled cell by cell
    (:mod:`ingest.pdf_geometry`)."""
    from . import pdf_geometry

    cells, findings = parse_tables_text(doc, template)
    if doc.format == "pdf":
        cells, more = pdf_geometry.cross_check(doc, cells, template)
        findings += more
    reported: set[tuple[str, str]] = set()
    for c in cells:
        if c.status == "ambiguous" and (c.table, c.row) not in reported:
            reported.add((c.table, c.row))
            findings.append(Finding("parse.ambiguous", "warning",
                                    f"表{c.table} {c.row}: {c.note}", table=c.table, row=c.row))
    return cells, _dedupe(findings)


def parse_tables_text(doc: LoadedDocument, template: str) -> tuple[list[Cell], list[Finding]]:
    """The cells of one reading of ``doc``'s text (every format reduces to text lines/cells)."""
    regions = find_regions(doc.text, template)
    cells: list[Cell] = []
    findings: list[Finding] = []
    if template == "pre2019":  # the 统计表 / 附表 lives in ingest/indicators.py
        c, f = parse_indicator_table(doc)
        cells += c
        findings += f
    if regions.t2:
        c, f = parse_table2(doc, regions.t2, template)
        cells += c
        findings += f
    if regions.t3:
        c, f = parse_table3(doc, regions.t3, template if template in ("2019", "2021") else "2021")
        cells += c
        findings += f
    if regions.t4:
        c, f = parse_table4(doc, regions.t4)
        cells += c
        findings += f
    c, f = parse_info_fee_table(doc)
    cells += c
    findings += f
    return cells, findings


def parse_info_fee_table(doc: LoadedDocument) -> tuple[list[Cell], list[Finding]]:
    """A report's own 信息处理费 table (a grid or pipe rows: a header row naming 件数/金额 and a
    row labelled 信息处理费), stored as 表二 row ``info_fee``. Prose about the fee is a prose fact,
    not a cell."""
    cells: list[Cell] = []
    grid_lines = [ln for ln in doc.lines if ln.cells is not None]
    for i, ln in enumerate(grid_lines):
        label_cells = [c for c in ln.cells if any(k in c for k in T.INFO_FEE_KEYS)]  # type: ignore[union-attr]
        if not label_cells:
            continue
        values = [c.strip() for c in ln.cells if c not in label_cells]  # type: ignore[union-attr]
        nums = [(j, v) for j, v in enumerate(values) if parse_number(v.replace("元", "").replace("万", "")) is not None]
        if not nums:
            continue
        header = None
        for prev in reversed(grid_lines[max(0, i - 3):i]):
            if not any(parse_number(c) is not None for c in prev.cells if c.strip()):  # type: ignore[union-attr]
                header = [c.strip() for c in prev.cells if not any(k in c for k in T.INFO_FEE_KEYS)]  # type: ignore[union-attr]
                break
        for k, (j, v) in enumerate(nums):
            head = ""
            if header is not None:
                # header cells after the label column, right-aligned with the values
                named = header[-len(values):] if len(header) >= len(values) else header
                head = named[j] if j < len(named) else ""
            col = next((c for c in T.INFO_FEE_COLUMNS if any(key in head for key in c.keys)), None)
            if col is None:
                col = T.INFO_FEE_COLUMNS[-1] if len(nums) == 1 else None
            if col is None:
                continue
            unit = "万元" if "万元" in head + v else ("元" if "元" in head + v else "")
            value = parse_number(v.replace("万元", "").replace("元", ""))
            pos = ln.text.find(v)
            cells.append(Cell(table="二", row=f"报告自列/{label_cells[0].strip()}", column=head or col.label,
                              value=value, raw=v, status="exact", row_id="info_fee", column_id=col.id,
                              start=ln.start + max(pos, 0), end=ln.start + max(pos, 0) + len(v),
                              page=ln.page, line_no=ln.line_no,
                              note=f"the report's own 信息处理费 table{'; unit ' + unit if unit else ''}"))
        if cells:
            break
    return cells, []


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.rule, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
