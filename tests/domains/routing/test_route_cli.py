"""``optarium route`` through a real subprocess: JSON, plot, warm start, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

OPTARIUM = str(Path(sys.executable).parent / "optarium")
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "routing"


def _route(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, "route", *args], capture_output=True, text=True, timeout=120)


def test_route_json_reports_cost_gap_verified_routes_and_run(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    picture = tmp_path / "routes.png"
    done = _route(str(EXAMPLES / "X-n101-k25.vrp"), "--time-limit", "1", "--seed", "3", "--json",
                  "--store", store, "--plot", str(picture))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["kind"] == "routing" and out["status"] == "feasible" and out["verified"] is True
    assert out["best_known"] == 27591 and out["name"] == "X-n101-k25" and out["solver"] == "pyvrp"
    assert out["gap_to_best_known"] == pytest.approx((out["objective"] - 27591) / 27591)
    assert sorted(node for route in out["routes"] for node in route) == list(range(1, 101))
    assert out["num_routes"] == len(out["routes"]) and out["seed"] == 3 and out["warm_start"] is False
    assert out["run_id"] == 1 and out["seconds"] > 0 and out["violations"] == []
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    warm = _route(str(EXAMPLES / "deliveries.csv"), "-t", "1", "--warm-start", "--json", "--store", store)
    assert warm.returncode == 0, warm.stderr
    warm_out = json.loads(warm.stdout)
    assert warm_out["verified"] and warm_out["warm_start"] and warm_out["gap_to_best_known"] is None
    assert "learned from 1 stored instance(s)" in warm_out["message"]
    assert warm_out["plan"]["source"] == "learned" and "routing.edge_policy v1" in warm_out["plan_reason"]


def test_route_reads_a_config_file_and_flags_override_it(tmp_path: Path) -> None:
    config = tmp_path / "route.toml"
    config.write_text("iterations = 300\nseed = 5\nwarm_start = true\n[warm]\nstarts = 1\n")
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    done = _route(str(EXAMPLES / "deliveries.csv"), "--config", str(config), "--seed", "2", "--json", "--store", store)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["iterations"] == 300 and out["seed"] == 2 and out["warm_start"] is True
    from optarium.store.base import open_store

    params = open_store(store).get_run(out["run_id"])["params"]
    assert params["seed"] == 2 and params["iterations"] == 300 and params["warm"]["starts"] == 1


def test_route_prints_a_readable_summary(tmp_path: Path) -> None:
    done = _route(str(EXAMPLES / "deliveries_tw.csv"), "-t", "1", "--store", f"sqlite:///{tmp_path / 'r.db'}")
    assert done.returncode == 0, done.stderr
    assert "verified" in done.stdout and "routes" in done.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--time-limit", "0", "--plot", "out.png"], "option `--time-limit` must be a positive number of seconds, got 0.0"),
        (["--capacity", "5", "--plot", "out.png"], "client 1 has demand 7 above the vehicle capacity 5"),
        (["--plot", "out.jpg"], "option `--plot` must be a file name ending in .png, .svg or .pdf, got 'out.jpg'"),
    ],
)
def test_bad_options_exit_2_with_one_line_and_write_nothing(tmp_path: Path, args: list[str], expected: str) -> None:
    store = tmp_path / "runs.db"
    done = subprocess.run([OPTARIUM, "route", str(EXAMPLES / "deliveries.csv"), *args, "--store", f"sqlite:///{store}"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2
    assert expected in done.stderr and done.stderr.startswith("error: ")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out.jpg").exists()
    if store.exists():
        from optarium.store.base import open_store

        assert open_store(f"sqlite:///{store}").count_runs() == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("time_limit = 1\ncolour = 'red'\n", "setting `colour` is not a setting"),
        ("[warm]\nneighbors = 10\n", "setting `warm.neighbors` is not a setting"),
        ("time_limit = -2\n", "setting `time_limit` must be a positive number of seconds, got -2.0"),
    ],
)
def test_a_bad_config_file_exits_2_naming_the_key_and_the_file(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "route.toml"
    config.write_text(text)
    store = tmp_path / "runs.db"
    done = _route(str(EXAMPLES / "deliveries.csv"), "--config", str(config), "--store", f"sqlite:///{store}")
    assert done.returncode == 2 and done.stderr.startswith(f"error: {config}: {expected}")
    assert len(done.stderr.strip().splitlines()) == 1
    if store.exists():
        from optarium.store.base import open_store

        assert open_store(f"sqlite:///{store}").count_runs() == 0


def test_malformed_and_missing_files_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.vrp"
    broken.write_text("NAME : broken\nTYPE : CVRP\nDIMENSION : 3\nNODE_COORD_SECTION\n1 0\nwhat\n")
    done = _route(str(broken))
    assert done.returncode == 2 and "broken.vrp" in done.stderr and "not a readable VRPLIB instance" in done.stderr
    missing = _route(str(tmp_path / "absent.csv"))
    assert missing.returncode == 2 and "absent.csv: no such file" in missing.stderr


def test_no_feasible_solution_exits_1_with_its_status(tmp_path: Path) -> None:
    text = (EXAMPLES / "deliveries.csv").read_text().replace("# capacity=30", "# capacity=30\n# vehicles=1")
    (tmp_path / "one_van.csv").write_text(text)
    done = _route(str(tmp_path / "one_van.csv"), "--iterations", "100", "--json", "--store", f"sqlite:///{tmp_path / 'r.db'}")
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert out["status"] == "time_limit" and out["routes"] == [] and out["objective"] is None
