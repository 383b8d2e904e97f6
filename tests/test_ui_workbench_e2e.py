"""End to end, the chat as a staff workbench, in headless Chromium over the real ``qa.answer``:
a question and its follow-up (the inherited answer and its cited cell), 报告对比 of one agency's
two years (a highlighted changed cell that opens its source), a chart for a series question,
and the switch to English (no doubled "中文 English" labels anywhere).

The home holds the bundled sample plus 平潭综合实验区's reports of 2021–2025 from the corpus;
expected figures are the hand-read ones in tests/fixtures/expected_cells.json. Writes
docs/screenshot-followup.png, docs/screenshot-compare.png, docs/screenshot-chart.png and
docs/screenshot-english.png. Run: ``pytest -m slow tests/test_ui_workbench_e2e.py``.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from pathlib import Path

import pytest

from conftest import CORPUS, needs_corpus
from test_app_e2e import _ask, _css, _free_port, _shot, _tab, _text, _view_source, _wait, _why

pytestmark = [pytest.mark.slow, needs_corpus] + ([pytest.mark.skip(reason=_why)] if _why else [])
EXPECTED = json.loads((Path(__file__).parent / "fixtures" / "expected_cells.json").read_text(encoding="utf-8"))
PINGTAN = [f"pingtan-syq-{y}.txt" for y in range(2021, 2026)]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _t3(year: int, row: str) -> int:
    return EXPECTED[f"pingtan-syq-{year}.txt"]["table3"][row]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import app
    from ingest.config import load_settings
    from ingest.pipeline import ingest_paths
    from qa import ui_data as D

    settings = dataclasses.replace(load_settings(tmp_path_factory.mktemp("home")), embed=False)
    D.ensure_sample(settings)
    summary = ingest_paths([CORPUS / f for f in PINGTAN], settings, progress=False)
    assert summary.added == len(PINGTAN) and not summary.errors
    demo = app.build_app(settings)
    port = _free_port()
    app.serve(demo, app.UIConfig(host="127.0.0.1", port=port), prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from test_app_e2e import browser as make  # the same Chromium set-up

    gen = make.__wrapped__(tmp_path_factory)
    driver = next(gen)
    yield driver
    try:
        next(gen)
    except StopIteration:
        pass


def _top(driver, el, below=None) -> None:
    """Scroll the chat so *el* is at its top (or, with *below*, so *below*'s top half shows too)."""
    driver.execute_script(
        "var el = arguments[0], below = arguments[1], p = el.parentElement;"
        "while (p && !(p.scrollHeight > p.clientHeight + 4 && /(auto|scroll)/.test(getComputedStyle(p).overflowY)))"
        "  p = p.parentElement;"
        "if (p) { var top = el.getBoundingClientRect().top - p.getBoundingClientRect().top - 10;"
        "  if (below) top = Math.max(top, below.getBoundingClientRect().top - p.getBoundingClientRect().top"
        "    - p.clientHeight + Math.min(below.getBoundingClientRect().height, p.clientHeight * .6));"
        "  p.scrollTop += top; }"
        "window.scrollTo(0, 0);", el, below)
    time.sleep(0.5)


def _doubled(text: str) -> list[str]:
    """The zh/en label pairs of the strings table that *text* shows side by side."""
    from qa.ui_text import STRINGS

    flat = re.sub(r"\s+", " ", text)
    out = []
    for zh, en in STRINGS.values():
        if not CJK.search(zh) or CJK.search(en) or len(en) < 3:
            continue
        if re.search(re.escape(zh) + r"\s*[(（]?\s*" + re.escape(en), flat, flags=re.I):
            out.append(f"{zh} {en}")
    return out


def test_follow_up_compare_chart_and_language(server, browser):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(server)
    _wait(d, lambda d: _css(d, "#gk-question textarea"), what="the app")
    _wait(d, lambda d: "10" in _text(_css(d, "#gk-stats")[0]), what="header counts")  # 5 sample + 5 平潭

    # 1. a question, then a follow-up that leans on it
    first = _ask(d, "平潭综合实验区2024年予以公开的申请有多少件？")
    assert _text(first.find_element(By.CSS_SELECTOR, ".gk-value")).strip() == str(_t3(2024, "granted"))  # 71
    follow = _ask(d, "那2023年呢？")
    assert _text(follow.find_element(By.CSS_SELECTOR, ".gk-value")).strip() == str(_t3(2023, "granted"))  # 22
    interp = _text(follow.find_element(By.CSS_SELECTOR, ".gk-interp"))
    assert "沿用上一问" in interp and "平潭综合实验区" in interp and "2023" in interp, interp
    assert "pingtan-syq-2023.txt" in _text(follow)
    suggested = [_text(a) for a in follow.find_elements(By.CSS_SELECTOR, "a.gk-ask")]
    assert suggested and all("平潭综合实验区" in q or "哪个机关" in q for q in suggested), suggested
    _view_source(d, follow, 1)
    hit = _wait(d, lambda d: (_css(d, "#gk-source td.gk-hit") or [None])[0], what="the cited cell")
    assert _text(hit).strip() == str(_t3(2023, "granted"))
    assert "予以公开" in _text(hit.find_element(By.XPATH, "./ancestor::tr[1]/th"))
    assert "pingtan-syq-2023.txt" in _text(_css(d, "#gk-source .gk-src-file")[0])
    _top(d, first, below=follow)
    _shot(d, "screenshot-followup.png")

    # a suggested next question is one click away
    before = len(_css(d, "#gk-chat .gk-answer"))
    link = follow.find_elements(By.CSS_SELECTOR, "a.gk-ask")[0]
    year = int(re.search(r"(20\d\d)年", _text(link)).group(1))
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    link.click()
    _wait(d, lambda d: len(_css(d, "#gk-chat .gk-answer")) > before, what="the suggested question's answer")
    time.sleep(0.5)
    nxt = _css(d, "#gk-chat .gk-answer")[-1]
    assert _text(nxt.find_element(By.CSS_SELECTOR, ".gk-value")).strip() == str(_t3(year, "granted"))

    # 2. a series question: a chart, the cells used and their CSV
    series = _ask(d, "平潭综合实验区2021到2025年新收申请分别多少")
    assert "gk-kind-series" in series.get_attribute("innerHTML")
    img = _wait(d, lambda d: next((e for e in _css(d, "#gk-chart img") if e.is_displayed()), None), what="the chart")
    assert img.size["width"] > 200 and img.size["height"] > 100
    rows = _wait(d, lambda d: _css(d, "#gk-cells tbody tr"), what="cells used")
    values = sorted(int(re.sub(r"\D", "", _text(r.find_elements(By.CSS_SELECTOR, "td")[0])) or 0) for r in rows)
    assert values == sorted(_t3(y, "new") for y in range(2021, 2026)), values  # 70 74 81 218 154
    assert _css(d, "#gk-cells-csv")[0].is_enabled()  # the CSV of exactly these cells (its content: test_ui_figures)
    d.execute_script("arguments[0].scrollIntoView({block: 'start'});", _css(d, "#gk-figures")[0])
    time.sleep(0.6)
    _shot(d, "screenshot-chart.png")

    # 3. 报告对比: 平潭 2024 vs 2025, a highlighted changed cell, its source, the cross-year checks
    d.execute_script("window.scrollTo(0, 0);")
    _tab(d, "报告对比")
    view = _wait(d, lambda d: next((e for e in _css(d, "#gk-compare .gk-cmp") if "平潭综合实验区" in _text(e)), None),
                 what="the comparison")
    changed = _wait(d, lambda d: _css(d, "#gk-compare td.gk-cmp-hit"), what="highlighted changed cells")
    new_total = next(td for td in changed
                     if "本年新收" in _text(td.find_element(By.XPATH, "./ancestor::tr[1]/th"))
                     and _text(td.find_element(By.XPATH, "./ancestor::tr[1]/td[1]")).strip() == "总计")
    row = new_total.find_element(By.XPATH, "./ancestor::tr[1]")
    cells = [_text(x).strip() for x in row.find_elements(By.CSS_SELECTOR, "td")]
    assert cells[1:] == [str(_t3(2024, "new")), str(_t3(2025, "new")), f"{_t3(2025, 'new') - _t3(2024, 'new'):+d}"]
    bg = new_total.value_of_css_property("background-color")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent"), bg
    assert "✓" in _text(view) and "上年结转" in _text(view)  # the carry checks, with verdicts
    new_total.find_element(By.CSS_SELECTOR, "a.gk-cell-link").click()
    hit = _wait(d, lambda d: (_css(d, "#gk-cmp-source td.gk-hit") or [None])[0], what="the compared cell's source")
    assert _text(hit).strip() == str(_t3(2025, "new"))
    assert "pingtan-syq-2025.txt" in _text(_css(d, "#gk-cmp-source")[0])
    d.execute_script("arguments[0].closest('.gk-table-wrap').scrollTop = "
                     "arguments[0].getBoundingClientRect().top - arguments[0].closest('.gk-table-wrap')"
                     ".getBoundingClientRect().top - 60; window.scrollTo(0, 0);", new_total)
    time.sleep(0.5)
    _shot(d, "screenshot-compare.png")

    # 4. one language at a time
    page = _text(_css(d, "body")[0])
    assert not _doubled(page), _doubled(page)
    _css(d, "#gk-lang")[0].click()
    _wait(d, lambda d: any(t.text.strip() == "Chat" for t in _css(d, "button[role=tab]")), what="English tabs")
    _wait(d, lambda d: "Compare" in _text(_css(d, "#gk-compare")[0]) or " vs " in _text(_css(d, "#gk-compare")[0]),
          what="the comparison in English")
    tabs = [t.text.strip() for t in _css(d, "button[role=tab]") if t.text.strip()]
    assert {"Chat", "Compare years", "Reports", "Upload"} <= set(tabs), tabs
    _tab(d, "Chat")
    _wait(d, lambda d: "Sources" in _text(_css(d, "#gk-chat")[0]), what="answers redrawn in English")
    time.sleep(0.8)
    chrome = [t.text for t in _css(d, "button[role=tab]")]
    assert _text(_css(d, "#gk-lang")[0]).strip() == "中文"  # the switch back names its language
    chrome += [_text(e) for e in _css(d, "#gk-send, #gk-clear, label span, .gk-panel-title, .gk-stats")]
    chrome += [e.get_attribute("placeholder") or "" for e in _css(d, "textarea, input")]
    chrome += [_text(e) for e in _css(d, "#gk-chat .gk-cites-h, #gk-chat .gk-interp-h, #gk-chat .gk-kind, "
                                          "#gk-chat .gk-suggest-h, #gk-chat .gk-cite-body dt")]
    chinese = [c for c in chrome if CJK.search(c or "") and not re.search(r"平潭|泰安|淮安|洪泽|马尚|阿尔丁", c)]
    assert not chinese, chinese  # the page's own words are English now (names and answers keep theirs)
    page = _text(_css(d, "body")[0])
    assert not _doubled(page), _doubled(page)
    assert "Understood as" in page and "理解为" not in page
    _top(d, _css(d, "#gk-chat .gk-answer")[-1])
    _shot(d, "screenshot-english.png")
    for tab, ready in (("Reports", "#gk-report-card .gk-dl"), ("Upload", "#gk-upload"), ("Compare years", "#gk-compare")):
        _tab(d, tab)
        _wait(d, lambda d: any(e.is_displayed() for e in _css(d, ready)), what=f"the {tab} tab")
        time.sleep(0.5)
        words = [_text(e) for e in _css(d, "label span, .gk-panel-title, .gk-upload-hint, #gk-reports th, "
                                           "#gk-report-card dt, #gk-compare thead th, .gk-cmp-sum, #gk-all-csv, "
                                           "#gk-dl-csv, #gk-findings-all")
                 if e.is_displayed()]
        chinese = [w for w in words if CJK.search(w) and not re.search(r"平潭|洪泽|泰安|淮安", w)]
        assert words and not chinese, (tab, chinese)
        assert not _doubled(_text(_css(d, "body")[0])), tab
