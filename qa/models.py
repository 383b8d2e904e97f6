"""Answers with citations as first-class data."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import Enum


class AnswerKind(str, Enum):
    """What kind of reply an answer is (compares equal to its string value)."""

    TABLE = "table"  # one cell as printed
    DERIVED = "derived"  # computed from cells: a sum of sub-rows, a difference, a rate, a blank total
    AGGREGATE = "aggregate"  # across reports: a sum, a ranking, a count
    SERIES = "series"  # one figure per year or agency, no single number
    PROSE = "prose"
    METADATA = "metadata"
    FINDINGS = "findings"
    NOT_FOUND = "not_found"  # no number: not in the data, not understood, or not in the template
    AMBIGUOUS = "ambiguous"  # the source's digits or the question's names allow several readings

    def __str__(self) -> str:
        return self.value


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
    cell_id: int | None = None  # the store's id of the cited cell (None for passages)
    row_id: str | None = None  # template row id, e.g. "refused.state_secret"
    column_id: str | None = None  # template column id, e.g. "total"

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
    # the figures behind a series, ranking or sum: [{"agency", "year", "label", "value"}, …] (charts, CSV)
    data: list[dict] = field(default_factory=list)
    formula: str = ""  # how a derived figure was computed, with its operands
    plan: object | None = field(default=None, repr=False, compare=False)  # the QueryPlan (not serialised)

    def __post_init__(self) -> None:
        self.kind = AnswerKind(self.kind)

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
        plan, self.plan = self.plan, None
        try:
            d = asdict(self)
        finally:
            self.plan = plan
        d.pop("plan", None)
        d["kind"] = self.kind.value
        if isinstance(self.value, Decimal):
            d["value"] = float(self.value) if self.value != self.value.to_integral() else int(self.value)
        return d
