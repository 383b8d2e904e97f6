"""报告对比 (qa.compare) on real corpus reports; expected figures from tests/fixtures/expected_cells.json
(read by hand from the reports)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from conftest import CORPUS, needs_corpus
from ingest.config import load_settings
from ingest.models import Finding
from ingest.pipeline import ingest_paths
from ingest.store import Store
from ingest.templates import T3_COLUMNS, T4_GROUPS, T4_RESULTS
from qa.compare import CompareError, agency_years, compare

pytestmark = needs_corpus
EXPECTED = json.loads((Path(__file__).parent / "fixtures" / "expected_cells.json").read_text(encoding="utf-8"))
FILES = ["huaian-hongze-qu-2023.pdf", "huaian-hongze-qu-2024.pdf", "pingtan-syq-2024.txt", "pingtan-syq-2025.txt"]
HONGZE, PINGTAN = "淮安市洪泽区人民政府", "平潭综合实验区"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    settings = dataclasses.replace(load_settings(tmp_path_factory.mktemp("home")), embed=False)
    summary = ingest_paths([CORPUS / f for f in FILES], settings, progress=False)
    assert summary.added == 4 and not summary.errors
    return Store(settings.db_path)


def _t3(source: str, row: str) -> dict[str, int]:
    return dict(zip((c.id for c in T3_COLUMNS), EXPECTED[source]["table3_rows"][row]))


def _t4(source: str) -> dict[str, int]:
    t4 = EXPECTED[source]["table4"]
    return {f"{g.id}.{r.id}": t4[g.id][i] for g in T4_GROUPS for i, r in enumerate(T4_RESULTS)}


def test_agencies_with_two_years(store):
    assert agency_years(store) == {PINGTAN: [2024, 2025], HONGZE: [2023, 2024]}


@pytest.mark.parametrize("agency,a,b,src_a,src_b", [
    (PINGTAN, 2024, 2025, "pingtan-syq-2024.txt", "pingtan-syq-2025.txt"),
    (HONGZE, 2023, 2024, "huaian-hongze-qu-2023.pdf", "huaian-hongze-qu-2024.pdf"),
])
def test_table3_side_by_side(store, agency, a, b, src_a, src_b):
    c = compare(store, agency, a, b)
    assert (c.report_a.source, c.report_b.source) == (src_a, src_b)
    for row in ("new", "granted", "partly_granted", "total", "carried_forward"):
        want_a, want_b = _t3(src_a, row), _t3(src_b, row)
        for col, va in want_a.items():
            r = c.cell("三", row, col)
            assert r is not None, (row, col)
            assert (r.value_a, r.value_b) == (va, want_b[col]), (row, col)
            assert r.diff == want_b[col] - va and r.changed == (va != want_b[col])
            assert r.a.source == src_a and r.b.source == src_b and r.a.id and r.b.id  # cells open their source


def test_table4_differences_hongze(store):
    c = compare(store, HONGZE, 2023, 2024)
    a, b = _t4("huaian-hongze-qu-2023.pdf"), _t4("huaian-hongze-qu-2024.pdf")
    for cid in a:
        r = c.cell("四", "appeals", cid) or next(x for x in c.tables["四"] if x.column_id == cid)
        assert (r.value_a, r.value_b, r.diff) == (a[cid], b[cid], b[cid] - a[cid]), cid
    upheld = next(x for x in c.tables["四"] if x.column_id == "review.upheld")
    assert upheld.changed and upheld.diff == -9  # 行政复议 结果维持: 10 → 1
    changed = {(x.table, x.column_id) for x in c.changed}
    assert ("四", "review.total") in changed and ("四", "review.corrected") not in changed  # 1 → 1


def test_table2_in_force_check_hongze(store):
    c = compare(store, HONGZE, 2023, 2024)
    t2_a, t2_b = EXPECTED["huaian-hongze-qu-2023.pdf"]["table2"], EXPECTED["huaian-hongze-qu-2024.pdf"]["table2"]
    docs = c.cell("二", "normative_docs", "in_force")
    assert (docs.value_a, docs.value_b) == (t2_a["行政规范性文件/现行有效件数"], t2_b["行政规范性文件/现行有效件数"])
    check = next(k for k in c.checks if k.rule == "cross_year.in_force" and k.label == "行政规范性文件")
    # 5 in force at the end of 2023 + 3 issued − 0 repealed = 8 in force at the end of 2024
    assert (check.expected, check.reported, check.verdict) == (8, 8, "ok")
    assert [x.source for x in check.cells] == ["huaian-hongze-qu-2023.pdf"] + ["huaian-hongze-qu-2024.pdf"] * 3


@pytest.mark.parametrize("agency,a,b,src_a,src_b", [
    (PINGTAN, 2024, 2025, "pingtan-syq-2024.txt", "pingtan-syq-2025.txt"),
    (HONGZE, 2023, 2024, "huaian-hongze-qu-2023.pdf", "huaian-hongze-qu-2024.pdf"),
])
def test_carry_checks_agree(store, agency, a, b, src_a, src_b):
    c = compare(store, agency, a, b)
    carry = [k for k in c.checks if k.rule == "cross_year.carry"]
    assert len(carry) == len(T3_COLUMNS)
    forward, over = _t3(src_a, "carried_forward"), _t3(src_b, "carried_over")
    for k, col in zip(carry, T3_COLUMNS):
        assert (k.expected, k.reported) == (forward[col.id], over[col.id])
        assert k.verdict == "ok" and [x.row_id for x in k.cells] == ["carried_forward", "carried_over"]


def test_verdict_comes_from_the_stored_finding(store):
    rb = store.reports(agency=PINGTAN, year=2025)[0]
    finding = Finding("cross_year.carry", "error", "表三 总计: 二、上年结转 is 0, but last year's report carried forward 1",
                      table="三", row="二、上年结转政府信息公开申请数量", column="总计", reported="0", computed="1")
    store.replace_cross_year_findings(rb.id, [finding])
    try:
        check = next(k for k in compare(store, PINGTAN, 2024, 2025).checks if k.label == "总计")
        assert check.verdict == "error" and "carried forward 1" in check.message
    finally:
        store.replace_cross_year_findings(rb.id, [])
    assert next(k for k in compare(store, PINGTAN, 2024, 2025).checks if k.label == "总计").verdict == "ok"


def test_years_not_neighbours_and_missing_years(store):
    c = compare(store, PINGTAN, 2025, 2024)  # later year first: differences are B − A
    assert c.cell("三", "new", "total").diff == 218 - 154
    assert {k.verdict for k in c.checks} == {"not_consecutive"}
    with pytest.raises(CompareError):
        compare(store, HONGZE, 2023, 2022)
