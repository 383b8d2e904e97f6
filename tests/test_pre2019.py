"""The pre-2019 统计表 / 附表 of every corpus report against values read off the documents by hand.

``fixtures/expected_new/<file>.json`` were written by colleagues reading each raw file (and its
HTML twin) by hand, independently of the parser: every indicator the table prints, with its
printed label, ordinal, unit, canonical id and one value per printed value column. 002 and
pingtan-syq-2018 are checked in ``test_tables_corpus.py`` (``expected_cells.json``).

Every cell must come back ``exact`` with the hand-read value, except the few listed in
``KNOWN_AMBIGUOUS``, which must be ``ambiguous`` and list the hand-read value among their readings.
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from ingest import templates as T
from ingest.indicators import core_label, match_indicator, parse_indicator_table, read_layout, readings_in_note
from ingest.load import load_file
from ingest.meta import extract_meta
from ingest.normalize import unify_width
from ingest.synth_pre2019 import regenerate
from ingest.tables import parse_tables

from conftest import CORPUS, needs_corpus

EXP_DIR = Path(__file__).parent / "fixtures" / "expected_new"
EXPECTED = {d["source"]: d for d in (json.loads(p.read_text("utf-8")) for p in sorted(EXP_DIR.glob("*.json")))
            if d.get("template") == "pre2019"}
CASES = sorted([(src, src) for src in EXPECTED] +
               [(twin, src) for src, d in EXPECTED.items() for twin in d.get("same_as") or ()])
# Cells no reading of the file can settle, with the reason; they must be ambiguous (never a guess).
KNOWN_AMBIGUOUS = {
    ("pingtan-syq-2013.txt", "政府公报公开"):
        "the TXT prints ONE figure ('条 0') for two columns; whitespace cannot say which cell is the "
        "blank one (the HTML twin shows it: 2013年度 0, 历年累计 blank), and no identity decides",
}
# every corpus report with a pre-2019 table (layouts for the generator)
LAYOUTS = ["002_ce2193055e7efe2f.txt", "pingtan-syq-2018.txt"] + [c[0] for c in CASES]


@pytest.fixture(scope="module")
def parsed():
    cache = {}

    def get(name):
        if name not in cache:
            doc = load_file(CORPUS / name)
            meta = extract_meta(doc)
            cells, findings = parse_tables(doc, [], meta.template)
            cache[name] = (doc, meta, [c for c in cells if c.table == "统计表"], findings)
        return cache[name]
    return get


def _rows(cells):
    """Cells grouped by printed row, in table order: [(row label, row id, {column: cell})]."""
    out, index = [], {}
    for c in cells:
        key = (c.row_id, c.row)
        if key not in index:
            index[key] = len(out)
            out.append((c.row, c.row_id, {}))
        out[index[key]][2][c.column] = c
    return out


def _norm(label: str) -> str:
    return core_label(unify_width(label))


def _fmt(v) -> str:
    return "空" if v is None else str(v)


@needs_corpus
@pytest.mark.parametrize("name,src", CASES)
def test_every_printed_indicator(parsed, name, src):
    exp = EXPECTED[src]
    doc, meta, cells, _ = parsed(name)
    assert meta.template == "pre2019"
    rows = _rows(cells)
    want = exp["indicators"]
    assert [core_label(r[0]) for r in rows] == [_norm(i["label"]) for i in want], "rows differ (missing, extra, order)"
    problems = []
    for (row, rid, by_col), ind in zip(rows, want):
        where = f"{ind['ordinal']}{ind['label']}"
        # the printed label is kept: ordinal and all
        if ind["ordinal"] and unify_width(ind["ordinal"]).strip() not in row:
            problems.append(f"{where}: ordinal lost from printed label {row!r}")
        if ind.get("canonical"):
            if rid != ind["canonical"]:
                problems.append(f"{where}: row_id {rid}, expected {ind['canonical']}")
        elif not rid.startswith("named:"):
            problems.append(f"{where}: mapped to {rid}, hand reader found no canonical id")
        for col, value in ind["values"].items():
            c = by_col.get(col)
            if c is None:
                problems.append(f"{where} / {col}: no cell")
                continue
            if ind.get("unit") and not c.note.endswith(f"unit {unify_width(ind['unit'])}"):
                problems.append(f"{where}: unit not kept ({c.note})")
            if (name, ind["label"]) in KNOWN_AMBIGUOUS:
                reading = [_fmt(ind["values"][k]) for k in exp["value_columns"]]
                if c.status != "ambiguous" or c.value is not None:
                    problems.append(f"{where} / {col}: should be ambiguous, got {c.value} {c.status}")
                elif tuple(reading) not in readings_in_note(c.note):
                    problems.append(f"{where} / {col}: hand-read {reading} not among the readings: {c.note}")
                continue
            if c.status != "exact" or c.value != value:
                problems.append(f"{where} / {col}: expected {value} exact, got {c.value} {c.status} ({c.note})")
            if "why:" not in c.note:
                problems.append(f"{where} / {col}: note does not say why ({c.note})")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@needs_corpus
@pytest.mark.parametrize("src", sorted(s for s, d in EXPECTED.items() if d.get("same_as")))
def test_html_gives_the_same_cells_as_the_text(parsed, src):
    """The crawled page's real <table> and the page text give the same indicators; where the text
    cannot decide (a blank cell in spaced text), the page's value is among the text's readings."""
    _, _, txt, _ = parsed(src)
    for twin in EXPECTED[src]["same_as"]:
        _, _, html, _ = parsed(twin)
        t = {(c.row_id, c.column_id): c for c in txt}
        h = {(c.row_id, c.column_id): c for c in html}
        assert t.keys() == h.keys()
        for key, tc in t.items():
            hc = h[key]
            assert core_label(tc.row) == core_label(hc.row) and tc.column == hc.column
            assert hc.status == "exact", (twin, key, hc.note)
            if tc.status == "exact":
                assert tc.value == hc.value, (key, tc.value, hc.value)
            else:
                row_cells = [h[(key[0], cid)] for cid in ("current", "cumulative") if (key[0], cid) in h]
                assert tuple(_fmt(c.value) for c in row_cells) in readings_in_note(tc.note), (key, tc.note)
        blank = [c for c in html if c.value is None]
        assert all(c.status == "exact" for c in blank)  # a blank 历年累计 stays blank (None), not 0


@needs_corpus
def test_glued_digits_split_by_identities_and_prose(parsed):
    _, _, cells, _ = parsed("pingtan-xian-2011.txt")
    web = {c.column_id: c for c in cells if c.row_id == "proactive_website"}
    assert (web["current"].value, web["cumulative"].value) == (418, 1509)
    assert web["current"].raw == "4181509"  # the next row's ordinal "2." is not a digit of the value
    assert "pre2019.proactive_channels" in web["current"].note
    _, _, cells, _ = parsed("pingtan-syq-2017.txt")
    tot = {c.column_id: c for c in cells if c.row_id == "proactive_total"}
    assert (tot["current"].value, tot["cumulative"].value) == (2122, 10037)
    assert "the text says" in tot["current"].note and "2122" in tot["current"].note


@needs_corpus
def test_prose_that_disagrees_with_the_table_is_a_finding(parsed):
    _, _, _, findings = parsed("pingtan-syq-2013.txt")
    got = {(f.row, f.reported, f.computed) for f in findings if f.rule == "pre2019.prose_vs_table"}
    assert got == {("主动公开信息数", "72804", "4970"), ("行政复议数", "0", "1")}
    for name in ("pingtan-xian-2011.txt", "pingtan-syq-2017.txt", "pingtan-gaj-2013.txt", "pingtan-jtj-2018.txt",
                 "pingtan-syq-2018.txt"):
        _, _, _, findings = parsed(name)
        assert not [f for f in findings if f.rule == "pre2019.prose_vs_table"], name


@needs_corpus
def test_cut_off_table_stores_what_is_there(parsed):
    _, _, cells, findings = parsed("pingtan-jiaoyu-2011.txt")
    rows = _rows(cells)
    assert [r[1] for r in rows] == ["proactive_total", "proactive_website", "proactive_gazette",
                                    "requests_received", "requests_in_person"]
    assert not any("附件" in c.row for c in cells)


def test_vocabulary_is_data(monkeypatch):
    """A new printed variant is one string in templates.PRE2019_INDICATORS."""
    assert match_indicator("依申请公开受理件数") is None
    entries = tuple(T.Indicator(i.id, i.label, i.keys + ("依申请公开受理件数",), i.ask, i.under, i.prose)
                    if i.id == "requests_received" else i for i in T.PRE2019_INDICATORS)
    monkeypatch.setattr(T, "PRE2019_INDICATORS", entries)
    assert match_indicator("依申请公开受理件数").id == "requests_received"
    # the longest key wins; "under" keeps a generic word where it belongs
    monkeypatch.undo()
    assert match_indicator("接受行政诉讼、举报数").id == "complaints"
    assert match_indicator("同意部分公开答复数").id == "partly_granted"
    assert match_indicator("其他") is None
    # question words route to the indicator
    ask = next(i for i in T.PRE2019_INDICATORS if i.id == "requests_received").ask
    assert any(re.search(a, "2013年收到多少申请") for a in ask)


@needs_corpus
def test_regenerated_layouts_never_give_a_wrong_exact_number():
    """Each corpus pre-2019 layout, refilled with fresh numbers that satisfy the identities:
    every cell comes back exact and right, or ambiguous — never exact and wrong."""
    rng = random.Random(20190)
    docs = [load_file(CORPUS / n) for n in LAYOUTS]
    total = right = ambiguous = 0
    wrong = []
    for k in range(200):
        doc = docs[k % len(docs)]
        new, truth, layout = regenerate(doc, rng)
        cells, _ = parse_indicator_table(new)
        rows = _rows(cells)
        data = [r for r in layout.rows if r.is_data]
        assert [core_label(r[0]) for r in rows] == [r.core for r in data], doc.source
        for i, (_, _, by_col) in enumerate(rows):
            for c in by_col.values():
                total += 1
                if c.status == "ambiguous":
                    ambiguous += 1
                elif c.value == truth[(i, c.column_id)]:
                    right += 1
                else:
                    wrong.append((doc.source, c.row, c.column, truth[(i, c.column_id)], c.value, c.note))
    print(f"\n200 regenerated pre-2019 reports, {total} cells: exact and right {right / total:.2%}, "
          f"ambiguous {ambiguous / total:.2%}, exact and wrong {len(wrong)}")
    assert not wrong, wrong[:5]
    assert right / total > 0.9


@needs_corpus
def test_every_corpus_layout_is_read():
    for name in LAYOUTS:
        layout = read_layout(load_file(CORPUS / name))
        assert layout is not None and sum(r.is_data for r in layout.rows) >= 5, name


def _grid_doc(rows):
    from ingest.load import load_bytes

    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    html = ("<html><body><p>平潭县某局2013年政府信息公开工作年度报告</p><p>政府信息公开情况统计表</p>"
            f"<table>{body}</table><p>附件下载</p></body></html>")
    return load_bytes(html.encode("utf-8"), "grid.html", "html")


def test_a_row_that_lost_its_label_is_inferred_only_when_an_identity_confirms_it():
    head = ["指标名称", "计量单位", "2013年度", "历年累计"]
    rows = [head, ["受理依申请公开信息总数", "条", "5", "9"], ["其中:1.当面申请数", "条", "2", "3"],
            ["", "条", "3", "6"], ["3.信函申请数", "条", "0", "0"], ["行政复议数", "件", "0", "0"]]
    cells, _ = parse_indicator_table(_grid_doc(rows))
    lost = [c for c in cells if not c.row]
    assert [(c.value, c.status) for c in lost] == [(3, "inferred"), (6, "inferred")]
    assert lost[0].row_id.startswith("named:") and "holds with it and fails without it" in lost[0].note
    rows[3] = ["", "条", "1", "1"]  # the identity no longer places it: say so, give no number
    cells, _ = parse_indicator_table(_grid_doc(rows))
    assert [(c.value, c.status) for c in cells if not c.row] == [(None, "ambiguous"), (None, "ambiguous")]
    # the labelled rows stay exact either way
    assert {c.status for c in cells if c.row} == {"exact"}


@pytest.mark.parametrize("question,first", [
    ("2013年收到多少申请", "requests_received"),
    ("平潭县2011年主动公开了多少条政府信息", "proactive_total"),
    ("2018年交通与建设局有几件行政诉讼", "litigation"),
    ("政府网站公开多少条", "proactive_website"),
    ("同意部分公开的有多少", "partly_granted"),
    ("收费减免金额是多少", "fee_waived"),
])
def test_questions_route_to_indicators(question, first):
    assert T.pre2019_asked(question)[0] == first


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_other_shapes_markdown_grid_and_one_row_per_line_over_a_page_break(fmt):
    """Shapes beyond the corpus: a Markdown grid (a blank cell stays blank), and one row per line
    as PDF text gives it, with the page footer in the middle of the table."""
    from ingest.load import load_bytes

    rows = [("主动公开信息数", "条", "120", "800"), ("其中：1.政府网站公开数", "条", "110", "700"),
            ("2.政府公报公开数", "条", "", "10"), ("受理政府信息公开申请总数", "件", "5", "9"),
            ("其中：1.当面申请数", "件", "2", "4"), ("2.网上申请数", "件", "3", "5"), ("行政复议数", "件", "0", "1")]
    head = "某县某局2015年政府信息公开工作年度报告\n2015年主动公开政府信息120条。\n"
    if fmt == "md":
        body = "| 指标名称 | 计量单位 | 2015年度 | 历年累计 |\n| --- | --- | --- | --- |\n" + "".join(
            f"| {' | '.join(r)} |\n" for r in rows)
    else:
        lines = [" ".join(x for x in r if x) for r in rows]
        body = "指标名称 计量单位 2015年度 历年累计\n" + "\n".join(lines[:3] + ["- 3 -"] + lines[3:]) + "\n第 4 页\n"
    cells, _ = parse_indicator_table(load_bytes((head + body).encode(), f"x.{fmt}", fmt))
    got = {(c.row_id, c.column_id): (c.value, c.status) for c in cells}
    assert got[("proactive_website", "cumulative")] == (700, "exact")
    assert got[("requests_online", "current")] == (3, "exact")
    assert got[("review", "cumulative")] == (1, "exact")
    assert len(cells) == 14
    # a bordered pipe row with a blank last cell: the loader keeps the empty cell, so the grid shows
    # which column the figure stands in
    if fmt == "md":
        cells, _ = parse_indicator_table(load_bytes((head + body.replace("| 条 |  | 10 |", "| 条 | 10 |  |"))
                                                    .encode(), "y.md", "md"))
        moved = {(c.row_id, c.column_id): (c.value, c.status) for c in cells}
        assert moved[("proactive_gazette", "current")] == (10, "exact")
        assert moved[("proactive_gazette", "cumulative")] == (None, "exact")
    gazette = (got[("proactive_gazette", "current")], got[("proactive_gazette", "cumulative")])
    if fmt == "md":
        assert gazette == ((None, "exact"), (10, "exact"))  # the grid shows which cell is blank
    else:
        assert gazette == ((None, "ambiguous"), (None, "ambiguous"))  # spaced text cannot


def test_glued_rows_without_units_dashes_and_a_surprising_ordinal():
    from ingest.load import load_bytes

    text = ("某县2011年政府信息公开工作年度报告。2011年主动公开政府信息425条。\n"
            "指标名称2011年度历年累计主动公开信息数4251516其中:1.网站公开41815092.政府公报公开77"
            "受理依申请公开信息总数00行政复议数件 — — 行政诉讼数件1257.行政申诉数件00\n")
    cells, _ = parse_indicator_table(load_bytes(text.encode(), "g.txt", "txt"))
    got = {(c.row_id, c.column_id): (c.value, c.status) for c in cells}
    assert got[("proactive_website", "current")] == (418, "exact")
    assert got[("proactive_gazette", "cumulative")] == (7, "exact")
    assert got[("review", "current")] == (None, "exact") and got[("review", "cumulative")] == (None, "exact")
    # "7." is no ordinal this table expects: the split of "1257" is a guess, so no number is given
    assert got[("litigation", "current")] == (None, "ambiguous")
    assert "guessed" in next(c.note for c in cells if c.row_id == "litigation")
    assert got[("complaints", "current")] == (0, "exact")


@needs_corpus
def test_stored_indicators_answer_by_canonical_id(tmp_path):
    """Through the store, the router's indicator ids reach the 本年度 cell (qa.lookup)."""
    from dataclasses import replace as dc_replace

    from ingest.config import load_settings
    from ingest.pipeline import ingest_paths
    from ingest.store import Store
    from qa.lookup import pre2019_figure

    settings = dc_replace(load_settings(tmp_path / "home"), embed=False)
    store = Store(tmp_path / "db.sqlite3")
    ingest_paths([str(CORPUS / "pingtan-syq-2017.txt"), str(CORPUS / "pingtan-jtj-2018.txt")], settings,
                 progress=False, store=store)
    by_year = {r.year: r for r in store.reports()}
    fig = pre2019_figure(store, by_year[2017], ("proactive_total",), "zh")
    assert fig.value == 2122 and fig.cells[0].column_id == "current"
    q = "2018年收到多少申请"
    fig = pre2019_figure(store, by_year[2018], T.pre2019_asked(q), "zh")
    assert fig.value == 1
    stored = store.cells(report_id=by_year[2018].id, table="统计表")
    assert {c.column_id for c in stored} == {"current", "cumulative"}
    assert any(c.row == "接受行政申述、举报数" and c.row_id == "complaints" for c in stored)


OLD_EXPECTED = json.loads((Path(__file__).parent / "fixtures" / "expected_cells.json").read_text("utf-8"))


@needs_corpus
@pytest.mark.parametrize("name", sorted(n for n, e in OLD_EXPECTED.items() if e.get("pre2019_indicators")))
def test_first_pre2019_reports_every_indicator_exact(parsed, name):
    """002 and pingtan-syq-2018 (hand-read in expected_cells.json): every printed indicator is a
    row, exact, with its printed label; keys "父/子" name a sub-row, "…/历年累计" the second column."""
    _, _, cells, _ = parsed(name)
    rows = _rows(cells)
    keys = OLD_EXPECTED[name]["pre2019_indicators"]
    assert len(rows) == sum(1 for k in keys if not k.endswith("/历年累计"))
    problems = []
    for key, value in keys.items():
        parts = key.split("/")
        cumulative = parts[-1] == "历年累计"
        parts = parts[:-1] if cumulative else parts
        label, parent = _norm(parts[-1]), (_norm(parts[0]) if len(parts) > 1 else "")
        start = 0
        if parent:
            start = next(i for i, r in enumerate(rows) if core_label(r[0]).startswith(parent))
        hit = next((r for r in rows[start:] if core_label(r[0]) == label), None)
        if hit is None:
            problems.append(f"{key}: no row")
            continue
        c = [x for x in hit[2].values() if (x.column_id == "cumulative") == cumulative][0]
        if c.status != "exact" or c.value != value or parts[-1].split("(")[0] not in c.row:
            problems.append(f"{key}: expected {value} exact, got {c.value} {c.status} row {c.row!r}")
    assert not problems, "\n".join(problems)


def test_units_written_with_the_figures():
    from ingest.load import load_bytes

    spaced = "某局报告\n指标名称 2015年度 历年累计\n主动公开信息数 7条 30条\n行政复议数 1件 2件\n"
    grid = "某局报告\n| 指标名称 | 单位 | 数量 |\n| 主动公开信息数 | | 7条 |\n| 行政复议数 | 件 | 1 |\n"
    for text, fmt, want in [(spaced, "txt", {("proactive_total", "cumulative"): 30, ("review", "current"): 1}),
                            (grid, "md", {("proactive_total", "current"): 7, ("review", "current"): 1})]:
        cells, _ = parse_indicator_table(load_bytes(text.encode(), f"u.{fmt}", fmt))
        got = {(c.row_id, c.column_id): c for c in cells}
        for key, value in want.items():
            assert (got[key].value, got[key].status) == (value, "exact"), (fmt, key, got[key].note)
        assert all(c.note.endswith(("unit 条", "unit 件")) for c in cells)
