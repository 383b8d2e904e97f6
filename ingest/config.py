"""The one configuration object. Read from the environment once, passed explicitly after that.

| setting            | environment variable         | default                         |
|--------------------|------------------------------|---------------------------------|
| home               | GONGKAI_HOME                 | ~/.gongkai                      |
| embedding_model    | GONGKAI_EMBEDDING_MODEL      | embeddinggemma-300m (offline)   |
| model_dir          | GONGKAI_MODEL_DIR            | ~/.cache/gongkai/models         |
| database_url       | GONGKAI_DATABASE_URL         | (SQLite file under home)        |
| chroma_url         | GONGKAI_CHROMA_URL           | (embedded store under home)     |
| llm_base_url       | GONGKAI_LLM_BASE_URL         | (none: extractive answers)      |
| llm_model          | GONGKAI_LLM_MODEL            |                                 |
| llm_api_key        | GONGKAI_LLM_API_KEY          |                                 |
| embed              | GONGKAI_EMBED (0 disables)   | 1                               |
| embed_profile      | GONGKAI_EMBED_PROFILE        | fast (see ingest.vectorstore)   |
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_MODEL = "embeddinggemma-300m"


@dataclass(frozen=True)
class Settings:
    home: Path
    embedding_model: str = DEFAULT_MODEL
    model_dir: Path = Path.home() / ".cache" / "gongkai" / "models"
    chroma_url: str | None = None
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    embed: bool = True  # fill the vector index during ingest
    database_url: str | None = None  # postgresql://…: the facts on a PostgreSQL server (ingest.store_pg)
    embed_profile: str = "fast"  # how chunks are embedded: ingest.vectorstore.PROFILES

    @property
    def db_path(self) -> Path:
        return self.home / "gongkai.sqlite3"

    @property
    def store_location(self) -> str:
        """Where the facts are, for keys and messages (a URL's password left out)."""
        if not self.database_url:
            return str(self.db_path)
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", self.database_url)

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    def with_home(self, home: str | os.PathLike | None) -> "Settings":
        return self if home is None else replace(self, home=Path(home).expanduser())


def load_settings(home: str | os.PathLike | None = None) -> Settings:
    env = os.environ
    h = home or env.get("GONGKAI_HOME") or Path.home() / ".gongkai"
    return Settings(
        home=Path(h).expanduser(),
        embedding_model=env.get("GONGKAI_EMBEDDING_MODEL", DEFAULT_MODEL),
        model_dir=Path(env.get("GONGKAI_MODEL_DIR", Path.home() / ".cache" / "gongkai" / "models")).expanduser(),
        chroma_url=env.get("GONGKAI_CHROMA_URL") or None,
        llm_base_url=env.get("GONGKAI_LLM_BASE_URL") or None,
        llm_model=env.get("GONGKAI_LLM_MODEL") or None,
        llm_api_key=env.get("GONGKAI_LLM_API_KEY") or None,
        embed=env.get("GONGKAI_EMBED", "1") not in ("0", "false", "no"),
        database_url=env.get("GONGKAI_DATABASE_URL") or None,
        embed_profile=env.get("GONGKAI_EMBED_PROFILE") or "fast",
    )
