"""The web UI's HTML helpers (qa.ui_render): pure functions, no store, no browser."""
from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from qa import ui_render as R
from qa.models import Answer, Citation


def _cite(**kw) -> Citation:
    base = dict(source="003_67b517500533bac5.txt", agency="泰安市行政审批服务局", year=2024,
                section="三、收到和处理政府信息公开申请情况", table="三", row="(三)不予公开/1.属于国家秘密",
                column="总计", quote="1", value="1", status="exact", report_id="02e46a48cf94a8b0",
                start=1908, end=1909, line_no=33)
    base.update(kw)
    return Citation(**base)


def _answer(**kw) -> Answer:
    base = dict(question="泰安市行政审批服务局2024年不予公开的申请有多少件？", text="不予公开共 2 件。", kind="derived",
                value=2, unit="件", citations=[_cite(), _cite(row="(三)不予公开/8.属于行政查询事项", line_no=40, start=2100, end=2101)],
                warnings=["表三没有不予公开的总数，此数为分项之和"], interpretation={"agency": "泰安市行政审批服务局", "years": [2024],
                                                                   "metric": "refused", "language": "zh"})
    base.update(kw)
    return Answer(**base)


# ------------------------------------------------------------------------------------ values
@pytest.mark.parametrize("value, shown", [
    (2, "2"), (60224, "60,224"), (0, "0"), (None, ""), (Decimal("42.2"), "42.2"), (Decimal("1234.50"), "1,234.50"),
    (Decimal("7"), "7"), (3.0, "3"), (2.5, "2.5"), ("12", "12"),
])
def test_fmt_value(value, shown):
    assert R.fmt_value(value) == shown


# ------------------------------------------------------------------------------------ answers
def test_answer_shows_big_number_text_warnings_and_citations():
    html = R.render_answer(_answer(), answer_no=3)
    assert '<span class="gk-value">2</span>' in html
    assert '<span class="gk-unit">件</span>' in html
    assert "gk-kind-derived" in html and "推算" in html
    assert "不予公开共 2 件。" in html
    assert "⚠" in html and "表三没有不予公开的总数" in html
    assert html.count('<details class="gk-cite"') == 2
    assert 'href="#gk-src-3-1"' in html and 'href="#gk-src-3-2"' in html  # 查看来源 links tie to this answer
    assert "003_67b517500533bac5.txt" in html  # the file, once, in the sources header (all citations share it)
    assert "第 33 行" in html and "(三)不予公开/1.属于国家秘密" in html and "总计" in html
    assert '<blockquote class="gk-quote">1</blockquote>' in html
    assert "机关</i> 泰安市行政审批服务局" in html and "年份</i> 2024" in html
    assert "language" not in html  # interpretation shows only what a reader needs
    assert "\n" not in html  # one raw HTML block for the chat's Markdown


def test_answer_accepts_a_dict_and_escapes_report_text():
    d = _answer(text="<script>alert(1)</script>", citations=[_cite(quote="<b>x</b> & y")]).to_dict()
    html = R.render_answer(d)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html
    assert "gk-view" not in html  # no answer number: no source link


def test_decimal_value_and_no_value():
    assert '<span class="gk-value">42.2</span>' in R.render_answer(_answer(value=Decimal("42.2"), unit="万元"))
    html = R.render_answer(Answer("q", "没有找到。", "not_found"))
    assert "gk-value" not in html and "未找到" in html and "没有引用来源" not in html
    assert "没有引用来源" in R.render_answer(Answer("q", "x", "table", value=1))


def test_cell_status_warnings_are_added_unless_already_said():
    a = _answer(warnings=[], citations=[_cite(status="inferred"), _cite(status="ambiguous"), _cite(status="exact")])
    warnings = R.answer_warnings(a.to_dict())
    assert any("推断" in w for w in warnings) and any("粘连" in w for w in warnings)
    html = R.render_answer(a)
    assert "gk-status-inferred" in html and "gk-status-ambiguous" in html
    assert "gk-status-exact" not in html  # exact cells carry no badge
    said = _answer(warnings=["(三)不予公开/2: 原文该行标签缺失,按模板顺序推断"], citations=[_cite(status="inferred")])
    assert R.answer_warnings(said.to_dict()) == said.warnings


def test_derived_citation_marked():
    html = R.render_answer(_answer(warnings=[], citations=[_cite(status="derived", quote="", value="2")]))
    assert "gk-status-derived" in html and "∑" in html


def test_inline_warnings_not_repeated():
    w = ["(三)不予公开/2.其他 / 总计: 原文该行标签缺失,按模板顺序和勾稽关系推断"]
    text = "不予公开为 2 件。 ⚠ 注意:(三)不予公开/2.其他 / 总计: 原文该行标签缺失,按模板顺序和勾稽关系推断"
    assert R.split_inline_warnings(text, w) == "不予公开为 2 件。"
    assert R.split_inline_warnings("a ⚠ something else", w) == "a ⚠ something else"
    assert R.split_inline_warnings(text, []) == text


def test_many_citations_fold_after_the_first_few():
    cites = [_cite(row=f"row {i}", source=f"f{i % 2}.txt") for i in range(7)]
    html = R.render_answer(_answer(citations=cites), answer_no=0)
    assert html.count('class="gk-cite"') == 7
    assert "其余 3 条来源" in html and '<details class="gk-more">' in html
    assert html.count('class="gk-cite-src"') == 7  # several files: each citation names its own


def test_error_bubble():
    html = R.render_error("问题<x>", ValueError("boom"))
    assert "ValueError: boom" in html and "问题&lt;x&gt;" in html


def test_citation_label_and_where():
    assert R.citation_label(_cite(), 1) == "[1] 表三 · (三)不予公开/1.属于国家秘密 · 总计 = 1 — 泰安市行政审批服务局 2024"
    passage = _cite(table=None, row=None, column=None, value=None, section="一、总体情况", page=2, line_no=9)
    assert R.citation_label(passage, 2) == "[2] 一、总体情况 · 第2页 · 第9行 — 泰安市行政审批服务局 2024"


# ------------------------------------------------------------------------------------ tables
HEADERS = ["", "自然人", "法人或其他组织/商业企业", "法人或其他组织/科研机构", "总计"]
ROWS = [
    ["一、本年新收政府信息公开申请数量", 26, 0, None, 26],
    ["(三)不予公开/1.属于国家秘密", 1, 0, 0, 1],
    ["(三)不予公开/8.属于行政查询事项", 1, 0, 0, 1],
]


def test_locate_cell():
    assert R.locate_cell(HEADERS, ROWS, "(三)不予公开/1.属于国家秘密", "总计") == (1, 4)
    assert R.locate_cell(HEADERS, ROWS, "（三）不予公开/1.属于国家秘密", "法人或其他组织/商业企业") == (1, 2)  # full-width
    assert R.locate_cell(HEADERS, ROWS, "8.属于行政查询事项", "科研机构") == (2, 3)  # by the last segment
    assert R.locate_cell(HEADERS, ROWS, "no such row", "总计") is None
    one_row = [["政府信息公开行政复议、行政诉讼情况", 0, 1]]
    assert R.locate_cell(["", "行政复议/总计", "行政诉讼/总计"], one_row, "anything", "行政诉讼/总计") == (0, 2)


def test_header_rows_nest_groups():
    rows = R.header_rows(["", "a", "g/x", "g/y", "h/i/p", "h/i/q", "h/j", "b"])
    assert rows[0] == [("", 1, 3, 0), ("a", 1, 3, 1), ("g", 2, 1, None), ("h", 3, 1, None), ("b", 1, 3, 7)]
    assert rows[1] == [("x", 1, 2, 2), ("y", 1, 2, 3), ("i", 2, 1, None), ("j", 1, 2, 6)]
    assert rows[2] == [("p", 1, 1, 4), ("q", 1, 1, 5)]
    assert R.header_rows(["", "a", "b"]) == [[("", 1, 1, 0), ("a", 1, 1, 1), ("b", 1, 1, 2)]]


def test_render_table_highlights_the_cited_cell():
    html = R.render_table(HEADERS, ROWS, {(1, 4): "primary", (2, 4): "related"}, caption="表三 依申请公开")
    hit = re.search(r'<td class="([^"]*)" id="gk-hit"[^>]*>([^<]*)</td>', html)
    assert hit and "gk-hit" in hit.group(1).split() and hit.group(2) == "1"
    assert html.count('id="gk-hit"') == 1
    assert 'class="gk-num gk-rel"' in html
    assert '<tr class="gk-hit-row">' in html and '<tr class="gk-rel-row">' in html
    assert '<th rowspan="2" class="gk-hit-col">总计</th>' in html
    assert '<th colspan="2" class="gk-th-group">法人或其他组织</th>' in html
    assert 'class="gk-num gk-blank"' in html  # None is blank, not 0
    assert '<div class="gk-table-cap">表三 依申请公开</div>' in html


def test_render_table_empty():
    assert "此表没有数据" in R.render_table([""], [])


# ------------------------------------------------------------------------------------ passages
LINES = [
    {"line_no": 9, "page": 1, "text": "(一)主动公开方面", "start": 100, "end": 109},
    {"line_no": 10, "page": 1, "text": "2023年度共发布政策解读2篇。", "start": 110, "end": 126},
    {"line_no": 11, "page": 2, "text": "(二)依申请公开", "start": 127, "end": 135},
]


def test_passage_marks_the_span():
    html = R.render_passage(LINES, start=117, end=125, focus_line=10)
    assert '<mark class="gk-mark">发布政策解读2篇</mark>' in html
    assert html.count("gk-focus") == 1 and 'title="第2页"' in html


def test_passage_marks_the_quote_ignoring_spaces():
    html = R.render_passage(LINES, quote="政策 解读 2篇")
    assert '<mark class="gk-mark">政策解读2篇</mark>' in html


def test_passage_falls_back_to_the_focus_line_and_accepts_line_objects():
    lines = [SimpleNamespace(line_no=1, page=None, text="a<b", start=0, end=3)]
    html = R.render_passage(lines, quote="zzz", focus_line=1)
    assert '<mark class="gk-mark">a&lt;b</mark>' in html
    assert "没有可显示的原文" in R.render_passage([])


# ------------------------------------------------------------------------------------ ingest, lists
def test_render_ingest_names_each_file_and_reason():
    summary = SimpleNamespace(
        added=1, unchanged=0, replaced=0, reports=6, seconds=1.23,
        results=[SimpleNamespace(path="/tmp/gradio/x/bad.txt", status="error", reason="not a government … report",
                                 cells=0, findings=0),
                 SimpleNamespace(path="/tmp/gradio/y/huaian.pdf", status="added", reason="", cells=186, findings=2)],
        errors=[("/tmp/gradio/x/bad.txt", "not a government … report"), ("/nope", "no such file or directory")])
    html = R.render_ingest(summary)
    assert "bad.txt" in html and "/tmp/gradio" not in html
    assert "not a government … report" in html and "no such file or directory" in html
    assert "huaian.pdf" in html and "186 个单元格" in html
    assert "失败 2" in html and "gk-ingest-bad" in html


def test_filter_rows():
    rows = [["泰安市行政审批服务局", 2024, "003.txt"], ["淮安市人民政府", 2024, "huaian-shi-2024.pdf"], ["安棚镇", 2022, "004.txt"]]
    assert R.filter_rows(rows, "") == rows
    assert R.filter_rows(rows, "2024") == rows[:2]
    assert R.filter_rows(rows, "HUAIAN 2024") == [rows[1]]
    assert R.filter_rows(rows, "泰安 2022") == []


def test_report_card_and_stats():
    card = R.render_report_card({"agency": None, "year": 2024, "source": "a.pdf", "template": "2021", "format": "pdf",
                                 "pages": 7, "warnings": ["encrypted"], "n_cells": 3, "n_findings": 1})
    assert "未识别" in card and "7 页" in card and "⚠ encrypted" in card
    assert "请选择一份报告" in R.render_report_card(None) and "select a report" in R.render_report_card(None, "en")
    assert "<b>1,051</b>" in R.header_stats({"reports": 6, "cells": 1051, "findings": 0})
