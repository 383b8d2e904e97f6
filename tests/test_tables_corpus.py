"""Table 二/三/四 cells of every corpus report against values read off the documents by hand.

``fixtures/expected_cells.json`` was written by reading each raw file (PDF text, HTML cells,
run-together digits resolved with the report's own arithmetic), independently of the parser.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.load import load_file
from ingest.meta import extract_meta
from ingest.sections import find_sections
from ingest.tables import parse_tables
from ingest import templates as T

from conftest import CORPUS, needs_corpus

EXPECTED = json.loads((Path(__file__).parent / "fixtures" / "expected_cells.json").read_text("utf-8"))
GROUP_PREFIX = {"refused": "refused", "unable": "unable", "not_processed": "not_processed", "other": "other"}


def _row_id(key: str, template_rows) -> str | None:
    """Fixture key ("refused_1", "new", "other") → template row id."""
    if "_" in key and key.rsplit("_", 1)[1].isdigit():
        group, num = key.rsplit("_", 1)
        for r in template_rows:
            if r.group == GROUP_PREFIX.get(group) and r.numbered == int(num):
                return r.id
        return None
    return key


@pytest.fixture(scope="module")
def parsed():
    cache = {}

    def get(name):
        if name not in cache:
            doc = load_file(CORPUS / name)
            meta = extract_meta(doc)
            cells, findings = parse_tables(doc, find_sections(doc), meta.template)
            cache[name] = (meta, cells, findings)
        return cache[name]
    return get


def _grid(cells, table):
    out = {}
    for c in cells:
        if c.table == table:
            out.setdefault(c.row_id, {})[c.column_id] = c
    return out


@needs_corpus
@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e.get("table3_rows")))
def test_table3_rows_match_hand_read_values(parsed, name):
    exp = EXPECTED[name]
    meta, cells, _ = parsed(name)
    grid = _grid(cells, "三")
    rows_2019 = T.T3_ROWS_2019 if "other" in exp["table3_rows"] else T.T3_ROWS_2021
    cols = [c.id for c in T.T3_COLUMNS]
    problems = []
    for key, values in exp["table3_rows"].items():
        rid = _row_id(key, rows_2019)
        got_row = grid.get(rid)
        if got_row is None:
            problems.append(f"{key}: row missing")
            continue
        got = [got_row[c].value if c in got_row else "∅" for c in cols]
        if [None if v is None else v for v in got] != values:
            problems.append(f"{key}: expected {values}, got {got}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@needs_corpus
@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e.get("table4")))
def test_table4_matches_hand_read_values(parsed, name):
    exp = EXPECTED[name]["table4"]
    _, cells, _ = parsed(name)
    got = {c.column_id: c.value for c in cells if c.table == "四"}
    for group in ("review", "litigation_direct", "litigation_after_review"):
        values = [got.get(f"{group}.{r.id}", "∅") for r in T.T4_RESULTS]
        assert values == exp[group], f"{name} {group}"


@needs_corpus
@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e.get("table2")))
def test_table2_clean_cells(parsed, name):
    exp = EXPECTED[name]["table2"]
    meta, cells, _ = parsed(name)
    by_label = {}
    for c in cells:
        if c.table == "二":
            row_label = c.row.split("/", 1)[1]
            by_label[f"{row_label}/{c.column}"] = c
    problems = []
    for key, value in exp.items():
        row_label, col = key.split("/", 1)
        match = [c for k, c in by_label.items() if k.startswith(row_label + "/") and k.split("/", 1)[1].startswith(col.split("(")[0])]
        if not match:
            problems.append(f"{key}: missing")
            continue
        got = match[0].value
        if isinstance(got, Decimal):
            got = float(got)
        if match[0].status == "ambiguous" and got is None:
            # several splits of run-together digits fit: the cell must say so and list the right one
            readings = match[0].note.split("fit:", 1)[-1]
            if not any(str(value) in r.split(",") for r in readings.split(" / ")):
                problems.append(f"{key}: ambiguous, but {value} is not among the readings: {match[0].note}")
            continue
        if got != value:
            problems.append(f"{key}: expected {value}, got {got} ({match[0].status} {match[0].note})")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@needs_corpus
def test_run_together_digits_are_split_by_arithmetic(parsed):
    _, cells, _ = parsed("pingtan-syq-2024.txt")
    new = {c.column_id: c for c in cells if c.table == "三" and c.row_id == "new"}
    assert [new[c.id].value for c in T.T3_COLUMNS] == [217, 1, 0, 0, 0, 0, 218]
    assert new["total"].raw == "21710000218"
    assert "run together" in new["total"].note


@needs_corpus
def test_label_less_rows_are_placed_and_marked_inferred(parsed):
    _, cells, _ = parsed("003_67b517500533bac5.txt")
    new_total = next(c for c in cells if c.table == "三" and c.row_id == "new" and c.column_id == "total")
    assert new_total.value == 26 and new_total.status == "inferred"
    secret = next(c for c in cells if c.table == "三" and c.row_id == "refused.state_secret" and c.column_id == "total")
    assert secret.value == 1 and secret.status == "exact"


@needs_corpus
def test_blank_cells_stay_blank_not_zero(parsed):
    _, cells, _ = parsed("shanghai-szfbgt-2019.html")
    granted_total = next(c for c in cells if c.table == "三" and c.row_id == "granted" and c.column_id == "total")
    assert granted_total.value is None
    granted_np = next(c for c in cells if c.table == "三" and c.row_id == "granted" and c.column_id == "natural_person")
    assert granted_np.value is not None


@needs_corpus
def test_every_cell_keeps_its_source_location(parsed):
    for name in ("003_67b517500533bac5.txt", "huaian-shi-2024.pdf", "shanghai-szfbgt-2019.html"):
        _, cells, _ = parsed(name)
        assert cells
        for c in cells:
            assert c.start is not None and c.line_no is not None, (name, c.row, c.column)
        if name.endswith(".pdf"):
            assert all(c.page for c in cells)


@needs_corpus
def test_validation_findings_are_the_true_inconsistencies(parsed):
    """Reports with arithmetic errors are exactly those found by hand; none invented."""
    from ingest.validate import validate_report

    broken = set()
    for name in EXPECTED:
        meta, cells, _ = parsed(name)
        errors = [f for f in validate_report(cells, meta.template) if f.severity == "error"]
        if errors:
            broken.add(name)
    expected = {n for n, e in EXPECTED.items() if e.get("known_inconsistencies")}
    assert broken == expected


@needs_corpus
def test_hongze_2023_review_total_finding(parsed):
    from ingest.validate import validate_report

    meta, cells, _ = parsed("huaian-hongze-qu-2023.pdf")
    f = [x for x in validate_report(cells, meta.template) if x.rule == "table4.group_total"]
    review = next(x for x in f if x.column == "行政复议/总计")
    assert (review.reported, review.computed) == ("0", "11")


@needs_corpus
@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e.get("pre2019_indicators")))
def test_pre2019_indicators(parsed, name):
    """The pre-2019 统计表 as named indicators (both columns where the table has 本年度 and 历年累计)."""
    _, cells, _ = parsed(name)
    stats = [c for c in cells if c.table == "统计表"]
    problems = []
    for key, value in EXPECTED[name]["pre2019_indicators"].items():
        label, _, col = key.partition("/历年累计")
        cumulative = "/历年累计" in key
        label = label.split("/")[-1].split("(")[0]
        match = [c for c in stats if label in c.row
                 and (c.column_id == "cumulative") == cumulative]
        if not match:
            problems.append(f"{key}: no indicator")
        elif match[0].value != value:
            problems.append(f"{key}: expected {value}, got {match[0].value} ({match[0].status} {match[0].note})")
    assert not problems, "\n".join(problems)
