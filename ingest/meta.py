"""Report metadata: the agency, the report year, the publication date and the template.

Everything here is a pure function of a :class:`LoadedDocument`. The rules follow
``shared/domain/report-format.md`` ("What the year and the agency are"):

* the **year** is the statistics period (统计期限自2023年1月1日起…), not the publication date;
  then the year in the title, "(2018年度)", "现编制2018年度…报告", the opening sentence;
* the **agency** is the name in the title, else the metadata 发布机构, the body's first
  "2024年,X认真…" sentence, the contact sentence "请与X联系", the signature, or the unit the
  report calls "我街道/我镇"; bare town names get their suffix (安棚镇 → 安棚镇人民政府) and the
  name is expanded to the longest place-prefixed form written in the text
  (洪泽区人民政府 → 淮安市洪泽区人民政府);
* the **template** ("2021" | "2019" | "pre2019") is read from the tables' wording, then the year.

Most searches run on a *flat* copy of the text with all whitespace removed, because PDF lines
wrap in the middle of names ("淮安市洪\\n泽区"); a position map leads back to lines for evidence.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .models import Line, LoadedDocument, ReportMeta, TemplateName

_CJK = "\u4e00-\u9fff"
_NAME_CHARS = rf"[{_CJK}()·]"

# ------------------------------------------------------------------------------ year
_PERIOD = re.compile(r"统计(?:期限|时限|周期|期间|区间|时间|范围)[^\d。]{0,8}?((?:19|20)\d{2})年")
_PERIOD_BARE = re.compile(r"(?:自|从|为)((?:19|20)\d{2})年1月1日起?(?:至|到|—|-|~)(?:(?:19|20)\d{2}年)?12月31日")
_YEAR_PAREN = re.compile(r"^[((]((?:19|20)\d{2})年度?[))]$")
_YEAR_COMPILE = re.compile(r"现编制((?:19|20)\d{2})年度?[^。]{0,20}?报告")
_YEAR_OPENING = re.compile(r"^(?:现将)?((?:19|20)\d{2})年(?:度|以来)?[,,]")
_YEAR_REPORT_ON = re.compile(r"现将((?:19|20)\d{2})年度?[^。]{0,12}?(?:情况|报告)")

# ------------------------------------------------------------------------------ title
_TITLE = re.compile(
    rf"^(?P<pre>{_NAME_CHARS}*?)(?P<year>(?:19|20)\d{{2}})年度?(?P<post>{_NAME_CHARS}*?)"
    r"(?:政府信息公开|政务公开|信息公开|政府信息工作公开)(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)(?:的函|的通知|的报告)?$")
_META_TITLE = re.compile(r"标题\s*[::][\s|]*([^|\n]+)")
_TITLE_WINDOW = 15  # the title is among the first lines

# ------------------------------------------------------------------------------ dates
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}
_META_DATE = re.compile(r"(?:发文日期|发布时间|发布日期|成文日期|印发日期|公开日期)\s*[::][\s|]*"
                        r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATE_LINE = re.compile(r"^[((]?((?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})年"
                        r"(\d{1,2}|[一二三四五六七八九十]{1,3})月(\d{1,2}|[一二三四五六七八九十]{1,3})日[))]?$")

# ------------------------------------------------------------------------------ template
_T2021 = re.compile(r"本年制发件数|本年废止件数|现行有效件数|\(六\)其他处理\|?(?:\(六\))?1\.申请人无正当理由")
_T2019 = re.compile(r"本年新制作数量|本年新公开数量|对外公开总数量|第二十条第\(九\)项|上一年项目数量")
_PRE2019 = re.compile(r"政府信息公开情况统计表|统计指标|指标名称|受理依申请公开信息总数")
_T3_ROW = re.compile(r"本年新收政府信息公开申请")
_T3_OTHER = re.compile(r"\(六\)其他处理")
_REPORT_WORDS = ("政府信息公开", "政务公开")

# ------------------------------------------------------------------------------ agency
_PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
              "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
              "甘肃", "青海", "内蒙古", "广西", "西藏", "宁夏", "新疆")
_PLACE_SUFFIX = r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|省|市|州|盟|县|区|旗)"
_PLACE_SEG = re.compile(rf"[{_CJK}]{{1,6}}?{_PLACE_SUFFIX}")
_PLACE_SEG_FULL = re.compile(rf"[{_CJK}]{{1,6}}{_PLACE_SUFFIX}")
# two-character endings that look like places but are not names (全区, 我市, 社区 …)
_NOT_PLACE = set("全区 我区 本区 辖区 各区 城区 园区 社区 景区 片区 小区 该区 全市 我市 本市 各市 城市 都市 该市 "
                 "全县 我县 本县 各县 该县 全省 我省 本省 各省 该省 全州 本州 全旗 地区 市区 县区 郊区 山区 矿区 "
                 "新区 老区".split())
_GOV = "人民政府"
# strong organisation endings, tried longest first
_ORG_STRONG = ("人民政府办公厅", "人民政府办公室", "人民政府", "街道办事处", "办事处", "管理委员会", "管委会",
               "委员会", "综合实验区", "局")
_ORG_ALL = _ORG_STRONG + ("办公厅", "办公室", "政府", "委", "厅", "署", "院", "中心", "镇", "乡", "街道")
_GOVERNMENTS = ("人民政府", "管委会", "管理委员会", "街道办事处", "办事处")
_ORG_RE = "|".join(map(re.escape, _ORG_STRONG))
_TOWN = rf"[{_CJK}]{{2,4}}(?:镇|乡|街道)(?!办|人民)"
_STOP_FIRST = "我本全各该每其此了和与及在对将由向从为是的把被给等并或经按据于至"
_BODY_NAME = re.compile(
    rf"((?:19|20)\d{{2}})年(?:度|以来)?[,,](?:在[^,,。]{{1,40}}[,,])?"
    rf"(?P<name>[{_CJK}()]{{2,30}}?(?:{_ORG_RE})|{_TOWN})(?=[{_CJK}])")
_CONTACT = re.compile(rf"请(?:与|联系|致电|咨询)(?P<name>[{_CJK}()]{{2,40}}?)(?:联系|咨询|[,。;:(]|$)")
_META_PUBLISHER = re.compile(r"发布机构\s*[::][ \t|]*([^|\n]*)")
_SELF_REF = re.compile(r"[我本](街道|镇|乡)")
# aliases: words that make a contact/publisher string a department, not a name; bare generics
_NOT_NAME = ("领导小组", "信息公开", "政务公开", "保密", "电子政务")
_GENERIC = {"区政府", "市政府", "县政府", "镇政府", "乡政府", "办公室", "办公厅", "管委会"}
_COUNTY = re.compile(rf"([{_CJK}]{{2}}(?:市|县|区|旗))(?=人民政府|政府|政务|档案局|[)),、])")


@dataclass(frozen=True)
class _Flat:
    """Text with all whitespace removed, and for each character its offset in the original."""

    text: str
    pos: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> "_Flat":
        keep = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
        return cls("".join(ch for _, ch in keep), tuple(i for i, _ in keep))

    def line_no(self, doc: LoadedDocument, flat_index: int) -> int | None:
        if not self.pos:
            return None
        off = self.pos[min(flat_index, len(self.pos) - 1)]
        for ln in doc.lines:
            if ln.start <= off <= ln.end:
                return ln.line_no
        return None


# ============================================================================== public API
def extract_meta(doc: LoadedDocument) -> ReportMeta:
    """Agency, year, publication date, template and title of one report (never raises)."""
    flat = _Flat.of(doc.text)
    if not any(w in flat.text for w in _REPORT_WORDS):
        return ReportMeta(agency=None, year=None, published=None, template="unknown")
    title, title_name, title_year, title_ev = _find_title(doc.lines)
    year, year_ev = _find_year(doc, flat, title_year, title_ev)
    agency, agency_ev = _find_agency(doc, flat, title_name, title_ev)
    signed = _other_signatory(flat.text, agency)
    if signed:
        agency_ev += f"; the signature names {signed} (kept as a note; the title/发布机构 agency is kept)"
    return ReportMeta(agency=agency, year=year, published=_find_published(doc.lines),
                      template=detect_template(doc, year), title=title,
                      agency_evidence=agency_ev, year_evidence=year_ev, signature_agency=signed)


# Field labels of page metadata that get glued to the value ("名称沭阳县发展和改革局").
_FIELD_LABELS = re.compile(r"^(?:发布机构|发文机关|发布单位|来源单位|信息来源|文章来源|来源|所属机构|机构名称|名称|单位)[:\uff1a]?")
_TAIL_DATE = re.compile(r"\s*(?:19|20)\d{2}年\d{1,2}月\d{1,2}日\s*$")


def strip_field_label(name: str) -> str:
    """"名称沭阳县发展和改革局" → "沭阳县发展和改革局"; "发布机构:区执法应急局" → "区执法应急局"."""
    prev = None
    while prev != name:
        prev, name = name, _FIELD_LABELS.sub("", name.strip())
    return name


def _other_signatory(text: str, agency: str | None) -> str | None:
    """The agency that signs a report whose body is one flattened line ("…暂无平潭综合实验区X局
    2021年1月26日"), when it is not the report's agency."""
    if not agency:
        return None
    body = text.rstrip()
    m = _TAIL_DATE.search(body[-200:])
    if not m:
        return None
    tail = body[-200:][:m.start()]
    place = _PLACE_SEG_FULL.match(agency)
    if not place:
        return None
    i = tail.rfind(place.group())
    if i < 0:
        return None
    name = re.sub(r"\s+", "", tail[i:])
    if not re.fullmatch(rf"{_NAME_CHARS}{{3,40}}", name) or not name.endswith(_ORG_ALL + ("局",)):
        return None
    if name == agency or name in agency or agency in name:
        return None
    return name



def detect_template(doc: LoadedDocument, year: int | None = None) -> TemplateName:
    """"2021" | "2019" | "pre2019" from the tables' wording, else from ``year``; "unknown"."""
    flat = re.sub(r"\s+", "", doc.text)
    if not any(w in flat for w in _REPORT_WORDS):
        return "unknown"
    if _T2021.search(flat):
        return "2021"
    if _T2019.search(flat):
        return "2019"
    if _PRE2019.search(flat) and not _T3_ROW.search(flat):
        return "pre2019"
    if year is not None:
        return "2021" if year >= 2021 else "2019" if year >= 2019 else "pre2019"
    if _T3_OTHER.search(flat):
        return "2019"  # table 三 present, (六)其他处理 without its 2021 sub-rows
    return "unknown"


def agency_aliases(doc: LoadedDocument, agency: str | None) -> list[str]:
    """Other names of ``agency`` written in ``doc`` (short forms, publisher, contact, signature).

    Used for loose name matching ("马尚街道" ↔ "张店区人民政府马尚街道办事处"). Every alias
    returned occurs in the text; ``agency`` itself is not repeated.
    """
    if not agency:
        return []
    flat_doc = _Flat.of(doc.text)
    flat = flat_doc.text
    key = _name_key(agency)
    found: list[str] = []
    sources = [_meta_publisher(doc.lines), _contact_name(flat_doc)[0], _signature(doc.lines)[0],
               _body_name(flat_doc)[0]]
    for s in filter(None, sources):
        base = _strip_office(s)
        # the name itself and, from a contact sentence, "<government>办公室" — not longer tails
        for cand in [base] + ([s] if s == base + "办公室" else []):
            if key in cand and not cand.startswith(("市", "区", "县")) and not any(w in cand for w in _NOT_NAME):
                found.append(cand)
    found += _short_forms(agency)
    out: list[str] = []
    for name in found:
        if (name != agency and name not in out and len(name) >= 3 and not name.startswith(_GOV)
                and name not in _GENERIC and _written_alone(name, flat)):
            out.append(name)
    return out


def _name_key(agency: str) -> str:
    """The distinctive part of a name: 马尚 (…马尚街道办事处), 洪泽区 (淮安市洪泽区人民政府)."""
    segs = _segments(agency)
    places = [s for s in segs if s != _GOV and _PLACE_SEG_FULL.fullmatch(s)]
    rest = segs[-1] if segs and segs[-1] not in places and segs[-1] != _GOV else ""
    stem = re.sub(r"(?:街道办事处|办事处|人民政府|街道|镇|乡)$", "", rest)
    if len(stem) >= 2 and stem not in ("办公厅", "办公室"):
        return stem
    return places[-1] if places else agency


def _written_alone(alias: str, flat: str) -> bool:
    """``alias`` occurs in the text at least once as a name: not as the tail of a longer place
    name ("区阿尔丁大街…" inside "昆都仑区阿尔丁大街…") nor as "X政府" of "X政府信息公开"."""
    for m in re.finditer(re.escape(alias), flat):
        before = flat[max(0, m.start() - 6):m.start()]
        if alias[0] in "市区县" and re.search(rf"[{_CJK}]$", before) and not before.endswith(tuple(_STOP_FIRST)):
            continue
        if alias.endswith("政府") and flat.startswith("信息", m.end()):  # "X区政府信息公开工作"
            continue
        return True
    return False


# ============================================================================== title & year
def _clean(s: str) -> str:
    """A line as title text: no markdown '#', '标题:', pipes or whitespace."""
    s = re.sub(r"^\s*#+\s*", "", s)
    s = re.sub(r"^标题\s*[::]", "", s.strip())
    return re.sub(r"[\s|]+", "", s)


def _match_title(s: str) -> tuple[str, int] | None:
    """(agency name, year) when ``s`` is a whole report title."""
    m = _TITLE.match(s)
    if not m:
        return None
    name = re.sub(r"关于(?:报送|印发|公布|发布|上报|呈报)?$", "", m.group("post") or m.group("pre"))
    if name.endswith("人民"):  # "X市人民政府信息公开…": the 政府 was eaten by 政府信息公开
        name += "政府"
    return name, int(m.group("year"))


def _find_title(lines: list[Line]) -> tuple[str | None, str | None, int | None, str]:
    """(title, agency in the title, year in the title, evidence)."""
    head = lines[:_TITLE_WINDOW]
    for ln in head:  # a metadata 标题 wins over page headers
        m = _META_TITLE.search(ln.text)
        if m and (hit := _match_title(_clean(m.group(1)))):
            return _clean(m.group(1)), hit[0] or None, hit[1], f"metadata 标题 (line {ln.line_no})"
    texts = [_clean(ln.text) for ln in head]
    for i, s in enumerate(texts):
        if not s:
            continue
        options = [(s, f"title line {head[i].line_no}")]
        if i + 1 < len(texts) and 0 < len(texts[i + 1]) <= 12:  # "…政府信息公开" + "工作年度报告"
            options.append((s + texts[i + 1], f"title lines {head[i].line_no}-{head[i + 1].line_no}"))
        for cand, ev in options:
            hit = _match_title(cand)
            if hit is None:
                continue
            name, year = hit
            prev = texts[i - 1] if i > 0 else ""
            if not name and re.fullmatch(rf"{_NAME_CHARS}{{2,40}}", prev or "-"):
                # "昆都仑区阿尔丁大街街道办事处" / "2024年政府信息公开工作年度报告"
                return prev + cand, prev, year, f"title lines {head[i - 1].line_no}-{head[i].line_no}"
            return cand, name or None, year, ev
    return None, None, None, ""


def _find_year(doc: LoadedDocument, flat: _Flat, title_year: int | None, title_ev: str) -> tuple[int | None, str]:
    for rx, ev in ((_PERIOD, "statistics period"), (_PERIOD_BARE, "statistics period (no keyword)")):
        m = rx.search(flat.text)
        if m:
            return int(m.group(1)), f"{ev}, line {flat.line_no(doc, m.start())}"
    if title_year is not None:
        return title_year, f"year in {title_ev}"
    for ln in doc.lines:
        m = _YEAR_PAREN.match(re.sub(r"\s+", "", ln.text))
        if m:
            return int(m.group(1)), f"'({m.group(1)}年度)' line {ln.line_no}"
    for rx, ev in ((_YEAR_COMPILE, "现编制…年度报告"), (_YEAR_REPORT_ON, "现将…年度情况")):
        m = rx.search(flat.text)
        if m:
            return int(m.group(1)), f"{ev}, line {flat.line_no(doc, m.start())}"
    for ln in doc.lines:
        m = _YEAR_OPENING.match(ln.text.strip())
        if m:
            return int(m.group(1)), f"opening sentence, line {ln.line_no}"
    return None, ""


# ============================================================================== dates
def _cn_number(s: str) -> int:
    """Arabic digits, or Chinese numerals as written in dates (二〇二五, 十五, 二十三)."""
    if s.isdigit():
        return int(s)
    if len(s) == 4 and "十" not in s:  # a year: digit by digit
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[s]


def _iso(y: int, m: int, d: int) -> str | None:
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= m <= 12 and 1 <= d <= 31 else None


def _find_published(lines: list[Line]) -> str | None:
    """ISO date from metadata (发文日期/发布时间…), else a date line at the end or under the title."""
    for ln in lines[:_TITLE_WINDOW]:
        m = _META_DATE.search(ln.text)
        if m and (iso := _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))):
            return iso
    nonempty = [ln for ln in lines if ln.text.strip()]
    for ln in list(reversed(nonempty[-4:])) + nonempty[:6]:
        m = _DATE_LINE.match(re.sub(r"\s+", "", ln.text))
        if m:
            try:
                iso = _iso(*(_cn_number(g) for g in m.groups()))
            except KeyError:
                continue
            if iso:
                return iso
    return None


# ============================================================================== agency
def _find_agency(doc: LoadedDocument, flat: _Flat, title_name: str | None, title_ev: str) -> tuple[str | None, str]:
    name, ev, synthesized = None, "", False
    if title_name:
        name, ev = title_name, title_ev
    if not name and (pub := _meta_publisher(doc.lines)):
        name, ev = _strip_office(pub), "metadata 发布机构"
    if not name:
        body, pos = _body_name(flat)
        if body:
            name, ev = body, f"body, line {flat.line_no(doc, pos)}"
    if not name:
        contact, pos = _contact_name(flat)
        if contact:
            name, ev = _strip_office(contact), f"contact sentence, line {flat.line_no(doc, pos)}"
    if not name:
        sig, line_no = _signature(doc.lines)
        if sig:
            name, ev = sig, f"signature, line {line_no}"
    if not name:
        unit = _self_named_unit(flat.text)
        if unit:
            name, ev = unit, f"self-reference (我{_town_kind(unit)}) + most named unit {unit}"
    if not name:
        return None, ""
    if (stripped := strip_field_label(name)) != name and len(stripped) >= 2:
        ev += f"; field label stripped ({name} → {stripped})"
        name = stripped
    full = _complete_town(name)
    if full != name:
        synthesized = full not in flat.text
        ev += f"; bare name {name} → {full}"
    bare = name
    name = full
    longer = _expand(name, flat.text, bare if synthesized else None)
    if longer != name:
        ev += f"; expanded to the longer form written in the text ({longer})"
        return longer, ev
    if synthesized and (place := _dominant_county(flat.text)):
        ev += f"; place prefix {place} (the county-level place the text names most)"
        return place + name, ev
    return name, ev


def _meta_publisher(lines: list[Line]) -> str | None:
    for ln in lines[:_TITLE_WINDOW]:
        m = _META_PUBLISHER.search(ln.text)
        if m:
            v = strip_field_label(re.sub(r"\s+", "", m.group(1)))
            if re.fullmatch(rf"{_NAME_CHARS}{{2,40}}", v):
                return v
    return None


def _body_name(flat: _Flat) -> tuple[str | None, int]:
    """"2024年,泰安市行政审批服务局认真落实…" → 泰安市行政审批服务局 (first such sentence)."""
    for m in _BODY_NAME.finditer(flat.text):
        name = m.group("name")
        if name[0] not in _STOP_FIRST + "市区县镇乡" and not name.startswith(("上级", "各级", "有关")):
            # "兴溪区人民政府金州街道办事处结合…": a government's name may go on into one of its units
            more = _SUB_UNIT.match(flat.text, m.end("name"))
            if name.endswith(_GOV) and more:
                name += more.group(0)
            return name, m.start("name")
    return None, -1


_SUB_UNIT = re.compile(rf"[{_CJK}]{{2,8}}?(?:街道办事处|镇人民政府|乡人民政府|办事处|人民政府办公室|管理委员会|管委会)(?=[{_CJK}])")


def _contact_name(flat: _Flat) -> tuple[str | None, int]:
    """"请与淮安市洪泽区人民政府办公室联系" → 淮安市洪泽区人民政府办公室."""
    for m in _CONTACT.finditer(flat.text):
        name = m.group("name")
        if any(s in name for s in _ORG_ALL):
            return name, m.start("name")
    return None, -1


def _strip_office(name: str) -> str:
    """Cut after the first 办公室 and drop it when what remains is a government.

    淮安市洪泽区人民政府办公室 → 淮安市洪泽区人民政府; 平潭综合实验区管委会办公室保密与电子政务处
    → 平潭综合实验区管委会; 上海市人民政府办公厅 stays (an agency of its own).
    """
    i = name.find("办公室")
    if i < 0:
        return name
    base = name[:i]
    return base if base.endswith(_GOVERNMENTS) else name[:i + 3]


def _signature(lines: list[Line]) -> tuple[str | None, int | None]:
    """An agency name on one of the last lines (usually above the date)."""
    tail = [ln for ln in lines if ln.text.strip()][-4:]
    for ln in reversed(tail):
        s = _clean(ln.text)
        if _DATE_LINE.match(s):
            continue
        if re.fullmatch(rf"{_NAME_CHARS}{{3,40}}", s) and s.endswith(_ORG_ALL):
            return s, ln.line_no
    return None, None


def _town_kind(name: str) -> str:
    for k in ("街道", "镇", "乡"):
        if name.endswith(k):
            return k
    return ""


def _complete_town(name: str) -> str:
    """A bare town/township/street name gets its government suffix."""
    if re.fullmatch(rf"[{_CJK}]{{2,8}}(?:镇|乡)", name):
        return name + _GOV
    if re.fullmatch(rf"[{_CJK}]{{2,8}}街道", name):
        return name + "办事处"
    return name


def _self_named_unit(flat: str) -> str | None:
    """The report calls itself 我街道/我镇: the most named "X街道"/"X镇" is the agency."""
    kinds = Counter(m.group(1) for m in _SELF_REF.finditer(flat))
    if not kinds:
        return None
    kind = kinds.most_common(1)[0][0]
    counts: Counter[str] = Counter()
    for m in re.finditer(kind, flat):
        for n in (2, 3, 4):
            s = flat[m.start() - n:m.start()]
            if (len(s) == n and re.fullmatch(rf"[{_CJK}]+", s) and s[0] not in _STOP_FIRST
                    and not any(c in "我本全各该每" for c in s)):
                counts[s] += 1
    short = [(c, s) for s, c in counts.items() if len(s) == 2 and c >= 2]
    if not short:
        return None
    count, best = max(short)
    for n in (3, 4):  # extend while the longer form is (nearly) as frequent
        longer = [(c, s) for s, c in counts.items() if len(s) == n and s.endswith(best) and c >= max(2, 0.6 * count)]
        if not longer:
            break
        count, best = max(longer)
    return best + kind


def _segments(name: str) -> list[str]:
    """Leading place and 人民政府 segments, then the rest as one segment."""
    segs: list[str] = []
    i = 0
    while i < len(name):
        if name.startswith(_GOV, i):
            segs.append(_GOV)
            i += len(_GOV)
            continue
        m = _PLACE_SEG.match(name, i)
        if m and m.group()[-2:] not in _NOT_PLACE:
            segs.append(m.group())
            i = m.end()
            continue
        segs.append(name[i:])
        break
    return segs


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(s == b for b in it) for s in small)


def _place_before(text: str, end: int, known: set[str]) -> str | None:
    """The place segment ending at ``text[end]`` ("淮安市"), or None."""
    for cand in sorted(known, key=len, reverse=True) + [p + s for p in _PROVINCES for s in ("省", "市", "自治区")]:
        if end >= len(cand) and text.startswith(cand, end - len(cand)):
            return cand
    for n in range(3, 8):  # shortest plausible: 2-character names are the rule
        s = text[max(0, end - n):end]
        if len(s) == n and _PLACE_SEG_FULL.fullmatch(s) and s[-2:] not in _NOT_PLACE and s[0] not in _STOP_FIRST:
            return s
    return None


def _expand(name: str, text: str, bare: str | None = None) -> str:
    """The longest form written in ``text`` that is ``name`` with more places/人民政府 in front.

    洪泽区人民政府 + "…请与淮安市洪泽区人民政府办公室…" → 淮安市洪泽区人民政府;
    昆都仑区阿尔丁大街街道办事处 + "由包头市昆都仑区人民政府阿尔丁大街街道办事处编制" → the latter.
    ``bare`` (安棚镇 for a synthesized 安棚镇人民政府) is searched instead of ``name``.
    """
    segs = _segments(name)
    rest = segs[-1] if segs and segs[-1] != _GOV and not _PLACE_SEG_FULL.fullmatch(segs[-1]) else ""
    core = bare or rest or name
    known = {s for s in segs if s != _GOV and s != rest}
    best = name
    for m in re.finditer(re.escape(core), text):
        i, prefix = m.start(), ""
        while True:
            if text.startswith(_GOV, i - len(_GOV)) and i >= len(_GOV):
                seg = _GOV
            else:
                seg = _place_before(text, i, known)
            if not seg:
                break
            prefix = seg + prefix
            i -= len(seg)
        if not prefix:
            continue
        cand = prefix + (name if bare else core)
        if prefix != _GOV and len(cand) > len(best) and _is_subsequence(segs, _segments(cand)):
            best = cand
    return best


def _dominant_county(flat: str) -> str | None:
    """The county-level place named most often (桦甸市政务公开…, 桦甸市人民政府…), if clear."""
    counts = Counter(m.group(1) for m in _COUNTY.finditer(flat)
                     if m.group(1)[-2:] not in _NOT_PLACE and m.group(1)[0] not in _STOP_FIRST)
    top = counts.most_common(2)
    if not top or top[0][1] < 2 or (len(top) > 1 and top[1][1] >= top[0][1]):
        return None
    return top[0][0]


def _short_forms(agency: str) -> list[str]:
    """Shorter and alternative spellings of ``agency`` (filtered by the caller)."""
    segs = _segments(agency)
    places = [s for s in segs if s != _GOV and _PLACE_SEG_FULL.fullmatch(s)]
    rest = segs[-1] if segs and segs[-1] not in places and segs[-1] != _GOV else ""
    out: list[str] = []
    for k in range(1, len(segs)):  # drop leading segments one at a time
        tail = "".join(segs[k:])
        if tail and tail != _GOV:
            out.append(tail)
    if rest:
        out += [p + rest for p in places]  # 张店区马尚街道办事处
        out.append(rest)
        if rest.endswith("街道办事处"):
            out += [rest[:-3], rest[:-5] + "办事处"] + [p + rest[:-3] for p in places]
        if rest.endswith(("镇人民政府", "乡人民政府")):
            out += [rest[:-4], rest[:-4] + "政府"]
        for p in places:  # 上海市科委 → 市科委
            out.append(p[-1] + rest)
    elif places:  # a government: 淮安市洪泽区人民政府 → 洪泽区, 洪泽区政府
        last = places[-1]
        out += [last, last + "政府", last + _GOV]
    if not agency.endswith(("管委会", "管理委员会", _GOV)) and not rest:
        out += [agency + "管委会", agency + "管理委员会"]
    if _GOV in agency:  # 上海市人民政府办公厅 → 上海市政府办公厅, 市政府办公厅
        short = agency.replace(_GOV, "政府")
        out += [short] + [p[-1] + short[len(p):] for p in places[:1] if short.startswith(p)]
    return out
