"""End to end: the web UI in a real (headless) browser over the real ``qa.answer``.

Starts the app on a free port with a fresh home (the five bundled sample reports), then asks a
question and checks the big figure and its citation, opens the source view and checks the
highlighted cell, uploads a report (plus a file that is not one) and asks about it. Writes
docs/screenshot-chat.png, docs/screenshot-source.png and docs/screenshot-upload.png.

Needs Debian's ``chromium`` and ``chromium-driver`` (/usr/bin/chromium, /usr/bin/chromedriver),
the ``selenium`` package, and CJK fonts (``fonts-noto-cjk``) for readable screenshots. Skips,
saying why, when any of them (or ``qa.answer``) is missing. Run: ``pytest -m slow tests/test_app_e2e.py``.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import time
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, SAMPLE

pytestmark = pytest.mark.slow

CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser"))
                 if p and Path(p).exists()), None)
CHROMEDRIVER = next((p for p in (shutil.which("chromedriver"), "/usr/bin/chromedriver") if p and Path(p).exists()), None)
DOCS = ROOT / "docs"
WAIT = 90  # seconds for any one step (a first answer may load indexes)

Q_REFUSED = "泰安市行政审批服务局2024年不予公开的申请有多少件？"
Q_UPLOADED = "洪泽区2024年予以公开的申请有多少件？"
UPLOAD_PDF = CORPUS / "huaian-hongze-qu-2024.pdf"


def _requirements() -> str | None:
    if CHROMIUM is None:
        return "chromium not found (apt-get install chromium)"
    if CHROMEDRIVER is None:
        return "chromedriver not found (apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed (pip install selenium)"
    try:
        from qa import answer  # noqa: F401
    except ImportError as exc:
        return f"qa.answer is not available yet ({exc})"
    return None


_why = _requirements()
if _why:
    pytestmark = [pytest.mark.slow, pytest.mark.skip(reason=_why)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import app
    from ingest.config import load_settings
    from ingest.store import Store

    home = tmp_path_factory.mktemp("home")
    # no embedding during ingest: the questions here are table questions, answered from the store
    settings = dataclasses.replace(load_settings(home), embed=False)
    demo = app.build_app(settings)
    stored = sorted(r.source for r in Store(settings.db_path).reports())
    assert stored == sorted(p.name for p in SAMPLE.glob("*.txt")), "an empty home gets the bundled sample"
    port = _free_port()
    app.serve(demo, app.UIConfig(host="127.0.0.1", port=port), prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/", settings
    demo.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1440,1100", "--lang=zh-CN"):
        opts.add_argument(arg)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


# ------------------------------------------------------------------------------------ helpers
def _wait(driver, cond, timeout: float = WAIT, what: str = ""):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(cond, message=f"timed out waiting for {what}")


def _css(driver, sel):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, sel)


def _text(el) -> str:
    return el.get_attribute("textContent") or ""


def _tab(driver, word: str) -> None:
    """Click the tab named *word* (exactly: 报告 is not 报告对比)."""
    tab = _wait(driver, lambda d: next((t for t in _css(d, "button[role=tab]") if t.text.strip() == word), None),
                what=f"tab {word}")
    tab.click()


def _ask(driver, question: str):
    """Type *question*, send it, return the new answer bubble once it is there."""
    before = len(_css(driver, "#gk-chat .gk-answer"))
    box = _wait(driver, lambda d: next((e for e in _css(d, "#gk-question textarea") if e.is_enabled()), None),
                what="question box")
    box.clear()
    box.send_keys(question)
    _css(driver, "#gk-send")[0].click()
    _wait(driver, lambda d: len(_css(d, "#gk-chat .gk-answer")) > before, what=f"answer to {question}")
    time.sleep(0.5)  # let the bubble finish rendering
    return _css(driver, "#gk-chat .gk-answer")[-1]


def _view_source(driver, answer, number: int):
    """Open citation *number* of *answer* and press its 查看来源 link; wait for the panel."""
    from selenium.webdriver.common.by import By

    link = answer.find_element(By.CSS_SELECTOR, f'a.gk-view[href$="-{number}"]')
    details = [d for d in answer.find_elements(By.CSS_SELECTOR, "details")
               if d.find_elements(By.CSS_SELECTOR, f'a.gk-view[href$="-{number}"]')]
    for d in details:  # the outer "show more" first, then the citation itself
        if d.get_attribute("open") is None:
            d.find_element(By.CSS_SELECTOR, ":scope > summary").click()
    _wait(driver, lambda d: link.is_displayed(), what="view-source link")
    link.click()
    _wait(driver, lambda d: any(_text(e).strip() == str(number) for e in _css(d, "#gk-source .gk-src-head .gk-cite-n")),
          what=f"source panel for citation {number}")


def _shot(driver, name: str) -> Path:
    DOCS.mkdir(exist_ok=True)
    out = DOCS / name
    driver.save_screenshot(str(out))
    return out


# ------------------------------------------------------------------------------------ test
def test_chat_source_upload(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    url, settings = server
    d = browser
    d.get(url)
    _wait(d, lambda d: _css(d, "#gk-question textarea"), what="the app")
    assert "5" in _text(_css(d, "#gk-stats")[0])  # the bundled sample was ingested

    # 1. a table question: the figure, big, and its citation
    answer = _ask(d, Q_REFUSED)
    assert _text(answer.find_element(By.CSS_SELECTOR, ".gk-value")).strip() == "2"
    assert "003_67b517500533bac5.txt" in _text(answer)
    assert answer.find_elements(By.CSS_SELECTOR, "details.gk-cite"), "citations are expandable <details>"
    assert _css(d, "#gk-source .gk-hit"), "the first citation is shown in the source panel"
    first = answer.find_element(By.CSS_SELECTOR, "details.gk-cite > summary")
    first.click()  # expand the first source for the screenshot
    d.execute_script(  # the question and the answer's top in view, the page at its top
        "var el = arguments[0], p = el.parentElement;"
        "while (p && !(p.scrollHeight > p.clientHeight + 4 && /(auto|scroll)/.test(getComputedStyle(p).overflowY)))"
        "  p = p.parentElement;"
        "if (p) p.scrollTop += el.getBoundingClientRect().top - p.getBoundingClientRect().top - 110;"
        "window.scrollTo(0, 0);", answer)
    time.sleep(0.5)
    _shot(d, "screenshot-chat.png")

    # 2. the source view: another citation, then back to the first; the cited cell is highlighted
    _view_source(d, answer, 2)
    _view_source(d, answer, 1)
    hit = _wait(d, lambda d: (_css(d, "#gk-source td.gk-hit") or [None])[0], what="highlighted cell")
    assert _text(hit).strip() == "1"
    row = hit.find_element(By.XPATH, "./ancestor::tr[1]/th")
    assert "属于国家秘密" in _text(row)
    assert "gk-hit-row" in (hit.find_element(By.XPATH, "./ancestor::tr[1]").get_attribute("class") or "")
    bg = hit.value_of_css_property("background-color")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent"), f"highlight has no background ({bg})"
    assert _css(d, "#gk-source mark.gk-mark"), "the source line is shown with the cell's text marked"
    d.execute_script("window.scrollTo(0, 0);")
    time.sleep(0.6)  # the panel scrolls the highlighted cell into view
    _shot(d, "screenshot-source.png")

    # 3. upload a report and a file that is not one
    bad = tmp_path / "not-a-report.txt"
    bad.write_text("这不是年度报告。just some text, no tables.", encoding="utf-8")
    if UPLOAD_PDF.exists():
        good, question, expect, source = UPLOAD_PDF, Q_UPLOADED, "50", UPLOAD_PDF.name
    else:  # no corpus beside the checkout: a changed copy of a sample, under another name
        good = tmp_path / "uploaded-taian-2024.txt"
        good.write_text((SAMPLE / "003_67b517500533bac5.txt").read_text(encoding="utf-8") + "\n（网页上传副本）\n",
                        encoding="utf-8")
        question, expect, source = Q_REFUSED, "2", None
    _tab(d, "上传")
    inp = _wait(d, lambda d: (_css(d, "#gk-upload input[type=file]") or [None])[0], what="file input")
    inp.send_keys(f"{bad}\n{good}")
    status = _wait(d, lambda d: next((e for e in _css(d, "#gk-upload-status .gk-ingest") if good.name in _text(e)), None),
                   what="ingest outcome")
    text = _text(status)
    assert "not-a-report.txt" in text and "not a government information disclosure annual report" in text, text
    assert "新增" in text
    _wait(d, lambda d: "6" in _text(_css(d, "#gk-stats")[0]), what="header counts to refresh")
    time.sleep(0.5)
    _shot(d, "screenshot-upload.png")

    # the reports table lists it
    _tab(d, "报告")
    flt = _wait(d, lambda d: next((e for e in _css(d, "#gk-filter textarea, #gk-filter input") if e.is_displayed()), None),
                what="filter box")
    flt.send_keys(good.name[:12])
    _wait(d, lambda d: good.name in _text(_css(d, "#gk-reports")[0]), what="the uploaded report in the table")

    # 4. ask about the uploaded report
    _tab(d, "问答")
    answer = _ask(d, question)
    assert _text(answer.find_element(By.CSS_SELECTOR, ".gk-value")).strip() == expect
    if source:
        assert source in _text(answer)
