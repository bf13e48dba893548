"""Tuning a family: racing on capped, verified runs, the saved artifact, and the inputs refused before any solve."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from optarium.errors import InvalidModelError, OptionError
from optarium.learn.generators import generate
from optarium.learn.recognise import COORDINATES
from optarium.learn.spaces import tunable
from optarium.learn.tune import shifted_geometric_mean, split, tune
from optarium.problem.io import write_problem
from optarium.store.base import open_store

OPTARIUM = str(Path(sys.executable).parent / "optarium")
TINY = {"n_items": 10, "n_knapsacks": 2}


def family_folder(folder: Path, n: int = 4, family: str = "multiple_knapsack", manifest: bool = True,
                  **sizes: int) -> Path:
    """A folder of ``n`` tiny instances with a manifest like ``generate`` writes."""
    folder.mkdir(parents=True, exist_ok=True)
    sizes = sizes or TINY
    files = []
    for seed in range(n):
        name = f"{family}_{seed:04d}.mps"
        write_problem(generate(family, seed, **sizes), folder / name)
        files.append({"file": name, "seed": seed})
    if manifest:
        (folder / "manifest.json").write_text(json.dumps({"family": family, "difficulty": "tiny", "instances": files}))
    return folder


def test_tuning_saves_a_named_configuration_with_the_documented_meta(tmp_path: Path) -> None:
    store_url = f"memory://tune-{uuid.uuid4().hex}"
    result = tune(family_folder(tmp_path / "mk"), "highs", budget=8, time_cap=5, seed=1, store=store_url,
                  sampler="random")
    assert result.name == "tuned.highs.multiple_knapsack" and result.version == 1
    assert len(result.training) == 3 and len(result.validation) == 1
    assert not set(result.training) & set(result.validation)
    assert result.runs >= 8 and result.rejected == 0
    artifact = open_store(store_url).load_artifact("tuned.highs.multiple_knapsack")
    assert artifact is not None
    meta = artifact.meta
    assert meta["family"] == "multiple_knapsack" and meta["solver"] == "highs"
    assert meta["solver_version"] == result.solver_version
    assert meta["instance_count"] == 4 and len(meta["centroid"]) == len(COORDINATES)
    assert set(meta["training_cost"]) == set(meta["validation_cost"]) == {"default", "tuned"}
    assert meta["params"] == result.params
    assert set(meta["params"]) <= set(tunable("highs").space().names)
    assert json.loads(artifact.data)["history"][0]["end"] == "defaults"


def test_every_answer_counted_is_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import optarium
    from optarium.learn import tune as tune_module

    seen = []
    real = optarium.solve

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert kwargs["record"] is False
        solution = real(*args, **kwargs)
        seen.append(solution)
        return solution

    monkeypatch.setattr(optarium, "solve", watched)
    tune_module.tune(family_folder(tmp_path / "mk", n=3), "highs", budget=4, time_cap=5, seed=0,
                     store=f"memory://tune-{uuid.uuid4().hex}", sampler="random")
    assert seen and all(s.verified and s.status == "optimal" for s in seen)


def test_a_wrong_answer_rejects_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from optarium.learn import tune as tune_module

    real = tune_module.Runner.run

    def lying(self, index, params, limit=None):  # type: ignore[no-untyped-def]
        outcome = real(self, index, params, limit)
        return replace(outcome, wrong="answer failed verification") if params else outcome

    monkeypatch.setattr(tune_module.Runner, "run", lying)
    result = tune(family_folder(tmp_path / "mk", n=3), "highs", budget=6, time_cap=5, seed=0,
                  store=f"memory://tune-{uuid.uuid4().hex}", sampler="random")
    assert result.rejected == result.configurations >= 1
    assert result.params == {} and "no configuration beat" in result.kept_default


def test_adaptive_capping_cuts_a_run_where_the_race_would_stop_it_anyway() -> None:
    from optarium.learn.tune import _adaptive_cap

    incumbent = [math.log(1.0 + 1.0)] * 4  # 1 s on each of four instances
    assert _adaptive_cap([], incumbent, 1, 4, 1.05) is None  # never on the first instance
    # equal so far: the second run may take what keeps the mean within the slack
    assert _adaptive_cap([math.log(2.0)], incumbent, 2, 4, 1.05) == pytest.approx(2 * 1.05 ** 2 - 1)
    # far behind: the floor, not a negative cap
    assert _adaptive_cap([math.log(50.0)], incumbent, 2, 4, 1.05) == pytest.approx(0.01)
    # the last instance: no slack, only what still beats the incumbent
    assert _adaptive_cap([math.log(2.0)] * 3, incumbent, 4, 4, 1.05) == pytest.approx(1.0)


def test_candidates_run_at_most_the_cap_and_uncapped_on_their_first_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from optarium.learn import tune as tune_module

    real = tune_module.Runner.run
    limits: list[tuple[bool, float | None]] = []

    def watched(self, index, params, limit=None):  # type: ignore[no-untyped-def]
        limits.append((bool(params), limit))
        return real(self, index, params, limit)

    monkeypatch.setattr(tune_module.Runner, "run", watched)
    result = tune(family_folder(tmp_path / "mk", n=4), "highs", budget=12, time_cap=5, seed=2,
                  store=f"memory://tune-{uuid.uuid4().hex}", sampler="random")
    candidate_limits = [limit for is_candidate, limit in limits if is_candidate and limit is not None]
    assert candidate_limits and all(limit > 0 for limit in candidate_limits)
    assert all(limit is None for is_candidate, limit in limits if not is_candidate)  # defaults never capped early
    assert result.to_dict()["capped"] == result.capped >= 0


def test_the_split_is_seeded_and_gives_each_part_an_instance() -> None:
    assert split(10, 3, 0.3) == split(10, 3, 0.3)
    training, validation = split(2, 0, 0.3)
    assert len(training) == len(validation) == 1
    assert shifted_geometric_mean([0.0, 0.0]) == pytest.approx(0.0)
    assert shifted_geometric_mean([1.0, 3.0]) == pytest.approx(2 * 2 ** 0.5 - 1)


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="`folder`"):
        tune(tmp_path, budget=10, store=f"memory://tune-{uuid.uuid4().hex}")


def test_files_outside_the_manifest_are_a_mixed_family(tmp_path: Path) -> None:
    folder = family_folder(tmp_path / "mk", n=2)
    write_problem(generate("set_cover", 0, n_rows=20, n_cols=30), folder / "stranger.mps")
    with pytest.raises(InvalidModelError, match="not in the manifest"):
        tune(folder, budget=10, store=f"memory://tune-{uuid.uuid4().hex}")


def test_a_folder_named_as_one_family_that_mixes_two_is_refused(tmp_path: Path) -> None:
    folder = family_folder(tmp_path / "mixed", n=2, manifest=False)
    write_problem(generate("set_cover", 0, n_rows=20, n_cols=30), folder / "zz.mps")
    with pytest.raises(InvalidModelError, match="different families"):
        tune(folder, budget=10, name="mixed", store=f"memory://tune-{uuid.uuid4().hex}")


def test_one_family_spread_wider_than_the_threshold_is_one_group_and_two_families_are_two() -> None:
    from optarium.learn.recognise import THRESHOLD, two_groups

    # one family spread evenly along a line: its ends lie 0.15 apart (RMS over 11 coordinates)
    spread = [[0.15 * (11 ** 0.5) * k / 20] + [0.0] * 10 for k in range(21)]
    assert math.dist(spread[0], spread[-1]) / 11 ** 0.5 > THRESHOLD
    assert two_groups(spread)[2] <= THRESHOLD
    # two tight families 0.14 apart, in any proportion
    for k in (1, 5, 10):
        mixed = [[0.0] * 11 for _ in range(20 - k)] + [[0.14 * 11 ** 0.5] + [0.0] * 10 for _ in range(k)]
        first, second, apart = two_groups(mixed)
        assert apart == pytest.approx(0.14) and sorted([len(first), len(second)]) == sorted([20 - k, k])
    assert two_groups([[0.5] * 11] * 4) == ([0, 1, 2, 3], [], 0.0)


def test_a_budget_below_one_configuration_is_refused(tmp_path: Path) -> None:
    store_url = f"memory://tune-{uuid.uuid4().hex}"
    with pytest.raises(OptionError, match=r"`budget`.*at least 6"):
        tune(family_folder(tmp_path / "mk", n=4), budget=5, store=store_url)
    assert open_store(store_url).list_artifacts() == []


def test_the_command_refuses_bad_input_with_one_line_and_exit_two(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    folder = family_folder(tmp_path / "mk", n=4)
    for args in ([str(tmp_path / "empty")], [str(folder), "--budget", "2"], [str(folder), "--solver", "gurobi"],
                 [str(folder), "--threads", "0"]):
        (tmp_path / "empty").mkdir(exist_ok=True)
        args = args if "--budget" in args else [*args, "--budget", "20"]
        done = subprocess.run([OPTARIUM, "tune", *args, "--store", f"sqlite:///{store}"], capture_output=True, text=True)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert not store.exists()


def test_the_command_tunes_and_saves_into_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    folder = family_folder(tmp_path / "mk", n=3)
    done = subprocess.run([OPTARIUM, "tune", str(folder), "--budget", "4", "--time-cap", "5", "--sampler", "random",
                           "--threads", "1", "--store", url, "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    reported = json.loads(done.stdout)
    assert reported["artifact"] == "tuned.highs.multiple_knapsack" and reported["validation"]
    assert open_store(url).load_artifact("tuned.highs.multiple_knapsack") is not None


@pytest.mark.parametrize(("sampler", "seed", "named"), [("nope", 0, "sampler"), ("nsga2", 0, "sampler"), ("auto", -1, "seed")])
def test_a_sampler_or_seed_the_study_cannot_take_is_refused_before_any_solve(
    tmp_path: Path, sampler: str, seed: int, named: str
) -> None:
    said: list[str] = []
    with pytest.raises(OptionError, match=rf"`{named}`"):
        tune(family_folder(tmp_path / "mk", n=4), budget=8, sampler=sampler, seed=seed, progress=said.append,
             store=f"memory://tune-{uuid.uuid4().hex}")
    assert said == []  # refused before the defaults ran on the training instances
