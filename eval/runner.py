"""Run a question set through gongkai (``full``), the naive RAG baseline (``baseline``) or both.

    gongkai eval FILE.jsonl [--out DIR] [--mode full|baseline|both] [--min-accuracy X] [--home DIR]
    python -m eval FILE.jsonl …            (the same)

Prints a progress bar (stderr), then a summary (stdout): accuracy overall, by the kind of answer
produced and by the expected type (value / not_found / contains), citation accuracy, latency
p50/p95, and every failed question with what came back. ``--mode both`` shows full and baseline
side by side on the same questions. Writes into ``--out`` (default ``eval/out/<timestamp>``):
``results.jsonl`` (one line per question and mode), ``report.md`` and ``accuracy_by_kind.png``.

Exit status: 0; 1 when ``--min-accuracy`` is given and missed (checked on ``full`` when it ran,
else on ``baseline``; X is a fraction like 0.8, or a percentage like 80); 2 when the file has
malformed lines (after scoring the good ones; each is named with its line number and problem)
or cannot be read, or the pipeline cannot be loaded.

In code: ``run(path, mode="full", home=None, progress=True, answer_fn=None) -> EvalResult``;
*answer_fn* (question → ``Answer`` or its dict) replaces the pipeline, so tests need no model
and no store.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from qa.cli import _table as text_table  # plain-text columns aligned for CJK, as gongkai prints them

from . import scoring
from .dataset import Dataset, LineError, Question, load

MODES = ("full", "baseline")
EXPECTED_ORDER = ("value", "not_found", "contains")
KIND_ORDER = ("table", "derived", "aggregate", "series", "prose", "metadata", "findings", "not_found", "ambiguous", "error")
PNG_NAME = "accuracy_by_kind.png"

AnswerFn = Callable[[str], Any]


# ------------------------------------------------------------------------------------ results
@dataclass
class QuestionResult:
    id: str
    question: str
    expected: dict[str, Any]
    report: str | None
    answer: dict[str, Any]
    correct: bool
    citation_ok: bool | None
    seconds: float
    mode: str
    line_no: int = 0
    error: str | None = None
    wrong_number: bool = False
    cls: str | None = None

    @property
    def expected_type(self) -> str:
        return scoring.expected_type(self.expected)

    @property
    def kind(self) -> str:
        return str(self.answer.get("kind") or "?")

    def to_dict(self) -> dict[str, Any]:
        d = {"id": self.id, "question": self.question, "expected": self.expected, "report": self.report,
             "answer": self.answer, "correct": self.correct, "citation_ok": self.citation_ok,
             "seconds": round(self.seconds, 4), "mode": self.mode, "wrong_number": self.wrong_number}
        if self.cls is not None:
            d["class"] = self.cls
        if self.error:
            d["error"] = self.error
        return d


@dataclass
class EvalResult:
    path: str
    mode: str
    results: list[QuestionResult] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)  # malformed lines of the file
    notes: list[str] = field(default_factory=list)  # e.g. the baseline's fallback to BM25

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def n_correct(self) -> int:
        return sum(r.correct for r in self.results)

    @property
    def accuracy(self) -> float | None:
        return scoring.ratio(self.n_correct, self.total)

    @property
    def wrong_numbers(self) -> int:
        """Answers that gave a wrong figure, or a figure where none is right (the headline failure)."""
        return sum(r.wrong_number for r in self.results)

    def by_class(self) -> dict[str, tuple[int, int]]:
        """Accuracy by the questions' own ``class`` field (when the set has one)."""
        return scoring.group_accuracy((r.cls, r.correct) for r in self.results if r.cls is not None)

    @property
    def citation_counts(self) -> tuple[int, int]:
        scored = [r.citation_ok for r in self.results if r.citation_ok is not None]
        return sum(scored), len(scored)

    @property
    def citation_accuracy(self) -> float | None:
        return scoring.ratio(*self.citation_counts)

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """Accuracy by the kind of the answer produced: ``{kind: (correct, total)}``."""
        g = scoring.group_accuracy((r.kind, r.correct) for r in self.results)
        return _ordered(g, KIND_ORDER)

    def by_expected(self) -> dict[str, tuple[int, int]]:
        """Accuracy by expected type (value / not_found / contains)."""
        g = scoring.group_accuracy((r.expected_type, r.correct) for r in self.results)
        return _ordered(g, EXPECTED_ORDER)

    def latency(self, p: float) -> float | None:
        return scoring.percentile([r.seconds for r in self.results], p)

    @property
    def failures(self) -> list[QuestionResult]:
        return [r for r in self.results if not r.correct]

    def summary(self) -> dict[str, Any]:
        return {"mode": self.mode, "questions": self.total, "correct": self.n_correct, "accuracy": self.accuracy,
                "wrong_numbers": self.wrong_numbers, "citation_accuracy": self.citation_accuracy, "p50_s": self.latency(50), "p95_s": self.latency(95),
                "by_kind": self.by_kind(), "by_expected": self.by_expected(), "notes": self.notes}


def _ordered(g: dict[str, tuple[int, int]], order: Sequence[str]) -> dict[str, tuple[int, int]]:
    known = [k for k in order if k in g]
    return {k: g[k] for k in known + sorted(k for k in g if k not in order)}


# ------------------------------------------------------------------------------------ answering
def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, Path):
        return str(v)
    return v


def answer_dict(ans: Any, question: str) -> dict[str, Any]:
    """An ``Answer`` (or anything with ``to_dict()``, a dataclass, a dict, a string) as a JSON-ready dict."""
    if hasattr(ans, "to_dict"):
        d = ans.to_dict()
    elif dataclasses.is_dataclass(ans) and not isinstance(ans, type):
        d = dataclasses.asdict(ans)
    elif isinstance(ans, Mapping):
        d = dict(ans)
    else:
        d = {"text": "" if ans is None else str(ans)}
    d = _jsonable(d)
    d.setdefault("question", question)
    d.setdefault("text", "")
    d.setdefault("kind", None)
    d.setdefault("value", None)
    d.setdefault("citations", [])
    return d


def full_answer_fn(home: str | None = None) -> AnswerFn:
    """gongkai's own ``answer(question, *, home=None)`` (``from qa import answer``), bound to *home*.
    Raises ``ImportError`` when it is not there."""
    from qa import Conversation, answer

    def ask(q: str, context: Sequence[str] = ()) -> Any:
        if not context:
            return answer(q, home=home)
        conv = Conversation(home=home)
        for earlier in context:
            conv.ask(earlier)
        return conv.ask(q)

    return ask


def score_one(q: Question, ans: Any, seconds: float, mode: str, error: str | None = None) -> QuestionResult:
    d = answer_dict(ans, q.question)
    return QuestionResult(id=q.id, question=q.question, expected=q.expected, report=q.report, answer=d,
                          correct=error is None and scoring.is_correct(q.expected, d),
                          citation_ok=scoring.citation_ok(q.report, d), seconds=seconds, mode=mode,
                          line_no=q.line_no, error=error, wrong_number=scoring.is_wrong_number(q.expected, d),
                          cls=q.cls)


def run(path: str | Path | Dataset, mode: str = "full", home: str | None = None, progress: bool = True,
        answer_fn: AnswerFn | None = None) -> EvalResult:
    """Answer every good question of *path* with *mode*'s pipeline (or *answer_fn*) and score it.

    Malformed lines are kept in ``EvalResult.errors``; one question raising does not stop the
    others (its answer has kind ``"error"`` and counts as wrong).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    ds = path if isinstance(path, Dataset) else load(path)
    notes: list[str] = []
    pipeline: Any = answer_fn
    if pipeline is None:
        if mode == "full":
            pipeline = full_answer_fn(home)
        else:
            from .baseline import NaiveRAG

            pipeline = NaiveRAG(home=home)
    out = EvalResult(path=ds.path, mode=mode, errors=list(ds.errors), notes=notes)
    from tqdm import tqdm

    bar = tqdm(ds.questions, desc=f"{mode:>8}", unit="q", disable=not progress, file=sys.stderr,
               dynamic_ncols=True, leave=True)
    for q in bar:
        t0 = time.perf_counter()
        error = None
        try:
            ans = pipeline(q.question, context=q.context) if q.context and _takes_context(pipeline) \
                else pipeline(q.question)
        except Exception as exc:  # keep going: one broken question is one wrong answer
            error = f"{type(exc).__name__}: {exc}"
            ans = {"question": q.question, "text": f"error: {error}", "kind": "error", "value": None,
                   "citations": []}
        out.results.append(score_one(q, ans, time.perf_counter() - t0, mode, error))
    bar.close()
    for n in getattr(pipeline, "notes", None) or ():
        if n not in notes:
            notes.append(n)
    return out


def _takes_context(fn: Any) -> bool:
    import inspect

    try:
        return "context" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


# ------------------------------------------------------------------------------------ rendering
def _cut(s: str, n: int) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def esc(v: object) -> str:
        return ("" if v is None else str(v)).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(esc(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(esc(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


def _pct(c: int, n: int) -> str:
    return f"{c}/{n} {100 * c / n:.1f}%" if n else "—"


def _secs(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f} s"


def _expected_str(expected: Mapping[str, Any]) -> str:
    t = scoring.expected_type(expected)
    if t == "value":
        return f"value {expected['value']}"
    if t == "not_found":
        return "not_found"
    return "contains " + " + ".join(f"“{s}”" for s in expected["contains"])


def _yes_no(v: bool | None) -> str:
    return "—" if v is None else ("yes" if v else "no")


def summary_rows(results: Sequence[EvalResult]) -> list[list[str]]:
    rows = [["accuracy"] + [_pct(r.n_correct, r.total) for r in results],
            ["wrong numbers"] + [str(r.wrong_numbers) for r in results],
            ["citation accuracy"] + [_pct(*r.citation_counts) for r in results],
            ["latency p50"] + [_secs(r.latency(50)) for r in results],
            ["latency p95"] + [_secs(r.latency(95)) for r in results]]
    return rows


def group_rows(results: Sequence[EvalResult], which: str) -> list[list[str]]:
    groups = [r.by_kind() if which == "kind" else (r.by_class() if which == "class" else r.by_expected())
              for r in results]
    order = KIND_ORDER if which == "kind" else (() if which == "class" else EXPECTED_ORDER)
    keys = _ordered({k: (0, 0) for g in groups for k in g}, order)
    return [[k] + [_pct(*g[k]) if k in g else "—" for g in groups] for k in keys]


def failure_lines(r: EvalResult) -> list[str]:
    out: list[str] = []
    for f in r.failures:
        a = f.answer
        out.append(f"  {'✗✗ WRONG NUMBER' if f.wrong_number else '✗'} {f.id}  {f.question}")
        out.append(f"      expected {_expected_str(f.expected)} · got value={a.get('value')!r} kind={f.kind}"
                   f" · citation {_yes_no(f.citation_ok)}")
        out.append(f"      text: {_cut(a.get('text') or '', 80)}")
    return out


def render_summary(results: Sequence[EvalResult]) -> str:
    """What ``gongkai eval`` prints after the progress bar."""
    first = results[0]
    modes = [r.mode for r in results]
    errs = first.errors
    lines = [f"gongkai eval — {Path(first.path).name}: {first.total} question(s)"
             + (f", {len(errs)} malformed line(s)" if errs else "") + f" · mode: {', '.join(modes)}", ""]
    lines += [text_table([""] + modes, summary_rows(results)), ""]
    lines += ["Accuracy by expected type", text_table(["expected"] + modes, group_rows(results, "expected")), ""]
    lines += ["Accuracy by answer kind (the kind each pipeline answered with)",
              text_table(["kind"] + modes, group_rows(results, "kind")), ""]
    if any(r.by_class() for r in results):
        lines += ["Accuracy by question class", text_table(["class"] + modes, group_rows(results, "class")), ""]
    notes = [n for r in results for n in r.notes]
    if notes:
        lines += ["Notes"] + [f"  - {n}" for n in notes] + [""]
    if errs:
        lines += [f"Malformed lines in {first.path} (not scored)"] + [f"  line {e.line_no}: {e.message}" for e in errs]
        lines.append("")
    for r in results:
        fl = r.failures
        lines.append(f"Failed questions — {r.mode} ({len(fl)} of {r.total})" + (":" if fl else ": none"))
        lines += failure_lines(r)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(results: Sequence[EvalResult], png_name: str | None = PNG_NAME) -> str:
    first = results[0]
    modes = [r.mode for r in results]
    md = [f"# Evaluation — {Path(first.path).name}", "",
          f"- questions: {first.total}" + (f" ({len(first.errors)} malformed line(s) not scored)" if first.errors else ""),
          f"- modes: {', '.join(modes)}",
          f"- run: {datetime.now().isoformat(timespec='seconds')}", ""]
    md += ["## Summary", "", md_table(["metric"] + modes, summary_rows(results)), ""]
    md += ["## Accuracy by expected type", "", md_table(["expected"] + modes, group_rows(results, "expected")), ""]
    md += ["## Accuracy by answer kind", "", "The kind of the answer each pipeline produced.", "",
           md_table(["kind"] + modes, group_rows(results, "kind")), ""]
    if any(r.by_class() for r in results):
        md += ["## Accuracy by question class", "", md_table(["class"] + modes, group_rows(results, "class")), ""]
    if png_name:
        md += [f"![accuracy by kind]({png_name})", ""]
    notes = [n for r in results for n in r.notes]
    if notes:
        md += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    if first.errors:
        md += ["## Malformed lines", "", md_table(["line", "problem", "text"],
                                                    [[e.line_no, e.message, _cut(e.text, 60)] for e in first.errors]), ""]
    for r in results:
        md += [f"## Failed questions — {r.mode} ({len(r.failures)} of {r.total})", ""]
        if not r.failures:
            md += ["None.", ""]
            continue
        md += [md_table(["id", "question", "expected", "value", "wrong number", "kind", "citation", "text"],
                        [[f.id, f.question, _expected_str(f.expected), f.answer.get("value"),
                          "**yes**" if f.wrong_number else "", f.kind,
                          _yes_no(f.citation_ok), _cut(f.answer.get("text") or "", 80)] for f in r.failures]), ""]
    return "\n".join(md).rstrip() + "\n"


def plot_accuracy(results: Sequence[EvalResult], path: str | Path) -> Path:
    """Bar chart (PNG, Agg): accuracy by expected type (with overall) and by answer kind, one bar per mode."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = [("by expected type", lambda r: {"overall": (r.n_correct, r.total), **r.by_expected()},
               ("overall",) + EXPECTED_ORDER),
              ("by answer kind", lambda r: r.by_kind(), KIND_ORDER)]
    fig = Figure(figsize=(12, 4.8), dpi=100)
    FigureCanvasAgg(fig)
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
    for i, (title, get, order) in enumerate(panels):
        ax = fig.add_subplot(1, 2, i + 1)
        groups = [get(r) for r in results]
        keys = list(_ordered({k: (0, 0) for g in groups for k in g}, order))
        n = max(len(results), 1)
        width = 0.8 / n
        for j, (r, g) in enumerate(zip(results, groups)):
            xs = [x + (j - (n - 1) / 2) * width for x in range(len(keys))]
            ys = [(g[k][0] / g[k][1]) if k in g and g[k][1] else 0.0 for k in keys]
            bars = ax.bar(xs, ys, width, label=r.mode, color=colors[j % len(colors)])
            for b, k in zip(bars, keys):
                label = f"{g[k][0]}/{g[k][1]}" if k in g else "—"
                ax.annotate(label, (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom",
                            fontsize=7, xytext=(0, 2), textcoords="offset points")
        ax.set_xticks(range(len(keys)))
        ax.set_xticklabels(keys, rotation=20, ha="right")
        ax.set_ylim(0, 1.12)
        ax.set_ylabel("accuracy")
        ax.set_title(f"Accuracy {title}")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    fig.suptitle(f"{Path(results[0].path).name}: " + "; ".join(
        f"{r.mode} — wrong numbers {r.wrong_numbers}/{r.total}" for r in results))
    fig.tight_layout()
    p = Path(path)
    fig.savefig(p, format="png")
    return p


def write_outputs(results: Sequence[EvalResult], out_dir: str | Path) -> dict[str, Path]:
    """results.jsonl, report.md and accuracy_by_kind.png in *out_dir* (created)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"results": out / "results.jsonl", "report": out / "report.md", "chart": out / PNG_NAME}
    with paths["results"].open("w", encoding="utf-8") as fh:
        for r in results:
            for q in r.results:
                fh.write(json.dumps(q.to_dict(), ensure_ascii=False, default=str) + "\n")
    plot_accuracy(results, paths["chart"])
    paths["report"].write_text(render_markdown(results, PNG_NAME), encoding="utf-8")
    return paths


# ------------------------------------------------------------------------------------ command line
def _fraction(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {s!r}") from None
    if v > 1:
        v /= 100
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"must be a fraction 0–1 or a percentage 0–100, not {s}")
    return v


def build_parser(prog: str = "gongkai eval") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Score gongkai (and a naive RAG baseline) on a question set.")
    p.add_argument("file", metavar="FILE.jsonl", help="question set, one JSON object per line")
    p.add_argument("--out", metavar="DIR", help="output folder (default eval/out/<timestamp>)")
    p.add_argument("--mode", choices=("full", "baseline", "both"), default="full",
                   help="which pipeline(s) to run (default full)")
    p.add_argument("--min-accuracy", type=_fraction, metavar="X",
                   help="exit 1 if accuracy is below X (0.8 or 80); checked on full, else baseline")
    p.add_argument("--home", metavar="DIR", help="data folder (default $GONGKAI_HOME or ~/.gongkai)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: Sequence[str] | None = None, *, answer_fns: Mapping[str, AnswerFn] | None = None,
         prog: str = "gongkai eval") -> int:
    """The ``gongkai eval`` command. *answer_fns* (``{"full": fn, "baseline": fn}``) replaces the
    pipelines, for tests."""
    args = build_parser(prog).parse_args(list(argv) if argv is not None else None)
    try:
        ds = load(args.file)
    except OSError as exc:
        print(f"{prog}: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for e in ds.errors:
        print(f"{args.file}:{e.line_no}: {e.message}", file=sys.stderr)
    modes = list(MODES) if args.mode == "both" else [args.mode]
    fns = dict(answer_fns or {})
    results: list[EvalResult] = []
    for mode in modes:
        try:
            results.append(run(ds, mode=mode, home=args.home, progress=not args.no_progress,
                               answer_fn=fns.get(mode)))
        except ImportError as exc:
            print(f"{prog}: the {mode} pipeline is not available: {exc}", file=sys.stderr)
            return 2
    print(render_summary(results), end="")
    out_dir = Path(args.out) if args.out else Path("eval") / "out" / datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = write_outputs(results, out_dir)
    print(f"wrote {paths['results']}, {paths['report'].name}, {paths['chart'].name}")
    if ds.errors:
        print(f"{prog}: {len(ds.errors)} malformed line(s) in {args.file} (see above); exit 2", file=sys.stderr)
        return 2
    if args.min_accuracy is not None:
        gate = next((r for r in results if r.mode == "full"), results[0])
        acc = gate.accuracy
        if acc is None or acc + 1e-12 < args.min_accuracy:
            shown = "n/a" if acc is None else f"{100 * acc:.1f}%"
            print(f"{prog}: {gate.mode} accuracy {shown} is below --min-accuracy {100 * args.min_accuracy:.1f}%",
                  file=sys.stderr)
            return 1
    return 0
