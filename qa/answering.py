"""``answer(question)``: parse the question into a plan, execute it over the facts store, cite.

    >>> from qa import answer
    >>> a = answer("泰安市行政审批服务局2024年不予公开的申请有多少件？")
    >>> a.value, a.kind, a.citations[0].source
    (2, 'derived', '003_67b517500533bac5.txt')
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ingest.config import Settings, load_settings
from ingest.store import ReportRow, Store, open_store, store_exists

from .agencies import AgencyIndex
from .execute import Reports, execute
from .models import Answer, AnswerKind
from .parse import parse
from .plan import QueryPlan


@dataclass
class Context:
    """What answering needs from one home folder; rebuilt when the store changes."""

    settings: Settings
    store: Store
    reports: list[ReportRow]
    agencies: AgencyIndex
    stamp: tuple  # Store.stamp() when the reports were listed

    @classmethod
    def open(cls, settings: Settings, store: Store | None = None) -> "Context":
        store = store or open_store(settings)
        stamp = store.stamp()  # read first: a change after it is seen by the next check
        reports = Reports(store.reports())  # indexed once here, not per answer
        entries: dict[str, list[str]] = {}
        for agency, rows in reports.by_agency.items():
            entries[agency] = [a for r in rows for a in r.aliases]
        return cls(settings, store, reports, AgencyIndex(entries), stamp)


_contexts: dict[str, Context] = {}
_lock = threading.Lock()


def get_context(settings: Settings) -> Context:
    key = settings.store_location
    with _lock:
        ctx = _contexts.get(key)
        if ctx is None or ctx.settings != settings:
            ctx = Context.open(settings)
            _contexts[key] = ctx
        elif ctx.store.stamp() != ctx.stamp:  # "has the store changed?": one read, on either database
            ctx = Context.open(settings, ctx.store)
            _contexts[key] = ctx
        return ctx


def answer(question: str, *, home: str | None = None, settings: Settings | None = None,
           previous: QueryPlan | None = None) -> Answer:
    """Answer one question (Chinese or English) from the reports ingested under ``home``.

    ``previous``: the plan of the question before it in a conversation (see :class:`Conversation`)."""
    t0 = time.perf_counter()
    settings = settings or load_settings(home)
    question = (question or "").strip()
    if not question:
        return Answer(question, "请输入问题。/ Please ask a question.", AnswerKind.NOT_FOUND)
    if not store_exists(settings):
        return Answer(question, f"No reports have been ingested under {settings.home}. Run `gongkai ingest --sample` "
                                f"or `gongkai ingest PATH`. / 尚未导入任何报告。", AnswerKind.NOT_FOUND)
    ctx = get_context(settings)
    plan = parse(question, ctx.agencies, previous)
    if plan.unconsumed and plan.op.value != "prose" and settings.llm_configured:
        from .llm_plan import propose

        plan = propose(settings, plan, ctx.agencies) or plan
    a = execute(plan, ctx.store, ctx.reports, settings)
    a.plan = plan
    a.seconds = round(time.perf_counter() - t0, 4)
    return a


def remembered(plan: QueryPlan | None) -> bool:
    """Whether a follow-up may lean on this plan: it was understood (a text search counts)."""
    from .plan import Op

    return plan is not None and bool(plan.measures or plan.subjects or plan.op != Op.PROSE) and (
        not plan.unconsumed or plan.op == Op.PROSE)


class Conversation:
    """Questions that follow each other: "那2023年呢？" takes the agency and figure of the one before.

        >>> c = Conversation(home="~/.gongkai")
        >>> c.ask("泰安市行政审批服务局2024年不予公开多少件？").value
        2
        >>> c.ask("那予以公开呢？").value
        1
    """

    def __init__(self, home: str | None = None, settings: Settings | None = None):
        self.settings = settings or load_settings(home)
        self.history: list[Answer] = []
        self.plan: QueryPlan | None = None

    def ask(self, question: str) -> Answer:
        a = answer(question, settings=self.settings, previous=self.plan)
        plan = getattr(a, "plan", None)
        if remembered(plan):
            self.plan = plan
        self.history.append(a)
        return a

    def reset(self) -> None:
        self.history.clear()
        self.plan = None


