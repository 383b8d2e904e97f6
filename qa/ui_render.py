"""HTML for the web UI, as pure functions: an answer (big figure, text, warnings, citations), a
report table with the cited cell highlighted, a passage in context, an ingest outcome.

Nothing here touches the store or Gradio; every input is plain data (an :class:`~qa.models.Answer`
/ :class:`~qa.models.Citation` or their ``to_dict()``, lists, tuples), every output a string.
The HTML is emitted on one line with no blank lines, so the chat's Markdown renderer passes it
through as one raw HTML block; every piece of report text is escaped.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from decimal import Decimal
from html import escape
from typing import Any

from .ui_text import STRINGS, t

KINDS = ("table", "derived", "aggregate", "series", "prose", "metadata", "findings", "not_found", "ambiguous")
STATUSES = ("exact", "inferred", "ambiguous", "derived")  # cell statuses with a badge (css gk-status-<status>)
HINTED = ("inferred", "ambiguous", "derived")  # statuses a reader must be told about
SHOWN_CITATIONS = 4  # citations listed in an answer before "show N more"
SEVERITIES = ("error", "warning", "info")


def status_hint(status: str, lang: str = "zh") -> str:
    return t(f"hint.{status}", lang)


def severity_label(severity: str, lang: str = "zh") -> str:
    return t(f"sev.{severity}", lang) if severity in SEVERITIES else severity


# ------------------------------------------------------------------------------------ basics
def as_dict(obj: Any) -> dict:
    """An Answer / Citation (dataclass, object with ``to_dict``, or mapping) as a plain dict."""
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return dict(obj)
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    return dict(vars(obj))


def esc(value: Any) -> str:
    return "" if value is None else escape(str(value), quote=True)


def fmt_value(value: Any) -> str:
    """A figure for display: ``60,224``; decimals as written (``42.2``); ``""`` for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer():
            return f"{int(value):,}"
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return f"{int(value):,}"
        whole, _, frac = format(value, "f").partition(".")
        return f"{int(whole):,}.{frac}" if whole.lstrip("-").isdigit() else format(value, "f")
    return str(value)


def table_name(table: str | None, lang: str = "zh") -> str:
    if not table:
        return ""
    return t(f"table.{table}", lang) if f"table.{table}" in STRINGS else _short_table(table, lang)


TABLE_NUMBERS = {"二": "2", "三": "3", "四": "4"}  # the report's 表二/三/四 as an English reader numbers them


def _short_table(table: str | None, lang: str = "zh") -> str:
    if not table:
        return ""
    if table == "统计表":
        return table_name(table, lang)
    return t("table.short", lang, t=TABLE_NUMBERS.get(table, table) if lang == "en" else table)


def _one_line(html: str) -> str:
    """Collapse whitespace between tags so Markdown never sees a blank line or an indent."""
    return re.sub(r"\s*\n\s*", " ", html).strip()


# ------------------------------------------------------------------------------------ citations
def citation_where(c: Mapping, lang: str = "zh") -> str:
    """``表三 · (三)不予公开/1.属于国家秘密 · 总计`` or the section / page of a passage."""
    if c.get("table"):
        return " · ".join(x for x in (_short_table(c.get("table"), lang), c.get("row"), c.get("column")) if x)
    parts = []
    if c.get("section"):
        parts.append(str(c["section"]))
    if c.get("page"):
        parts.append(t("cite.page", lang, n=c["page"]))
    if c.get("line_no"):
        parts.append(t("cite.line", lang, n=c["line_no"]))
    return " · ".join(parts)


def citation_label(citation: Any, number: int, lang: str = "zh") -> str:
    """One line naming a citation, for the source picker: ``[1] 表三 · 行 · 列 = 1 — 机关 2024``."""
    c = as_dict(citation)
    where = citation_where(c, lang) or t("cite.passage", lang)
    value = c.get("value")
    val = f" = {value}" if value not in (None, "") else ""
    who = " ".join(str(x) for x in (c.get("agency"), c.get("year")) if x) or str(c.get("source") or "")
    return f"[{number}] {where}{val} — {who}"


def _status_badge(status: str | None, lang: str = "zh") -> str:
    if not status or status not in STATUSES:
        return ""
    hint = status_hint(status, lang) if status in HINTED else ""
    return f'<span class="gk-status gk-status-{status}" title="{esc(hint)}">{esc(t("status." + status, lang))}</span>'


def render_citation(citation: Any, number: int, answer_no: int | None = None, open_: bool = False,
                    show_source: bool = True, lang: str = "zh") -> str:
    """One citation as ``<details>``: the summary names the cell or passage, the body the report,
    location, table row/column and the quoted source text, with a 查看来源 link.
    *show_source* False leaves the file name out of the summary (when every citation shares it)."""
    c = as_dict(citation)
    value = c.get("value")
    summary = (
        f'<span class="gk-cite-n">{number}</span>'
        f'<span class="gk-cite-where">{esc(citation_where(c, lang) or t("cite.passage", lang))}</span>'
        + (f'<span class="gk-cite-val">= {esc(value)}</span>' if value not in (None, "") else "")
        + (_status_badge(c.get("status"), lang) if c.get("status") != "exact" else "")
        + (f'<span class="gk-cite-src">{esc(c.get("source"))}</span>' if show_source else "")
    )
    rows: list[tuple[str, str]] = []
    report = " · ".join(esc(x) for x in (c.get("agency"), c.get("year")) if x)
    rows.append((t("cite.report", lang), (report + " · " if report else "") + f'<code>{esc(c.get("source"))}</code>'))
    loc = []
    if c.get("page"):
        loc.append(esc(t("cite.page_long", lang, n=c["page"])))
    if c.get("section"):
        loc.append(esc(c["section"]))
    if c.get("line_no"):
        loc.append(esc(t("cite.line_long", lang, n=c["line_no"])))
    if loc:
        rows.append((t("cite.location", lang), " · ".join(loc)))
    if c.get("table"):
        rows.append((t("cite.table", lang), esc(table_name(c.get("table"), lang))))
        if c.get("row"):
            rows.append((t("cite.row", lang), esc(c["row"])))
        if c.get("column"):
            rows.append((t("cite.column", lang), esc(c["column"])))
    if value not in (None, ""):
        rows.append((t("cite.value", lang), f"<b>{esc(value)}</b>"))
    if c.get("status") in HINTED:
        rows.append((t("cite.status", lang), f"{_status_badge(c.get('status'), lang)} {esc(status_hint(c['status'], lang))}"))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    quote = c.get("quote") or ""
    quote_html = f'<blockquote class="gk-quote">{esc(quote)}</blockquote>' if quote else ""
    link = ""
    if answer_no is not None:
        link = (f'<a class="gk-view" href="#gk-src-{answer_no}-{number}" '
                f'title="{esc(t("cite.view_title", lang))}">{esc(t("cite.view", lang))}</a>')
    return (f'<details class="gk-cite"{" open" if open_ else ""}><summary>{summary}</summary>'
            f'<div class="gk-cite-body"><dl class="gk-dl">{body}</dl>{quote_html}{link}</div></details>')


# ------------------------------------------------------------------------------------ answers
def answer_warnings(answer: Mapping, lang: str = "zh") -> list[str]:
    """The answer's own warnings, then one line per cited cell status that needs care
    (inferred / ambiguous / derived) unless a warning already says so."""
    warnings = [str(w) for w in answer.get("warnings") or [] if str(w).strip()]
    text = " ".join(warnings).lower()
    for status in ("inferred", "ambiguous", "derived"):
        cited = [c for c in map(as_dict, answer.get("citations") or []) if c.get("status") == status]
        if not cited:
            continue
        zh = {"inferred": "推断", "ambiguous": "歧义", "derived": "推算"}[status]
        if status in text or zh in text:
            continue
        where = "; ".join(citation_where(c, lang) for c in cited[:3]) + (" …" if len(cited) > 3 else "")
        warnings.append(f"{status_hint(status, lang)}: {where}")
    return warnings


INTERPRETATION_FIELDS = ("agency", "years", "year", "metric", "column", "superlative")


def render_interpretation(interp: Mapping | None, lang: str = "zh") -> str:
    """What the question was understood as (agency, years, metric …), one small line; the
    heading in the page's language, a plan's own description in the question's."""
    if not interp:
        return ""
    head = esc(t("answer.understood", lang))
    if interp.get("describe"):  # a QueryPlan: its own one-line description, in the question's language
        return f'<div class="gk-interp"><span class="gk-interp-h">{head}</span>{esc(interp["describe"])}</div>'
    parts = []
    for key in INTERPRETATION_FIELDS:
        v = interp.get(key)
        if v in (None, "", [], {}) or isinstance(v, Mapping):
            continue
        if isinstance(v, (list, tuple)):
            v = "、".join(map(str, v))
        if key == "superlative" and str(v) in ("max", "min"):
            v = t(f"interp.{v}", lang)
        parts.append(f'<span class="gk-interp-item"><i>{esc(t("interp." + key, lang))}</i> {esc(v)}</span>')
    return f'<div class="gk-interp"><span class="gk-interp-h">{head}</span>{"".join(parts)}</div>' if parts else ""


def split_inline_warnings(text: str, warnings: Sequence[str]) -> str:
    """*text* without the ``⚠ …`` passages that only repeat one of *warnings* (the plain-text
    reply carries them inline; the UI shows them in their own box)."""
    if "⚠" not in text or not warnings:
        return text
    head, *rest = text.split("⚠")
    norm_w = [_norm(w) for w in warnings if str(w).strip()]
    kept = [head]
    for seg in rest:
        body = _norm(re.sub(r"^\s*(注意|note|warning)\s*[:：]?", "", seg.strip(), flags=re.I))
        if body and any(body in w or w in body for w in norm_w):
            continue
        kept.append("⚠" + seg)
    return "".join(kept).strip()


def render_answer(answer: Any, answer_no: int | None = None, lang: str = "zh", extra: str = "") -> str:
    """The chat bubble of one answer: the figure (big) with its unit and kind, the reply text,
    the warnings (⚠), what the question was understood as, then each citation as ``<details>``.

    *answer_no* numbers the answer within the chat; it ties each citation's 查看来源 link to the
    source panel (``#gk-src-<answer_no>-<citation number>``). Labels are in *lang* (the page's
    language); *extra* (HTML: suggested next questions) goes after the citations.
    """
    a = as_dict(answer)
    kind = str(a.get("kind") or "")
    parts = ['<div class="gk-answer">']
    value = a.get("value")
    kind_label = t(f"kind.{kind}", lang) if kind in KINDS else kind
    badge = f'<span class="gk-kind gk-kind-{esc(kind)}">{esc(kind_label)}</span>' if kind else ""
    if value is not None and value != "":
        unit = f'<span class="gk-unit">{esc(a.get("unit"))}</span>' if a.get("unit") else ""
        parts.append(f'<div class="gk-head"><span class="gk-value">{esc(fmt_value(value))}</span>{unit}{badge}</div>')
    elif badge:
        parts.append(f'<div class="gk-head gk-head-novalue">{badge}</div>')
    text = split_inline_warnings(str(a.get("text") or "").strip(), a.get("warnings") or [])
    if (a.get("interpretation") or {}).get("describe"):  # shown once, in its own line below
        text = re.sub(r"\n(?:理解为|Understood as)[:：].*$", "", text, flags=re.S)
    if text:
        parts.append(f'<div class="gk-text">{esc(text).replace(chr(10), "<br>")}</div>')
    if a.get("formula"):
        parts.append(f'<div class="gk-formula"><span class="gk-interp-h">{esc(t("answer.formula", lang))}</span>'
                     f'{esc(a["formula"])}</div>')
    warnings = answer_warnings(a, lang)
    if warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
        parts.append(f'<div class="gk-warnings"><div class="gk-warn-h">{esc(t("answer.check", lang))}</div>'
                     f'<ul>{items}</ul></div>')
    parts.append(render_interpretation(a.get("interpretation"), lang))
    cites = [as_dict(c) for c in a.get("citations") or []]
    if cites:
        sources = {(c.get("source"), c.get("agency"), c.get("year")) for c in cites}
        one = len(sources) == 1
        common = ""
        if one:
            src, agency, year = next(iter(sources))
            who = " ".join(str(x) for x in (agency, year) if x)
            common = f' · {esc(who)} <code class="gk-cite-src">{esc(src)}</code>'
        parts.append(f'<div class="gk-cites"><div class="gk-cites-h">{esc(t("answer.sources", lang, n=len(cites)))}'
                     f'{common}</div>')
        items = [render_citation(c, i, answer_no, show_source=not one, lang=lang) for i, c in enumerate(cites, 1)]
        parts += items[:SHOWN_CITATIONS]
        if len(items) > SHOWN_CITATIONS:
            rest = len(items) - SHOWN_CITATIONS
            parts.append(f'<details class="gk-more"><summary>{esc(t("answer.more", lang, n=rest))}</summary>'
                         + "".join(items[SHOWN_CITATIONS:]) + "</details>")
        parts.append("</div>")
    elif kind not in ("not_found", "ambiguous"):
        parts.append(f'<div class="gk-nocite">{esc(t("answer.nocite", lang))}</div>')
    parts.append(extra)
    meta = []
    if a.get("seconds") is not None:
        try:
            meta.append(f"{float(a['seconds']):.2f} s")
        except (TypeError, ValueError):
            pass
    if meta:
        parts.append(f'<div class="gk-meta">{esc(" · ".join(meta))}</div>')
    parts.append("</div>")
    return _one_line("".join(parts))


def render_error(question: str, error: BaseException | str, lang: str = "zh") -> str:
    """A chat bubble for a question that could not be answered because something failed."""
    msg = error if isinstance(error, str) else f"{error.__class__.__name__}: {error}"
    return _one_line(
        '<div class="gk-answer gk-answer-error"><div class="gk-head gk-head-novalue">'
        f'<span class="gk-kind gk-kind-error">{esc(t("kind.error", lang))}</span></div>'
        f'<div class="gk-text">{esc(t("answer.error", lang, question=question))}</div>'
        f'<div class="gk-warnings"><ul><li>{esc(msg)}</li></ul></div></div>')


# ------------------------------------------------------------------------------------ tables
_PUNCT = str.maketrans({"（": "(", "）": ")", "、": ",", "，": ",", "：": ":", "“": '"', "”": '"', "／": "/"})


def _norm(s: Any) -> str:
    s = unicodedata.normalize("NFKC", "" if s is None else str(s)).translate(_PUNCT)
    return re.sub(r"[\s\"'·]", "", s)


def _find_label(labels: Sequence[Any], want: str | None) -> int | None:
    """Index of *want* among *labels*: exact, then normalised, then by the last ``/`` segment."""
    if not want:
        return None
    for i, lab in enumerate(labels):
        if lab == want:
            return i
    nw = _norm(want)
    normed = [_norm(lab) for lab in labels]
    for i, lab in enumerate(normed):
        if lab == nw:
            return i
    tail = nw.rsplit("/", 1)[-1]
    hits = [i for i, lab in enumerate(normed) if lab and (lab.rsplit("/", 1)[-1] == tail)]
    if len(hits) == 1:
        return hits[0]
    hits = [i for i, lab in enumerate(normed) if lab and (nw.endswith(lab) or lab.endswith(nw))]
    return hits[0] if len(hits) == 1 else None


def locate_cell(headers: Sequence[Any], rows: Sequence[Sequence[Any]], row: str | None,
                column: str | None) -> tuple[int, int] | None:
    """``(row index, column index)`` in a :func:`ingest.export.table_frame` grid (column index
    counts the label column, so it indexes ``headers`` and each row) of the cell at *row*/*column*.

    A table with one data row (表四) matches on the column alone.
    """
    ri = _find_label([r[0] if r else "" for r in rows], row)
    if ri is None and len(rows) == 1:
        ri = 0
    ci = _find_label(list(headers[1:]), column)
    if ci is None and len(headers) == 2:
        ci = 0
    if ri is None or ci is None:
        return None
    return ri, ci + 1


def header_rows(headers: Sequence[Any]) -> list[list[tuple[str, int, int, int | None]]]:
    """Column labels like ``法人或其他组织/商业企业`` as nested header rows.

    Returns one list per header row of ``(label, colspan, rowspan, column index)``; the column
    index is set on a leaf (the column's own label) and ``None`` on a group spanning columns.
    The first header (the row-label column) is a leaf spanning every header row.
    """
    parts = [str(h or "").split("/") if j else [str(h or "")] for j, h in enumerate(headers)]
    depth = max((len(p) for p in parts), default=1)
    rows: list[list[tuple[str, int, int, int | None]]] = [[] for _ in range(depth)]
    for level in range(depth):
        j = 0
        while j < len(parts):
            p = parts[j]
            if level >= len(p):  # covered by a leaf's rowspan
                j += 1
                continue
            if level == len(p) - 1:
                rows[level].append((p[level], 1, depth - level, j))
                j += 1
                continue
            k = j + 1
            while k < len(parts) and len(parts[k]) > level + 1 and parts[k][: level + 1] == p[: level + 1]:
                k += 1
            rows[level].append((p[level], k - j, 1, None))
            j = k
    return rows


def render_table(headers: Sequence[Any], rows: Sequence[Sequence[Any]],
                 highlights: Mapping[tuple[int, int], str] | None = None, caption: str = "", lang: str = "zh") -> str:
    """A table grid as HTML. *highlights* maps ``(row index, column index)`` (as from
    :func:`locate_cell`) to ``"primary"`` (the cited cell) or ``"related"`` (other cells the
    same answer cites). A blank cell (``None``) is shown empty, not as 0."""
    highlights = dict(highlights or {})
    hit_rows = {r for (r, _), k in highlights.items() if k == "primary"}
    hit_cols = {c for (_, c), k in highlights.items() if k == "primary"}
    rel_rows = {r for (r, _) in highlights}
    out = [f'<div class="gk-table-cap">{esc(caption)}</div>' if caption else "",
           '<div class="gk-table-wrap"><table class="gk-table">']
    out.append("<thead>")
    for level in header_rows(headers):
        out.append("<tr>")
        for label, colspan, rowspan, j in level:
            cls = ["gk-th-group"] if j is None else (["gk-hit-col"] if j in hit_cols else [])
            attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
            if cls:
                attrs += ' class="' + " ".join(cls) + '"'
            out.append(f"<th{attrs}>{esc(label)}</th>")
        out.append("</tr>")
    out.append("</thead><tbody>")
    if not rows:
        out.append(f'<tr><td colspan="{max(len(headers), 1)}" class="gk-empty">{esc(t("table.empty", lang))}</td></tr>')
    for i, row in enumerate(rows):
        rcls = "gk-hit-row" if i in hit_rows else ("gk-rel-row" if i in rel_rows else "")
        out.append(f'<tr class="{rcls}">' if rcls else "<tr>")
        for j, v in enumerate(row):
            if j == 0:
                out.append(f'<th scope="row">{esc(v)}</th>')
                continue
            kind = highlights.get((i, j))
            cls = ["gk-num"]
            if v is None:
                cls.append("gk-blank")
            if kind == "primary":
                cls.append("gk-hit")
            elif kind:
                cls.append("gk-rel")
            elem_id = ' id="gk-hit"' if kind == "primary" else ""
            title = f' title="{esc(row[0])} × {esc(headers[j] if j < len(headers) else "")}"'
            out.append(f'<td class="{" ".join(cls)}"{elem_id}{title}>{esc(fmt_value(v))}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return _one_line("".join(out))


# ------------------------------------------------------------------------------------ passages
def _line_fields(line: Any) -> tuple[int, int | None, str, int | None, int | None]:
    d = line if isinstance(line, Mapping) else as_dict(line)
    return d.get("line_no"), d.get("page"), d.get("text") or "", d.get("start"), d.get("end")


def _mark(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """*text* escaped, with the (merged, clipped) character *spans* wrapped in ``<mark>``."""
    merged: list[list[int]] = []
    for a, b in sorted((max(0, a), min(len(text), b)) for a, b in spans):
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], 0
    for a, b in merged:
        out.append(esc(text[pos:a]))
        out.append(f'<mark class="gk-mark">{esc(text[a:b])}</mark>')
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


def render_passage(lines: Sequence[Any], start: int | None = None, end: int | None = None,
                   quote: str | None = None, focus_line: int | None = None, caption: str = "",
                   lang: str = "zh") -> str:
    """Report lines (``ingest.models.Line`` or dicts) with line numbers; the cited text marked.

    The mark is the character span *start*..*end* of the report text when given (each line knows
    its own offsets), else every occurrence of *quote* (whitespace-insensitive, within a line),
    else the whole *focus_line*.
    """
    out = [f'<div class="gk-passage">{f"<div class=gk-passage-cap>{esc(caption)}</div>" if caption else ""}']
    fields = [_line_fields(ln) for ln in lines]
    marked_any = False
    rendered = []
    for line_no, page, text, lstart, lend in fields:
        spans: list[tuple[int, int]] = []
        if start is not None and end is not None and lstart is not None and end > start:
            a, b = max(start, lstart), min(end, lstart + len(text))
            if b > a:
                spans.append((a - lstart, b - lstart))
        rendered.append([line_no, page, text, spans])
        marked_any = marked_any or bool(spans)
    if not marked_any and quote and quote.strip():
        q = re.sub(r"\s+", "", quote)
        for item in rendered:
            text = item[2]
            squeezed, index = [], []
            for k, ch in enumerate(text):
                if not ch.isspace():
                    squeezed.append(ch)
                    index.append(k)
            s = "".join(squeezed)
            pos = s.find(q) if q else -1
            while pos >= 0:
                item[3].append((index[pos], index[pos + len(q) - 1] + 1))
                marked_any = True
                pos = s.find(q, pos + len(q))
        if not marked_any:  # a quote longer than a line: mark the lines it is made of
            for item in rendered:
                sq = re.sub(r"\s+", "", item[2])
                if len(sq) >= 4 and sq in q:
                    item[3].append((0, len(item[2])))
                    marked_any = True
    for line_no, page, text, spans in rendered:
        focus = line_no == focus_line or bool(spans)
        if not spans and line_no == focus_line and not marked_any:
            spans = [(0, len(text))]
        cls = "gk-line gk-focus" if focus else "gk-line"
        page_attr = f' title="{esc(t("cite.page", lang, n=page))}"' if page else ""
        out.append(f'<div class="{cls}"{page_attr}><span class="gk-ln">{esc(line_no)}</span>'
                   f'<span class="gk-lt">{_mark(text, spans) or "&nbsp;"}</span></div>')
    if not fields:
        out.append(f'<div class="gk-empty">{esc(t("passage.empty", lang))}</div>')
    out.append("</div>")
    return _one_line("".join(out))


# ------------------------------------------------------------------------------------ panels
def render_report_card(report: Any, lang: str = "zh") -> str:
    """A report's metadata: agency, year, file, template, format, pages, warnings."""
    r = as_dict(report)
    if not r:
        return f'<div class="gk-card gk-muted">{esc(t("reports.none", lang))}</div>'
    unknown = t("card.unknown", lang)
    items = [
        (t("card.agency", lang), esc(r.get("agency") or unknown)),
        (t("card.year", lang), esc(r.get("year") or unknown)),
        (t("card.file", lang), f"<code>{esc(r.get('source'))}</code>"),
        (t("card.template", lang), esc(r.get("template"))),
        (t("card.format", lang), esc(r.get("format")) + (f" · {esc(t('card.pages', lang, n=r['pages']))}"
                                                         if r.get("pages") else "")),
    ]
    if r.get("published"):
        items.append((t("card.published", lang), esc(r["published"])))
    if r.get("aliases"):
        items.append((t("card.aliases", lang), esc("、".join(r["aliases"]))))
    items.append((t("card.cells", lang), esc(r.get("n_cells", 0))))
    items.append((t("card.findings", lang), esc(r.get("n_findings", 0))))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items)
    warn = ""
    if r.get("warnings"):
        warn = "<ul class='gk-card-warn'>" + "".join(f"<li>⚠ {esc(w)}</li>" for w in r["warnings"]) + "</ul>"
    return _one_line(f'<div class="gk-card"><dl class="gk-dl">{body}</dl>{warn}</div>')


def render_source_header(citation: Any, number: int | None = None, lang: str = "zh") -> str:
    c = as_dict(citation)
    who = " · ".join(esc(x) for x in (c.get("agency"), c.get("year")) if x)
    n = f'<span class="gk-cite-n">{number}</span>' if number is not None else ""
    where = esc(citation_where(c, lang))
    val = f' <span class="gk-cite-val">= {esc(c.get("value"))}</span>' if c.get("value") not in (None, "") else ""
    return _one_line(
        f'<div class="gk-src-head">{n}<div><div class="gk-src-title">{who or esc(c.get("source"))}'
        f'{_status_badge(c.get("status"), lang)}</div><div class="gk-src-file"><code>{esc(c.get("source"))}</code>'
        + (f" · {esc(t('cite.page', lang, n=c['page']))}" if c.get("page") else "")
        + (f" · {esc(c['section'])}" if c.get("section") else "")
        + f'</div><div class="gk-src-where">{where}{val}</div></div></div>')


def render_notice(text: str, kind: str = "info") -> str:
    """A small boxed note (``info`` | ``warn`` | ``error`` | ``ok``)."""
    return f'<div class="gk-notice gk-notice-{esc(kind)}">{esc(text)}</div>'


def empty_source(lang: str = "zh") -> str:
    """The source panel before any citation is picked."""
    return _one_line(f'<div class="gk-src-empty"><div class="gk-src-empty-icon">📄</div>'
                     f'<div>{t("source.empty", lang)}</div></div>')


EMPTY_SOURCE = empty_source()

# ------------------------------------------------------------------------------------ ingest
INGEST_ICONS = {"added": "✓", "unchanged": "=", "replaced": "↻", "error": "✗"}


def _basename(path: str) -> str:
    return re.split(r"[\\/]", str(path))[-1]


def render_ingest(summary: Any, lang: str = "zh") -> str:
    """The outcome of an upload: counts, one line per file, every refused file with its reason."""
    s = summary if isinstance(summary, Mapping) else None
    get = (lambda k, d=None: s.get(k, d)) if s is not None else (lambda k, d=None: getattr(summary, k, d))
    results = list(get("results", []) or [])
    errors = list(get("errors", []) or [])
    failed = sum(1 for r in results if as_dict(r).get("status") == "error")
    failed += sum(1 for p, _ in errors if not any(as_dict(r).get("path") == p for r in results))
    head = '<div class="gk-ingest-head">' + esc(t(
        "ingest.done", lang, added=get("added", 0), unchanged=get("unchanged", 0), replaced=get("replaced", 0),
        failed=failed, reports=get("reports", 0), s=f'{float(get("seconds", 0.0) or 0.0):.1f}')) + "</div>"
    items = []
    seen = set()
    for r in map(as_dict, results):
        st = str(r.get("status"))
        icon = INGEST_ICONS.get(st, "·")
        label = t(f"ingest.{st}", lang) if st in INGEST_ICONS else st
        detail = ""
        if r.get("status") == "error":
            detail = f'<div class="gk-ingest-reason">{esc(r.get("reason"))}</div>'
        elif r.get("reason"):
            detail = f'<div class="gk-ingest-reason gk-warn-text">⚠ {esc(r.get("reason"))}</div>'
        elif r.get("status") != "unchanged":
            detail = f'<div class="gk-muted">{esc(t("ingest.counts", lang, cells=r.get("cells", 0), findings=r.get("findings", 0)))}</div>'
        if r.get("note"):  # e.g. another version of a stored report
            detail += f'<div class="gk-muted gk-ingest-note">{esc(r.get("note"))}</div>'
        seen.add(r.get("path"))
        items.append(f'<li class="gk-ingest-{esc(r.get("status"))}"><span class="gk-ingest-icon">{icon}</span>'
                     f'<div><b>{esc(_basename(r.get("path", "")))}</b> <span class="gk-muted">{esc(label)}</span>'
                     f"{detail}</div></li>")
    for path, reason in errors:
        if path in seen:
            continue
        items.append(f'<li class="gk-ingest-error"><span class="gk-ingest-icon">✗</span><div><b>{esc(_basename(path))}</b>'
                     f'<div class="gk-ingest-reason">{esc(reason)}</div></div></li>')
    ok = failed == 0 and not errors
    return _one_line(f'<div class="gk-ingest {"gk-ingest-ok" if ok else "gk-ingest-bad"}">{head}'
                     f'<ul class="gk-ingest-list">{"".join(items)}</ul></div>')


# ------------------------------------------------------------------------------------ reports list
def filter_rows(rows: Sequence[Sequence[Any]], query: str | None) -> list[list[Any]]:
    """Rows whose text contains every whitespace-separated term of *query* (case-insensitive)."""
    terms = [t.lower() for t in (query or "").split()]
    out = []
    for row in rows:
        hay = " ".join("" if v is None else str(v) for v in row).lower()
        if all(t in hay for t in terms):
            out.append(list(row))
    return out


def findings_summary(severities: Iterable[str], scope: str = "", lang: str = "zh") -> str:
    """``✓ 未发现问题`` or the count per severity (severities as ids or as their labels in either language)."""
    counts: dict[str, int] = {}
    for sev in severities:
        key = next((k for k in SEVERITIES if sev in (k, *STRINGS[f"sev.{k}"])), sev)
        counts[key] = counts.get(key, 0) + 1
    scope = f"{esc(scope)} · " if scope else ""
    if not counts:
        return f'<div class="gk-notice gk-notice-ok">✓ {scope}{esc(t("findings.none", lang))}</div>'
    parts = [f'<span class="gk-sev gk-sev-{k}">{esc(severity_label(k, lang))} <b>{n}</b></span>'
             for k, n in sorted(counts.items(), key=lambda kv: SEVERITIES.index(kv[0]) if kv[0] in SEVERITIES else 9)]
    return f'<div class="gk-findings-sum">{scope}{"".join(parts)}</div>'


def header_stats(counts: Mapping[str, int], lang: str = "zh", status: str = "") -> str:
    """The header's counts, then *status* (HTML: the index's readiness)."""
    return _one_line(
        f'<div class="gk-stats"><span><b>{counts.get("reports", 0)}</b> {esc(t("stats.reports", lang))}</span>'
        f'<span><b>{counts.get("cells", 0):,}</b> {esc(t("stats.cells", lang))}</span>'
        f'<span><b>{counts.get("findings", 0)}</b> {esc(t("stats.findings", lang))}</span>{status}</div>')


# ------------------------------------------------------------------------------------ 报告对比
def _cell_link(cell: Any, shown: str) -> str:
    """A figure of the comparison that opens its source (``#gk-cell-<cell id>``)."""
    if cell is None or getattr(cell, "id", None) is None:
        return esc(shown)
    return f'<a class="gk-cell-link" href="#gk-cell-{cell.id}" title="{esc(cell.source)}">{esc(shown)}</a>'


def _signed(v: Any) -> str:
    if v is None:
        return ""
    return ("+" if v > 0 else "") + fmt_value(v)


def render_comparison(comparison: Any, lang: str = "zh", only_changed: bool = False) -> str:
    """报告对比: each table of the two years side by side (row, column, year A, year B,
    difference), changed cells highlighted, then the cross-year checks with their verdicts.
    Every figure links to its cell (``#gk-cell-<id>``) so the page can open its source."""
    c = comparison
    total = sum(len(rows) for rows in c.tables.values())
    out = [f'<div class="gk-cmp"><div class="gk-cmp-sum">{esc(t("cmp.summary", lang, agency=c.agency, a=c.year_a, b=c.year_b, changed=len(c.changed), total=total))}'
           f' <span class="gk-muted">· {esc(t("cmp.open", lang))}</span></div>']
    out.append(f'<div class="gk-cmp-files gk-muted"><code>{esc(c.report_a.source)}</code> ↔ '
               f'<code>{esc(c.report_b.source)}</code></div>')
    for table, rows in c.tables.items():
        shown = [r for r in rows if r.changed] if only_changed else rows
        n_changed = sum(1 for r in rows if r.changed)
        out.append(f'<div class="gk-table-cap">{esc(table_name(table, lang))} '
                   f'<span class="gk-muted">· {n_changed}/{len(rows)}</span></div>')
        out.append('<div class="gk-table-wrap gk-cmp-wrap"><table class="gk-table gk-cmp-table"><thead><tr>'
                   f'<th>{esc(t("cmp.row", lang))}</th><th>{esc(t("cmp.column", lang))}</th>'
                   f'<th>{c.year_a}</th><th>{c.year_b}</th><th>{esc(t("cmp.diff", lang))}</th></tr></thead><tbody>')
        if not shown:
            out.append(f'<tr><td colspan="5" class="gk-empty">{esc(t("cmp.no_changes", lang))}</td></tr>')
        for r in shown:
            cls = ' class="gk-changed"' if r.changed else ""
            hit = " gk-cmp-hit" if r.changed else ""
            d = r.diff
            dcls = "gk-up" if d is not None and d > 0 else ("gk-down" if d is not None and d < 0 else "")
            out.append(f'<tr{cls}><th scope="row">{esc(r.row)}</th><td class="gk-cmp-col">{esc(r.column)}</td>'
                       f'<td class="gk-num">{_cell_link(r.a, fmt_value(r.value_a))}</td>'
                       f'<td class="gk-num{hit}">{_cell_link(r.b, fmt_value(r.value_b))}</td>'
                       f'<td class="gk-num gk-diff {dcls}">{esc(_signed(d)) if r.changed else ""}</td></tr>')
        out.append("</tbody></table></div>")
    out.append(f'<div class="gk-table-cap">{esc(t("cmp.checks", lang))}</div>'
               '<div class="gk-table-wrap"><table class="gk-table gk-checks"><thead><tr>'
               f'<th>{esc(t("cmp.check", lang))}</th><th>{esc(t("cmp.expected", lang))}</th>'
               f'<th>{esc(t("cmp.reported", lang))}</th><th>{esc(t("cmp.verdict", lang))}</th></tr></thead><tbody>')
    for k in c.checks:
        rule = t("cmp.carry" if k.rule == "cross_year.carry" else "cmp.in_force", lang)
        first, last = (k.cells[0] if k.cells else None), (k.cells[-1] if len(k.cells) > 1 else None)
        msg = f'<div class="gk-muted gk-check-msg">{esc(k.message)}</div>' if k.message else ""
        out.append(f'<tr class="gk-check-{esc(k.verdict)}"><th scope="row">{esc(table_name(k.table, lang))} · '
                   f'{esc(k.label)}<div class="gk-muted">{esc(rule)}</div></th>'
                   f'<td class="gk-num">{_cell_link(first, fmt_value(k.expected))}</td>'
                   f'<td class="gk-num">{_cell_link(last, fmt_value(k.reported))}</td>'
                   f'<td><span class="gk-verdict gk-verdict-{esc(k.verdict)}">{esc(t("verdict." + k.verdict, lang))}</span>{msg}</td></tr>')
    out.append("</tbody></table></div></div>")
    return _one_line("".join(out))


def render_suggestions(questions: Sequence[str], lang: str = "zh") -> str:
    """Next questions under an answer; a click asks one (the page's script)."""
    if not questions:
        return ""
    links = "".join(f'<a class="gk-ask" href="#gk-ask-{i}">{esc(q)}</a>' for i, q in enumerate(questions, 1))
    return f'<div class="gk-suggest"><span class="gk-suggest-h">{esc(t("chat.suggest", lang))}</span>{links}</div>'


def render_ready(status: Any, lang: str = "zh") -> str:
    """The header's readiness chip: 索引准备中… (with progress) or ready."""
    state = getattr(status, "state", "ready")
    if state == "loading":
        text, mod = t("status.loading_model", lang), "busy"
    elif state == "embedding":
        text, mod = t("status.embedding", lang, done=status.done, total=status.total), "busy"
    elif state == "failed":
        text, mod = t("status.failed", lang, error=status.error), "bad"
    elif state == "off":
        text, mod = t("status.off", lang), "ok"
    else:
        text, mod = t("status.ready", lang), "ok"
    extra = f' <small>{esc(t("status.tables_ok", lang))}</small>' if mod == "busy" else ""
    return f'<span class="gk-ready gk-ready-{mod}" id="gk-ready" data-state="{esc(state)}">{esc(text)}{extra}</span>'


def render_cells(cells: Sequence[Mapping], headers: Sequence[str], keys: Sequence[str]) -> str:
    """The cells an answer used, one per row (value, agency, year, file, table, row, column, id)."""
    if not cells:
        return ""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for c in cells:
        tds = []
        for k in keys:
            v = c.get(k)
            cls = ' class="gk-num"' if k in ("value", "year", "cell_id") else ""
            tds.append(f"<td{cls}>{esc(fmt_value(v) if k == 'value' else ('' if v is None else v))}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return _one_line(f'<div class="gk-table-wrap gk-cells-wrap"><table class="gk-table gk-cells-table"><thead><tr>{head}'
                     f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')
