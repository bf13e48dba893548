"""Multi-objective studies: Pareto front, hypervolume, reference points, bad tells, every MO sampler."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from optarium.blackbox.errors import StudyExistsError, TellError
from optarium.blackbox.optimize import optimize
from optarium.blackbox.pareto import box_decomposition, hypervolume, non_dominated
from optarium.blackbox.samplers import MULTI_OBJECTIVE
from optarium.blackbox.study import Study
from optarium.errors import OptionError

SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0}, "y": {"type": "float", "low": 0.0, "high": 1.0},
         "kind": {"type": "categorical", "choices": ["a", "b"]}}


def two_objectives(params: dict) -> list[float]:
    """A convex front between (0, 1) and (1, 0) at y = 0, kind a; both minimised."""
    penalty = params["y"] + (params["kind"] == "b") * 0.5
    return [params["x"] + penalty, (1 - params["x"]) ** 2 + penalty]


def study(directions: list[str], sampler: str = "sobol", name: str = "mo") -> Study:
    return Study.create(name, SPACE, directions=directions, sampler=sampler, seed=3, store="memory://")


def test_pareto_front_is_non_dominated_and_complete() -> None:
    s = study(["minimize", "maximize"])
    rng = np.random.default_rng(0)
    for trial in s.ask(40):
        s.tell(trial, [float(v) for v in rng.integers(0, 6, size=2)])  # ties and duplicates on purpose
    told = [t for t in s.trials if t.values is not None]
    front = s.best
    assert front == s.pareto_front and front

    def dominates(a: tuple, b: tuple) -> bool:  # (min, max)
        return a[0] <= b[0] and a[1] >= b[1] and (a[0] < b[0] or a[1] > b[1])

    for trial in told:
        dominated = any(dominates(other.values, trial.values) for other in told)
        assert (trial in front) == (not dominated), trial


def test_hypervolume_matches_hand_computed_cases() -> None:
    assert hypervolume(np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [2.5, 2.5]]), np.array([4.0, 4.0])) == pytest.approx(6.0)
    # two boxes in 3-D: 1*2*3 + 2*1*1 - overlap 1*1*1
    points = np.array([[0.0, 0.0, 2.0], [0.0, 1.0, 0.0]])
    assert hypervolume(points, np.array([1.0, 2.0, 3.0])) == pytest.approx(1 * 2 * 1 + 1 * 1 * 3 - 1 * 1 * 1)
    assert hypervolume(np.array([[5.0, 0.0]]), np.array([4.0, 4.0])) == 0.0


def test_box_decomposition_gives_each_new_points_hypervolume_improvement() -> None:
    rng = np.random.default_rng(1)
    for k in (2, 3):
        front = rng.random((12, k))
        front = front[non_dominated(front)]
        reference = np.full(k, 1.1)
        lower, upper = box_decomposition(front, reference)
        for point in rng.random((5, k)) * 0.8:
            gain = np.prod(np.clip(upper - np.maximum(point, lower), 0, None), axis=1).sum()
            expected = hypervolume(np.vstack([front, point]), reference) - hypervolume(front, reference)
            assert gain == pytest.approx(expected, abs=1e-12)


def test_study_hypervolume_in_the_users_units_with_a_maximised_objective() -> None:
    s = study(["minimize", "maximize"])
    a, b = s.ask(2)
    s.tell(a, [1.0, 3.0])  # minimise 1, maximise 3
    s.tell(b, [2.0, 5.0])
    # reference (4, 0): boxes [1,4]x[0,3] and [2,4]x[0,5] -> 9 + 10 - 2*3 = 13
    assert s.hypervolume([4.0, 0.0]) == pytest.approx(13.0)
    assert [c for c, _ in s.hypervolume_history([4.0, 0.0])] == [1, 2]
    assert s.hypervolume_history([4.0, 0.0])[0][1] == pytest.approx(9.0)
    # inferred: worst plus 10% of the range in each objective
    assert s.reference_point() == pytest.approx([2.1, 2.8])
    with pytest.raises(OptionError, match="dominates nothing"):
        s.hypervolume([0.5, 10.0])
    with pytest.raises(OptionError, match="2 finite numbers"):
        s.hypervolume([4.0])


def test_wrong_count_or_nan_in_a_tell_is_one_error_and_writes_nothing() -> None:
    s = study(["minimize", "minimize", "maximize"])
    (trial,) = s.ask()
    with pytest.raises(TellError, match=r"takes 3 values \(minimize, minimize, maximize\), got 2"):
        s.tell(trial, [1.0, 2.0])
    with pytest.raises(TellError, match="value 2 must be finite"):
        s.tell(trial, [1.0, float("nan"), 3.0])
    with pytest.raises(TellError, match="takes 3 values"):
        s.tell(trial, 1.0)
    assert s.trials[0].state == "pending"
    assert s.tell(trial, [1.0, 2.0, 3.0]).values == (1.0, 2.0, 3.0)
    single = Study.create("one", SPACE, store="memory://")
    (first,) = single.ask()
    with pytest.raises(TellError, match="takes one value, got 2"):
        single.tell(first, [1.0, 2.0])


def test_bad_directions_and_samplers_are_refused_before_anything_is_written() -> None:
    store = "memory://mo-bad"
    with pytest.raises(OptionError, match="directions"):
        Study.create("a", SPACE, directions=["minimize", "up"], store=store)
    with pytest.raises(OptionError, match="left out"):
        Study.create("a", SPACE, direction="maximize", directions=["minimize", "minimize"], store=store)
    with pytest.raises(OptionError, match="sampler"):
        Study.create("a", SPACE, directions=["minimize", "minimize"], sampler="cmaes", store=store)
    with pytest.raises(OptionError, match="two or more"):
        Study.create("a", SPACE, sampler="ehvi", store=store)
    assert Study.list_all(store) == []
    Study.create("a", SPACE, directions=["minimize", "maximize"], store=store)
    with pytest.raises(StudyExistsError, match="directions"):
        Study.create("a", SPACE, directions=["minimize", "minimize"], store=store, load_if_exists=True)
    assert Study.create("a", SPACE, directions=["minimize", "maximize"], store=store, load_if_exists=True).existed


def test_infeasible_trials_stay_off_the_front() -> None:
    s = study(["minimize", "minimize"])
    a, b = s.ask(2)
    s.tell(a, [0.0, 0.0], feasibility=1.0)
    s.tell(b, [1.0, 1.0], feasibility=-1.0)
    assert [t.number for t in s.pareto_front] == [b.number]


@pytest.mark.parametrize("name", [*MULTI_OBJECTIVE, "auto"])
def test_every_multi_objective_sampler_improves_on_its_design_and_takes_batches(name: str) -> None:
    s = study(["minimize", "minimize"], sampler=name, name=name)
    while len(s.trials) < 24:
        batch = s.ask(4)
        assert len({tuple(t.point) for t in batch}) == 4
        for trial in batch:
            s.tell(trial, two_objectives(trial.params))
    assert any(t.sampler == name or (name == "auto" and t.sampler == "ehvi") for t in s.trials)
    design = Study.create("design", SPACE, directions=["minimize", "minimize"], sampler="random", seed=3, store="memory://")
    for trial in design.ask(24):
        design.tell(trial, two_objectives(trial.params))
    assert s.hypervolume([2.0, 2.0]) >= design.hypervolume([2.0, 2.0]) - 0.05


def branin_currin(params: dict) -> list[float]:
    """BoTorch's BraninCurrin on the unit square: Branin spans 0.4 to 308, its front only up to about 18."""
    x0, x1 = 15 * params["x"] - 5, 15 * params["y"]
    branin = ((x1 - 5.1 / (4 * np.pi**2) * x0**2 + 5 / np.pi * x0 - 6) ** 2 + 10 * (1 - 1 / (8 * np.pi)) * np.cos(x0) + 10)
    a, b = params["x"], max(params["y"], 1e-9)
    currin = (1 - np.exp(-1 / (2 * b))) * (2300 * a**3 + 1900 * a**2 + 2092 * a + 60) / (100 * a**3 + 500 * a**2 + 4 * a + 20)
    return [float(branin), float(currin)]


def test_ehvi_spreads_along_the_front_when_design_points_lie_far_beyond_it() -> None:
    # With the reference point beyond every told value (Branin 308 here), the volume the
    # front's extreme points add outweighed any gain inside the front: the hypervolume up
    # to BoTorch's reference (18, 6) was 45.3 after 25 evaluations; the true front's is 59.4.
    space = {"x": {"type": "float", "low": 0.0, "high": 1.0}, "y": {"type": "float", "low": 0.0, "high": 1.0}}
    s = Study.create("bc", space, directions=["minimize", "minimize"], sampler="ehvi", seed=1, store="memory://")
    while len(s.trials) < 25:
        for trial in s.ask(5):
            s.tell(trial, branin_currin(trial.params))
    assert s.hypervolume([18.0, 6.0]) > 52.0


def test_ehvi_asks_every_fifth_point_against_the_reference_beyond_every_told_value() -> None:
    # the tight reference alone never valued the front beyond its present extent (ZDT3's
    # further pieces, VehicleSafety's heavy designs); one point in five looks there
    s = Study.create("wide", SPACE, directions=["minimize", "minimize"], sampler="ehvi", seed=2, store="memory://")
    while len(s.trials) < 15:
        for trial in s.ask(5):
            s.tell(trial, two_objectives(trial.params))
    references = {i: t.info["reference"] for i, t in enumerate(s.trials) if t.sampler == "ehvi"}
    assert len(references) == 7
    assert [i for i, r in references.items() if r == "wide"] == [9, 14]


def test_auto_records_why_it_chose_a_multi_objective_sampler() -> None:
    assert "ehvi" in study(["minimize", "maximize"], sampler="auto").sampler_reason
    many = Study.create("four", SPACE, directions=["minimize"] * 4, store="memory://")
    assert many.sampler_reason.startswith("parego")
    large = Study.create("large", SPACE, directions=["minimize"] * 2, budget=5000, store="memory://")
    assert large.sampler_reason.startswith("nsga2")


def test_optimize_with_directions_returns_the_front() -> None:
    result = optimize(two_objectives, SPACE, 30, sampler="nsga2", seed=1, directions=["minimize", "minimize"])
    front = result.best
    assert front and all(t.values is not None for t in front)
    assert min(t.values[0] for t in front) < 0.5 and min(t.values[1] for t in front) < 0.5


def test_a_store_file_written_before_multi_objective_studies_opens(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    old = Study.create("old", SPACE, direction="maximize", sampler="sobol", store=url)
    (trial,) = old.ask()
    old.tell(trial, 2.0)
    with sqlite3.connect(path) as connection:  # the file as an older optarium wrote it
        connection.execute("ALTER TABLE studies DROP COLUMN directions")
        connection.execute('ALTER TABLE study_trials DROP COLUMN "values"')
    from optarium.store.core import SqlStore

    SqlStore._engines.clear()
    loaded = Study.load("old", url)
    assert loaded.directions == ("maximize",) and loaded.best.value == 2.0
    both = Study.create("new", SPACE, directions=["minimize", "maximize"], sampler="sobol", store=url)
    (trial,) = both.ask()
    both.tell(trial, [1.0, 2.0])
    assert Study.load("new", url).pareto_front[0].values == (1.0, 2.0)


def test_a_learned_pareto_set_maps_each_preference_near_the_front() -> None:
    """ZDT1 in 3-D: front f2 = 1 - sqrt(f1) at x2 = x3 = 0; preferences move along it."""
    space = {f"x{i}": {"type": "float", "low": 0.0, "high": 1.0} for i in range(3)}

    def zdt1(p: dict) -> list[float]:
        g = 1 + 9 * (p["x1"] + p["x2"]) / 2
        return [p["x0"], g * (1 - (p["x0"] / g) ** 0.5)]

    s = Study.create("psl", space, directions=["minimize", "minimize"], sampler="ehvi", seed=1, store="memory://")
    while len(s.trials) < 25:
        for trial in s.ask(5):
            s.tell(trial, zdt1(trial.params))
    model = s.learn_pareto_set(steps=150)
    first = [zdt1(model.suggest(w)) for w in ([0.9, 0.1], [0.1, 0.9])]
    assert first[0][0] < first[1][0] and first[0][1] > first[1][1]  # more weight on f1 -> smaller f1
    for f1, f2 in first:
        assert f2 - (1 - f1**0.5) < 0.5  # close to the true front
    with pytest.raises(OptionError, match="non-negative weights"):
        model.suggest([1.0, -1.0])
    with pytest.raises(OptionError, match="non-negative weights"):  # NaN slipped past the sign checks
        model.suggest([float("nan"), 1.0])
