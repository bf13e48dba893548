"""`--config FILE` on robust, generate, tune, solve-stream, bench audit and serve: a value in the file
reaches the run, a flag given beside it wins, and a key that is no setting is one line and exit code 2."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.learn.generators import generate, write_instances
from optarium.problem.io import write_problem
from optarium.store.base import open_store

from ..domains.robust.problems import short


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def settings_file(folder: Path, text: str) -> Path:
    path = folder / "settings.toml"
    path.write_text(text)
    return path


# each command with the arguments it needs besides --config (made in the test's folder)
def _robust_args(folder: Path) -> list[str]:
    path = folder / "p.robust.json"
    path.write_text(json.dumps(short(upper=10).build().to_dict()))
    return ["robust", str(path), "--no-record"]


def _generate_args(folder: Path) -> list[str]:
    return ["generate", "multiple_knapsack", "--out", str(folder / "out")]


def _tune_args(folder: Path) -> list[str]:
    write_instances("multiple_knapsack", folder / "family", n=4, seed=0)
    return ["tune", str(folder / "family"), "--store", f"sqlite:///{folder / 'store.db'}"]


def _stream_args(folder: Path) -> list[str]:
    write_problem(generate("multiple_knapsack", 0, n_items=8, n_knapsacks=2), folder / "mk0.mps")
    return ["solve-stream", str(folder / "mk0.mps"), "--store", f"sqlite:///{folder / 'store.db'}"]


def _audit_args(folder: Path) -> list[str]:
    model = folder / "gold.lp"
    model.write_text("Maximize\n obj: x + y\nSubject To\n c: x + 2 y <= 4\nBounds\n 0 <= x <= 3\nEnd\n")
    dataset = folder / "set.jsonl"
    dataset.write_text(json.dumps({"id": "one", "answer": 3.5, "gold_model": "gold.lp"}) + "\n")
    return ["bench", "audit", str(dataset)]


def _serve_args(folder: Path) -> list[str]:
    return ["serve", "--store", f"sqlite:///{folder / 'store.db'}"]


COMMANDS = {"robust": _robust_args, "generate": _generate_args, "tune": _tune_args, "solve-stream": _stream_args,
            "bench audit": _audit_args, "serve": _serve_args}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_key_that_is_no_setting_is_one_line_naming_the_file_and_the_key(tmp_path: Path, name: str) -> None:
    path = settings_file(tmp_path, "time_limt = 5\n")
    code, out, err = invoke(*COMMANDS[name](tmp_path), "--config", str(path))
    assert (code, out) == (2, ""), err
    assert err.startswith(f"error: {path}: setting `time_limt` is not a setting; known: ") and err.count("\n") == 1


@pytest.mark.parametrize("name", ["robust", "generate", "bench audit"])
def test_a_wrong_type_or_a_missing_file_is_one_line(tmp_path: Path, name: str) -> None:
    key = {"robust": "seed", "generate": "seed", "bench audit": "time_limit"}[name]
    path = settings_file(tmp_path, f'{key} = "three"\n')
    code, out, err = invoke(*COMMANDS[name](tmp_path), "--config", str(path))
    assert (code, out) == (2, "") and err.startswith(f"error: {path}: setting `{key}` must be ") and err.count("\n") == 1
    code, out, err = invoke(*COMMANDS[name](tmp_path), "--config", str(tmp_path / "absent.toml"))
    assert (code, out, err) == (2, "", f"error: {tmp_path / 'absent.toml'}: no such file\n")


def test_robust_takes_the_time_limit_and_seed_from_the_file_and_a_flag_wins(tmp_path: Path) -> None:
    path = tmp_path / "p.robust.json"
    path.write_text(json.dumps(short(upper=10).build().to_dict()))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    config = settings_file(tmp_path, 'method = "exact"\ntime_limit = 7\nseed = 3\n')
    code, out, err = invoke("robust", str(path), "--config", str(config), "--seed", "5", "--json", "--store", url)
    assert code == 0, err
    run = open_store(url).get_run(json.loads(out)["run_id"])
    assert run["params"] == {"time_limit": 7.0, "seed": 5}


def test_robust_names_the_file_for_a_bad_value_in_it_and_the_flag_for_a_bad_flag(tmp_path: Path) -> None:
    args = _robust_args(tmp_path)
    config = settings_file(tmp_path, 'method = "guess"\n')
    code, out, err = invoke(*args, "--config", str(config))
    assert (code, out, err) == (2, "", f"error: {config}: setting `method` must be one of exact, learned, got 'guess'\n")
    code, out, err = invoke(*args, "--method", "guess")
    assert (code, out, err) == (2, "", "error: option `--method` must be one of exact, learned, got 'guess'\n")


def test_generate_takes_its_settings_from_the_file_and_a_flag_wins(tmp_path: Path) -> None:
    config = settings_file(tmp_path, 'n = 2\nseed = 4\ndifficulty = "easy"\n')
    code, out, err = invoke(*_generate_args(tmp_path), "--config", str(config), "--n", "1", "--json")
    assert code == 0, err
    manifest = json.loads(out)
    assert (len(manifest["instances"]), manifest["seed"], manifest["difficulty"]) == (1, 4, "easy")


def test_tune_takes_the_budget_from_the_file_and_a_flag_wins(tmp_path: Path) -> None:
    args = _tune_args(tmp_path)
    config = settings_file(tmp_path, 'budget = 2\nsolver = "highs"\n')
    # the file's budget reaches the tuner, which finds it too small for the training instances: the file is named
    code, out, err = invoke(*args, "--config", str(config))
    assert (code, out) == (2, "") and err.startswith(f"error: {config}: setting `budget` must be at least ")
    assert err.endswith(", got 2\n") and err.count("\n") == 1
    code, out, err = invoke(*args, "--config", str(config), "--budget", "3")
    assert (code, out) == (2, "") and err.startswith("error: option `--budget` must be at least ") and err.endswith(", got 3\n")
    code, out, err = invoke(*args)
    assert (code, out, err) == (2, "", "error: option `--budget` must be a positive number of capped training runs "
                                       "(or `budget` in the --config file), got None\n")
    assert not (tmp_path / "store.db").exists()


def test_solve_stream_takes_its_policy_from_the_file_and_a_flag_wins(tmp_path: Path) -> None:
    args = _stream_args(tmp_path)
    config = settings_file(tmp_path, 'policy = "fixed"\ntime_cap = 10\nthreads = 1\n')
    code, out, err = invoke(*args, "--config", str(config), "--json")
    assert code == 0, err
    assert json.loads(out)["policy"] == "fixed"
    code, out, err = invoke(*args, "--config", str(config), "--policy", "bandit", "--json")
    assert code == 0, err
    assert json.loads(out)["policy"] == "bandit"


def test_bench_audit_takes_its_solvers_from_the_file_and_a_flag_wins(tmp_path: Path) -> None:
    args = _audit_args(tmp_path)
    config = settings_file(tmp_path, 'solvers = "highs"\ntime_limit = 5\n')
    code, out, err = invoke(*args, "--config", str(config), "--json")
    assert code == 0, err
    assert json.loads(out)["solvers"] == ["highs"]
    code, out, err = invoke(*args, "--config", str(config), "--solvers", "highs,highs", "--json")
    assert code == 0, err
    assert json.loads(out)["solvers"] == ["highs", "highs"]
    config = settings_file(tmp_path, "jobs = 2\n")
    code, out, err = invoke(*args, "--config", str(config))
    assert (code, out, err) == (2, "", "error: option `--jobs` must be 1 without --ray (records are audited one after "
                                       "another here), got 2\n")


def test_bench_audit_names_the_file_for_an_unknown_backend_in_it_and_the_flag_for_one_given_as_a_flag(tmp_path: Path) -> None:
    args = _audit_args(tmp_path)
    config = settings_file(tmp_path, 'solvers = "highs,gurobi"\n')
    code, out, err = invoke(*args, "--config", str(config))
    assert (code, out, err) == (2, "", f"error: {config}: setting `solvers` must be comma-separated backend names among "
                                       "highs, scip, cpsat, got 'highs,gurobi'\n")
    code, out, err = invoke(*args, "--solvers", "gurobi")
    assert (code, out, err) == (2, "", "error: option `--solvers` must be comma-separated backend names among highs, scip, "
                                       "cpsat, got 'gurobi'\n")


def test_serve_takes_its_port_from_the_file_and_a_flag_wins(tmp_path: Path) -> None:
    # both ports are taken, so the command stops at its port check and never serves
    with socket.socket() as first, socket.socket() as second:
        first.bind(("127.0.0.1", 0))
        second.bind(("127.0.0.1", 0))
        config = settings_file(tmp_path, f'host = "127.0.0.1"\nport = {first.getsockname()[1]}\nworkers = 1\n')
        code, out, err = invoke(*_serve_args(tmp_path), "--config", str(config))
        assert (code, out) == (2, "") and err.startswith(f"error: {config}: setting `port` must be a free port")
        assert err.count("\n") == 1 and err.endswith(f"got {first.getsockname()[1]}\n")
        code, out, err = invoke(*_serve_args(tmp_path), "--config", str(config), "--port", str(second.getsockname()[1]))
        assert (code, out) == (2, "") and err.startswith("error: option `--port` must be a free port")
        assert err.count("\n") == 1 and err.endswith(f"got {second.getsockname()[1]}\n")
    assert not (tmp_path / "store.db").exists()


def test_serve_refuses_a_public_host_in_the_file_without_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPTARIUM_TOKENS", raising=False)
    monkeypatch.delenv("OPTARIUM_TOKENS_FILE", raising=False)
    config = settings_file(tmp_path, 'host = "0.0.0.0"\n')
    code, out, err = invoke(*_serve_args(tmp_path), "--config", str(config))
    assert (code, out) == (2, "") and err.startswith(f"error: {config}: setting `host` must be a loopback address")
    assert err.count("\n") == 1
