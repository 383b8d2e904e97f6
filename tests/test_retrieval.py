"""Retrieval index on the real corpus: chunks, embedding cache, Chroma (embedded and HTTP),
BM25 / dense / hybrid search.

The corpus is ingested once per session into a temporary home by :func:`corpus` (through
``ingest_paths`` with the index hook when the model is installed). Tests marked ``model`` need
``embeddinggemma-300m`` (``gongkai models install``) and are skipped without it; the others run
with keyword search and a small fake encoder.

Embedding the corpus from scratch takes minutes on a laptop CPU, so the session's embedding
cache is seeded from, and saved back to, ``.gongkai-test-home/retrieval-embeddings.sqlite3``
(git-ignored; delete it to test from cold). The cache is keyed by model and text hash, so a
stale file can only cost time, never give wrong vectors.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import CORPUS, DEV_QUESTIONS, ROOT, SAMPLE, needs_corpus

from ingest.chunks import MAX_CHARS, header, make_chunks, parsed_from_store
from ingest.config import Settings, load_settings
from ingest.model_install import ModelMissingError, resolve_model
from ingest.pipeline import ingest_paths, parse_file
from ingest.store import Store
from ingest.vectorstore import (CACHE_FILE, Embedder, EmbeddingCache, VectorIndex, all_chunks,
                                collection_name, make_index_hook)
from qa.retrieval import DegradedSearchWarning, HybridSearcher, guess_filters, rewrite_query, tokenize

SEED_CACHE = ROOT / ".gongkai-test-home" / "retrieval-embeddings.sqlite3"
REFUSED_ROW = "(三)不予公开/1.属于国家秘密"


def _settings(home: Path, **kw) -> Settings:
    """Settings for *home*, never pointing at a Chroma server from the environment."""
    return dataclasses.replace(load_settings(home), chroma_url=None, embed=True, **kw)


def _model_problem() -> str | None:
    s = load_settings()
    try:
        resolve_model(s.embedding_model, s.model_dir)
    except ModelMissingError as exc:
        return f"embedding model not installed ({exc}); run `gongkai models install`"
    return None


MODEL_PROBLEM = _model_problem()
needs_model = pytest.mark.skipif(MODEL_PROBLEM is not None, reason=MODEL_PROBLEM or "")


def _dev_questions() -> list[dict]:
    if not DEV_QUESTIONS.is_file():
        return []
    return [q for q in map(json.loads, DEV_QUESTIONS.read_text("utf-8").splitlines()) if q.get("report")]


DEV = _dev_questions()


class FakeEncoder:
    """A stand-in for the SentenceTransformer: hashed character bigrams, L2-normalised.

    Counts calls and texts, like the wrapper around the real model below."""

    dim = 64

    def __init__(self) -> None:
        self.document_calls = 0
        self.documents = 0
        self.query_calls = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for i in range(len(text) - 1):
            v[int(hashlib.md5(text[i:i + 2].encode()).hexdigest()[:6], 16) % self.dim] += 1
        return v / (np.linalg.norm(v) or 1)

    def encode_document(self, texts, **kw):
        self.document_calls += 1
        self.documents += len(texts)
        return np.stack([self._vec(t) for t in texts])

    def encode_query(self, text, **kw):
        self.query_calls += 1
        return self._vec(text)


class CountingModel:
    """Wraps a real model and counts ``encode_document`` calls."""

    def __init__(self, model) -> None:
        self.model = model
        self.document_calls = 0

    def encode_document(self, texts, **kw):
        self.document_calls += 1
        return self.model.encode_document(texts, **kw)

    def encode_query(self, text, **kw):
        return self.model.encode_query(text, **kw)


# ------------------------------------------------------------------------------ session corpus
@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """``(settings, summary)``: the corpus ingested into a temporary home (facts store only)."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (tests read ../shared/corpus/raw beside the checkout)")
    settings = _settings(tmp_path_factory.mktemp("retrieval-home"))
    return settings, ingest_paths([CORPUS], settings, progress=False)


@pytest.fixture(scope="session")
def indexed(corpus):
    """The same home after ``ingest_paths`` ran again with the index hook (reports are
    "unchanged", so the hook indexes each one the index lacks). Only model tests use it, so
    ``-m "not model"`` never embeds anything."""
    if MODEL_PROBLEM is not None:
        pytest.skip(MODEL_PROBLEM)
    settings, _ = corpus
    cache_file = settings.home / CACHE_FILE
    if SEED_CACHE.is_file() and not cache_file.exists():
        shutil.copy(SEED_CACHE, cache_file)
    summary = ingest_paths([CORPUS], settings, progress=False, hooks=[make_index_hook(settings, progress=False)])
    try:
        yield settings, summary
    finally:
        SEED_CACHE.parent.mkdir(parents=True, exist_ok=True)
        cache = EmbeddingCache(cache_file)
        cache._con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cache.close()
        tmp = SEED_CACHE.with_name(f"{SEED_CACHE.name}.{os.getpid()}.tmp")
        shutil.copy(cache_file, tmp)
        os.replace(tmp, SEED_CACHE)  # atomic: a parallel session never reads half a file


@pytest.fixture(scope="session")
def searcher(corpus):
    return HybridSearcher(corpus[0])


@pytest.fixture(scope="session")
def hybrid(indexed):
    s = HybridSearcher(indexed[0])
    s.warm_up()
    return s


# ------------------------------------------------------------------------------ chunks
@needs_corpus
def test_ingest_stores_every_report(corpus):
    settings, summary = corpus
    assert summary.stored == len([p for p in CORPUS.iterdir() if p.suffix in (".txt", ".md", ".html", ".pdf")])
    problems = [(p, r) for p, r in summary.errors]
    assert not problems, problems


@needs_corpus
def test_chunks_are_stable_sectioned_and_headed(corpus):
    settings, _ = corpus
    store = Store(settings.db_path)
    for r in store.reports():
        parsed = parsed_from_store(store, r.id)
        chunks = make_chunks(parsed, r.id)
        again = make_chunks(parse_file(r.path)[0], r.id)
        assert [(c.id, c.content_hash) for c in chunks] == [(c.id, c.content_hash) for c in again], r.source
        assert len({c.id for c in chunks}) == len(chunks)
        assert any(c.kind == "prose" for c in chunks) and any(c.kind == "table" for c in chunks), r.source
        secs = sorted(parsed.sections, key=lambda s: s.start)
        for c in chunks:
            assert c.text.startswith(header(parsed, "")[:-1]), c.text[:40]  # agency (or title) and year
            assert c.id.startswith(f"{r.id}:{c.kind}:")
            if c.kind != "prose":
                continue
            assert c.end - c.start <= MAX_CHARS + 100, (r.source, c.id)
            body = parsed.doc.text[c.start:c.end]
            assert c.text.endswith(body)
            # never across a section boundary
            assert not any(c.start < s.start < c.end for s in secs), (r.source, c.id)


@needs_corpus
def test_table_chunks_render_cells_with_headers(corpus):
    settings, _ = corpus
    store = Store(settings.db_path)
    by_source = {r.source: r for r in store.reports()}
    chunks = make_chunks(parsed_from_store(store, by_source["003_67b517500533bac5.txt"].id))
    t3 = [c for c in chunks if c.table == "三"]
    assert len(t3) == 1
    text = t3[0].text
    assert text.startswith("【泰安市行政审批服务局 2024年 · 表三 收到和处理政府信息公开申请情况】")
    assert "| 项目 | 自然人 | 法人或其他组织/商业企业 |" in text and "| 总计 |" in text
    assert f"| {REFUSED_ROW} |" in text
    assert "refused.state_secret" in t3[0].row_ids and "total" in t3[0].row_ids
    # table 二: one chunk per 第二十条 block
    t2 = [c for c in chunks if c.table == "二"]
    assert len(t2) == 4 and all("第二十条第(" in c.text.splitlines()[0] for c in t2)
    t4 = [c for c in chunks if c.table == "四"]
    assert len(t4) == 1 and "| 行政诉讼/复议后起诉 |" in t4[0].text and "结果纠正" in t4[0].text
    # a blank source cell reads 空 (Shanghai 2019: 予以公开/总计 is blank), an ambiguous one "?"
    sh = make_chunks(parsed_from_store(store, by_source["shanghai-szfbgt-2019.html"].id))
    granted = next(line for c in sh if c.table == "三" for line in c.text.splitlines() if "(一)予以公开" in line)
    assert granted.rstrip(" |").endswith("空")
    pt = make_chunks(parsed_from_store(store, by_source["pingtan-syq-2019.txt"].id))
    assert any("?" in line.split("|", 2)[-1] for c in pt if c.table == "二" for line in c.text.splitlines()[3:])


@needs_corpus
def test_table_chunk_rows_link_to_cells(corpus):
    settings, _ = corpus
    store = Store(settings.db_path)
    for c in all_chunks(settings):
        if c.kind == "table":
            ids = {x.row_id for x in store.cells(report_id=c.report_id, table=c.table)}
            assert set(c.row_ids) <= ids, c.id


# ------------------------------------------------------------------------------ BM25 (no model)
def test_tokenize_drops_punctuation():
    toks = tokenize("泰安市行政审批服务局2024年，不予公开？| --- |")
    assert "2024" in toks and "不予" in toks and "公开" in toks
    assert not any(t in ("，", "?", "？", "|", "---", " ") for t in toks)


def test_rewrite_and_guess_filters():
    assert rewrite_query("洪泽区2023年不予公开的申请有几件？") == "洪泽区2023年不予公开的申请"
    names = {"淮安市人民政府": "淮安市人民政府", "淮安市洪泽区人民政府": "淮安市洪泽区人民政府",
             "洪泽区": "淮安市洪泽区人民政府", "泰安市行政审批服务局": "泰安市行政审批服务局"}
    assert guess_filters("淮安市人民政府2024年行政规范性文件本年废止件数是多少？", names) == \
        {"agency": "淮安市人民政府", "year": 2024}
    assert guess_filters("洪泽区2021年新收政府信息公开申请多少件？", names) == \
        {"agency": "淮安市洪泽区人民政府", "year": 2021}
    assert guess_filters("2024年哪个机关的行政复议总计最多？", names) == {"agency": None, "year": 2024}
    assert guess_filters("西安市2023年和2024年", names) == {"agency": None, "year": [2023, 2024]}


@needs_corpus
@pytest.mark.parametrize("q", DEV, ids=[q["id"] for q in DEV])
def test_bm25_finds_the_report(searcher, q):
    hits = searcher.search(q["question"], k=5, mode="bm25")
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert q["report"] in [h.source for h in hits], [h.source for h in hits]


@needs_corpus
def test_bm25_table_chunk_for_refused(searcher):
    # SQLite's BM25 (b = 0.75) ranks the long table 三 chunk below the report's shorter chunks
    # (13th of its 16); the hybrid search puts it in the top 5 (test_hybrid_table_chunk_for_refused)
    hits = searcher.search("泰安市行政审批服务局2024年不予公开的申请有多少件", k=15, mode="bm25")
    assert {h.source for h in hits} == {"003_67b517500533bac5.txt"}
    table = [h for h in hits if h.kind == "table" and REFUSED_ROW in h.text]
    assert table and "总计" in table[0].text and table[0].source == "003_67b517500533bac5.txt"


@needs_corpus
def test_filters_restrict_results(searcher):
    for mode in ("bm25",):
        hits = searcher.search("新收政府信息公开申请", k=5, agency="平潭综合实验区", year=[2022, 2024], mode=mode)
        assert hits and all(h.agency == "平潭综合实验区" and h.year in (2022, 2024) for h in hits), mode
        assert not searcher.search("新收政府信息公开申请", k=5, agency="淮安市洪泽区人民政府", year=2021, mode=mode)
    auto = searcher.search("洪泽区2023年不予公开的申请有几件？", k=5, mode="bm25", auto_filters=True)
    assert auto and {h.source for h in auto} == {"huaian-hongze-qu-2023.pdf"}


@needs_corpus
def test_filters_rank_inside_the_query(searcher):
    """A filtered search returns the unfiltered ranking restricted to the filter (same corpus-wide
    BM25 scores), however far down the unfiltered list those chunks are."""
    q = "新收政府信息公开申请"
    everything = searcher.search(q, k=10_000, mode="bm25")
    assert len(everything) > 100
    for agency, year in (("平潭综合实验区", 2022), ("淮安市洪泽区人民政府", None)):
        want = [h.id for h in everything if h.agency == agency and (year is None or h.year == year)][:5]
        got = searcher.search(q, k=5, mode="bm25", agency=agency, year=year)
        assert [h.id for h in got] == want and want
        assert [h.score for h in got] == pytest.approx([h.score for h in everything if h.id in want])


def _keyword_index(settings):
    from ingest.keyword_index import KeywordIndex

    return KeywordIndex.for_settings(settings)


@needs_corpus
def test_keyword_index_is_kept_on_disk_and_synced_per_report(corpus, tmp_path):
    from qa import retrieval

    settings = _settings(tmp_path / "home")
    ingest_paths([SAMPLE / "003_67b517500533bac5.txt"], settings, progress=False)
    first = HybridSearcher(settings).bm25()
    n1 = first.size
    assert n1 and first.index.tokenized == n1 and (settings.home / "keyword.sqlite3").is_file()
    # another process (a fresh index object over the same file) finds it built: nothing is tokenized
    retrieval._KEYWORD.clear()
    again = HybridSearcher(settings).bm25()
    assert again.index is not first.index and again.size == n1 and again.index.tokenized == 0
    # a new report: only its chunks are tokenized
    ingest_paths([SAMPLE / "000_17b09857f7c7bcdc.txt"], settings, progress=False)
    store = Store(settings.db_path)
    new_id = store.reports(source="000_17b09857f7c7bcdc.txt")[0].id
    n_new = len(make_chunks(parsed_from_store(store, new_id), new_id))
    grown = HybridSearcher(settings).bm25()
    assert grown.size == n1 + n_new and grown.index.tokenized == n_new
    assert {h.source for h in HybridSearcher(settings).search("政府信息公开", k=50, mode="bm25")} == {
        "003_67b517500533bac5.txt", "000_17b09857f7c7bcdc.txt"}
    # a deleted report leaves the index at the next search
    store.delete(new_id)
    assert HybridSearcher(settings).bm25().size == n1
    assert grown.index.report_ids() == {r.id for r in store.reports()}


@needs_corpus
def test_keyword_hook_indexes_at_ingest(tmp_path):
    from ingest.keyword_index import make_keyword_hook

    settings = _settings(tmp_path / "home")
    summary = ingest_paths([SAMPLE / "003_67b517500533bac5.txt"], settings, progress=False,
                           hooks=[make_keyword_hook(settings)])
    assert summary.stored == 1 and not summary.errors
    idx = _keyword_index(settings)
    rid = Store(settings.db_path).reports()[0].id
    assert idx.has_report(rid) and idx.size() == len(make_chunks(parsed_from_store(Store(settings.db_path), rid), rid))
    assert idx.sync(Store(settings.db_path)) == {"indexed": 0, "deleted": 0}  # nothing left to do


def test_query_of_only_common_words_still_matches(tmp_path):
    from ingest.chunks import Chunk, sha256_text
    from ingest.keyword_index import KeywordIndex, tokenize as tok

    idx = KeywordIndex(tmp_path / "kw.sqlite3")
    texts = ["政府信息公开工作年度报告 主动公开", "政府信息公开 依申请公开 不予公开", "政府信息公开 行政复议",
             "政府信息公开 行政诉讼"]
    idx.add_report([Chunk(f"r:prose:{i}", "r", "r.txt", "甲", 2024, "prose", 1, "", None, 0, 1, "", t,
                          sha256_text(t)) for i, t in enumerate(texts)], "r")
    assert [h.chunk_id for h in idx.search(tok("行政复议"), k=5)] == ["r:prose:2", "r:prose:3"]  # 行政 in both
    # "政府信息公开" is in every chunk: it alone still finds them, and it never drowns a rarer word
    assert len(idx.search(tok("政府信息公开"), k=5)) == 4
    assert idx.search(tok("政府信息公开的行政诉讼"), k=1)[0].chunk_id == "r:prose:3"
    assert idx.search(tok("行政复议"), k=5, year=2023) == [] and idx.search(tok("行政复议"), k=5, agency=["甲"])


def test_without_model_hybrid_degrades_and_hook_says_install(tmp_path):
    settings = _settings(tmp_path / "home", model_dir=tmp_path / "no-models")
    summary = ingest_paths([SAMPLE / "003_67b517500533bac5.txt", SAMPLE / "000_17b09857f7c7bcdc.txt"], settings,
                           progress=False, hooks=[make_index_hook(settings, progress=False)])
    assert summary.stored == 2  # the facts are stored…
    assert len(summary.errors) == 2  # …and each file's index failure is reported, with the fix
    for _, reason in summary.errors:
        assert "vector index failed" in reason and "ModelMissingError" in reason
        assert "gongkai models install" in reason
    s = HybridSearcher(settings)
    assert s.search("不予公开", k=3, mode="bm25")
    with pytest.warns(DegradedSearchWarning, match="gongkai models install"):
        hits = s.search("泰安市行政审批服务局不予公开", k=3)
    assert hits and all(h.mode == "bm25" for h in hits) and s.notes
    with pytest.raises(ModelMissingError):
        s.search("不予公开", mode="dense")


# ------------------------------------------------------------------------------ index and cache (fake encoder)
@needs_corpus
def test_index_replace_delete_and_cache_with_fake_encoder(corpus, tmp_path):
    src_settings, _ = corpus
    store = Store(src_settings.db_path)
    rid = store.reports(source="003_67b517500533bac5.txt")[0].id
    parsed = parsed_from_store(store, rid)
    settings = _settings(tmp_path / "home", embedding_model="fake-bigram-64")
    enc = FakeEncoder()
    index = VectorIndex(settings, embedder=Embedder(settings, model=enc))
    assert index.name == "gongkai-fake-bigram-64-fast"  # the default profile: bf16, 128 tokens, no tables
    first = index.index_report(parsed, rid)
    chunks = make_chunks(parsed, rid)
    n = sum(c.kind == "prose" for c in chunks)
    assert 0 < n < len(chunks)  # table chunks are answered by exact lookup and found by keyword search
    assert first.chunks == n == first.embedded == enc.documents == index.count()
    assert {m["kind"] for m in index.collection.get(include=["metadatas"])["metadatas"]} == {"prose"}
    assert enc.document_calls == -(-n // 8)  # batches of 8
    calls = enc.document_calls
    again = index.index_report(parsed, rid)  # replace: same ids, cache hits only
    assert enc.document_calls == calls and again.embedded == 0 and again.deleted == n and index.count() == n
    # a fresh process (new Embedder over the same cache file) does not re-embed either
    enc2 = FakeEncoder()
    VectorIndex(settings, embedder=Embedder(settings, model=enc2)).index_report(parsed, rid)
    assert enc2.document_calls == 0
    assert index.is_indexed(rid)
    assert index.delete_report(rid) == n and index.count() == 0 and not index.is_indexed(rid)


def test_profiles_sharing_a_model_each_read_their_own_length():
    from ingest.vectorstore import ProfileModel

    class LengthModel:
        max_seq_length = 2048

        def encode_document(self, texts, **kw):
            return [self.max_seq_length] * len(texts)

        encode_query = encode_document

    m = LengthModel()
    short, full = ProfileModel(m, 128), ProfileModel(m, None)
    assert short.encode_document(["a"]) == [128] and full.encode_document(["a"]) == [2048]
    later_full = ProfileModel(m, None)  # made after a short call: still the model's own length
    short.encode_query(["a"])
    assert later_full.encode_document(["a"]) == [2048] and ProfileModel(m, 4096).encode_document(["a"]) == [2048]


class GatedEncoder(FakeEncoder):
    """A fake encoder that embeds only once the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def encode_document(self, texts, **kw):
        assert self.gate.wait(60)
        return super().encode_document(texts, **kw)


def test_background_indexer_embeds_after_the_facts_are_stored(tmp_path):
    from ingest.keyword_index import make_keyword_hook
    from ingest.vectorstore import BackgroundIndexer

    settings = _settings(tmp_path / "home", embedding_model="fake-bigram-64")
    enc = GatedEncoder()
    index = VectorIndex(settings, embedder=Embedder(settings, model=enc))
    bg = BackgroundIndexer(settings, progress=False, index=index)
    files = [SAMPLE / "003_67b517500533bac5.txt", SAMPLE / "000_17b09857f7c7bcdc.txt"]
    summary = ingest_paths(files, settings, progress=False, hooks=[make_keyword_hook(settings), bg.hook])
    # ingest is done while nothing is embedded yet: the facts and keyword search answer already
    assert summary.stored == 2 and not summary.errors and bg.reports == 2
    assert enc.documents == 0 and index.count() == 0
    hits = HybridSearcher(settings).search("泰安市行政审批服务局不予公开", k=3, mode="bm25")
    assert hits and hits[0].source == "003_67b517500533bac5.txt"
    enc.gate.set()
    assert bg.wait() == []
    store = Store(settings.db_path)
    prose = sum(c.kind == "prose" for r in store.reports() for c in make_chunks(parsed_from_store(store, r.id), r.id))
    assert index.count() == prose == enc.documents == bg.done == bg.chunks
    # the next ingest of the same files queues nothing
    again = BackgroundIndexer(settings, progress=False, index=index)
    ingest_paths(files, settings, progress=False, hooks=[again.hook])
    assert again.reports == 0 and again.wait() == []


# ------------------------------------------------------------------------------ with the model
@needs_corpus
@needs_model
@pytest.mark.model
@pytest.mark.parametrize("q", DEV, ids=[q["id"] for q in DEV])
def test_hybrid_top5_has_the_report(hybrid, q):
    hits = hybrid.search(q["question"], k=5)
    assert hits and all(h.mode == "hybrid" for h in hits)
    assert q["report"] in [h.source for h in hits], [(h.source, h.bm25_rank, h.dense_rank) for h in hits]


@needs_corpus
@needs_model
@pytest.mark.model
def test_hybrid_table_chunk_for_refused(hybrid):
    q = "泰安市行政审批服务局2024年不予公开的申请有多少件"
    assert {h.source for h in hybrid.search(q, k=5)} == {"003_67b517500533bac5.txt"}
    # the default profile embeds prose only: the table 三 chunk (answered from its cells by exact
    # lookup; prose answers skip table text) comes from the keyword side of the fusion alone, so it
    # ranks below the report's prose chunks, which both sides find
    hits = hybrid.search(q, k=30, auto_filters=True)
    assert {h.source for h in hits} == {"003_67b517500533bac5.txt"}
    table = [h for h in hits if h.kind == "table" and REFUSED_ROW in h.text]
    assert table, [h.id for h in hits]
    assert table[0].bm25_rank is not None and table[0].dense_rank is None
    assert "总计" in table[0].text and "refused.state_secret" in table[0].row_ids
    dense = hybrid.search("不予公开", k=5, mode="dense")
    assert dense and all(-1.0 <= h.score <= 1.0 and h.kind == "prose" for h in dense)


@needs_corpus
@needs_model
@pytest.mark.model
def test_reindex_same_report_never_calls_the_encoder(indexed):
    settings, first = indexed
    assert not first.errors, first.errors
    from ingest.model_install import load_embedder

    counting = CountingModel(load_embedder(settings.embedding_model, settings.model_dir))
    index = VectorIndex(settings, embedder=Embedder(settings, model=counting))
    store = Store(settings.db_path)
    before = index.count()
    for r in store.reports():
        assert index.is_indexed(r.id), r.source
        result = index.index_report(parsed_from_store(store, r.id), r.id)
        assert result.embedded == 0
    assert counting.document_calls == 0 and index.count() == before
    # the hook skips unchanged reports outright
    summary = ingest_paths([CORPUS], settings, progress=False, hooks=[make_index_hook(settings, progress=False)])
    assert summary.unchanged == summary.files and not summary.errors


@needs_corpus
@needs_model
@pytest.mark.model
def test_filters_apply_to_dense_and_hybrid(hybrid):
    for mode in ("dense", "hybrid"):
        hits = hybrid.search("新收政府信息公开申请", k=5, agency="平潭综合实验区", year=[2022, 2024], mode=mode)
        assert hits and all(h.agency == "平潭综合实验区" and h.year in (2022, 2024) for h in hits), mode
        assert not hybrid.search("新收政府信息公开申请", k=5, agency="淮安市洪泽区人民政府", year=2021, mode=mode)


# ------------------------------------------------------------------------------ Chroma server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        pytest.skip(f"the chroma CLI is not installed beside the interpreter ({exe})")
    port = _free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "chroma-data"), "--port", str(port),
                             "--host", "127.0.0.1"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma server did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@needs_corpus
@pytest.mark.slow
def test_chroma_http_client(corpus, chroma_server, tmp_path):
    src_settings, _ = corpus
    store = Store(src_settings.db_path)
    rows = {r.source: r for r in store.reports()}
    settings = dataclasses.replace(src_settings, home=tmp_path / "home", chroma_url=chroma_server,
                                   embedding_model="fake-bigram-64")
    enc = FakeEncoder()
    index = VectorIndex(settings, embedder=Embedder(settings, model=enc))
    assert type(index.client).__name__ != "PersistentClient" and not settings.chroma_path.exists()
    total = 0
    for src in ("003_67b517500533bac5.txt", "huaian-hongze-qu-2023.pdf"):
        rid = rows[src].id
        total += index.index_report(parsed_from_store(store, rid), rid).chunks
    assert index.count() == total and index.is_indexed(rows["003_67b517500533bac5.txt"].id)
    import chromadb

    raw = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]))
    assert raw.get_collection(collection_name("fake-bigram-64", "fast")).count() == total
    # dense search over HTTP (fake encoder), with a where filter
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegradedSearchWarning)
        s = HybridSearcher(settings, embedder=index.embedder)
        hits = s.search("洪泽区不予公开", k=5, mode="dense", agency="淮安市洪泽区人民政府")
    assert hits and all(h.source == "huaian-hongze-qu-2023.pdf" for h in hits)
    removed = index.delete_report(rows["huaian-hongze-qu-2023.pdf"].id)
    assert removed and index.count() == total - removed
