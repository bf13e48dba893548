"""The bilevel kind on the one flow: registry, readers, planner, record, cross-check."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium import kinds
from optarium.cli.common import EXIT_BAD_INPUT, exit_code
from optarium.domains.bilevel.io import read_bilevel
from optarium.domains.bilevel.problem import BilevelProblem
from optarium.domains.bilevel.solve import solve_bilevel
from optarium.errors import InvalidModelError, SolverCapabilityError
from optarium.flow import solve_problem
from optarium.store.base import open_store

DATA = Path(__file__).resolve().parent / "data"


def test_the_kind_is_registered_with_its_readers_and_backends() -> None:
    spec = kinds.get("bilevel")
    assert spec.type is BilevelProblem
    assert {reader.name for reader in spec.readers} == {"bilevel-json", "mibs"}
    problem, reader = kinds.read(DATA / "moore_bard.aux")
    assert reader.name == "mibs" and kinds.of(problem) is spec
    assert spec.backend("kkt").name == "kkt" and spec.backend("valuefunction").name == "valuefunction"


def test_the_planner_picks_the_method_by_the_follower() -> None:
    planner = kinds.get("bilevel").planner()
    assert planner.plan(read_bilevel(DATA / "moore_bard.aux"), None).solver == "valuefunction"
    assert planner.plan(read_bilevel(DATA / "basblib_b_1984_01.json"), None).solver == "kkt"


def test_a_solve_is_recorded_with_the_answer_and_its_check(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    problem = read_bilevel(DATA / "basblib_b_1984_01.json")
    solution = solve_bilevel(problem, store=store)
    run = open_store(store).get_run(solution.run_id or 0)
    assert run["kind"] == "bilevel" and run["status"] == "optimal" and run["verified"]
    assert run["fingerprint"] == problem.fingerprint() and run["features"]["n_y"] == 1
    assert run["extra"]["x"]["x_1"] == pytest.approx(8 / 9) and run["extra"]["y"]["y_1"] == pytest.approx(20 / 9)
    assert run["params"]["method"] == "auto" and run["verification"]["reader"] == "bilevel-json"


def test_cross_check_solves_again_by_value_function_cuts_where_they_apply() -> None:
    problem = BilevelProblem.build(([-1], [-7]), ([0], [1]), follower_sense="max", x_bounds=[(0, 4)], x_integer=[True],
                                   y_bounds=[(0, None)], follower_constraints=[([-1], [3], "<=", 6), ([3], [1], "<=", 10)])
    solution = solve_bilevel(problem, record=False, cross_check=True)
    assert solution.cross_check is not None
    assert solution.cross_check["solver"] == "valuefunction" and solution.cross_check["agree"] is True


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


UNBOUNDED_FOLLOWER = BilevelProblem.build(([1], [1]), ([0], [1]), follower_sense="max", x_bounds=[(0, 5)],
                                          follower_constraints=[([1], [-1], "<=", 3)])


@pytest.mark.parametrize("method", ["auto", "kkt", "valuefunction"])
def test_an_unbounded_follower_is_refused_before_the_store_is_touched(tmp_path: Path, method: str) -> None:
    absent = tmp_path / "new" / "runs.db"
    with pytest.raises(InvalidModelError, match=r"follower.s problem is unbounded for some leader decisions, e\.g\. x0=0"):
        solve_bilevel(UNBOUNDED_FOLLOWER, method=method, store=f"sqlite:///{absent}")
    assert not absent.exists()
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    assert solve_bilevel(read_bilevel(DATA / "basblib_b_1984_01.json"), store=store).run_id is not None
    before = _files(tmp_path)
    with pytest.raises(InvalidModelError) as raised:
        solve_bilevel(UNBOUNDED_FOLLOWER, method=method, store=store)
    assert exit_code(raised.value) == EXIT_BAD_INPUT
    assert _files(tmp_path) == before and open_store(store).count_runs() == 1


def test_the_one_flow_refuses_an_unbounded_follower_and_a_method_that_cannot_take_the_follower(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    with pytest.raises(InvalidModelError, match=r"follower.s problem is unbounded") as raised:
        solve_problem(UNBOUNDED_FOLLOWER, store=store)
    assert exit_code(raised.value) == EXIT_BAD_INPUT
    integer_follower = read_bilevel(DATA / "moore_bard.aux")
    with pytest.raises(SolverCapabilityError, match="integer variables") as raised:
        solve_bilevel(integer_follower, method="kkt", store=store)
    assert exit_code(raised.value) == EXIT_BAD_INPUT
    assert list(tmp_path.iterdir()) == []
