"""The synthetic archive generator (benchmarks/synth_archive.py): what it writes reads back as its truth."""
from __future__ import annotations

import dataclasses
import sys

from conftest import ROOT, needs_corpus

sys.path.insert(0, str(ROOT / "benchmarks"))

import synth_archive as S  # noqa: E402


def test_agencies_are_distinct_and_forms_unique():
    import random

    ags = S.draw_agencies(300, random.Random(3))
    names = [a.name for a in ags]
    assert len(names) == len(set(names)) == 300
    owners: dict[str, list[str]] = {}
    for a in ags:
        assert a.name in a.forms
        for f in a.forms:
            owners.setdefault(f, []).append(a.name)
    assert all(len(v) == 1 for v in owners.values())  # a loose form names one agency of the archive
    assert {a.kind for a in ags} == {"局", "街道", "镇", "政府"}


def test_numbers_satisfy_the_template_identities():
    import random

    from ingest import templates as T

    for seed in range(20):
        v = S.fresh_tables(random.Random(seed))
        for col in (*T.T3_PARTS, "total"):
            get = lambda r: v[f"三|{r}|{col}"]  # noqa: E731
            assert get("new") + get("carried_over") == get("total") + get("carried_forward")
            assert get("total") == sum(get(r) for r in T.t3_outcome_rows("2021"))
        for r in (*T.t3_outcome_rows("2021"), "new", "total"):
            assert v[f"三|{r}|total"] == sum(v[f"三|{r}|{c}"] for c in T.T3_PARTS)
        for g in T.T4_GROUPS:
            assert v[f"四|{T.T4_ROW}|{g.id}.total"] == sum(v[f"四|{T.T4_ROW}|{g.id}.{r.id}"] for r in T.T4_RESULTS[:-1])


@needs_corpus
def test_generated_reports_read_back_as_their_truth(tmp_path):
    from ingest.config import load_settings
    from ingest.pipeline import ingest_paths
    from ingest.store import Store

    truth = S.build(tmp_path / "a", 9, seed=5)
    settings = dataclasses.replace(load_settings(str(tmp_path / "home")), embed=False)
    summary = ingest_paths([str(tmp_path / "a" / "reports")], settings, progress=False)
    assert not summary.errors and summary.reports == 9
    store = Store(settings.db_path)
    stored = {(r.agency, r.year): r for r in store.reports()}
    for rep in truth["reports"]:
        r = stored[(rep["agency"], rep["year"])]
        cells = {f"{c.table}|{c.row_id if c.table == '三' else S.T.T4_ROW}|{c.column_id}": c
                 for c in store.cells(r.id) if c.table in ("三", "四")}
        assert {k: (cells[k].value, cells[k].status) for k in rep["values"]} == \
            {k: (v, "exact") for k, v in rep["values"].items()}
        assert not [f for f in store.findings(r.id) if f.severity == "error"]
