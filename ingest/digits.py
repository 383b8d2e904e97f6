"""Splitting numbers that were run together when a table was flattened.

``一、本年新收政府信息公开申请数量21710000218`` holds seven cells (217, 1, 0, 0, 0, 0, 218).
A token can only be cut between digits, a part may not have a leading zero (except ``0``
itself), and whitespace already separates tokens. Which cuts are right is decided by the
arithmetic the template guarantees (row sums, group totals); when several cuts satisfy it, the
caller marks the cells ambiguous.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Callable, Iterable, Sequence

Number = int | Decimal
_NUM = re.compile(r"-?\d+(?:\.\d+)?")
MAX_CANDIDATES = 20000


@lru_cache(maxsize=65536)
def parse_number(text: str) -> Number | None:
    t = text.strip().replace(",", "")
    if not _NUM.fullmatch(t):
        return None
    if "." in t:
        try:
            return Decimal(t)
        except InvalidOperation:
            return None
    return int(t)


def _valid_part(part: str, allow_decimal: bool) -> bool:
    if not part or part == "-":
        return False
    body = part[1:] if part.startswith("-") else part
    if not body or not body[0].isdigit():
        return False
    if "." in body:
        if not allow_decimal:
            return False
        whole, _, frac = body.partition(".")
        if not whole or not frac or not frac.isdigit() or not whole.isdigit():
            return False
        return whole == "0" or not whole.startswith("0")
    if not body.isdigit():
        return False
    if part.startswith("-") and body == "0":
        return False
    return body == "0" or not body.startswith("0")


@lru_cache(maxsize=4096)
def _splits_of(token: str, k: int, allow_decimal: bool) -> tuple[tuple[str, ...], ...]:
    """All ways to cut ``token`` into exactly ``k`` valid parts (a '-' can only start a part)."""
    if k == 1:
        return ((token,),) if _valid_part(token, allow_decimal) else ()
    out = []
    for i in range(1, len(token)):
        head, tail = token[:i], token[i:]
        if not _valid_part(head, allow_decimal):
            continue
        if tail.startswith(".") or head.endswith("."):
            continue
        for rest in _splits_of(tail, k - 1, allow_decimal):
            out.append((head,) + rest)
    return tuple(out)


@lru_cache(maxsize=8192)
def split_values(token: str, k: int, allow_decimal: bool) -> tuple[tuple[Number, ...], ...]:
    """The cuts of ``token`` into ``k`` parts, as numbers (cached: rows repeat their tokens)."""
    out = []
    for parts in _splits_of(token, k, allow_decimal):
        vals = tuple(parse_number(p) for p in parts)
        if all(v is not None for v in vals):
            out.append(vals)
    return tuple(out)


def _max_parts(token: str) -> int:
    return sum(1 for ch in token if ch.isdigit())


def split_tokens(tokens: Sequence[str], n: int, allow_decimal: bool = False,
                 accept: Callable[[tuple[Number, ...]], bool] | None = None) -> list[tuple[Number, ...]]:
    """Every way to read ``tokens`` (whitespace-separated digit runs) as ``n`` numbers.

    ``accept`` filters candidates (e.g. "the last equals the sum of the others"). Candidates
    are returned in a stable order (fewer cuts in earlier tokens first).
    """
    if not tokens or n < len(tokens):
        return []
    caps = [_max_parts(t) for t in tokens]
    if sum(caps) < n:
        return []
    results: list[tuple[Number, ...]] = []
    prefix_ok = getattr(accept, "prefix", None)  # prune as soon as a finished identity fails
    first = getattr(accept, "first_check", 0)

    def rec(i: int, left: int, acc: tuple) -> None:
        if len(results) >= MAX_CANDIDATES:
            return
        if i == len(tokens):
            if left == 0 and (accept is None or accept(acc)):
                results.append(acc)
            return
        remaining_cap = sum(caps[i + 1:])
        min_k = max(1, left - remaining_cap)
        max_k = min(caps[i], left - (len(tokens) - i - 1))
        for k in range(min_k, max_k + 1):
            for vals in split_values(tokens[i], k, allow_decimal):
                nxt = acc + vals
                if prefix_ok is not None and len(nxt) >= first and not prefix_ok(nxt, len(acc)):
                    continue
                rec(i + 1, left - k, nxt)

    rec(0, n, ())
    return results


def distinct(cands: Iterable[tuple]) -> list[tuple]:
    seen, out = set(), []
    for c in cands:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out
