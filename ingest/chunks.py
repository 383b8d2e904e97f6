"""Retrieval chunks: what the search index embeds and matches, cut from one parsed report.

Two kinds of chunk, each readable on its own:

* ``prose`` — a few hundred characters of one numbered section, cut on sentence boundaries
  (。;!? and line ends), never across a section boundary, prefixed with
  ``【{agency} {year}年 · {section title}】``. Text inside a statistical table whose cells were
  parsed is left out of the prose (the table chunk renders it better); a table that gave no
  cells stays in the prose so its raw text can still be found.
* ``table`` — one statistical table rendered from the parsed **cells** (not the raw text) as a
  Markdown table with full row and column headers in template wording; table 二 gives one chunk
  per 第二十条 block. Blank cells read ``空``, ambiguous ones carry ``?``, template rows the
  parser did not find read ``—``. The chunk's ``row_ids`` link it to the structured cells.

Chunks are a pure function of the report, so the same report always gives the same ids, text and
``content_hash`` (the embedding cache key); :func:`parsed_from_store` rebuilds a
:class:`ParsedReport` from the facts store so chunks can be made without re-reading files.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from . import templates as T
from .models import Cell, LoadedDocument, ParsedReport, ReportMeta, Section

if TYPE_CHECKING:
    from .store import Store

#: Bump when chunking changes, so indexes built by an older version are refreshed.
CHUNKER_VERSION = 1
TARGET_CHARS = 300  # a prose chunk closes once it reaches this many characters…
MAX_CHARS = 450  # …and never grows past this (a longer sentence is cut at commas)
MIN_BODY_CHARS = 15  # shorter leftovers (a lone heading) are merged or dropped
MAX_TABLE_SPAN = 8000  # a table "span" longer than this is a parser slip: keep its prose

ChunkKind = Literal["prose", "table"]

TABLE_TITLES: dict[str, str] = {
    "二": "表二 主动公开政府信息情况",
    "三": "表三 收到和处理政府信息公开申请情况",
    "四": "表四 政府信息公开行政复议、行政诉讼情况",
    "统计表": "政府信息公开情况统计表",
}
TABLE_SECTIONS: dict[str, int] = {"二": 2, "三": 3, "四": 4}
TABLE_ORDER = ("统计表", "二", "三", "四")
LEGEND = "(空=原表空白;?=识别存疑;—=未读到)"


@dataclass
class Chunk:
    id: str  # "{report_id}:{kind}:{index}" — stable for a report's content and CHUNKER_VERSION
    report_id: str
    source: str
    agency: str | None
    year: int | None
    kind: ChunkKind
    section_number: int | None  # 1..6, 0 for text before the first section, None if unknown
    section_title: str
    page: int | None
    start: int  # char span in LoadedDocument.text
    end: int
    table: str  # "二" | "三" | "四" | "统计表"; "" for prose
    text: str  # what is embedded and searched (header included)
    content_hash: str  # sha256 of text
    row_ids: tuple[str, ...] = field(default=())  # table chunks: the cells' row ids

    def metadata(self) -> dict[str, Any]:
        """Flat metadata for Chroma (str/int only; unknown values are left out, not None)."""
        md: dict[str, Any] = {
            "chunk_id": self.id,
            "report_id": self.report_id,
            "source": self.source,
            "kind": self.kind,
            "section_title": self.section_title,
            "start": self.start,
            "end": self.end,
            "table": self.table,
            "row_ids": ",".join(self.row_ids),
            "content_hash": self.content_hash,
            "chunker": CHUNKER_VERSION,
        }
        if self.agency:
            md["agency"] = self.agency
        if self.year is not None:
            md["year"] = int(self.year)
        if self.section_number is not None:
            md["section_number"] = int(self.section_number)
        if self.page is not None:
            md["page"] = int(self.page)
        return md

    @classmethod
    def from_metadata(cls, text: str, md: dict[str, Any]) -> Chunk:
        """Inverse of :meth:`metadata` (for chunks read back from the vector store)."""
        return cls(
            id=md.get("chunk_id", ""), report_id=md.get("report_id", ""), source=md.get("source", ""),
            agency=md.get("agency"), year=md.get("year"), kind=md.get("kind", "prose"),
            section_number=md.get("section_number"), section_title=md.get("section_title", ""),
            page=md.get("page"), start=int(md.get("start", 0)), end=int(md.get("end", 0)),
            table=md.get("table", ""), text=text, content_hash=md.get("content_hash") or sha256_text(text),
            row_ids=tuple(r for r in str(md.get("row_ids", "")).split(",") if r),
        )


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------ headers
def agency_label(parsed: ParsedReport) -> str:
    """The agency as shown in chunk headers; falls back to the title or file name when unknown."""
    return parsed.meta.agency or parsed.meta.title or parsed.doc.source


def header(parsed: ParsedReport, what: str) -> str:
    year = f" {parsed.meta.year}年" if parsed.meta.year is not None else ""
    return f"【{agency_label(parsed)}{year} · {what}】"


# ------------------------------------------------------------------------------ prose
_SENT_END = re.compile(r"[。;；!！?？]+[”’\")）]*|\n")
_SOFT_BREAK = re.compile(r"[,，、:：]")
_CONTENT = re.compile(r"[\w\u4e00-\u9fff]")


LINE_REACH = 200  # a table span grows to whole lines only when the line ends are this close


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """*start*..*end* grown to the enclosing line ends, unless the lines are long (flattened
    text where a whole table, or a whole report, is one line)."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    b = len(text) if b < 0 else b
    return (a if start - a <= LINE_REACH else start), (b if b - end <= LINE_REACH else end)


def table_spans(parsed: ParsedReport) -> list[tuple[int, int]]:
    """Character spans (whole lines) of the tables that produced cells, merged and sorted."""
    text = parsed.doc.text
    spans = []
    by_table: dict[str, list[Cell]] = {}
    for c in parsed.cells:
        if c.start is not None:
            by_table.setdefault(c.table, []).append(c)
    for cells in by_table.values():
        a = min(c.start for c in cells)  # type: ignore[type-var]
        b = max((c.end if c.end is not None else c.start) for c in cells)  # type: ignore[type-var]
        if b - a <= MAX_TABLE_SPAN:
            spans.append(_line_bounds(text, a, b))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _subtract(a: int, b: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, cur = [], a
    for h0, h1 in holes:
        if h1 <= cur or h0 >= b:
            continue
        if h0 > cur:
            out.append((cur, h0))
        cur = max(cur, h1)
    if cur < b:
        out.append((cur, b))
    return out


def _units(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Sentence spans in ``text[a:b]``; a sentence longer than MAX_CHARS is cut at commas or hard."""
    out: list[tuple[int, int]] = []
    pos = a
    for m in _SENT_END.finditer(text, a, b):
        out.append((pos, m.end()))
        pos = m.end()
    if pos < b:
        out.append((pos, b))
    res: list[tuple[int, int]] = []
    for s, e in out:
        while e - s > MAX_CHARS:
            cut = None
            for m in _SOFT_BREAK.finditer(text, s + TARGET_CHARS // 2, s + MAX_CHARS):
                cut = m.end()
            cut = cut or s + MAX_CHARS
            res.append((s, cut))
            s = cut
        res.append((s, e))
    return [(s, e) for s, e in res if text[s:e].strip()]


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _content_len(s: str) -> int:
    return len(_CONTENT.findall(s))


def prose_spans(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Chunk spans for one stretch of one section: sentences packed up to TARGET_CHARS."""
    spans: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for s, e in _units(text, a, b):
        if cur is None:
            cur = (s, e)
        elif (cur[1] - cur[0]) >= TARGET_CHARS or e - cur[0] > MAX_CHARS:
            spans.append(cur)
            cur = (s, e)
        else:
            cur = (cur[0], e)
    if cur is not None:
        spans.append(cur)
    spans = [_strip_span(text, s, e) for s, e in spans]
    # a short tail joins the chunk before it (when that keeps it readable)
    if len(spans) >= 2 and _content_len(text[spans[-1][0]:spans[-1][1]]) < MIN_BODY_CHARS * 4 \
            and spans[-1][1] - spans[-2][0] <= MAX_CHARS + 100:
        spans[-2:] = [(spans[-2][0], spans[-1][1])]
    return [(s, e) for s, e in spans if _content_len(text[s:e]) >= MIN_BODY_CHARS]


def _section_segments(parsed: ParsedReport) -> list[tuple[int | None, str, int, int]]:
    """``(number, title, start, end)`` covering the whole text: text before the first section,
    then each section up to the next one's start (so chunks never cross a section boundary)."""
    text = parsed.doc.text
    secs = sorted(parsed.sections, key=lambda s: s.start)
    if not secs:
        return [(None, "正文", 0, len(text))]
    segs: list[tuple[int | None, str, int, int]] = []
    if secs[0].start > 0:
        segs.append((0, "报告开头", 0, secs[0].start))
    for i, s in enumerate(secs):
        end = secs[i + 1].start if i + 1 < len(secs) else len(text)
        if end > s.start:
            segs.append((s.number, s.title, s.start, end))
    return segs


def _section_at(parsed: ParsedReport, offset: int | None) -> tuple[int | None, str]:
    if offset is None:
        return None, ""
    for number, title, a, b in _section_segments(parsed):
        if a <= offset < b:
            return number, title
    return None, ""


# ------------------------------------------------------------------------------ tables
def format_value(c: Cell | None) -> str:
    if c is None:
        return "—"
    if c.value is None:
        v = "空"
    elif isinstance(c.value, Decimal):
        v = format(c.value, "f")
    else:
        v = str(c.value)
    if c.status == "ambiguous":
        return "?" if c.value is None else f"{v}?"
    return v


def _md_cell(s: str) -> str:
    return s.replace("|", "/").replace("\n", " ").strip()


def markdown_table(corner: str, columns: list[str], rows: list[tuple[str, list[str]]]) -> str:
    out = ["| " + " | ".join(_md_cell(x) for x in [corner, *columns]) + " |",
           "|" + "---|" * (len(columns) + 1)]
    out += ["| " + " | ".join(_md_cell(x) for x in [label, *vals]) + " |" for label, vals in rows]
    return "\n".join(out)


def _grid(cells: list[Cell]) -> tuple[list[str], dict[str, dict[str, Cell]], dict[str, str]]:
    """Rows in first-seen order, ``{row: {column: cell}}`` and ``{row: row_id}``."""
    order: list[str] = []
    grid: dict[str, dict[str, Cell]] = {}
    ids: dict[str, str] = {}
    for c in cells:
        if c.row not in grid:
            order.append(c.row)
            grid[c.row] = {}
            ids[c.row] = c.row_id
        grid[c.row].setdefault(c.column, c)
    return order, grid, ids


def _render_t3(cells: list[Cell], template: str) -> tuple[str, list[str]]:
    order, grid, ids = _grid(cells)
    known = {r.label for r in T.t3_rows(template)}
    rows = [r.label for r in T.t3_rows(template)]
    rows += [r for r in order if r not in known]
    cols = [c.label for c in T.T3_COLUMNS]
    extra_cols = [col for r in order for col in grid[r] if col not in cols]
    cols += list(dict.fromkeys(extra_cols))
    body = [(r, [format_value(grid.get(r, {}).get(col)) for col in cols]) for r in rows]
    table = markdown_table("项目", cols, body)
    return f"单位:件 {LEGEND}\n{table}", [ids[r] for r in order if ids[r]]


def _render_t4(cells: list[Cell]) -> tuple[str, list[str]]:
    by_col = {c.column_id or c.column: c for c in cells}
    by_label = {c.column: c for c in cells}
    body = []
    for g in T.T4_GROUPS:
        vals = []
        for r in T.T4_RESULTS:
            label = f"{g.label}/{r.label}"
            vals.append(format_value(by_col.get(f"{g.id}.{r.id}") or by_label.get(label)))
        body.append((g.label, vals))
    known = {f"{g.label}/{r.label}" for g in T.T4_GROUPS for r in T.T4_RESULTS}
    extras = [c for c in cells if c.column not in known and (c.column_id or "") not in
              {f"{g.id}.{r.id}" for g in T.T4_GROUPS for r in T.T4_RESULTS}]
    table = markdown_table(T.T4_ROW, [r.label for r in T.T4_RESULTS], body)
    if extras:
        table += "\n" + "\n".join(f"{c.column}: {format_value(c)}" for c in extras)
    return f"单位:件 {LEGEND}\n{table}", list(dict.fromkeys(c.row_id for c in cells if c.row_id))


def _t2_blocks(cells: list[Cell], template: str) -> list[tuple[str, list[Cell]]]:
    """Table 二 cells grouped by their 第二十条 item, in template order."""
    item_of = {r.id: r.item for r in T.t2_rows(template)}
    blocks: dict[str, list[Cell]] = {}
    for c in cells:
        item = item_of.get(c.row_id) or (c.row.split("/", 1)[0] if "/" in c.row else "其他")
        blocks.setdefault(item, []).append(c)
    order = list(dict.fromkeys(r.item for r in T.t2_rows(template)))
    return sorted(blocks.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))


def _render_t2_block(item: str, cells: list[Cell], template: str) -> tuple[str, list[str]]:
    order, grid, ids = _grid(cells)
    specs = [r for r in T.t2_rows(template) if r.item == item]
    known = {f"{r.item}/{r.label}": r for r in specs}
    rows = list(known) + [r for r in order if r not in known]
    cols: list[str] = []
    for r in rows:
        spec = known.get(r)
        if spec is not None and r in grid:
            cols += [c.label for c in spec.columns]
        cols += list(grid.get(r, {}))
    cols = list(dict.fromkeys(cols)) or list(dict.fromkeys(c.label for s in specs for c in s.columns))
    body = [(r, [format_value(grid.get(r, {}).get(col)) for col in cols]) for r in rows]
    return f"{LEGEND}\n{markdown_table('项目', cols, body)}", [ids[r] for r in order if ids[r]]


def _render_stats(cells: list[Cell]) -> tuple[str, list[str]]:
    order, grid, ids = _grid(cells)
    cols = list(dict.fromkeys(col for r in order for col in grid[r]))
    body = [(r, [format_value(grid[r].get(col)) for col in cols]) for r in order]
    return f"{LEGEND}\n{markdown_table('统计指标', cols, body)}", list(dict.fromkeys(i for i in ids.values() if i))


def _span(cells: list[Cell]) -> tuple[int, int, int | None]:
    starts = [c.start for c in cells if c.start is not None]
    ends = [c.end if c.end is not None else c.start for c in cells if c.start is not None]
    pages = [c.page for c in cells if c.page is not None]
    if not starts:
        return 0, 0, None
    return min(starts), max(ends), (pages[0] if pages else None)  # type: ignore[type-var]


# ------------------------------------------------------------------------------ entry points
def make_chunks(parsed: ParsedReport, report_id: str | None = None) -> list[Chunk]:
    """Prose chunks (in text order) then table chunks, for one parsed report."""
    rid = report_id or parsed.report_id
    doc, meta = parsed.doc, parsed.meta
    text = doc.text
    chunks: list[Chunk] = []

    def add(kind: ChunkKind, number: int | None, title: str, start: int, end: int, table: str,
            body: str, what: str, row_ids: tuple[str, ...] = (), page: int | None = None) -> None:
        full = f"{header(parsed, what)}\n{body}"
        n = sum(1 for c in chunks if c.kind == kind)
        chunks.append(Chunk(
            id=f"{rid}:{kind}:{n:03d}", report_id=rid, source=doc.source, agency=meta.agency, year=meta.year,
            kind=kind, section_number=number, section_title=title,
            page=page if page is not None else doc.page_at(start), start=start, end=end, table=table,
            text=full, content_hash=sha256_text(full), row_ids=row_ids))

    holes = table_spans(parsed)
    for number, title, a, b in _section_segments(parsed):
        for pa, pb in _subtract(a, b, holes):
            for s, e in prose_spans(text, pa, pb):
                add("prose", number, title, s, e, "", text[s:e], title)

    by_table: dict[str, list[Cell]] = {}
    for c in parsed.cells:
        by_table.setdefault(c.table, []).append(c)
    template = meta.template if meta.template in ("2019", "2021") else "2021"
    for name in sorted(by_table, key=lambda t: TABLE_ORDER.index(t) if t in TABLE_ORDER else 99):
        cells = by_table[name]
        title = TABLE_TITLES.get(name, f"表{name}")
        if name == "二":
            parts = [(f"{title} · {item}", *_render_t2_block(item, cs, template), cs)
                     for item, cs in _t2_blocks(cells, template)]
        elif name == "三":
            parts = [(title, *_render_t3(cells, template), cells)]
        elif name == "四":
            parts = [(title, *_render_t4(cells), cells)]
        else:
            parts = [(title, *_render_stats(cells), cells)]
        for what, body, row_ids, cs in parts:
            s, e, page = _span(cs)
            number, sec_title = _section_at(parsed, s if e else None)
            if number is None and name in TABLE_SECTIONS:
                number = TABLE_SECTIONS[name]
            add("table", number, sec_title or what, s, e, name, body, what, tuple(row_ids), page)
    return chunks


def parsed_from_store(store: Store, report_id: str) -> ParsedReport | None:
    """The :class:`ParsedReport` of a stored report (text, lines, sections, cells; no findings)."""
    r = store.get_report(report_id)
    if r is None:
        return None
    doc = LoadedDocument(source=r.source, path=r.path, content_hash=r.content_hash, format=r.format,
                         text=r.text or "", lines=store.lines(report_id), encoding=r.encoding, pages=r.pages,
                         warnings=list(r.warnings))
    meta = ReportMeta(agency=r.agency, year=r.year, published=r.published, template=r.template,  # type: ignore[arg-type]
                      title=r.title, agency_evidence=r.agency_evidence, year_evidence=r.year_evidence)
    sections: list[Section] = store.sections(report_id)
    cells = [c.to_cell() for c in store.cells(report_id=report_id)]
    return ParsedReport(doc, meta, sections, cells, [])
