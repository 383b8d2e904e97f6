"""The same report in other formats (DOCX with merged cells, an HTML grid with rowspan/colspan,
GBK and Big5 text) must give the same cells as the original.

The documents are rendered here from seed 003's real figures, laid out the way agencies' Word
and web templates lay out table 三 and 四 (group labels merged down the rows, 法人或其他组织
spanning five columns).
"""
from __future__ import annotations

import html

import pytest

from ingest import templates as T
from ingest.load import load_bytes, load_file
from ingest.meta import extract_meta
from ingest.sections import find_sections
from ingest.tables import parse_tables

from conftest import SAMPLE

SEED = SAMPLE / "003_67b517500533bac5.txt"


def _cells(doc):
    meta = extract_meta(doc)
    cells, _ = parse_tables(doc, find_sections(doc, meta.template), meta.template)
    return meta, {(c.table, c.row_id, c.column_id): c.value for c in cells}


@pytest.fixture(scope="module")
def original():
    return _cells(load_file(SEED))


def _t3_rows(values):
    """(group label or None, row label, 7 values) in template order."""
    out = []
    for r in T.T3_ROWS_2021:
        vals = [values[("三", r.id, c.id)] for c in T.T3_COLUMNS]
        group = T.T3_GROUPS.get(r.group) if r.group else None
        label = r.label.split("/")[-1]
        out.append((group, label, vals))
    return out


def _prose_head() -> str:
    return ("泰安市行政审批服务局2024年政府信息公开工作年度报告\n"
            "报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。\n一、总体情况\n"
            "2024年,泰安市行政审批服务局认真落实政务公开工作。\n")


def _html(values) -> str:
    rows = _t3_rows(values)
    parts = [f"<html><body>{''.join(f'<p>{html.escape(x)}</p>' for x in _prose_head().splitlines())}",
             "<p>三、收到和处理政府信息公开申请情况</p><table border=1>",
             "<tr><td rowspan=3 colspan=3>(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)</td>"
             "<td colspan=7>申请人情况</td></tr>",
             "<tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>",
             "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"]
    seen_groups: set[str] = set()
    for group, label, vals in rows:
        tds = "".join(f"<td>{v}</td>" for v in vals)
        if group is None:
            parts.append(f"<tr><td colspan=3>{html.escape(label)}</td>{tds}</tr>")
        elif group not in seen_groups:
            n = sum(1 for g, _, _ in rows if g == group)
            seen_groups.add(group)
            parts.append(f"<tr><td rowspan={n}>{group}</td><td colspan=2>{html.escape(label)}</td>{tds}</tr>")
        else:
            parts.append(f"<tr><td colspan=2>{html.escape(label)}</td>{tds}</tr>")
    parts.append("</table><p>四、政府信息公开行政复议、行政诉讼情况</p><table>")
    parts.append("<tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr>")
    parts.append("<tr>" + "".join(f"<td>{r.label}</td>" for r in T.T4_RESULTS) +
                 "<td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr>")
    t4 = [values[("四", "appeals", cid)] for *_, cid in T.t4_columns()]
    parts.append("<tr>" + "".join(f"<td>{v}</td>" for v in t4) + "</tr></table>")
    parts.append("<p>五、存在的主要问题及改进情况</p><p>无。</p></body></html>")
    return "".join(parts)


def _docx(values, path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    for line in _prose_head().splitlines():
        d.add_paragraph(line)
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    rows = _t3_rows(values)
    t = d.add_table(rows=3 + len(rows), cols=10)
    t.cell(0, 0).merge(t.cell(2, 2)).text = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"
    t.cell(0, 3).merge(t.cell(0, 9)).text = "申请人情况"
    t.cell(1, 3).merge(t.cell(2, 3)).text = "自然人"
    t.cell(1, 4).merge(t.cell(1, 8)).text = "法人或其他组织"
    t.cell(1, 9).merge(t.cell(2, 9)).text = "总计"
    for i, name in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        t.cell(2, 4 + i).text = name
    r0 = 3
    group_start: dict[str, int] = {}
    for k, (group, label, vals) in enumerate(rows):
        r = r0 + k
        if group is None:
            t.cell(r, 0).merge(t.cell(r, 2)).text = label
        else:
            group_start.setdefault(group, r)
            t.cell(r, 1).merge(t.cell(r, 2)).text = label
        for j, v in enumerate(vals):
            t.cell(r, 3 + j).text = str(v)
    for group, start in group_start.items():
        end = start + sum(1 for g, _, _ in rows if g == group) - 1
        t.cell(start, 0).merge(t.cell(end, 0)).text = group
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t4 = d.add_table(rows=3, cols=15)
    t4.cell(0, 0).merge(t4.cell(0, 4)).text = "行政复议"
    t4.cell(0, 5).merge(t4.cell(0, 14)).text = "行政诉讼"
    for j, (_, _, label, cid) in enumerate(T.t4_columns()):
        t4.cell(1, j).text = label.split("/")[-1]
        t4.cell(2, j).text = str(values[("四", "appeals", cid)])
    d.add_paragraph("五、存在的主要问题及改进情况")
    d.save(path)


def _same_t3_t4(a, b):
    keys = [k for k in a if k[0] in ("三", "四")]
    assert keys
    diff = {k: (a[k], b.get(k, "missing")) for k in keys if a[k] != b.get(k, "missing")}
    assert not diff, diff


def test_html_grid_with_spans_gives_the_same_cells(original):
    _, values = original
    doc = load_bytes(_html(values).encode("utf-8"), "seed003.html", "html")
    meta, got = _cells(doc)
    assert meta.agency == "泰安市行政审批服务局" and meta.year == 2024
    _same_t3_t4(values, got)


def test_docx_with_merged_cells_gives_the_same_cells(original, tmp_path):
    _, values = original
    path = tmp_path / "seed003.docx"
    _docx(values, path)
    meta, got = _cells(load_file(path))
    assert meta.year == 2024
    _same_t3_t4(values, got)


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "big5"])
def test_legacy_encodings_give_the_same_cells(original, encoding):
    text = SEED.read_text("utf-8")
    if encoding == "big5":
        import opencc  # noqa: F401  (Traditional copies are what Big5 sites publish)
        from opencc import OpenCC

        text = OpenCC("s2t").convert(text)
    data = text.encode(encoding, errors="replace")
    doc = load_bytes(data, f"seed003.{encoding}.txt", "txt")
    assert doc.encoding in (encoding, "gb18030", "big5", "cp950")
    meta, got = _cells(doc)
    assert meta.agency == "泰安市行政审批服务局"
    _same_t3_t4(original[1], got)


def test_one_figure_per_line_text_gives_the_same_cells(original):
    """Some PDF extractions put every cell on its own line."""
    _, values = original
    lines = _prose_head().splitlines() + ["三、收到和处理政府信息公开申请情况",
                                          "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
                                          "申请人情况", "自然人", "法人或其他组织", "总计",
                                          "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    for group, label, vals in _t3_rows(values):
        lines.append(f"{group}{label}" if group and label.startswith("1.") else label)
        lines += [str(v) for v in vals]
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议", "行政诉讼"]
    lines += [str(values[("四", "appeals", cid)]) for *_, cid in T.t4_columns()]
    lines += ["五、存在的主要问题及改进情况", "无。"]
    doc = load_bytes("\n".join(lines).encode("utf-8"), "seed003-one-per-line.txt", "txt")
    _, got = _cells(doc)
    _same_t3_t4(values, got)
