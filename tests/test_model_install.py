"""Tests for ingest.model_install: manifest verification (tiny fake folder) and, when the
real embeddinggemma-300m is installed, a retrieval sanity check."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest import model_install as mi


def _fake_model(root: Path) -> tuple[Path, dict[str, str]]:
    """A tiny folder shaped like a model, with a manifest; returns it and its 'official' hashes."""
    folder = root / mi.DEFAULT_MODEL
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"\x00fake weights\x01" * 100)
    (folder / "config.json").write_text('{"hidden_size": 768}')
    (folder / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    mi.write_manifest(folder)
    return folder, {"model.safetensors": mi.sha256_file(folder / "model.safetensors")}


def test_verify_ok_then_detects_tampering(tmp_path: Path) -> None:
    folder, official = _fake_model(tmp_path)
    assert mi.verify_model(folder, official=official) == []

    (folder / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    problems = mi.verify_model(folder, official=official)
    assert len(problems) == 1 and problems[0].startswith("1_Pooling/config.json: sha256")


def test_verify_detects_missing_extra_and_unofficial_weights(tmp_path: Path) -> None:
    folder, official = _fake_model(tmp_path)
    (folder / "config.json").unlink()
    (folder / "extra.bin").write_bytes(b"x")
    problems = mi.verify_model(folder, official=official)
    assert "config.json: missing" in problems
    assert "extra.bin: not in manifest" in problems
    # The fake weights are not the official embeddinggemma-300m weights.
    assert any("not the official" in p for p in mi.verify_model(folder))


def test_verify_without_manifest(tmp_path: Path) -> None:
    folder, official = _fake_model(tmp_path)
    (folder / mi.MANIFEST_NAME).unlink()
    assert mi.verify_model(folder, official=official)
    assert mi.verify_model(tmp_path / "nowhere")


def test_resolve_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_MODEL_DIR", str(tmp_path))
    with pytest.raises(mi.ModelMissingError, match="run `gongkai models install`"):
        mi.resolve_model(mi.DEFAULT_MODEL)
    assert mi.resolve_model("/some/local/folder") == "/some/local/folder"
    assert mi.resolve_model("BAAI/bge-small-zh-v1.5") == "BAAI/bge-small-zh-v1.5"
    folder, _ = _fake_model(tmp_path)
    assert mi.resolve_model(mi.DEFAULT_MODEL) == str(folder)


def test_install_is_idempotent_for_a_verified_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, official = _fake_model(tmp_path)
    monkeypatch.setattr(mi, "OFFICIAL_SHA256", official)

    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("install_model tried to download")

    monkeypatch.setattr(mi.subprocess, "run", no_download)
    assert mi.install_model(cache_dir=tmp_path, progress=False) == folder


def _installed() -> bool:
    try:
        mi.resolve_model(mi.DEFAULT_MODEL)
    except mi.ModelMissingError:
        return False
    return True


@pytest.mark.model
@pytest.mark.skipif(
    not _installed(),
    reason="embeddinggemma-300m not installed in $GONGKAI_MODEL_DIR or ~/.cache/gongkai/models "
    "(run `gongkai models install`)",
)
def test_real_model_retrieval() -> None:
    model = mi.load_embedder(mi.DEFAULT_MODEL)
    assert mi.load_embedder(mi.DEFAULT_MODEL) is model  # cached per process
    assert model.get_embedding_dimension() == mi.EMBEDDING_DIM
    q = model.encode_query("泰安市行政审批服务局2024年不予公开的申请有多少件")
    d = model.encode_document([
        "2024年,本机关共收到政府信息公开申请56件,其中不予公开3件,属于国家秘密的1件。",
        "今年春天气温回升较快,市民纷纷到公园踏青赏花,景区游客数量明显增加。",
    ])
    assert q.shape == (mi.EMBEDDING_DIM,)
    sim = model.similarity(q, d)[0]
    assert sim[0] > sim[1] + 0.1, sim
