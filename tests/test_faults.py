"""Ingest and export under faults (issue 12): killed runs, versions of one report, an old store,
formulas in exports, orphaned workers, readers during a replacement, misleading messages.

Kill tests run the real command line in a subprocess and kill it. Nothing here loads the
embedding model (``--no-index`` / ``embed=False``).
"""
from __future__ import annotations

import csv
import importlib.util
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, SAMPLE, needs_corpus
from ingest.config import load_settings
from ingest.export import export_cells
from ingest.pipeline import NO_TABLES, ingest_paths, parse_file
from ingest.migrations import MIGRATIONS
from ingest.store import Store, StoreError, open_store

TAIAN = SAMPLE / "003_67b517500533bac5.txt"  # 泰安市行政审批服务局 2024
ALDING = SAMPLE / "001_2be89032dc741db1.txt"  # 阿尔丁大街街道办事处 2024
MASHANG = SAMPLE / "000_17b09857f7c7bcdc.txt"  # 马尚街道办事处 2023
SYQ = "平潭综合实验区"
CARRY_ROW = "四、结转下年度继续办理0000000"  # 表三 row 四 of pingtan-syq-2024.txt: nothing carried forward


def settings_for(tmp_path: Path, backend=None):
    """The settings of the store under *tmp_path* in *backend*'s database (conftest.Backend)."""
    if backend is not None:
        return backend.settings(tmp_path / "home")
    return replace(load_settings(tmp_path / "home"), embed=False)


def store_at(home: str | Path) -> Store:
    """The store a command-line run with ``--home HOME`` uses (GONGKAI_DATABASE_URL, if set, wins)."""
    return open_store(replace(load_settings(home), embed=False))


def ingest(paths, settings, **kw):
    return ingest_paths([str(p) for p in paths], settings, progress=False, **kw)


def cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "GONGKAI_SKIP_MODEL": "1", "GONGKAI_EMBED": "0"}


def run_cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], cwd=ROOT, env=cli_env(), capture_output=True,
                          text=True, timeout=300, **kw)


def corrected_2024(dest: Path, carried: str = "3000003") -> Path:
    """pingtan-syq-2024.txt with 表三 四、结转下年度 changed from 0 to 3 (自然人 3, 总计 3)."""
    text = (CORPUS / "pingtan-syq-2024.txt").read_text("utf-8")
    assert text.count(CARRY_ROW) == 1
    dest.write_text(text.replace(CARRY_ROW, f"四、结转下年度继续办理{carried}"), "utf-8")
    return dest


def finding_set(store: Store) -> set[tuple]:
    by_id = {r.id: r.source for r in store.reports()}
    return {(by_id[f.report_id], f.rule, f.message, f.table, f.row, f.column, f.reported, f.computed)
            for f in store.findings()}


# ------------------------------------------------------------------------------------ 1. cross-year after a kill
KILL_AFTER_STORE = textwrap.dedent("""
    import os, signal, sys
    from dataclasses import replace
    from ingest.config import load_settings
    from ingest.pipeline import ingest_paths

    def die(parsed, status):  # runs after the file is stored: the process dies before the run ends
        if parsed.doc.source == sys.argv[2]:
            os.kill(os.getpid(), signal.SIGKILL)

    ingest_paths(sys.argv[3:], replace(load_settings(sys.argv[1]), embed=False), progress=False, hooks=[die])
""")


@needs_corpus
def test_cross_year_findings_survive_a_kill_after_the_second_year_is_stored(tmp_path: Path, backend) -> None:
    d = tmp_path / "in"
    d.mkdir()
    files = [corrected_2024(d / "pingtan-syq-2024.txt"), Path(shutil.copy(CORPUS / "pingtan-syq-2025.txt", d))]
    clean = settings_for(tmp_path / "clean", backend)
    ingest(files, clean)
    want = {f for f in finding_set(open_store(clean)) if f[1].startswith("cross_year.")}
    assert {(f[0], f[1], f[5], f[6], f[7]) for f in want} == {
        ("pingtan-syq-2025.txt", "cross_year.carry", "自然人", "0", "3"),
        ("pingtan-syq-2025.txt", "cross_year.carry", "总计", "0", "3")}

    home = tmp_path / "killed"
    run = subprocess.run([sys.executable, "-c", KILL_AFTER_STORE, str(home), files[1].name, *map(str, files)],
                         cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == -signal.SIGKILL, run.stderr
    again = run_cli("ingest", *map(str, files), "--home", str(home), "--no-progress", "--no-index")
    assert again.returncode == 0 and "2 unchanged" in again.stdout, again.stdout + again.stderr
    store = store_at(home)
    assert {f for f in finding_set(store) if f[1].startswith("cross_year.")} == want
    assert finding_set(store) == finding_set(open_store(clean))


@needs_corpus
def test_cross_year_findings_follow_a_changed_year_in_the_same_save(tmp_path: Path, backend) -> None:
    """Replacing the earlier year's report redoes the later year's carry-over check at once."""
    settings = settings_for(tmp_path, backend)
    d = tmp_path / "in"
    d.mkdir()
    f24 = shutil.copy(CORPUS / "pingtan-syq-2024.txt", d / "syq-2024.txt")
    ingest([f24, CORPUS / "pingtan-syq-2025.txt"], settings)
    store = open_store(settings)
    assert not [f for f in store.findings() if f.rule.startswith("cross_year.")]
    store.save(*parse_file(corrected_2024(d / "syq-2024.txt")))  # the store alone, no pipeline run
    (y25,) = store.reports(agency=SYQ, year=2025)
    assert sorted(f.column for f in store.findings(y25.id) if f.rule == "cross_year.carry") == ["总计", "自然人"]


# ------------------------------------------------------------------------------------ 2. versions
def test_a_renamed_copy_with_one_more_newline_is_a_version_not_a_second_report(tmp_path: Path, backend) -> None:
    settings = settings_for(tmp_path, backend)
    copy = tmp_path / "taian-renamed.txt"
    copy.write_bytes(TAIAN.read_bytes() + b"\n")
    summary = ingest([TAIAN, ALDING, copy], settings)
    assert (summary.added, summary.errors) == (3, [])
    assert summary.notes == [(str(copy), f"another version of a stored report ({TAIAN.name}); "
                                         "answers use this one (the newest)")]
    store = open_store(settings)
    reports = store.reports()
    assert len(reports) == 2 and store.counts()["reports"] == 2
    (taian,) = [r for r in reports if r.year == 2024 and "泰安" in (r.agency or "")]
    assert (taian.source, taian.version, taian.other_versions) == ("taian-renamed.txt", 2, [TAIAN.name])
    # sums across reports count the agency once: every current cell belongs to one of the two reports
    per_report = {r.id: r.n_cells for r in reports}
    assert len(store.cells()) == sum(per_report.values()) and {c.report_id for c in store.cells()} == set(per_report)
    assert store.counts()["cells"] == sum(per_report.values())
    versions = store.versions(taian.agency, 2024)
    assert [(v.source, v.is_current, v.version) for v in versions] == [
        ("taian-renamed.txt", True, 2), (TAIAN.name, False, 1)]
    assert all(v.content_hash and v.ingested_at and v.path for v in versions)
    assert not [f for f in store.findings(taian.id) if f.rule == "versions.differ"]  # the same figures

    chosen = store.choose_version(taian.agency, 2024, TAIAN.name)  # answer from the first one
    assert chosen.source == TAIAN.name and chosen.pinned and chosen.other_versions == ["taian-renamed.txt"]
    assert [r.source for r in store.reports(year=2024) if "泰安" in (r.agency or "")] == [TAIAN.name]
    later = tmp_path / "taian-third.txt"
    later.write_bytes(TAIAN.read_bytes() + b"\n\n")
    assert ingest([later], settings).notes[0][1].endswith("answers use the version chosen before")
    assert store.reports(agency=taian.agency)[0].source == TAIAN.name  # a choice holds
    assert store.choose_version(taian.agency, 2024, None).source == "taian-third.txt"  # back to the newest
    with pytest.raises(KeyError):
        store.choose_version(taian.agency, 2024, "nope.txt")
    generation = store.generation()
    assert ingest([copy], settings).unchanged == 1  # the same bytes again change nothing
    assert store.generation() == generation
    store.choose_version(taian.agency, 2024, TAIAN.name)  # a choice is a change: caches must notice
    assert store.generation() == generation + 1


def test_another_report_under_a_stored_file_name_deletes_nothing(tmp_path: Path, backend) -> None:
    """Two agencies' reports uploaded one after the other as 年报.txt: both are kept."""
    settings = settings_for(tmp_path, backend)
    f = tmp_path / "年报.txt"
    f.write_bytes(TAIAN.read_bytes())
    ingest([f], settings)
    f.write_bytes(ALDING.read_bytes())
    assert ingest([f], settings).added == 1
    store = open_store(settings)
    assert sorted(r.agency for r in store.reports(source="年报.txt")) == sorted(
        [parse_file(TAIAN)[0].meta.agency, parse_file(ALDING)[0].meta.agency])
    assert store.counts()["reports"] == 2 and all(r.n_cells for r in store.reports())


@needs_corpus
def test_corrected_version_records_each_differing_figure(tmp_path: Path, backend) -> None:
    settings = settings_for(tmp_path, backend)
    fixed = corrected_2024(tmp_path / "pingtan-syq-2024-更正版.txt")
    ingest([CORPUS / "pingtan-syq-2024.txt", fixed], settings)
    store = open_store(settings)
    (cur,) = store.reports(agency=SYQ, year=2024)
    assert cur.source == fixed.name and cur.other_versions == ["pingtan-syq-2024.txt"]
    diffs = sorted(f.message for f in store.findings(cur.id) if f.rule == "versions.differ")
    assert diffs == [
        f"pingtan-syq-2024.txt 与 {fixed.name} 不一致: 表三 四、结转下年度继续办理/总计 0 vs 3",
        f"pingtan-syq-2024.txt 与 {fixed.name} 不一致: 表三 四、结转下年度继续办理/自然人 0 vs 3"]
    # choosing the original makes it current: the differences are now listed on it
    store.choose_version(SYQ, 2024, "pingtan-syq-2024.txt")
    (cur,) = store.reports(agency=SYQ, year=2024)
    assert len([f for f in store.findings(cur.id) if f.rule == "versions.differ"]) == 2
    assert not [f for f in store.findings() if f.report_id != cur.id and f.rule == "versions.differ"]


@needs_corpus
def test_cli_lists_and_chooses_versions(tmp_path: Path, backend, capsys) -> None:
    from qa.cli import main as cli

    home = str(tmp_path / "h")
    files = [CORPUS / "pingtan-syq-2013.html", CORPUS / "pingtan-syq-2013.txt"]
    assert cli(["ingest", *map(str, files), "--home", home, "--no-progress", "--no-index"]) == 0
    capsys.readouterr()
    assert cli(["versions", "平潭综合实验区", "2013", "--home", home]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2].startswith("*") and "pingtan-syq-2013.txt" in out[2] and "pingtan-syq-2013.html" in out[3]
    assert cli(["versions", "福建省平潭综合实验区", "2013", "--use", "pingtan-syq-2013.html", "--home", home]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[3].startswith("*") and "(chosen)" in out[3] and "pingtan-syq-2013.html" in out[3]
    assert [r.source for r in store_at(home).reports()] == ["pingtan-syq-2013.html"]
    assert cli(["versions", "平潭综合实验区", "2013", "--newest", "--home", home]) == 0
    assert capsys.readouterr().out.splitlines()[2].startswith("*")
    assert cli(["versions", "平潭综合实验区", "2013", "--use", "nope.txt", "--home", home]) == 2
    assert "no version 'nope.txt'" in capsys.readouterr().err
    assert cli(["versions", "北京市海淀区", "2013", "--home", home]) == 2


@needs_corpus
def test_corpus_twins_are_one_report_with_two_versions(tmp_path: Path, backend) -> None:
    settings = settings_for(tmp_path, backend)
    copy = tmp_path / "copy-of-hzs.txt"
    copy.write_bytes((CORPUS / "pingtan-hzs-2025.txt").read_bytes() + b"\n")
    summary = ingest([CORPUS, copy], settings)
    assert summary.errors == [] and summary.added == 41
    store = open_store(settings)
    assert store.counts()["reports"] == 37  # 41 files: three twins and one renamed copy are versions
    for agency, year, n in (("平潭综合实验区行政审批局", 2025, 3), (SYQ, 2013, 2), ("福建省平潭综合实验区", 2013, 2),
                            ("平潭县人民政府", 2011, 2)):
        versions = store.versions(agency, year)
        assert len(versions) == n and sum(v.is_current for v in versions) == 1, (agency, year)
        assert len(store.reports(year=year, source=versions[-1].source)) == 1
    keys = [(r.agency, r.year, r.template) for r in store.reports()]
    assert len(keys) == len(set(keys))


# ------------------------------------------------------------------------------------ migrations
def _old_store_module():
    spec = importlib.util.spec_from_file_location("store_v1", Path(__file__).parent / "data" / "store_v1.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["store_v1"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _rows(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("reports", "lines", "sections", "cells")}
    finally:
        con.close()


def _findings(db: Path) -> set[tuple]:
    con = sqlite3.connect(db)
    try:
        return set(con.execute('SELECT report_id, rule, message, "row", "column" FROM findings'))
    finally:
        con.close()


@needs_corpus
def test_a_home_written_by_the_old_schema_upgrades_in_place(tmp_path: Path) -> None:
    from ingest.models import Finding

    old = _old_store_module()
    db = tmp_path / "home" / "gongkai.sqlite3"
    copy = tmp_path / "taian-renamed.txt"
    copy.write_bytes(TAIAN.read_bytes() + b"\n")
    files = [TAIAN, MASHANG, copy, CORPUS / "pingtan-xian-2011.html", CORPUS / "pingtan-xian-2011.txt"]
    ostore = old.Store(db)
    for f in files:
        assert ostore.save(*parse_file(f)) == "added"
    mashang_id = ostore.reports(source=MASHANG.name)[0].id
    ostore.add_findings(mashang_id, [Finding("prose.mismatch", "info", "正文与表格不一致")])
    ostore.close()
    before, old_findings = _rows(db), _findings(db)
    assert before["reports"] == 5 and sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 1

    store = Store(db)  # upgrades
    assert _rows(db) == before  # nothing lost: every version, line, section and cell is still there
    added = _findings(db) - old_findings
    assert old_findings <= _findings(db)
    assert {f[1] for f in added} <= {"versions.cells", "versions.differ"}  # what the xian twins' versions differ in
    con = sqlite3.connect(db)
    assert [n for (n,) in con.execute("SELECT name FROM schema_migrations ORDER BY name")] == [n for n, _ in MIGRATIONS]
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    reports = store.reports()
    assert len(reports) == 3  # the renamed copy and the xian twin are versions now
    assert {r.source for r in reports} == {copy.name, MASHANG.name, "pingtan-xian-2011.txt"}
    assert [v.source for v in store.versions("平潭县人民政府", 2011)] == ["pingtan-xian-2011.txt", "pingtan-xian-2011.html"]
    assert "prose.mismatch" in {f.rule for f in store.findings(mashang_id)}
    assert store.get_report(mashang_id).text  # old ids still resolve
    # a second open is a no-op; saving works on the upgraded file
    assert Store(db).counts() == store.counts()
    fresh = tmp_path / "taian-3.txt"
    fresh.write_bytes(TAIAN.read_bytes() + b"\n\n")
    assert store.save(*parse_file(fresh)) == "added" and store.counts()["reports"] == 3


def test_a_store_from_a_newer_program_is_refused(tmp_path: Path, backend) -> None:
    settings = settings_for(tmp_path, backend)
    with open_store(settings) as store:
        store._con().execute("INSERT INTO schema_migrations VALUES (?, ?)", ("m999_future", "x"))
    with pytest.raises(StoreError, match="m999_future"):
        open_store(settings)


# ------------------------------------------------------------------------------------ 3. exports run no formulas
EVIL = ["=1+2.txt", '=HYPERLINK("http-evil","click").txt', "@SUM(1+1).txt"]


def test_exports_run_no_formulas(tmp_path: Path, backend) -> None:
    from openpyxl import load_workbook

    from qa import ui_data as D

    settings = settings_for(tmp_path, backend)
    d = tmp_path / "in"
    d.mkdir()
    for name, seed in zip(EVIL, (TAIAN, ALDING, MASHANG)):
        shutil.copy(seed, d / name)
    assert ingest(sorted(d.iterdir()), settings).added == 3
    store = open_store(settings)
    n = store.counts()["cells"]

    out = tmp_path / "cells.csv"
    assert export_cells(store, "csv", out) == n
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    fields = [f for r in rows for f in r]
    assert {r[0] for r in rows[1:]} == {"'" + e for e in EVIL}
    bad = [f for f in fields if f[:1] in ("=", "+", "@", "\t", "\r")
           or (f[:1] == "-" and not f[1:].replace(".", "", 1).isdigit() and f.strip("-"))]
    assert bad == []
    assert all(r[7] == "" or r[7].lstrip("-")[0].isdigit() for r in rows[1:])  # values stay plain numbers

    assert export_cells(store, "xlsx", tmp_path / "cells.xlsx") == n
    per_report = D.export_report(store, store.reports()[0].id, "xlsx", tmp_path / "one")  # the UI's download
    for path in (tmp_path / "cells.xlsx", per_report):
        wb = load_workbook(path)  # not read-only: data_type tells a formula from text
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
        assert cells and not [c.coordinate for c in cells if c.data_type == "f"], path
        texts = {c.value for c in cells if isinstance(c.value, str)}
        assert texts & set(EVIL)  # the file names are there, as text
    csv_one = D.export_report(store, store.reports()[0].id, "csv", tmp_path / "one")
    assert not [f for r in csv.reader(io.StringIO(csv_one.read_text("utf-8-sig"))) for f in r if f[:1] in "=@+"]


# ------------------------------------------------------------------------------------ 4. workers die with the parent
def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(p.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")  # a zombie has died


@needs_corpus
@pytest.mark.skipif(not Path("/proc/self/stat").exists() or (os.cpu_count() or 1) < 2,
                    reason="needs /proc and two CPUs (the CLI parses in two workers)")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_killing_ingest_leaves_no_worker_alive(tmp_path: Path, sig: int) -> None:
    d = tmp_path / "in"
    d.mkdir()
    pdfs = sorted(CORPUS.glob("*.pdf"))
    for i in range(120):  # long enough to be killed in the middle
        shutil.copy(pdfs[i % len(pdfs)], d / f"r{i:03d}.pdf")
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "ingest", str(d), "--home", str(tmp_path / "h"),
                             "--no-progress", "--no-index"], cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the ingest never started its two workers"
        time.sleep(0.5)
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], f"workers outlived the ingest killed with {sig!r}"
        if sig != signal.SIGKILL:
            assert proc.returncode != 0
            err = proc.stderr.read().decode()
            assert "Traceback" not in err, err
        assert Store(tmp_path / "h" / "gongkai.sqlite3").counts()["reports"] >= 0  # the store opens
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever this test started, should the check fail
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


# ------------------------------------------------------------------------------------ 5. readers during a replacement
def _version(i: int) -> bytes:
    return TAIAN.read_bytes() + f"\n本报告第{i}次更新。\n".encode()


def test_a_reader_keeps_the_rows_it_listed_while_another_writer_replaces_them(tmp_path: Path, backend) -> None:
    settings = settings_for(tmp_path, backend)
    f = tmp_path / "taian.txt"
    f.write_bytes(_version(0))
    ingest([f], settings)
    reader = open_store(settings)
    writer = open_store(settings)
    (listed,) = reader.reports(year=2024)
    f.write_bytes(_version(1))
    assert ingest([f], settings, store=writer).replaced == 1  # between the reader's two reads
    assert reader.cells(report_id=listed.id, table="三"), "the listed report's cells vanished"
    assert reader.get_report(listed.id) is not None and reader.lines(listed.id)
    (now,) = reader.reports(year=2024)
    assert now.id != listed.id and len(reader.cells(table="三")) == len(reader.cells(report_id=now.id, table="三"))

    with reader.snapshot():  # several reads from one state, whatever is stored meanwhile
        (seen,) = reader.reports(year=2024)
        f.write_bytes(_version(2))
        done = threading.Thread(target=lambda: ingest([f], settings, store=writer))
        done.start()
        done.join()
        assert [r.id for r in reader.reports(year=2024)] == [seen.id]
    assert reader.reports(year=2024)[0].id != seen.id


def test_answers_during_replacements_never_miss_the_report(tmp_path: Path, backend) -> None:
    from qa import answer

    settings = settings_for(tmp_path, backend)
    f = tmp_path / "taian.txt"
    f.write_bytes(_version(0))
    ingest([f], settings)
    question = "泰安市行政审批服务局2024年予以公开的申请有几件？"
    assert answer(question, settings=settings).value == 1
    stop = threading.Event()
    wrong: list[str] = []
    counted = [0]

    def ask() -> None:
        while not stop.is_set():
            a = answer(question, settings=settings)
            counted[0] += 1
            if a.value != 1:
                wrong.append(a.text[:80])

    readers = [threading.Thread(target=ask) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for i in range(1, 13):
            f.write_bytes(_version(i))
            assert ingest([f], settings).replaced == 1
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert counted[0] > 0 and wrong == [], f"{len(wrong)} of {counted[0]} answers missed the report: {wrong[:2]}"


# ------------------------------------------------------------------------------------ 7. messages
def test_deeply_nested_html_says_so(tmp_path: Path) -> None:
    from ingest.pipeline import IngestError

    body = "".join(f"<p>{line}</p>" for line in TAIAN.read_text("utf-8").splitlines())
    f = tmp_path / "deep.html"
    f.write_text("<html><body>" + "<div>" * 50_000 + body + "</div>" * 50_000 + "</body></html>", "utf-8")
    with pytest.raises(IngestError, match="nested too deeply"):
        parse_file(f)
    shallow = tmp_path / "shallow.html"
    shallow.write_text("<html><body>" + "<div>" * 50 + body + "</div>" * 50 + "</body></html>", "utf-8")
    assert parse_file(shallow)[0].meta.year == 2024


@needs_corpus
def test_truncated_pdf_gets_one_line_naming_the_file(tmp_path: Path) -> None:
    data = (CORPUS / "huaian-shi-2024.pdf").read_bytes()
    f = tmp_path / "truncated.pdf"
    f.write_bytes(data[: len(data) // 3])
    run = run_cli("ingest", str(f), "--home", str(tmp_path / "h"), "--no-progress", "--no-index")
    assert run.returncode == 1
    assert run.stderr == "", run.stderr  # no library line that names no file
    assert [ln for ln in run.stdout.splitlines() if "truncated.pdf" in ln] == [
        f"  {f}: corrupt PDF (PdfStreamError: Stream has ended unexpectedly)"]


def test_a_report_without_tables_is_stored_with_a_word(tmp_path: Path, backend) -> None:
    lines = TAIAN.read_text("utf-8").splitlines()
    f = tmp_path / "prose-only.txt"
    f.write_text("\n".join(lines[: lines.index("二、主动公开政府信息情况")]) + "\n", "utf-8")
    run = run_cli("ingest", str(f), "--home", str(tmp_path / "h"), "--no-progress", "--no-index")
    assert run.returncode == 0 and "1 added" in run.stdout
    assert f"  {f}: {NO_TABLES}" in run.stdout.splitlines()
    store = store_at(tmp_path / "h")
    (r,) = store.reports()
    assert r.year == 2024 and not [c for c in store.cells(report_id=r.id) if c.value is not None]
