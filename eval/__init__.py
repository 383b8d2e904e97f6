"""Evaluation of gongkai on question sets (JSON Lines), beside a naive RAG baseline.

``eval.dataset`` reads and validates the sets, ``eval.scoring`` holds the scoring rules,
``eval.baseline`` the naive pipeline, ``eval.runner`` the ``run()`` function and the
``gongkai eval`` / ``python -m eval`` command. Shipped sets: ``eval/dev-questions.jsonl`` (a copy
of the shared development set) and ``eval/corpus-questions.jsonl``.
"""
