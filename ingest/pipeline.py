"""Ingest files into the facts store: load → metadata → sections → tables → validation → store.

A file that cannot be read or is not an annual report is refused with one line naming the
reason; the other files go on, and nothing stored is touched by a failed file (each save is one
transaction). After the files, the cross-year checks run for every agency whose reports changed.
"""
from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings
from . import load
from .load import SUPPORTED, LoadError
from .models import ParsedReport
from .store import ReportRow, Store

#: Called after each file is stored, with the parsed report and "added" | "unchanged" | "replaced".
#: On "replaced" the previous report under the same ``doc.source`` is already gone from the store.
AfterStoreHook = Callable[[ParsedReport, str], None]

NOT_A_REPORT = "not a government information disclosure annual report (no year, sections or tables found)"


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


@dataclass
class IngestSummary:
    """The outcome of one :func:`ingest_paths` run; :meth:`render` is what the CLI prints."""

    files: int = 0
    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    reports: int = 0  # reports in the store after the run
    cells: int = 0  # cells written this run
    findings: int = 0  # findings written this run (report checks + cross-year checks)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
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
    is called as ``hook(parsed, status)`` after a file is stored (the vector index plugs in
    here); a failing hook adds an error line but does not undo the save.
    """
    from tqdm import tqdm

    t0 = time.perf_counter()
    store = store if store is not None else Store(settings.db_path)
    summary = IngestSummary()
    files, summary.errors = expand_paths(paths)
    summary.files = len(files)
    touched: set[str] = set()  # agencies whose cross-year checks must be redone

    bar = tqdm(total=len(files), disable=not (progress and files), file=sys.stderr, unit="file", desc="ingest",
               dynamic_ncols=True)
    n_workers = workers if workers is not None else 1
    for path, parsed_or_error in zip(files, _parsed_in_order(files, n_workers)):
        bar.set_postfix_str(path.name[-40:], refresh=False)
        bar.update(1)
        result = _ingest_one(path, store, hooks, touched, parsed_or_error)
        summary.results.append(result)
        if result.status == "error":
            summary.errors.append((str(path), result.reason))
        else:
            setattr(summary, result.status, getattr(summary, result.status) + 1)
            summary.cells += result.cells
            summary.findings += result.findings
            if result.reason:  # stored, but a hook failed
                summary.errors.append((str(path), result.reason))
        if on_file is not None:
            on_file(result)
    bar.close()

    if touched:
        summary.findings += _cross_year(store, touched, summary.errors)
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
    Storing stays in this process, one file at a time."""
    if workers <= 1 or len(files) < 2:
        for f in files:
            yield _parse_safely(f)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        yield from pool.map(_parse_safely, files, chunksize=1)


def _ingest_one(path: Path, store: Store, hooks: Sequence[AfterStoreHook], touched: set[str],
                parsed_or_error: tuple[ParsedReport, list[str]] | IngestError | None = None) -> FileResult:
    try:
        if parsed_or_error is None:
            parsed_or_error = _parse_safely(path)
        if isinstance(parsed_or_error, IngestError):
            raise parsed_or_error
        parsed, aliases = parsed_or_error
        previous = store.reports(source=parsed.doc.source)
        status = store.save(parsed, aliases)
    except IngestError as exc:
        return FileResult(str(path), "error", str(exc))
    except Exception as exc:  # the store refused (disk full, locked, bad value type…): nothing was written
        return FileResult(str(path), "error", f"could not be stored ({_one_line(exc)})")
    result = FileResult(str(path), status, report_id=parsed.report_id)
    if status != "unchanged":
        result.cells, result.findings = len(parsed.cells), len(parsed.findings)
        touched.update(a for a in [parsed.meta.agency, *(r.agency for r in previous)] if a)
    for hook in hooks:
        try:
            hook(parsed, status)
        except Exception as exc:
            name = getattr(hook, "__name__", hook.__class__.__name__)
            result.reason = f"stored, but {name} failed ({_one_line(exc)})"
            break
    return result


def _cross_year(store: Store, agencies: set[str], errors: list[tuple[str, str]]) -> int:
    """Redo the ``cross_year.*`` findings of every report of *agencies*; returns how many were written.

    A report is checked against the same agency's report of the year before (when several, the
    one with most cells); a report with no predecessor gets its old cross-year findings cleared.
    """
    from .validate import validate_cross_year

    written = 0
    for agency in sorted(agencies):
        by_year: dict[int, list[ReportRow]] = defaultdict(list)
        for r in store.reports(agency=agency):
            if r.year is not None:
                by_year[r.year].append(r)
        for year, reports in sorted(by_year.items()):
            prev = max(by_year.get(year - 1, []), key=lambda r: (r.n_cells, r.ingested_at), default=None)
            prev_cells = [c.to_cell() for c in store.cells(report_id=prev.id)] if prev else []
            for cur in reports:
                try:
                    findings = []
                    if prev is not None:
                        cur_cells = [c.to_cell() for c in store.cells(report_id=cur.id)]
                        findings = validate_cross_year(prev_cells, cur_cells, cur.template)
                    written += store.replace_cross_year_findings(cur.id, findings)
                except Exception as exc:
                    errors.append((cur.path or cur.source, f"cross-year check failed ({_one_line(exc)})"))
    return written
