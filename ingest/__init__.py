"""Reading reports into the facts store. ``from ingest import ingest_paths`` (imported on first use)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .pipeline import IngestSummary, ingest_paths
    from .store import Store

_LAZY = {"ingest_paths": "pipeline", "IngestSummary": "pipeline", "Store": "store", "open_store": "store"}
__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
