"""The learned selector: k nearest remembered instances choose the configuration that was fastest on them."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import optarium
from optarium.learn.embed import embed
from optarium.learn.generators import generate
from optarium.learn.select import (
    EMBEDDINGS,
    Neighbour,
    Selector,
    SelectorPlanner,
    collect,
    config_key,
    cross_validate,
    remember,
)
from optarium.store.base import Store, open_store

COVER = {"n_rows": 40, "n_cols": 60}
KNAPSACK = {"n_items": 12, "n_knapsacks": 2}
HIGHS, SCIP = config_key("highs", {}), config_key("scip", {})


@pytest.fixture
def store() -> Store:
    return open_store(f"memory://select-{uuid.uuid4().hex}")


def neighbour(name: str, vector: list[float], costs: dict[str, float]) -> Neighbour:
    keys = {key: ("highs" if key == HIGHS else "scip") + " defaults" for key in costs}
    return Neighbour(name, name, tuple(vector), {k: math.log(v + 1) for k, v in costs.items()},
                     {key: {} for key in costs}, keys)


def test_the_configuration_faster_on_the_nearest_instances_is_chosen() -> None:
    cover = [embed(generate("set_cover", seed, **COVER)) for seed in range(4)]
    knapsack = [embed(generate("multiple_knapsack", seed, **KNAPSACK)) for seed in range(3)]
    remembered = [neighbour(f"cover{i}", v, {HIGHS: 1.0, SCIP: 3.0}) for i, v in enumerate(cover[:3])]
    remembered += [neighbour(f"knap{i}", v, {HIGHS: 4.0, SCIP: 0.5}) for i, v in enumerate(knapsack)]
    selector = Selector(remembered, k=3)
    on_cover = selector.predict(cover[3])
    assert on_cover is not None and on_cover.key == HIGHS
    assert {name for name, _ in on_cover.neighbours} == {"cover0", "cover1", "cover2"}
    assert abs(on_cover.predicted[HIGHS] - 1.0) < 1e-9 and abs(on_cover.predicted[SCIP] - 3.0) < 1e-9
    on_knapsack = selector.predict(embed(generate("multiple_knapsack", 9, **KNAPSACK)))
    assert on_knapsack is not None and on_knapsack.key == SCIP
    assert "predicted 0.50 s with scip defaults vs 4.00 s with highs defaults" in on_knapsack.reason()


def test_nothing_is_predicted_for_an_instance_far_from_every_remembered_one() -> None:
    remembered = [neighbour("cover", embed(generate("set_cover", 0, **COVER)), {HIGHS: 1.0})]
    assert Selector(remembered).predict(embed(generate("multiple_knapsack", 0, **KNAPSACK))) is None


def test_a_selector_learned_from_recorded_runs_plans_what_was_fastest_on_its_neighbours(store: Store) -> None:
    training = [generate("set_cover", seed, **COVER) for seed in range(3)]
    rows = collect(training, store, time_limit=10, solvers=("highs", "scip"))
    assert len(rows) == 6 and all(row["verified"] for row in rows)
    assert store.count_runs() == 6
    seconds: dict[str, dict[str, float]] = {}
    for row in store.list_runs(limit=10):
        seconds.setdefault(row["fingerprint"], {})[config_key(row["plan"]["solver"], row["plan"]["params"])] = row["seconds"]
    faster_everywhere = [key for key in (HIGHS, SCIP)
                         if all(times[key] == min(times.values()) for times in seconds.values())]
    problem = generate("set_cover", 50, **COVER)
    plan = SelectorPlanner(k=3).plan(problem, store)
    assert plan.source == "learned"
    predicted = Selector.from_store(store, k=3).predict(embed(problem))
    assert predicted is not None
    assert plan.solver == predicted.solver and plan.reason == predicted.reason()
    if faster_everywhere:  # the three training instances are the three neighbours
        assert config_key(plan.solver, plan.params) == faster_everywhere[0]
    assert plan.reason.startswith("learned selector: 3 nearest solved instances")
    solution = optarium.solve(problem, store=store, planner=SelectorPlanner(k=3))
    assert solution.verified and store.list_runs(limit=1)[0]["plan"]["source"] == "learned"


def test_without_remembered_instances_the_tuned_planner_decides_and_says_so(store: Store) -> None:
    optarium.solve(generate("set_cover", 1, **COVER), store=store)
    plan = SelectorPlanner().plan(generate("set_cover", 2, **COVER), store)
    assert plan.source == "rules" and "no learned selection: no remembered instance with runs" in plan.reason
    assert SelectorPlanner().plan(generate("set_cover", 2, **COVER), None).source == "rules"


def test_remember_adds_only_new_instances(store: Store) -> None:
    problems = [generate("set_cover", seed, **COVER) for seed in range(2)]
    assert remember(problems, store) == 2
    assert remember(problems[:1], store) == 2
    assert len(store.list_artifacts(EMBEDDINGS)) == 1


def test_leave_one_out_scores_each_instance_by_what_the_others_chose_for_it() -> None:
    from optarium.learn.select import leave_one_out

    cover = [embed(generate("set_cover", seed, **COVER)) for seed in range(3)]
    knapsack = [embed(generate("multiple_knapsack", seed, **KNAPSACK)) for seed in range(3)]
    remembered = [neighbour(f"c{i}", v, {HIGHS: 1.0, SCIP: 3.0}) for i, v in enumerate(cover)]
    remembered += [neighbour(f"k{i}", v, {HIGHS: 3.0, SCIP: 1.0}) for i, v in enumerate(knapsack)]
    scores = leave_one_out(remembered, (1, 2))
    assert scores[1] == pytest.approx(1.0) and scores[2] == pytest.approx(1.0)


def test_the_candidates_are_each_solvers_defaults_and_the_familys_tuned_configuration(store: Store) -> None:
    from optarium.learn.recognise import COORDINATES, centroid, feature_vector
    from optarium.learn.select import candidate_plans
    from optarium.solvers import registry

    vectors = [feature_vector(generate("multiple_knapsack", seed, **KNAPSACK).features()) for seed in range(3)]
    store.save_artifact("tuned.highs.multiple_knapsack", b"{}", {
        "family": "multiple_knapsack", "solver": "highs", "solver_version": registry.get("highs").version(),
        "params": {"mip_heuristic_effort": 0.2}, "centroid": centroid(vectors), "coordinates": list(COORDINATES)})
    plans = candidate_plans(generate("multiple_knapsack", 7, **KNAPSACK), store)
    assert [(plan.solver, plan.params) for plan in plans] == [
        ("highs", {}), ("scip", {}), ("highs", {"mip_heuristic_effort": 0.2})]
    assert plans[-1].reason == "tuned configuration tuned.highs.multiple_knapsack v1"
    assert len(candidate_plans(generate("set_cover", 7, **COVER), store)) == 2


def two_families(cover_costs: dict[str, float], knapsack_costs: dict[str, float]) -> list[Neighbour]:
    cover = [neighbour(f"cover{s}", embed(generate("set_cover", s, **COVER)), cover_costs) for s in range(5)]
    knapsack = [neighbour(f"knap{s}", embed(generate("multiple_knapsack", s, **KNAPSACK)), knapsack_costs) for s in range(5)]
    return cover + knapsack


def test_the_regression_picks_another_configuration_than_the_single_best_where_it_is_surely_faster() -> None:
    selector = Selector(two_families({HIGHS: 1.0, SCIP: 3.0}, {HIGHS: 4.0, SCIP: 0.5}), k=3, method="ridge")
    on_knapsack = selector.predict(embed(generate("multiple_knapsack", 9, **KNAPSACK)))
    assert selector.reference == SCIP and on_knapsack is not None and on_knapsack.key == SCIP
    on_cover = selector.predict(embed(generate("set_cover", 9, **COVER)))
    assert on_cover is not None and on_cover.key == HIGHS
    assert on_cover.predicted[HIGHS] < on_cover.predicted[SCIP]


def test_the_regression_keeps_the_single_best_where_the_predicted_saving_is_below_the_margin() -> None:
    neighbours = two_families({HIGHS: 1.0, SCIP: 1.05}, {HIGHS: 4.0, SCIP: 0.5})
    cover = embed(generate("set_cover", 9, **COVER))
    kept = Selector(neighbours, k=3, margin=0.1).predict(cover)
    assert kept is not None and kept.key == SCIP
    taken = Selector(neighbours, k=3, margin=0.0, agreement=0.5).predict(cover)
    assert taken is not None and taken.key == HIGHS
    with pytest.raises(ValueError, match="`method` must be one of ridge, vote"):
        Selector(neighbours, method="svm")


def test_cross_validation_scores_a_selector_on_held_out_folds_of_the_remembered_instances() -> None:
    neighbours = two_families({HIGHS: 1.0, SCIP: 3.0}, {HIGHS: 4.0, SCIP: 0.5})
    assert cross_validate(neighbours, folds=5, k=3, method="vote") == pytest.approx(math.sqrt(2 * 1.5) - 1, rel=1e-6)


def test_solve_planner_learned_by_name_and_on_the_command_line_says_what_it_predicted(store: Store, tmp_path: Path) -> None:
    from optarium.problem.io import write_problem

    url = f"sqlite:///{tmp_path / 's.db'}"
    collect([generate("set_cover", seed, **COVER) for seed in range(3)], url, time_limit=10)
    problem = generate("set_cover", 50, **COVER)
    solution = optarium.solve(problem, store=url, planner="learned", record=False)
    assert solution.verified and solution.plan is not None and solution.plan.source == "learned"
    write_problem(problem, tmp_path / "sc.mps")
    write_problem(generate("set_cover", 51, **COVER), tmp_path / "sc51.mps")
    done = subprocess.run([str(Path(sys.executable).parent / "optarium"), "solve", str(tmp_path / "sc.mps"),
                           "--planner", "learned", "--store", url], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "learned selector: 3 nearest solved instances" in " ".join(done.stdout.split())
    many = subprocess.run([str(Path(sys.executable).parent / "optarium"), "solve", str(tmp_path / "sc.mps"),
                           str(tmp_path / "sc51.mps"), "--planner", "learned", "--store", url, "--json"],
                          capture_output=True, text=True)
    assert many.returncode == 0, many.stderr
    rows = json.loads(many.stdout)
    assert [row["plan"]["source"] for row in rows] == ["learned", "learned"]
    assert all(row["verified"] and "learned selector: 3 nearest" in row["plan"]["reason"] for row in rows)
    with pytest.raises(optarium.errors.OptionError, match="`planner` must be one of rules, tuned, learned"):
        optarium.solve(problem, store=url, planner="bandit")
