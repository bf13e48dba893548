"""The robust kind's input check on every road (solve_robust, the one flow): bad input raises before the store is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.cli.common import EXIT_BAD_INPUT, exit_code
from optarium.domains.robust import solve_robust
from optarium.domains.robust.ccg import RecourseInfeasibleError
from optarium.errors import InvalidModelError
from optarium.flow import solve_problem
from optarium.store.base import open_store

from .problems import short


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _store_with_one_run(folder: Path) -> tuple[str, dict[str, bytes]]:
    """An SQLite store file holding one recorded run, and the bytes of every file in its folder."""
    url = f"sqlite:///{folder / 'runs.db'}"
    assert solve_robust(short(upper=10).build(), store=url, time_limit=10).run_id is not None
    return url, _files(folder)


@pytest.mark.parametrize("method", ["exact", "learned"])
def test_a_scenario_without_recourse_is_refused_and_the_store_file_is_left_as_it_was(tmp_path: Path, method: str) -> None:
    absent = tmp_path / "new" / "runs.db"
    with pytest.raises(RecourseInfeasibleError):
        solve_robust(short(upper=2).build(), method, time_limit=10, store=f"sqlite:///{absent}")
    assert not absent.exists()
    url, before = _store_with_one_run(tmp_path)
    with pytest.raises(RecourseInfeasibleError, match=r"short: the recourse is infeasible for scenario \(demand\[0\]=6\)") as raised:
        solve_robust(short(upper=2).build(), method, time_limit=10, store=url)
    assert exit_code(raised.value) == EXIT_BAD_INPUT
    assert _files(tmp_path) == before
    assert open_store(url).count_runs() == 1


def test_the_one_flow_refuses_a_scenario_without_recourse_before_the_store_is_touched(tmp_path: Path) -> None:
    with pytest.raises(RecourseInfeasibleError):
        solve_problem(short(upper=2).build(), store=f"sqlite:///{tmp_path / 'new.db'}")
    assert not (tmp_path / "new.db").exists()
    url, before = _store_with_one_run(tmp_path)
    with pytest.raises(RecourseInfeasibleError) as raised:
        solve_problem(short(upper=2).build(), store=url)
    assert exit_code(raised.value) == EXIT_BAD_INPUT
    assert _files(tmp_path) == before


def test_the_learned_method_refuses_first_stage_rows_without_a_decision_before_training(tmp_path: Path) -> None:
    url, before = _store_with_one_run(tmp_path)
    with pytest.raises(InvalidModelError, match="short: no first-stage decision satisfies the rows without recourse") as raised:
        solve_robust(short(upper=10, at_least=5).build(), "learned", time_limit=10, store=url)
    assert exit_code(raised.value) == EXIT_BAD_INPUT
    assert _files(tmp_path) == before
    # the exact method answers the same problem: infeasible, recorded
    assert solve_robust(short(upper=10, at_least=5).build(), "exact", time_limit=10, store=url).status == "infeasible"


def test_the_input_check_is_timed_apart_from_planning() -> None:
    solution = solve_robust(short(upper=10).build(), time_limit=10, record=False)
    assert solution.status == "optimal" and solution.verified
    assert solution.timings["check"] > 0 and "plan" in solution.timings
