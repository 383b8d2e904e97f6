"""Several app processes on one store (issue 14, "past one machine"): each test runs on SQLite
and on PostgreSQL (the ``backend`` fixture, tests/conftest.py) with the same assertions.

Processes here are real subprocesses sharing the store through GONGKAI_DATABASE_URL (PostgreSQL)
or the home folder (SQLite); nothing loads the embedding model.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE
from ingest.migrations import MIGRATIONS
from ingest.pipeline import ingest_paths
from ingest.store import open_store
from test_retrieval import chroma_server  # noqa: F401  (a fixture: a `chroma run` server for the test)

TAIAN = SAMPLE / "003_67b517500533bac5.txt"  # 泰安市行政审批服务局 2024: 予以公开 1
QUESTION = "泰安市行政审批服务局2024年予以公开的申请有几件？"
GRANTED_ROW = "三、本年度办理结果 | (一)予以公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | |"


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "GONGKAI_SKIP_MODEL": "1", "GONGKAI_EMBED": "0"}


def version(i: int, granted: int = 1) -> bytes:
    text = TAIAN.read_text("utf-8")
    assert text.count(GRANTED_ROW) == 1
    row = GRANTED_ROW.replace("| 1 | 0 | 0 | 0 | 0 | 0 | 1 |", f"| {granted} | 0 | 0 | 0 | 0 | 0 | {granted} |")
    return (text.replace(GRANTED_ROW, row) + f"\n本报告第{i}次更新。\n").encode()


ANSWERER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from dataclasses import replace
    from ingest.config import load_settings
    from qa import answer

    home, question, ready, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    settings = replace(load_settings(home), embed=False)
    seen = []
    while not stop.exists():
        a = answer(question, settings=settings)
        seen.append(a.value)
        ready.touch()
        time.sleep(0.01)
    a = answer(question, settings=settings)
    print(json.dumps({"seen": seen, "final": a.value, "final_id": a.citations[0].report_id if a.citations else None}))
""")


def test_one_process_ingests_while_another_answers(tmp_path: Path, backend) -> None:
    """An answering process sees each new version as it is committed, never a half-stored one,
    never an older figure after a newer one, and ends on the version the writer stored last."""
    settings = backend.settings(tmp_path / "home")
    f = tmp_path / "taian.txt"
    f.write_bytes(version(0))
    assert ingest_paths([f], settings, progress=False).added == 1
    ready, stop = tmp_path / "ready", tmp_path / "stop"
    proc = subprocess.Popen([sys.executable, "-c", ANSWERER, str(settings.home), QUESTION, str(ready), str(stop)],
                            cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the answering process never answered"
            time.sleep(0.05)
        for i in range(1, 8):  # six new versions with the same figure, then one with another
            f.write_bytes(version(i, granted=2 if i == 7 else 1))
            assert ingest_paths([f], settings, progress=False).replaced == 1
        stop.touch()
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    got = json.loads(out)
    seen = got["seen"]
    assert seen and set(seen) <= {1, 2}, seen
    assert 1 not in seen[seen.index(2):] if 2 in seen else True, "an older figure after a newer one"
    (current,) = open_store(settings).reports(year=2024)
    assert (got["final"], got["final_id"]) == (2, current.id)
    from qa import answer

    mine = answer(QUESTION, settings=settings)
    assert (mine.value, mine.citations[0].report_id) == (2, current.id)


WRITER = textwrap.dedent("""
    import sys
    from dataclasses import replace
    from ingest.config import load_settings
    from ingest.pipeline import ingest_paths

    s = ingest_paths(sys.argv[2:], replace(load_settings(sys.argv[1]), embed=False), progress=False)
    assert not s.errors, s.errors
    print(s.added, s.unchanged)
""")


def test_two_processes_storing_versions_of_the_same_reports_take_turns(tmp_path: Path, backend) -> None:
    """Two ingests at once, of two copies of the same five reports: each report ends with two
    versions and one current one (a writer that did not see the other's save would make two)."""
    settings = backend.settings(tmp_path / "home")
    open_store(settings).close()  # the tables exist before the race (opening races are the next test's)
    a, b = tmp_path / "a", tmp_path / "b"
    for d, extra in ((a, b""), (b, b"\n")):
        d.mkdir()
        for src in sorted(SAMPLE.glob("*.txt")):
            (d / src.name).write_bytes(src.read_bytes() + extra)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(settings.home), str(d)], cwd=ROOT, env=env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outs]
    store = open_store(settings)
    reports = store.reports()
    assert len(reports) == 5 and store.counts()["reports"] == 5
    for r in reports:
        versions = store.versions(r.agency, r.year) if r.agency and r.year else []
        assert len(versions) == 2 and sum(v.is_current for v in versions) == 1, (r.source, versions)
        assert {v.version for v in versions} == {1, 2}


OPENER = "import sys; from dataclasses import replace; from ingest.config import load_settings; " \
         "from ingest.store import open_store; print(open_store(load_settings(sys.argv[1])).generation())"


def test_processes_opening_a_new_store_at_once_apply_each_migration_once(tmp_path: Path, backend) -> None:
    settings = backend.settings(tmp_path / "home")
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(settings.home)], cwd=ROOT, env=env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [e for _, e in outs]
    assert [o.strip() for o, _ in outs] == ["1"] * 4
    con = open_store(settings)._con()
    assert [n for (n,) in con.execute("SELECT name FROM schema_migrations ORDER BY name")] == [n for n, _ in MIGRATIONS]


def test_a_postgres_store_an_older_program_left_upgrades_in_place(tmp_path: Path, backend) -> None:
    """A PostgreSQL store with the first two migrations (as a program before m003 left it) and a
    report in it: opening applies the rest, and the report and its cells are still there."""
    if backend.name != "postgresql":
        pytest.skip("SQLite's in-place upgrade from the first release: tests/test_faults.py")
    from ingest.migrations import migrate_pg
    from ingest.store_pg import PgConnection

    settings = backend.settings(tmp_path / "home")
    con = PgConnection(settings.database_url)
    migrate_pg(con, "test", migrations=MIGRATIONS[:2])
    con.execute("INSERT INTO reports (id, source, content_hash, format, agency, year, text, ingested_at, report_key,"
                " seq, is_current) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ("r1", "old.txt", "h1", "txt", "测试街道办事处", 2024, "一、总体情况", "2025-01-01T00:00:00+00:00",
                 "测试街道办事处|2024|2021", 1, 1))
    con.execute("INSERT INTO cells (report_id, table_name, \"row\", \"column\", value, value_type)"
                " VALUES (?, ?, ?, ?, ?, ?)", ("r1", "三", "新收", "总计", "12", "int"))
    assert con.execute("SELECT to_regclass('store_meta')").fetchone()[0] is None
    con.close()

    store = open_store(settings)  # upgrades
    assert [n for (n,) in store._con().execute("SELECT name FROM schema_migrations ORDER BY name")] == [
        n for n, _ in MIGRATIONS]
    (r,) = store.reports()
    assert (r.id, r.source, r.agency, r.year, r.n_cells) == ("r1", "old.txt", "测试街道办事处", 2024, 1)
    assert [c.value for c in store.cells(report_id="r1")] == [12]
    assert store.generation() == 1
    assert ingest_paths([TAIAN], settings, progress=False).added == 1 and store.generation() == 2


@pytest.mark.slow
def test_the_facts_store_and_a_chroma_server_serve_two_homes(tmp_path: Path, backend, chroma_server) -> None:
    """The setup past one machine: the facts in the backend's store, the vectors in a Chroma
    server. One app indexes what the store holds; another finds the same chunks through the
    server (embedding nothing) and the same reports through the store."""
    import dataclasses

    from ingest.vectorstore import Embedder, VectorIndex
    from qa.retrieval import HybridSearcher

    from test_retrieval import FakeEncoder

    first = dataclasses.replace(backend.settings(tmp_path / "home"), chroma_url=chroma_server,
                                embedding_model="fake-bigram-64")
    assert ingest_paths([SAMPLE], first, progress=False).added == 5
    index = VectorIndex(first, embedder=Embedder(first, model=FakeEncoder()))
    done = index.sync(progress=False)  # reads the reports through open_store: SQLite or PostgreSQL
    assert done["indexed"] == done["reports"] == 5 and index.count() > 0
    # another app process: on PostgreSQL it may be on another machine (another home folder);
    # a SQLite store is a file, so it shares the home folder, but not the index objects or cache
    second = dataclasses.replace(first, home=tmp_path / "other-home") if backend.name == "postgresql" else first
    encoder = FakeEncoder()
    other = VectorIndex(second, embedder=Embedder(second, model=encoder))
    assert other.count() == index.count() and not second.chroma_path.exists()
    assert other.sync(progress=False)["indexed"] == 0  # everything the store holds is indexed already
    assert encoder.documents == 0
    (taian,) = open_store(second).reports(source=TAIAN.name)
    hits = HybridSearcher(second, embedder=other.embedder).search("予以公开", k=3, mode="dense", agency=taian.agency)
    assert hits and {h.source for h in hits} == {TAIAN.name}


def _everything(store) -> dict:
    """All a store holds, as plain data (ids included)."""
    reports = store.reports()
    versions = [v for r in reports if r.agency and r.year for v in store.versions(r.agency, r.year)]
    ids = sorted({r.id for r in reports} | {v.id for v in versions})
    return {"reports": reports, "versions": versions, "cells": [store.cells(report_id=i) for i in ids],
            "findings": [store.findings(i) for i in ids], "lines": [store.lines(i) for i in ids],
            "sections": [store.sections(i) for i in ids], "counts": store.counts()}


def test_copy_store_moves_everything_and_the_copy_works_on(tmp_path: Path, backend, monkeypatch) -> None:
    """``gongkai copy-store``: an existing SQLite home into the backend's store (PostgreSQL: the
    way to move), with a chosen version and a finding added by hand; then back into SQLite."""
    from dataclasses import replace

    from ingest.config import load_settings
    from ingest.models import Finding
    from qa import answer
    from qa.cli import main as cli

    old = replace(load_settings(tmp_path / "old"), embed=False, database_url=None)
    renamed = tmp_path / "taian-renamed.txt"
    renamed.write_bytes(TAIAN.read_bytes() + b"\n")
    assert ingest_paths([SAMPLE, renamed], old, progress=False).added == 6
    src = open_store(old)
    taian = src.choose_version(src.reports(source=TAIAN.name)[0].agency, 2024, TAIAN.name)
    src.add_findings(taian.id, [Finding("prose.mismatch", "info", "正文与表格不一致")])

    new = backend.settings(tmp_path / "new")
    to = new.database_url or str(new.home)
    monkeypatch.delenv("GONGKAI_DATABASE_URL", raising=False)  # the source: the SQLite file under --home
    assert cli(["copy-store", "--home", str(old.home), "--to", to]) == 0
    dst = open_store(new)
    assert _everything(dst) == _everything(src)
    assert cli(["copy-store", "--home", str(old.home), "--to", to]) == 1  # not into a store that holds reports
    a, b = answer(QUESTION, settings=old), answer(QUESTION, settings=new)
    assert (a.value, a.citations[0].cell_id, a.citations[0].source) == (b.value, b.citations[0].cell_id, TAIAN.name)

    later = tmp_path / "taian-third.txt"
    later.write_bytes(TAIAN.read_bytes() + b"\n\n")
    assert ingest_paths([later], new, progress=False).added == 1  # ids go on after the copied ones
    assert min(c.id for c in dst.cells(report_id=dst.versions(taian.agency, 2024)[0].id)) > max(
        c.id for rid in [r.id for r in src.reports()] for c in src.cells(report_id=rid))
    back = replace(load_settings(tmp_path / "back"), embed=False, database_url=None)
    from ingest.store import copy_store

    copy_store(dst, open_store(back))
    assert _everything(open_store(back)) == _everything(dst)


def test_answers_follow_a_store_wiped_and_made_again(tmp_path: Path, backend) -> None:
    """A home folder deleted (SQLite) or a schema dropped and created (PostgreSQL), then another
    report ingested: the generation starts over, yet answers see the new store, not the old."""
    import shutil

    import psycopg

    from qa import answer

    settings = backend.settings(tmp_path / "home")
    ingest_paths([TAIAN], settings, progress=False)
    assert answer(QUESTION, settings=settings).value == 1
    if backend.name == "sqlite":
        shutil.rmtree(settings.home)
    else:
        schema = backend.schemas[str(tmp_path / "home")]
        with psycopg.connect(backend.admin_url, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")
            con.execute(f"CREATE SCHEMA {schema}")
    ingest_paths([SAMPLE / "001_2be89032dc741db1.txt"], settings, progress=False)  # 阿尔丁大街街道 2024
    assert answer(QUESTION, settings=settings).kind == "not_found"
    assert answer("阿尔丁大街街道2024年予以公开多少件？", settings=settings).value == 1


def test_a_dropped_server_connection_is_made_again(tmp_path: Path, backend) -> None:
    """A long-running app outlives a PostgreSQL restart: the next read connects again."""
    if backend.name != "postgresql":
        pytest.skip("a SQLite store is a file: there is no connection to lose")
    import psycopg

    from qa import answer

    settings = backend.settings(tmp_path / "home")
    ingest_paths([TAIAN], settings, progress=False)
    assert answer(QUESTION, settings=settings).value == 1
    with psycopg.connect(backend.admin_url, autocommit=True) as con:  # every connection of this test's store
        con.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid != pg_backend_pid()"
                    " AND query NOT ILIKE '%pg_stat_activity%' AND backend_type = 'client backend'"
                    " AND datname = current_database()")
    assert answer(QUESTION, settings=settings).value == 1
    assert open_store(settings).counts()["reports"] == 1


APP_START = textwrap.dedent("""
    import sys
    from dataclasses import replace
    from ingest.config import load_settings
    from qa import ui_data as D

    D.ensure_sample(replace(load_settings(sys.argv[1]), embed=False))  # what the web UI does on start
""")


def test_two_web_apps_starting_on_an_empty_store_store_the_sample_once(tmp_path: Path, backend) -> None:
    """Two UI processes start at once on an empty store: both ingest the bundled sample, the
    store ends with each sample report once (one version), and the UI's views read it."""
    from qa import answer
    from qa import ui_data as D

    settings = backend.settings(tmp_path / "home")
    procs = [subprocess.Popen([sys.executable, "-c", APP_START, str(settings.home)], cwd=ROOT, env=env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outs]
    store = open_store(settings)
    rows = D.report_rows(store)
    assert len(rows) == 5 and store.counts()["reports"] == 5
    assert all(r.version == 1 and r.other_versions == [] for r in store.reports())
    (taian,) = store.reports(source=TAIAN.name)
    assert "予以公开" in D.table_html(store, taian.id, "三")
    a = answer(QUESTION, settings=settings)
    assert a.value == 1 and TAIAN.name in D.source_view(store, a.citations[0])
