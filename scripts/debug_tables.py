"""Print the parsed tables of corpus files, per cell: value, status and why that reading won.

    python scripts/debug_tables.py [-v] [files…]

Without -v: one line per row (values; a status letter after a value that is not exact:
i = inferred, a = ambiguous, d = derived). With -v: every cell that is not a plain exact
one-figure-per-cell reading, with the reason the parser recorded (which identity confirmed the
split, the prose figure that chose it, the alternatives when ambiguous), then the findings
(parse, validation, prose-vs-table).
"""
import glob
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.load import load_file  # noqa: E402
from ingest.meta import extract_meta  # noqa: E402
from ingest.prose_facts import extract as prose  # noqa: E402
from ingest.tables import parse_tables  # noqa: E402
from ingest.validate import validate_report  # noqa: E402

args = sys.argv[1:]
verbose = "-v" in args
files = [a for a in args if a != "-v"] or sorted(
    f for f in glob.glob(str(Path(__file__).resolve().parents[2] / "shared/corpus/raw/*")) if "SOURCES" not in f)
for f in files:
    d = load_file(f)
    meta = extract_meta(d)
    cells, finds = parse_tables(d, [], meta.template)
    finds = finds + validate_report(cells, meta.template, d.text)
    print("=====", Path(f).name, meta.template, meta.agency, meta.year, len(cells), "cells")
    rows: dict = {}
    for c in cells:
        rows.setdefault((c.table, c.row_id or c.row), []).append(c)
    for (table, rid), cs in rows.items():
        vals = " ".join(f"{'空' if c.value is None else c.value}{'' if c.status == 'exact' else c.status[0]}" for c in cs)
        print(f"  {table} {rid[:28]:28s} {vals}")
        if verbose:
            for note in dict.fromkeys(c.note for c in cs if c.note):
                print(f"       why: {note[:220]}")
    if verbose:
        for x in prose(d.text):
            print(f"  prose: {x.metric}={x.value}  “{x.quote[-50:]}”")
    for x in finds:
        print("  !", x.severity, x.rule, x.message[:170])
