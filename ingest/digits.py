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


def _max_parts(token: str) -> int:
    return sum(1 for ch in token if ch.isdigit())


def split_tokens(tokens: Sequence[str], n: int, allow_decimal: bool = False,
                 accept: Callable[[tuple[Number, ...]], bool] | None = None) -> list[tuple[Number, ...]]:
    """Every way to read ``tokens`` (whitespace-separated digit runs) as ``n`` numbers.

    ``accept`` filters candidates (e.g. "the last equals the sum of the others"). Candidates
    are returned in a stable order (fewer cuts in earlier tokens first).
    """
    return cut(tokens, n, allow_decimal, accept)


def cut(tokens: Sequence[str], n: int, allow_decimal: bool = False,
        accept: Callable[[tuple[Number, ...]], bool] | None = None,
        blanks_at: dict[int, int] | None = None, forbid: frozenset = frozenset()) -> list[tuple[Number, ...]]:
    """The readings of ``tokens`` as ``n`` cells: each token cut into one or more numbers, and
    ``blanks_at[g]`` blank cells (None) before token ``g`` (``g == len(tokens)``: after the last)
    — never at an index in ``forbid``. The search walks the digits left to right and drops a
    partial reading as soon as an identity it completes fails (``accept.prefix``)."""
    blanks_at = blanks_at or {}
    if not tokens or n < len(tokens) + sum(blanks_at.values()):
        return []
    caps = [_max_parts(t) for t in tokens]
    if sum(caps) + sum(blanks_at.values()) < n:
        return []
    results: list[tuple[Number, ...]] = []
    prefix_ok = getattr(accept, "prefix", None)
    first = getattr(accept, "first_check", 0)
    # cells still needed after token i at the latest/earliest: for feasibility pruning
    later_blanks = [sum(v for g, v in blanks_at.items() if g > i) for i in range(len(tokens) + 1)]

    def add_blanks(g: int, acc: tuple) -> tuple | None:
        for _ in range(blanks_at.get(g, 0)):
            if len(acc) in forbid:
                return None
            acc = acc + (None,)
        return acc

    def rec(i: int, pos: int, acc: tuple) -> None:
        if len(results) >= MAX_CANDIDATES:
            return
        tok = tokens[i]
        for end in range(pos + 1, len(tok) + 1):
            part = tok[pos:end]
            if not _valid_part(part, allow_decimal) or tok[end:end + 1] == ".":
                continue
            nxt = acc + (parse_number(part),)
            if prefix_ok is not None and len(nxt) >= first and not prefix_ok(nxt, len(acc)):
                continue
            rest_digits = sum(ch.isdigit() for ch in tok[end:]) + sum(caps[i + 1:])
            need = n - len(nxt) - later_blanks[i]  # numbers still to read
            if need < len(tokens) - i - 1 + (1 if end < len(tok) else 0) or need > rest_digits:
                continue
            if end < len(tok):
                rec(i, end, nxt)
            elif i + 1 < len(tokens):
                nb = add_blanks(i + 1, nxt)
                if nb is not None and (prefix_ok is None or len(nb) < first or prefix_ok(nb, len(nxt))):
                    rec(i + 1, 0, nb)
            else:
                done = add_blanks(len(tokens), nxt)
                if done is not None and len(done) == n and (accept is None or accept(done)):
                    results.append(done)

    start = add_blanks(0, ())
    if start is not None:
        rec(0, 0, start)
    return results


def distinct(cands: Iterable[tuple]) -> list[tuple]:
    seen, out = set(), []
    for c in cands:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out
