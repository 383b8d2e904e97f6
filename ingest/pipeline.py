"""Ingest files into the facts store: load → metadata → sections → tables → validation → store.

A file that cannot be read or is not an annual report is refused with one line naming the
reason; the other files go on, and nothing stored is touched by a failed file (each save is one
transaction, which also redoes the checks that span several reports: cross-year and versions).
So a run killed at any moment leaves a store that a re-run completes to exactly what a clean
run gives.

Parsing runs in worker processes (the CLI) that die with this one: they are terminated when it
is interrupted (Ctrl-C, SIGTERM) and, on Linux, killed by the kernel when it dies (SIGKILL).
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings
from . import load
from .load import SUPPORTED, LoadError
from .models import ParsedReport
from .store import Store, open_store

#: Called after each file is stored, with the parsed report and "added" | "unchanged" | "replaced",
#: when that file is the current version of its report (an older version is not passed on).
AfterStoreHook = Callable[[ParsedReport, str], None]

NOT_A_REPORT = "not a government information disclosure annual report (no year, sections or tables found)"
NO_TABLES = ("stored, but no statistical tables (表二/表三/表四 or 统计表) were found in it: "
             "its figures cannot be answered, only its text")


class IngestError(Exception):
    """One file refused; the message is the one-line reason shown to the user."""


@dataclass
class FileResult:
    """What happened to one file: ``status`` is added | unchanged | replaced | error."""

    path: str
    status: str
    reason: str = ""
    report_id: str | None = None
    cells: int = 0
    findings: int = 0
    note: str = ""  # e.g. "another version of …": said, but not a problem


@dataclass
class IngestSummary:
    """The outcome of one :func:`ingest_paths` run; :meth:`render` is what the CLI prints."""

    files: int = 0
    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    reports: int = 0  # reports in the store after the run
    cells: int = 0  # cells written this run
    findings: int = 0  # the files' own findings written this run (cross-year/version ones come with each save)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, note): versions
    seconds: float = 0.0
    results: list[FileResult] = field(default_factory=list)

    @property
    def stored(self) -> int:
        """Files now in the store (added, unchanged or replaced)."""
        return self.added + self.unchanged + self.replaced

    def render(self) -> str:
        """A short human summary, errors one per line."""
        failed = sum(1 for r in self.results if r.status == "error")
        out = [
            f"{self.files} file(s) in {self.seconds:.1f} s: {self.added} added, {self.unchanged} unchanged, "
            f"{self.replaced} replaced, {failed} failed",
            f"this run: {self.cells} cells, {self.findings} findings; store: {self.reports} reports",
        ]
        if self.notes:
            out.append("notes:")
            out += [f"  {path}: {note}" for path, note in self.notes]
        if self.errors:
            out.append("problems:")
            out += [f"  {path}: {reason}" for path, reason in self.errors]
        return "\n".join(out)


# ------------------------------------------------------------------------------------ files
def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest (folders searched recursively for supported extensions, hidden entries
    skipped, duplicates dropped) and ``(path, reason)`` for inputs that give none."""
    files: list[Path] = []
    errors: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*")
                if f.suffix.lower() in SUPPORTED and f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                errors.append((str(p), f"folder has no supported files ({' '.join(sorted(set(SUPPORTED)))})"))
        elif p.exists():
            found = [p]
        else:
            errors.append((str(p), "no such file or directory"))
            continue
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                files.append(f)
    return files, errors


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split())
    return f"{exc.__class__.__name__}: {msg[:200]}" if msg else exc.__class__.__name__


def parse_file(path: str | Path) -> tuple[ParsedReport, list[str]]:
    """Read and parse one file into a :class:`ParsedReport` and the agency's aliases.

    Raises :class:`IngestError` with a one-line reason for anything that is not a readable report.
    """
    from .meta import agency_aliases, extract_meta
    from .sections import find_sections
    from .tables import parse_tables
    from .validate import validate_report

    try:
        doc = load.load_file(path, max_bytes=load.MAX_BYTES)  # read at call time: adjustable
    except LoadError as exc:
        raise IngestError(str(exc)) from exc
    except OSError as exc:
        raise IngestError(f"cannot read file ({exc.strerror or exc})") from exc
    step = "metadata"
    try:
        meta = extract_meta(doc)
        step = "sections"
        sections = find_sections(doc, meta.template)  # spares it detecting the template again
        step = "tables"
        cells, findings = parse_tables(doc, sections, meta.template)
        if meta.year is None and not cells and not sections:
            raise IngestError(NOT_A_REPORT)
        step = "validation"
        findings = list(findings) + list(validate_report(cells, meta.template, doc.text))
        step = "aliases"
        aliases = agency_aliases(doc, meta.agency) if meta.agency else []
    except IngestError:
        raise
    except Exception as exc:  # a parser bug must cost one file, not the run
        raise IngestError(f"{step} step failed ({_one_line(exc)})") from exc
    return ParsedReport(doc, meta, list(sections), list(cells), findings), list(aliases)


# ------------------------------------------------------------------------------------ run
def ingest_paths(
    paths: Iterable[str | Path],
    settings: Settings,
    progress: bool = True,
    on_file: Callable[[FileResult], None] | None = None,
    hooks: Sequence[AfterStoreHook] = (),
    store: Store | None = None,
    workers: int | None = None,
) -> IngestSummary:
    """Ingest files and folders into the store under ``settings.home``.

    Files are parsed in up to *workers* forked processes (default 1: in this process, which is
    what a threaded caller such as the web UI needs; the CLI uses up to 2) and stored here one
    at a time, in order. *on_file* is called with each :class:`FileResult` as it
    completes (for UIs); each of *hooks*
    is called as ``hook(parsed, status)`` after a file is stored as the current version of its
    report (the vector index plugs in here; an older version is not indexed); a failing hook
    adds an error line but does not undo the save.
    """
    from tqdm import tqdm

    t0 = time.perf_counter()
    store = store if store is not None else open_store(settings)
    summary = IngestSummary()
    files, summary.errors = expand_paths(paths)
    summary.files = len(files)

    bar = tqdm(total=len(files), disable=not (progress and files), file=sys.stderr, unit="file", desc="ingest",
               dynamic_ncols=True)
    n_workers = workers if workers is not None else 1
    for path, parsed_or_error in zip(files, _parsed_in_order(files, n_workers)):
        bar.set_postfix_str(path.name[-40:], refresh=False)
        bar.update(1)
        result = _ingest_one(path, store, hooks, parsed_or_error)
        summary.results.append(result)
        if result.note:
            summary.notes.append((str(path), result.note))
        if result.status == "error":
            summary.errors.append((str(path), result.reason))
        else:
            setattr(summary, result.status, getattr(summary, result.status) + 1)
            summary.cells += result.cells
            summary.findings += result.findings
            if result.reason:  # stored, but a hook failed or it held no tables
                summary.errors.append((str(path), result.reason))
        if on_file is not None:
            on_file(result)
    bar.close()
    summary.reports = store.counts()["reports"]
    summary.seconds = time.perf_counter() - t0
    return summary


def _parse_safely(path: Path) -> tuple[ParsedReport, list[str]] | IngestError:
    """:func:`parse_file` for a worker process: an unreadable file comes back as its error."""
    try:
        return parse_file(path)
    except IngestError as exc:
        return exc
    except Exception as exc:  # never let one file kill the pool
        return IngestError(f"parse failed ({_one_line(exc)})")


def _parsed_in_order(files: list[Path], workers: int) -> Iterator[tuple[ParsedReport, list[str]] | IngestError]:
    """Parse files in up to ``workers`` processes (parsing PDFs is CPU-bound), yielding in order.
    Storing stays in this process, one file at a time.

    The workers die with this process: the pool is terminated when the caller stops early or is
    interrupted (Ctrl-C; SIGTERM is turned into an exit while this runs in the main thread), and
    each worker asks the kernel to kill it when its parent dies (``PR_SET_PDEATHSIG``), which
    covers ``kill -9`` of this process too."""
    if workers <= 1 or len(files) < 2:
        for f in files:
            yield _parse_safely(f)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    restore = _exit_on_sigterm()
    pool = ctx.Pool(min(workers, len(files)), initializer=_worker_init, initargs=(os.getpid(),))
    finished = False
    try:
        yield from pool.imap(_parse_safely, files, chunksize=1)
        finished = True
    finally:
        if finished:
            pool.close()
        else:  # interrupted, or the caller stopped early: no worker may outlive this
            pool.terminate()
        pool.join()
        restore()


def _exit_on_sigterm() -> Callable[[], None]:
    """While workers run, SIGTERM exits through ``finally`` blocks (pool terminated, the open
    store transaction rolled back) instead of killing this process outright. Returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)

    def _terminated(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminated)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _worker_init(parent: int) -> None:
    """In each worker: die with the parent; leave Ctrl-C to the parent (which terminates the pool)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:  # portable fallback: notice the parent is gone
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _ingest_one(path: Path, store: Store, hooks: Sequence[AfterStoreHook],
                parsed_or_error: tuple[ParsedReport, list[str]] | IngestError | None = None) -> FileResult:
    try:
        if parsed_or_error is None:
            parsed_or_error = _parse_safely(path)
        if isinstance(parsed_or_error, IngestError):
            raise parsed_or_error
        parsed, aliases = parsed_or_error
        saved = store.save_report(parsed, aliases)
    except IngestError as exc:
        return FileResult(str(path), "error", str(exc))
    except Exception as exc:  # the store refused (disk full, locked, bad value type…): nothing was written
        return FileResult(str(path), "error", f"could not be stored ({_one_line(exc)})")
    status = saved.status
    result = FileResult(str(path), status, report_id=saved.report_id)
    if status != "unchanged":
        result.cells, result.findings = len(parsed.cells), len(parsed.findings)
        if not any(c.value is not None for c in parsed.cells):  # no table, or only guesses with no figure
            result.reason = NO_TABLES
    others = [s for s in dict.fromkeys(saved.other_versions) if s != parsed.doc.source]
    if status != "unchanged" and others:
        result.note = (f"another version of a stored report ({', '.join(others)}); answers use "
                       + ("this one (the newest)" if saved.is_current else "the version chosen before"))
    elif status == "replaced":
        result.note = "new content under a stored file name: the previous content is kept as an older version"
    if not saved.is_current:
        return result
    for hook in hooks:
        try:
            hook(parsed, status)
        except Exception as exc:
            name = getattr(hook, "__name__", hook.__class__.__name__)
            result.reason = f"stored, but {name} failed ({_one_line(exc)})"
            break
    return result
