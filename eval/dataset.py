"""Question sets: JSON Lines, one question per line.

    {"id": "d01", "question": "…", "report": "003_67b517500533bac5.txt", "expected": {"value": 1}}

* ``id`` — a non-empty string, unique in the file.
* ``question`` — a non-empty string.
* ``report`` — the source file name of the report the answer should cite, or ``null`` (then the
  citation is not scored).
* ``expected`` — exactly one of ``{"value": <number>}``, ``{"not_found": true}`` or
  ``{"contains": ["string", …]}`` (a non-empty list of non-empty strings).
* ``note`` — optional free text (where the expected answer was read in the report); ignored.

Blank lines are skipped. A malformed line (bad JSON, a missing field, a wrong type, a repeated id)
becomes a :class:`LineError` naming its line number and what is wrong; the other lines still load.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REQUIRED = ("id", "question", "report", "expected")
EXPECTED_TYPES = ("value", "not_found", "contains")
OPTIONAL = ("note", "context", "class")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    report: str | None
    expected: dict[str, Any]
    line_no: int = 0
    note: str | None = None
    context: tuple[str, ...] = ()  # earlier questions of the same conversation, asked first
    cls: str | None = None  # the question's class (the "class" field), for grouping results

    @property
    def expected_type(self) -> str:
        """``value`` | ``not_found`` | ``contains``."""
        return next(iter(self.expected))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "report": self.report, "expected": self.expected}


@dataclass(frozen=True)
class LineError:
    line_no: int
    message: str
    text: str = ""  # the line itself (shortened)

    def __str__(self) -> str:
        return f"line {self.line_no}: {self.message}"


@dataclass
class Dataset:
    path: str
    questions: list[Question] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def name(self) -> str:
        return Path(self.path).name

    def __len__(self) -> int:
        return len(self.questions)


def _type_name(v: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
            int: "number", float: "number"}.get(type(v), type(v).__name__)


def _check_expected(exp: Any) -> str | None:
    """What is wrong with an ``expected`` object, or None."""
    if not isinstance(exp, dict):
        return f'"expected" must be an object, got {_type_name(exp)}'
    keys = [k for k in exp if k in EXPECTED_TYPES]
    unknown = [k for k in exp if k not in EXPECTED_TYPES]
    if unknown:
        return f'"expected" has unknown key(s) {", ".join(map(repr, unknown))} (use value, not_found or contains)'
    if len(keys) != 1:
        return '"expected" must have exactly one of "value", "not_found", "contains"' + (
            f" (has {', '.join(keys)})" if keys else " (it is empty)")
    kind = keys[0]
    v = exp[kind]
    if kind == "value":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return f'"expected.value" must be a number, got {_type_name(v)}'
        if isinstance(v, float) and not math.isfinite(v):
            return '"expected.value" must be a finite number'
    elif kind == "not_found":
        if v is not True:
            return f'"expected.not_found" must be true, got {json.dumps(v, ensure_ascii=False)}'
    else:
        if not isinstance(v, list) or not v:
            return f'"expected.contains" must be a non-empty array of strings, got {_type_name(v)}' + (
                " (empty)" if isinstance(v, list) else "")
        bad = [x for x in v if not isinstance(x, str) or not x]
        if bad:
            return f'"expected.contains" must hold non-empty strings, got {json.dumps(bad[0], ensure_ascii=False)}'
    return None


def parse_line(text: str, line_no: int) -> Question | LineError:
    """One line → a :class:`Question`, or a :class:`LineError` saying what is wrong."""
    short = text.strip()[:120]
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return LineError(line_no, f"bad JSON: {exc.msg} (column {exc.colno})", short)
    if not isinstance(obj, dict):
        return LineError(line_no, f"expected a JSON object, got {_type_name(obj)}", short)
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        return LineError(line_no, "missing field(s): " + ", ".join(f'"{k}"' for k in missing), short)
    for key in ("id", "question"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            what = _type_name(obj[key]) if not isinstance(obj[key], str) else "an empty string"
            return LineError(line_no, f'"{key}" must be a non-empty string, got {what}', short)
    if obj["report"] is not None and (not isinstance(obj["report"], str) or not obj["report"].strip()):
        return LineError(line_no, f'"report" must be a file name or null, got {_type_name(obj["report"])}', short)
    if (problem := _check_expected(obj["expected"])) is not None:
        return LineError(line_no, problem, short)
    note = obj.get("note")
    if note is not None and not isinstance(note, str):
        return LineError(line_no, f'"note" must be a string, got {_type_name(note)}', short)
    context = obj.get("context", [])
    if not isinstance(context, list) or not all(isinstance(c, str) and c.strip() for c in context):
        return LineError(line_no, '"context" must be an array of earlier questions (non-empty strings)', short)
    cls = obj.get("class")
    if cls is not None and not isinstance(cls, (str, int)):
        return LineError(line_no, f'"class" must be a string, got {_type_name(cls)}', short)
    return Question(id=obj["id"].strip(), question=obj["question"].strip(),
                    report=obj["report"].strip() if obj["report"] else None,
                    expected=dict(obj["expected"]), line_no=line_no, note=note,
                    context=tuple(c.strip() for c in context), cls=None if cls is None else str(cls))


def loads(text: str, path: str = "<string>") -> Dataset:
    """Parse a whole question set held in memory."""
    ds = Dataset(path=path)
    seen: dict[str, int] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        item = parse_line(line, line_no)
        if isinstance(item, Question):
            if item.id in seen:
                item = LineError(line_no, f'duplicate id "{item.id}" (first on line {seen[item.id]})', line.strip()[:120])
            else:
                seen[item.id] = line_no
        (ds.questions if isinstance(item, Question) else ds.errors).append(item)  # type: ignore[arg-type]
    return ds


def load(path: str | Path) -> Dataset:
    """Read a question set file (UTF-8, a BOM is tolerated). Raises ``OSError`` if it cannot be read."""
    p = Path(path)
    return loads(p.read_text(encoding="utf-8-sig"), str(p))
