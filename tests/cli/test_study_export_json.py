"""`optarium study export --json`: the trials as JSON rows on stdout, or with --output a JSON line of what was
written (as `runs export --json` does); another --format to stdout under --json is one line, exit 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _told_study(tmp_path: Path) -> str:
    (tmp_path / "space.yaml").write_text("x: {type: float, low: 0.0, high: 1.0}\n")
    store = f"sqlite:///{tmp_path / 's.db'}"
    assert invoke("study", "create", "screen", "--space", str(tmp_path / "space.yaml"), "--sampler", "random",
                  "--store", store)[0] == 0
    code, out, err = invoke("study", "ask", "screen", "--n", "2", "--store", store, "--json")
    assert code == 0, err
    first = json.loads(out)[0]["trial_id"]
    assert invoke("study", "tell", "screen", str(first), "0.25", "--store", store)[0] == 0
    return store


def test_export_json_prints_every_trial_as_a_row(tmp_path: Path) -> None:
    store = _told_study(tmp_path)
    code, out, err = invoke("study", "export", "screen", "--json", "--store", store)
    assert code == 0, err
    rows = json.loads(out)
    assert [row["state"] for row in rows] == ["complete", "pending"] and rows[0]["value"] == 0.25
    assert 0.0 <= rows[0]["params_x"] <= 1.0


def test_export_json_with_an_output_file_says_what_it_wrote(tmp_path: Path) -> None:
    store = _told_study(tmp_path)
    target = tmp_path / "trials.csv"
    code, out, err = invoke("study", "export", "screen", "-o", str(target), "--json", "--store", store)
    assert code == 0, err
    assert json.loads(out) == {"output": str(target), "format": "csv", "rows": 2}
    with target.open() as handle:
        assert [row["state"] for row in csv.DictReader(handle)] == ["complete", "pending"]


def test_export_json_with_another_format_to_stdout_is_one_line_and_exit_2(tmp_path: Path) -> None:
    store = _told_study(tmp_path)
    code, out, err = invoke("study", "export", "screen", "--json", "--format", "csv", "--store", store)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--json" in err and "csv" in err
