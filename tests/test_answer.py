"""qa.answer on the real corpus: the whole dev set, plus the cases issue 4 names."""
from __future__ import annotations

import json

import pytest


from conftest import BACKENDS, CORPUS, DEV_QUESTIONS, needs_corpus, stored_settings

pytestmark = needs_corpus


@pytest.fixture(scope="module", params=BACKENDS)
def home(request, tmp_path_factory):
    """The corpus, stored once per database (SQLite, PostgreSQL): the same answers from each."""
    return stored_settings(request, tmp_path_factory, "home", [CORPUS])


def ask(q, home):
    from qa import answer

    return answer(q, settings=home)


def _dev():
    if not DEV_QUESTIONS.exists():
        return []
    return [json.loads(line) for line in DEV_QUESTIONS.read_text("utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("item", _dev(), ids=lambda d: d["id"])
def test_dev_question(home, item):
    a = ask(item["question"], home)
    exp = item["expected"]
    if "value" in exp:
        assert a.value is not None and float(a.value) == pytest.approx(float(exp["value"])), a.text
    elif exp.get("not_found"):
        assert a.kind == "not_found", a.text
    else:
        assert all(s in a.text for s in exp["contains"]), a.text
    if item["report"]:
        assert any(c.source == item["report"] for c in a.citations), [c.source for c in a.citations]
    if a.kind in ("table", "derived") and item["report"]:
        cited = [c for c in a.citations if c.source == item["report"]]
        assert all(c.table and c.row and c.column for c in cited)


def test_table_answer_cites_row_and_column(home):
    a = ask("泰安市行政审批服务局2024年因属于国家秘密不予公开的申请有几件？", home)
    assert a.kind == "table" and a.value == 1
    c = a.citations[0]
    assert (c.source, c.table, c.row, c.column) == (
        "003_67b517500533bac5.txt", "三", "(三)不予公开/1.属于国家秘密", "总计")
    assert c.quote == "1" and c.line_no is not None


def test_refused_is_sum_of_subrows_with_companions(home):
    a = ask("泰安市行政审批服务局2024年不予公开的申请有多少件？", home)
    assert a.value == 2 and a.kind == "derived"
    assert "无法提供" in a.text and "18" in a.text  # shown beside it
    assert {c.row for c in a.citations} >= {"(三)不予公开/1.属于国家秘密", "(三)不予公开/8.属于行政查询事项"}


def test_english_question(home):
    a = ask("How many requests did 淮安市人民政府 partly grant in 2024?", home)
    assert a.value == 454 and a.language == "en"
    assert "454" in a.text and "partly" in a.text.lower()


@pytest.mark.parametrize("name", ["马尚街道", "马尚街道办事处", "张店区马尚街道", "张店区人民政府马尚街道办事处"])
def test_loose_agency_names_resolve_to_one_report(home, name):
    a = ask(f"{name}2023年新收政府信息公开申请多少件？", home)
    assert a.value == 3
    assert a.citations[0].source == "000_17b09857f7c7bcdc.txt"


def test_traditional_source_asked_in_simplified_and_traditional(home):
    assert ask("马尚街道办事处2023年行政复议尚未审结几件？", home).value == 1
    assert ask("馬尚街道辦事處2023年行政複議尚未審結幾件？", home).value == 1


def test_report_failing_its_arithmetic_comes_with_a_warning(home):
    a = ask("洪泽区2023年行政复议总计几件？", home)
    assert a.value == 0  # what the report says
    assert any("11" in w for w in a.warnings), a.warnings  # its parts add up to 11


def test_blank_total_is_derived_and_marked(home):
    a = ask("上海市人民政府办公厅2019年予以公开的申请有多少件？", home)
    assert a.kind == "derived" and a.value == 258 + 12 + 1 + 1
    assert any("空" in w or "blank" in w for w in a.warnings)


def test_aggregate_across_reports(home):
    a = ask("2024年哪个机关收到的申请最多？", home)
    assert a.kind == "aggregate" and "淮安市人民政府" in a.text and a.value == 3119
    assert len({c.source for c in a.citations}) > 1


def test_compare_two_years(home):
    a = ask("平潭综合实验区2023年到2024年新收申请增加了多少？", home)
    assert a.kind == "derived" and a.value == 218 - 81


@pytest.mark.parametrize("q", ["北京市海淀区2024年新收政府信息公开申请多少件？", "洪泽区2019年予以公开多少件？",
                               "How many requests did 广州市天河区人民政府 receive in 2024?"])
def test_absent_agency_or_year_is_not_found(home, q):
    a = ask(q, home)
    assert a.kind == "not_found" and a.value is None


def test_absent_year_lists_what_is_there(home):
    a = ask("洪泽区2021年新收政府信息公开申请多少件？", home)
    assert "2023" in a.text and "2024" in a.text


def test_ocr_agency_name_matches_with_a_note(home):
    a = ask("沭阳县人民政府2025年新收政府信息公开申请多少件？", home)
    assert a.value == 713 and a.warnings


def test_prose_number_with_unit(home):
    a = ask("阿尔丁大街街道2024年微信公众号发文多少篇？", home)
    assert a.kind == "prose" and a.value == 550 and a.unit == "篇"
    assert "发文550篇" in a.citations[0].quote


def test_findings_question_lists_broken_reports(home):
    a = ask("哪些报告的数据勾稽关系不成立？", home)
    assert a.kind == "findings"
    assert "淮安市洪泽区人民政府 2023" in a.text and "平潭综合实验区 2020" in a.text


def test_warm_table_question_is_fast(home):
    """Not a timing assertion: checks the answer reports its own duration (benchmarks measure speed)."""
    a = ask("淮安市人民政府2024年上年结转的申请有多少件？", home)
    assert a.seconds is not None and a.value == 34


def test_to_dict_is_json(home):
    a = ask("淮安市人民政府2024年行政规范性文件本年废止件数是多少？", home)
    d = a.to_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["value"] == 26 and d["citations"][0]["row"].endswith("行政规范性文件")
