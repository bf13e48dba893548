"""Checked settings: the ``Settings`` base, ``SolveSettings`` and ``optarium solve --config``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from optarium.errors import InputFileError, OptionError, SettingsFileError
from optarium.settings import EquivSettings, Settings, SolveSettings, positive
from optarium.solvers.base import SolveOptions
from optarium.store.base import open_store

OPTARIUM = str(Path(sys.executable).parent / "optarium")
KNAPSACK = Path(__file__).resolve().parents[1] / "examples" / "knapsack.lp"


@dataclass(frozen=True)
class Example(Settings):
    rate: float = 1.0
    count: int | None = None
    mode: Literal["fast", "slow"] = "fast"
    tags: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        positive("rate", self.rate)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_from_file_reads_python_names_and_takes_an_int_for_a_float(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", 'rate = 2\ncount = 3\nmode = "slow"\n[tags]\nowner = "ops"\n')
    settings = Example.from_file(path)
    assert settings == Example(rate=2.0, count=3, mode="slow", tags={"owner": "ops"})
    assert isinstance(settings.rate, float)


def test_unknown_key_names_the_key_and_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", "rat = 2\n")
    with pytest.raises(SettingsFileError) as caught:
        Example.from_file(path)
    assert caught.value.key == "rat" and str(path) in str(caught.value) and "`rat`" in str(caught.value)
    assert "known: count, mode, rate, tags" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [('rate = "fast"\n', "rate"), ("count = 1.5\n", "count"), ("count = true\n", "count"), ('mode = "medium"\n', "mode")],
)
def test_wrong_type_names_the_key_and_the_file(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path / "s.toml", text)
    with pytest.raises(SettingsFileError) as caught:
        Example.from_file(path)
    assert caught.value.key == key and str(path) in str(caught.value)
    assert "NoneType" not in str(caught.value)


def test_out_of_range_value_names_the_key_and_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", "rate = -1\n")
    with pytest.raises(SettingsFileError) as caught:
        Example.from_file(path)
    assert caught.value.key == "rate" and "a positive number" in str(caught.value) and str(path) in str(caught.value)


def test_one_table_of_a_file(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", "[example]\nrate = 0.5\n[other]\nanything = 1\n")
    assert Example.from_file(path, table="example").rate == 0.5
    assert Example.from_file(path, table="absent") == Example()
    with pytest.raises(SettingsFileError, match="`other`"):
        Example.from_file(write(tmp_path / "t.toml", "other = 1\n"), table="other")


def test_missing_file_is_an_input_file_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"absent\.toml: no such file"):
        Example.from_file(tmp_path / "absent.toml")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", "rate = \n")
    with pytest.raises(SettingsFileError, match="is not valid TOML") as caught:
        Example.from_file(path)
    assert caught.value.key is None and str(path) in str(caught.value)


def test_replace_checks_and_leaves_out_none() -> None:
    settings = Example(rate=2.0)
    assert settings.replace(rate=None, count=4) == Example(rate=2.0, count=4)
    with pytest.raises(OptionError, match="`rate`"):
        settings.replace(rate=0.0)
    assert Example(count=1).to_dict() == {"rate": 1.0, "count": 1, "mode": "fast", "tags": {}}


def test_solve_settings_check_ranges_with_python_names() -> None:
    assert SolveSettings().options() == SolveOptions()
    for bad in ({"time_limit": 0.0}, {"rel_gap": 1.0}, {"threads": 0}, {"seed": -1}, {"solver": ""}):
        with pytest.raises(OptionError) as caught:
            SolveSettings(**bad)  # type: ignore[arg-type]
        assert caught.value.name == next(iter(bad))
    with pytest.raises(OptionError, match=r"params\.x"):
        SolveSettings(params={"x": [1]})
    settings = SolveSettings(time_limit=5, threads=2, params={"presolve": "off"})
    assert settings.options() == SolveOptions(time_limit=5, threads=2, params={"presolve": "off"})


def test_equiv_settings_refuse_a_non_positive_time_limit(tmp_path: Path) -> None:
    with pytest.raises(SettingsFileError, match="time_limit"):
        EquivSettings.from_file(write(tmp_path / "e.toml", "time_limit = 0\n"))


def run(*args: str, store: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPTARIUM_STORE": store}
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, env=env, timeout=120, cwd=cwd)


def test_solve_config_file_is_read_and_flags_override_it(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    config = write(tmp_path / "solve.toml", 'solver = "scip"\ntime_limit = 30\nrecord = false\n')
    done = run("solve", str(KNAPSACK), "--config", str(config), "--json", store=store, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["solver"] == "scip" and result["run_id"] is None and result["plan"]["source"] == "user"
    write(config, 'solver = "scip"\nrecord = false\n[params]\npresolve = "off"\n')
    done = run("solve", str(KNAPSACK), "--config", str(config), "--solver", "highs", "--record", "--json",
               store=store, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["solver"] == "highs" and result["objective"] == pytest.approx(32.0)
    run_row = open_store(store).get_run(result["run_id"])
    assert run_row["params"]["params"] == {"presolve": "off"}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('solvr = "highs"\n', "setting `solvr` is not a setting"),
        ('time_limit = "ten"\n', "setting `time_limit` must be float"),
        ("rel_gap = 2\n", "setting `rel_gap` must be in [0, 1)"),
        ("threads = 0\n", "setting `threads` must be a positive integer"),
        ("time_limit = \n", "is not valid TOML"),
    ],
)
def test_bad_solve_config_is_one_line_naming_key_and_file_and_exit_2(tmp_path: Path, text: str, fragment: str) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    config = write(tmp_path / "solve.toml", text)
    done = run("solve", str(KNAPSACK), "--config", str(config), store=store, cwd=tmp_path)
    assert done.returncode == 2
    assert fragment in done.stderr and str(config) in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "s.db").exists() or open_store(store).count_runs() == 0


def test_missing_solve_config_is_exit_2(tmp_path: Path) -> None:
    done = run("solve", str(KNAPSACK), "--config", "absent.toml", store=f"sqlite:///{tmp_path / 's.db'}", cwd=tmp_path)
    assert done.returncode == 2 and "absent.toml: no such file" in done.stderr
