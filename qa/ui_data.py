"""What the web UI reads from and writes to the store: report lists, the source view of a
citation, findings, per-report exports, sample and upload ingest. No Gradio here."""
from __future__ import annotations

import csv
import logging
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.export import EXPORT_COLUMNS, TABLE_ORDER, csv_row, sort_cells, table_frame, value_text, xlsx_row
from ingest.pipeline import FileResult, IngestSummary, ingest_paths
from ingest.store import ReportRow, Store, open_store

from . import ui_render as R
from .ui_text import t

REPORT_COLUMNS = ("agency", "year", "template", "source", "cells", "findings", "id")
FINDING_COLUMNS = ("severity", "rule", "message", "table", "row", "column", "reported", "computed", "source")


def report_headers(lang: str = "zh") -> list[str]:
    return [t(f"col.{c}", lang) for c in REPORT_COLUMNS]


def finding_headers(lang: str = "zh") -> list[str]:
    return [t(f"col.{c}", lang) for c in FINDING_COLUMNS]


REPORT_HEADERS = report_headers()
FINDING_HEADERS = finding_headers()
log = logging.getLogger("gongkai.ui")
CONTEXT_LINES = 6  # lines shown either side of a cited passage
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_ingest_lock = threading.Lock()  # one ingest at a time per process (SQLite has one writer anyway)


# ------------------------------------------------------------------------------------ reports
def report_rows(store: Store, lang: str = "zh") -> list[list[Any]]:
    return [[r.agency or f"（{t('card.unknown', lang)}）", r.year if r.year is not None else "", r.template, r.source, r.n_cells,
             r.n_findings, r.id] for r in store.reports()]


def report_choices(store: Store, lang: str = "zh") -> list[tuple[str, str]]:
    """Dropdown choices ``(label, report id)``: ``agency · year · source``."""
    return [(f"{r.agency or '（' + t('card.unknown', lang) + '）'} · {r.year or '?'} · {r.source}", r.id) for r in store.reports()]


def report_tables(store: Store, report_id: str) -> list[str]:
    """The tables the report has cells in, in 二/三/四/统计表 order."""
    have = {c.table for c in store.cells(report_id=report_id)}
    return [t for t in TABLE_ORDER if t in have] + sorted(have - set(TABLE_ORDER))


def table_html(store: Store, report_id: str, table: str, lang: str = "zh") -> str:
    headers, rows = table_frame(store, report_id, table)
    return R.render_table(headers, rows, caption=R.table_name(table, lang), lang=lang)


def finding_rows(store: Store, report_id: str | None, lang: str = "zh") -> list[list[Any]]:
    """Findings of one report (all reports when *report_id* is ``None``), errors first."""
    sources = {r.id: r.source for r in store.reports()}
    findings = sorted(store.findings(report_id), key=lambda f: _SEVERITY_ORDER.get(f.severity, 9))
    return [[R.severity_label(f.severity, lang), f.rule, f.message, f.table, f.row, f.column,
             f.reported or "", f.computed or "", sources.get(f.report_id, f.report_id)] for f in findings]


def export_report(store: Store, report_id: str, fmt: str, out_dir: str | Path | None = None) -> Path:
    """One report's cells as CSV (one cell per row, the columns of ``gongkai export``) or XLSX
    (a sheet per table laid out as in the report, plus the same ``cells`` sheet)."""
    report = store.get_report(report_id)
    if report is None:
        raise KeyError(f"no report {report_id!r}")
    out_dir = Path(out_dir or tempfile.mkdtemp(prefix="gongkai-export-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.\-]+", "_", Path(report.source).stem) or report_id
    cells = sort_cells(store.cells(report_id=report_id))
    records = [[c.source, c.agency or "", c.year if c.year is not None else "", c.template, c.table, c.row,
                c.column, c.value, c.raw, c.status] for c in cells]
    if fmt == "csv":
        out = out_dir / f"{stem}-cells.csv"
        with open(out, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(EXPORT_COLUMNS)
            for rec in records:
                w.writerow(csv_row(rec[:7] + [value_text(rec[7])] + rec[8:]))
        return out
    if fmt != "xlsx":
        raise ValueError(f"unknown export format {fmt!r} (csv or xlsx)")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    out = out_dir / f"{stem}-tables.xlsx"
    wb = Workbook()
    wb.remove(wb.active)
    for table in report_tables(store, report_id):
        headers, rows = table_frame(store, report_id, table)
        ws = wb.create_sheet(R.table_name(table).replace(" ", "_")[:31])
        ws.append(xlsx_row(ws, ["", *headers[1:]]))
        for row in rows:
            ws.append(xlsx_row(ws, list(row)))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 48
    ws = wb.create_sheet("cells")
    ws.append(list(EXPORT_COLUMNS))
    for rec in records:
        ws.append(xlsx_row(ws, rec))
    wb.save(out)
    return out


def export_all(store: Store, fmt: str, out_dir: str | Path | None = None) -> Path:
    from ingest.export import export_cells

    out_dir = Path(out_dir or tempfile.mkdtemp(prefix="gongkai-export-"))
    out = out_dir / f"gongkai-cells.{fmt}"
    export_cells(store, fmt, out)  # type: ignore[arg-type]
    return out


# ------------------------------------------------------------------------------------ sources
def _report_for(store: Store, c: dict) -> ReportRow | None:
    if c.get("report_id"):
        r = store.get_report(c["report_id"])
        if r is not None:
            return r
    if c.get("source"):
        rows = store.reports(source=c["source"])
        if rows:
            return store.get_report(rows[0].id)
    return None


def _cell_for(store: Store, report_id: str, c: dict):
    """The stored cell a table citation points at: by its cell id, else by character span (several
    cells can share one: digits run together), else by row/column."""
    cells = store.cells(report_id=report_id, table=c.get("table"))
    if c.get("cell_id") is not None:
        for cell in cells:
            if cell.id == c["cell_id"]:
                return cell
    if c.get("start") is not None:
        for cell in cells:
            if cell.start == c["start"] and (c.get("end") is None or cell.end == c["end"]):
                return cell
    for cell in cells:
        if cell.row == c.get("row") and cell.column == c.get("column"):
            return cell
    return None


def _cell_position(store: Store, report_id: str, c: dict, headers, rows) -> tuple[int, int] | None:
    cell = _cell_for(store, report_id, c)
    if cell is not None:
        pos = R.locate_cell(headers, rows, cell.row, cell.column)
        if pos is not None:
            return pos
    return R.locate_cell(headers, rows, c.get("row"), c.get("column"))


def _context(store: Store, report_id: str, c: dict, radius: int) -> tuple[list, int | None]:
    line_no = c.get("line_no")
    if line_no is None and c.get("start") is not None:
        ln = store.line_at(report_id, c["start"])
        line_no = ln.line_no if ln else None
    if line_no is None and c.get("quote"):
        report = store.get_report(report_id)
        pos = (report.text or "").find(c["quote"]) if report else -1
        if pos < 0 and report:  # whitespace may differ
            squeezed = re.sub(r"\s+", "", c["quote"])[:30]
            m = re.search(r"\s*".join(map(re.escape, squeezed)), report.text or "") if squeezed else None
            pos = m.start() if m else -1
        if pos >= 0:
            ln = store.line_at(report_id, pos)
            line_no = ln.line_no if ln else None
    if line_no is None:
        return [], None
    end_line = line_no + radius
    if c.get("end") is not None:  # a passage spanning several lines: show all of it
        last = store.line_at(report_id, max(c["end"] - 1, 0))
        if last is not None:
            end_line = max(end_line, last.line_no + min(radius, 2))
    return store.lines(report_id, max(1, line_no - radius), end_line), line_no


def source_view(store: Store, citation: Any, others: Sequence[Any] = (), number: int | None = None,
                lang: str = "zh") -> str:
    """The source panel for one citation.

    A table cell: the report's table (``table_frame``) with the cited cell highlighted (and the
    answer's other cited cells of that table lightly marked), then the report line it was read
    from. A passage: the cited lines in context with the quote marked.
    """
    c = R.as_dict(citation)
    head = R.render_source_header(c, number, lang)
    report = _report_for(store, c)
    if report is None:
        return head + R.render_notice(t("source.not_in_store", lang, source=c.get("source") or c.get("report_id")), "warn")
    parts = [head]
    if c.get("table"):
        headers, rows = table_frame(store, report.id, c["table"])
        highlights: dict[tuple[int, int], str] = {}
        for o in map(R.as_dict, others):
            if o.get("table") == c["table"] and (o.get("report_id") in (None, report.id)) and o.get("source") in (None, report.source):
                pos = _cell_position(store, report.id, o, headers, rows)
                if pos is not None:
                    highlights[pos] = "related"
        pos = _cell_position(store, report.id, c, headers, rows)
        if pos is not None:
            highlights[pos] = "primary"
        else:
            parts.append(R.render_notice(t("source.cell_not_located", lang), "warn"))
        parts.append(R.render_table(headers, rows, highlights, caption=R.table_name(c["table"], lang), lang=lang))
        lines, focus = _context(store, report.id, c, radius=2)
        if lines:
            parts.append(R.render_passage(lines, c.get("start"), c.get("end"), c.get("quote"), focus,
                                          caption=t("passage.source_text", lang), lang=lang))
    else:
        lines, focus = _context(store, report.id, c, radius=CONTEXT_LINES)
        if lines:
            parts.append(R.render_passage(lines, c.get("start"), c.get("end"), c.get("quote"), focus,
                                          caption=t("passage.context", lang), lang=lang))
        else:
            parts.append(R.render_notice(t("source.passage_not_located", lang), "warn"))
            if c.get("quote"):
                parts.append(f'<blockquote class="gk-quote">{R.esc(c["quote"])}</blockquote>')
    return '<div class="gk-source">' + "".join(parts) + "</div>"


# ------------------------------------------------------------------------------------ ingest
def sample_paths(stack: ExitStack) -> list[Path]:
    """The bundled sample reports (``ingest/sample/*.txt``) as real file paths."""
    from importlib.resources import as_file, files

    return [stack.enter_context(as_file(f)) for f in sorted(files("ingest.sample").iterdir(), key=lambda f: f.name)
            if f.name.endswith(".txt")]


def index_hooks(settings: Settings) -> list[Callable]:
    """The vector-index hooks ``gongkai ingest`` uses (none while that module is absent)."""
    from qa.cli import _index_hooks

    return _index_hooks(settings)


def ensure_sample(settings: Settings, store: Store | None = None, index: bool = True) -> IngestSummary | None:
    """Ingest the bundled sample when the store is empty; ``None`` when it was not. *index*
    False leaves the embedding to the caller (the web UI does it in the background)."""
    store = store or open_store(settings)
    with _ingest_lock:
        if store.counts()["reports"]:
            return None
        log.info("empty store at %s: ingesting the bundled sample reports", settings.home)
        with ExitStack() as stack:
            return ingest_paths(sample_paths(stack), settings, progress=False,
                                hooks=index_hooks(settings) if index else [], store=store)


def ingest_files(paths: Iterable[str | Path], settings: Settings, store: Store | None = None,
                 on_file: Callable[[int, int, FileResult], None] | None = None, index: bool = True) -> IngestSummary:
    """Ingest uploaded files; *on_file(done, total, result)* after each one. *index* False
    stores the tables only (the caller embeds the text later)."""
    paths = [Path(p) for p in paths]
    total = len(paths)
    done = 0

    def _cb(result: FileResult) -> None:
        nonlocal done
        done += 1
        if on_file is not None:
            on_file(done, total, result)

    with _ingest_lock:
        return ingest_paths(paths, settings, progress=False, on_file=_cb, hooks=index_hooks(settings) if index else [],
                            store=store)
