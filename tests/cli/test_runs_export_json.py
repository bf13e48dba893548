"""`optarium runs export --json`: the rows as JSON on standard output, or with --output what was written."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import optarium
from optarium.cli.main import app

KNAPSACK = Path(__file__).resolve().parents[2] / "examples" / "knapsack.lp"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_prints_the_rows_or_with_an_output_file_what_was_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    optarium.solve(KNAPSACK, store=url)
    code, out, err = invoke("runs", "export", "--json", "--store", url)
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 1 and rows[0]["status"] == "optimal" and rows[0]["verified"] is True
    target = tmp_path / "runs.csv"
    code, out, err = invoke("runs", "export", "--json", "-o", str(target), "--store", url)
    assert code == 0, err
    assert json.loads(out) == {"output": str(target), "format": "csv", "rows": 1}
    assert target.read_text().startswith("id,created_at,")


def test_json_to_standard_output_with_another_format_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    optarium.solve(KNAPSACK, store=url)
    code, out, err = invoke("runs", "export", "--json", "--format", "csv", "--store", url)
    assert (code, out) == (2, "") and err.startswith("error: option `--json` ") and err.count("\n") == 1
