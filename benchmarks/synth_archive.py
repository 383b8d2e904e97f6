"""Synthetic archives from the corpus's real 2021-template reports, with the truth beside them.

    python benchmarks/synth_archive.py OUT_DIR --reports 1000 [--seed 7]

Each synthetic report is a real report's text (a *layout*: prose, table labels, separators) with
a new agency name, a new year and new numbers in tables 三 and 四 that satisfy the template
identities (each column: 一 + 二 = (七)总计 + 四, (七)总计 = Σ outcomes; the 总计 column = Σ the
applicant columns; table 四: 总计 = 维持 + 纠正 + 其他 + 尚未审结). Table 二 is left as the layout
had it and never asked about.

``OUT_DIR/reports/*.txt`` are the files; ``OUT_DIR/truth.json`` holds, per report, the agency,
its *kind* (局 / 街道 / 镇 / 政府), the loose forms a person would type for it that name it and no
other agency of the archive (short names, abbreviations), the year and every table 三/四 figure.
The forms are worked out here from how the name was built — never from :mod:`qa.agencies` —
so the benchmark's accuracy is measured against what was generated, not against the matcher.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest import templates as T  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "raw"
# Real 2021-template reports whose tables 三 and 四 are read exactly, one number per cell
# (spaced or one per line), so any number can stand in a cell's place.
LAYOUTS = ("001_2be89032dc741db1.txt", "004_9cf56e95910a791d.txt", "suqian-shuyang-xian-2025.txt")
YEARS = (2021, 2022, 2023, 2024, 2025)

# ------------------------------------------------------------------------------------ names
_A = "东西南北安平永宁华兴龙凤金银长青白清河泰康福瑞丰嘉洪定德秀盛广宝昌胜武文崇鹤云松柳桂"
_B = "阳山城江湖川丰泉林州源溪港峰岭宁安海台浦原坪桥田庄塘湾"
_PROVINCES = ("江苏省", "山东省", "福建省", "河南省", "浙江省", "安徽省", "湖北省", "江西省")
# (name, abbreviation or "") — the abbreviations staff type for them
_BUREAUS = (("发展和改革局", "发改局"), ("财政局", ""), ("公安局", ""), ("教育局", ""), ("民政局", ""),
            ("人力资源和社会保障局", "人社局"), ("住房和城乡建设局", "住建局"), ("交通运输局", "交通局"),
            ("市场监督管理局", "市场监管局"), ("生态环境局", "环保局"), ("行政审批服务局", "审批局"),
            ("科学技术局", "科技局"), ("农业农村局", ""), ("水利局", ""), ("司法局", ""), ("审计局", ""),
            ("统计局", ""), ("应急管理局", ""), ("文化广电和旅游局", ""), ("退役军人事务局", ""))


@dataclass
class Agency:
    name: str
    kind: str  # 局 | 街道 | 镇 | 政府
    forms: set[str] = field(default_factory=set)  # loose forms (unique ones kept after the archive is drawn)


def _place(rng: random.Random, end: str, taken: set[str]) -> str:
    for _ in range(1000):
        p = rng.choice(_A) + rng.choice(_B) + end
        if p not in taken:
            taken.add(p)
            return p
    raise RuntimeError("place names exhausted")


def draw_agencies(n: int, rng: random.Random) -> list[Agency]:
    """``n`` distinct agencies: bureaus of cities and districts, street offices, towns, governments.
    Places repeat across cities (two cities may each have a 鼓楼区), so some short forms are shared."""
    out: dict[str, Agency] = {}  # (the province is never in a loose form: the reports do not name it)
    city_names: set[str] = set()
    cities = []
    while len(out) < n:
        prov = rng.choice(_PROVINCES)
        city = _place(rng, "市", city_names)
        core = city[:-1]
        districts = [rng.choice(_A) + rng.choice(_B) + rng.choice("区县") for _ in range(rng.randint(2, 5))]
        districts = list(dict.fromkeys(d for d in districts if d[:-1] != core))
        cities.append(city)

        def add(name: str, kind: str, forms: set[str]) -> None:
            if name not in out and len(out) < n:
                out[name] = Agency(name, kind, {name, *forms})

        add(f"{city}人民政府", "政府", {city, core, f"{city}政府"})
        for b, ab in rng.sample(_BUREAUS, rng.randint(3, 8)):
            forms = {f"{core}{b}"}
            if ab:
                forms |= {f"{city}{ab}", f"{core}{ab}"}
            add(f"{city}{b}", "局", forms)
        for d in districts:
            dcore = d[:-1]
            add(f"{city}{d}人民政府", "政府", {d, f"{d}人民政府", f"{d}政府", f"{city}{d}"})
            for b, ab in rng.sample(_BUREAUS, rng.randint(1, 5)):
                forms = {f"{d}{b}", f"{dcore}{b}"}
                if ab:
                    forms |= {f"{d}{ab}", f"{dcore}{ab}", f"{city}{d}{ab}"}
                add(f"{city}{d}{b}", "局", forms)
            if d.endswith("区"):
                for _ in range(rng.randint(0, 4)):
                    s = rng.choice(_A) + rng.choice(_B) + rng.choice(("", "", "路", "门"))
                    add(f"{city}{d}人民政府{s}街道办事处", "街道",
                        {f"{s}街道办事处", f"{s}街道", f"{d}{s}街道", f"{d}{s}街道办事处", f"{city}{d}{s}街道办事处"})
            else:
                for _ in range(rng.randint(0, 4)):
                    t = rng.choice(_A) + rng.choice(_B)
                    add(f"{d}{t}镇人民政府", "镇", {f"{t}镇", f"{t}镇人民政府", f"{d}{t}镇"})
    agencies = list(out.values())
    # a loose form names an agency only when no other agency of the archive is written that way
    owners: dict[str, set[str]] = {}
    for a in agencies:
        for f in a.forms:
            owners.setdefault(f, set()).add(a.name)
    names = set(out)
    for a in agencies:
        a.forms = {f for f in a.forms if owners[f] == {a.name} and (f == a.name or f not in names)}
    return agencies


# ------------------------------------------------------------------------------------ numbers
def _draw(rng: random.Random, big: bool = False) -> int:
    x = rng.random()
    if x < 0.45:
        return 0
    if x < 0.85 or not big:
        return rng.randint(1, 9)
    return rng.randint(10, 400)


def fresh_tables(rng: random.Random, carried: dict[str, int] | None = None) -> dict[str, int]:
    """Every table 三/四 figure of a 2021-template report, as ``"三|row_id|column_id"`` → value.
    ``carried``: the year before's figures — its 结转下年度 is this year's 上年结转."""
    out: dict[str, int] = {}
    outcomes = T.t3_outcome_rows("2021")
    scale = rng.choice((0, 1, 1, 2, 3))  # small offices receive few requests, some many
    for col in T.T3_PARTS:
        active = col == "natural_person" or rng.random() < 0.4
        v = {r: (_draw(rng, big=scale >= 2 and r in ("granted", "unable.not_held")) if active else 0) for r in outcomes}
        if active and scale == 3 and col == "natural_person":
            v["granted"] += rng.randint(100, 2000)
        fwd = _draw(rng) if active else 0
        if carried is not None:
            over = carried[f"三|carried_forward|{col}"]
        else:
            over = rng.randint(0, min(sum(v.values()) + fwd, 9)) if active else 0
        if sum(v.values()) + fwd < over:  # what was carried over is at least handled
            v["granted"] += over - sum(v.values()) - fwd
        total = sum(v.values())
        v.update(total=total, carried_forward=fwd, carried_over=over, new=total + fwd - over)
        for r, x in v.items():
            out[f"三|{r}|{col}"] = x
    for r in (*outcomes, "total", "carried_forward", "carried_over", "new"):
        out[f"三|{r}|total"] = sum(out[f"三|{r}|{c}"] for c in T.T3_PARTS)
    for g in T.T4_GROUPS:
        parts = {res.id: (_draw(rng) if rng.random() < 0.5 else 0) for res in T.T4_RESULTS[:-1]}
        for res, x in parts.items():
            out[f"四|{T.T4_ROW}|{g.id}.{res}"] = x
        out[f"四|{T.T4_ROW}|{g.id}.total"] = sum(parts.values())
    return out


# ------------------------------------------------------------------------------------ layouts
@dataclass
class Layout:
    source: str
    text: str
    agency: str
    names: tuple[str, ...]  # the agency's name and aliases as written, longest first
    year: int
    cells: list[tuple[int, int, str]]  # (start, end, key) of every table 三/四 cell


def _key(c) -> str:
    return f"{c.table}|{c.row_id if c.table == '三' else T.T4_ROW}|{c.column_id}"


def load_layouts(corpus: Path = CORPUS) -> list[Layout]:
    from ingest.pipeline import parse_file

    out = []
    for name in LAYOUTS:
        parsed, aliases = parse_file(corpus / name)
        text = parsed.doc.text
        cells = [(c.start, c.end, _key(c)) for c in parsed.cells if c.table in ("三", "四")]
        assert all(text[a:b].isdigit() for a, b, _ in cells), name
        names = tuple(sorted({parsed.meta.agency, *aliases}, key=len, reverse=True))
        out.append(Layout(name, text, parsed.meta.agency, names, parsed.meta.year, sorted(cells)))
    return out


_YEAR_RE = re.compile(r"(?<!\d)(19|20)(\d\d)(?!\d)")


def render(layout: Layout, agency: str, year: int, values: dict[str, int]) -> str:
    """The layout's text with ``agency``, ``year`` (and the years around it) and ``values``."""
    shift = year - layout.year
    names = re.compile("|".join(map(re.escape, layout.names)))

    def prose(s: str) -> str:
        s = names.sub(agency, s)
        return _YEAR_RE.sub(lambda m: str(int(m.group(0)) + shift) if abs(int(m.group(0)) - layout.year) <= 1
                            else m.group(0), s)

    out, pos = [], 0
    for a, b, key in layout.cells:
        out.append(prose(layout.text[pos:a]))
        out.append(str(values[key]))
        pos = b
    out.append(prose(layout.text[pos:]))
    return "".join(out)


# ------------------------------------------------------------------------------------ archive
def build(out_dir: Path, n_reports: int, seed: int = 7) -> dict:
    """Write ``n_reports`` reports and ``truth.json`` under ``out_dir``; returns the truth."""
    rng = random.Random(seed)
    layouts = load_layouts()
    # agencies report for a run of consecutive years (1–5, mostly 3–5)
    plan: list[tuple[int, list[int]]] = []
    total = 0
    while total < n_reports:
        k = min(rng.choice((1, 2, 3, 3, 4, 4, 5, 5)), n_reports - total)
        first = rng.randint(YEARS[0], YEARS[-1] - k + 1)
        plan.append((len(plan), list(range(first, first + k))))
        total += k
    agencies = draw_agencies(len(plan), rng)
    rng.shuffle(agencies)
    rdir = out_dir / "reports"
    rdir.mkdir(parents=True, exist_ok=True)
    reports = []
    for (i, years), ag in zip(plan, agencies):
        layout = layouts[i % len(layouts)]
        values = None
        for y in years:
            values = fresh_tables(rng, values)
            fname = f"r{len(reports):05d}.txt"
            (rdir / fname).write_text(render(layout, ag.name, y, values), "utf-8")
            reports.append({"file": fname, "agency": ag.name, "year": y, "layout": layout.source, "values": values})
    truth = {"seed": seed, "reports": reports,
             "agencies": [{"name": a.name, "kind": a.kind, "forms": sorted(a.forms)} for a in agencies[:len(plan)]],
             "unused_agencies": [a.name for a in draw_agencies(40, random.Random(seed + 1))
                                 if a.name not in {x.name for x in agencies}][:20]}
    (out_dir / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
    return truth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    t = build(Path(args.out), args.reports, args.seed)
    print(f"{len(t['reports'])} reports of {len(t['agencies'])} agencies → {args.out}")


if __name__ == "__main__":
    main()
