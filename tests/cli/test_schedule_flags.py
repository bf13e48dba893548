"""``optarium schedule``: a flag the chosen method never reads is refused, not dropped without a word."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.main import app


@pytest.mark.parametrize(
    ("args", "said"),
    [(["--rule", "spt"], "option `--rule` must be given with --method rule (method auto runs CP-SAT, no dispatching rule), got 'spt'"),
     (["--method", "cp", "--rule", "spt"], "option `--rule` must be given with --method rule (method cp runs CP-SAT, no dispatching rule), got 'spt'"),
     (["--method", "learned", "--rule", "spt"],
      "option `--rule` must be given with --method rule (method learned runs the learned rule, no dispatching rule), got 'spt'"),
     (["--method", "learned+cp", "--rule", "spt"],
      "option `--rule` must be given with --method rule (method learned+cp runs the learned rule and CP-SAT, no dispatching rule), got 'spt'"),
     (["--model", "rule.json"], "option `--model` must be given with --method learned or learned+cp (the method here is auto), got 'rule.json'"),
     (["--method", "rule", "--model", "rule.json"],
      "option `--model` must be given with --method learned or learned+cp (the method here is rule), got 'rule.json'")],
)
def test_a_flag_the_method_never_reads_is_refused(tmp_path: Path, args: list[str], said: str) -> None:
    store = tmp_path / "s.db"
    result = CliRunner().invoke(app, ["schedule", "ft06", *args, "--store", f"sqlite:///{store}"])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"error: {said}\n")
    assert not store.exists()


def test_a_rule_with_the_rule_method_from_the_settings_file_is_used(tmp_path: Path) -> None:
    config = tmp_path / "schedule.toml"
    config.write_text('method = "rule"\n')
    result = CliRunner().invoke(app, ["schedule", "ft06", "--config", str(config), "--rule", "fifo", "--no-record", "--json"])
    assert result.exit_code == 0, result.stderr
    assert '"solver": "rule:fifo"' in result.stdout
