"""``optarium formulate insights``: export -o FILE as the other exports take it; list says so when the library is empty."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app


def test_insights_export_takes_output_as_the_other_exports_do(tmp_path: Path) -> None:
    store = ["--store", f"sqlite:///{tmp_path / 's.db'}"]
    added = CliRunner().invoke(app, ["formulate", "insights", "add", "--taxonomy", "integrality", "--condition", "trucks",
                                     "--explanation", "Whole trucks: integer variables.", *store])
    assert added.exit_code == 0, added.stderr
    target = tmp_path / "insights.jsonl"
    result = CliRunner().invoke(app, ["formulate", "insights", "export", "-o", str(target), "--json", *store])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"output": str(target), "format": "jsonl", "rows": 1}
    assert json.loads(target.read_text())["condition"] == "trucks"
    both = CliRunner().invoke(app, ["formulate", "insights", "export", str(tmp_path / "a.jsonl"), "-o", str(target), *store])
    assert (both.exit_code, both.stdout) == (2, "")
    assert both.stderr.startswith("error: option `--output` must be left out when OUTPUT is given")


def test_insights_list_says_so_when_the_library_is_empty(tmp_path: Path) -> None:
    store = ["--store", f"sqlite:///{tmp_path / 's.db'}"]
    assert CliRunner().invoke(app, ["study", "create", "s", "--space", str(Path(__file__).resolve().parents[2] / "examples" /
                                                                               "space.yaml"), *store]).exit_code == 0
    result = CliRunner().invoke(app, ["formulate", "insights", "list", *store])
    assert (result.exit_code, result.stdout) == (0, "no insights yet (formulate learn finds them; formulate insights add "
                                                    "writes one)\n")
    assert json.loads(CliRunner().invoke(app, ["formulate", "insights", "list", "--json", *store]).stdout) == []
