"""``optarium formulate insights export -o FILE``: the file named as ``runs``, ``study`` and ``learn export`` name it."""

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
