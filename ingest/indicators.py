"""The pre-2019 统计表 / 附表: a generic indicator table → cells.

Every shape the corpus shows reduces to rows of *label · unit · value(s)* under a header that
names the value columns (``指标名称 计量单位 2013年度 历年累计``, ``统计指标 单位 统计数``,
``指标名称 单位 数量``, ``… 年末统计``):

* real grids (HTML ``<tr>``, one cell per line with ``|``): cells are cells, a blank stays blank;
* spaced text (``受理政府信息公开申请总数条 2 3``): whitespace separates cells;
* glued text (``网站公开条41815092.政府公报公开条77``): the two values and the next row's
  ordinal ("2.") run together; the ordinal is the expected next number, the values are split
  by the column count, 历年累计 ≥ 本年度 and the identities of ``templates.PRE2019_IDENTITIES``
  (channels sum to the requests, replies to their total, website + gazette ≤ 主动公开). The
  report's own prose ("主动公开政府信息2122条") picks among readings the arithmetic leaves.

A split that stays several is stored ``ambiguous`` with its readings in ``note``; each cell's
note says ``why`` its reading won. Labels map to canonical ids through the vocabulary
``templates.PRE2019_INDICATORS``; what does not map is kept as ``named:<label>``.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from . import templates as T
from .digits import parse_number, split_tokens
from .models import Cell, Finding, LoadedDocument

TABLE = "统计表"
_UNITS = tuple(sorted(T.PRE2019_UNITS, key=len, reverse=True))
_MONEY = ("元", "万元")
_DASHES = {"—", "-", "–", "——", "/", "\\", "无"}
# header: 指标名称 (计量)单位 then the value columns
_COLS = r"(?:\d{4}年度?|本年度?|历年累计|年末统计|统计数|数量|上年度?)"
_HEADER = re.compile(rf"(?:(?:指标名称|统计指标|项目名称|统计项目)(?:计量单位|单位)?|指标(?:计量单位|单位))(?P<cols>{_COLS}+)")
_COL_ONE = re.compile(_COLS)
# where a flat table stops: the page's attachment links, a signature date, a sentence
_STOP = re.compile(r"附件下载|附件\d*[::]|^注[::]|。|填报人|审核人|联系电话|[○〇零][一二三四五六七八九十]|"
                   r"\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日")
_LEX = re.compile(
    r"(?P<ws>[\s|]+)"
    r"|(?P<paren>[((][^()()]{0,80}[))])"
    r"|(?P<ord>\d+)[.、](?=\s?[^\d\s.、|])"
    r"|(?P<date>\d+(?=[年月日]))"
    r"|(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)"
    r"|(?P<text>[^\d\s|((]+)")
# page furniture inside a table that runs over pages (PDF text): skipped, the table goes on
_PAGE_LINE = re.compile(r"^\s*(?:第\s*\d+\s*页(?:\s*[,/]?\s*共\s*\d+\s*页)?|[-—]\s*\d+\s*[-—])\s*$")
_ORDINAL = re.compile(r"^(?:其中[::]?)?\s*(?:(?P<cn>[一二三四五六七八九十]+)、|[((](?P<paren>[一二三四五六七八九十]+)[))]"
                      r"|(?P<num>\d+)[.、])\s*")
_QIZHONG = re.compile(r"^其中[::]?")
_CN_NUM = {c: i + 1 for i, c in enumerate("一二三四五六七八九十")}


# ------------------------------------------------------------------------------ rows
@dataclass
class Val:
    text: str  # digits, or "" for an explicit blank cell
    start: int
    end: int
    line_no: int
    page: int | None
    cell: bool  # came from an explicit cell
    glued: bool  # no whitespace between this and the previous value


@dataclass
class Row:
    label: str  # as printed (normalised text), e.g. "其中:1.网站公开"
    start: int
    line_no: int
    page: int | None
    unit: str = ""
    values: list[Val] = field(default_factory=list)
    marker: str = ""  # "cn" | "paren" | "num" | ""
    number: int | None = None
    qizhong: bool = False
    parent: "Row | None" = None
    id: str = ""
    note: list[str] = field(default_factory=list)
    guessed: bool = False  # the split between this row's figures and the next ordinal was guessed
    unit_cell: bool = False  # a grid row's (empty) 单位 cell has been passed

    @property
    def core(self) -> str:
        return core_label(self.label)

    @property
    def is_heading(self) -> bool:
        return not self.values and self.unit in _DASHES

    @property
    def is_data(self) -> bool:
        core = self.core
        if len(core) == 1:
            return False  # "第 3 页" and the like: not an indicator
        has_label = bool(core) or any(v.text for v in self.values)  # a row may have lost its label
        return has_label and (bool(self.unit) or bool(self.values)) and not self.is_heading


@dataclass
class Layout:
    """What :func:`read_layout` found: the header and the rows (also used by the generator)."""

    columns: list[tuple[str, str]]  # (printed header, column id)
    rows: list[Row]
    start: int
    end: int
    mode: str  # "cells" | "spaced" | "glued"


def core_label(label: str) -> str:
    """The label without 其中, ordinal, explanatory brackets and spaces: "其中:1.网站公开" → "网站公开"."""
    t = re.sub(r"\s+", "", label)
    t = _ORDINAL.sub("", t)
    t = _QIZHONG.sub("", t)
    t = re.sub(r"[((][^()()]*[))]", "", t)
    return t


def readings_in_note(note: str) -> list[tuple[str, ...]]:
    """The readings an ambiguous cell lists ("readings: 0,空 / 空,0") as tuples of strings."""
    m = re.search(r"readings: ([^;]*)", note)
    return [tuple(r.strip().split(",")) for r in m.group(1).split(" / ")] if m else []


def _column_id(label: str, i: int) -> str:
    if "累计" in label:
        return "cumulative"
    if label.startswith("上年"):
        return "previous"
    if re.fullmatch(r"\d{4}年度?|本年度?|年末统计|统计数|数量", label):
        return "current"
    return f"col{i + 1}"


def find_header(text: str) -> tuple[int, int, list[tuple[str, str]]] | None:
    """(start, end, columns) of the table header in ``text`` (whitespace and ``|`` ignored)."""
    keep = [(i, ch) for i, ch in enumerate(text) if not ch.isspace() and ch != "|"]
    flat = "".join(ch for _, ch in keep)
    m = None
    for m in _HEADER.finditer(flat):
        break
    if m is None:
        return None
    cols = [c for c in _COL_ONE.findall(m.group("cols"))]
    columns = [(c, _column_id(c, i)) for i, c in enumerate(cols)]
    years = [(int(c[:4]), i) for i, (c, _) in enumerate(columns) if re.match(r"\d{4}", c)]
    if sum(1 for _, cid in columns if cid == "current") > 1 and years:
        # "2016年 2017年": the latest year is the report's; the others keep their year
        latest = max(years)[1]
        columns = [(c, "current" if i == latest else (f"year_{c[:4]}" if re.match(r"\d{4}", c) else cid))
                   for i, (c, cid) in enumerate(columns)]
    if sum(1 for _, cid in columns if cid == "current") > 1:
        return None
    return keep[m.start()][0], keep[m.end() - 1][0] + 1, columns


def _split_unit(text: str) -> tuple[str, str]:
    """"网站公开条" → ("网站公开", "条") when the label has at least two other characters."""
    for u in _UNITS:
        if text.endswith(u) and len(text) - len(u) >= 2:
            return text[: -len(u)], u
    return text, ""


def _marker(label: str) -> tuple[str, int | None, bool]:
    t = re.sub(r"\s+", "", label)
    q = bool(_QIZHONG.match(t))
    m = _ORDINAL.match(t)
    if not m:
        return "", None, q
    if m.group("cn"):
        return "cn", _CN_NUM.get(m.group("cn")[-1]), q
    if m.group("paren"):
        return "paren", _CN_NUM.get(m.group("paren")[-1]), q
    return "num", int(m.group("num")), q


def _set_parent(row: Row, prev: list[Row]) -> None:
    """Sub-row structure: 其中 → child of the row above; "2." → sibling of the nearest "1."."""
    row.marker, row.number, row.qizhong = _marker(row.label)
    last = prev[-1] if prev else None
    if not row.label.strip():
        row.parent = last.parent if last is not None else None  # a lost label: among its neighbours
        return
    if row.qizhong:
        row.parent = last
        return
    if row.marker and row.number and row.number > 1:
        for p in reversed(prev):
            if p.marker == row.marker and p.number == row.number - 1:
                row.parent = p.parent
                return
    if row.marker == "num" and row.number == 1 and last is not None and last.marker != "num":
        row.parent = last
        return
    if row.marker == "paren" and row.number == 1 and last is not None and last.marker == "cn":
        row.parent = last
        return
    if not row.marker and last is not None and last.parent is not None and not last.marker:
        row.parent = last.parent  # an unnumbered list after "其中:" (002's refusal reasons)


def _expected_ordinals(prev: list[Row]) -> list[int]:
    out = []
    r = prev[-1] if prev else None
    while r is not None:
        if r.marker == "num" and r.number is not None:
            out.append(r.number + 1)
        r = r.parent
    return out


def read_layout(doc: LoadedDocument) -> Layout | None:
    """Find the 统计表 and read its rows (labels, units, raw value tokens, structure)."""
    hdr = find_header(doc.text)
    if hdr is None:
        return None
    h_start, h_end, columns = hdr
    has_unit_col = "单位" in re.sub(r"[\s|]+", "", doc.text[h_start:h_end])
    rows: list[Row] = []
    cur: Row | None = None
    stop = False
    saw_cells = False
    end = h_end

    def flush() -> None:
        nonlocal cur
        if cur is not None:
            if not cur.unit:  # "网站公开条" → label "网站公开", unit 条
                cur.label, cur.unit = _split_unit(cur.label)
            _set_parent(cur, [r for r in rows])
            rows.append(cur)
        cur = None

    def new_row(label: str, start: int, ln, page) -> None:
        nonlocal cur
        flush()
        cur = Row(label, start, ln, page)

    for ln in doc.lines:
        if stop:
            break
        if ln.end <= h_end:
            continue
        if ln.cells is not None:
            saw_cells = True
            pos = ln.start
            pieces = []
            for c in ln.cells:
                i = doc.text.find(c, pos, ln.end + 1) if c else -1
                a = i if i >= 0 else pos
                pieces.append((c, a))
                pos = a + len(c) if i >= 0 else pos
            if ln.start < h_end:
                continue  # the header row itself
        else:
            if saw_cells and any(r.is_data for r in rows):
                break  # text after a real grid: the table is over
            if _PAGE_LINE.match(ln.text):
                continue
            a = max(ln.start, h_end)
            pieces = [(doc.text[a:ln.end], a)]
        for k, (text, base) in enumerate(pieces):
            if stop:
                break
            in_cell = ln.cells is not None
            s = text
            if in_cell:
                c = s.strip()
                if c == "":
                    if k == 0 and len(pieces) > 1 and any(x.strip() for x, _ in pieces[1:]):
                        new_row("", base, ln.line_no, ln.page)  # a grid row whose label cell is empty
                    elif has_unit_col and cur is not None and cur.core and not cur.unit and not cur.values \
                            and not cur.unit_cell:
                        cur.unit_cell = True  # the row's 单位 cell, left empty
                    elif cur is not None:
                        cur.values.append(Val("", base, base, ln.line_no, ln.page, True, False))
                    continue
                if c in _DASHES:
                    if cur is not None and not cur.unit:
                        cur.unit = "—"
                    elif cur is not None:
                        cur.values.append(Val("", base, base, ln.line_no, ln.page, True, False))
                    continue
                if c in _UNITS and cur is not None and not cur.values:
                    cur.unit = c
                    continue
                mnum = re.fullmatch(rf"(-?\d+(?:\.\d+)?)\s*({'|'.join(_UNITS)})?", c.replace(",", ""))
                if mnum:  # "7", or "7条" (a figure with its unit in one cell)
                    if cur is None:
                        cur = Row("", base, ln.line_no, ln.page)
                    if mnum.group(2) and not cur.unit:
                        cur.unit = mnum.group(2)
                    cur.values.append(Val(mnum.group(1), base, base + len(c), ln.line_no, ln.page, True, False))
                    continue
                # a label cell: a new row
                if _STOP.search(c) and any(r.is_data for r in rows):
                    stop = True
                    break
                new_row(c, base, ln.line_no, ln.page)
                continue
            glued = True
            for m in _LEX.finditer(s):
                kind = m.lastgroup
                a, b = base + m.start(), base + m.end()
                tok = m.group()
                if kind == "ws":
                    glued = False
                    continue
                if kind in ("text", "paren", "date"):
                    if (kind == "text" and _STOP.search(tok) or kind == "date" and len(tok) == 4) and (
                            any(r.is_data for r in rows) or cur is not None):
                        stop = True
                        break
                    if kind == "text" and cur is not None and tok in _UNITS and not cur.unit and not cur.values \
                            and cur.core:
                        cur.unit = tok
                    elif kind == "text" and cur is not None and tok in _UNITS and cur.values and glued:
                        cur.unit = cur.unit or tok  # "7条 30条": the unit written after each figure
                    elif kind == "text" and tok in _DASHES and cur is not None and not cur.unit and not cur.values:
                        cur.unit = "—"
                    elif kind == "text" and tok in _DASHES and cur is not None:
                        # "—" / "/" in a value position: a cell that holds no figure (not 0)
                        cur.values.append(Val("", a, b, ln.line_no, ln.page, True, glued))
                    elif cur is None or cur.values or cur.unit:
                        new_row(tok, a, ln.line_no, ln.page)
                    else:
                        cur.label = doc.text[cur.start:b]
                    glued = True
                    end = b
                    continue
                if cur is not None and not cur.unit and not cur.values:
                    cur.label, cur.unit = _split_unit(cur.label)
                if kind == "ord":
                    digits = m.group("ord")
                    vals_part = ""
                    if cur is not None and (cur.values or cur.unit or cur.core):
                        # digits before "N." may be the row's values run into the next ordinal
                        _set_parent(cur, rows)
                        exp = [str(x) for x in _expected_ordinals(rows + [cur])]
                        hit = next((e for e in exp if digits.endswith(e)), None)
                        if hit is None and len(digits) > 1:
                            hit = digits[-1]
                            cur.note.append(f"ordinal of the next row guessed as {hit}.")
                            cur.guessed = True
                        hit = hit or digits
                        vals_part = digits[: len(digits) - len(hit)]
                    if vals_part:
                        cur.values.append(Val(vals_part, a, a + len(vals_part), ln.line_no, ln.page, False, glued))
                    o_start = a + len(vals_part)
                    if cur is not None and not cur.values and not cur.unit and _QIZHONG.fullmatch(cur.core or cur.label.strip()):
                        cur.label = doc.text[cur.start:b]  # "其中:" + "1."
                    else:
                        new_row(doc.text[o_start:b], o_start, ln.line_no, ln.page)
                    glued = True
                    end = b
                    continue
                # a number
                if cur is None:
                    cur = Row("", a, ln.line_no, ln.page)
                cur.values.append(Val(tok.replace(",", ""), a, b, ln.line_no, ln.page, False, glued))
                glued = True
                end = b
    flush()
    # keep rows up to the last data row; drop a trailing non-row (signature, page chrome)
    while rows and not rows[-1].is_data:
        rows.pop()
    if not any(r.is_data for r in rows):
        return None
    ncols = len(columns)
    flat = [r for r in rows if r.is_data and not any(v.cell for v in r.values)]
    if len(flat) < sum(1 for r in rows if r.is_data) / 2:
        mode = "cells"
    elif ncols > 1 and any(len(r.values) >= 2 and not all(v.glued for v in r.values[1:]) for r in flat):
        mode = "spaced"
    else:
        mode = "glued"
    _assign_ids(rows)
    last = max((v.end for r in rows for v in r.values), default=end)
    return Layout(columns, rows, h_start, max(last, end), mode)


# ------------------------------------------------------------------------------ vocabulary
def match_indicator(core: str, parent_id: str = "") -> T.Indicator | None:
    """The vocabulary entry whose longest key the label contains (``under`` respected)."""
    best, best_len = None, 0
    for ind in T.PRE2019_INDICATORS:
        if ind.under and parent_id not in ind.under:
            continue
        for k in ind.keys:
            hit = core == k[1:] if k.startswith("=") else k in core
            n = len(k.lstrip("="))
            if hit and n > best_len:
                best, best_len = ind, n
    return best


def _assign_ids(rows: list[Row]) -> None:
    used: dict[tuple[str, int], Row] = {}
    prev_core = ""
    for r in rows:
        if not r.is_data:
            continue
        if not r.core:
            r.id = f"named:(无标签,{prev_core}之后)"
            continue
        prev_core = r.core
        pid = r.parent.id if r.parent is not None and r.parent.id and not r.parent.id.startswith("named:") else ""
        ind = match_indicator(r.core, pid)
        rid = ind.id if ind else ""
        if rid and rid in {x.id for x in used.values()}:
            r.note.append(f"label maps to {rid} like an earlier row; kept as a named indicator")
            rid = ""
        if not rid:
            path = r.core if r.parent is None or not r.parent.core else f"{r.parent.core}/{r.core}"
            rid = f"named:{path}"
        r.id = rid
        used[(rid, id(r))] = r


# ------------------------------------------------------------------------------ readings
Reading = tuple  # one value (or None = blank) per column


def _readings(row: Row, ncols: int, mode: str, cum_idx: int | None, cur_idx: int | None) -> tuple[list[Reading], str]:
    """Every way to read the row's value tokens as ``ncols`` cells, and how they were read."""
    vals = row.values
    decimal = row.unit in _MONEY

    def ok(v: Reading) -> bool:
        if cum_idx is not None and cur_idx is not None:
            a, b = v[cur_idx], v[cum_idx]
            if a is not None and b is not None and b < a:
                return False
        return True

    if any(v.cell for v in vals) or mode == "cells":
        out = [None if v.text == "" else parse_number(v.text) for v in vals]
        how = "one figure per cell"
        if len(out) > ncols:
            extra = out[ncols:]
            if all(x is None for x in extra):
                out = out[:ncols]
            else:
                return [], f"{len(out)} cells for {ncols} columns"
        if len(out) < ncols and ncols > 1 and not any(v.text == "" for v in vals):
            # a grid whose blank cells were dropped on the way (one cell per line): the figures
            # keep their order but not their columns
            placed = []
            for pos in itertools.combinations(range(ncols), len(out)):
                r = [None] * ncols
                for p, x in zip(pos, out):
                    r[p] = x
                if ok(tuple(r)):
                    placed.append(tuple(r))
            return _distinct(placed), "fewer cells than columns: which column is blank is not shown"
        out += [None] * (ncols - len(out))
        return [tuple(out)], how
    texts = [v.text for v in vals if v.text]
    if not texts:
        return [(None,) * ncols], "no figure printed (blank)"
    if len(texts) == ncols:
        r = tuple(parse_number(t) for t in texts)
        return ([r] if ok(r) else []), "one figure per cell"
    if len(texts) > ncols:
        return [], f"{len(texts)} figures for {ncols} columns"
    # fewer tokens than columns: split glued digits and/or leave cells blank
    full = [c for c in split_tokens(texts, ncols, allow_decimal=decimal) if ok(c)]
    if mode == "glued" and full:
        return _distinct(full), "digits run together, split into every column"
    partial: list[Reading] = []
    for k in range(len(texts), ncols):
        for cut in split_tokens(texts, k, allow_decimal=decimal):
            for pos in itertools.combinations(range(ncols), k):
                r = [None] * ncols
                for p, v in zip(pos, cut):
                    r[p] = v
                if ok(tuple(r)):
                    partial.append(tuple(r))
    how = "fewer figures than columns: blank cells or digits run together"
    return _distinct(full + partial), how


def _distinct(xs):
    seen, out = set(), []
    for x in xs:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def _fmt(v) -> str:
    return "空" if v is None else str(v)


def _fmt_reading(r: Reading) -> str:
    return ",".join(_fmt(v) for v in r)


# ------------------------------------------------------------------------------ identities
def _identity_rows(rows: list[Row]) -> list[tuple[T.IndicatorIdentity, Row, list[Row]]]:
    """Each identity with its rows, where the table prints the breakdown as sub-rows of the total.

    Only direct sub-rows count (002's channel rows sit under "(二)通过不同渠道…", not under 主动公开
    政府信息数, which "不同渠道和方式公开相同信息计1条" — there they may sum to more). An "="
    identity is used only when every printed sub-row is one of its parts.
    """
    by_id = {r.id: r for r in rows if r.id and not r.id.startswith("named:") and not r.guessed}
    out = []
    for ident in T.PRE2019_IDENTITIES:
        lhs = by_id.get(ident.lhs)
        if lhs is None:
            continue
        subs = [r for r in rows if r.parent is lhs and r.is_data]
        kids = [r for r in subs if r.id in ident.rhs and not r.guessed]
        if not kids or (ident.rel == "=" and len(kids) != len(subs)):
            continue
        out.append((ident, lhs, kids))
    return out


def _holds(ident: T.IndicatorIdentity, lhs: Reading, kids: list[Reading], ncols: int) -> bool:
    for c in range(ncols):
        parts = [k[c] for k in kids]
        if lhs[c] is None or any(p is None for p in parts):
            continue
        s = sum(parts)
        if ident.rel == "=" and s != lhs[c]:
            return False
        if ident.rel == ">=" and s > lhs[c]:
            return False
    return True


def _narrow_by_identities(cands: dict[int, list[Reading]], idents, rows: list[Row], ncols: int,
                          why: dict[int, list[str]]) -> None:
    """Keep, per row, the readings that take part in an assignment satisfying every identity."""
    index = {id(r): i for i, r in enumerate(rows)}
    # connected components of rows linked by identities
    comps: list[set[int]] = []
    for ident, lhs, kids in idents:
        members = {index[id(lhs)]} | {index[id(k)] for k in kids}
        merged = [c for c in comps if c & members]
        for c in merged:
            comps.remove(c)
            members |= c
        comps.append(members)
    for comp in comps:
        comp_idents = [(i, l, k) for i, l, k in idents if index[id(l)] in comp]
        multi = sorted(i for i in comp if len(cands.get(i, [])) > 1)
        if not multi or any(not cands.get(i) for i in comp):
            continue
        size = 1
        for i in multi:
            size *= len(cands[i])
        if size > 200000:
            continue
        fixed = {i: cands[i][0] for i in comp if len(cands[i]) == 1}
        good: dict[int, set] = {i: set() for i in multi}
        for combo in itertools.product(*(cands[i] for i in multi)):
            assign = dict(fixed)
            assign.update(zip(multi, combo))
            if all(_holds(ident, assign[index[id(l)]], [assign[index[id(k)]] for k in ks], ncols)
                   for ident, l, ks in comp_idents):
                for i, r in zip(multi, combo):
                    good[i].add(r)
        if not any(good.values()):
            for i in multi:
                why[i].append("no reading satisfies " + ", ".join(x.name for x, _, _ in comp_idents))
            continue
        for i in multi:
            kept = [r for r in cands[i] if r in good[i]]
            if len(kept) < len(cands[i]):
                names = sorted({x.name for x, l, ks in comp_idents if rows[i] is l or rows[i] in ks})
                why[i].append(f"{len(cands[i])} readings, {len(kept)} satisfy " + ", ".join(names))
                cands[i] = kept


# ------------------------------------------------------------------------------ prose
@dataclass(frozen=True)
class ProseFigure:
    indicator: str
    column: str  # "current" | "cumulative"
    value: int
    quote: str
    start: int


def prose_figures(text: str, skip: tuple[int, int] = (0, 0)) -> list[ProseFigure]:
    """Figures the report's text states for indicators that have ``prose`` patterns (matches
    inside ``skip``, the table itself, are not prose)."""
    out = []
    for ind in T.PRE2019_INDICATORS:
        for pat in ind.prose:
            for m in re.finditer(pat, text):
                if skip[0] <= m.start() < skip[1]:
                    continue
                n = m.groupdict().get("n")
                a = max(text.rfind(ch, 0, m.start()) for ch in "。;,!?\n") + 1
                clause = text[a:m.end()]
                col = "cumulative" if re.search(r"累计|历年", clause[: m.start() - a + 4]) else "current"
                out.append(ProseFigure(ind.id, col, int(n) if n is not None else 0,
                                       clause.strip()[-60:], m.start()))
    out.sort(key=lambda f: f.start)
    return out


# ------------------------------------------------------------------------------ entry point
def parse_indicator_table(doc: LoadedDocument) -> tuple[list[Cell], list[Finding]]:
    """Cells of the pre-2019 统计表 (table "统计表"), and findings about it."""
    layout = read_layout(doc)
    if layout is None:
        return [], []
    return cells_from_layout(doc, layout)


def cells_from_layout(doc: LoadedDocument, layout: Layout) -> tuple[list[Cell], list[Finding]]:
    cols = layout.columns
    ncols = len(cols)
    cids = [c for _, c in cols]
    cur_idx = cids.index("current") if "current" in cids else None
    cum_idx = cids.index("cumulative") if "cumulative" in cids else None
    rows = [r for r in layout.rows if r.is_data]
    findings: list[Finding] = []
    cands: dict[int, list[Reading]] = {}
    how: dict[int, str] = {}
    why: dict[int, list[str]] = {i: [] for i in range(len(rows))}
    for i, r in enumerate(rows):
        cands[i], how[i] = _readings(r, ncols, layout.mode, cum_idx, cur_idx)
        if len(cands[i]) > 1 and cum_idx is not None:
            why[i].append(f"{how[i]}; 历年累计 ≥ 本年度 leaves {len(cands[i])}")
    idents = _identity_rows(rows)
    _narrow_by_identities(cands, idents, rows, ncols, why)
    # prose as evidence, then the identities again (a decided parent narrows its children)
    figs = prose_figures(doc.text, (layout.start, layout.end))
    first: dict[tuple[str, str], ProseFigure] = {}
    for f in figs:
        first.setdefault((f.indicator, f.column), f)
    changed = False
    for i, r in enumerate(rows):
        if len(cands[i]) <= 1:
            continue
        for (iid, col), f in first.items():
            if iid != r.id or col not in cids:
                continue
            ci = cids.index(col)
            kept = [c for c in cands[i] if c[ci] == f.value]
            if kept and len(kept) < len(cands[i]):
                why[i].append(f"the text says '{f.quote}'")
                cands[i] = kept
                changed = True
    if changed:
        _narrow_by_identities(cands, idents, rows, ncols, why)

    cells: list[Cell] = []
    final: dict[str, Reading] = {}
    for i, r in enumerate(rows):
        cs = cands[i]
        raw = " ".join(v.text or "∅" for v in r.values)
        confirm = _confirm_unlabelled(r, cs, rows, cands, ncols) if not r.core and len(cs) == 1 else ""
        if len(cs) == 1 and not r.guessed and r.core:
            vals: Reading = cs[0]
            status = "exact"
            reason = " → ".join(why[i]) if why[i] else how[i]
            final[r.id] = vals
        elif confirm:
            vals, status, reason = cs[0], "inferred", confirm
        else:
            vals = (None,) * ncols
            status = "ambiguous"
            reason = (" → ".join(why[i]) if why[i] else how[i]) + (
                f"; readings: {' / '.join(_fmt_reading(c) for c in cs[:8])}" if cs else "; no reading fits")
            if r.guessed:
                reason = "the next row's ordinal had to be guessed; " + reason
            if not r.label:
                reason = "figures without a row label; " + reason
        one_per_cell = len(r.values) == ncols
        for ci, (col, cid) in enumerate(cols):
            v = r.values[ci] if one_per_cell else (r.values[0] if r.values else None)
            start = v.start if v else r.start
            end = (v.end if one_per_cell else r.values[-1].end) if v else r.start + len(r.label)
            note = f"why: {reason}"
            if r.note:
                note += "; " + "; ".join(r.note)
            if r.unit:
                note += f"; unit {r.unit}"
            cells.append(Cell(table=TABLE, row=r.label.strip(), column=col, value=vals[ci], raw=raw,
                              status=status, row_id=r.id, column_id=cid, start=start, end=end,
                              page=(v.page if v else r.page), line_no=(v.line_no if v else r.line_no), note=note))
    # identities and prose as checks on what was read
    by_id = {r.id: r for r in rows}
    for ident, lhs, kids in idents:
        if lhs.id not in final or any(k.id not in final for k in kids):
            continue
        for ci, (col, _) in enumerate(cols):
            a = final[lhs.id][ci]
            parts = [final[k.id][ci] for k in kids]
            if a is None or any(p is None for p in parts):
                continue
            s = sum(parts)
            if (ident.rel == "=" and s != a) or (ident.rel == ">=" and s > a):
                findings.append(Finding(ident.name, "warning",
                                        f"统计表 {lhs.label.strip()} {col} = {a}, its sub-rows sum to {s} "
                                        f"({ident.description})", table=TABLE, row=lhs.label.strip(), column=col,
                                        reported=str(a), computed=str(s)))
    for (iid, col), f in first.items():
        r = by_id.get(iid)
        if r is None or col not in cids or iid not in final:
            continue
        v = final[iid][cids.index(col)]
        if v is not None and v != f.value:
            findings.append(Finding("pre2019.prose_vs_table", "warning",
                                    f"统计表 {r.label.strip()} {cols[cids.index(col)][0]} = {v}, but the text says "
                                    f"'{f.quote}' ({f.value})", table=TABLE, row=r.label.strip(),
                                    column=cols[cids.index(col)][0], reported=str(v), computed=str(f.value)))
    return cells, findings


def _confirm_unlabelled(r: Row, cs: list[Reading], rows: list[Row], cands: dict[int, list[Reading]],
                        ncols: int) -> str:
    """A row that lost its label is placed as a sub-row of its parent only when the parent's
    identity holds with it and fails without it (its figures are what the siblings leave)."""
    p = r.parent
    if p is None:
        return ""
    ident = next((x for x in T.PRE2019_IDENTITIES if x.lhs == p.id and x.rel == "="), None)
    if ident is None:
        return ""
    index = {id(x): i for i, x in enumerate(rows)}
    sibs = [x for x in rows if x.parent is p and x is not r]
    if id(p) not in index or any(len(cands[index[id(x)]]) != 1 for x in sibs + [p]):
        return ""
    if any(x.id not in ident.rhs for x in sibs):
        return ""
    top = cands[index[id(p)]][0]
    parts = [cands[index[id(x)]][0] for x in sibs]
    with_it = without = True
    for c in range(ncols):
        vals = [top[c]] + [q[c] for q in parts] + [cs[0][c]]
        if any(v is None for v in vals):
            continue
        s = sum(q[c] for q in parts)
        with_it &= s + cs[0][c] == top[c]
        without &= s == top[c]
    if with_it and not without:
        return (f"row label missing in source; placed as a sub-row of {p.label.strip()} because "
                f"{ident.name} holds with it and fails without it")
    return ""

