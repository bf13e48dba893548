"""``optarium tune``: settings the tuning study cannot take are refused before any instance is solved."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.learn.generators import write_instances


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("family")
    write_instances("set_cover", folder, n=4, seed=0, difficulty="easy")
    return folder


@pytest.mark.parametrize(
    ("flags", "said"),
    [(["--sampler", "ehvi"], "option `--sampler` must be one of auto, sobol, random, gp, cmaes, cbo, zo_rank, tpe, got 'ehvi'"),
     (["--sampler", "gpp"], "option `--sampler` must be one of auto, sobol, random, gp, cmaes, cbo, zo_rank, tpe, got 'gpp'"),
     (["--seed", str(2**31)], "option `--seed` must be an integer in [0, 2^31), got 2147483648")],
)
def test_a_sampler_or_seed_the_study_cannot_take_is_refused_before_the_defaults_run(
    family: Path, tmp_path: Path, flags: list[str], said: str
) -> None:
    store = tmp_path / "s.db"
    result = CliRunner().invoke(app, ["tune", str(family), "--budget", "6", "--time-cap", "5", *flags,
                                      "--store", f"sqlite:///{store}"])
    assert result.exit_code == 2, result.stderr
    assert result.stderr == f"error: {said}\n"  # no "defaults first" line: nothing was solved
    assert not store.exists()


def test_a_sampler_from_the_settings_file_is_named_by_its_key(family: Path, tmp_path: Path) -> None:
    config = tmp_path / "tune.toml"
    config.write_text('sampler = "nsga2"\nbudget = 6\n')
    result = CliRunner().invoke(app, ["tune", str(family), "--config", str(config), "--store", f"sqlite:///{tmp_path / 's.db'}"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {config}: setting `sampler` must be one of auto,")
