"""Print the parsed tables of each corpus file compactly (a developer aid).

For the pre-2019 统计表 every cell is shown with the reading that won and why
(``--quiet`` keeps one line per row).
"""
import glob, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's ingest, not an installed one
from ingest.load import load_file
from ingest.meta import detect_template
from ingest.tables import parse_tables

QUIET = "--quiet" in sys.argv
sys.argv = [a for a in sys.argv if a != "--quiet"]

files = sys.argv[1:] or sorted(f for f in glob.glob('../shared/corpus/raw/*') if 'SOURCES' not in f)
for f in files:
    d = load_file(f)
    tpl = detect_template(d)
    cells, finds = parse_tables(d, [], tpl)
    print("=====", f.split('/')[-1], tpl, len(cells), "cells")
    rows = {}
    for c in cells:
        if c.table in ("三",):
            rows.setdefault(c.row_id, []).append((c.value, c.status[0]))
    for rid, vs in rows.items():
        print(f"  {rid:28s}", " ".join(f"{'空' if v is None else v}{'' if s=='e' else s}" for v, s in vs))
    t4 = [c for c in cells if c.table == "四"]
    if t4: print("  T4:", [c.value for c in t4], t4[0].status)
    t2 = [c for c in cells if c.table in ("二",)]
    print("  T2:", "; ".join(f"{c.row_id}.{c.column_id}={c.value}{'' if c.status=='exact' else '('+c.status[0]+')'}" for c in t2))
    st = [c for c in cells if c.table == "统计表"]
    rows_st = {}
    for c in st:
        rows_st.setdefault((c.row, c.row_id), []).append(c)
    for (row, rid), cs in rows_st.items():
        vals = " ".join(f"{c.column}={'空' if c.value is None else c.value}{'' if c.status == 'exact' else '(' + c.status + ')'}"
                        for c in cs)
        print(f"  统计表 {row[:24]:26s} {rid[:30]:30s} {vals}  raw={cs[0].raw!r}")
        if not QUIET:
            print(f"         {cs[0].note}")
    for x in finds: print("  !", x.rule, x.message[:150])
