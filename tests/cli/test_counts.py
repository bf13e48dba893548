"""Counts given on the command line (``--limit``, ``--workers``, ``--rounds``) below their least value: one line in the
words every other option uses (``option `--limit` must be a positive integer, got 0``), exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.main import app

FORMULATE = Path(__file__).resolve().parents[2] / "examples" / "formulate"
NL = ["bench", "nl", str(FORMULATE / "problems.jsonl"), "--replay", str(FORMULATE / "answers"), "--no-record"]
# an endpoint nobody answers: each command must refuse its options before it asks anything
LLM = ["--llm-url", "http://127.0.0.1:9/v1", "--llm-model", "m"]


@pytest.mark.parametrize(
    ("args", "said"),
    [(["runs", "list", "--limit", "0"], "option `--limit` must be a positive integer, got 0"),
     (["runs", "export", "-n", "-2"], "option `--limit` must be a positive integer, got -2"),
     ([*NL, "--workers", "0"], "option `--workers` must be a positive integer, got 0"),
     ([*NL, "--limit", "0"], "option `--limit` must be a positive integer, got 0"),
     ([*NL, "--rounds", "-1"], "option `--rounds` must be a non-negative integer, got -1"),
     (["formulate", "run", str(FORMULATE / "breakfast.txt"), *LLM, "--rounds", "-1"],
      "option `--rounds` must be a non-negative integer, got -1"),
     (["formulate", "learn", str(FORMULATE / "problems.jsonl"), *LLM, "--limit", "0"],
      "option `--limit` must be a positive integer, got 0")],
)
def test_a_count_below_its_least_value_is_said_as_every_other_option_says_it(tmp_path: Path, args: list[str], said: str) -> None:
    result = CliRunner().invoke(app, [*args, "--store", f"sqlite:///{tmp_path / 's.db'}"])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"error: {said}\n")
    assert not (tmp_path / "s.db").exists()
