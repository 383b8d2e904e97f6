"""A second reading of a PDF's tables, by geometry (pdfplumber: ruling lines and word positions),
cross-checked cell by cell with the text reading.

The text reading (pypdf lines → tokens) loses cell boundaries when figures run together; the
geometry reading keeps them but can split a label over cells or miss a table drawn without
lines. Neither is trusted alone:

- both agree → the cell is ``exact`` (note says both readings agree);
- they disagree, or only one could read the cell → the reading the identities confirm (its row
  sums to its 总计 / its group total holds) wins, else the cell is ``ambiguous`` with both values
  in the note.

Only pages that hold table cells in the text reading are read again (pdfplumber is slow).
"""
from __future__ import annotations

import io
import os
from dataclasses import replace

from . import templates as T
from .models import Cell, Finding, LoadedDocument

# GONGKAI_PDF_GEOMETRY: "auto" (default) reads a PDF's table pages again when the text reading
# is not confirmed everywhere (a cell ambiguous, inferred or cut from run-together digits, or an
# identity broken); "always" on every PDF; "0" never. It costs ~0.13 s per table page.
MODE = os.environ.get("GONGKAI_PDF_GEOMETRY", "auto")


def tables_to_read_again(text_cells: list[Cell]) -> set[str]:
    """The tables whose text reading leaves something the arithmetic does not confirm: a cell
    ambiguous, inferred or cut from run-together digits, rows missing, or an identity broken."""
    from .validate import validate_report

    tables = ("二", "三", "四")
    if MODE == "always":
        return set(tables)
    table_cells = [c for c in text_cells if c.table in tables]
    out = {c.table for c in table_cells if c.status != "exact" or "run together" in c.note}
    if len({c.row_id for c in table_cells if c.table == "三"}) < 20:
        out.add("三")  # rows missing
    out |= {f.table for f in validate_report(table_cells, "") if f.severity == "error"}
    return out & set(tables)


def available() -> bool:
    try:
        import pdfplumber  # noqa: F401
    except ImportError:
        return False
    return True


def grid_document(data: bytes, pages: set[int], source: str) -> tuple[LoadedDocument | None, list[int]]:
    """The tables pdfplumber finds on ``pages`` as a grid document (one line per table row,
    real cells, blanks kept), plus the pages that hold no characters at all (no text layer)."""
    import pdfplumber

    from .load import _assemble, _Piece

    pieces: list[_Piece] = []
    no_text: list[int] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for pno in sorted(pages):
            if not 1 <= pno <= len(pdf.pages):
                continue
            page = pdf.pages[pno - 1]
            if not page.chars:
                no_text.append(pno)
                continue
            for table in page.extract_tables():
                for row in table:
                    cells = [("" if c is None else "".join(c.split())) for c in row]
                    if any(cells):
                        pieces.append(_Piece(" | ".join(cells), page=pno, cells=cells, keep_blanks=True))
    if not pieces:
        return None, no_text
    text, lines, warnings = _assemble(pieces)
    return LoadedDocument(source=source + "#geometry", path="", content_hash="", format="pdf", text=text,
                          lines=lines, warnings=warnings), no_text


def _row_ok(cells: dict[tuple[str, str, str], Cell], table: str, row: str) -> bool | None:
    """Whether the row identities of ``row`` hold with these cells (None: cannot be evaluated)."""
    idents = T.t3_identities("2021") if table == "三" else T.t4_identities() if table == "四" else ()
    verdicts = []
    for ident in idents:
        if ident.each != "row":
            continue
        def val(col: str):
            c = cells.get((table, row, col))
            return None if c is None or c.status == "ambiguous" else c.value
        verdicts.append(T.check([val(c) for c in ident.lhs], [val(c) for c in ident.rhs]))
    known = [v for v in verdicts if v is not None]
    return None if not known else all(known)


def cross_check(doc: LoadedDocument, text_cells: list[Cell], template: str) -> tuple[list[Cell], list[Finding]]:
    """Text cells reconciled with the geometry reading of the same pages."""
    from .tables import parse_tables_text

    if not (MODE != "0" and doc.format == "pdf" and doc.path and available()):
        return text_cells, []
    again = tables_to_read_again(text_cells)
    if not again:
        return text_cells, []
    pages = {c.page for c in text_cells if c.page and c.table in again}
    if not pages:
        return text_cells, []
    try:
        data = open(doc.path, "rb").read()
        gdoc, no_text = grid_document(data, pages, doc.source)
    except Exception as exc:  # a geometry failure must not cost the text reading
        return text_cells, [Finding("parse.geometry_failed", "info",
                                    f"PDF tables by geometry could not be read ({exc.__class__.__name__})")]
    findings: list[Finding] = []
    if no_text:
        findings.append(Finding("parse.no_text_layer", "warning",
                                f"PDF page(s) {', '.join(map(str, no_text))} have no text layer (scanned images?); "
                                "their tables cannot be read"))
    if gdoc is None:
        return text_cells, findings
    geo_cells, _ = parse_tables_text(gdoc, template)
    key = lambda c: (c.table, c.row_id, c.column_id)  # noqa: E731
    geo = {key(c): c for c in geo_cells if c.table in ("三", "四", "二")}
    txt = {key(c): c for c in text_cells}
    out: list[Cell] = []
    disagreements = 0
    for c in text_cells:
        g = geo.get(key(c))
        if c.table not in again or g is None:
            out.append(c)
            continue
        same = c.status != "ambiguous" and g.status != "ambiguous" and c.value == g.value
        if same:
            out.append(replace(c, status="exact" if c.status in ("exact", "inferred") else c.status,
                               note=_join(c.note, "text and geometry readings agree")))
            continue
        if c.status == "ambiguous" and g.status == "ambiguous":
            out.append(c)
            continue
        # they differ (or one is ambiguous): the one whose row identities hold wins
        t_ok = _row_ok(txt, c.table, c.row_id) if c.status != "ambiguous" else False
        g_ok = _row_ok(geo, c.table, c.row_id) if g.status != "ambiguous" else False
        disagreements += 1
        both = f"text reads {_v(c)}, geometry reads {_v(g)}"
        if g_ok and not t_ok:
            out.append(replace(c, value=g.value, status="exact", raw=g.raw,
                               note=_join(both, "the identities confirm the geometry reading")))
        elif t_ok and not g_ok:
            out.append(replace(c, note=_join(c.note, both + "; the identities confirm the text reading")))
        elif c.table == "二" and c.status == "ambiguous" and g.status != "ambiguous":
            # 表二 has no identity; a delimited grid cell among the text's readings settles it
            if str(g.value) in c.note:
                out.append(replace(c, value=g.value, status="exact", raw=g.raw,
                                   note=_join(both, "the grid cell is one of the text's readings")))
            else:
                out.append(replace(c, note=_join(c.note, both)))
        else:
            out.append(replace(c, value=None, status="ambiguous", note=_join(c.note, both + "; no identity decides")))
    if disagreements:
        findings.append(Finding("parse.geometry_disagrees", "info",
                                f"PDF: text and geometry readings differ in {disagreements} cell(s); see the cells' notes"))
    return out, findings


def _v(c: Cell) -> str:
    return "ambiguous" if c.status == "ambiguous" else ("空" if c.value is None else str(c.value))


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b
