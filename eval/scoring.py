"""Scoring rules, as pure functions over plain data (an answer is its ``to_dict()``).

* **value** — the answer's ``value`` equals the expected number: integers exactly, decimals to
  1e-6 relative (``|a − b| ≤ 1e-6 · max(|a|, |b|)``). A missing value never matches.
* **not_found** — the answer declines to give a number (``kind`` ``"not_found"`` or
  ``"ambiguous"``, no ``value``).
* **wrong number** — a ``value`` is given that is wrong, or given where not-found is right; counted
  apart from plain misses, because a confident wrong figure is worse than none.
* **contains** — every expected string occurs in the answer's ``text``.
* **citation** — some citation's ``source`` equals the question's ``report``; not scored (None)
  when ``report`` is null.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

REL_TOL = 1e-6


def as_number(v: Any) -> Decimal | None:
    """A number (int, float, Decimal, or numeric text such as "1,295" / "42.2") as Decimal; else None."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, Decimal):
        return v if v.is_finite() else None
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v)) if math.isfinite(v) else None
    if isinstance(v, str):
        s = v.strip().replace(",", "").replace("，", "")
        try:
            d = Decimal(s)
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


def value_matches(expected: Any, got: Any, rel_tol: float = REL_TOL) -> bool:
    """Equal numbers; decimals to *rel_tol* relative."""
    a, b = as_number(expected), as_number(got)
    if a is None or b is None:
        return False
    if a == b:
        return True
    return abs(a - b) <= Decimal(str(rel_tol)) * max(abs(a), abs(b))


def expected_type(expected: Mapping[str, Any]) -> str:
    """``value`` | ``not_found`` | ``contains`` (the one key of *expected*)."""
    for k in ("value", "not_found", "contains"):
        if k in expected:
            return k
    raise ValueError(f"expected has none of value/not_found/contains: {dict(expected)!r}")


def is_correct(expected: Mapping[str, Any], answer: Mapping[str, Any]) -> bool:
    """Does *answer* (an ``Answer.to_dict()``) satisfy *expected*?"""
    t = expected_type(expected)
    if t == "value":
        return value_matches(expected["value"], answer.get("value"))
    if t == "not_found":
        return answer.get("kind") in NO_NUMBER_KINDS and answer.get("value") is None
    text = answer.get("text") or ""
    return all(s in text for s in expected["contains"])


NO_NUMBER_KINDS = ("not_found", "ambiguous")  # replies that decline to give a number


def is_wrong_number(expected: Mapping[str, Any], answer: Mapping[str, Any]) -> bool:
    """A figure was given that is wrong, or given where "not found" is right — worse than a miss."""
    if as_number(answer.get("value")) is None:
        return False
    t = expected_type(expected)
    if t == "value":
        return not value_matches(expected["value"], answer.get("value"))
    return t == "not_found"


def citation_ok(report: str | None, answer: Mapping[str, Any]) -> bool | None:
    """Whether some citation's ``source`` is *report*; None when *report* is None (not scored)."""
    if report is None:
        return None
    for c in answer.get("citations") or ():
        src = c.get("source") if isinstance(c, Mapping) else getattr(c, "source", None)
        if src == report:
            return True
    return False


def percentile(values: Sequence[float], p: float) -> float | None:
    """The *p*-th percentile (0–100), linear interpolation between closest ranks; None if empty."""
    if not values:
        return None
    xs = sorted(values)
    if len(xs) == 1:
        return float(xs[0])
    pos = (len(xs) - 1) * p / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


def group_accuracy(pairs: Iterable[tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    """``{group: (correct, total)}`` from ``(group, correct)`` pairs, in first-seen order."""
    out: dict[str, list[int]] = {}
    for g, ok in pairs:
        c = out.setdefault(g, [0, 0])
        c[0] += int(bool(ok))
        c[1] += 1
    return {g: (c, n) for g, (c, n) in out.items()}
