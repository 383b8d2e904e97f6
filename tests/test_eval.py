"""The evaluation runner: scoring rules, question-set validation, exit codes, output files, the
naive baseline's heuristic — with fake answer functions (no model, no store) — and one end-to-end
run of the real ``qa.answer`` on the shipped dev set (skipped with a reason when it cannot run).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from eval import scoring
from eval.baseline import NaiveRAG, extract_number, keywords
from eval.dataset import Question, load, loads
from eval.runner import EvalResult, main, render_summary, run
from qa.models import Answer, Citation

from conftest import CORPUS, ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "eval_small.jsonl"
DEV_SHIPPED = ROOT / "eval" / "dev-questions.jsonl"
CORPUS_SHIPPED = ROOT / "eval" / "corpus-questions.jsonl"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def cite(source: str) -> Citation:
    return Citation(source=source, quote="…")


#: Known right and wrong answers to the questions of tests/fixtures/eval_small.jsonl.
FAKE = {
    "s1": Answer("q", "25件", "table", 25, "件", [cite("003_67b517500533bac5.txt")]),  # right, cited
    "s2": Answer("q", "42.2万元", "table", Decimal("42.2000001"), "万元", [cite("003_67b517500533bac5.txt")]),  # within 1e-6
    "s3": Answer("q", "96171.7万元", "table", Decimal("96171.7"), "万元", [cite("huaian-shi-2024.pdf")]),  # wrong value
    "s4": Answer("q", "没有找到北京市海淀区2024年的报告。", "not_found"),  # right
    "s5": Answer("q", "12件", "table", 12, "件", [cite("pingtan-syq-2018.txt")]),  # should be not_found
    "s6": Answer("q", "淮安市人民政府（3119件）", "aggregate", 3119, "件", [cite("huaian-hongze-qu-2024.pdf")]),  # right, wrong cite
    "s7": Answer("q", "平潭综合实验区2020年表三的(七)总计为21件。", "findings", None, None, [cite("pingtan-syq-2020.txt")]),  # lacks 27
    "s9": Answer("q", "2篇", "prose", 2, "篇"),  # right, no citation
}
BY_QUESTION = {json.loads(line)["question"]: json.loads(line)["id"]
               for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()
               if line.lstrip().startswith("{") and '"s8"' not in line}


def fake_answer(question: str) -> Answer:
    return FAKE[BY_QUESTION[question]]


def always(kind: str = "table", value=None, text: str = ""):
    return lambda q: Answer(q, text, kind, value)  # type: ignore[arg-type]


def good_file(tmp_path: Path) -> Path:
    """The fixture without its malformed line."""
    p = tmp_path / "good.jsonl"
    p.write_text("\n".join(line for line in FIXTURE.read_text(encoding="utf-8").splitlines() if '"s8"' not in line),
                 encoding="utf-8")
    return p


# ------------------------------------------------------------------------------------ scoring
def test_value_equality_and_decimal_tolerance():
    assert scoring.value_matches(25, 25)
    assert not scoring.value_matches(25, 26)
    assert scoring.value_matches(25, Decimal("25"))
    assert scoring.value_matches(25, 25.0)
    assert scoring.value_matches(42.2, Decimal("42.2"))
    assert scoring.value_matches(42.2, 42.2 * (1 + 5e-7))  # within 1e-6 relative
    assert not scoring.value_matches(42.2, 42.2 * (1 + 5e-6))  # outside
    assert not scoring.value_matches(96171.6, Decimal("96171.7"))
    assert scoring.value_matches(0, 0)
    assert not scoring.value_matches(0, 1e-9)
    assert scoring.value_matches(1295, "1,295")  # numeric text is read as a number
    assert not scoring.value_matches(1, None)
    assert not scoring.value_matches(1, True)  # a boolean is not a number
    assert not scoring.value_matches(1, "one")


def test_is_correct_per_expected_type():
    assert scoring.is_correct({"value": 2}, {"value": 2, "kind": "prose", "text": "2篇"})
    assert not scoring.is_correct({"value": 2}, {"value": None, "kind": "prose", "text": "2篇"})  # text is not value
    assert scoring.is_correct({"not_found": True}, {"kind": "not_found", "text": ""})
    assert not scoring.is_correct({"not_found": True}, {"kind": "table", "value": 0, "text": "0件"})
    assert scoring.is_correct({"contains": ["淮安市人民政府"]}, {"kind": "aggregate", "text": "淮安市人民政府,3119件"})
    assert not scoring.is_correct({"contains": ["21", "27"]}, {"kind": "findings", "text": "总计21件"})  # every string
    assert scoring.is_correct({"contains": ["21", "27"]}, {"kind": "findings", "text": "总计21件,分项合计27件"})
    assert not scoring.is_correct({"contains": ["x"]}, {"kind": "prose", "text": None})


def test_citation_match():
    a = {"citations": [{"source": "a.txt"}, {"source": "huaian-shi-2024.pdf"}]}
    assert scoring.citation_ok("huaian-shi-2024.pdf", a) is True
    assert scoring.citation_ok("b.txt", a) is False
    assert scoring.citation_ok(None, a) is None  # not scored
    assert scoring.citation_ok("a.txt", {"citations": []}) is False
    assert scoring.citation_ok("a.txt", {"citations": [cite("a.txt")]}) is True  # objects work too


def test_percentile():
    assert scoring.percentile([], 50) is None
    assert scoring.percentile([3.0], 95) == 3.0
    assert scoring.percentile([1, 2, 3, 4], 50) == 2.5
    assert scoring.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


# ------------------------------------------------------------------------------------ dataset
def test_malformed_lines_are_named_and_the_rest_load():
    text = "\n".join([
        '{"id": "a", "question": "q1", "report": null, "expected": {"value": 1}}',
        '{"id": "b", "question": "q2", "report": null, "expected": {"value": 1}',  # bad JSON
        '{"id": "c", "question": "q3", "expected": {"value": 1}}',  # missing report
        '{"id": "d", "question": "q4", "report": null, "expected": {"value": "1"}}',  # value is text
        '{"id": "e", "question": "q5", "report": null, "expected": {"not_found": false}}',
        '{"id": "f", "question": "q6", "report": null, "expected": {"contains": []}}',
        '{"id": "g", "question": "q7", "report": null, "expected": {"value": 1, "not_found": true}}',
        '{"id": "a", "question": "q8", "report": null, "expected": {"value": 1}}',  # duplicate id
        '["not", "an", "object"]',
        '{"id": 7, "question": "q10", "report": null, "expected": {"value": 1}}',
        '',
        '{"id": "k", "question": "q12", "report": "x.pdf", "expected": {"contains": ["淮安"]}}',
    ])
    ds = loads(text, "t.jsonl")
    assert [q.id for q in ds.questions] == ["a", "k"]
    errs = {e.line_no: e.message for e in ds.errors}
    assert sorted(errs) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert "bad JSON" in errs[2]
    assert '"report"' in errs[3] and "missing" in errs[3]
    assert "expected.value" in errs[4] and "number" in errs[4]
    assert "not_found" in errs[5]
    assert "contains" in errs[6]
    assert "exactly one" in errs[7]
    assert "duplicate" in errs[8] and "line 1" in errs[8]
    assert "object" in errs[9]
    assert '"id"' in errs[10]
    assert ds.questions[1].expected_type == "contains" and ds.questions[1].line_no == 12


def test_fixture_and_shipped_sets_load():
    ds = load(FIXTURE)
    assert len(ds.questions) == 8
    assert [(e.line_no, "number" in e.message) for e in ds.errors] == [(9, True)]
    dev = load(DEV_SHIPPED)
    assert not dev.errors and len(dev.questions) == 25
    shared = ROOT.parent / "shared" / "eval" / "dev-questions.jsonl"
    if shared.is_file():
        assert DEV_SHIPPED.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")
    corpus = load(CORPUS_SHIPPED)
    assert not corpus.errors and len(corpus.questions) >= 30
    types = {t: sum(q.expected_type == t for q in corpus.questions) for t in ("value", "not_found", "contains")}
    assert all(types.values()), types
    if CORPUS.is_dir():  # every cited report is a real corpus file
        names = {p.name for p in CORPUS.iterdir()}
        for q in dev.questions + corpus.questions:
            assert q.report is None or q.report in names, (q.id, q.report)


# ------------------------------------------------------------------------------------ runner
def test_run_scores_known_right_and_wrong_answers():
    res = run(FIXTURE, answer_fn=fake_answer, progress=False)
    by_id = {r.id: r for r in res.results}
    assert set(by_id) == {"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s9"}  # s8 is malformed
    assert {i for i, r in by_id.items() if r.correct} == {"s1", "s2", "s4", "s6", "s9"}
    assert {i: r.citation_ok for i, r in by_id.items()} == {
        "s1": True, "s2": True, "s3": True, "s4": None, "s5": None, "s6": False, "s7": True, "s9": False}
    assert res.accuracy == pytest.approx(5 / 8)
    assert res.citation_counts == (4, 6)
    assert res.by_kind() == {"table": (2, 4), "aggregate": (1, 1), "prose": (1, 1), "findings": (0, 1),
                             "not_found": (1, 1)}
    assert res.by_expected() == {"value": (3, 4), "not_found": (1, 2), "contains": (1, 2)}
    assert [(e.line_no, "expected.value") for e in res.errors] == [(9, "expected.value")]
    assert res.latency(50) is not None and res.latency(95) >= res.latency(50)


def test_a_raising_answer_is_one_wrong_answer():
    def flaky(q: str):
        if "淮安" in q:
            raise RuntimeError("boom")
        return fake_answer(q)

    res = run(FIXTURE, answer_fn=flaky, progress=False)
    broken = [r for r in res.results if r.error]
    assert {r.id for r in broken} == {"s3"}
    assert broken[0].answer["kind"] == "error" and "boom" in broken[0].answer["text"] and not broken[0].correct
    assert len(res.results) == 8


def test_summary_lists_accuracy_latency_and_failures(capsys):
    res = run(FIXTURE, answer_fn=fake_answer, progress=False)
    text = render_summary([res])
    for needle in ("5/8 62.5%", "citation accuracy", "4/6 66.7%", "latency p50", "latency p95",
                   "Accuracy by expected type", "Accuracy by answer kind", "findings", "line 9:",
                   "Failed questions — full (3 of 8)", "s3", "value=96171.7", "kind=table"):
        assert needle in text, needle
    assert "s1 " not in text.split("Failed questions")[1]


def test_min_accuracy_exit_codes(tmp_path, capsys):
    f = good_file(tmp_path)
    fns = {"full": fake_answer}
    assert main([str(f), "--out", str(tmp_path / "o1"), "--no-progress"], answer_fns=fns) == 0
    assert main([str(f), "--out", str(tmp_path / "o2"), "--no-progress", "--min-accuracy", "0.6"], answer_fns=fns) == 0
    assert main([str(f), "--out", str(tmp_path / "o3"), "--no-progress", "--min-accuracy", "0.7"], answer_fns=fns) == 1
    assert main([str(f), "--out", str(tmp_path / "o4"), "--no-progress", "--min-accuracy", "70"], answer_fns=fns) == 1
    err = capsys.readouterr().err
    assert "below --min-accuracy 70.0%" in err


def test_malformed_file_exits_2_after_scoring_the_good_lines(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main([str(FIXTURE), "--out", str(out), "--no-progress", "--min-accuracy", "0.1"],
              answer_fns={"full": fake_answer})
    assert rc == 2
    cap = capsys.readouterr()
    assert f"{FIXTURE}:9:" in cap.err and "expected.value" in cap.err
    assert "line 9:" in cap.out and "5/8 62.5%" in cap.out  # the good lines were scored
    assert len((out / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 8


def test_unreadable_file_exits_2(tmp_path, capsys):
    assert main([str(tmp_path / "nope.jsonl"), "--no-progress"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_files_written_both_modes_side_by_side(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main([str(good_file(tmp_path)), "--mode", "both", "--out", str(out), "--no-progress"],
              answer_fns={"full": fake_answer, "baseline": always("prose", 3, "3件")})
    assert rc == 0
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if line.lstrip().startswith("accuracy"))
    assert "5/8 62.5%" in header and "0/8 0.0%" in header  # full and baseline on one line
    assert "Failed questions — baseline (8 of 8)" in printed
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 16 and {r["mode"] for r in rows} == {"full", "baseline"}
    for r in rows:
        assert set(r) >= {"id", "question", "expected", "answer", "correct", "citation_ok", "seconds", "mode"}
        assert isinstance(r["answer"], dict) and "kind" in r["answer"]
    s2 = next(r for r in rows if r["id"] == "s2" and r["mode"] == "full")
    assert s2["correct"] and s2["answer"]["value"] == pytest.approx(42.2000001)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| metric | full | baseline |" in report and "![accuracy by kind](accuracy_by_kind.png)" in report
    assert "## Failed questions — full (3 of 8)" in report
    assert (out / "accuracy_by_kind.png").read_bytes()[:8] == PNG_MAGIC


def test_python_dash_m_eval_and_gongkai_eval(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "eval", str(tmp_path / "missing.jsonl")], cwd=tmp_path,
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "python -m eval: cannot read" in r.stderr
    r = subprocess.run([sys.executable, "-m", "eval", "--help"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and "--min-accuracy" in r.stdout and "--mode" in r.stdout
    from qa.cli import main as cli

    assert cli(["eval", str(tmp_path / "missing.jsonl")]) == 2


# ------------------------------------------------------------------------------------ baseline
class FakeSearcher:
    def __init__(self, hits, dense_error: Exception | None = None):
        self.hits, self.dense_error, self.calls = hits, dense_error, []

    def search(self, query, k=5, agency=None, year=None, mode="hybrid"):
        self.calls.append(mode)
        if mode == "dense" and self.dense_error:
            raise self.dense_error
        return self.hits[:k]


class Hit:
    def __init__(self, text, source, rank=1):
        self.text, self.source, self.rank, self.score = text, source, rank, 1.0 / rank
        self.agency, self.year, self.kind = "某机关", 2024, "prose"


def test_baseline_takes_the_first_number_after_a_question_word():
    kws = keywords("阿尔丁大街街道2024年微信公众号发文多少篇？")
    assert "微信" in kws and "发文" in kws
    assert not any(k.startswith("2024") for k in kws) and "多少篇" not in kws
    passage = "【阿尔丁大街街道 2024年 · 四、平台建设】2024年,微信公众号“阿尔丁”发文550篇,视频号发布视频14个。"
    num, s, e, _ = extract_number(passage, kws)
    assert num == "550" and passage[s:e] == "550"
    assert extract_number("没有数字的段落。", kws) is None
    # naive on purpose: in a table row it reads the first column (自然人), not 总计
    row = "| 一、本年新收政府信息公开申请数量 | 3001 | 53 | 0 | 0 | 61 | 4 | 3119 |"
    assert extract_number(row, keywords("淮安市人民政府2024年新收政府信息公开申请多少件？"))[0] == "3001"


def test_baseline_answers_prose_and_cites_the_passage():
    hits = [Hit("【x 2024年】这里没有相关词。", "a.txt"), Hit("2024年,微信公众号发文550篇。", "001.txt", 2)]
    rag = NaiveRAG(searcher=FakeSearcher(hits))
    ans = rag("2024年微信公众号发文多少篇？")
    assert ans.kind == "prose" and ans.value == 550 and [c.source for c in ans.citations] == ["001.txt"]
    assert rag.searcher.calls == ["dense"] and not rag.notes
    assert NaiveRAG(searcher=FakeSearcher([]))("任何问题").kind == "not_found"


def test_baseline_falls_back_to_bm25_and_says_so():
    searcher = FakeSearcher([Hit("行政复议总计 61 件", "s.txt")], dense_error=RuntimeError("model missing"))
    rag = NaiveRAG(searcher=searcher)
    assert rag("行政复议总计多少件？").value == 61
    assert rag("行政复议总计多少件？").value == 61
    assert searcher.calls == ["dense", "bm25", "bm25"]  # tried dense once, then stayed on BM25
    assert len(rag.notes) == 1 and "BM25" in rag.notes[0] and "model missing" in rag.notes[0]
    res = run(load(FIXTURE), mode="baseline", answer_fn=rag, progress=False)
    assert res.notes == rag.notes
    assert "BM25" in render_summary([res])


class EmptyDenseSearcher(FakeSearcher):
    def search(self, query, k=5, agency=None, year=None, mode="hybrid"):
        self.calls.append(mode)
        return [] if mode == "dense" else self.hits[:k]


def test_baseline_falls_back_when_the_vector_index_is_empty():
    searcher = EmptyDenseSearcher([Hit("行政复议总计 61 件", "s.txt")])
    rag = NaiveRAG(searcher=searcher)
    assert rag("行政复议总计多少件？").value == 61 and rag("行政复议总计多少件？").value == 61
    assert searcher.calls == ["dense", "bm25", "bm25"]
    assert len(rag.notes) == 1 and "vector index is empty" in rag.notes[0]


# ------------------------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def corpus_home(tmp_path_factory):
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (tests read ../shared/corpus/raw beside the checkout)")
    from qa import answer as _  # noqa: F401  (the contract: `from qa import answer`)
    from qa.cli import main as cli

    home = tmp_path_factory.mktemp("eval-home")
    # --no-index: embedding 20 reports on a CPU takes minutes; answers then come from the facts
    # store and BM25 (the baseline says it fell back to BM25)
    assert cli(["ingest", str(CORPUS), "--home", str(home), "--no-progress", "--no-index"]) == 0
    return home


def test_end_to_end_real_answer_on_the_dev_set(corpus_home, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main([str(DEV_SHIPPED), "--home", str(corpus_home), "--out", str(out), "--no-progress"])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "gongkai eval — dev-questions.jsonl: 25 question(s)" in printed
    assert "accuracy" in printed and "latency p95" in printed and "Failed questions — full" in printed
    rows = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 25
    assert (out / "report.md").is_file() and (out / "accuracy_by_kind.png").read_bytes()[:8] == PNG_MAGIC
    assert not any(json.loads(r).get("error") for r in rows), "qa.answer raised on some dev questions"


def test_end_to_end_baseline_on_the_dev_set(corpus_home, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main([str(DEV_SHIPPED), "--mode", "baseline", "--home", str(corpus_home), "--out", str(out),
               "--no-progress"])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    rows = [json.loads(r) for r in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 25 and {r["mode"] for r in rows} == {"baseline"}
    assert not any(r.get("error") for r in rows), [r["error"] for r in rows if r.get("error")][:3]
    assert {r["answer"]["kind"] for r in rows} <= {"prose", "not_found"}
    assert "fell back to BM25" in printed  # no vector index in this home: said in the summary


def test_eval_result_is_plain_data():
    r = EvalResult(path="x.jsonl", mode="full")
    assert r.accuracy is None and r.citation_accuracy is None and r.latency(50) is None
    assert isinstance(Question("a", "q", None, {"value": 1}).to_dict(), dict)
