"""``--quiet`` on the commands that print progress as they go (solve-stream, tune): nothing on stdout or stderr,
the work done and recorded all the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.learn.generators import write_instances
from optarium.store.base import open_store


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("family")
    write_instances("set_cover", folder, n=4, seed=0, difficulty="easy")
    return folder


def test_solve_stream_quiet_prints_nothing_and_records_every_instance(family: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    result = CliRunner().invoke(app, ["solve-stream", str(family), "--time-cap", "10", "-q", "--store", store])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert open_store(store).count_runs() == 4


def test_tune_quiet_prints_nothing_and_saves_the_configuration(family: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    result = CliRunner().invoke(app, ["tune", str(family), "--budget", "6", "--time-cap", "5", "--quiet", "--store", store])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert [row["name"] for row in open_store(store).list_artifacts()] == ["tuned.highs.set_cover"]
