"""Read a report file (TXT/MD, HTML, PDF, DOCX) into normalised lines with provenance.

Each loader turns its format into a list of *raw pieces* — ``(text, page, cells)`` — and
:func:`_assemble` normalises them and builds the document text and line offsets, so that every
later step can cite file, page, line and character span.
"""
from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .models import Line, LoadedDocument
from .normalize import drop_repeated_blocks, looks_traditional, normalize_piece

SUPPORTED = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
             ".pdf": "pdf", ".docx": "docx"}
MAX_BYTES = 50 * 1024 * 1024  # a real report is well under 10 MB; 200 MB files are refused


class LoadError(Exception):
    """A file that cannot be read as a report; the message names the reason."""


@dataclass
class _Piece:
    text: str
    page: int | None = None
    cells: list[str] | None = None
    keep_blanks: bool = False  # HTML/DOCX grids: an empty trailing cell is a real blank cell


# --------------------------------------------------------------------------------- decoding
def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode text in UTF-8 (with or without BOM), GB18030/GBK or Big5. Returns (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_cjk_score(text), enc, text))
    if not candidates:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None or _cjk_score(str(best)) < 0.2:
            raise LoadError("unknown text encoding (not UTF-8, GB18030/GBK or Big5)")
        return str(best), best.encoding
    candidates.sort(reverse=True)
    score, enc, text = candidates[0]
    if score < 0.2:
        raise LoadError(f"text decodes as {enc} but is not Chinese text (binary or unknown encoding)")
    return text, enc


_COMMON = set("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质信")


def _cjk_score(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    common = sum(1 for ch in sample if ch in _COMMON)
    return common / max(1, sum(1 for ch in sample if not ch.isspace()))


# --------------------------------------------------------------------------------- formats
_PAGE_FOOTER = re.compile(r"^\s*[-—–－]\s*\d{1,3}\s*[-—–－]\s*$")
_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$|^[\s|:-]*-{3,}[\s|:-]*$")


def _split_pipe_row(line: str) -> list[str] | None:
    if "|" not in line:
        return None
    cells = [c.strip() for c in line.split("|")]
    if cells and cells[0] == "" and line.lstrip().startswith("|"):
        cells = cells[1:]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _bordered_cells(line: str) -> list[str] | None:
    """A Markdown row with pipes at both ends ("| 予以公开 | 4 | 0 |  |"): exactly the cells
    between the outer pipes, empty ones included (an empty last cell is a real blank cell)."""
    s = line.strip()
    if len(s) < 3 or not (s.startswith("|") and s.endswith("|")) or s.count("|") < 3:
        return None
    return [c.strip() for c in s[1:-1].split("|")]


def _text_pieces(text: str) -> list[_Piece]:
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # One cell per line: a line that is only "|" opens a row; "xxx |" lines are its cells.
    bar_lines = sum(1 for ln in raw_lines if ln.strip() == "|")
    pieces: list[_Piece] = []
    if bar_lines >= 5:
        row: list[str] | None = None
        for ln in raw_lines:
            s = ln.strip()
            if s == "|":
                if row is not None:
                    pieces.append(_row_piece(row))
                row = []
                continue
            if row is not None and s.endswith("|") and s.count("|") <= max(1, len(s) // 1):
                # "第二十条第(一)项 |", "0 |", "|||" (empty cells)
                body = s[:-1]
                if body.strip("|").strip() == "" and body:
                    row.extend([""] * body.count("|"))
                else:
                    row.extend(c.strip() for c in body.split("|"))
                continue
            if row is not None:
                pieces.append(_row_piece(row))
                row = None
            cells = _split_pipe_row(ln)
            pieces.append(_row_piece(cells) if cells is not None and len(cells) >= 2 and s != "|" else _Piece(ln))
        if row is not None:
            pieces.append(_row_piece(row))
        return pieces
    for ln in raw_lines:
        if _MD_SEPARATOR.match(ln) and "-" in ln:
            continue  # Markdown header separator
        if _PAGE_FOOTER.match(ln):
            continue  # "— 5 —" page numbers left by PDF conversion
        bordered = _bordered_cells(ln)
        if bordered is not None and any(bordered) and "" in bordered[1:]:
            pieces.append(_Piece(" | ".join(bordered), cells=bordered, keep_blanks=True))
            continue
        cells = _split_pipe_row(ln)
        if cells is not None and len(cells) >= 2:
            pieces.append(_row_piece(cells))
        else:
            pieces.append(_Piece(ln.replace("|", " ") if cells is not None else ln))
    return pieces


def _row_piece(cells: list[str], page: int | None = None) -> _Piece:
    while cells and cells[-1] == "":
        cells.pop()
    return _Piece(" | ".join(cells), page=page, cells=list(cells))


def _html_pieces(text: str) -> list[_Piece]:
    from lxml import html as lxml_html

    parser = lxml_html.HTMLParser()
    try:
        root = lxml_html.fromstring(text or "<p></p>", parser=parser)
    except Exception as exc:  # lxml raises several types on junk
        raise LoadError(f"not readable as HTML ({exc.__class__.__name__})") from exc
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):  # libxml2 cut the tree off
        raise LoadError("HTML nested too deeply (over 255 levels of tags; the text inside cannot be read):"
                        " save the page as text or PDF")
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    pieces: list[_Piece] = _page_meta_pieces(root)
    body = _report_body(root)
    if body is not None:
        root = body
    block_tags = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "section", "article", "title"}

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table":
            pieces.extend(_Piece(" | ".join(r), cells=r, keep_blanks=True) for r in _table_grid(el))
            if el.tail and el.tail.strip():
                pieces.append(_Piece(el.tail))
            return
        if tag in block_tags and not el.xpath(".//table"):
            txt = el.text_content()
            if txt.strip():
                pieces.append(_Piece(txt))
            if el.tail and el.tail.strip():
                pieces.append(_Piece(el.tail))
            return
        if el.text and el.text.strip():
            pieces.append(_Piece(el.text))
        for child in el:
            walk(child)
        if el.tail and el.tail.strip():
            pieces.append(_Piece(el.tail))

    walk(root)
    return pieces


# Page metadata of a crawled web page (TRS/WCM-style <meta> tags) → the same field lines a
# crawler's text export starts with, so metadata extraction reads both alike.
_PAGE_META = (("ArticleTitle", "标题"), ("PubDate", "发布时间"), ("ContentSource", "发布机构"))
# the report body: its opening section and a later part (a table 三 header, section 六, the 统计表)
_BODY_START = re.compile(r"一、\s*(?:总体情况|概述)|总体情况|政府信息公开(?:工作)?(?:年度)?报告")
_BODY_END = re.compile(r"收到和处理政府信息公开申请|其他需要报告|统计表|附表|行政复议")
_BODY_CLASSES = ("TRS_Editor", "zoom", "article-content", "article_con", "view", "content")


def _page_meta_pieces(root) -> list[_Piece]:
    out = []
    for name, field in _PAGE_META:
        vals = root.xpath(f"//meta[@name='{name}']/@content")
        if vals and vals[0].strip():
            out.append(_Piece(f"{field}: {vals[0].strip()}"))
    return out


def _report_body(root):
    """The element holding the report itself (not the site's navigation, footer or script
    lists): a known editor container when it holds the report, else the smallest element whose
    text has the report's opening and a later part. None when the page is just the report."""
    def holds_report(el) -> bool:
        t = el.text_content()
        return bool(_BODY_START.search(t) and _BODY_END.search(t))

    for cls in _BODY_CLASSES:
        for el in root.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')] | //*[@id='{cls}']"):
            if holds_report(el):
                return el
    if not root.xpath("//nav|//header|//footer|//*[contains(@class,'nav')]|//*[contains(@class,'foot')]"):
        return None
    best, best_len = None, None
    for el in root.iter("div", "article", "section", "td", "main"):
        t = el.text_content()
        if best_len is not None and len(t) >= best_len:
            continue
        if _BODY_START.search(t) and _BODY_END.search(t) and el.xpath(".//table") or (
                _BODY_START.search(t) and _BODY_END.search(t) and len(t) > 500):
            best, best_len = el, len(t)
    return best


def _table_grid(table) -> list[list[str]]:
    """Expand rowspan/colspan. A spanned cell's text appears once (at its first position) so
    that a value is never counted twice; the other positions are empty strings."""
    grid: dict[tuple[int, int], str] = {}
    occupied: set[tuple[int, int]] = set()
    rows = [tr for tr in table.iter("tr") if tr.getparent() is not None and _nearest_table(tr) is table]
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, c) in occupied:
                c += 1
            try:
                rs = max(1, int(td.get("rowspan", "1") or 1))
                cs = max(1, int(td.get("colspan", "1") or 1))
            except ValueError:
                rs = cs = 1
            txt = " ".join(td.text_content().split())
            for dr in range(rs):
                for dc in range(cs):
                    occupied.add((r + dr, c + dc))
                    grid[(r + dr, c + dc)] = txt if (dr == 0 and dc == 0) else ("" if dr == 0 else f"\x00{txt}")
            c += cs
    out = []
    for r in range(len(rows)):
        cols = sorted(c for (rr, c) in grid if rr == r)
        if not cols:
            continue
        row = [grid[(r, c)] for c in range(cols[-1] + 1) if (r, c) in grid]
        # cells spanned down from a row above keep their label context only as a marker
        row = [x for x in row if not x.startswith("\x00")]
        out.append(row)
    return out


def _nearest_table(el):
    p = el.getparent()
    while p is not None and p.tag != "table":
        p = p.getparent()
    return p


def _pdf_pieces(data: bytes) -> tuple[list[_Piece], int, list[int]]:
    """Text pieces of every page, the page count, and the pages with no text layer."""
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:
                raise LoadError("encrypted PDF (cannot be opened without a password)") from exc
            if not ok:
                raise LoadError("encrypted PDF (cannot be opened without a password)")
        pieces: list[_Piece] = []
        empty: list[int] = []
        for pno, page in enumerate(reader.pages, start=1):
            txt = page.extract_text() or ""
            if not txt.strip():
                empty.append(pno)
            for ln in txt.split("\n"):
                if _PAGE_FOOTER.match(ln):
                    continue  # page number footer "- 3 -"
                pieces.append(_Piece(ln, page=pno))
        n = len(reader.pages)
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise LoadError(f"corrupt PDF ({exc.__class__.__name__}: {str(exc)[:80]})") from exc
    if not any(p.text.strip() for p in pieces):
        raise LoadError("PDF has no text layer (scanned image?); OCR is not supported")
    return pieces, n, empty


def _docx_pieces(data: bytes) -> list[_Piece]:
    import zipfile

    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(f"corrupt DOCX ({exc.__class__.__name__})") from exc
    pieces: list[_Piece] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            pieces.append(_Piece(Paragraph(child, document).text))
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                cells: list[str] = []
                prev = None
                for cell in row.cells:  # merged cells repeat: keep the first
                    if cell._tc is prev:
                        continue
                    prev = cell._tc
                    cells.append(cell.text)
                pieces.append(_Piece(" | ".join(cells), cells=cells, keep_blanks=True))
    return pieces


# --------------------------------------------------------------------------------- assembly
def _assemble(pieces: list[_Piece]) -> tuple[str, list[Line], list[str]]:
    sample = "".join(p.text for p in pieces[:400])
    traditional = looks_traditional(sample)
    norm: list[_Piece] = []
    for p in pieces:
        if p.cells is not None:
            cells = [normalize_piece(c, traditional=traditional) for c in p.cells]
            while cells and cells[-1] == "" and not p.keep_blanks:
                cells.pop()
            if not any(cells):
                continue
            norm.append(_Piece(" | ".join(cells), p.page, cells))
        else:
            t = normalize_piece(p.text, traditional=traditional)
            if t:
                norm.append(_Piece(t, p.page, None))
    warnings: list[str] = []
    if traditional:
        warnings.append("Traditional Chinese converted to Simplified")
    kept_text, dropped = drop_repeated_blocks([p.text for p in norm])
    if dropped:
        drop_idx = {i for s, k in dropped for i in range(s, s + k)}
        norm = [p for i, p in enumerate(norm) if i not in drop_idx]
        warnings.append(f"dropped {sum(k for _, k in dropped)} lines pasted twice")
    lines: list[Line] = []
    parts: list[str] = []
    pos = 0
    for i, p in enumerate(norm, start=1):
        lines.append(Line(p.text, pos, pos + len(p.text), i, p.page, tuple(p.cells) if p.cells is not None else None))
        parts.append(p.text)
        pos += len(p.text) + 1
    return "\n".join(parts), lines, warnings


def load_file(path: str | Path, max_bytes: int = MAX_BYTES) -> LoadedDocument:
    """Read one file. Raises :class:`LoadError` with a one-line reason for bad input."""
    path = Path(path)
    fmt = SUPPORTED.get(path.suffix.lower())
    if fmt is None:
        raise LoadError(f"unsupported file type {path.suffix or '(none)'} (use .txt .md .html .pdf .docx)")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"cannot read file ({exc.strerror})") from exc
    if size == 0:
        raise LoadError("empty file")
    if size > max_bytes:
        raise LoadError(f"file too large ({size / 1e6:.0f} MB > {max_bytes / 1e6:.0f} MB limit)")
    data = path.read_bytes()
    return load_bytes(data, path.name, fmt, str(path))


def load_bytes(data: bytes, source: str, fmt: str, path: str = "") -> LoadedDocument:
    digest = hashlib.sha256(data).hexdigest()
    encoding = None
    pages = None
    empty_pages: list[int] = []
    if fmt in ("txt", "md", "html"):
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise LoadError("binary data, not a text file")
        text, encoding = decode_bytes(data)
        pieces = _html_pieces(text) if fmt == "html" else _text_pieces(text)
    elif fmt == "pdf":
        if not data.startswith(b"%PDF"):
            raise LoadError("not a PDF (missing %PDF header)")
        with _pypdf_messages() as pdf_notes:  # kept with the file, not printed without it
            pieces, pages, empty_pages = _pdf_pieces(data)
    elif fmt == "docx":
        if not data.startswith(b"PK"):
            raise LoadError("not a DOCX (not a zip container)")
        pieces = _docx_pieces(data)
    else:
        raise LoadError(f"unsupported format {fmt}")
    text, lines, warnings = _assemble(pieces)
    if fmt == "pdf":
        warnings += [f"PDF: {m}" for m in dict.fromkeys(pdf_notes)]
    if fmt == "pdf" and empty_pages:
        warnings.append(f"PDF page(s) {', '.join(map(str, empty_pages))} of {pages} have no text layer "
                        "(scanned images?): nothing on them was read, tables there included")
    if len(text.strip()) < 20:
        raise LoadError("no readable text")
    return LoadedDocument(source=source, path=path, content_hash=digest, format=fmt, text=text,
                          lines=lines, encoding=encoding, pages=pages, warnings=warnings)


@contextmanager
def _pypdf_messages() -> Iterator[list[str]]:
    """Collect what pypdf logs while reading (``EOF marker not found``…) instead of letting
    Python print it on stderr as a line that names no file."""
    import logging

    notes: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            notes.append(" ".join(record.getMessage().split())[:160])

    logger = logging.getLogger("pypdf")
    handler, propagate = _Keep(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield notes
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
