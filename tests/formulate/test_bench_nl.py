"""`bench nl` with replayed answers: parsing, solving, verification and scoring run offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optarium.bench.nl import run_nl
from optarium.formulate import ReplayClient
from optarium.formulate.errors import DatasetError
from optarium.formulate.pipeline import formulate_store

BREAKFAST_LP = "Maximize\n obj: 3 r + 4 s\nSubject To\n eggs: 2 r + 3 s <= 40\n bacon: 3 r + 5 s <= 70\nGeneral\n r s\nEnd\n"
DIET_LP = "Minimize\n cost: 2 oats + 3 milk\nSubject To\n calories: 150 oats + 120 milk >= 600\n protein: 5 oats + 8 milk >= 30\nEnd\n"
INFEASIBLE_LP = "Maximize\n obj: x\nSubject To\n low: x >= 5\n high: x <= 3\nEnd\n"
UNBOUNDED_LP = "Maximize\n obj: x + y\nSubject To\n c: x - y <= 1\nEnd\n"
# id, label, answer, file of the replayed answer (None: none ships), gold model named apart from the id
CASES = (
    ("breakfast", "optimal", 60.0, "breakfast.lp", None),
    ("diet", "optimal", 11.5, "diet.lp", None),
    ("clinic", "infeasible", None, "clinic.lp", None),
    ("no_answer", "optimal", 16.0, None, None),
    ("Growth Problem_[x]", "unbounded", None, None, "growth_problem_x.lp"),
)


@pytest.fixture
def small_set(tmp_path: Path) -> tuple[Path, Path]:
    """Five records (optimal, optimal, infeasible, no answer file, unbounded by its gold model) and their answers."""
    answers = tmp_path / "answers"
    answers.mkdir()
    texts = {"breakfast.lp": BREAKFAST_LP, "diet.lp": DIET_LP, "clinic.lp": INFEASIBLE_LP, "growth_problem_x.lp": UNBOUNDED_LP}
    for name, text in texts.items():
        (answers / name).write_text(text)
    lines = []
    for case_id, label, answer, _file, gold in CASES:
        record = {"id": case_id, "question": f"The {case_id} problem in words.", "status": label, "answer": answer}
        if gold:
            record["gold_model"] = str(answers / gold)
        lines.append(json.dumps(record) + "\n")
    path = tmp_path / "small.jsonl"
    path.write_text("".join(lines))
    return path, answers


def test_replayed_answers_score_as_correct_and_the_missing_one_is_explained(small_set: tuple[Path, Path]) -> None:
    dataset, answers = small_set
    report = run_nl(dataset, ReplayClient(answers), record=False, workers=2)
    cases = {case.id: case for case in report.cases}
    assert [case.id for case in report.cases] == [case[0] for case in CASES]
    for name in ("breakfast", "diet", "clinic", "Growth Problem_[x]"):
        assert cases[name].correct_at == {1e-6: True, 1e-4: True, 5e-2: True}, name
    assert cases["clinic"].status == "infeasible" and cases["Growth Problem_[x]"].status == "unbounded"
    assert cases["no_answer"].cause == "no_replay_file" and not cases["no_answer"].executed
    summary = report.summary()
    assert summary["accuracy"] == {"1e-06": 0.8, "0.0001": 0.8, "0.05": 0.8}
    assert summary["execution_rate"] == 0.8 and summary["mean_rounds"] == 0
    assert summary["problems"] == 5 and summary["median_overhead_seconds"] >= 0
    assert [case.id for case in report.failures()] == ["no_answer"]
    assert cases["Growth Problem_[x]"].equivalent in ("equivalent", "n/a")


def test_wrong_objective_and_wrong_status_are_told_apart(small_set: tuple[Path, Path], tmp_path: Path) -> None:
    dataset, _ = small_set
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "breakfast.lp").write_text("Maximize\n obj: x\nSubject To\n c: x <= 7\nEnd\n")
    (wrong / "clinic.lp").write_text("Maximize\n obj: x\nSubject To\n c: x <= 7\nEnd\n")
    report = run_nl(dataset, ReplayClient(wrong), record=False, limit=3)
    cases = {case.id: case for case in report.cases}
    assert cases["breakfast"].cause == "wrong_objective" and "60" in cases["breakfast"].error
    assert cases["clinic"].cause == "wrong_status" and "label infeasible, got optimal" in cases["clinic"].error
    assert cases["diet"].cause == "no_replay_file"


def test_recorded_bench_writes_one_request_per_problem_and_one_run_per_solved_model(
    small_set: tuple[Path, Path], store_url: str
) -> None:
    dataset, answers = small_set
    run_nl(dataset, ReplayClient(answers), store=store_url, equivalence=False)
    store = formulate_store(store_url)
    requests = store.list_formulate_runs(limit=10)
    assert len(requests) == 5 and store.count_runs() == 4
    assert sorted(row["status"] for row in requests) == ["failed", "solved", "solved", "solved", "solved"]
    assert {row["run_id"] is None for row in requests if row["status"] == "failed"} == {True}
    assert {store.get_run(row["run_id"])["source"] for row in requests if row["run_id"]} == {
        f"formulate:small.jsonl:{case_id}" for case_id in ("breakfast", "diet", "clinic", "Growth Problem_[x]")
    }


def test_bad_dataset_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "q", "status": "optimal"}\n{"id": "b"\n')
    with pytest.raises(DatasetError, match=r"bad\.jsonl:2"):
        run_nl(path, ReplayClient(tmp_path), record=False)
