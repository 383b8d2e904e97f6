"""Answers with citations as first-class data."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Literal

AnswerKind = Literal["table", "derived", "aggregate", "prose", "metadata", "findings", "not_found", "ambiguous"]


@dataclass
class Citation:
    """Where a figure or passage came from."""

    source: str  # file name of the report
    agency: str | None = None
    year: int | None = None
    page: int | None = None
    section: str | None = None
    table: str | None = None  # "二" | "三" | "四" | "统计表"
    row: str | None = None  # template wording
    column: str | None = None
    quote: str = ""  # the source text (cell raw text, or the passage)
    value: str | None = None  # the cell's value as text (None for passages / blanks)
    status: str | None = None  # exact | inferred | ambiguous | derived
    report_id: str | None = None
    start: int | None = None  # char span in the normalised report text
    end: int | None = None
    line_no: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    question: str
    text: str  # the reply, in the question's language
    kind: AnswerKind
    value: int | float | Decimal | None = None
    unit: str | None = None
    citations: list[Citation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    language: str = "zh"
    # what the router understood (agency, year, metric …) — shown in the UI and eval reports
    interpretation: dict = field(default_factory=dict)
    seconds: float | None = None

    def render(self) -> str:
        """Plain text for terminals: the answer, its warnings, then numbered sources."""
        out = [self.text]
        out += [f"⚠ {w}" for w in self.warnings]
        for i, c in enumerate(self.citations[:12], start=1):
            where = " · ".join(x for x in (
                f"{c.agency or ''} {c.year or ''}".strip(), c.source,
                f"p.{c.page}" if c.page else "", f"line {c.line_no}" if c.line_no else "",
                f"表{c.table}" if c.table else (c.section or ""), c.row or "", c.column or "") if x)
            quote = f" “{c.quote[:80]}”" if c.quote else ""
            out.append(f"[{i}] {where}{quote}" + (f" ({c.status})" if c.status and c.status != "exact" else ""))
        if len(self.citations) > 12:
            out.append(f"… {len(self.citations) - 12} more source(s)")
        return "\n".join(out)

    def to_dict(self) -> dict:
        d = asdict(self)
        if isinstance(self.value, Decimal):
            d["value"] = float(self.value) if self.value != self.value.to_integral() else int(self.value)
        return d
