"""What the chat shows beside an answer's text: a chart of its figures, the cells it used (a
table and a CSV of exactly those cells), and the next questions the data can answer.

Pure functions over an :class:`~qa.models.Answer` (or its ``to_dict()``) and the report list;
the chart is a matplotlib ``Figure`` (no pyplot, so it is safe in Gradio's worker threads).
"""
from __future__ import annotations

import csv
import glob
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingest.export import csv_row

from .ui_render import as_dict
from .ui_text import t

CELL_COLUMNS = ("value", "agency", "year", "source", "table", "row", "column", "cell_id")
CHART_KINDS = ("series", "aggregate", "derived")  # per year / per agency figures, rankings and sums, two-figure diffs


# ------------------------------------------------------------------------------------ figures
def _number(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float, Decimal)):
        return float(v)
    try:
        return float(str(v))
    except ValueError:
        return None


def chart_points(answer: Any) -> list[tuple[str, float]]:
    """``(label, value)`` of the figures behind a series, ranking or sum (``Answer.data``); empty
    unless there are at least two numbers to draw. A series by year is drawn in year order."""
    a = as_dict(answer)
    if str(a.get("kind") or "") not in CHART_KINDS:
        return []
    points = [(str(d.get("label") or " ".join(str(x) for x in (d.get("agency"), d.get("year")) if x)),
               _number(d.get("value"))) for d in a.get("data") or [] if isinstance(d, Mapping) and "value" in d]
    points = [(label, v) for label, v in points if v is not None]
    if len(points) < 2:
        return []
    data = [d for d in a.get("data") or [] if isinstance(d, Mapping) and _number(d.get("value")) is not None]
    agencies = {d.get("agency") for d in data}
    if len(agencies) == 1 and all(isinstance(d.get("year"), int) for d in data):
        order = sorted(range(len(points)), key=lambda i: data[i]["year"])
        points = [points[i] for i in order]
    return points


def chart_title(answer: Any) -> str:
    """The figure's name as the question's plan understood it (``新收申请`` …)."""
    interp = as_dict(answer).get("interpretation") or {}
    lang = interp.get("lang", "zh")
    labels = []
    for m in interp.get("measures") or []:
        base = m.get("label_en") if lang == "en" else m.get("label_zh")
        labels.append(str(base or "") + (f"·{m['column_label']}" if m.get("column_label") else ""))
    return "、".join(x for x in labels if x)


_FONT_READY = False


def _cjk_font() -> list[str]:
    """Register the system's Noto CJK fonts with matplotlib once; the font family list to use."""
    global _FONT_READY
    from matplotlib import font_manager

    if not _FONT_READY:
        for path in sorted(glob.glob("/usr/share/fonts/**/NotoSansCJK*.tt[cf]", recursive=True)):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                pass
        _FONT_READY = True
    names = {f.name for f in font_manager.fontManager.ttflist}
    return [n for n in ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei") if n in names] + [
        "DejaVu Sans"]


def chart(answer: Any) -> Any:
    """A matplotlib Figure of the answer's figures (bars; a line over years), or ``None``."""
    points = chart_points(answer)
    if not points:
        return None
    from matplotlib.figure import Figure

    family = _cjk_font()
    labels, values = [p[0] for p in points], [p[1] for p in points]
    by_year = all(label.rstrip("年").isdigit() or label[-5:-1].isdigit() for label in labels) and \
        as_dict(answer).get("kind") == "series"
    fig = Figure(figsize=(7.2, 3.4 if len(points) <= 8 else min(0.34 * len(points) + 1.2, 9)), dpi=110)
    ax = fig.add_subplot()
    colour = "#1d4ed8"
    if by_year or len(points) <= 8:
        bars = ax.bar(range(len(values)), values, color=colour, alpha=.85)
        if by_year:
            ax.plot(range(len(values)), values, color="#0ea5e9", marker="o", linewidth=2)
        ax.set_xticks(range(len(labels)), labels, fontfamily=family, fontsize=8.5,
                      rotation=0 if max(len(x) for x in labels) <= 8 else 20, ha="center" if max(len(x) for x in labels) <= 8 else "right")
        ax.bar_label(bars, labels=[_short(v) for v in values], fontsize=8.5, padding=2)
        ax.margins(y=0.15)
    else:  # a long ranking: horizontal bars, the largest on top
        ax.barh(range(len(values)), values, color=colour, alpha=.85)
        ax.set_yticks(range(len(labels)), labels, fontfamily=family, fontsize=8)
        ax.invert_yaxis()
        for i, v in enumerate(values):
            ax.text(v, i, " " + _short(v), va="center", fontsize=8)
    title = chart_title(answer)
    if title:
        ax.set_title(title, fontfamily=family, fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8.5)
    fig.tight_layout()
    return fig


def _short(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}"


# ------------------------------------------------------------------------------------ cells used
def cells_used(answer: Any) -> list[dict]:
    """The table cells the answer cites, one dict per cell with :data:`CELL_COLUMNS`."""
    out = []
    for c in map(as_dict, as_dict(answer).get("citations") or []):
        if not c.get("table"):
            continue
        out.append({"value": c.get("value"), "agency": c.get("agency"), "year": c.get("year"),
                    "source": c.get("source"), "table": c.get("table"), "row": c.get("row"),
                    "column": c.get("column"), "cell_id": c.get("cell_id")})
    return out


def cell_headers(lang: str = "zh") -> list[str]:
    return [t("data.value" if k == "value" else f"data.{k}", lang) for k in CELL_COLUMNS]


def cell_rows(cells: Sequence[Mapping]) -> list[list]:
    return [["" if c.get(k) is None else c.get(k) for k in CELL_COLUMNS] for c in cells]


def write_cells_csv(cells: Sequence[Mapping], path: str | Path) -> Path:
    """Exactly *cells* as CSV (UTF-8 with BOM, spreadsheet-safe), columns :data:`CELL_COLUMNS`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(CELL_COLUMNS)
        for row in cell_rows(cells):
            w.writerow(csv_row(row))
    return path


# ------------------------------------------------------------------------------------ next questions
def suggestions(plan: Any, reports: Sequence[Any], used_years: Sequence[int] = (), limit: int = 3) -> list[str]:
    """Two or three next questions the stored reports can answer, in the question's language:
    the same figure of the same agency in another year, over all its years, and the same
    figure's ranking across agencies in that year. Needs a plan with one figure."""
    from .plan import Op

    if plan is None or len(getattr(plan, "measures", []) or []) != 1 or plan.denominator is not None:
        return []
    if plan.op in (Op.PROSE, Op.FINDINGS, Op.METADATA, Op.COUNT, Op.LIST) or plan.unconsumed:
        return []
    if plan.measures[0].column_label:  # an applicant column: no wording known to parse back the same
        return []
    lang = plan.lang if plan.lang in ("zh", "en") else "zh"
    metric = re.sub(r"\s*[(（][^)）]*[)）]", "", plan.measures[0].label(lang)).strip()  # "不予公开(8项合计)" → "不予公开"
    years_of: dict[str, set[int]] = {}
    agencies_in: dict[int, set[str]] = {}
    old_style = plan.measures[0].table == "统计表"  # pre-2019 indicators live in pre-2019 reports only
    for r in reports:
        if r.agency and r.year is not None and (r.template == "pre2019") == old_style:
            years_of.setdefault(r.agency, set()).add(r.year)
            agencies_in.setdefault(r.year, set()).add(r.agency)
    asked = sorted(set(used_years) | set(plan.years.years or []))
    out: list[str] = []
    agencies = [s.resolved for s in plan.subjects if s.resolved]
    if len(agencies) == 1 and not any(s.is_group for s in plan.subjects):
        agency = agencies[0]
        have = sorted(years_of.get(agency, ()))
        others = [y for y in have if y not in asked]
        if others and plan.op not in (Op.SERIES,):
            anchor = max(asked) if asked else have[-1]
            year = min(others, key=lambda y: (abs(y - anchor), -y))
            out.append(t("suggest.year", lang, agency=agency, year=year, metric=metric))
        if len(have) >= 3 and plan.op != Op.SERIES:
            out.append(t("suggest.series", lang, agency=agency, first=have[0], last=have[-1], metric=metric))
    if plan.op not in (Op.MAX, Op.MIN, Op.RANK):
        year = max(asked) if asked else None
        if year is not None and len(agencies_in.get(year, ())) >= 2:
            out.append(t("suggest.rank", lang, year=year, metric=metric))
    return out[:limit]
