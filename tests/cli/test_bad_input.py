"""Bad input through the real CLI: one line on stderr, exit code 2, nothing recorded."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import optarium.api
from optarium.cli.solve import SOLVE_FLAGS
from optarium.errors import OptionError
from optarium.store.base import open_store

OPTARIUM = str(Path(sys.executable).parent / "optarium")
KNAPSACK_LP = "Maximize\n obj: 3 x + 2 y\nSubject To\n c1: x + y <= 4\nBounds\n x <= 3\n y <= 3\nEnd\n"
MPS_HEAD = "NAME bad\nROWS\n N obj\n L c1\n L c2\nCOLUMNS\n"
MPS_TAIL = "RHS\n rhs c1 4 c2 3\nBOUNDS\n UP bnd x 10\n UP bnd y 10\nENDATA\n"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPTARIUM_STORE": f"sqlite:///{tmp_path / 's.db'}"}
    env.pop("OPTARIUM_DEBUG", None)
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)


def assert_refused(done: subprocess.CompletedProcess[str], tmp_path: Path, *fragments: str) -> None:
    """One line on stderr that says what is wrong, exit code 2, no run in the store."""
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    if (tmp_path / "s.db").exists():
        assert open_store(f"sqlite:///{tmp_path / 's.db'}").count_runs() == 0


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "knapsack.lp"
    path.write_text(KNAPSACK_LP)
    return path


@pytest.mark.parametrize(
    ("param", "flag"),
    [("time_limit=-5", "--time-limit"), ("threads=2", "--threads"), ("seed=1", "--seed"), ("record=false", "--record"),
     ("store=memory://", "--store"), ("rel_gap=0.1", "--gap"), ("cross_check=true", "--cross-check"), ("planner=x", "`planner`")],
)
def test_a_param_naming_a_solve_argument_is_refused_naming_the_flag(tmp_path: Path, model: Path, param: str, flag: str) -> None:
    assert_refused(run(tmp_path, "solve", str(model), "--param", param), tmp_path, "--param", flag)


def test_a_params_table_naming_a_solve_argument_is_refused_naming_the_file(tmp_path: Path, model: Path) -> None:
    (tmp_path / "solve.toml").write_text('solver = "highs"\n[params]\nthreads = 2\n')
    done = run(tmp_path, "solve", str(model), "--config", "solve.toml")
    assert_refused(done, tmp_path, "solve.toml", "params.threads")


def test_the_library_names_the_solve_arguments_a_backend_param_may_not_take() -> None:
    named = [name for name, parameter in inspect.signature(optarium.api.solve).parameters.items()
             if parameter.kind is not inspect.Parameter.VAR_KEYWORD]
    assert sorted(optarium.api.SOLVE_ARGUMENTS) == sorted(named) == sorted(SOLVE_FLAGS)
    optarium.api.check_params({"presolve": "off"})
    with pytest.raises(OptionError, match=r"`time_limit`.*solve\(\)'s own argument"):
        optarium.api.check_params({"presolve": "off", "time_limit": -5})


def test_an_output_file_in_a_missing_folder_is_refused_before_solving(tmp_path: Path, model: Path) -> None:
    done = run(tmp_path, "solve", str(model), "-o", str(tmp_path / "nonexistent" / "dir" / "x.json"))
    assert_refused(done, tmp_path, "--output", "existing folder")
    assert not (tmp_path / "s.db").exists() or open_store(f"sqlite:///{tmp_path / 's.db'}").count_runs() == 0


def test_an_output_that_is_a_folder_is_refused(tmp_path: Path, model: Path) -> None:
    (tmp_path / "out.json").mkdir()
    assert_refused(run(tmp_path, "solve", str(model), "-o", "out.json"), tmp_path, "--output", "not a folder")


def test_a_job_shop_duration_too_large_is_refused_with_the_line(tmp_path: Path) -> None:
    (tmp_path / "shop.txt").write_text("2 2\n0 99999999999999999999 1 3\n1 2 0 4\n")
    assert_refused(run(tmp_path, "schedule", "shop.txt", "--method", "rule"), tmp_path, "shop.txt:2", "too large")


def vrplib(dimension: int, nodes: int) -> str:
    coords = "".join(f"{i + 1} {10 * i} {5 * i}\n" for i in range(nodes))
    demands = "".join(f"{i + 1} {0 if i == 0 else 1}\n" for i in range(nodes))
    return (f"NAME : small\nTYPE : CVRP\nDIMENSION : {dimension}\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\n"
            f"NODE_COORD_SECTION\n{coords}DEMAND_SECTION\n{demands}DEPOT_SECTION\n1\n-1\nEOF\n")


@pytest.mark.parametrize("limit", ["inf", "nan", "-inf"])
def test_a_route_time_limit_that_is_not_finite_is_refused(tmp_path: Path, limit: str) -> None:
    (tmp_path / "small.vrp").write_text(vrplib(6, 6))
    assert_refused(run(tmp_path, "route", "small.vrp", "--time-limit", limit), tmp_path, "--time-limit")


@pytest.mark.parametrize("dimension", [500, 3])
def test_a_vrplib_dimension_that_disagrees_with_the_sections_is_refused(tmp_path: Path, dimension: int) -> None:
    (tmp_path / "small.vrp").write_text(vrplib(dimension, 6))
    done = run(tmp_path, "route", "small.vrp", "--iterations", "10")
    assert_refused(done, tmp_path, "small.vrp", f"DIMENSION is {dimension}", "6 nodes")


def test_a_consistent_vrplib_file_still_solves(tmp_path: Path) -> None:
    (tmp_path / "small.vrp").write_text(vrplib(6, 6))
    done = run(tmp_path, "route", "small.vrp", "--iterations", "10", "--no-record")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("columns", "fragments"),
    [
        (" x obj -1 c1 1\n x c1 2\n y obj -1 c1 1\n", ("bad.mps:8", "second entry in row 'c1'")),
        (" x obj -1 c1 1\n y obj -1 c1 1\n x c2 1\n", ("bad.mps:9", "column 'x' continues here")),
    ],
)
@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_mps_entries_a_reader_would_drop_are_refused(tmp_path: Path, columns: str, fragments: tuple[str, ...], solver: str) -> None:
    (tmp_path / "bad.mps").write_text(MPS_HEAD + columns + MPS_TAIL)
    assert_refused(run(tmp_path, "solve", "bad.mps", "--solver", solver), tmp_path, *fragments)


def test_an_lp_variable_and_row_named_nan_solve(tmp_path: Path) -> None:
    (tmp_path / "nan.lp").write_text("Minimize\n obj: x + nan\nSubject To\n nan: x + nan >= 2\nEnd\n")
    done = run(tmp_path, "solve", "nan.lp", "--no-record")
    assert done.returncode == 0, done.stderr
    assert "optimal" in done.stdout and "objective 2\n" in done.stdout


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_and_keeps_exit_code_2(tmp_path: Path, where: str) -> None:
    args = ["--debug", "solve", "missing.mps"] if where == "before" else ["solve", "missing.mps", "--debug"]
    done = run(tmp_path, *args)
    assert done.returncode == 2
    assert "Traceback" in done.stderr and done.stderr.strip().splitlines()[-1] == "error: missing.mps: no such file"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["solve", "x.lp", "--threads", "abc"], "--threads"),
        (["runs", "list", "--limit", "0"], "--limit"),
        (["solve", "x.lp", "--bogus"], "--bogus"),
        (["bogus"], "bogus"),
        (["solve"], "MODEL"),
        (["schedule", "ft06", "--time-limit", "soon"], "--time-limit"),
    ],
)
def test_usage_errors_are_one_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    done = run(tmp_path, *args)
    assert_refused(done, tmp_path, fragment)
    assert "Usage:" not in done.stderr and "--help" not in done.stderr


def test_help_still_works_and_no_arguments_show_it(tmp_path: Path) -> None:
    done = run(tmp_path, "--help")
    assert done.returncode == 0 and "Usage: optarium" in done.stdout and "solve" in done.stdout
    assert run(tmp_path, "solve", "--help").stdout.startswith("Usage: optarium solve")
    bare = run(tmp_path)
    assert "Usage: optarium" in bare.stdout + bare.stderr and "solve" in bare.stdout + bare.stderr
    assert run(tmp_path, "--version").stdout.startswith("optarium ")


def test_route_refuses_a_seed_beyond_32_bits_in_one_line(tmp_path: Path) -> None:
    deliveries = Path(__file__).resolve().parents[2] / "examples" / "routing" / "deliveries.csv"
    done = run(tmp_path, "route", str(deliveries), "--iterations", "10", "--seed", str(2**32))
    assert_refused(done, tmp_path, "option `--seed` must be an integer in [0, 2147483648), got 4294967296")


@pytest.mark.parametrize(("solver", "expected"), [("highs", "a valid HiGHS option"), ("scip", "a valid SCIP parameter")])
def test_a_backend_parameter_the_backend_refuses_names_the_param_flag_or_the_file(
    tmp_path: Path, model: Path, solver: str, expected: str
) -> None:
    from typer.testing import CliRunner

    from optarium.cli.main import app

    store = ["--store", f"sqlite:///{tmp_path / 's.db'}"]
    flag = CliRunner().invoke(app, ["solve", str(model), "--solver", solver, "--param", "no_such_option=3", *store])
    assert (flag.exit_code, flag.stdout) == (2, "")
    assert flag.stderr.startswith(f"error: option `--param` must be {expected}") and flag.stderr.endswith(", got 'no_such_option=3'\n")
    (tmp_path / "solve.toml").write_text(f'solver = "{solver}"\n[params]\nno_such_option = 3\n')
    file = CliRunner().invoke(app, ["solve", str(model), "--config", str(tmp_path / "solve.toml"), *store])
    assert (file.exit_code, file.stdout) == (2, "")
    assert file.stderr.startswith(f"error: {tmp_path / 'solve.toml'}: setting `params.no_such_option` must be {expected}")
    assert open_store(f"sqlite:///{tmp_path / 's.db'}").count_runs() == 0


def test_a_tuned_parameter_the_backend_refuses_is_not_blamed_on_the_param_flag_or_the_file(tmp_path: Path) -> None:
    """A parameter from the plan (here a stored tuned configuration) the user never passed keeps the backend's words."""
    from typer.testing import CliRunner

    from optarium.cli.main import app
    from optarium.learn.generators import generate
    from optarium.learn.recognise import COORDINATES, centroid, feature_vector
    from optarium.problem.io import write_problem
    from optarium.solvers import registry

    sizes = {"n_items": 10, "n_knapsacks": 2}
    url = f"sqlite:///{tmp_path / 's.db'}"
    vectors = [feature_vector(generate("multiple_knapsack", seed, **sizes).features()) for seed in range(4)]
    open_store(url).save_artifact("tuned.highs.multiple_knapsack", b"{}", {
        "family": "multiple_knapsack", "solver": "highs", "solver_version": registry.get("highs").version(),
        "params": {"no_such_option": 3}, "centroid": centroid(vectors), "coordinates": list(COORDINATES),
    })
    model = tmp_path / "mk.mps"
    write_problem(generate("multiple_knapsack", 99, **sizes), model)
    (tmp_path / "solve.toml").write_text("[params]\npresolve = \"on\"\n")
    said = "error: option `highs:no_such_option` must be a valid HiGHS option (see the HiGHS options list), got 3\n"
    for flags in ([], ["--param", "presolve=on"], ["--config", str(tmp_path / "solve.toml")]):
        done = CliRunner().invoke(app, ["solve", str(model), "--store", url, *flags])
        assert (done.exit_code, done.stdout, done.stderr) == (2, "", said), flags
    assert open_store(url).count_runs() == 0


@pytest.mark.parametrize("best_known", ["nan", "inf", "0", "-5"])
def test_route_refuses_a_best_known_cost_that_is_not_a_positive_number(tmp_path: Path, best_known: str) -> None:
    from typer.testing import CliRunner

    from optarium.cli.main import app

    deliveries = Path(__file__).resolve().parents[2] / "examples" / "routing" / "deliveries.csv"
    store = tmp_path / "s.db"
    result = CliRunner().invoke(app, ["route", str(deliveries), "--iterations", "10", "--best-known", best_known, "--json",
                                      "--store", f"sqlite:///{store}"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: option `--best-known` must be a positive number, got {float(best_known)}\n"
    assert not store.exists()
