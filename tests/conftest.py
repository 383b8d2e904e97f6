"""Shared test helpers: where the corpus is, and a skip marker when it is absent."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
CORPUS = (ROOT.parent / "shared" / "corpus" / "raw").resolve()
DEV_QUESTIONS = (ROOT.parent / "shared" / "eval" / "dev-questions.jsonl").resolve()
SAMPLE = ROOT / "ingest" / "sample"

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS} (tests read ../shared/corpus/raw beside the checkout)"
)


# ------------------------------------------------------------------------------------ store backends
# Store and answer tests take the ``backend`` fixture and run once per database: SQLite (a file in
# the test's folder) and PostgreSQL — the server at GONGKAI_TEST_DATABASE_URL (CI: scripts/test.sh
# starts Debian's cluster and sets it), else a throwaway cluster this session starts with the
# installed initdb (as the postgres user when root), else the PostgreSQL half is skipped with why.
# Each PostgreSQL test gets its own schemas (one per home folder), dropped afterwards.
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402
from dataclasses import replace  # noqa: E402

PG_ENV = "GONGKAI_TEST_DATABASE_URL"


def with_schema(url: str, schema: str) -> str:
    """*url* with its connections working in *schema* (``options=-csearch_path=…``)."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def _initdb() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return versions[-1] if versions else None


def _start_local_cluster(tmp: Path) -> tuple[str | None, str, list[str]]:
    """(url or None, why not, the command that stops it)."""
    initdb = _initdb()
    if initdb is None:
        return None, "no PostgreSQL server: set GONGKAI_TEST_DATABASE_URL or install postgresql", []
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(tmp, "postgres")
    data, log = tmp / "data", tmp / "log"
    run = lambda *cmd: subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=120)  # noqa: E731
    r = run(str(initdb), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
    if r.returncode:
        return None, f"initdb failed: {(r.stderr or r.stdout).strip()[-300:]}", []
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pg_ctl = str(initdb.with_name("pg_ctl"))
    opts = f"-p {port} -k {tmp} -c listen_addresses='' -c fsync=off -c max_connections=300"
    r = run(pg_ctl, "-D", str(data), "-o", opts, "-l", str(log), "-w", "start")
    if r.returncode:
        return None, f"PostgreSQL did not start: {(r.stderr or r.stdout).strip()[-300:]}", []
    return f"postgresql://postgres@/postgres?host={tmp}&port={port}", "", [*as_user, pg_ctl, "-D", str(data),
                                                                          "-m", "immediate", "stop"]


@pytest.fixture(scope="session")
def pg_server():
    """An admin URL of a PostgreSQL server for the tests, or a skip that says why there is none."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg not installed (pip install 'psycopg[binary]')")
    url, stop = os.environ.get(PG_ENV), []
    tmp = None
    if not url:
        tmp = Path(tempfile.mkdtemp(prefix="gk-pg-"))
        url, why, stop = _start_local_cluster(tmp)
        if url is None:
            shutil.rmtree(tmp, ignore_errors=True)
            pytest.skip(why)
    try:
        psycopg.connect(url, autocommit=True, connect_timeout=10).close()
    except psycopg.Error as exc:  # a URL that was given must work: fail, do not skip
        pytest.fail(f"{PG_ENV}: cannot connect ({exc})")
    yield url
    if stop:
        subprocess.run(stop, capture_output=True, timeout=60)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


class Backend:
    """One database for a test's stores: ``settings(home)`` is the Settings of the store of
    *home* (SQLite: the file under it; PostgreSQL: a schema of its own, the first home's also in
    GONGKAI_DATABASE_URL, so a command-line run in a subprocess opens the same store)."""

    def __init__(self, name: str, admin_url: str | None = None) -> None:
        self.name, self.admin_url = name, admin_url
        self.schemas: dict[str, str] = {}  # home → schema

    def __repr__(self) -> str:
        return self.name

    def url(self, home: str | os.PathLike | None = None) -> str | None:
        if self.admin_url is None:
            return None
        key = str(home)
        if key not in self.schemas:
            import psycopg

            schema = f"t_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(self.admin_url, autocommit=True) as con:
                con.execute(f"CREATE SCHEMA {schema}")
            self.schemas[key] = schema
        return with_schema(self.admin_url, self.schemas[key])

    def settings(self, home: str | os.PathLike):
        from ingest.config import load_settings

        return replace(load_settings(home), embed=False, database_url=self.url(home))

    def drop(self) -> None:
        if self.admin_url is None or not self.schemas:
            return
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute("SET lock_timeout = '10s'")
            for schema in self.schemas.values():
                try:
                    con.execute(f"DROP SCHEMA {schema} CASCADE")
                except psycopg.Error:
                    pass  # a connection still holds it: the server is a throwaway


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, monkeypatch, tmp_path):
    """The database the test's stores live in (see :class:`Backend`)."""
    if request.param == "sqlite":
        monkeypatch.delenv("GONGKAI_DATABASE_URL", raising=False)
        yield Backend("sqlite")
        return
    b = Backend("postgresql", request.getfixturevalue("pg_server"))
    monkeypatch.setenv("GONGKAI_DATABASE_URL", b.url(tmp_path / "home"))
    try:
        yield b
    finally:
        b.drop()


BACKENDS = ["sqlite", "postgresql"]


def stored_settings(request, tmp_path_factory, name: str, paths) -> "object":
    """For a module-scoped fixture with ``params=BACKENDS``: a new store in that database holding
    *paths* (ingested without embedding); returns its Settings (dropped after the module)."""
    from ingest.pipeline import ingest_paths

    b = Backend(request.param, request.getfixturevalue("pg_server") if request.param == "postgresql" else None)
    request.addfinalizer(b.drop)
    settings = b.settings(tmp_path_factory.mktemp(name))
    summary = ingest_paths(paths, settings, progress=False)
    assert not summary.errors, summary.errors
    return settings
