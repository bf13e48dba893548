"""``optarium equiv`` and ``optarium bench audit`` through a real subprocess, and the audit library."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from optarium.bench.audit import audit_dataset, objectives_agree, outcomes_agree

OPTARIUM = str(Path(sys.executable).parent / "optarium")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "equivalence"
NL = Path(__file__).resolve().parents[1] / "data" / "nl"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, timeout=120)


def test_equiv_says_equivalent_for_the_shipped_reordered_example() -> None:
    done = run("equiv", str(EXAMPLES / "diet.lp"), str(EXAMPLES / "diet_reordered.lp"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("equivalent")


def test_equiv_json_reports_not_equivalent_with_reason_and_normalisations() -> None:
    done = run("equiv", str(EXAMPLES / "diet.lp"), str(EXAMPLES / "diet_changed.lp"), "--scale-rows", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["verdict"] == "not_equivalent"
    assert data["reason"]
    assert data["normalisations"] == ["scale_rows"]


def test_equiv_normalisations_make_a_rescaled_model_equivalent() -> None:
    plain = run("equiv", str(EXAMPLES / "diet.lp"), str(EXAMPLES / "diet_rescaled.lp"), "--json")
    assert json.loads(plain.stdout)["verdict"] == "not_equivalent"
    both = run("equiv", str(EXAMPLES / "diet.lp"), str(EXAMPLES / "diet_rescaled.lp"), "--scale-rows", "--flip-ge")
    assert both.returncode == 0, both.stderr
    assert both.stdout.startswith("equivalent")
    assert "scale_rows, flip_ge" in both.stdout


def test_equiv_unreadable_file_is_exit_2_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.lp"
    broken.write_text("this is not a model\n")
    done = run("equiv", str(EXAMPLES / "diet.lp"), str(broken))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "broken.lp" in done.stderr
    missing = run("equiv", str(tmp_path / "missing.lp"), str(EXAMPLES / "diet.lp"))
    assert missing.returncode == 2 and "missing.lp" in missing.stderr


@pytest.fixture
def small_dataset(tmp_path: Path) -> Path:
    """Four nlp4lp records (optimal, infeasible, ...) with their gold models; one label made wrong."""
    source = NL / "nlp4lp.jsonl"
    wanted = {"prob_001", "prob_002", "prob_003", "prob_181"}
    records = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    chosen = [record for record in records if record["id"] in wanted]
    (tmp_path / "models" / "nlp4lp").mkdir(parents=True)
    for record in chosen:
        if record["gold_model"]:
            shutil.copy(NL / record["gold_model"], tmp_path / record["gold_model"])
        if record["id"] == "prob_003":
            record["answer"] = record["answer"] + 1.0
    dataset = tmp_path / "small.jsonl"
    dataset.write_text("".join(json.dumps(record) + "\n" for record in chosen))
    return dataset


def test_audit_flags_only_the_wrong_label(small_dataset: Path) -> None:
    report = audit_dataset(small_dataset, ("highs", "scip"), time_limit=30)
    assert report.records == 4
    assert report.without_gold == ["prob_181"]
    assert len(report.checked) == 3
    assert [record.id for record in report.flagged] == ["prob_003"]
    assert "disagrees" in report.flagged[0].problems[0]
    statuses = {record.id: [outcome.status for outcome in record.outcomes] for record in report.checked}
    assert statuses["prob_002"] == ["infeasible", "infeasible"]


def test_bench_audit_cli_json(small_dataset: Path) -> None:
    done = run("bench", "audit", str(small_dataset), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["checked"] == 3 and data["flagged_count"] == 1
    assert data["flagged"][0]["id"] == "prob_003"


def test_bench_audit_bad_dataset_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\nnot json\n')
    done = run("bench", "audit", str(bad))
    assert done.returncode == 2
    assert "bad.jsonl:2" in done.stderr


def test_agreement_rule_matches_the_data_provenance() -> None:
    assert objectives_agree(1000.0, 1000.09) and not objectives_agree(1000.0, 1000.2)
    assert objectives_agree(0.0, 5e-7) and not objectives_agree(0.0, 2e-6)
    assert outcomes_agree("infeasible", None, "infeasible", None)
    assert not outcomes_agree("infeasible", None, "unbounded", None)
    assert not outcomes_agree("optimal", None, "optimal", 3.0)
