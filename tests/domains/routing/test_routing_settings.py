"""Routing settings: checked where built, read from TOML, errors name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.domains.routing import RouteSettings, WarmStartOptions
from optarium.errors import OptionError, SettingsFileError


def test_a_settings_file_with_a_warm_table_is_read(tmp_path: Path) -> None:
    path = tmp_path / "route.toml"
    path.write_text("time_limit = 5\nseed = 3\nwarm_start = true\n[warm]\nneighbours = 20\nfleet_share = 0\n")
    settings = RouteSettings.from_file(path)
    assert settings == RouteSettings(time_limit=5.0, seed=3, warm_start=True,
                                     warm=WarmStartOptions(neighbours=20, fleet_share=0.0))
    assert settings.replace(seed=4, iterations=None).seed == 4 and settings.replace(seed=4).time_limit == 5.0


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("time_limit = 5\ncolour = 'red'\n", "colour", "is not a setting"),
        ("seed = 'one'\n", "seed", "must be int"),
        ("time_limit = 0\n", "time_limit", "must be a positive number of seconds"),
        ("[warm]\nstarts = 0\n", "warm.starts", "must be a positive integer"),
        ("[warm]\nfleet_share = 1.5\n", "warm.fleet_share", "must be a share in [0, 1)"),
        ("[warm]\nneighbors = 10\n", "warm.neighbors", "is not a setting"),
        ("warm = 3\n", "warm", "must be a table"),
    ],
)
def test_a_bad_settings_file_names_the_key_and_the_file(tmp_path: Path, text: str, key: str, problem: str) -> None:
    path = tmp_path / "route.toml"
    path.write_text(text)
    with pytest.raises(SettingsFileError) as caught:
        RouteSettings.from_file(path)
    assert caught.value.key == key and problem in caught.value.problem
    assert str(path) in str(caught.value)


def test_settings_refuse_values_out_of_range_naming_the_parameter() -> None:
    with pytest.raises(OptionError, match="option `iterations` must be a positive integer"):
        RouteSettings(iterations=0)
    with pytest.raises(OptionError, match="option `seed` must be a non-negative integer"):
        RouteSettings(seed=-1)
    with pytest.raises(OptionError, match="option `neighbours`"):
        WarmStartOptions(neighbours=0)


def test_the_default_budget_is_ten_seconds_unless_iterations_are_given() -> None:
    assert RouteSettings().budget_seconds == 10.0
    assert RouteSettings(iterations=100).budget_seconds is None
    assert RouteSettings(iterations=100, time_limit=2).budget_seconds == 2


def test_a_run_keeps_the_warm_options_only_with_a_warm_start() -> None:
    assert RouteSettings(seed=2).recorded() == {"time_limit": None, "iterations": None, "seed": 2, "warm_start": False}
    assert RouteSettings(warm_start=True).recorded()["warm"]["neighbours"] == 30
