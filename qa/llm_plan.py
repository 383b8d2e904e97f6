"""An optional language model proposes a plan for a question the parser could not fully read.

The proposal is JSON in the parser's own terms (measure ids, operation names, agency names as
written); it is validated against the vocabulary and the stored agencies like any other plan, and
it never carries a number. Without ``GONGKAI_LLM_BASE_URL`` nothing here runs.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace

from ingest.config import Settings

from . import vocab as V
from .agencies import AgencyIndex
from .plan import Op, QueryPlan, Subject, YearMode, Years

_OPS = {o.value: o for o in Op if o != Op.PROSE}


def measure_ids() -> list[str]:
    ids = list(V.METRICS_BY_ID)
    ids += [f"t2.{t.id}.{c}" for t in V.T2_METRICS for c in t.columns]
    ids += [f"pre2019.{q.id}" for q in V.PRE2019_ONLY]
    return ids


def _chat(settings: Settings, system: str, question: str) -> str:  # pragma: no cover - needs a live endpoint
    from langchain_core.messages import HumanMessage, SystemMessage
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key or "none",
                     temperature=0, timeout=60, max_retries=1)
    return str(llm.invoke([SystemMessage(system), HumanMessage(question)]).content)


def system_prompt() -> str:
    from .prose import load_prompt

    cols = ", ".join(c for c, _, _ in V.COLUMNS)
    return load_prompt("plan_system.md").replace("{measures}", ", ".join(measure_ids())).replace("{columns}", cols)


def propose(settings: Settings, plan: QueryPlan, agencies: AgencyIndex, chat=_chat) -> QueryPlan | None:
    """A validated plan from the model, or None (no model, a call that failed, or a proposal that
    does not check out against the vocabulary and the stored agencies)."""
    if not settings.llm_configured:
        return None
    try:
        raw = chat(settings, system_prompt(), plan.question)
    except Exception:  # noqa: BLE001 - the parser's plan (and its abstention) stands
        return None
    return validate(raw, plan, agencies)


def validate(raw: str, plan: QueryPlan, agencies: AgencyIndex) -> QueryPlan | None:
    m = re.search(r"\{.*\}", raw or "", re.S)
    if not m:
        return None
    try:
        d = json.loads(m.group(0))
    except json.JSONDecodeError:
        return None
    if not isinstance(d, dict) or d.get("unsupported"):
        return None
    from .parse import measure_by_id

    known = set(measure_ids())
    ms = d.get("measures") or []
    if not isinstance(ms, list) or any(x not in known for x in ms):
        return None
    op = _OPS.get(str(d.get("op") or "value"))
    if op is None:
        return None
    subjects = []
    for name in d.get("agencies") or []:
        if not isinstance(name, str) or name not in plan.q:  # only names the question itself writes
            return None
        found = agencies.find(name)
        if len(found) != 1 or found[0].text != name:
            return None
        subjects.append(Subject(name, list(found[0].agencies), found[0].how))
    years = d.get("years") or []
    if not isinstance(years, list) or any(not isinstance(y, int) or str(y) not in plan.q and str(y)[2:] not in plan.q
                                          for y in years):
        return None
    if d.get("all_years"):
        ys = Years(YearMode.ALL, [])
    elif isinstance(d.get("recent_years"), int):
        ys = Years(YearMode.RECENT, [], d["recent_years"])
    elif years:
        ys = Years(YearMode.GIVEN, sorted(set(years)))
    else:
        ys = plan.years
    col = d.get("column")
    if col is not None and col not in {c for c, _, _ in V.COLUMNS}:
        return None
    denom = d.get("denominator")
    if denom is not None and denom not in known:
        return None
    measures = [measure_by_id(x) for x in ms]
    if col:
        measures = [replace(x, column=col) if x.table == "三" else x for x in measures]
    out = replace(plan, op=op, subjects=subjects or plan.subjects, years=ys, measures=measures,
                  denominator=measure_by_id(denom) if denom else None, unconsumed=[],
                  notes=plan.notes + ["问题由语言模型解析为查询计划(已按词表和数据核验)" if plan.lang == "zh"
                                      else "the question was read by the language model (plan checked against the vocabulary)"])
    return out
