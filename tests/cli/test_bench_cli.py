"""``optarium bench audit`` and ``bench nl`` on bad datasets: one line, exit 2, the same for both."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app


def test_an_empty_dataset_is_one_line_and_exit_2_in_audit_as_in_nl(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    for command in (["bench", "audit", str(empty)], ["bench", "nl", str(empty), "--replay", str(tmp_path), "--no-record"]):
        result = CliRunner().invoke(app, command)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"error: {empty}: no records\n")
