"""The one agency matcher: the loose names staff type → the agencies in the store.

马尚街道 / 马尚街道办事处 / 张店区马尚街道 / 张店区人民政府马尚街道办事处 all name one report;
发改局 names 发展和改革局; a bare place (平潭, 洪泽区) names the government of that place; 苏平片区
names 平潭综合实验区苏平片区管理局. The rules are data (``qa/data/agency_rules.toml``); this module
only applies them. Every stored agency gets a set of *variants*, indexed in a dict, so finding the
agencies a question names is a scan of the question (its length × the longest variant), not of
the store — it costs the same for 20 agencies and for 10,000.

:meth:`AgencyIndex.find` returns every agency mention with its span in the question, so the
question parser knows which words it has consumed. A mention that fits several agencies is
*ambiguous* and carries them all; the caller narrows by year or asks — it never picks one.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_RULES_FILE = Path(__file__).with_name("data") / "agency_rules.toml"


@dataclass(frozen=True)
class Rules:
    abbreviations: tuple[tuple[str, str], ...]
    government_suffixes: tuple[str, ...]
    droppable_suffixes: tuple[str, ...]
    place_endings: tuple[str, ...]
    generic: frozenset[str]
    not_places: tuple[str, ...] = ()
    confusions: dict[str, str] = field(default_factory=dict)  # character → the characters it is confused with
    fuzzy_min_length: int = 6
    english: tuple[tuple[re.Pattern[str], str], ...] = ()  # English agency words → Chinese

    @property
    def place_re(self) -> re.Pattern[str]:
        return _place_re(self.place_endings)

    @property
    def endings_longest_first(self) -> tuple[str, ...]:
        return _longest_first(self.place_endings)


@lru_cache(maxsize=8)
def _place_re(endings: tuple[str, ...]) -> re.Pattern[str]:
    ends = "|".join(sorted(map(re.escape, endings), key=len, reverse=True))
    return re.compile(rf"^(.{{2,9}}?(?:{ends}))")


@lru_cache(maxsize=8)
def _longest_first(endings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(endings, key=len, reverse=True))


@lru_cache(maxsize=1)
def rules() -> Rules:
    d = tomllib.loads(_RULES_FILE.read_text("utf-8"))
    return Rules(tuple((a, b) for a, b in d["abbreviations"]), tuple(d["government_suffixes"]),
                 tuple(d["droppable_suffixes"]), tuple(d["place_endings"]), frozenset(d["generic"]),
                 tuple(d.get("not_places", ())),
                 {ch: g.replace(ch, "") for g in d.get("ocr_confusions", ()) for ch in g},
                 int(d.get("fuzzy_min_length", 6)),
                 tuple((re.compile(rf"\s*(?:{p})\b", re.I), zh) for p, zh in d.get("english", ())))


RELATIVE_PLACE = "市区县省镇乡州"  # a name starting with one of these alone is relative ("市科委": this city's)

# How a mention was matched, from most to least certain.
HOW_ORDER = ("exact", "short", "abbreviation", "place", "region", "fuzzy")


@dataclass(frozen=True)
class AgencyMatch:
    """One agency mention in a question: its span and the agencies it can name."""

    start: int
    end: int
    text: str
    agencies: tuple[str, ...]
    how: str = "exact"  # exact | short | abbreviation | place | region | fuzzy
    region: tuple[str, ...] = ()  # a place mention: every agency of that place (for counting reports)

    @property
    def resolved(self) -> str | None:
        return self.agencies[0] if len(self.agencies) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.agencies) > 1


@dataclass
class Resolution:
    """The first agency mention of a question (kept for callers that want one agency)."""

    agency: str | None
    matched: str = ""
    candidates: list[str] = field(default_factory=list)
    fuzzy: bool = False
    mention: str | None = None


def split_places(name: str) -> tuple[list[str], str]:
    """``("淮安市洪泽区人民政府")`` → (["淮安市", "洪泽区"], "人民政府")."""
    R = rules()
    place_re = R.place_re
    places, cur = [], name
    for _ in range(4):
        m = place_re.match(cur)
        if not m or len(cur) - len(m.group(1)) < 2 or m.group(1).endswith(R.not_places):
            break
        places.append(m.group(1))
        cur = cur[len(m.group(1)):]
    return places, cur


def place_forms(place: str) -> set[str]:
    """"平潭综合实验区" → {平潭综合实验区, 平潭}; "洪泽区" → {洪泽区, 洪泽} (cores of ≥2 characters)."""
    out = {place}
    for end in rules().endings_longest_first:
        if place.endswith(end) and len(place) - len(end) >= 2:
            out.add(place[: -len(end)])
            break
    return out


def _abbreviated(n: str) -> set[str]:
    out = set()
    for long, short in rules().abbreviations:
        if long in n:
            out.add(n.replace(long, short))
        if short in n and long not in n:
            out.add(n.replace(short, long))
    return out


def variants(name: str, aliases: list[str] | tuple[str, ...] = ()) -> dict[str, str]:
    """Every way of writing ``name`` → how it was derived (exact | short | abbreviation)."""
    R = rules()
    out: dict[str, str] = {}

    def add(v: str, how: str) -> None:
        if len(v) >= 2 and v not in R.generic and HOW_ORDER.index(how) < HOW_ORDER.index(out.get(v, "fuzzy")):
            out[v] = how

    def is_place(s: str) -> bool:
        return bool(R.place_re.fullmatch(s)) and not s.endswith(R.not_places)

    # "平潭县" names a place (see AgencyIndex._govs); "市科委" / "区财政局" name *some* place's agency
    aliases = [a for a in aliases if a == name or not (is_place(a) or a[:1] in RELATIVE_PLACE)]  # "平潭县" names a place: see _govs
    for n in {name, *aliases}:
        add(n, "exact")
    base = {name, *aliases}
    abbr = {a for n in base for a in _abbreviated(n)}
    for how, group in (("short", base), ("abbreviation", abbr)):
        for n in group:
            work = [n]
            places, rest = split_places(n)
            cur = n
            for p in places:  # drop leading places one by one: 淮安市洪泽区人民政府 → 洪泽区人民政府
                cur = cur[len(p):]
                work.append(cur)
            if "人民政府" in n and not n.endswith("人民政府"):
                work.append(n.split("人民政府", 1)[1])  # 张店区人民政府马尚街道办事处 → 马尚街道办事处
            if places:  # the leading place written without its ending: 泰安市审批局 → 泰安审批局
                for f in place_forms(places[0]) - {places[0]}:
                    work.append(f + n[len(places[0]):])
            for v in work:
                add(v, how if v != n or how == "abbreviation" else "exact")
                for suf in R.droppable_suffixes:  # longest first: strip one suffix only
                    if v.endswith(suf) and len(v) - len(suf) >= 2:
                        stem = v[: -len(suf)]
                        if stem in places or any(stem in place_forms(p) for p in places) or is_place(stem):
                            break  # "洪泽区" / "平潭" alone is a place: a place mention, never a variant
                        add(stem, how)
                        if suf in ("街道办事处", "办事处") and not stem.endswith("街道"):
                            add(stem + "街道", how)
                        break
    return out


class AgencyIndex:
    """Variant → agencies, plus place → the governments of that place."""

    def __init__(self, entries: dict[str, list[str]]):
        """``entries``: agency name → aliases written in its reports."""
        self._names = list(entries)
        self._variants: dict[str, dict[str, str]] = {}  # variant → {agency: how}
        self._places: dict[str, set[str]] = {}  # place form → agencies whose name starts with it
        self._govs: dict[str, set[str]] = {}  # place form → governments of that place
        R = rules()
        for name, aliases in entries.items():
            for v, how in variants(name, list(aliases)).items():
                self._variants.setdefault(v, {})[name] = how
            for n in {name, *aliases}:
                if n != name and R.place_re.fullmatch(n) and not n.endswith(R.not_places):  # a bare place alias
                    for f in place_forms(n):
                        self._govs.setdefault(f, set()).add(name)
                    continue
                places, rest = split_places(n)
                for p in places:
                    for f in place_forms(p):
                        self._places.setdefault(f, set()).add(name)
                if places and rest in R.government_suffixes:
                    chain = "".join(places)
                    for f in place_forms(places[-1]) | {chain}:
                        self._govs.setdefault(f, set()).add(name)
        for name in entries:
            if name in self._places or any(name == p for p in self._places):
                for f in place_forms(name):
                    self._govs.setdefault(f, set()).add(name)
        self._maxlen = max((len(v) for v in self._variants), default=0)
        self._masked: dict[str, set[str]] | None = None  # long variants with one character masked: built on first use
        self._pinyin: dict[str, set[str]] | None = None  # pinyin of a place → the place (English questions)

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    # ----------------------------------------------------------------------------- matching
    def find(self, q: str) -> list[AgencyMatch]:
        """Every agency mention in ``q``, non-overlapping, longest first, in question order."""
        hits: list[AgencyMatch] = []
        n = len(q)
        for i in range(n):
            for j in range(min(n, i + self._maxlen), i + 1, -1):
                sub = q[i:j]
                if sub in self._variants:
                    hits.append(self._with_place(q, i, j, self._variants[sub]))
                    break
            for j in range(min(n, i + 12), i + 1, -1):
                sub = q[i:j]
                if sub in self._variants:
                    continue
                if sub in self._govs:  # a bare place names its government
                    hits.append(AgencyMatch(i, j, sub, tuple(sorted(self._govs[sub])), "place",
                                            tuple(sorted(self._places.get(sub, set()) | self._govs[sub]))))
                    break
                if sub in self._places:  # a place with no government of its own: every agency there
                    hits.append(AgencyMatch(i, j, sub, tuple(sorted(self._places[sub])), "region"))
                    break
        return _select(hits)

    def _with_place(self, q: str, i: int, j: int, agencies: dict[str, str]) -> AgencyMatch:
        """Extend a match leftwards over a place that belongs to its agency ("平潭" + "公安局"),
        narrowing an ambiguous match to the agencies of that place."""
        names = set(agencies)
        start = i
        while True:  # place by place: "清台市" + "金岭区" + "长湾门街道办事处"
            for k in range(max(0, start - 12), start - 1):
                pre = q[k:start]
                inside = names & self._places.get(pre, set())
                if inside:
                    start, names = k, inside
                    break
            else:
                break
        if start < i and len(names) > 1:
            # "河港公安局": 河港市公安局 has every place named; 河港市金林区公安局 would skip 金林区
            typed = q[start:i]
            full = {a for a in names if all(any(f in typed for f in place_forms(p)) for p in split_places(a)[0])}
            if full:
                names = full
        exact = {a for a in names if agencies[a] == "exact"}
        if exact and start == i:
            names = exact  # a name written in full beats names it is a shortening of
        how = min((agencies[a] for a in names), key=HOW_ORDER.index)
        return AgencyMatch(start, j, q[start:j], tuple(sorted(names)), how)

    def is_government(self, name: str) -> bool:
        """Whether ``name`` is the government of a place (its report answers for the place)."""
        return any(name in v for v in self._govs.values())

    def english_names(self, q: str) -> str:
        """"How many … did the Pingtan public security bureau …" → "… 平潭公安局 …": a place in pinyin
        (one known place only) and the agency words after it, read as Chinese. Other text is kept."""
        if self._pinyin is None:
            from pypinyin import lazy_pinyin

            self._pinyin = {}
            for form in set(self._places) | set(self._govs):
                core = next(iter(sorted(place_forms(form), key=len)))
                if 2 <= len(core) <= 4:
                    self._pinyin.setdefault("".join(lazy_pinyin(core)).lower(), set()).add(core)

        def one(m: re.Match) -> str:
            key = re.sub(r"[^a-z]", "", m.group("place").lower())
            cores = self._pinyin.get(key, set())
            if len(cores) != 1:
                return m.group(0)
            zh, rest = next(iter(cores)), q[m.end():]
            pos = m.end()
            while True:  # "city government office", "zone", "public security bureau" …
                for pat, word in rules().english:
                    w = pat.match(q, pos)
                    if w:
                        zh += word
                        pos = w.end()
                        break
                else:
                    break
            del rest
            return "\u0000" + zh + "\u0001" + str(pos)

        out, last = [], 0
        for m in re.finditer(r"(?:\bthe\s+)?\b(?P<place>[A-Z][a-z]+(?:['’-]?[a-z]+)?)", q):
            if m.start() < last:
                continue
            rep = one(m)
            if rep.startswith("\u0000"):
                zh, pos = rep[1:].split("\u0001")
                out.append(q[last:m.start()] + zh)
                last = int(pos)
        return "".join(out) + q[last:]

    def _masked_index(self) -> dict[str, set[str]]:
        if self._masked is None:
            self._masked = {}
            for v in self._variants:
                if len(v) >= rules().fuzzy_min_length:
                    for k in range(len(v)):
                        self._masked.setdefault(v[:k] + "\u0000" + v[k + 1:], set()).add(v)
        return self._masked

    def _lookup(self, s: str) -> set[str]:
        return set(self._variants.get(s, ())) | self._govs.get(s, set())

    def find_fuzzy(self, q: str) -> list[AgencyMatch]:
        """Mentions with one character wrong: a character OCR confuses (沐阳 for 沭阳) at any length,
        any character in names of ≥ ``fuzzy_min_length``. Indexed lookups only — the cost does not
        grow with the number of agencies."""
        R = rules()
        out: list[AgencyMatch] = []
        n = len(q)
        for i in range(n):
            for j in range(min(n, i + self._maxlen), i + 1, -1):
                seg = q[i:j]
                if "\u0000" in seg or "\n" in seg:
                    continue
                found: set[str] = set()
                for k, ch in enumerate(seg):
                    for alt in R.confusions.get(ch, ""):
                        found |= self._lookup(seg[:k] + alt + seg[k + 1:])
                if not found and len(seg) >= R.fuzzy_min_length:
                    masked = self._masked_index()
                    for k in range(len(seg)):
                        for v in masked.get(seg[:k] + "\u0000" + seg[k + 1:], ()):
                            found |= set(self._variants.get(v, ()))
                if found:
                    out.append(AgencyMatch(i, j, seg, tuple(sorted(found)), "fuzzy"))
                    break
        return _select(out)

    def resolve(self, q: str) -> Resolution:
        ms = self.find(q) or self.find_fuzzy(q)
        if not ms:
            return Resolution(None)
        m = ms[0]
        return Resolution(m.agencies[0] if len(m.agencies) == 1 else None, m.text, list(m.agencies),
                          m.how == "fuzzy")

    def nearest(self, mention: str, k: int = 3) -> list[str]:
        """Stored agencies sharing the most characters with ``mention`` (for "did you mean")."""
        ms = set(mention)
        if not ms:
            return []
        scored = []
        for name in self._names:
            common = len(set(name) & ms) / len(ms)
            if common > 0.3:
                scored.append((common, name))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return [n for _, n in scored[:k]]


def _select(hits: list[AgencyMatch]) -> list[AgencyMatch]:
    """Non-overlapping hits, longest first, returned in question order."""
    chosen: list[AgencyMatch] = []
    for h in sorted(hits, key=lambda h: (-(h.end - h.start), HOW_ORDER.index(h.how), h.start)):
        if all(h.end <= c.start or h.start >= c.end for c in chosen):
            chosen.append(h)
    return sorted(chosen, key=lambda h: h.start)
