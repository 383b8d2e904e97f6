"""The gongkai web UI: ask questions in a browser and see where every figure comes from.

    python app.py [--host H] [--port P] [--user U --password P] [--home DIR]
    gongkai ui    [--host H] [--port P] [--home DIR]

Settings come from the flags, else ``GONGKAI_UI_HOST`` / ``GONGKAI_UI_PORT`` / ``GONGKAI_UI_USER``
/ ``GONGKAI_UI_PASSWORD`` (and ``GONGKAI_HOME`` for the data folder), else 127.0.0.1:7860 with
no login. A store with no reports gets the bundled sample reports on start.

This file is layout and wiring only: the HTML comes from :mod:`qa.ui_render`, store reads and
ingest from :mod:`qa.ui_data`, answers from ``qa.answer``. Handlers are plain (sync) functions, so
Gradio runs them in its worker thread pool; up to ``ANSWER_CONCURRENCY`` questions are answered at
once (the store gives each thread its own SQLite connection), while uploads are ingested one at a
time and never hold up questions.
"""
from __future__ import annotations

import argparse
import inspect
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from ingest.config import Settings, load_settings
from ingest.store import Store, open_store
from qa import ui_data as D
from qa import ui_figures as F
from qa import ui_render as R
from qa.ui_ready import Readiness
from qa.ui_style import CSS
from qa.ui_text import examples as examples_in
from qa.ui_text import norm_lang, t

log = logging.getLogger("gongkai.ui")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
ANSWER_CONCURRENCY = 8  # questions answered at the same time (Gradio worker threads)
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"]
EXAMPLES = examples_in("zh")

# A click on a citation's 查看来源 link in the chat puts "answer:citation" into a hidden textbox
# and presses a hidden button; the server then shows that source in the side panel.
HEAD_JS = """
<script>
document.addEventListener('click', function (e) {
  var a = e.target.closest && e.target.closest('a.gk-view');
  if (!a) return;
  e.preventDefault(); e.stopPropagation();
  var m = (a.getAttribute('href') || '').match(/gk-src-(\\d+)-(\\d+)/);
  var box = document.querySelector('#gk-cite-req textarea, #gk-cite-req input');
  var go = document.querySelector('#gk-cite-go');
  if (!m || !box || !go) return;
  box.value = m[1] + ':' + m[2];
  box.dispatchEvent(new Event('input', {bubbles: true}));
  setTimeout(function () { go.click(); }, 60);
  var panel = document.querySelector('#gk-source-col');
  if (panel && window.innerWidth < 1100) panel.scrollIntoView({behavior: 'smooth'});
}, true);
// a suggested next question under an answer: ask it
document.addEventListener('click', function (e) {
  var a = e.target.closest && e.target.closest('a.gk-ask');
  if (!a) return;
  e.preventDefault(); e.stopPropagation();
  var box = document.querySelector('#gk-question textarea');
  var go = document.querySelector('#gk-send');
  if (!box || !go) return;
  box.value = a.textContent;
  box.dispatchEvent(new Event('input', {bubbles: true}));
  setTimeout(function () { go.click(); }, 60);
}, true);
// a figure in 报告对比: show its cell in the comparison's source panel
document.addEventListener('click', function (e) {
  var a = e.target.closest && e.target.closest('a.gk-cell-link');
  if (!a) return;
  e.preventDefault(); e.stopPropagation();
  var m = (a.getAttribute('href') || '').match(/gk-cell-(\\d+)/);
  var box = document.querySelector('#gk-cmp-req textarea, #gk-cmp-req input');
  var go = document.querySelector('#gk-cmp-go');
  if (!m || !box || !go) return;
  box.value = m[1];
  box.dispatchEvent(new Event('input', {bubbles: true}));
  setTimeout(function () { go.click(); }, 60);
}, true);
// bring a newly shown highlighted cell into view inside its scrolling table
setInterval(function () {
  var hit = document.querySelector('#gk-hit:not([data-gk-seen])');
  if (!hit) return;
  hit.setAttribute('data-gk-seen', '1');
  var wrap = hit.closest('.gk-table-wrap');
  if (!wrap) return;
  var r = hit.getBoundingClientRect(), w = wrap.getBoundingClientRect();
  wrap.scrollTop += (r.top - w.top) - wrap.clientHeight / 2 + r.height / 2;
  wrap.scrollLeft += (r.left - w.left) - wrap.clientWidth / 2 + r.width / 2;
}, 250);
</script>
"""


# ------------------------------------------------------------------------------------ config
@dataclass(frozen=True)
class UIConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    user: str | None = None
    password: str | None = None
    home: str | None = None

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.user, self.password) if self.user and self.password else None


def parse_args(argv: Sequence[str] | None = None, env: dict[str, str] | None = None) -> UIConfig:
    env = dict(os.environ if env is None else env)
    p = argparse.ArgumentParser(prog="gongkai ui", description="Start the gongkai web UI (Gradio).")
    p.add_argument("--host", default=env.get("GONGKAI_UI_HOST") or DEFAULT_HOST,
                   help=f"address to listen on (default $GONGKAI_UI_HOST or {DEFAULT_HOST}; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=int(env.get("GONGKAI_UI_PORT") or DEFAULT_PORT),
                   help=f"port (default $GONGKAI_UI_PORT or {DEFAULT_PORT})")
    p.add_argument("--user", default=env.get("GONGKAI_UI_USER") or None, help="login name (default $GONGKAI_UI_USER)")
    p.add_argument("--password", default=env.get("GONGKAI_UI_PASSWORD") or None,
                   help="login password (default $GONGKAI_UI_PASSWORD); both --user and --password turn login on")
    p.add_argument("--home", default=None, help="data folder (default $GONGKAI_HOME or ~/.gongkai)")
    a = p.parse_args(list(argv) if argv is not None else None)
    if bool(a.user) != bool(a.password):
        p.error("--user and --password go together (or GONGKAI_UI_USER and GONGKAI_UI_PASSWORD)")
    return UIConfig(a.host, a.port, a.user, a.password, a.home)


# ------------------------------------------------------------------------------------ login
class LoginThrottle:
    """ASGI middleware: a brake on guessing the login password, per client address.

    After ``free_tries`` failed logins (Gradio answers 400) from one address, that address is
    locked out — every login it posts is answered 429 with ``Retry-After`` without being checked
    — for ``base_delay`` seconds, doubling with each further failure up to ``max_delay``. A
    successful login clears the count. Other clients and other requests are not affected.
    """

    def __init__(self, app: Any, free_tries: int = 5, base_delay: float = 2.0, max_delay: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app, self.free_tries, self.base_delay, self.max_delay, self.clock = (
            app, free_tries, base_delay, max_delay, clock)
        self._state: dict[str, tuple[int, float]] = {}  # client -> (failures, locked until)
        self._inflight: dict[str, int] = {}  # client -> tries sent and not answered yet
        self._lock = threading.Lock()

    def _client(self, scope: dict) -> str:
        client = scope.get("client")
        return str(client[0]) if client else "?"

    def retry_after(self, client: str) -> float:
        """Seconds *client* must still wait (0 when it may try)."""
        with self._lock:
            _, until = self._state.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def _admit(self, client: str) -> float:
        """0 and one more try in flight for *client*, or the seconds it must wait. Tries sent at
        once count as failures until they are answered, so a burst cannot outrun the count."""
        with self._lock:
            failures, until = self._state.get(client, (0, 0.0))
            wait = until - self.clock()
            if wait <= 0 and self._inflight.get(client, 0) >= max(1, self.free_tries - failures):
                wait = self.base_delay  # the free tries are all in flight (after a lock-out: one at a time)
            if wait > 0:
                return wait
            self._inflight[client] = self._inflight.get(client, 0) + 1
            return 0.0

    def _record(self, client: str, ok: bool | None) -> None:
        with self._lock:
            left = self._inflight.pop(client, 1) - 1
            if left > 0:
                self._inflight[client] = left
            if ok is None:  # neither a success nor a failed login (e.g. a malformed request)
                return
            if ok:
                self._state.pop(client, None)
                return
            failures = self._state.get(client, (0, 0.0))[0] + 1
            until = 0.0
            if failures >= self.free_tries:
                until = self.clock() + min(self.max_delay, self.base_delay * 2 ** (failures - self.free_tries))
            if len(self._state) > 10_000:  # forget clients that are not locked out
                now = self.clock()
                self._state = {k: v for k, v in self._state.items() if v[1] > now}
            self._state[client] = (failures, until)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST" or not scope.get("path", "").rstrip(
                "/").endswith("/login"):
            await self.app(scope, receive, send)
            return
        client = self._client(scope)
        wait = self._admit(client)
        if wait > 0:
            # the login page comes before any language choice: it is in the page's default language
            body = json.dumps({"detail": t("login.throttled", s=f"{wait:.0f}")}, ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                    (b"retry-after", str(int(wait) + 1).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        status: list[int] = []

        async def send_status(message: dict) -> None:
            if message.get("type") == "http.response.start":
                status.append(int(message.get("status", 0)))
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            code = status[0] if status else 0
            self._record(client, ok=True if 200 <= code < 300 else False if code in (400, 401, 403) else None)
        if code in (400, 401, 403):
            log.warning("failed login from %s", client)


# ------------------------------------------------------------------------------------ answering
AnswerFn = Callable[[str], Any]


def default_answer_fn(settings: Settings) -> AnswerFn:
    """``qa.answer`` over this home; imported on first use, so the UI starts without it."""
    def ask(question: str, previous: Any = None) -> Any:
        try:
            from qa import answer as fn  # the contract: ``answer(question, *, home=None) -> Answer``
        except ImportError as exc:
            raise RuntimeError("问答模块尚未安装 (qa.answer is not available yet)") from exc
        fn = fn if callable(fn) else fn.answer
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            params = {}
        extra = {"previous": previous} if "previous" in params else {}
        if "settings" in params:  # the same settings object the UI ingests with (embedding switch, model dir…)
            return fn(question, settings=settings, **extra)
        return fn(question, home=settings.home, **extra)

    return ask


# ------------------------------------------------------------------------------------ handlers
def _citations(answers: list, n: int) -> list[dict]:
    return answers[n] if 0 <= n < len(answers) else []


def _cite_choices(answers: list, n: int, lang: str = "zh") -> list[tuple[str, str]]:
    return [(R.citation_label(c, k, lang), f"{n}:{k}") for k, c in enumerate(_citations(answers, n), 1)]


def _source_for(store: Store, answers: list, key: str | None, lang: str = "zh") -> str:
    try:
        n, k = (int(x) for x in str(key or "").split(":"))
    except ValueError:
        return R.empty_source(lang)
    cites = _citations(answers, n)
    if not 1 <= k <= len(cites):
        return R.empty_source(lang)
    try:
        return D.source_view(store, cites[k - 1], others=cites, number=k, lang=lang)
    except Exception as exc:  # a broken citation must not break the page
        log.exception("source view failed")
        return R.render_notice(t("source.failed", lang, error=exc), "error")


def message_text(content: Any) -> str:
    """A chat message's text: Gradio 6 hands messages back as a list of parts
    (``[{"type": "text", "text": …}]``), a string when the handler made them."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or "")
    if isinstance(content, (list, tuple)):
        return "".join(message_text(p) for p in content)
    return "" if content is None else str(content)


def add_question(question: str, history: list) -> tuple[str, list]:
    question = (question or "").strip()
    if not question:
        return "", history
    return "", [*history, {"role": "user", "content": question}]


def answer_turn(history: list, answers: list, *, store: Store, ask: AnswerFn):
    """Answer the last user message; returns chat, answers, the citation picker and the source panel."""
    return conversation_turn(history, answers, None, store=store, ask=ask)[:4]


def conversation_turn(history: list, answers: list, plan: Any, *, store: Store, ask: AnswerFn, lang: str = "zh"):
    """:func:`answer_turn` in a conversation: the question may lean on the previous one's plan
    ("那2023年呢？"); returns the new plan as a fifth value (kept per browser session)."""
    return chat_turn(history, answers, plan, [], lang, store=store, ask=ask)[:5]


def _shown(result: Any, store: Store) -> dict:
    """What the chat keeps of one answer to draw it again (language switch, a click on it): the
    answer as data, and the next questions the stored reports can answer."""
    a = R.as_dict(result)
    plan = getattr(result, "plan", None)
    years = [d.get("year") for d in a.get("data") or [] if isinstance(d, dict) and isinstance(d.get("year"), int)]
    years += [c.get("year") for c in map(R.as_dict, a.get("citations") or []) if isinstance(c.get("year"), int)]
    try:
        suggest = F.suggestions(plan, store.reports(), years)
    except Exception:  # suggestions are a help, never a reason to lose the answer
        log.exception("suggestions failed")
        suggest = []
    return {"answer": a, "suggest": suggest}


def _bubble(shown: dict, n: int, lang: str) -> str:
    if shown.get("error") is not None:
        return R.render_error(shown.get("question", ""), shown["error"], lang)
    return R.render_answer(shown["answer"], answer_no=n, lang=lang,
                           extra=R.render_suggestions(shown.get("suggest") or [], lang))


def figures_view(shown: dict | None, n: int, lang: str = "zh", *, export_dir: Path | None = None):
    """The chart, the cells used and their CSV of one answer; hidden for answers without a chart."""
    answer = (shown or {}).get("answer") or {}
    fig = F.chart(answer) if answer else None
    if fig is None:
        return gr.update(visible=False), None, "", gr.update(value=None, interactive=False)
    cells = F.cells_used(answer)
    out = Path(export_dir or tempfile.mkdtemp(prefix="gongkai-ui-")) / f"answer-{n}" / f"gongkai-answer-{n + 1}-cells.csv"
    F.write_cells_csv(cells, out)
    return (gr.update(visible=True, label=t("chat.figures", lang)), fig,
            R.render_cells(cells, F.cell_headers(lang), F.CELL_COLUMNS),
            gr.update(value=str(out), interactive=True, label=t("btn.cells_csv", lang)))


def chat_turn(history: list, answers: list, plan: Any, shown: list, lang: str = "zh", *, store: Store,
              ask: AnswerFn, export_dir: Path | None = None):
    """Answer the last user message in the page's language *lang*: chat, answers (citations),
    citation picker, source panel, plan, shown answers, then the figures panel (4 values)."""
    lang = norm_lang(lang)
    if not history or history[-1].get("role") != "user":
        return (history, answers, gr.update(), gr.update(), plan, shown, gr.update(), gr.update(), gr.update(),
                gr.update())
    question = message_text(history[-1].get("content"))
    n = len(answers)
    try:
        try:
            takes_previous = "previous" in inspect.signature(ask).parameters
        except (TypeError, ValueError):
            takes_previous = False
        result = ask(question, previous=plan) if takes_previous else ask(question)
        new_plan = getattr(result, "plan", None)
        from qa.answering import remembered

        if remembered(new_plan):
            plan = new_plan
        item = _shown(result, store)
        cites = [R.as_dict(c) for c in item["answer"].get("citations") or []]
    except Exception as exc:
        log.exception("answer failed for %r", question)
        item, cites = {"question": question, "error": f"{exc.__class__.__name__}: {exc}"}, []
    answers = [*answers, cites]
    shown = [*list(shown or [])[:n], item]
    history = [*history, {"role": "assistant", "content": _bubble(item, n, lang)}]
    choices = _cite_choices(answers, n, lang)
    first = choices[0][1] if choices else None
    source = _source_for(store, answers, first, lang) if first else R.empty_source(lang)
    return (history, answers, gr.update(choices=choices, value=first), source, plan, shown,
            *figures_view(item, n, lang, export_dir=export_dir))


def cite_picked(key: str | None, answers: list, lang: str = "zh", *, store: Store) -> str:
    return _source_for(store, answers, key, lang) if key else R.empty_source(lang)


def cite_requested(key: str, answers: list, lang: str = "zh", *, store: Store):
    """A 查看来源 link in the chat: switch the picker to that answer and show the source."""
    try:
        n = int(str(key).split(":")[0])
    except ValueError:
        return gr.update(), gr.update()
    return gr.update(choices=_cite_choices(answers, n, lang), value=key), _source_for(store, answers, key, lang)


def chat_selected(history: list, answers: list, evt: Any, lang: str = "zh", *, store: Store):
    """Clicking an earlier answer in the chat lists that answer's citations."""
    index = evt.index if not isinstance(evt.index, (list, tuple)) else evt.index[0]
    if not isinstance(index, int) or not 0 <= index < len(history) or history[index].get("role") != "assistant":
        return gr.update(), gr.update()
    n = sum(1 for m in history[:index] if m.get("role") == "assistant")
    choices = _cite_choices(answers, n, lang)
    first = choices[0][1] if choices else None
    return (gr.update(choices=choices, value=first),
            (_source_for(store, answers, first, lang) if first else R.empty_source(lang)))


def clear_chat(lang: str = "zh"):
    """新对话: an empty chat and a conversation that remembers nothing."""
    return [], [], gr.update(choices=[], value=None), R.empty_source(lang), None


def redraw_chat(history: list, shown: list, lang: str = "zh") -> list:
    """The chat again in *lang* (after a language switch): questions as asked, answers re-rendered."""
    out, n = [], 0
    for m in history or []:
        if m.get("role") == "assistant":
            item = shown[n] if n < len(shown or []) else None
            out.append({"role": "assistant", "content": _bubble(item, n, lang) if item else m.get("content")})
            n += 1
        else:
            out.append(m)
    return out


# -- reports
def reports_view(query: str | None, lang: str = "zh", *, store: Store) -> list[list]:
    return R.filter_rows(D.report_rows(store, lang), query)


def report_selected(report_id: str | None, all_findings: bool = False, lang: str = "zh", *, store: Store,
                    export_dir: Path):
    """A report picked: its card, its tables (表三 first shown), findings, per-report downloads."""
    report = store.get_report(report_id) if report_id else None
    summary, rows = findings_view(report_id, all_findings, lang, store=store)
    if report is None:
        return (R.render_report_card(None, lang), gr.update(choices=[], value=None), "", summary, rows,
                gr.update(value=None, interactive=False), gr.update(value=None, interactive=False))
    tables = D.report_tables(store, report.id)
    first = "三" if "三" in tables else (tables[0] if tables else None)
    table_html = (D.table_html(store, report.id, first, lang) if first
                  else R.render_notice(t("reports.no_tables", lang), "warn"))
    out = export_dir / report.id
    csv_path = D.export_report(store, report.id, "csv", out)
    xlsx_path = D.export_report(store, report.id, "xlsx", out)
    return (R.render_report_card(report, lang),
            gr.update(choices=[(R.table_name(x, lang), x) for x in tables], value=first),
            table_html, summary, rows,
            gr.update(value=str(csv_path), interactive=True), gr.update(value=str(xlsx_path), interactive=True))


def findings_view(report_id: str | None, all_findings: bool, lang: str = "zh", *, store: Store) -> tuple[str, list[list]]:
    """The data-quality view: a summary line and the findings of the report (or of every report)."""
    if all_findings:
        rows = D.finding_rows(store, None, lang)
        scope = t("reports.all_scope", lang, n=store.counts()["reports"])
    elif report_id:
        rows = D.finding_rows(store, report_id, lang)
        scope = ""
    else:
        return R.render_notice(t("reports.none", lang), "info"), []
    return R.findings_summary([r[0] for r in rows], scope, lang), rows


def table_selected(report_id: str | None, table: str | None, lang: str = "zh", *, store: Store) -> str:
    if not report_id or not table:
        return ""
    return D.table_html(store, report_id, table, lang)


def report_row_clicked(rows: Any, evt: Any) -> Any:
    """A click on a row of the reports table selects that report (its ID is the last column)."""
    try:
        r = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        data = rows.values.tolist() if hasattr(rows, "values") else rows
        return data[r][-1]
    except (IndexError, TypeError, KeyError):
        return gr.update()


def header_html(store: Store, readiness: Readiness | None = None, lang: str = "zh") -> str:
    status = R.render_ready(readiness.snapshot(), lang) if readiness is not None else ""
    return R.header_stats(store.counts(), lang, status)


def refresh_all(query: str | None, current: str | None, lang: str = "zh", *, store: Store, export_dir: Path,
                readiness: Readiness | None = None):
    """After an ingest: the header counts, the reports table, the report picker, the export-all files."""
    choices = D.report_choices(store, lang)
    ids = {v for _, v in choices}
    value = current if current in ids else (choices[0][1] if choices else None)
    return (header_html(store, readiness, lang), reports_view(query, lang, store=store),
            gr.update(choices=choices, value=value), *export_all_files(store=store, export_dir=export_dir))


def export_all_files(*, store: Store, export_dir: Path):
    if not store.counts()["cells"]:
        return gr.update(value=None, interactive=False), gr.update(value=None, interactive=False)
    out = export_dir / "all"
    out.mkdir(parents=True, exist_ok=True)
    return (gr.update(value=str(D.export_all(store, "csv", out)), interactive=True),
            gr.update(value=str(D.export_all(store, "xlsx", out)), interactive=True))


# -- 报告对比
def compare_agencies(store: Store) -> dict[str, list[int]]:
    from qa.compare import agency_years

    return agency_years(store)


def compare_choices(agency: str | None, store: Store):
    """The agency picker and the two year pickers (the last two years of the agency picked)."""
    options = compare_agencies(store)
    if agency not in options:
        agency = next(iter(options), None)
    years = options.get(agency, []) if agency else []
    a, b = (years[-2], years[-1]) if len(years) >= 2 else (None, None)
    return (gr.update(choices=list(options), value=agency), gr.update(choices=years, value=a),
            gr.update(choices=years, value=b))


def compare_view(agency: str | None, year_a: Any, year_b: Any, only_changed: bool = False, lang: str = "zh", *,
                 store: Store) -> tuple[str, dict]:
    """报告对比 of *agency*'s two years, and its cells by id (for the source panel)."""
    from qa.compare import CompareError, compare
    from qa.lookup import cite

    if not compare_agencies(store):
        return R.render_notice(t("cmp.none", lang), "info"), {}
    if not agency or year_a in (None, "") or year_b in (None, ""):
        return R.render_notice(t("cmp.pick", lang), "info"), {}
    if int(year_a) == int(year_b):
        return R.render_notice(t("cmp.same_year", lang), "warn"), {}
    try:
        comparison = compare(store, agency, int(year_a), int(year_b))
    except CompareError as exc:
        return R.render_notice(str(exc), "warn"), {}
    cells = {str(c.id): R.as_dict(cite(c)) for rows in comparison.tables.values() for r in rows
             for c in (r.a, r.b) if c is not None and c.id is not None}
    cells.update({str(c.id): R.as_dict(cite(c)) for k in comparison.checks for c in k.cells if c.id is not None})
    return R.render_comparison(comparison, lang, only_changed), cells


def compare_cell(cell_id: str, cells: dict, lang: str = "zh", *, store: Store) -> str:
    """A figure clicked in 报告对比: its cell in its table, and the line it was read from."""
    c = (cells or {}).get(str(cell_id).strip())
    if c is None:
        return R.empty_source(lang)
    return D.source_view(store, c, lang=lang)


# -- upload
def _upload_dirs() -> list[Path]:
    """Where Gradio keeps uploads (``$GRADIO_TEMP_DIR``, else the system temp folder)."""
    dirs = [Path(tempfile.gettempdir())]
    if os.environ.get("GRADIO_TEMP_DIR"):
        dirs.insert(0, Path(os.environ["GRADIO_TEMP_DIR"]))
    return [d.resolve() for d in dirs]


def _discard_upload(path: str | Path) -> None:
    """Delete a refused upload from Gradio's temp folder (never a file outside it)."""
    try:
        real = Path(path).resolve()
        if real.is_file() and any(real.is_relative_to(d) for d in _upload_dirs()):
            real.unlink()
    except OSError:
        log.warning("could not delete refused upload %s", path)


def upload(files: Any, progress: Any = None, lang: str = "zh", *, settings: Settings, store: Store,
           readiness: Readiness | None = None):
    """Ingest uploaded files with a progress bar; returns the outcome and clears the upload box.

    With *readiness*, the tables are stored at once (table questions can be asked about them
    straight away) and the text is embedded in the background, the header showing its progress.
    A file over the size limit is refused from its size alone (it is never read); every refused
    upload is deleted from the temp folder (accepted ones are in the store by then)."""
    from ingest import load
    from ingest.pipeline import FileResult, IngestSummary

    paths = [getattr(f, "name", f) for f in (files if isinstance(files, list) else [files]) if f]
    if not paths:
        return gr.update(), gr.update()
    too_big: list[FileResult] = []
    for path in list(paths):
        try:
            size = os.stat(path).st_size
        except OSError:
            continue  # ingest says "no such file"
        if size > load.MAX_BYTES:
            too_big.append(FileResult(str(path), "error", f"file too large ({size / 1e6:.0f} MB > "
                                                         f"{load.MAX_BYTES / 1e6:.0f} MB limit)"))
            paths.remove(path)
            _discard_upload(path)
    if progress is not None:
        progress(0, desc=t("upload.progress", lang, n=len(paths) + len(too_big)))

    def step(done: int, total: int, result: Any) -> None:
        if progress is not None:
            progress((done, total), desc=f"{Path(result.path).name}", unit="files")

    try:
        summary = D.ingest_files(paths, settings, store=store, on_file=step, index=readiness is None) if paths \
            else IngestSummary(reports=store.counts()["reports"])
    except Exception as exc:  # nothing a bad upload does may take the app down
        log.exception("upload ingest failed")
        for path in paths:
            _discard_upload(path)
        return R.render_notice(t("upload.failed", lang, error=exc), "error"), None
    for r in summary.results:
        if r.status == "error":
            _discard_upload(r.path)
    if readiness is not None:
        readiness.index_later([r.report_id for r in summary.results
                               if r.status in ("added", "replaced") and getattr(r, "report_id", None)])
    summary.files += len(too_big)
    summary.results = too_big + summary.results
    summary.errors = [(r.path, r.reason) for r in too_big] + summary.errors
    return R.render_ingest(summary, lang), None


# ------------------------------------------------------------------------------------ layout
def _brand(lang: str) -> str:
    return (f'<div class="gk-brand"><div class="gk-logo">公</div><div><div class="gk-title">{R.esc(t("page.title", lang))}'
            f'</div><div class="gk-subtitle">{R.esc(t("page.subtitle", lang))}</div></div></div>')


def _source_title(lang: str) -> str:
    return (f'<div class="gk-panel-title">{R.esc(t("source.title", lang))}<span class="gk-muted"> · '
            f'{R.esc(t("source.hint", lang))}</span></div>')


def _upload_title(lang: str) -> str:
    return (f'<div class="gk-panel-title">{R.esc(t("upload.title", lang))}</div>'
            f'<div class="gk-muted gk-upload-hint">{R.esc(t("upload.hint", lang))}</div>')


def build_app(settings: Settings | None = None, *, ingest_sample: bool = True,
              answer_fn: AnswerFn | None = None, readiness: Readiness | None = None) -> Any:
    """The Gradio Blocks app over the store under ``settings.home`` (ingesting the bundled sample
    into an empty store first, unless *ingest_sample* is false). *answer_fn* replaces ``qa.answer``
    (tests). The embedding model and indexes load in the background (*readiness*, started here
    unless given). Launch it with :func:`serve`, which adds the theme, CSS and script."""
    settings = settings or load_settings()
    store = open_store(settings)
    if ingest_sample:
        summary = D.ensure_sample(settings, store, index=False)  # embedded in the background below
        if summary is not None:
            log.info("empty store: ingested the bundled sample\n%s", summary.render())
    if readiness is None:
        readiness = Readiness(settings).start()
    ask = answer_fn or default_answer_fn(settings)
    export_dir = Path(tempfile.mkdtemp(prefix="gongkai-ui-"))
    choices = D.report_choices(store)
    zh = "zh"

    with gr.Blocks(title="gongkai · " + t("page.title", zh), analytics_enabled=False, fill_width=True) as demo:
        lang = gr.State(zh)  # the page's language, per browser session
        with gr.Row(elem_id="gk-header", equal_height=True):
            brand = gr.HTML(_brand(zh))
            stats = gr.HTML(header_html(store, readiness, zh), elem_id="gk-stats")
            lang_btn = gr.Button(t("lang.switch", zh), size="sm", scale=0, min_width=90, elem_id="gk-lang")
        ticker = gr.Timer(1.0)

        with gr.Tabs(elem_id="gk-tabs"):
            # ---------------------------------------------------------------- chat
            with gr.Tab(t("tab.chat", zh), id="chat", elem_id="gk-tab-chat") as tab_chat:
                answers = gr.State([])
                shown = gr.State([])  # each answer as data (redrawn on a language switch)
                plan_state = gr.State(None)  # the last understood question: what a follow-up leans on
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1, min_width=420):
                        chat = gr.Chatbot(
                            value=[], elem_id="gk-chat", height=620, show_label=False, feedback_options=None,
                            buttons=["copy"], layout="bubble", autoscroll=True, line_breaks=False,
                            placeholder=f"<div class='gk-chat-empty'>{t('chat.empty', zh)}</div>")
                        with gr.Row(elem_id="gk-ask-row", equal_height=True):
                            question = gr.Textbox(placeholder=t("chat.placeholder", zh), show_label=False, scale=8,
                                                  lines=1, max_lines=4, elem_id="gk-question", autofocus=True)
                            send = gr.Button(t("btn.ask", zh), variant="primary", scale=1, min_width=96, elem_id="gk-send")
                            clear = gr.Button(t("btn.new_chat", zh), variant="secondary", scale=0, min_width=116,
                                              elem_id="gk-clear")
                        with gr.Accordion(t("chat.figures", zh), open=True, visible=False, elem_id="gk-figures") as figures:
                            plot = gr.Plot(show_label=False, elem_id="gk-chart")
                            cells_table = gr.HTML("", elem_id="gk-cells")
                            cells_csv = gr.DownloadButton(t("btn.cells_csv", zh), size="sm", interactive=False,
                                                          elem_id="gk-cells-csv")
                        examples = gr.Dataset(components=[gr.Textbox(visible=False)], samples=[[q] for q in EXAMPLES],
                                              label=t("chat.examples", zh), elem_id="gk-examples",
                                              samples_per_page=len(EXAMPLES), layout="gallery")
                    with gr.Column(scale=1, min_width=420, elem_id="gk-source-col"):
                        source_title = gr.HTML(_source_title(zh))
                        cite_pick = gr.Dropdown(choices=[], value=None, label=t("source.picker", zh),
                                                elem_id="gk-cite-pick", interactive=True, filterable=False)
                        source = gr.HTML(R.empty_source(zh), elem_id="gk-source")
                        cite_req = gr.Textbox(elem_id="gk-cite-req", elem_classes=["gk-hidden"], show_label=False,
                                              container=False)
                        cite_go = gr.Button("show", elem_id="gk-cite-go", elem_classes=["gk-hidden"])

            # ---------------------------------------------------------------- 报告对比
            with gr.Tab(t("tab.compare", zh), id="compare", elem_id="gk-tab-compare") as tab_compare:
                cmp_cells = gr.State({})
                agency0, ya0, yb0 = compare_choices(None, store)
                with gr.Row(equal_height=True):
                    cmp_agency = gr.Dropdown(choices=agency0["choices"], value=agency0["value"], label=t("cmp.agency", zh),
                                             scale=4, elem_id="gk-cmp-agency", filterable=True)
                    cmp_a = gr.Dropdown(choices=ya0["choices"], value=ya0["value"], label=t("cmp.year_a", zh), scale=1,
                                        elem_id="gk-cmp-a")
                    cmp_b = gr.Dropdown(choices=yb0["choices"], value=yb0["value"], label=t("cmp.year_b", zh), scale=1,
                                        elem_id="gk-cmp-b")
                    cmp_only = gr.Checkbox(False, label=t("cmp.only_changed", zh), scale=1, elem_id="gk-cmp-only")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        cmp_view = gr.HTML(R.render_notice(t("cmp.pick", zh), "info"), elem_id="gk-compare")
                    with gr.Column(scale=2, elem_id="gk-cmp-source-col"):
                        cmp_source_title = gr.HTML(_source_title(zh))
                        cmp_source = gr.HTML(R.empty_source(zh), elem_id="gk-cmp-source")
                        cmp_req = gr.Textbox(elem_id="gk-cmp-req", elem_classes=["gk-hidden"], show_label=False,
                                             container=False)
                        cmp_go = gr.Button("show", elem_id="gk-cmp-go", elem_classes=["gk-hidden"])

            # ---------------------------------------------------------------- reports
            with gr.Tab(t("tab.reports", zh), id="reports", elem_id="gk-tab-reports") as tab_reports:
                with gr.Row(equal_height=True):
                    flt = gr.Textbox(placeholder=t("reports.filter", zh), show_label=False, scale=6, elem_id="gk-filter")
                    all_csv = gr.DownloadButton(t("btn.export_all_csv", zh), scale=1, size="md", elem_id="gk-all-csv")
                    all_xlsx = gr.DownloadButton(t("btn.export_all_xlsx", zh), scale=1, size="md", elem_id="gk-all-xlsx")
                reports = gr.Dataframe(value=reports_view("", store=store), headers=D.report_headers(zh),
                                       interactive=False, wrap=True, max_height=320, elem_id="gk-reports",
                                       column_widths=["30%", "7%", "9%", "26%", "8%", "8%", "12%"],
                                       label=t("reports.label", zh))
                pick = gr.Dropdown(choices=choices, value=choices[0][1] if choices else None, label=t("reports.pick", zh),
                                   elem_id="gk-report-pick", filterable=True)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1, min_width=260):
                        card = gr.HTML(R.render_report_card(None, zh), elem_id="gk-report-card")
                        with gr.Row():
                            dl_csv = gr.DownloadButton(t("btn.csv", zh), size="md", interactive=False, elem_id="gk-dl-csv")
                            dl_xlsx = gr.DownloadButton(t("btn.xlsx", zh), size="md", interactive=False, elem_id="gk-dl-xlsx")
                    with gr.Column(scale=3):
                        with gr.Tabs():
                            with gr.Tab(t("tab.tables", zh)) as tab_tables:
                                table_pick = gr.Radio(choices=[], value=None, show_label=False, elem_id="gk-table-pick")
                                table_view = gr.HTML("", elem_id="gk-table-view")
                            with gr.Tab(t("tab.quality", zh)) as tab_quality:
                                with gr.Row(equal_height=True):
                                    findings_sum = gr.HTML("", elem_id="gk-findings-sum")
                                    all_findings = gr.Checkbox(False, label=t("reports.all", zh), scale=0,
                                                               min_width=200, elem_id="gk-findings-all")
                                findings = gr.Dataframe(value=[], headers=D.finding_headers(zh), interactive=False,
                                                        wrap=True, max_height=480, elem_id="gk-findings",
                                                        label=t("findings.label", zh))

            # ---------------------------------------------------------------- upload
            with gr.Tab(t("tab.upload", zh), id="upload", elem_id="gk-tab-upload") as tab_upload:
                upload_title = gr.HTML(_upload_title(zh))
                files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, label=t("upload.drop", zh),
                                elem_id="gk-upload", height=160)
                upload_status = gr.HTML("", elem_id="gk-upload-status")

        # ---------------------------------------------------------------- wiring
        private = dict(api_visibility="private")
        chat_out = [chat, answers, cite_pick, source, plan_state, shown, figures, plot, cells_table, cells_csv]
        turn = partial(chat_turn, store=store, ask=ask, export_dir=export_dir)
        chat_in = [chat, answers, plan_state, shown, lang]
        for trigger in (question.submit, send.click):
            trigger(add_question, [question, chat], [question, chat], queue=False, **private).then(
                turn, chat_in, chat_out, concurrency_id="answer", **private)
        examples.click(lambda s: s[0], [examples], [question], queue=False, **private).then(
            add_question, [question, chat], [question, chat], queue=False, **private).then(
            turn, chat_in, chat_out, concurrency_id="answer", **private)

        def _clear(lg: str):
            return (*clear_chat(lg), [], gr.update(visible=False), None, "",
                    gr.update(value=None, interactive=False))

        clear.click(_clear, [lang], chat_out, queue=False, **private)
        cite_pick.input(partial(cite_picked, store=store), [cite_pick, answers, lang], [source], **private)
        cite_go.click(partial(cite_requested, store=store), [cite_req, answers, lang], [cite_pick, source], **private)

        def _chat_select(history: list, ans: list, sh: list, lg: str, evt: gr.SelectData):
            index = evt.index if not isinstance(evt.index, (list, tuple)) else evt.index[0]
            pick_, src = chat_selected(history, ans, evt, lg, store=store)
            if not isinstance(index, int) or not 0 <= index < len(history) or history[index].get("role") != "assistant":
                return pick_, src, gr.update(), gr.update(), gr.update(), gr.update()
            n = sum(1 for m in history[:index] if m.get("role") == "assistant")
            return (pick_, src, *figures_view(sh[n] if n < len(sh) else None, n, lg, export_dir=export_dir))

        chat.select(_chat_select, [chat, answers, shown, lang], [cite_pick, source, figures, plot, cells_table, cells_csv],
                    **private)

        # 报告对比
        cmp_in = [cmp_agency, cmp_a, cmp_b, cmp_only, lang]
        show_compare = partial(compare_view, store=store)

        def _agency_picked(agency: str | None, only: bool, lg: str):
            a, ya, yb = compare_choices(agency, store)
            html, cells = show_compare(agency, ya["value"], yb["value"], only, lg)
            return ya, yb, html, cells

        cmp_agency.input(_agency_picked, [cmp_agency, cmp_only, lang], [cmp_a, cmp_b, cmp_view, cmp_cells], **private)
        for ctl in (cmp_a, cmp_b, cmp_only):
            ctl.input(show_compare, cmp_in, [cmp_view, cmp_cells], **private)
        cmp_go.click(partial(compare_cell, store=store), [cmp_req, cmp_cells, lang], [cmp_source], **private)

        # reports
        flt.change(partial(reports_view, store=store), [flt, lang], [reports], queue=False, **private)

        def _row_clicked(rows: Any, evt: gr.SelectData):
            return report_row_clicked(rows, evt)

        reports.select(_row_clicked, [reports], [pick], **private)
        report_out = [card, table_pick, table_view, findings_sum, findings, dl_csv, dl_xlsx]
        selected = partial(report_selected, store=store, export_dir=export_dir)
        pick.change(selected, [pick, all_findings, lang], report_out, **private)
        all_findings.change(partial(findings_view, store=store), [pick, all_findings, lang], [findings_sum, findings],
                            **private)
        table_pick.input(partial(table_selected, store=store), [pick, table_pick, lang], [table_view], **private)

        # upload, and what it changes
        refresh = partial(refresh_all, store=store, export_dir=export_dir, readiness=readiness)
        refresh_out = [stats, reports, pick, all_csv, all_xlsx]

        def _upload(fs: Any, lg: str, progress=gr.Progress()):
            return upload(fs, progress, lg, settings=settings, store=store, readiness=readiness)

        def _compare_refresh(agency: str | None, only: bool, lg: str):
            a, ya, yb = compare_choices(agency, store)
            html, cells = show_compare(a["value"], ya["value"], yb["value"], only, lg)
            return a, ya, yb, html, cells

        cmp_refresh_out = [cmp_agency, cmp_a, cmp_b, cmp_view, cmp_cells]
        files.upload(_upload, [files, lang], [upload_status, files], concurrency_limit=1, concurrency_id="ingest",
                     **private).then(refresh, [flt, pick, lang], refresh_out, **private).then(
            _compare_refresh, [cmp_agency, cmp_only, lang], cmp_refresh_out, **private)
        demo.load(refresh, [flt, pick, lang], refresh_out, **private).then(
            selected, [pick, all_findings, lang], report_out, **private).then(
            _compare_refresh, [cmp_agency, cmp_only, lang], cmp_refresh_out, **private)
        ticker.tick(lambda lg: header_html(store, readiness, lg), [lang], [stats], queue=False, show_progress="hidden",
                    **private)

        # one language at a time: every label, then what is drawn in it
        def _switch(lg: str, history: list, sh: list):
            lg = "en" if lg == "zh" else "zh"
            ex = examples_in(lg)
            return (lg, _brand(lg), gr.update(value=t("lang.switch", lg)),
                    gr.update(label=t("tab.chat", lg)), gr.update(label=t("tab.compare", lg)),
                    gr.update(label=t("tab.reports", lg)), gr.update(label=t("tab.upload", lg)),
                    gr.update(label=t("tab.tables", lg)), gr.update(label=t("tab.quality", lg)),
                    gr.update(value=redraw_chat(history, sh, lg), placeholder=f"<div class='gk-chat-empty'>{t('chat.empty', lg)}</div>"),
                    gr.update(placeholder=t("chat.placeholder", lg)), gr.update(value=t("btn.ask", lg)),
                    gr.update(value=t("btn.new_chat", lg)), gr.update(label=t("chat.figures", lg)),
                    gr.update(), gr.update(label=t("btn.cells_csv", lg)),
                    gr.Dataset(samples=[[q] for q in ex], label=t("chat.examples", lg)),
                    _source_title(lg), gr.update(label=t("source.picker", lg)),
                    gr.update(label=t("cmp.agency", lg)), gr.update(label=t("cmp.year_a", lg)),
                    gr.update(label=t("cmp.year_b", lg)), gr.update(label=t("cmp.only_changed", lg)), _source_title(lg),
                    R.empty_source(lg),
                    gr.update(placeholder=t("reports.filter", lg)), gr.update(label=t("btn.export_all_csv", lg)),
                    gr.update(label=t("btn.export_all_xlsx", lg)),
                    gr.update(headers=D.report_headers(lg), label=t("reports.label", lg)),
                    gr.update(label=t("reports.pick", lg)), gr.update(label=t("btn.csv", lg)),
                    gr.update(label=t("btn.xlsx", lg)), gr.update(label=t("reports.all", lg)),
                    gr.update(headers=D.finding_headers(lg), label=t("findings.label", lg)),
                    _upload_title(lg), gr.update(label=t("upload.drop", lg)), "")

        def _redraw_source(key: str | None, ans: list, lg: str):
            if not key:
                return gr.update(), R.empty_source(lg)
            return cite_requested(key, ans, lg, store=store)

        def _redraw_figures(sh: list, lg: str):
            return figures_view(sh[-1] if sh else None, max(len(sh or []) - 1, 0), lg, export_dir=export_dir)

        lang_btn.click(_switch, [lang, chat, shown], [
            lang, brand, lang_btn, tab_chat, tab_compare, tab_reports, tab_upload, tab_tables, tab_quality,
            chat, question, send, clear, figures, cells_table, cells_csv, examples, source_title, cite_pick,
            cmp_agency, cmp_a, cmp_b, cmp_only, cmp_source_title, cmp_source,
            flt, all_csv, all_xlsx, reports, pick, dl_csv, dl_xlsx, all_findings, findings,
            upload_title, files, upload_status], queue=False, **private).then(
            refresh, [flt, pick, lang], refresh_out, **private).then(
            selected, [pick, all_findings, lang], report_out, **private).then(
            show_compare, cmp_in, [cmp_view, cmp_cells], **private).then(
            _redraw_source, [cite_pick, answers, lang], [cite_pick, source], **private).then(
            _redraw_figures, [shown, lang], [figures, plot, cells_table, cells_csv], **private)

        # a small API for scripts and the start-up benchmark: ask, and whether the index is ready
        def api_ask(question: str) -> str:
            """Answer one question (no conversation); the answer's text."""
            return str(R.as_dict(ask(question)).get("text") or "")

        def api_status() -> str:
            """The index's state: loading | embedding | ready | off | failed."""
            return readiness.snapshot().state

        gr.api(api_ask, api_name="ask")
        gr.api(api_status, api_name="status")

    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY)
    demo.readiness = readiness  # type: ignore[attr-defined]
    return demo


def theme() -> Any:
    cjk = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
    return gr.themes.Soft(primary_hue="blue", secondary_hue="sky", neutral_hue="slate", radius_size="md",
                          font=cjk, font_mono=["JetBrains Mono", "Noto Sans Mono CJK SC", "monospace"]).set(
        body_background_fill="#f4f6fa", block_border_width="1px", block_shadow="0 1px 2px rgba(15,23,42,.05)")


def serve(demo: Any, config: UIConfig | None = None, **launch: Any) -> Any:
    """``demo.launch`` with the theme, stylesheet and script, at *config*'s host/port/login,
    with uploads capped at the ingest size limit and failed logins throttled per client."""
    config = config or UIConfig()
    from starlette.middleware import Middleware

    from ingest import load

    kwargs: dict[str, Any] = dict(
        server_name=config.host, server_port=config.port, auth=config.auth, theme=theme(),
        max_file_size=load.MAX_BYTES,  # bigger uploads are refused by the server before they are stored
        app_kwargs={"middleware": [Middleware(LoginThrottle)]},
        css=CSS, head=HEAD_JS, footer_links=[], ssr_mode=False,
        show_error=True, max_threads=40, share=False,
        auth_message=t("login.title") if config.auth else None)
    kwargs.update(launch)
    return demo.launch(**kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = load_settings(config.home)
    demo = build_app(settings)
    who = f", login as {config.user}" if config.auth else ""
    print(f"gongkai UI on http://{config.host}:{config.port}  (home {settings.home}{who})", file=sys.stderr)
    serve(demo, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
