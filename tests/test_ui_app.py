"""The web UI without a browser: configuration, the store-side helpers (qa.ui_data) and the
event handlers of app.py, over a fresh home holding the bundled sample."""
from __future__ import annotations

import csv
import dataclasses
import threading
from types import SimpleNamespace

import pytest

import app
from conftest import CORPUS, SAMPLE
from ingest.config import load_settings
from ingest.store import Store
from qa import ui_data as D
from qa import ui_render as R
from qa.models import Answer, Citation

TAIAN = "003_67b517500533bac5.txt"
MASHANG = "000_17b09857f7c7bcdc.txt"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    s = dataclasses.replace(load_settings(tmp_path_factory.mktemp("home")), embed=False)
    summary = D.ensure_sample(s)
    assert summary is not None and summary.added == 5 and not summary.errors
    return s


@pytest.fixture(scope="module")
def store(settings):
    return Store(settings.db_path)


def _cell_citation(store: Store, source: str, table: str, row_prefix: str, column: str = "总计", **kw) -> Citation:
    r = store.reports(source=source)[0]
    c = next(c for c in store.cells(report_id=r.id, table=table) if c.row.startswith(row_prefix) and c.column == column)
    d = dict(source=c.source, agency=c.agency, year=c.year, page=c.page, table=c.table, row=c.row, column=c.column,
             quote=c.raw, value=str(c.value), status=c.status, report_id=c.report_id, start=c.start, end=c.end,
             line_no=c.line_no)
    d.update(kw)
    return Citation(**d)


def _passage_citation(store: Store, source: str, needle: str) -> Citation:
    r = store.get_report(store.reports(source=source)[0].id)
    i = r.text.index(needle)
    return Citation(source=source, agency=r.agency, year=r.year, section="一、总体情况", quote=needle,
                    report_id=r.id, start=i, end=i + len(needle))


def _fake(store: Store):
    def ask(question: str) -> Answer:
        if "boom" in question:
            raise RuntimeError("engine exploded")
        cites = [_cell_citation(store, TAIAN, "三", "(三)不予公开/1."), _cell_citation(store, TAIAN, "三", "(三)不予公开/8.")]
        return Answer(question, "不予公开共 2 件。", "derived", 2, "件", cites, ["分项之和 derived"])
    return ask


# ------------------------------------------------------------------------------------ config
def test_parse_args_defaults_env_and_flags():
    c = app.parse_args([], env={})
    assert (c.host, c.port, c.auth, c.home) == ("127.0.0.1", 7860, None, None)
    env = {"GONGKAI_UI_HOST": "0.0.0.0", "GONGKAI_UI_PORT": "8080", "GONGKAI_UI_USER": "u", "GONGKAI_UI_PASSWORD": "p"}
    c = app.parse_args([], env=env)
    assert (c.host, c.port, c.auth) == ("0.0.0.0", 8080, ("u", "p"))
    c = app.parse_args(["--host", "::1", "--port", "9000", "--user", "a", "--password", "b", "--home", "/x"], env=env)
    assert (c.host, c.port, c.auth, c.home) == ("::1", 9000, ("a", "b"), "/x")
    with pytest.raises(SystemExit):
        app.parse_args(["--user", "only"], env={})


def test_serve_passes_host_port_login_and_style():
    seen = {}
    fake = SimpleNamespace(launch=lambda **kw: seen.update(kw))
    app.serve(fake, app.UIConfig(host="0.0.0.0", port=1234, user="u", password="p"), quiet=True)
    assert seen["server_name"] == "0.0.0.0" and seen["server_port"] == 1234 and seen["auth"] == ("u", "p")
    assert ".gk-value" in seen["css"] and "gk-cite-req" in seen["head"] and seen["quiet"] is True
    app.serve(fake, app.UIConfig())
    assert seen["auth"] is None and seen["server_port"] == 7860


def test_main_ingests_the_sample_into_an_empty_home(tmp_path, monkeypatch):
    served = {}
    monkeypatch.setenv("GONGKAI_EMBED", "0")
    monkeypatch.setattr(app, "serve", lambda demo, config: served.update(demo=demo, config=config))
    assert app.main(["--home", str(tmp_path), "--port", "7999"]) == 0
    assert served["config"].port == 7999
    assert len(Store(tmp_path / "gongkai.sqlite3").reports()) == 5


# ------------------------------------------------------------------------------------ app
def test_build_app_and_its_concurrency(settings, store):
    import gradio as gr

    demo = app.build_app(settings, answer_fn=_fake(store))
    assert isinstance(demo, gr.Blocks)
    assert len(store.reports()) == 5  # not ingested twice
    fns = list(demo.fns.values()) if isinstance(demo.fns, dict) else list(demo.fns)
    assert demo._queue.default_concurrency_limit == app.ANSWER_CONCURRENCY
    uploads = [f for f in fns if f.concurrency_id == "ingest"]
    assert len(uploads) == 1 and uploads[0].concurrency_limit == 1
    answers = [f for f in fns if f.concurrency_id == "answer"]
    assert answers and all(f.concurrency_limit == "default" for f in answers)


def test_answer_turn_shows_answer_citations_and_source(store):
    history, answers = app.add_question("  泰安市行政审批服务局2024年不予公开的申请有多少件？ ", [])[1], []
    assert history == [{"role": "user", "content": "泰安市行政审批服务局2024年不予公开的申请有多少件？"}]
    history, answers, pick, source = app.answer_turn(history, answers, store=store, ask=_fake(store))
    assert history[-1]["role"] == "assistant" and '<span class="gk-value">2</span>' in history[-1]["content"]
    assert 'href="#gk-src-0-1"' in history[-1]["content"]
    assert len(answers) == 1 and answers[0][0]["source"] == TAIAN
    assert pick["value"] == "0:1" and len(pick["choices"]) == 2
    assert 'id="gk-hit"' in source and "属于国家秘密" in source
    # the chat's 查看来源 link for citation 2
    pick2, source2 = app.cite_requested("0:2", answers, store=store)
    assert pick2["value"] == "0:2" and '<span class="gk-cite-n">2</span>' in source2
    assert app.cite_picked("0:1", answers, store=store) == source
    assert app.cite_picked("7:1", answers, store=store) == R.EMPTY_SOURCE
    # clicking the answer in the chat lists its citations again
    pick3, _ = app.chat_selected(history, answers, SimpleNamespace(index=1), store=store)
    assert pick3["value"] == "0:1"
    assert app.chat_selected(history, answers, SimpleNamespace(index=0), store=store)[0] == {"__type__": "update"}


def test_answer_turn_survives_a_failing_engine(store):
    history = [{"role": "user", "content": "boom"}]
    history, answers, pick, source = app.answer_turn(history, [], store=store, ask=_fake(store))
    assert "engine exploded" in history[-1]["content"] and "gk-answer-error" in history[-1]["content"]
    assert answers == [[]] and pick["choices"] == [] and source == R.EMPTY_SOURCE
    assert app.add_question("   ", history) == ("", history)


def test_concurrent_questions_do_not_wait_for_each_other(store):
    """Every answer call waits at a barrier until all of them have started: if the chat
    serialised questions, the barrier would break instead of opening."""
    inner = _fake(store)
    barrier = threading.Barrier(app.ANSWER_CONCURRENCY, timeout=30)

    def ask(*args, **kwargs):
        barrier.wait()
        return inner(*args, **kwargs)

    errors: list[BaseException] = []
    results: list[str] = []

    def one() -> None:
        try:
            h, _, _, src = app.answer_turn([{"role": "user", "content": "q"}], [], store=store, ask=ask)
            results.append(src)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(app.ANSWER_CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == app.ANSWER_CONCURRENCY and all('id="gk-hit"' in r for r in results)


def test_real_answer_in_the_chat(settings, store):
    history = [{"role": "user", "content": "泰安市行政审批服务局2024年不予公开的申请有多少件？"}]
    history, answers, pick, source = app.answer_turn(history, [], store=store, ask=app.default_answer_fn(settings))
    assert '<span class="gk-value">2</span>' in history[-1]["content"]
    assert TAIAN in history[-1]["content"] and 'id="gk-hit"' in source


def test_follow_up_in_the_chat_inherits_and_new_chat_forgets(settings, store):
    ask = app.default_answer_fn(settings)
    history = [{"role": "user", "content": "泰安市行政审批服务局2024年不予公开的申请有多少件？"}]
    history, answers, _, _, plan = app.conversation_turn(history, [], None, store=store, ask=ask)
    assert plan is not None and plan.subjects[0].resolved == "泰安市行政审批服务局"
    history = [*history, {"role": "user", "content": "那予以公开呢？"}]
    history, answers, _, _, plan = app.conversation_turn(history, answers, plan, store=store, ask=ask)
    body = history[-1]["content"]
    assert '<span class="gk-value">1</span>' in body and "沿用上一问" in body and TAIAN in body  # 予以公开 1 (hand-read)
    *_, fresh = app.clear_chat()
    history, _, _, _, _ = app.conversation_turn([{"role": "user", "content": "那予以公开呢？"}], [], fresh,
                                                store=store, ask=ask)
    assert "gk-value" not in history[-1]["content"]  # nothing to lean on: no number


# ------------------------------------------------------------------------------------ source view
def test_source_view_of_a_table_cell(store):
    cite = _cell_citation(store, TAIAN, "三", "(三)不予公开/1.")
    other = _cell_citation(store, TAIAN, "三", "(三)不予公开/8.")
    html = D.source_view(store, cite, others=[cite, other], number=1)
    assert html.count('id="gk-hit"') == 1 and "gk-rel" in html
    assert "表三 依申请公开" in html and ">原文<" in html and '<mark class="gk-mark">1</mark>' in html
    en = D.source_view(store, cite, others=[cite, other], number=1, lang="en")
    assert "Table 3 · requests" in en and "Source text" in en and "原文" not in en
    # no span, a row label spelt differently: still found by row and column
    loose = dataclasses.replace(cite, start=None, end=None, row="（三）不予公开/1.属于国家秘密")
    assert 'id="gk-hit"' in D.source_view(store, loose)


def test_source_view_of_a_passage(store):
    cite = _passage_citation(store, MASHANG, "2023年度共发布政策解读2篇")
    html = D.source_view(store, cite)
    assert '<mark class="gk-mark">2023年度共发布政策解读2篇</mark>' in html and "gk-focus" in html
    assert html.count('class="gk-line') >= 5  # the lines around it
    by_quote = dataclasses.replace(cite, start=None, end=None, report_id=None)
    assert '<mark class="gk-mark">2023年度共发布政策解读2篇</mark>' in D.source_view(store, by_quote)


def test_source_view_of_a_missing_report(store):
    html = D.source_view(store, Citation(source="gone.pdf", report_id="0000000000000000"))
    assert "不在库中" in html


# ------------------------------------------------------------------------------------ reports
def test_reports_list_filter_tables_and_findings(store):
    rows = app.reports_view("", store=store)
    assert len(rows) == 5 and rows[0][-1] in {r.id for r in store.reports()}
    assert [r[3] for r in app.reports_view("泰安", store=store)] == [TAIAN]
    rid = store.reports(source=TAIAN)[0].id
    assert D.report_tables(store, rid) == ["二", "三", "四"]
    assert '<div class="gk-table-cap">表三 依申请公开</div>' in app.table_selected(rid, "三", store=store)
    summary, findings = app.findings_view(rid, False, store=store)
    assert "未发现问题" in summary and findings == []
    assert app.report_row_clicked(rows, SimpleNamespace(index=[0, 2])) == rows[0][-1]


def test_report_selected_offers_downloads(store, tmp_path):
    rid = store.reports(source=TAIAN)[0].id
    card, tables, table_html, summary, findings, dl_csv, dl_xlsx = app.report_selected(
        rid, False, store=store, export_dir=tmp_path)
    assert "泰安市行政审批服务局" in card and tables["value"] == "三" and "gk-table" in table_html
    with open(dl_csv["value"], encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["source", "agency", "year"] and len(rows) == 1 + len(store.cells(report_id=rid))
    from openpyxl import load_workbook

    wb = load_workbook(dl_xlsx["value"], read_only=True)
    assert wb.sheetnames == ["表二_主动公开", "表三_依申请公开", "表四_复议诉讼", "cells"]
    empty = app.report_selected(None, False, store=store, export_dir=tmp_path)
    assert empty[-1]["interactive"] is False


def test_export_all(store, tmp_path):
    out = D.export_all(store, "csv", tmp_path)
    assert out.exists() and sum(1 for _ in open(out, encoding="utf-8-sig")) == 1 + store.counts()["cells"]


# ------------------------------------------------------------------------------------ upload
def test_upload_bad_and_good_files(settings, store, tmp_path):
    bad = tmp_path / "not-a-report.txt"
    bad.write_text("只是一些文字。", encoding="utf-8")
    good = tmp_path / "taian-copy.txt"
    good.write_text((SAMPLE / TAIAN).read_text(encoding="utf-8") + "\n（副本）\n", encoding="utf-8")
    calls = []

    def progress(value, desc=None, **kw):
        calls.append((value, desc))

    before = store.counts()["reports"]
    html, cleared = app.upload([str(bad), SimpleNamespace(name=str(good))], progress, settings=settings, store=store)
    assert cleared is None
    reason = html.split("not-a-report.txt", 1)[1].split('<div class="gk-ingest-reason">', 1)[1].split("</div>", 1)[0]
    assert reason.strip()  # the refused file gets its one-line reason
    assert not bad.exists()  # a refused upload is deleted
    assert "taian-copy.txt" in html and '<span class="gk-muted">新增</span>' in html  # one language at a time
    assert f"another version of a stored report ({TAIAN})" in html  # the copy is a version of 泰安's report
    assert store.counts()["reports"] == before  # … not a second report
    assert calls[0][0] == 0 and calls[-1][0] == (2, 2)
    stats, rows, pick, *_ = app.refresh_all("copy", None, store=store, export_dir=tmp_path)
    assert f"<b>{before}</b>" in stats and [r[3] for r in rows] == ["taian-copy.txt"]  # the newest version
    assert pick["value"] in {v for _, v in pick["choices"]}
    store.delete(store.reports(source="taian-copy.txt")[0].id)
    assert [r.source for r in store.reports(source=TAIAN)] == [TAIAN]  # the first version is current again


@pytest.mark.skipif(not (CORPUS / "huaian-hongze-qu-2024.pdf").exists(), reason="corpus PDF not beside the checkout")
def test_upload_a_pdf(settings, store):
    pdf = CORPUS / "huaian-hongze-qu-2024.pdf"
    html, _ = app.upload([str(pdf)], None, settings=settings, store=store)
    assert "huaian-hongze-qu-2024.pdf" in html and "gk-ingest-ok" in html
    assert store.reports(source=pdf.name)
    store.delete(store.reports(source=pdf.name)[0].id)
