"""`optarium runs list --kind` and `optarium runs show` with its plan and check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optarium

OPTARIUM = str(Path(sys.executable).parent / "optarium")
KNAPSACK = Path(__file__).resolve().parents[2] / "examples" / "knapsack.lp"
ROUTING = Path(__file__).resolve().parents[1] / "domains" / "routing" / "data" / "X-n101-k25.vrp"


def run(*args: str, store: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPTARIUM_STORE": store}
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, env=env, timeout=120)


def test_runs_list_filters_by_kind_and_show_gives_plan_and_reader(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    solution = optarium.solve(KNAPSACK, store=store)
    assert solution.run_id is not None
    mine = json.loads(run("runs", "list", "--kind", "math_program", "--json", store=store).stdout)
    assert [row["id"] for row in mine] == [solution.run_id]
    assert json.loads(run("runs", "list", "--kind", "routing", "--json", store=store).stdout) == []
    shown = run("runs", "show", str(solution.run_id), store=store)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "plan:" in text and "source: rules" in text and f"reason: {solution.plan_reason}" in text
    assert "verification:" in text and "reader: highs" in text and "verified: yes" in text


def test_runs_show_prints_readable_fields_and_summarises_long_data(tmp_path: Path) -> None:
    from optarium.domains.routing.instance import read_instance
    from optarium.domains.routing.solve import solve_routing

    store = f"sqlite:///{tmp_path / 's.db'}"
    solved = optarium.solve(KNAPSACK, store=store)
    instance = read_instance(ROUTING)
    routed = solve_routing(instance, iterations=200, store=store)
    text = run("runs", "show", str(solved.run_id), store=store).stdout
    for python_repr in ("True", "False", "None", "{'", "['"):
        assert python_repr not in text, python_repr
    assert "status: optimal" in text and "solver: highs" in text and "timings:" in text
    shown = run("runs", "show", str(routed.run_id), store=store)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert max(len(line) for line in lines) < 400  # the routes, the trace and the instance are summarised
    routes = next(line for line in lines if line.strip().startswith("routes:"))
    assert f"{len(routed.payload or [])} items" in routes and "(all with --json)" in routes
    whole = json.loads(run("runs", "show", str(routed.run_id), "--json", store=store).stdout)
    assert whole["extra"]["routes"] == routed.payload and len(whole["extra"]["trace"]) >= 1


def test_a_status_or_kind_no_run_can_have_is_refused_not_listed_as_nothing(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from optarium.cli.main import app

    store = f"sqlite:///{tmp_path / 's.db'}"
    optarium.solve(KNAPSACK, store=store)
    for command in (["runs", "list"], ["runs", "export"]):
        typo = CliRunner().invoke(app, [*command, "--status", "optmal", "--store", store])
        assert (typo.exit_code, typo.stdout) == (2, "")
        assert typo.stderr == ("error: option `--status` must be one of optimal, locally_optimal, feasible, infeasible, "
                               "unbounded, time_limit, interrupted, error, got 'optmal'\n")
        stranger = CliRunner().invoke(app, [*command, "--kind", "job_shop", "--store", store])
        assert (stranger.exit_code, stranger.stdout) == (2, "")
        assert stranger.stderr.startswith("error: option `--kind` must be one of math_program, routing, jobshop,")
        listed = CliRunner().invoke(app, [*command, "--status", "optimal", "--kind", "math_program", "--json", "--store", store])
        assert listed.exit_code == 0 and len(json.loads(listed.stdout)) == 1
        nothing_yet = CliRunner().invoke(app, [*command, "--kind", "routing", "--json", "--store", store])
        assert nothing_yet.exit_code == 0 and json.loads(nothing_yet.stdout) == []


def test_a_kind_registered_in_a_users_program_is_listed_from_its_runs(tmp_path: Path) -> None:
    """The command does not know a kind a program registered for itself (docs/architecture.md's `assignment`);
    the store's runs of it are found all the same."""
    from typer.testing import CliRunner

    from optarium.cli.main import app
    from optarium.store.base import Run, open_store

    store = f"sqlite:///{tmp_path / 's.db'}"
    open_store(store).record_run(Run(kind="assignment", fingerprint="f" * 16, name="crew", features={}, source="crew.assign",
                                     solver="brute", solver_version="1", plan={}, params={}, status="optimal", objective=5.0))
    for command in (["runs", "list"], ["runs", "export", "--format", "json"]):
        result = CliRunner().invoke(app, [*command, "--kind", "assignment", "--json", "--store", store])
        assert result.exit_code == 0, result.stderr
        assert [row["name"] for row in json.loads(result.stdout)] == ["crew"]


def test_runs_list_says_so_when_there_is_no_run_to_show(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from optarium.cli.main import app

    store = f"sqlite:///{tmp_path / 's.db'}"
    optarium.solve(KNAPSACK, store=store, record=False)  # makes the store, records nothing
    empty = CliRunner().invoke(app, ["runs", "list", "--store", store])
    assert (empty.exit_code, empty.stdout) == (0, "no runs recorded yet\n")
    optarium.solve(KNAPSACK, store=store)
    filtered = CliRunner().invoke(app, ["runs", "list", "--kind", "routing", "--store", store])
    assert (filtered.exit_code, filtered.stdout) == (0, "no run matches\n")
    assert json.loads(CliRunner().invoke(app, ["runs", "list", "--kind", "routing", "--json", "--store", store]).stdout) == []
