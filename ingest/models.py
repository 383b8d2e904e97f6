"""Typed records that flow through ingest: files → lines → sections + tables → store.

Every piece of text keeps where it came from (file, page, line, character span in the
normalised text) because citations depend on it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Literal

CellStatus = Literal["exact", "inferred", "ambiguous", "derived"]
TemplateName = Literal["2021", "2019", "pre2019", "unknown"]


@dataclass(frozen=True)
class Line:
    """One line of normalised text.

    ``cells`` is set when the source had explicit cell structure (an HTML ``<tr>``, a DOCX
    table row, a ``|``-separated row); ``None`` for plain text. ``start``/``end`` are character
    offsets into :attr:`LoadedDocument.text`; ``line_no`` is 1-based in that text; ``page`` is
    1-based for PDFs and ``None`` otherwise.
    """

    text: str
    start: int
    end: int
    line_no: int
    page: int | None = None
    cells: tuple[str, ...] | None = None


@dataclass
class LoadedDocument:
    """A file read and normalised (Simplified Chinese, unified punctuation)."""

    source: str  # file name, as cited
    path: str
    content_hash: str  # sha256 of the raw bytes
    format: str  # txt | md | html | pdf | docx
    text: str  # normalised full text; Line offsets index into it
    lines: list[Line]
    encoding: str | None = None
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        for ln in self.lines:
            if ln.start <= offset <= ln.end:
                return ln.page
        return None


@dataclass(frozen=True)
class Section:
    """One of the report's numbered sections 一…六 (``number`` 1..6), with its span."""

    number: int
    title: str
    start: int
    end: int
    page: int | None = None


@dataclass
class Cell:
    """One value of a statistical table, as read from the report."""

    table: str  # "二" | "三" | "四" | "统计表"
    row: str  # template wording, e.g. "(三)不予公开/1.属于国家秘密"
    column: str  # e.g. "总计", "自然人", "行政复议/结果维持"
    value: int | Decimal | None  # None = blank in the source (not 0)
    raw: str  # the text it came from
    status: CellStatus = "exact"
    row_id: str = ""  # stable machine id, e.g. "refused.state_secret"
    column_id: str = ""  # stable machine id, e.g. "total"
    start: int | None = None  # char span in LoadedDocument.text
    end: int | None = None
    page: int | None = None
    line_no: int | None = None
    note: str = ""  # e.g. alternatives when ambiguous

    def to_dict(self) -> dict:
        d = asdict(self)
        if isinstance(self.value, Decimal):
            d["value"] = str(self.value)
        return d


@dataclass
class Finding:
    """A validation result: an identity the report's own numbers break (or a parse doubt)."""

    rule: str  # e.g. "table3.column_balance", "table4.group_total", "cross_year.carry"
    severity: Literal["error", "warning", "info"]
    message: str
    table: str = ""
    row: str = ""
    column: str = ""
    reported: str | None = None  # the figure the report states
    computed: str | None = None  # what the arithmetic gives


@dataclass
class ReportMeta:
    agency: str | None
    year: int | None
    published: str | None  # ISO date when present
    template: TemplateName
    title: str | None = None
    agency_evidence: str = ""  # where the agency name was read from
    year_evidence: str = ""
    signature_agency: str | None = None  # a different agency named in the signature (kept as a note)


@dataclass
class ParsedReport:
    """Everything ingest extracts from one file."""

    doc: LoadedDocument
    meta: ReportMeta
    sections: list[Section]
    cells: list[Cell]
    findings: list[Finding]

    @property
    def report_id(self) -> str:
        return self.doc.content_hash[:16]
