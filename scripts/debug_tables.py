"""Print the parsed table 三/四 of each corpus file compactly (a developer aid)."""
import glob, sys
from ingest.load import load_file
from ingest.tables import parse_tables

def guess_template(name, text):
    if "本年新制作数量" in text or "第二十条第(九)项" in text: return "2019"
    if "统计表" in text and "本年新收" not in text: return "pre2019"
    return "2021"

files = sys.argv[1:] or sorted(f for f in glob.glob('../shared/corpus/raw/*') if 'SOURCES' not in f)
for f in files:
    d = load_file(f)
    tpl = guess_template(f, d.text)
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
    if st: print("  统计表:", "; ".join(f"{c.row[:14]}={c.value}{c.status[0]}" for c in st[:40]))
    for x in finds: print("  !", x.rule, x.message[:150])
