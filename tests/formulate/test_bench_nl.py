"""`bench nl` with replayed gold models: parsing, solving, verification and scoring run offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optarium.bench.nl import run_nl
from optarium.formulate import ReplayClient
from optarium.formulate.errors import DatasetError

PICK = ("prob_000", "prob_001", "prob_002", "prob_181", "prob_237")


@pytest.fixture
def small_set(data_dir: Path, tmp_path: Path) -> Path:
    """Five NLP4LP records: optimal, optimal, infeasible, the label mismatch without a gold model, unbounded."""
    folder = data_dir / "nl"
    lines = [line for line in (folder / "nlp4lp.jsonl").read_text().splitlines() if json.loads(line)["id"] in PICK]
    records = [json.loads(line) for line in lines]
    for record in records:
        if record["gold_model"]:
            record["gold_model"] = str(folder / record["gold_model"])
    path = tmp_path / "small.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def test_replayed_gold_models_score_as_correct_and_the_missing_one_is_explained(small_set: Path, data_dir: Path) -> None:
    report = run_nl(small_set, ReplayClient(data_dir / "nl" / "models" / "nlp4lp"), record=False, workers=2)
    cases = {case.id: case for case in report.cases}
    assert [case.id for case in report.cases] == list(PICK)
    for name in ("prob_000", "prob_001", "prob_002", "prob_237"):
        assert cases[name].correct_at == {1e-6: True, 1e-4: True, 5e-2: True}, name
    assert cases["prob_002"].status == "infeasible" and cases["prob_237"].status == "unbounded"
    assert cases["prob_181"].cause == "no_replay_file" and not cases["prob_181"].executed
    summary = report.summary()
    assert summary["accuracy"] == {"1e-06": 0.8, "0.0001": 0.8, "0.05": 0.8}
    assert summary["execution_rate"] == 0.8 and summary["mean_rounds"] == 0
    assert summary["problems"] == 5 and summary["median_overhead_seconds"] >= 0
    assert [case.id for case in report.failures()] == ["prob_181"]
    assert cases["prob_000"].equivalent in ("equivalent", "n/a")


def test_wrong_objective_and_wrong_status_are_told_apart(small_set: Path, data_dir: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "prob_000.lp").write_text("Maximize\n obj: x\nSubject To\n c: x <= 7\nEnd\n")
    (answers / "prob_002.lp").write_text("Maximize\n obj: x\nSubject To\n c: x <= 7\nEnd\n")
    report = run_nl(small_set, ReplayClient(answers), record=False, limit=3)
    cases = {case.id: case for case in report.cases}
    assert cases["prob_000"].cause == "wrong_objective" and "684000" in cases["prob_000"].error
    assert cases["prob_002"].cause == "wrong_status" and "label infeasible, got optimal" in cases["prob_002"].error
    assert cases["prob_001"].cause == "no_replay_file"
    assert cases["prob_000"].equivalent in ("not_equivalent", "n/a")


def test_bad_dataset_line_is_named(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "q", "status": "optimal"}\n{"id": "b"\n')
    with pytest.raises(DatasetError, match=r"bad\.jsonl:2"):
        run_nl(path, ReplayClient(tmp_path), record=False)
