"""表二/表三/表四 of the new 2019- and 2021-template reports against values read by hand.

``fixtures/expected_new/<file>.json`` were written by colleagues reading each raw file (and,
where the text alone cannot decide a glued cell, the archive's page.html). Every cell is
checked for its value and its status: where the fixture says a glued reading is not unique from
the text (``"unique": false``), the parser must either say ``ambiguous`` and list the right
reading, or give the right value — never another number.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ingest import templates as T
from ingest.load import load_file
from ingest.meta import extract_meta, strip_field_label
from ingest.tables import parse_tables
from ingest.validate import validate_report

from conftest import CORPUS, needs_corpus

FIX = Path(__file__).parent / "fixtures" / "expected_new"
EXPECTED = {p.name[:-5]: json.loads(p.read_text("utf-8")) for p in sorted(FIX.glob("*.json"))}
NEW = sorted(n for n, e in EXPECTED.items() if e.get("template") in ("2019", "2021"))
PROSE_METRICS = {"new", "review", "litigation", "refused", "carried_forward"}


@pytest.fixture(scope="module")
def parsed():
    cache = {}

    def get(name):
        if name not in cache:
            doc = load_file(CORPUS / name)
            meta = extract_meta(doc)
            cells, findings = parse_tables(doc, [], meta.template)
            cache[name] = (doc, meta, cells, findings + validate_report(cells, meta.template, doc.text))
        return cache[name]
    return get


def _num(v):
    return Decimal(v) if isinstance(v, str) else v


def _same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and Decimal(str(a)) == Decimal(str(b)))


def _not_unique_rows(exp) -> set[str]:
    """Rows whose glued digits the fixture says cannot be split from the text alone."""
    out = set()
    for g in exp.get("glued", []):
        unique = g.get("corrected_by_parser_author", {}).get("unique", g["unique"])
        if not unique:
            out.add(g["row"])
    return out


def test_every_new_report_has_a_fixture():
    assert len(NEW) >= 7, NEW


@needs_corpus
@pytest.mark.parametrize("name", NEW)
def test_table3_every_cell(parsed, name):
    exp = EXPECTED[name]
    _, meta, cells, _ = parsed(name)
    grid = {(c.row_id, c.column_id): c for c in cells if c.table == "三"}
    cols = [c.id for c in T.T3_COLUMNS]
    problems = []
    for row, values in exp["table3_full"].items():
        for col, want in zip(cols, values):
            c = grid.get((row, col))
            if c is None:
                problems.append(f"{row}/{col}: missing")
            elif c.status == "ambiguous" or not _same(c.value, want):
                problems.append(f"{row}/{col}: expected {want}, got {c.value} ({c.status}: {c.note})")
            elif want is None and c.status != "exact":
                problems.append(f"{row}/{col}: blank cell should be exact, got {c.status}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@needs_corpus
@pytest.mark.parametrize("name", NEW)
def test_table4_every_cell(parsed, name):
    exp = EXPECTED[name]["table4"]
    _, _, cells, _ = parsed(name)
    got = {c.column_id: c for c in cells if c.table == "四"}
    for group in ("review", "litigation_direct", "litigation_after_review"):
        cs = [got[f"{group}.{r.id}"] for r in T.T4_RESULTS]
        assert [c.value for c in cs] == exp[group], (name, group, cs[0].note)
        assert all(c.status == "exact" for c in cs), (name, group, cs[0].status, cs[0].note)


@needs_corpus
@pytest.mark.parametrize("name", NEW)
def test_table2_every_item(parsed, name):
    exp = EXPECTED[name]
    _, meta, cells, _ = parsed(name)
    specs = T.t2_rows(meta.template)
    loose = _not_unique_rows(exp)
    problems = []
    assert {c.row_id for c in cells if c.table == "二"} >= {
        s.id for s in specs if any(k.split("/")[0] == s.label for k in exp["table2_full"])}
    for key, want in exp["table2_full"].items():
        row_label, col = key.split("/", 1)
        spec = next(s for s in specs if s.label == row_label)
        col_head = col.split("（")[0].split("(")[0]
        colspec = next(c for c in spec.columns if c.label.startswith(col_head))
        c = next((x for x in cells if x.table == "二" and x.row_id == spec.id and x.column_id == colspec.id), None)
        if c is None:
            problems.append(f"{key}: missing")
            continue
        if c.status == "ambiguous":
            if row_label not in loose:
                problems.append(f"{key}: ambiguous but the digits have one reading ({c.note})")
            elif str(_num(want)) not in c.note:
                problems.append(f"{key}: ambiguous, and {want} is not among the readings ({c.note})")
            continue
        if not _same(c.value, _num(want)):
            problems.append(f"{key}: expected {want}, got {c.value} ({c.status}: {c.note})")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@needs_corpus
@pytest.mark.parametrize("name", NEW)
def test_table_inconsistencies_are_the_hand_found_ones(parsed, name):
    exp = EXPECTED[name]
    _, _, _, findings = parsed(name)
    errors = {f.rule for f in findings if f.severity == "error"}
    hand = [k for k in exp.get("known_inconsistencies", []) if k.startswith(("table3", "table4"))]
    if hand:
        assert errors & {"table3.balance", "table3.outcomes", "table3.row_sum", "table4.group_total"}, name
    else:
        assert not errors, (name, errors)


@needs_corpus
@pytest.mark.parametrize("name", NEW)
def test_prose_figures_checked_against_tables(parsed, name):
    """Prose that contradicts the table gives a finding; prose that agrees gives none."""
    exp = EXPECTED[name]
    _, _, _, findings = parsed(name)
    mismatched = {f.row for f in findings if f.rule == "prose.table_mismatch"}
    from ingest.prose_facts import metric

    for p in exp.get("prose_figures", []):
        if p["metric"] not in PROSE_METRICS or p["matches_table"] is None:
            continue
        label = metric(p["metric"]).label
        if p["matches_table"]:
            assert label not in mismatched, (name, p)
        else:
            assert label in mismatched, (name, p)


@needs_corpus
def test_zhz_prose_finding_reads_like_a_sentence(parsed):
    _, _, _, findings = parsed("pingtan-zhz-2024.txt")
    f = next(f for f in findings if f.rule == "prose.table_mismatch")
    assert "收到申请4件" in f.message and "合计0件" in f.message


@needs_corpus
@pytest.mark.parametrize("name", NEW)
def test_metadata(parsed, name):
    exp = EXPECTED[name]
    _, meta, _, _ = parsed(name)
    assert (meta.agency, meta.year, meta.template) == (exp["agency"], exp["year"], exp["template"])
    assert meta.signature_agency == exp.get("signature_agency")


@needs_corpus
def test_html_page_tables_equal_the_txt_twin(parsed):
    _, _, html, _ = parsed("pingtan-hzs-2025.html")
    _, _, txt, _ = parsed("pingtan-hzs-2025.txt")
    key = lambda c: (c.table, c.row_id, c.column_id)  # noqa: E731
    h = {key(c): (c.value, c.status) for c in html if c.table in ("二", "三", "四")}
    t = {key(c): (c.value, c.status) for c in txt if c.table in ("二", "三", "四")}
    assert h == t and len(h) == 197


def test_field_labels_are_stripped_from_agency_names():
    assert strip_field_label("名称沭阳县发展和改革局") == "沭阳县发展和改革局"
    assert strip_field_label("发布机构：区执法应急局") == "区执法应急局"
    assert strip_field_label("来源:平潭综合实验区公安局") == "平潭综合实验区公安局"


def test_agency_with_glued_field_label_in_metadata():
    from ingest.load import load_bytes

    text = ("标题: 沭阳县发展和改革局2023年政府信息公开工作年度报告\n发布机构: 名称沭阳县发展和改革局\n"
            "一、总体情况\n2023年，本机关认真贯彻政府信息公开条例。\n")
    doc = load_bytes(text.encode("utf-8"), "x.txt", "txt")
    assert extract_meta(doc).agency == "沭阳县发展和改革局"
    text2 = "发布机构: 名称沭阳县发展和改革局\n一、总体情况\n政府信息公开工作年度报告正文。\n"
    assert extract_meta(load_bytes(text2.encode("utf-8"), "y.txt", "txt")).agency == "沭阳县发展和改革局"


@needs_corpus
def test_crawled_page_is_reduced_to_the_report_body(parsed):
    doc, meta, _, _ = parsed("pingtan-hzs-2025.html")
    for chrome in ("头部开始", "网站标识码", "闽ICP备", "热门搜索", "gklist"):
        assert chrome not in doc.text
    assert doc.text.startswith("标题: 平潭综合实验区行政审批局2025年政府信息公开工作年度报告")
    assert "发布机构: 区行政审批局" in doc.text and "六、其他需要报告的事项" in doc.text
    twin = load_file(CORPUS / "pingtan-hzs-2025.txt")
    body = twin.text.split("正文 ====================", 1)[1]
    strip = lambda s: "".join(ch for ch in s if ch.isdigit())  # noqa: E731
    assert strip(doc.text.split("发布机构: 区行政审批局", 1)[1]) == strip(body)


@needs_corpus
def test_prose_findings_over_the_whole_corpus_are_the_true_ones():
    """zhz-2024's prose contradicts its table, and so does 上海市人民政府办公厅 2019's (the issue's own
    example: 予以公开及部分公开258件 in the text, 258+12+1+1+3 = 275 in 表三 whose 总计 cells are blank;
    无法提供265件 vs 337); 洪泽区's one-office sentence, Shanghai 2025's "未发生…行政复议纠错或行政诉讼败诉"
    and 沭阳's 受理 (new + 上年结转) are not contradictions."""
    from ingest.validate import validate_prose

    hits = {}
    for p in sorted(CORPUS.iterdir()):
        if p.name == "SOURCES.md":
            continue
        doc = load_file(p)
        cells, _ = parse_tables(doc, [], extract_meta(doc).template)
        f = validate_prose(cells, doc.text)
        if f:
            hits[p.name] = [x.message for x in f]
    assert sorted(hits) == ["pingtan-zhz-2024.txt", "shanghai-szfbgt-2019.html"], hits
    assert [m[-12:] for m in hits["shanghai-szfbgt-2019.html"]] == ["表三予以公开及部分公开合计275件"[-12:], "表三无法提供合计337件"[-12:]]


def test_prose_vocabulary_skips_one_office_and_outcome_statements():
    from ingest.prose_facts import extract

    assert [(f.metric, f.value) for f in extract("2024年,区政府办共受理政府信息公开申请17件。")] == []
    assert [(f.metric, f.value) for f in extract("全年未发生因依申请公开被行政复议纠错或行政诉讼败诉。")] == []
    got = {(f.metric, f.value) for f in extract("本年度我局共收到政府信息公开申请12件,不予公开3件,结转下年度继续办理2件,"
                                                 "行政复议1件,行政诉讼2件。")}
    assert got == {("new", 12), ("refused", 3), ("carried_forward", 2), ("review", 1), ("litigation", 2)}
