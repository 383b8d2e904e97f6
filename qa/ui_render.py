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

KIND_LABELS = {
    "table": ("表格数据", "table"),
    "derived": ("推算", "derived"),
    "aggregate": ("汇总", "aggregate"),
    "prose": ("正文", "passage"),
    "metadata": ("报告信息", "metadata"),
    "findings": ("数据质量", "findings"),
    "not_found": ("未找到", "not found"),
    "ambiguous": ("有歧义", "ambiguous"),
}
STATUS_LABELS = {  # cell status → (badge text, css modifier, is a warning)
    "exact": ("原文", "exact", False),
    "inferred": ("⚠ 推断", "inferred", True),
    "ambiguous": ("⚠ 有歧义", "ambiguous", True),
    "derived": ("∑ 推算", "derived", True),
}
STATUS_HINTS = {
    "inferred": "单元格位置由模板与算术推断 (cell placed by template order / arithmetic)",
    "ambiguous": "数字粘连，有多种读法 (digits run together: several readings fit)",
    "derived": "由其他单元格计算得出，报告未直接列出 (computed from other cells, not printed in the report)",
}
TABLE_NAMES = {"二": "表二 主动公开", "三": "表三 依申请公开", "四": "表四 复议诉讼", "统计表": "统计表"}
SHOWN_CITATIONS = 4  # citations listed in an answer before "show N more"
SEVERITY_LABELS = {"error": "错误 error", "warning": "警告 warning", "info": "提示 info"}


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


def table_name(table: str | None) -> str:
    if not table:
        return ""
    return TABLE_NAMES.get(table, f"表{table}")


def _short_table(table: str | None) -> str:
    return "" if not table else (table if table == "统计表" else f"表{table}")


def _one_line(html: str) -> str:
    """Collapse whitespace between tags so Markdown never sees a blank line or an indent."""
    return re.sub(r"\s*\n\s*", " ", html).strip()


# ------------------------------------------------------------------------------------ citations
def citation_where(c: Mapping) -> str:
    """``表三 · (三)不予公开/1.属于国家秘密 · 总计`` or the section / page of a passage."""
    if c.get("table"):
        return " · ".join(x for x in (_short_table(c.get("table")), c.get("row"), c.get("column")) if x)
    parts = []
    if c.get("section"):
        parts.append(str(c["section"]))
    if c.get("page"):
        parts.append(f"第{c['page']}页")
    if c.get("line_no"):
        parts.append(f"第{c['line_no']}行")
    return " · ".join(parts)


def citation_label(citation: Any, number: int) -> str:
    """One line naming a citation, for the source picker: ``[1] 表三 · 行 · 列 = 1 — 机关 2024``."""
    c = as_dict(citation)
    where = citation_where(c) or "正文 passage"
    value = c.get("value")
    val = f" = {value}" if value not in (None, "") else ""
    who = " ".join(str(x) for x in (c.get("agency"), c.get("year")) if x) or str(c.get("source") or "")
    return f"[{number}] {where}{val} — {who}"


def _status_badge(status: str | None) -> str:
    if not status or status not in STATUS_LABELS:
        return ""
    text, mod, _ = STATUS_LABELS[status]
    hint = STATUS_HINTS.get(status, "")
    return f'<span class="gk-status gk-status-{mod}" title="{esc(hint)}">{esc(text)}</span>'


def render_citation(citation: Any, number: int, answer_no: int | None = None, open_: bool = False,
                    show_source: bool = True) -> str:
    """One citation as ``<details>``: the summary names the cell or passage, the body the report,
    location, table row/column and the quoted source text, with a 查看来源 link.
    *show_source* False leaves the file name out of the summary (when every citation shares it)."""
    c = as_dict(citation)
    value = c.get("value")
    summary = (
        f'<span class="gk-cite-n">{number}</span>'
        f'<span class="gk-cite-where">{esc(citation_where(c) or "正文 passage")}</span>'
        + (f'<span class="gk-cite-val">= {esc(value)}</span>' if value not in (None, "") else "")
        + (_status_badge(c.get("status")) if c.get("status") != "exact" else "")
        + (f'<span class="gk-cite-src">{esc(c.get("source"))}</span>' if show_source else "")
    )
    rows: list[tuple[str, str]] = []
    report = " · ".join(esc(x) for x in (c.get("agency"), c.get("year")) if x)
    rows.append(("报告 Report", (report + " · " if report else "") + f'<code>{esc(c.get("source"))}</code>'))
    loc = []
    if c.get("page"):
        loc.append(f"第 {esc(c['page'])} 页 (p. {esc(c['page'])})")
    if c.get("section"):
        loc.append(esc(c["section"]))
    if c.get("line_no"):
        loc.append(f"第 {esc(c['line_no'])} 行 (line {esc(c['line_no'])})")
    if loc:
        rows.append(("位置 Location", " · ".join(loc)))
    if c.get("table"):
        rows.append(("表格 Table", esc(table_name(c.get("table")))))
        if c.get("row"):
            rows.append(("行 Row", esc(c["row"])))
        if c.get("column"):
            rows.append(("列 Column", esc(c["column"])))
    if value not in (None, ""):
        rows.append(("数值 Value", f"<b>{esc(value)}</b>"))
    if c.get("status") in STATUS_HINTS:
        rows.append(("状态 Status", f"{_status_badge(c.get('status'))} {esc(STATUS_HINTS[c['status']])}"))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    quote = c.get("quote") or ""
    quote_html = f'<blockquote class="gk-quote">{esc(quote)}</blockquote>' if quote else ""
    link = ""
    if answer_no is not None:
        link = (f'<a class="gk-view" href="#gk-src-{answer_no}-{number}" '
                f'title="在右侧显示原表/原文 (show it in the source panel)">查看来源 View source →</a>')
    return (f'<details class="gk-cite"{" open" if open_ else ""}><summary>{summary}</summary>'
            f'<div class="gk-cite-body"><dl class="gk-dl">{body}</dl>{quote_html}{link}</div></details>')


# ------------------------------------------------------------------------------------ answers
def answer_warnings(answer: Mapping) -> list[str]:
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
        where = "; ".join(citation_where(c) for c in cited[:3]) + (" …" if len(cited) > 3 else "")
        warnings.append(f"{STATUS_HINTS[status]}: {where}")
    return warnings


INTERPRETATION_FIELDS = (("agency", "机关"), ("years", "年份"), ("year", "年份"), ("metric", "指标"),
                         ("column", "列"), ("superlative", "比较"))
SUPERLATIVES = {"max": "最多 max", "min": "最少 min"}


def render_interpretation(interp: Mapping | None) -> str:
    """What the question was understood as (agency, years, metric …), one small line."""
    if not interp:
        return ""
    if interp.get("describe"):  # a QueryPlan: its own one-line description, in the question's language
        head = "理解为" if interp.get("lang", "zh") == "zh" else "Understood as"
        return f'<div class="gk-interp"><span class="gk-interp-h">{head}</span>{esc(interp["describe"])}</div>'
    parts = []
    for key, zh in INTERPRETATION_FIELDS:
        v = interp.get(key)
        if v in (None, "", [], {}) or isinstance(v, Mapping):
            continue
        if isinstance(v, (list, tuple)):
            v = "、".join(map(str, v))
        if key == "superlative":
            v = SUPERLATIVES.get(str(v), v)
        parts.append(f'<span class="gk-interp-item"><i>{esc(zh)}</i> {esc(v)}</span>')
    return f'<div class="gk-interp"><span class="gk-interp-h">理解为 Understood as</span>{"".join(parts)}</div>' if parts else ""


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


def render_answer(answer: Any, answer_no: int | None = None) -> str:
    """The chat bubble of one answer: the figure (big) with its unit and kind, the reply text,
    the warnings (⚠), what the question was understood as, then each citation as ``<details>``.

    *answer_no* numbers the answer within the chat; it ties each citation's 查看来源 link to the
    source panel (``#gk-src-<answer_no>-<citation number>``).
    """
    a = as_dict(answer)
    kind = a.get("kind") or ""
    parts = ['<div class="gk-answer">']
    value = a.get("value")
    kind_zh, kind_en = KIND_LABELS.get(kind, (kind, ""))
    badge = (f'<span class="gk-kind gk-kind-{esc(kind)}">{esc(kind_zh)}'
             f'{f" <small>{esc(kind_en)}</small>" if kind_en else ""}</span>') if kind else ""
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
    warnings = answer_warnings(a)
    if warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
        parts.append(f'<div class="gk-warnings"><div class="gk-warn-h">⚠ 请注意 Check</div><ul>{items}</ul></div>')
    parts.append(render_interpretation(a.get("interpretation")))
    cites = [as_dict(c) for c in a.get("citations") or []]
    if cites:
        sources = {(c.get("source"), c.get("agency"), c.get("year")) for c in cites}
        one = len(sources) == 1
        common = ""
        if one:
            src, agency, year = next(iter(sources))
            who = " ".join(str(x) for x in (agency, year) if x)
            common = f' · {esc(who)} <code class="gk-cite-src">{esc(src)}</code>'
        parts.append(f'<div class="gk-cites"><div class="gk-cites-h">来源 Sources · {len(cites)}{common}</div>')
        items = [render_citation(c, i, answer_no, show_source=not one) for i, c in enumerate(cites, 1)]
        parts += items[:SHOWN_CITATIONS]
        if len(items) > SHOWN_CITATIONS:
            rest = len(items) - SHOWN_CITATIONS
            parts.append(f'<details class="gk-more"><summary>其余 {rest} 条来源 show {rest} more</summary>'
                         + "".join(items[SHOWN_CITATIONS:]) + "</details>")
        parts.append("</div>")
    elif kind not in ("not_found", "ambiguous"):
        parts.append('<div class="gk-nocite">没有引用来源 (no citation)</div>')
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


def render_error(question: str, error: BaseException | str) -> str:
    """A chat bubble for a question that could not be answered because something failed."""
    msg = error if isinstance(error, str) else f"{error.__class__.__name__}: {error}"
    return _one_line(
        '<div class="gk-answer gk-answer-error"><div class="gk-head gk-head-novalue">'
        '<span class="gk-kind gk-kind-error">出错了 <small>error</small></span></div>'
        f'<div class="gk-text">这个问题暂时无法回答 (could not answer): {esc(question)}</div>'
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
                 highlights: Mapping[tuple[int, int], str] | None = None, caption: str = "") -> str:
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
        out.append(f'<tr><td colspan="{max(len(headers), 1)}" class="gk-empty">此表没有数据 (no cells)</td></tr>')
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
                   quote: str | None = None, focus_line: int | None = None, caption: str = "") -> str:
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
                t = re.sub(r"\s+", "", item[2])
                if len(t) >= 4 and t in q:
                    item[3].append((0, len(item[2])))
                    marked_any = True
    for line_no, page, text, spans in rendered:
        focus = line_no == focus_line or bool(spans)
        if not spans and line_no == focus_line and not marked_any:
            spans = [(0, len(text))]
        cls = "gk-line gk-focus" if focus else "gk-line"
        page_attr = f' title="第{page}页 p.{page}"' if page else ""
        out.append(f'<div class="{cls}"{page_attr}><span class="gk-ln">{esc(line_no)}</span>'
                   f'<span class="gk-lt">{_mark(text, spans) or "&nbsp;"}</span></div>')
    if not fields:
        out.append('<div class="gk-empty">没有可显示的原文 (no text to show)</div>')
    out.append("</div>")
    return _one_line("".join(out))


# ------------------------------------------------------------------------------------ panels
def render_report_card(report: Any) -> str:
    """A report's metadata: agency, year, file, template, format, pages, warnings."""
    r = as_dict(report)
    if not r:
        return '<div class="gk-card gk-muted">请选择一份报告 (select a report)</div>'
    items = [
        ("机关 Agency", esc(r.get("agency") or "未识别 unknown")),
        ("年份 Year", esc(r.get("year") or "未识别 unknown")),
        ("文件 File", f"<code>{esc(r.get('source'))}</code>"),
        ("模板 Template", esc(r.get("template"))),
        ("格式 Format", esc(r.get("format")) + (f" · {esc(r['pages'])} 页" if r.get("pages") else "")),
    ]
    if r.get("published"):
        items.append(("发布 Published", esc(r["published"])))
    if r.get("aliases"):
        items.append(("别名 Aliases", esc("、".join(r["aliases"]))))
    items.append(("单元格 Cells", esc(r.get("n_cells", 0))))
    items.append(("问题 Findings", esc(r.get("n_findings", 0))))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items)
    warn = ""
    if r.get("warnings"):
        warn = "<ul class='gk-card-warn'>" + "".join(f"<li>⚠ {esc(w)}</li>" for w in r["warnings"]) + "</ul>"
    return _one_line(f'<div class="gk-card"><dl class="gk-dl">{body}</dl>{warn}</div>')


def render_source_header(citation: Any, number: int | None = None) -> str:
    c = as_dict(citation)
    who = " · ".join(esc(x) for x in (c.get("agency"), c.get("year")) if x)
    n = f'<span class="gk-cite-n">{number}</span>' if number is not None else ""
    where = esc(citation_where(c))
    val = f' <span class="gk-cite-val">= {esc(c.get("value"))}</span>' if c.get("value") not in (None, "") else ""
    return _one_line(
        f'<div class="gk-src-head">{n}<div><div class="gk-src-title">{who or esc(c.get("source"))}'
        f'{_status_badge(c.get("status"))}</div><div class="gk-src-file"><code>{esc(c.get("source"))}</code>'
        + (f" · 第{esc(c['page'])}页" if c.get("page") else "")
        + (f" · {esc(c['section'])}" if c.get("section") else "")
        + f'</div><div class="gk-src-where">{where}{val}</div></div></div>')


def render_notice(text: str, kind: str = "info") -> str:
    """A small boxed note (``info`` | ``warn`` | ``error`` | ``ok``)."""
    return f'<div class="gk-notice gk-notice-{esc(kind)}">{esc(text)}</div>'


EMPTY_SOURCE = _one_line(
    '<div class="gk-src-empty"><div class="gk-src-empty-icon">📄</div>'
    '<div>提问后，点击答案中的 <b>查看来源</b> 或上方的引用，<br>这里会显示报告原表（高亮被引用的单元格）或原文段落。</div>'
    '<div class="gk-muted">Ask a question, then pick a citation: the report table with the cited cell '
    'highlighted, or the cited passage in context, appears here.</div></div>')


# ------------------------------------------------------------------------------------ ingest
STATUS_ZH = {"added": ("✓", "新增 added"), "unchanged": ("=", "未变 unchanged"),
             "replaced": ("↻", "替换 replaced"), "error": ("✗", "失败 failed")}


def _basename(path: str) -> str:
    return re.split(r"[\\/]", str(path))[-1]


def render_ingest(summary: Any) -> str:
    """The outcome of an upload: counts, one line per file, every refused file with its reason."""
    s = summary if isinstance(summary, Mapping) else None
    get = (lambda k, d=None: s.get(k, d)) if s is not None else (lambda k, d=None: getattr(summary, k, d))
    results = list(get("results", []) or [])
    errors = list(get("errors", []) or [])
    failed = sum(1 for r in results if as_dict(r).get("status") == "error")
    failed += sum(1 for p, _ in errors if not any(as_dict(r).get("path") == p for r in results))
    head = (f'<div class="gk-ingest-head">导入完成 Done · 新增 {get("added", 0)} · 未变 {get("unchanged", 0)} · '
            f'替换 {get("replaced", 0)} · 失败 {failed} · 共 {get("reports", 0)} 份报告 · '
            f'{float(get("seconds", 0.0) or 0.0):.1f} s</div>')
    items = []
    seen = set()
    for r in map(as_dict, results):
        icon, label = STATUS_ZH.get(r.get("status"), ("·", r.get("status")))
        detail = ""
        if r.get("status") == "error":
            detail = f'<div class="gk-ingest-reason">{esc(r.get("reason"))}</div>'
        elif r.get("reason"):
            detail = f'<div class="gk-ingest-reason gk-warn-text">⚠ {esc(r.get("reason"))}</div>'
        elif r.get("status") != "unchanged":
            detail = f'<div class="gk-muted">{r.get("cells", 0)} 个单元格 cells · {r.get("findings", 0)} 条问题 findings</div>'
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


def findings_summary(severities: Iterable[str], scope: str = "") -> str:
    """``✓ 未发现问题`` or the count per severity (labels as in :data:`SEVERITY_LABELS` or raw)."""
    counts: dict[str, int] = {}
    for sev in severities:
        key = next((k for k, v in SEVERITY_LABELS.items() if sev in (k, v)), sev)
        counts[key] = counts.get(key, 0) + 1
    scope = f"{esc(scope)} · " if scope else ""
    if not counts:
        return f'<div class="gk-notice gk-notice-ok">✓ {scope}未发现问题：报告自身的勾稽关系都成立 (no findings)</div>'
    parts = [f'<span class="gk-sev gk-sev-{k}">{esc(SEVERITY_LABELS.get(k, k))} <b>{n}</b></span>'
             for k, n in sorted(counts.items(), key=lambda kv: list(SEVERITY_LABELS).index(kv[0]) if kv[0] in SEVERITY_LABELS else 9)]
    return f'<div class="gk-findings-sum">{scope}{"".join(parts)}</div>'


def header_stats(counts: Mapping[str, int]) -> str:
    return _one_line(
        f'<div class="gk-stats"><span><b>{counts.get("reports", 0)}</b> 份报告 reports</span>'
        f'<span><b>{counts.get("cells", 0):,}</b> 个单元格 cells</span>'
        f'<span><b>{counts.get("findings", 0)}</b> 条数据问题 findings</span></div>')
