"""The facts store, the ingest pipeline, export and the CLI, on real reports in temporary homes.

Corpus files come from ../shared/corpus/raw (skipped with a reason when absent); the five seed
reports bundled in ingest/sample are always there.
"""
from __future__ import annotations

import json

import csv
import io
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from ingest import load
from ingest.config import load_settings
from ingest.export import EXPORT_COLUMNS, export_cells, table_frame
from ingest.load import load_bytes
from ingest.models import Cell, Finding, ParsedReport, ReportMeta, Section
from ingest.pipeline import NOT_A_REPORT, ingest_paths, parse_file
from ingest.store import Store, open_store
from ingest.templates import T3_COLUMNS, t3_rows
from qa.cli import main as cli

from conftest import CORPUS, SAMPLE, needs_corpus

SEED_2021 = SAMPLE / "001_2be89032dc741db1.txt"  # 包头市昆都仑区阿尔丁大街街道办事处 2024, pipe rows
SEED_SIMPLIFIED = SAMPLE / "003_67b517500533bac5.txt"  # 泰安市行政审批服务局 2024
SHORT_TEXT = "一、总体情况\n2024年,本机关共收到政府信息公开申请12件,均已按时答复。\n"
NON_REPORT = "红烧肉的做法:五花肉切块,冷水下锅焯水,捞出沥干。\n锅中放少许油,下冰糖小火炒出糖色,放入肉块翻炒上色。\n加开水没过肉块,小火炖煮一小时,大火收汁即可。\n"


def settings_for(tmp_path: Path, backend=None):
    """The settings of the store under *tmp_path* in *backend*'s database (conftest.Backend)."""
    if backend is not None:
        return backend.settings(tmp_path / "home")
    return replace(load_settings(tmp_path / "home"), embed=False)


def ingest(paths, settings, **kw):
    return ingest_paths([str(p) for p in paths], settings, progress=False, **kw)


def require_cells(store: Store) -> None:
    """Cell assertions need a working table parser; say so plainly when it finds nothing."""
    assert store.counts()["cells"], "ingest.tables.parse_tables returned no cells for these reports"


def table_rows(store: Store, report_id: str) -> dict[str, int]:
    con = store._con()
    return {t: con.execute(f"SELECT count(*) FROM {t} WHERE report_id = ?", (report_id,)).fetchone()[0]
            for t in ("lines", "sections", "cells", "findings")}


# ------------------------------------------------------------------------------------ store
def _synthetic(text: str, source: str = "synthetic.txt") -> ParsedReport:
    doc = load_bytes(text.encode("utf-8"), source, "txt", f"/x/{source}")
    meta = ReportMeta("测试街道办事处", 2024, "2025-01-15", "2021", title="测试报告", agency_evidence="title")
    cells = [
        Cell("三", "一、本年新收政府信息公开申请数量", "自然人", 12, "12", row_id="new", column_id="natural_person",
             start=3, end=5, page=None, line_no=1),
        Cell("三", "一、本年新收政府信息公开申请数量", "总计", None, "", row_id="new", column_id="total"),
        Cell("二", "第二十条第(八)项/行政事业性收费", "本年收费金额(单位:万元)", Decimal("42.20"), "42.20",
             row_id="fees", column_id="amount"),
        Cell("二", "第二十条第(五)项/行政许可", "本年增/减", -3, "-3", status="inferred", row_id="licensing",
             column_id="change", note="sign read from prose"),
        Cell("二", "第二十条第(九)项/政府集中采购", "采购总金额", Decimal("5"), "5", row_id="procurement",
             column_id="amount"),
    ]
    findings = [Finding("table3.balance", "error", "一+二 ≠ 总计+四", table="三", column="总计", reported="5",
                        computed="7")]
    sections = [Section(1, "一、总体情况", 0, 10, None)]
    return ParsedReport(doc, meta, sections, cells, findings)


def test_store_round_trips_values_lines_and_sections(tmp_path: Path, backend) -> None:
    parsed = _synthetic("一、总体情况\n本年新收申请12件。\n二、主动公开 | 3 | 4\n")
    store = open_store(settings_for(tmp_path, backend))
    assert store.save(parsed, ["测试街道", "测试街道办事处"]) == "added"

    got = store.cells(report_id=parsed.report_id)
    assert [c.to_cell() for c in got] == parsed.cells
    values = [c.value for c in got]
    assert values == [12, None, Decimal("42.20"), -3, Decimal("5")]
    assert [type(v) for v in values] == [int, type(None), Decimal, int, Decimal]
    assert str(values[2]) == "42.20"
    assert got[0].agency == "测试街道办事处" and got[0].year == 2024 and got[0].source == "synthetic.txt"
    assert [c.column_id for c in store.cells(table="三", row_id="new")] == ["natural_person", "total"]
    assert store.cells(column_id="nothing") == []

    report = store.get_report(parsed.report_id)
    assert report is not None and report.text == parsed.doc.text
    assert report.aliases == ["测试街道", "测试街道办事处"] and report.n_cells == 5 and report.n_findings == 1
    assert store.reports()[0].text is None

    assert store.lines(parsed.report_id, 1, 3) == parsed.doc.lines
    assert store.lines(parsed.report_id, 3)[0].cells == ("二、主动公开", "3", "4")
    second = parsed.doc.lines[1]
    assert store.line_at(parsed.report_id, second.start + 2) == second
    assert store.line_at(parsed.report_id, 10_000) is None
    assert store.sections(parsed.report_id) == parsed.sections
    assert [f.to_finding() for f in store.findings(parsed.report_id)] == parsed.findings


def test_cross_year_findings_are_replaced_not_appended(tmp_path: Path, backend) -> None:
    parsed = _synthetic(SHORT_TEXT)
    store = open_store(settings_for(tmp_path, backend))
    store.save(parsed)
    carry = Finding("cross_year.carry", "warning", "上年结转 ≠ 去年结转下年度")
    for _ in range(2):
        store.replace_cross_year_findings(parsed.report_id, [carry])
    rules = sorted(f.rule for f in store.findings(parsed.report_id))
    assert rules == ["cross_year.carry", "table3.balance"]
    with pytest.raises(ValueError):
        store.replace_cross_year_findings(parsed.report_id, [Finding("table3.balance", "error", "x")])
    store.add_findings(parsed.report_id, [Finding("prose.mismatch", "info", "正文与表格不一致")])
    assert len(store.findings(parsed.report_id)) == 3
    assert store.delete(parsed.report_id) and not store.delete(parsed.report_id)
    assert store.counts() == {"reports": 0, "cells": 0, "findings": 0}


def test_store_is_readable_from_many_threads(tmp_path: Path, backend) -> None:
    parsed = _synthetic(SHORT_TEXT)
    store = open_store(settings_for(tmp_path, backend))
    store.save(parsed)

    def read(_: int) -> tuple[int, int, int]:
        return len(store.reports()), len(store.cells()), threading.get_ident()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(read, range(64)))
    assert {r[:2] for r in results} == {(1, 5)}


# ------------------------------------------------------------------------------------ pipeline
def test_reingesting_the_same_file_is_a_no_op(tmp_path: Path, backend) -> None:
    settings = settings_for(tmp_path, backend)
    first = ingest([SEED_2021], settings)
    assert (first.added, first.errors) == (1, [])
    store = open_store(settings)
    before = store.reports()
    counts = store.counts()

    calls: list[str] = []
    again = ingest([SEED_2021, SEED_2021.parent], settings, hooks=[lambda p, status: calls.append(status)])
    # the folder holds all five seeds; the one named twice (directly and via its folder) counts once
    assert (again.files, again.unchanged, again.added, again.replaced) == (5, 1, 4, 0)
    assert sorted(calls) == ["added"] * 4 + ["unchanged"]
    assert [r for r in store.reports() if r.id == before[0].id] == before  # same row, same ingested_at
    assert ingest([SEED_2021], settings).unchanged == 1
    assert store.counts()["cells"] >= counts["cells"] and store.counts()["reports"] == 5


def _changed_copy(src: Path, dest: Path) -> Path:
    dest.write_text(src.read_text("utf-8") + "\n本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。\n", "utf-8")
    return dest


def test_changed_file_with_same_name_replaces_its_rows(tmp_path: Path, backend) -> None:
    """New content under a known file name is the report's newest version; the old version is
    kept (a reader that listed it can still read its rows) but no longer listed or counted."""
    settings = settings_for(tmp_path, backend)
    f = tmp_path / "report.txt"
    shutil.copy(SEED_2021, f)
    assert ingest([f], settings).added == 1
    store = open_store(settings)
    (old,) = store.reports()
    old_rows = table_rows(store, old.id)
    counts = store.counts()

    _changed_copy(SEED_2021, f)
    summary = ingest([f], settings)
    assert (summary.replaced, summary.errors) == (1, [])
    assert summary.notes == [(str(f), "new content under a stored file name: the previous content is kept as an "
                                      "older version")]
    (new,) = store.reports()
    assert new.id != old.id and new.source == old.source == "report.txt"
    assert (new.version, new.is_current, new.other_versions) == (2, True, ["report.txt"])
    assert table_rows(store, old.id) == old_rows  # kept as version 1
    assert not store.get_report(old.id).is_current
    assert store.counts() == counts  # one report, its cells counted once
    assert {c.report_id for c in store.cells()} == {new.id}
    assert table_rows(store, new.id)["lines"] == len(store.lines(new.id))
    assert store.get_report(new.id).text.endswith("12月31日止。")


def test_failed_replace_leaves_the_old_report_intact(tmp_path: Path, backend, monkeypatch) -> None:
    settings = settings_for(tmp_path, backend)
    f = tmp_path / "report.txt"
    shutil.copy(SEED_2021, f)
    ingest([f], settings)
    store = open_store(settings)
    (old,) = store.reports()
    old_rows = table_rows(store, old.id)
    old_cells = store.cells(report_id=old.id)

    def disk_on_fire(self, con, rid, cells):
        raise OSError("disk on fire")

    monkeypatch.setattr(Store, "_insert_cells", disk_on_fire)  # after the old rows were deleted
    _changed_copy(SEED_2021, f)
    summary = ingest([f], settings)
    assert summary.stored == 0
    assert summary.errors == [(str(f), "could not be stored (OSError: disk on fire)")]
    assert store.reports() == [old]
    assert table_rows(store, old.id) == old_rows and old_rows["lines"] > 0
    assert store.cells(report_id=old.id) == old_cells


def _encrypted_pdf(src: Path, dest: Path) -> Path:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(src))
    writer.encrypt(user_password="secret", owner_password="owner")
    with dest.open("wb") as out:
        writer.write(out)
    return dest


_BIG5_VARIANTS = str.maketrans("爲裏着羣啓衆", "為裡著群啟眾")  # OpenCC's forms with no Big5 code


@needs_corpus
def test_bad_inputs_get_one_line_each_and_the_rest_ingest(tmp_path: Path, backend, monkeypatch) -> None:
    from opencc import OpenCC

    settings = settings_for(tmp_path, backend)
    d = tmp_path / "in"
    d.mkdir()
    pdf = CORPUS / "huaian-hongze-qu-2024.pdf"
    seed = SEED_SIMPLIFIED.read_text("utf-8")
    (d / "empty.txt").write_bytes(b"")
    (d / "junk.txt").write_bytes(bytes(range(256)) * 8)
    (d / "fake.pdf").write_text("这不是PDF文件,只是改了扩展名。", "utf-8")
    _encrypted_pdf(pdf, d / "locked.pdf")
    data = pdf.read_bytes()
    (d / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (d / "gbk.txt").write_bytes(seed.encode("gbk"))
    (d / "big5.txt").write_bytes(OpenCC("s2t").convert(seed).translate(_BIG5_VARIANTS).encode("big5"))
    (d / "huge.txt").write_text(seed * 40, "utf-8")
    (d / "recipe.txt").write_text(NON_REPORT, "utf-8")
    (d / "notes.csv").write_text("a,b\n1,2\n")  # unsupported in a folder: skipped silently
    monkeypatch.setattr(load, "MAX_BYTES", 400_000)  # seed ×40 is ~560 kB; the others are 14–250 kB

    summary = ingest([d, SEED_SIMPLIFIED], settings)
    reasons = {Path(p).name: r for p, r in summary.errors}
    assert len(summary.errors) == len(reasons) == 7, summary.errors
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["junk.txt"]
    assert reasons["fake.pdf"].startswith("not a PDF")
    assert reasons["locked.pdf"].startswith("encrypted PDF")
    assert reasons["truncated.pdf"].startswith("corrupt PDF")
    assert reasons["huge.txt"].startswith("file too large")
    assert reasons["recipe.txt"] == NOT_A_REPORT
    assert all("\n" not in r for r in reasons.values())
    assert summary.files == 10 and summary.added == 3

    store = open_store(settings)
    (current,) = store.reports()  # three encodings of one report are three versions of it
    by_source = {r.source: r for r in store.versions(current.agency, 2024)}
    assert set(by_source) == {"gbk.txt", "big5.txt", SEED_SIMPLIFIED.name}
    assert current.source == SEED_SIMPLIFIED.name and current.other_versions == ["gbk.txt", "big5.txt"]
    assert not [f for f in store.findings(current.id) if f.rule == "versions.differ"]  # same figures
    utf8, gbk, big5 = by_source[SEED_SIMPLIFIED.name], by_source["gbk.txt"], by_source["big5.txt"]
    assert gbk.encoding == "gb18030" and big5.encoding == "big5"
    assert store.get_report(gbk.id).text == store.get_report(utf8.id).text
    assert "Traditional Chinese converted to Simplified" in big5.warnings
    assert utf8.year == gbk.year == big5.year == 2024
    assert utf8.agency == gbk.agency == big5.agency
    assert utf8.n_cells == gbk.n_cells == big5.n_cells
    rendered = summary.render()
    assert "3 added" in rendered and f"{d / 'recipe.txt'}: {NOT_A_REPORT}" in rendered


def test_hooks_run_after_store_and_a_failing_hook_costs_a_line(tmp_path: Path, backend) -> None:
    settings = settings_for(tmp_path, backend)
    seen: list[tuple[str, str]] = []

    def record(parsed: ParsedReport, status: str) -> None:
        seen.append((parsed.doc.source, status))

    def broken_index(parsed: ParsedReport, status: str) -> None:
        raise RuntimeError("index offline")

    results = []
    summary = ingest([SEED_2021], settings, hooks=[record, broken_index], on_file=results.append)
    assert seen == [(SEED_2021.name, "added")]
    assert summary.added == 1 and open_store(settings).counts()["reports"] == 1
    assert summary.errors == [(str(SEED_2021), "stored, but broken_index failed (RuntimeError: index offline)")]
    assert [(r.status, r.report_id is not None) for r in results] == [("added", True)]


def test_parse_file_refuses_a_non_report(tmp_path: Path) -> None:
    from ingest.pipeline import IngestError

    f = tmp_path / "recipe.md"
    f.write_text(NON_REPORT, "utf-8")
    with pytest.raises(IngestError, match="not a government information disclosure annual report"):
        parse_file(f)
    parsed, aliases = parse_file(SEED_SIMPLIFIED)
    assert parsed.meta.year == 2024 and parsed.doc.source == SEED_SIMPLIFIED.name
    assert isinstance(aliases, list)


@needs_corpus
def test_cross_year_checks_pair_consecutive_years(tmp_path: Path, backend, monkeypatch) -> None:
    from ingest import meta, validate

    real_meta = meta.extract_meta  # the same agency for every year, whatever the name-reader makes of it
    monkeypatch.setattr(meta, "extract_meta", lambda doc: replace(real_meta(doc), agency="平潭综合实验区管委会"))
    calls: list[tuple[int, int]] = []

    def fake_cross_year(prev, cur, template):
        calls.append((len(prev), len(cur)))
        return [Finding("cross_year.carry", "warning", f"{len(prev)} vs {len(cur)}")]

    monkeypatch.setattr(validate, "validate_cross_year", fake_cross_year)
    settings = settings_for(tmp_path, backend)
    files = [CORPUS / f"pingtan-syq-{y}.txt" for y in (2022, 2023, 2025)]
    summary = ingest(files, settings)
    assert summary.added == 3
    store = open_store(settings)
    years = {r.year: r for r in store.reports()}
    assert set(years) == {2022, 2023, 2025}
    assert len(calls) == 1, "only 2023 has a predecessor (2024 is missing)"
    assert [f.rule for f in store.findings(years[2023].id) if f.rule.startswith("cross_year.")] == ["cross_year.carry"]
    assert not [f for f in store.findings(years[2025].id) if f.rule.startswith("cross_year.")]

    ingest([CORPUS / "pingtan-syq-2024.txt"], settings)  # fills the gap: 2024 and 2025 are checked now
    assert len(calls) == 1 + 2, "the pairs the new year touches are redone: 2023→2024, 2024→2025"
    for r in store.reports():
        cross = [f.rule for f in store.findings(r.id) if f.rule.startswith("cross_year.")]
        assert cross == ([] if r.year == 2022 else ["cross_year.carry"]), r.year


# ------------------------------------------------------------------------------------ export
def test_export_csv_and_xlsx_have_one_row_per_cell(tmp_path: Path, backend, capsysbinary) -> None:
    settings = settings_for(tmp_path, backend)
    ingest([SAMPLE], settings)
    store = open_store(settings)
    require_cells(store)
    n = store.counts()["cells"]

    out = tmp_path / "cells.csv"
    assert export_cells(store, "csv", out) == n
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS == (
        "source", "agency", "year", "template", "table", "row", "column", "value", "raw", "status")
    assert len(rows) == n + 1
    assert {r[0] for r in rows[1:]} <= {p.name for p in SAMPLE.glob("*.txt")}
    t3 = [r for r in rows[1:] if r[4] == "三"]
    assert t3 and all(r[5] in {s.label for s in t3_rows(r[3])} for r in t3)
    assert {r[6] for r in t3} <= {c.label for c in T3_COLUMNS}
    assert all(r[7] == "" or r[7].lstrip("-").replace(".", "", 1).isdigit() for r in rows[1:])

    assert cli(["export", "--home", str(settings.home)]) == 0  # CSV to standard output
    assert capsysbinary.readouterr().out.decode("utf-8-sig").splitlines()[0] == ",".join(EXPORT_COLUMNS)

    from openpyxl import load_workbook

    xlsx = tmp_path / "cells.xlsx"
    assert cli(["export", "--home", str(settings.home), "--out", str(xlsx)]) == 0
    ws = load_workbook(xlsx, read_only=True).active
    sheet = list(ws.values)
    assert tuple(sheet[0]) == EXPORT_COLUMNS and len(sheet) == n + 1


def test_table_frame_follows_the_template(tmp_path: Path, backend) -> None:
    settings = settings_for(tmp_path, backend)
    ingest([SEED_SIMPLIFIED], settings)
    store = open_store(settings)
    require_cells(store)
    (report,) = store.reports()
    headers, rows = table_frame(store, report.id, "三")
    assert headers == [""] + [c.label for c in T3_COLUMNS]
    template_rows = t3_rows(report.template)
    assert [r[0] for r in rows[: len(template_rows)]] == [r.label for r in template_rows]
    new = store.cells(report_id=report.id, table="三", row_id="new", column_id="total")
    if new:
        assert rows[0][-1] == new[0].value
    assert all(len(r) == len(headers) for r in rows)


# ------------------------------------------------------------------------------------ CLI
def test_cli_exit_codes(tmp_path: Path, backend, capsys) -> None:
    home = str(tmp_path / "home")
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    assert cli(["ingest", str(bad), "--home", home, "--no-progress", "--no-index"]) != 0
    assert f"{bad}: empty file" in capsys.readouterr().out

    assert cli(["ingest", str(bad), str(SEED_2021), "--home", home, "--no-progress", "--no-index"]) == 0
    assert cli(["ingest", str(SEED_2021), "--home", home, "--no-progress", "--no-index"]) == 0  # unchanged is fine
    assert "1 unchanged" in capsys.readouterr().out

    assert cli(["ingest", "--sample", "--home", home, "--no-progress", "--no-index"]) == 0
    capsys.readouterr()
    assert cli(["reports", "--home", home]) == 0
    listing = capsys.readouterr().out
    assert "5 report(s)" in listing and SEED_SIMPLIFIED.name in listing
    assert cli(["check", "--home", home, "--report", SEED_SIMPLIFIED.name]) == 0
    assert SEED_SIMPLIFIED.name in capsys.readouterr().out
    assert cli(["check", "--home", home, "--report", "nope.txt"]) == 2


def test_cli_home_from_environment(tmp_path: Path, backend, monkeypatch) -> None:
    monkeypatch.setenv("GONGKAI_HOME", str(tmp_path / "envhome"))
    assert cli(["ingest", str(SEED_2021), "--no-progress", "--no-index"]) == 0
    assert open_store(load_settings()).counts()["reports"] == 1
    assert (tmp_path / "envhome" / "gongkai.sqlite3").is_file() == (backend.name == "sqlite")


def test_cli_ask_prints_answer_and_json(tmp_path: Path, backend, capsys) -> None:
    home = str(tmp_path / "h")
    assert cli(["ingest", str(SAMPLE / "003_67b517500533bac5.txt"), "--no-progress", "--no-index", "--home", home]) == 0
    capsys.readouterr()
    assert cli(["ask", "泰安市行政审批服务局2024年予以公开的申请有几件？", "--home", home]) == 0
    out = capsys.readouterr().out
    assert "1 件" in out and "003_67b517500533bac5.txt" in out
    assert cli(["ask", "泰安市行政审批服务局2024年予以公开的申请有几件？", "--json", "--home", home]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["value"] == 1 and data["citations"][0]["row"] == "三、本年度办理结果/(一)予以公开"
    assert cli(["ask", "北京市海淀区2024年新收多少件？", "--home", home]) == 3  # not found


def test_parallel_parse_gives_the_same_store_and_keeps_errors_per_file(tmp_path: Path, backend) -> None:
    """Two worker processes (as `gongkai ingest` runs): same cells as one process; a bad file
    among good ones is reported on its own line."""
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    files = [SAMPLE / "003_67b517500533bac5.txt", bad, SAMPLE / "000_17b09857f7c7bcdc.txt"]
    one = ingest(files, replace(settings_for(tmp_path / "a", backend)), workers=1)
    two = ingest(files, replace(settings_for(tmp_path / "b", backend)), workers=2)
    assert (one.added, two.added) == (2, 2)
    assert [p for p, _ in two.errors] == [str(bad)] and "empty" in two.errors[0][1]
    cells = lambda s: sorted((c.source, c.table, c.row_id, c.column_id, str(c.value))  # noqa: E731
                             for c in open_store(s).cells())
    assert cells(settings_for(tmp_path / "a", backend)) == cells(settings_for(tmp_path / "b", backend))
