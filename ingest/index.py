"""The name ``qa.cli`` looks up for the ingest hook: ``after_store_hook(settings)``.

The vector index lives in :mod:`ingest.vectorstore`; this module only re-exports its hook.
"""
from __future__ import annotations

from .vectorstore import make_index_hook as after_store_hook

__all__ = ["after_store_hook"]
