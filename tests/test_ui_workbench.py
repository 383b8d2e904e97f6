"""The chat as a workbench, without a browser: charts and the cells behind them, suggested next
questions (each one answered by the real engine), 报告对比 in the page, one language at a time,
and the background index loader. Over a home with the bundled sample and 平潭综合实验区's reports
of 2021–2025 and 洪泽区's of 2023–2024 from the corpus; expected figures from
tests/fixtures/expected_cells.json (read by hand)."""
from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path

import pytest

import app
from conftest import CORPUS, needs_corpus
from ingest.config import load_settings
from ingest.pipeline import ingest_paths
from ingest.store import Store
from qa import answer
from qa import ui_data as D
from qa import ui_figures as F
from qa import ui_render as R
from qa.ui_ready import Readiness
from qa.ui_text import STRINGS, examples, t

CJK = re.compile(r"[\u4e00-\u9fff]")
EXPECTED = json.loads((Path(__file__).parent / "fixtures" / "expected_cells.json").read_text(encoding="utf-8"))
PINGTAN = [f"pingtan-syq-{y}.txt" for y in range(2021, 2026)]
HONGZE = ["huaian-hongze-qu-2023.pdf", "huaian-hongze-qu-2024.pdf"]
SERIES_Q = "平潭综合实验区2021到2025年新收申请分别多少"


def _t3(source: str, row: str) -> int:
    return EXPECTED[source]["table3"][row]


# ------------------------------------------------------------------------------------ strings
def test_strings_are_one_language_each():
    for key, (zh, en) in STRINGS.items():
        assert zh and en, key
        if key.startswith(("example.", "suggest.")) or key in ("lang.switch", "chat.placeholder"):
            continue  # agency names are Chinese in both
        assert not CJK.search(en) or key == "lang.switch", (key, en)
        words = re.findall(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>|\{\w+\}", "", zh))
        assert not set(words) - {"gongkai", "CSV", "Excel", "txt", "docx", "html", "pdf", "Enter"}, (key, zh)
    assert t("lang.switch", "zh") == "English" and t("lang.switch", "en") == "中文"
    assert len(examples("zh")) == len(examples("en")) == 6
    assert all(CJK.search(q) and not re.search(r"\b(How|What|Which)\b", q) for q in examples("zh"))


def test_answer_labels_follow_the_page_language():
    a = {"question": "q", "text": "不予公开共 2 件。", "kind": "derived", "value": 2, "unit": "件",
         "citations": [{"source": "a.txt", "agency": "泰安市行政审批服务局", "year": 2024, "table": "三", "row": "r",
                        "column": "总计", "value": "2", "status": "inferred", "page": 3, "line_no": 9}],
         "interpretation": {"describe": "机关:泰安市行政审批服务局", "lang": "zh"}}
    zh, en = R.render_answer(a, 0, "zh"), R.render_answer(a, 0, "en")
    assert "来源 · 1" in zh and "理解为" in zh and "Sources" not in zh and "Understood" not in zh
    assert "Sources · 1" in en and "Understood as" in en and "来源 ·" not in en and "理解为" not in en
    assert "不予公开共 2 件。" in en  # the answer text keeps the question's language
    labels = re.findall(r"<dt>([^<]*)</dt>", en) + re.findall(r'class="gk-kind[^"]*">([^<]*)<', en)
    assert labels and not [x for x in labels if CJK.search(x)], labels


# ------------------------------------------------------------------------------------ corpus home
@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    s = dataclasses.replace(load_settings(tmp_path_factory.mktemp("home")), embed=False)
    D.ensure_sample(s)
    summary = ingest_paths([CORPUS / f for f in PINGTAN + HONGZE], s, progress=False)
    assert summary.added == len(PINGTAN + HONGZE) and not summary.errors
    return s


@pytest.fixture(scope="module")
def store(settings):
    return Store(settings.db_path)


@needs_corpus
def test_series_chart_and_cells_csv(settings, tmp_path):
    a = answer(SERIES_Q, settings=settings)
    assert a.kind == "series"
    want = [(y, _t3(f"pingtan-syq-{y}.txt", "new")) for y in range(2021, 2026)]  # 70 74 81 218 154
    assert [v for _, v in F.chart_points(a)] == [float(v) for _, v in want]
    fig = F.chart(a)
    ax = fig.axes[0]
    assert [round(p.get_height()) for p in ax.patches] == [v for _, v in want]
    assert ax.get_title() == "本年新收政府信息公开申请数量"
    cells = F.cells_used(a)
    assert [(c["year"], int(c["value"])) for c in cells] == want
    out = F.write_cells_csv(cells, tmp_path / "cells.csv")
    with open(out, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(F.CELL_COLUMNS)
    assert [(r[1], r[2], r[3], r[4], r[6]) for r in rows[1:]] == [
        ("平潭综合实验区", str(y), f"pingtan-syq-{y}.txt", "三", "总计") for y, _ in want]
    assert [int(r[0]) for r in rows[1:]] == [v for _, v in want] and all(r[7].isdigit() for r in rows[1:])


@needs_corpus
def test_ranking_has_a_chart_and_one_figure_has_none(settings):
    rank = answer("2024年哪个机关收到的申请最多？", settings=settings)
    points = F.chart_points(rank)
    assert rank.kind == "aggregate" and [v for _, v in points] == [218.0, 95.0, 26.0, 1.0]  # every 2024 report
    assert points[:2] == [("平潭综合实验区2024年", 218.0), ("淮安市洪泽区人民政府2024年", 95.0)]
    assert F.chart(rank) is not None
    one = answer("平潭综合实验区2024年予以公开的申请有多少件？", settings=settings)
    assert one.value == _t3("pingtan-syq-2024.txt", "granted") and F.chart(one) is None


@needs_corpus
def test_suggestions_are_questions_the_data_answers(settings, store):
    a = answer("洪泽区2023年行政复议总计几件？", settings=settings)
    years = [c.year for c in a.citations if c.year]
    asks = F.suggestions(a.plan, store.reports(), years)
    assert len(asks) >= 2 and any("2024" in q and "淮安市洪泽区人民政府" in q for q in asks), asks
    review_2024 = EXPECTED["huaian-hongze-qu-2024.pdf"]["table4"]["review"][4]
    for q in asks:
        b = answer(q, settings=settings)
        assert b.kind not in ("not_found", "ambiguous"), (q, b.text)
        if "淮安市洪泽区人民政府2024年" in q:
            assert b.value == review_2024  # 2
        if "哪个机关" in q:
            assert b.kind == "aggregate" and len(b.data) >= 2
    en = answer("How many requests did 淮安市洪泽区人民政府 receive in 2024?", settings=settings)
    asks = F.suggestions(en.plan, store.reports(), [2024])
    assert asks and all(q.startswith(("What", "Which")) for q in asks)
    for q in asks:
        assert answer(q, settings=settings).kind not in ("not_found", "ambiguous"), q


@needs_corpus
def test_chat_turn_shows_chart_suggestions_and_redraws_in_english(settings, store, tmp_path):
    ask = app.default_answer_fn(settings)
    out = app.chat_turn([{"role": "user", "content": [{"type": "text", "text": SERIES_Q}]}], [], None, [], "zh",
                        store=store, ask=ask, export_dir=tmp_path)
    history, answers, _, _, plan, shown, figures, fig, cells_html, csv_btn = out
    assert figures["visible"] is True and fig is not None
    assert cells_html.count("<tr>") == 6 and "pingtan-syq-2025.txt" in cells_html  # header + 5 cells
    assert Path(csv_btn["value"]).read_text(encoding="utf-8-sig").count("\n") == 6
    history = [*history, {"role": "user", "content": "平潭综合实验区2024年新收申请多少件？"}]
    out = app.chat_turn(history, answers, plan, shown, "zh", store=store, ask=ask, export_dir=tmp_path)
    assert '<span class="gk-value">218</span>' in out[0][-1]["content"]
    history = [*out[0], {"role": "user", "content": "那2023年呢？"}]
    out = app.chat_turn(history, out[1], out[4], out[5], "zh", store=store, ask=ask, export_dir=tmp_path)
    body = out[0][-1]["content"]
    assert '<span class="gk-value">81</span>' in body and "沿用上一问" in body  # 2023 new requests (hand-read 81)
    assert 'class="gk-ask"' in body and "接着问" in body
    assert out[6]["visible"] is False  # one figure: no chart
    english = app.redraw_chat(out[0], out[5], "en")
    assert "Sources · 1" in english[-1]["content"] and "Ask next" in english[-1]["content"]
    assert "来源 ·" not in english[-1]["content"] and english[0] == out[0][0]


@needs_corpus
def test_compare_in_the_page_and_its_cells_open_their_source(store):
    agency, ya, yb = app.compare_choices(None, store)
    assert set(agency["choices"]) == {"平潭综合实验区", "淮安市洪泽区人民政府"}
    agency, ya, yb = app.compare_choices("淮安市洪泽区人民政府", store)
    assert (ya["value"], yb["value"]) == (2023, 2024)
    html, cells = app.compare_view("淮安市洪泽区人民政府", 2023, 2024, False, store=store)
    # 表三 一、本年新收 总计: 21 → 95 (hand-read), highlighted, with its difference
    row = next(r for r in re.findall(r"<tr class=\"gk-changed\">.*?</tr>", html)
               if "本年新收" in r and ">总计<" in r)
    assert "gk-cmp-hit" in row and ">+74<" in row and ">21</a>" in row and ">95</a>" in row
    assert html.count("gk-verdict-ok") == 9  # 7 carry columns + 规章 + 行政规范性文件 in force
    only = app.compare_view("淮安市洪泽区人民政府", 2023, 2024, True, store=store)[0]
    assert only.count("<tr") < html.count("<tr") and "gk-cmp-hit" in only
    cell_id = re.search(r'href="#gk-cell-(\d+)"[^>]*>95</a>', row).group(1)
    source = app.compare_cell(cell_id, cells, store=store)
    assert re.search(r'<td class="gk-num gk-hit" id="gk-hit"[^>]*>95</td>', source)
    assert "huaian-hongze-qu-2024.pdf" in source
    en = app.compare_view("淮安市洪泽区人民政府", 2023, 2024, False, "en", store=store)[0]
    assert "cells changed" in en and "✓ consistent" in en and "个单元格" not in en
    assert "pick two different years" in app.compare_view("淮安市洪泽区人民政府", 2024, 2024, lang="en", store=store)[0]


@needs_corpus
def test_upload_stores_tables_at_once_and_embeds_later(settings, store):
    ready = Readiness(settings).start()
    assert ready.wait(60) and ready.snapshot().state == "off"  # embedding switched off here
    html, _ = app.upload([str(CORPUS / "pingtan-syq-2019.txt")], None, "en", settings=settings, store=store,
                         readiness=ready)
    assert "added" in html and "新增" not in html
    a = answer("平潭综合实验区2019年新收申请多少件？", settings=settings)
    assert a.value == _t3("pingtan-syq-2019.txt", "new")  # a table question, answered straight away
    assert 'data-state="off"' in R.render_ready(ready.snapshot())
    store.delete(store.reports(source="pingtan-syq-2019.txt")[0].id)


def test_ready_chip_says_what_is_loading():
    from qa.ui_ready import Status

    assert "索引准备中" in R.render_ready(Status("loading")) and "表格问题可以随时提问" in R.render_ready(Status("loading"))
    assert "索引准备中… 3/7" in R.render_ready(Status("embedding", 3, 7))
    assert "Preparing the index… 3/7" in R.render_ready(Status("embedding", 3, 7), "en")
    assert "已就绪" in R.render_ready(Status("ready")) and 'data-state="ready"' in R.render_ready(Status("ready"))
