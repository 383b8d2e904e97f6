"""Answers from the reports' prose: retrieval, then extractive sentences (or an LLM, checked).

Without a language model (the default) the answer is extractive: the sentences that answer,
and for "多少/几" questions the number with its unit taken from the text (发文550篇 → 550).
With a model configured, it writes the answer from the retrieved passages, and every number in
its output must appear in a cited passage — otherwise the answer falls back to extractive and
says why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from ingest.config import Settings
from ingest.store import ReportRow, Store

from .models import Citation

_SENT_SPLIT = re.compile(r"(?<=[。;!?])|\n")
_STOP = set("的 了 是 在 和 与 及 有 多少 几 什么 哪些 哪个 年 年度 本 该 其 中 请问 一共 总共 累计 情况 报告 "
            "how many much what which did does the in of a to for".split())
_NUM_UNIT = r"(\d+(?:\.\d+)?)(余|多)?\s*({unit})"
_COUNTERS = "个|篇|条|次|件|期|场|项|部|名|人次|人|家|份|批|万元|元|天"
_PROBLEM = re.compile(r"问题|不足|短板|差距|改进|problems?|shortcomings?|issues?|improve", re.I)


_TABLE_MARKERS = re.compile(r"第二十条第|本年新收政府信息公开申请数量|勾稽关系|结果维持结果纠正|信息内容本年")


def _is_table_text(s: str) -> bool:
    if s.count("|") > 3 or _TABLE_MARKERS.search(s):
        return True
    digits = sum(ch.isdigit() for ch in s)
    return len(s) > 40 and digits / len(s) > 0.3


@dataclass
class Passage:
    text: str
    source: str
    agency: str | None
    year: int | None
    report_id: str | None = None
    section: str | None = None
    page: int | None = None
    start: int | None = None
    end: int | None = None
    score: float = 0.0
    line_no: int | None = None


@dataclass
class ProseResult:
    text: str
    value: int | Decimal | None
    unit: str | None
    citations: list[Citation]
    warnings: list[str]
    found: bool


_QUOTED = re.compile(r"[“\"《「『]([^”\"》」』]{2,20})[”\"》」』]")


def quoted_terms(question: str) -> list[str]:
    """Names the user put in quotes (“平潭发布”) — the strongest clue to the right sentence."""
    return _QUOTED.findall(question)


def keywords(question: str, drop: list[str]) -> list[str]:
    import jieba

    q = question
    for d in drop:
        if d:
            q = q.replace(d, " ")
    q = re.sub(r"\d{4}\s*年度?|[?？。,，!！、:：\"“”]", " ", q)
    words = [w.strip() for w in jieba.lcut(q) if w.strip()]
    out = [w for w in words if w not in _STOP and len(w) >= 2 and not w.isdigit()]
    return list(dict.fromkeys(out))


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"\s+", "", s)
    return {s[i:i + 2] for i in range(len(s) - 1)}


def score_sentence(sentence: str, kws: list[str], qgrams: set[str], quoted: list[str] = ()) -> float:
    s = sum(len(k) for k in kws if k in sentence) + sum(3 * len(t) for t in quoted if t in sentence)
    g = len(qgrams & _bigrams(sentence)) / max(len(qgrams), 1)
    total_word = 0.5 if re.search(r"共|合计|累计|全年|总计", sentence) else 0.0
    return s + 4 * g + total_word


def report_passages(store: Store, report: ReportRow, section_hint: int | None = None) -> list[Passage]:
    """Sentences of one report, with their spans (from the stored normalised text)."""
    full = store.get_report(report.id)
    if full is None or not full.text:
        return []
    text = _join_wrapped_lines(full.text)
    sections = store.sections(report.id)
    out = []
    # sentences never run across a section heading (a page collapsed to one line glues the last table
    # row to the next section's first sentence)
    cuts = sorted({0, len(text), *(s.start for s in sections if 0 < s.start < len(text))})
    pieces: list[tuple[int, str]] = []
    for a, b in zip(cuts, cuts[1:]):
        pos = a
        for piece in _SENT_SPLIT.split(text[a:b]):
            if piece:
                pos = text.find(piece, pos, b)
                pieces.append((pos, piece))
                pos += len(piece)
    for start, piece in pieces:
        if not piece.strip():
            continue
        end = start + len(piece)
        sec = next((s for s in reversed(sections) if s.start <= start), None)
        if section_hint is not None and (sec is None or sec.number != section_hint):
            continue
        if _is_table_text(piece):
            continue  # table rows are answered from cells, not prose
        line = store.line_at(report.id, start)
        out.append(Passage(piece.strip().replace("\u2063", ""), report.source, report.agency, report.year, report.id,
                           sec.title if sec else None, line.page if line else None, start, end,
                           line_no=line.line_no if line else None))
    return out


_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、]|[一二三四五六七八九十]是)")


def _join_wrapped_lines(text: str) -> str:
    """Undo hard line wrapping (PDF text) without moving any character: a newline inside a
    sentence becomes an invisible separator (U+2063, dropped from quotes), so offsets still
    index the stored text."""
    lines = text.split("\n")
    out = []
    for i, ln in enumerate(lines):
        out.append(ln)
        if i == len(lines) - 1:
            break
        nxt = lines[i + 1]
        ends = (ln.rstrip()[-1:] in "。;!?:" if ln.strip() else True) or (
            bool(_HEADING_START.match(ln.strip())) and len(ln.strip()) < 40)
        joined = not ends and not _HEADING_START.match(nxt.strip()) and "|" not in ln and "|" not in nxt
        out.append("\u2063" if joined else "\n")
    return "".join(out)


def retrieved_passages(settings: Settings, question: str, agency: str | None, year: int | None,
                       k: int = 8) -> tuple[list[Passage], list[str]]:
    """Top chunks from the hybrid index (LangChain retrievers), or none with a warning."""
    try:
        from .retrieval import HybridSearcher  # noqa: F401  (is hybrid retrieval installed?)
    except ImportError:
        return [], []
    try:
        hits = _searcher(settings).search(question, k=k, agency=agency, year=year)
    except Exception as exc:  # a missing model or index must not break table answers
        return [], [f"retrieval unavailable ({exc.__class__.__name__}: {str(exc)[:80]})"]
    out = []
    for h in hits:
        md = getattr(h, "metadata", None) or (h if isinstance(h, dict) else {})
        get = (lambda k_, d=None: md.get(k_, getattr(h, k_, d))) if isinstance(md, dict) else (lambda k_, d=None: getattr(h, k_, d))
        out.append(Passage(getattr(h, "text", "") or get("text", ""), get("source", ""), get("agency"), get("year"),
                           get("report_id"), get("section_title") or get("section"), get("page"),
                           get("start"), get("end"), float(getattr(h, "score", 0.0) or 0.0)))
    return out, []


@lru_cache(maxsize=4)
def _searcher(settings: Settings):
    from .retrieval import HybridSearcher

    return HybridSearcher(settings)


def section_summary(passages: list[Passage], max_chars: int = 1500) -> ProseResult:
    """The opening sentences of a section (e.g. 五、存在的主要问题), in order, heading skipped."""
    picked: list[Passage] = []
    total = 0
    for p in passages:
        if re.match(r"^[一二三四五六七八九十]+、", p.text) and len(p.text) < 30:
            continue
        picked.append(p)
        total += len(p.text)
        if total >= max_chars:
            break
    if not picked:
        return ProseResult("", None, None, [], [], False)
    return ProseResult("\n".join(f"- {p.text}" for p in picked), None, None, [_cite(p, p.text) for p in picked], [], True)


# Verbs and generic words that may stand anywhere: the asked *nouns* must share the number's clause.
_OPTIONAL = set("发文 发布 发表 推送 编发 开展 组织 举办 召开 接待 受理 办理 回复 答复 公开 更新 上传 刊登 转载 政务 信息 "
                "累计 共计 全年 本年 年度 工作 相关 方面 情况 数量 总数 次数 篇数 条数 平台 渠道 通过 进行 开设".split())
_CLAUSE = re.compile(r"[,，;；。!！?？]")


def required_nouns(terms: list[str] | tuple[str, ...]) -> list[str]:
    """The words of the asked terms that must appear in the number's clause (微信公众号发文 → 微信, 公众号)."""
    import jieba

    out = []
    for t in terms:
        for w in jieba.lcut(t):
            w = w.strip()
            if len(w) >= 2 and w not in _OPTIONAL and w not in _STOP and not w.isdigit():
                out.append(w)
    return list(dict.fromkeys(out))


def _clause_at(sentence: str, pos: int) -> str:
    start = max((m.end() for m in _CLAUSE.finditer(sentence, 0, pos)), default=0)
    nxt = _CLAUSE.search(sentence, pos)
    return sentence[start: nxt.start() if nxt else len(sentence)]


def extract(question: str, passages: list[Passage], drop: list[str], unit_hint: str | None, lang: str,
            want_list: bool = False, terms: list[str] | tuple[str, ...] = ()) -> ProseResult:
    """The sentences that answer; with a unit hint, the number with that unit — only when it stands
    in the same clause as every asked noun of ``terms`` (视频号 asked → a website count is never given).
    ``found`` is False when the asked nouns occur nowhere in the passages."""
    nouns = required_nouns(terms)
    if nouns and not any(all(n in p.text for n in nouns) for p in passages):
        return ProseResult("", None, None, [], [], False)
    kws = list(dict.fromkeys([t for t in terms if len(t) >= 2] + nouns + keywords(question, drop)))
    quoted = quoted_terms(question)
    qgrams = _bigrams(re.sub(r"\d{4}年|多少|几|是|的", "", "".join(kws)))
    sentences: list[tuple[float, Passage, str]] = []
    for p in passages:
        for s in _SENT_SPLIT.split(p.text):
            s = s.strip()
            if len(s) < 4 or _is_table_text(s):
                continue
            sentences.append((score_sentence(s, kws, qgrams, quoted), p, s))
    sentences.sort(key=lambda t: -t[0])
    if not sentences or sentences[0][0] <= 1.5:
        return ProseResult("", None, None, [], [], False)
    if unit_hint:
        unit_re = _COUNTERS if unit_hint == "*" else re.escape(unit_hint)
        pat = re.compile(_NUM_UNIT.format(unit=unit_re))
        for sc, p, s in sentences[:6]:
            if sc < sentences[0][0] * 0.5:
                break
            matches = [m for m in pat.finditer(s) if all(n in _clause_at(s, m.start()) for n in nouns)]
            if not matches:
                continue
            m = _closest(matches, s, kws, quoted)
            raw = m.group(1)
            unit_hint = m.group(3)
            value: int | Decimal = Decimal(raw) if "." in raw else int(raw)
            approx = m.group(2)
            cit = _cite(p, s)
            text = (f"{value}{unit_hint}" + ("(原文为“" + m.group(0) + "”,约数)" if approx else "")
                    + f"。依据:“{s}”") if lang == "zh" else (
                f"{value} {unit_hint}" + (f" (the report says “{m.group(0)}”, an approximate figure)" if approx else "")
                + f". From the report: “{s}”")
            warnings = [("The figure is approximate in the source (" + m.group(0) + ")") if lang == "en"
                        else f"原文为约数:{m.group(0)}"] if approx else []
            return ProseResult(text, value, unit_hint, [cit], warnings, True)
    top = [t for t in sentences[: (5 if want_list else 2)] if t[0] >= sentences[0][0] * 0.5]
    text = "\n".join(f"- {s}" for _, _, s in top) if want_list else " ".join(s for _, _, s in top)
    return ProseResult(text, None, None, [_cite(p, s) for _, p, s in top], [], True)


def _closest(matches, sentence: str, kws: list[str], quoted: list[str] = ()):
    """The number nearest after the strongest keyword (a quoted name first)."""
    anchors = [sentence.find(t) for t in quoted if t in sentence] + \
        [sentence.find(k) for k in sorted(kws, key=len, reverse=True) if k in sentence]
    if not anchors:
        return matches[0]
    a = anchors[0]
    after = [m for m in matches if m.start() >= a]
    pool = after or matches
    return min(pool, key=lambda m: abs(m.start() - a))


def _cite(p: Passage, sentence: str) -> Citation:
    start = p.start
    if p.start is not None and sentence in p.text:
        start = p.start + p.text.find(sentence)
    return Citation(source=p.source, agency=p.agency, year=p.year, page=p.page, section=p.section,
                    quote=sentence, report_id=p.report_id, start=start, line_no=p.line_no,
                    end=(start + len(sentence)) if start is not None else None)


# ---------------------------------------------------------------------------------- LLM path
def load_prompt(name: str) -> str:
    here = Path(__file__).resolve().parent.parent / "prompts" / name
    return here.read_text("utf-8")


def llm_answer(settings: Settings, question: str, passages: list[Passage], lang: str) -> tuple[str | None, str | None]:
    """(answer, problem). The answer is accepted only if every number in it is in a passage."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_openai import ChatOpenAI

    context = "\n\n".join(f"[{i + 1}] ({p.agency} {p.year}, {p.source}) {p.text}" for i, p in enumerate(passages[:6]))
    prompt = ChatPromptTemplate.from_messages([("system", load_prompt("answer_system.md")),
                                               ("human", load_prompt("answer_user.md"))])
    llm = ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key or "none",
                     temperature=0, timeout=60, max_retries=1)
    chain = prompt | llm | StrOutputParser()
    try:
        out = chain.invoke({"question": question, "context": context, "language": "English" if lang == "en" else "中文"})
    except Exception as exc:
        return None, f"language model call failed ({exc.__class__.__name__})"
    unsupported = numbers_not_in(out, [p.text for p in passages[:6]])
    if unsupported:
        return None, "language model answer contained numbers not found in the cited passages: " + ", ".join(unsupported)
    return out.strip(), None


def numbers_not_in(answer: str, passages: list[str]) -> list[str]:
    joined = " ".join(passages)
    found = re.findall(r"\d+(?:\.\d+)?", answer)
    bad = []
    for n in found:
        if re.search(rf"(?<![\d.]){re.escape(n)}(?![\d.])", joined) is None and n.lstrip("[").rstrip("]") not in {
                str(i) for i in range(1, 7)}:
            bad.append(n)
    return list(dict.fromkeys(bad))


def wants_list(question: str) -> bool:
    return bool(_PROBLEM.search(question) or re.search(r"哪些|什么|which|what", question, re.I))


def section_hint(question: str) -> int | None:
    if _PROBLEM.search(question):
        return 5
    return None
