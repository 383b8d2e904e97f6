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
from qa import ui_render as R
from qa.ui_style import CSS

log = logging.getLogger("gongkai.ui")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
ANSWER_CONCURRENCY = 8  # questions answered at the same time (Gradio worker threads)
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"]
EXAMPLES = [
    "泰安市行政审批服务局2024年不予公开的申请有多少件？",
    "How many requests did 淮安市人民政府 receive in 2024?",
    "洪泽区2023年行政复议总计几件？",
    "2024年哪个机关收到的申请最多？",
    "马尚街道2023年发布政策解读几篇？",
    "阿尔丁大街街道办事处2024年新收政府信息公开申请多少件？",
]

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
            body = json.dumps({"detail": f"登录失败次数过多，请 {wait:.0f} 秒后再试 (too many failed logins; "
                                         f"try again in {wait:.0f} s)"}, ensure_ascii=False).encode()
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


def _cite_choices(answers: list, n: int) -> list[tuple[str, str]]:
    return [(R.citation_label(c, k), f"{n}:{k}") for k, c in enumerate(_citations(answers, n), 1)]


def _source_for(store: Store, answers: list, key: str | None) -> str:
    try:
        n, k = (int(x) for x in str(key or "").split(":"))
    except ValueError:
        return R.EMPTY_SOURCE
    cites = _citations(answers, n)
    if not 1 <= k <= len(cites):
        return R.EMPTY_SOURCE
    try:
        return D.source_view(store, cites[k - 1], others=cites, number=k)
    except Exception as exc:  # a broken citation must not break the page
        log.exception("source view failed")
        return R.render_notice(f"无法显示来源 (cannot show source): {exc}", "error")


def add_question(question: str, history: list) -> tuple[str, list]:
    question = (question or "").strip()
    if not question:
        return "", history
    return "", [*history, {"role": "user", "content": question}]


def answer_turn(history: list, answers: list, *, store: Store, ask: AnswerFn):
    """Answer the last user message; returns chat, answers, the citation picker and the source panel."""
    return conversation_turn(history, answers, None, store=store, ask=ask)[:4]


def conversation_turn(history: list, answers: list, plan: Any, *, store: Store, ask: AnswerFn):
    """:func:`answer_turn` in a conversation: the question may lean on the previous one's plan
    ("那2023年呢？"); returns the new plan as a fifth value (kept per browser session)."""
    if not history or history[-1].get("role") != "user":
        return history, answers, gr.update(), gr.update(), plan
    question = str(history[-1].get("content") or "")
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
        body = R.render_answer(result, answer_no=n)
        cites = [R.as_dict(c) for c in R.as_dict(result).get("citations") or []]
    except Exception as exc:
        log.exception("answer failed for %r", question)
        body, cites = R.render_error(question, exc), []
    answers = [*answers, cites]
    history = [*history, {"role": "assistant", "content": body}]
    choices = _cite_choices(answers, n)
    first = choices[0][1] if choices else None
    source = _source_for(store, answers, first) if first else R.EMPTY_SOURCE
    return history, answers, gr.update(choices=choices, value=first), source, plan


def cite_picked(key: str | None, answers: list, *, store: Store) -> str:
    return _source_for(store, answers, key) if key else R.EMPTY_SOURCE


def cite_requested(key: str, answers: list, *, store: Store):
    """A 查看来源 link in the chat: switch the picker to that answer and show the source."""
    try:
        n = int(str(key).split(":")[0])
    except ValueError:
        return gr.update(), gr.update()
    return gr.update(choices=_cite_choices(answers, n), value=key), _source_for(store, answers, key)


def chat_selected(history: list, answers: list, evt: Any, *, store: Store):
    """Clicking an earlier answer in the chat lists that answer's citations."""
    index = evt.index if not isinstance(evt.index, (list, tuple)) else evt.index[0]
    if not isinstance(index, int) or not 0 <= index < len(history) or history[index].get("role") != "assistant":
        return gr.update(), gr.update()
    n = sum(1 for m in history[:index] if m.get("role") == "assistant")
    choices = _cite_choices(answers, n)
    first = choices[0][1] if choices else None
    return gr.update(choices=choices, value=first), (_source_for(store, answers, first) if first else R.EMPTY_SOURCE)


def clear_chat():
    """新对话: an empty chat and a conversation that remembers nothing."""
    return [], [], gr.update(choices=[], value=None), R.EMPTY_SOURCE, None


# -- reports
def reports_view(query: str | None, *, store: Store) -> list[list]:
    return R.filter_rows(D.report_rows(store), query)


def report_selected(report_id: str | None, all_findings: bool = False, *, store: Store, export_dir: Path):
    """A report picked: its card, its tables (表三 first shown), findings, per-report downloads."""
    report = store.get_report(report_id) if report_id else None
    summary, rows = findings_view(report_id, all_findings, store=store)
    if report is None:
        return (R.render_report_card(None), gr.update(choices=[], value=None), "", summary, rows,
                gr.update(value=None, interactive=False), gr.update(value=None, interactive=False))
    tables = D.report_tables(store, report.id)
    first = "三" if "三" in tables else (tables[0] if tables else None)
    table_html = D.table_html(store, report.id, first) if first else R.render_notice("此报告没有解析出表格 (no tables parsed)", "warn")
    out = export_dir / report.id
    csv_path = D.export_report(store, report.id, "csv", out)
    xlsx_path = D.export_report(store, report.id, "xlsx", out)
    return (R.render_report_card(report), gr.update(choices=[(R.table_name(t), t) for t in tables], value=first),
            table_html, summary, rows,
            gr.update(value=str(csv_path), interactive=True), gr.update(value=str(xlsx_path), interactive=True))


def findings_view(report_id: str | None, all_findings: bool, *, store: Store) -> tuple[str, list[list]]:
    """The data-quality view: a summary line and the findings of the report (or of every report)."""
    if all_findings:
        rows = D.finding_rows(store, None)
        scope = f"全部 {store.counts()['reports']} 份报告 all reports"
    elif report_id:
        rows = D.finding_rows(store, report_id)
        scope = ""
    else:
        return R.render_notice("请选择一份报告 (select a report)", "info"), []
    return R.findings_summary([r[0] for r in rows], scope), rows


def table_selected(report_id: str | None, table: str | None, *, store: Store) -> str:
    if not report_id or not table:
        return ""
    return D.table_html(store, report_id, table)


def report_row_clicked(rows: Any, evt: Any) -> Any:
    """A click on a row of the reports table selects that report (its ID is the last column)."""
    try:
        r = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        data = rows.values.tolist() if hasattr(rows, "values") else rows
        return data[r][-1]
    except (IndexError, TypeError, KeyError):
        return gr.update()


def refresh_all(query: str | None, current: str | None, *, store: Store, export_dir: Path):
    """After an ingest: the header counts, the reports table, the report picker, the export-all files."""
    choices = D.report_choices(store)
    ids = {v for _, v in choices}
    value = current if current in ids else (choices[0][1] if choices else None)
    return (R.header_stats(store.counts()), reports_view(query, store=store), gr.update(choices=choices, value=value),
            *export_all_files(store=store, export_dir=export_dir))


def export_all_files(*, store: Store, export_dir: Path):
    if not store.counts()["cells"]:
        return gr.update(value=None, interactive=False), gr.update(value=None, interactive=False)
    out = export_dir / "all"
    out.mkdir(parents=True, exist_ok=True)
    return (gr.update(value=str(D.export_all(store, "csv", out)), interactive=True),
            gr.update(value=str(D.export_all(store, "xlsx", out)), interactive=True))


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


def upload(files: Any, progress: Any = None, *, settings: Settings, store: Store):
    """Ingest uploaded files with a progress bar; returns the outcome and clears the upload box.

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
        progress(0, desc=f"导入 {len(paths) + len(too_big)} 个文件 (ingesting)…")

    def step(done: int, total: int, result: Any) -> None:
        if progress is not None:
            progress((done, total), desc=f"{Path(result.path).name}", unit="files")

    try:
        summary = D.ingest_files(paths, settings, store=store, on_file=step) if paths else IngestSummary(
            reports=store.counts()["reports"])
    except Exception as exc:  # nothing a bad upload does may take the app down
        log.exception("upload ingest failed")
        for path in paths:
            _discard_upload(path)
        return R.render_notice(f"导入失败 (ingest failed): {exc}", "error"), None
    for r in summary.results:
        if r.status == "error":
            _discard_upload(r.path)
    summary.files += len(too_big)
    summary.results = too_big + summary.results
    summary.errors = [(r.path, r.reason) for r in too_big] + summary.errors
    return R.render_ingest(summary), None


# ------------------------------------------------------------------------------------ layout
def build_app(settings: Settings | None = None, *, ingest_sample: bool = True,
              answer_fn: AnswerFn | None = None) -> Any:
    """The Gradio Blocks app over the store under ``settings.home`` (ingesting the bundled sample
    into an empty store first, unless *ingest_sample* is false). *answer_fn* replaces ``qa.answer``
    (tests). Launch it with :func:`serve`, which adds the theme, CSS and script."""
    settings = settings or load_settings()
    store = open_store(settings)
    if ingest_sample:
        summary = D.ensure_sample(settings, store)
        if summary is not None:
            log.info("empty store: ingested the bundled sample\n%s", summary.render())
    ask = answer_fn or default_answer_fn(settings)
    export_dir = Path(tempfile.mkdtemp(prefix="gongkai-ui-"))
    choices = D.report_choices(store)

    with gr.Blocks(title="gongkai · 政府信息公开年报问答", analytics_enabled=False, fill_width=True) as demo:
        with gr.Row(elem_id="gk-header", equal_height=True):
            gr.HTML('<div class="gk-brand"><div class="gk-logo">公</div><div><div class="gk-title">政府信息公开年报问答'
                    '</div><div class="gk-subtitle">gongkai · 每个数字都有出处 Every figure cites its source</div></div></div>')
            stats = gr.HTML(R.header_stats(store.counts()), elem_id="gk-stats")

        with gr.Tabs(elem_id="gk-tabs"):
            # ---------------------------------------------------------------- chat
            with gr.Tab("问答 Chat", id="chat", elem_id="gk-tab-chat"):
                answers = gr.State([])
                plan_state = gr.State(None)  # the last understood question: what a follow-up leans on
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1, min_width=420):
                        chat = gr.Chatbot(
                            value=[], elem_id="gk-chat", height=620, show_label=False, feedback_options=None,
                            buttons=["copy"], layout="bubble", autoscroll=True, line_breaks=False,
                            placeholder=("<div class='gk-chat-empty'><b>请提问 · Ask a question</b><br>"
                                         "关于已收录年报中的任何数字：申请数量、办理结果、复议诉讼、主动公开……<br>"
                                         "<span class='gk-muted'>Any figure in the ingested annual reports — "
                                         "answers cite the table cell or passage.</span></div>"))
                        with gr.Row(elem_id="gk-ask-row", equal_height=True):
                            question = gr.Textbox(
                                placeholder="例如：泰安市行政审批服务局2024年不予公开的申请有多少件？  (Enter 发送 / to send)",
                                show_label=False, scale=8, lines=1, max_lines=4, elem_id="gk-question", autofocus=True)
                            send = gr.Button("提问 Ask", variant="primary", scale=1, min_width=96, elem_id="gk-send")
                            clear = gr.Button("新对话 New chat", variant="secondary", scale=0, min_width=116, elem_id="gk-clear")
                        examples = gr.Dataset(components=[gr.Textbox(visible=False)], samples=[[q] for q in EXAMPLES],
                                              label="示例问题 Examples (点击提问 click to ask)", elem_id="gk-examples",
                                              samples_per_page=len(EXAMPLES), layout="gallery")
                    with gr.Column(scale=1, min_width=420, elem_id="gk-source-col"):
                        gr.HTML('<div class="gk-panel-title">来源 Source<span class="gk-muted"> · 原表与原文 '
                                'table &amp; text as reported</span></div>')
                        cite_pick = gr.Dropdown(choices=[], value=None, label="本答案的引用 Citations of this answer",
                                                elem_id="gk-cite-pick", interactive=True, filterable=False)
                        source = gr.HTML(R.EMPTY_SOURCE, elem_id="gk-source")
                        cite_req = gr.Textbox(elem_id="gk-cite-req", elem_classes=["gk-hidden"], show_label=False,
                                              container=False)
                        cite_go = gr.Button("show", elem_id="gk-cite-go", elem_classes=["gk-hidden"])

            # ---------------------------------------------------------------- reports
            with gr.Tab("报告 Reports", id="reports", elem_id="gk-tab-reports"):
                with gr.Row(equal_height=True):
                    flt = gr.Textbox(placeholder="筛选：机关、年份、文件名…  Filter by agency, year, file", show_label=False,
                                     scale=6, elem_id="gk-filter")
                    all_csv = gr.DownloadButton("导出全部 CSV", scale=1, size="md", elem_id="gk-all-csv")
                    all_xlsx = gr.DownloadButton("导出全部 Excel", scale=1, size="md", elem_id="gk-all-xlsx")
                reports = gr.Dataframe(value=reports_view("", store=store), headers=D.REPORT_HEADERS,
                                       interactive=False, wrap=True, max_height=320, elem_id="gk-reports",
                                       column_widths=["30%", "7%", "9%", "26%", "8%", "8%", "12%"],
                                       label="已收录报告 Ingested reports (点击行查看 click a row)")
                pick = gr.Dropdown(choices=choices, value=choices[0][1] if choices else None, label="报告 Report",
                                   elem_id="gk-report-pick", filterable=True)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1, min_width=260):
                        card = gr.HTML(R.render_report_card(None), elem_id="gk-report-card")
                        with gr.Row():
                            dl_csv = gr.DownloadButton("下载 CSV", size="md", interactive=False, elem_id="gk-dl-csv")
                            dl_xlsx = gr.DownloadButton("下载 Excel", size="md", interactive=False, elem_id="gk-dl-xlsx")
                    with gr.Column(scale=3):
                        with gr.Tabs():
                            with gr.Tab("表格 Tables"):
                                table_pick = gr.Radio(choices=[], value=None, show_label=False, elem_id="gk-table-pick")
                                table_view = gr.HTML("", elem_id="gk-table-view")
                            with gr.Tab("数据质量 Data quality"):
                                with gr.Row(equal_height=True):
                                    findings_sum = gr.HTML("", elem_id="gk-findings-sum")
                                    all_findings = gr.Checkbox(False, label="显示全部报告 All reports", scale=0,
                                                               min_width=200, elem_id="gk-findings-all")
                                findings = gr.Dataframe(value=[], headers=D.FINDING_HEADERS, interactive=False,
                                                        wrap=True, max_height=480, elem_id="gk-findings",
                                                        label="校验发现 Validation findings")

            # ---------------------------------------------------------------- upload
            with gr.Tab("上传 Upload", id="upload", elem_id="gk-tab-upload"):
                gr.HTML('<div class="gk-panel-title">添加报告 Add reports</div><div class="gk-muted gk-upload-hint">'
                        '支持 txt / md / html / pdf / docx。上传后自动解析表格、校验数据并收录；无法解析的文件会给出原因，'
                        '不影响其他文件。<br>Files are parsed, checked and added to the store; a file that cannot be read '
                        'is reported with its reason and nothing else is affected.</div>')
                files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, label="选择或拖入文件 Drop files here",
                                elem_id="gk-upload", height=160)
                upload_status = gr.HTML("", elem_id="gk-upload-status")

        # ---------------------------------------------------------------- wiring
        chat_out = [chat, answers, cite_pick, source, plan_state]
        answer_fn_ = partial(conversation_turn, store=store, ask=ask)
        for trigger in (question.submit, send.click):
            trigger(add_question, [question, chat], [question, chat], queue=False, api_visibility="private").then(
                answer_fn_, [chat, answers, plan_state], chat_out, concurrency_id="answer", api_visibility="private")
        examples.click(lambda s: s[0], [examples], [question], queue=False, api_visibility="private").then(
            add_question, [question, chat], [question, chat], queue=False, api_visibility="private").then(
            answer_fn_, [chat, answers, plan_state], chat_out, concurrency_id="answer", api_visibility="private")
        clear.click(clear_chat, None, chat_out, queue=False, api_visibility="private")
        cite_pick.input(partial(cite_picked, store=store), [cite_pick, answers], [source], api_visibility="private")
        cite_go.click(partial(cite_requested, store=store), [cite_req, answers], [cite_pick, source],
                      api_visibility="private")

        def _chat_select(history: list, ans: list, evt: gr.SelectData):
            return chat_selected(history, ans, evt, store=store)

        chat.select(_chat_select, [chat, answers], [cite_pick, source], api_visibility="private")

        flt.change(partial(reports_view, store=store), [flt], [reports], queue=False, api_visibility="private")

        def _row_clicked(rows: Any, evt: gr.SelectData):
            return report_row_clicked(rows, evt)

        reports.select(_row_clicked, [reports], [pick], api_visibility="private")
        report_out = [card, table_pick, table_view, findings_sum, findings, dl_csv, dl_xlsx]
        pick.change(partial(report_selected, store=store, export_dir=export_dir), [pick, all_findings], report_out,
                    api_visibility="private")
        all_findings.change(partial(findings_view, store=store), [pick, all_findings], [findings_sum, findings],
                            api_visibility="private")
        table_pick.input(partial(table_selected, store=store), [pick, table_pick], [table_view], api_visibility="private")

        def _upload(fs: Any, progress=gr.Progress()):
            return upload(fs, progress, settings=settings, store=store)

        files.upload(_upload, [files], [upload_status, files], concurrency_limit=1, concurrency_id="ingest",
                     api_visibility="private").then(
            partial(refresh_all, store=store, export_dir=export_dir), [flt, pick],
            [stats, reports, pick, all_csv, all_xlsx], api_visibility="private")
        demo.load(partial(refresh_all, store=store, export_dir=export_dir), [flt, pick],
                  [stats, reports, pick, all_csv, all_xlsx], api_visibility="private").then(
            partial(report_selected, store=store, export_dir=export_dir), [pick, all_findings], report_out,
            api_visibility="private")

    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY)
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
        auth_message="gongkai · 请登录 (please sign in)" if config.auth else None)
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
