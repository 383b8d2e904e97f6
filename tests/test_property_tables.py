"""Property: regenerate each corpus 2019/2021 layout with fresh numbers that satisfy the
identities (``ingest.synth``) and read it back — every cell exact-and-right or ambiguous,
never exact-and-wrong."""
from __future__ import annotations

import random
from collections import Counter


from ingest.load import load_bytes, load_file
from ingest.meta import extract_meta
from ingest.synth import regenerate
from ingest.tables import parse_tables

from conftest import CORPUS, needs_corpus

N_REPORTS = 300


def layouts():
    from ingest import pdf_geometry

    mode, pdf_geometry.MODE = pdf_geometry.MODE, "0"  # the layouts' own cells: the text reading
    try:
        return _layouts()
    finally:
        pdf_geometry.MODE = mode


def _layouts():
    out = []
    for p in sorted(CORPUS.iterdir()):
        if p.suffix not in (".txt", ".md", ".html", ".pdf"):
            continue
        doc = load_file(p)
        meta = extract_meta(doc)
        if meta.template not in ("2019", "2021"):
            continue
        cells, _ = parse_tables(doc, [], meta.template)
        if cells:
            out.append((p.name, doc, cells, meta.template))
    return out


def roundtrip(n_reports: int, seed: int = 11) -> tuple[Counter, list[str]]:
    rng = random.Random(seed)
    lays = layouts()
    stats: Counter = Counter()
    wrong: list[str] = []
    made = 0
    while made < n_reports:
        name, doc, cells, template = lays[made % len(lays)]
        syn = regenerate(doc, cells, template, rng)
        made += 1
        if syn is None:
            stats["skipped_reports"] += 1
            continue
        d2 = load_bytes(syn.text.encode("utf-8"), name + ".synthetic.txt", "txt")
        got = {(c.table, c.row_id, c.column_id): c for c in parse_tables(d2, [], template)[0]}
        for key, want in syn.truth.items():
            c = got.get(key)
            t = key[0]
            if c is None:
                stats[f"{t}.missing"] += 1
            elif c.status == "ambiguous":
                stats[f"{t}.ambiguous"] += 1
            elif c.value == want or (c.status == "derived" and want is None):
                stats[f"{t}.right"] += 1
            else:
                stats[f"{t}.wrong"] += 1
                wrong.append(f"{name} {key}: read {c.value} ({c.status}) for {want}: {c.note[:120]}")
    return stats, wrong


def rates(stats: Counter) -> str:
    lines = []
    for t in ("二", "三", "四"):
        n = sum(v for k, v in stats.items() if k.startswith(t + "."))
        if n:
            lines.append(f"表{t}: {n} cells, right {stats[t + '.right'] / n:.2%}, ambiguous "
                         f"{stats[t + '.ambiguous'] / n:.2%}, missing {stats[t + '.missing'] / n:.2%}, "
                         f"wrong {stats[t + '.wrong']}")
    return "\n".join(lines)


@needs_corpus
def test_regenerated_layouts_never_read_exact_and_wrong():
    stats, wrong = roundtrip(N_REPORTS)
    print("\n" + rates(stats), f"\nreports skipped: {stats['skipped_reports']}")
    assert not wrong, f"{len(wrong)} cells exact but wrong:\n" + "\n".join(wrong[:30])


@needs_corpus
def test_generated_figures_satisfy_the_identities():
    from ingest.synth import t3_values, t4_values
    from ingest import templates as T

    rng = random.Random(3)
    for tpl in ("2019", "2021"):
        v = t3_values(tpl, rng)
        for row in v.values():
            assert sum(row[:-1]) == row[-1]
        for i in range(7):
            assert v["new"][i] + v["carried_over"][i] == v["total"][i] + v["carried_forward"][i]
            assert sum(v[r][i] for r in T.t3_outcome_rows(tpl)) == v["total"][i]
    t4 = t4_values(rng)
    assert all(sum(t4[g:g + 4]) == t4[g + 4] for g in (0, 5, 10))
