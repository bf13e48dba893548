"""Ctrl-C during ``optarium route``: the best routes found so far are kept, verified and recorded; exit 130."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from optarium.store.base import open_store

from ...conftest import interrupt_when

OPTARIUM = str(Path(sys.executable).parent / "optarium")
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "routing"


def interrupt_once_searching(*args: str, after: float = 0.2) -> tuple[int, str, str]:
    """Run ``optarium -v route ARGS --time-limit 60``, send Ctrl-C ``after`` seconds past the log's 'pyvrp started'
    line (the search under way, however long the command took to start); exit code, stdout, stderr."""
    return interrupt_when([OPTARIUM, "-v", "route", *args, "--time-limit", "60"],
                          lambda log: any(line.endswith("pyvrp started\n") for line in log), after=after, timeout=60)


def test_ctrl_c_keeps_the_best_routes_found_so_far(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    code, out, log = interrupt_once_searching(str(EXAMPLES / "X-n101-k25.vrp"), "--json", "--store", store)
    assert code == 130, log
    result = json.loads(out)
    assert result["status"] == "interrupted" and result["verified"] and result["solver"] == "pyvrp", result
    assert sorted(node for route in result["routes"] for node in route) == list(range(1, 101))
    assert result["objective"] is not None and result["gap_to_best_known"] is not None and result["iterations"] > 0
    assert "Traceback" not in log
    recorded = open_store(store).get_run(result["run_id"])
    assert recorded["status"] == "interrupted" and recorded["verified"] and recorded["objective"] == result["objective"]


def test_ctrl_c_shows_the_best_routes_as_interrupted(tmp_path: Path) -> None:
    code, out, log = interrupt_once_searching(str(EXAMPLES / "X-n101-k25.vrp"), "--no-record")
    assert code == 130, log
    assert out.startswith("interrupted: best found so far, cost ") and "verified" in out, out
    assert "Traceback" not in log


def test_ctrl_c_before_any_feasible_routes_is_exit_130_with_nothing_on_stdout(tmp_path: Path) -> None:
    text = (EXAMPLES / "deliveries.csv").read_text().replace("# capacity=30", "# capacity=30\n# vehicles=1")
    (tmp_path / "one_van.csv").write_text(text)  # one van cannot carry every delivery: never feasible
    store = tmp_path / "runs.db"
    code, out, log = interrupt_once_searching(str(tmp_path / "one_van.csv"), "--json", "--store", f"sqlite:///{store}",
                                              after=0.1)
    assert (code, out) == (130, ""), log
    assert log.endswith("\ninterrupted\n") and "Traceback" not in log
    assert not store.exists() or open_store(f"sqlite:///{store}").count_runs() == 0


def test_ctrl_c_while_the_routes_are_drawn_still_shows_them_and_leaves_no_half_picture(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    picture = tmp_path / "routes.png"
    code, out, log = interrupt_when(  # the search ends by itself; the picture is drawn once the run is recorded
        [OPTARIUM, "-v", "route", str(EXAMPLES / "X-n101-k25.vrp"), "--iterations", "50", "--json", "--store", store,
         "--plot", str(picture)], lambda log: any("recorded run" in line for line in log), after=0, timeout=60)
    assert code == 130, log
    result = json.loads(out)
    assert result["status"] == "feasible" and result["verified"] and result["plot"] is None and result["routes"]
    assert log.endswith(f"interrupted: the routes were not drawn to {picture}\n") and "Traceback" not in log
    assert list(tmp_path.glob("*.png")) == [] and list(tmp_path.glob(".*")) == []
    assert open_store(store).get_run(result["run_id"])["status"] == "feasible"


def test_ctrl_c_in_python_returns_the_best_routes_as_interrupted() -> None:
    script = (
        "import logging, sys\n"
        "from optarium.domains.routing.instance import read_instance\n"
        "from optarium.domains.routing.solve import solve_routing\n"
        "logging.basicConfig(level=logging.INFO)\n"
        f"solution = solve_routing(read_instance({str(EXAMPLES / 'X-n101-k25.vrp')!r}), time_limit=60, record=False)\n"
        "print(solution.status, solution.verified, len(solution.payload))\n"
    )
    code, out, log = interrupt_when([sys.executable, "-c", script],
                                    lambda log: any(line.endswith("pyvrp started\n") for line in log), after=0.2)
    assert code == 0, log
    status, verified, routes = out.split()
    assert (status, verified) == ("interrupted", "True") and int(routes) > 0
