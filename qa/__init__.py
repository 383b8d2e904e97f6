"""Question answering over 政府信息公开工作年度报告: ``from qa import answer``."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .answering import Conversation as Conversation, answer as answer
    from .models import Answer as Answer, Citation as Citation

__all__ = ["answer", "Conversation", "Answer", "Citation"]


def __getattr__(name: str):
    if name in ("answer", "Conversation"):
        from . import answering

        return getattr(answering, name)
    if name in ("Answer", "Citation"):
        from . import models

        return getattr(models, name)
    raise AttributeError(name)
