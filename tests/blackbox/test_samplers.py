"""One conformance suite over every registered sampler (STYLE rule 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optarium.blackbox.samplers import MULTI_OBJECTIVE, get_sampler, register, sampler_names
from optarium.blackbox.space import Space
from optarium.blackbox.study import Study
from optarium.errors import OptionError

SPACE = Space.from_dict({
    "x": {"type": "float", "low": -3.0, "high": 3.0},
    "lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
    "k": {"type": "int", "low": 1, "high": 6},
    "kind": {"type": "categorical", "choices": ["a", "b", "c"]},
})
ALL = [name for name in sampler_names() if name not in MULTI_OBJECTIVE]  # those: test_multiobjective.py


def objective(params: dict) -> float:
    return (params["x"] - 1.0) ** 2 + (math.log10(params["lr"]) + 2) ** 2 + abs(params["k"] - 4) + (params["kind"] != "b")


def run(study: Study, evaluations: int, batch: int = 2) -> None:
    while len(study.trials) < evaluations:
        for trial in study.ask(batch):
            study.tell(trial, objective(trial.params))


@pytest.mark.parametrize("name", ALL)
def test_batch_ask_returns_n_valid_distinct_pending_trials(name: str) -> None:
    study = Study.create(f"conf-{name}", SPACE, sampler=name, seed=1)
    run(study, 12, batch=3)
    trials = study.ask(3)
    assert len(trials) == 3
    assert [t.number for t in trials] == [13, 14, 15]
    for trial in trials:
        assert SPACE.check(trial.params) == trial.params
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 3
    assert sum(t.state == "pending" for t in study.trials) == 3


@pytest.mark.parametrize("name", ALL)
def test_same_seed_and_results_give_the_same_suggestions(name: str) -> None:
    runs = []
    for copy in range(2):
        study = Study.create(f"seed-{name}-{copy}", SPACE, sampler=name, seed=7)
        run(study, 10)
        runs.append([t.params for t in study.ask(2)])
    assert runs[0] == runs[1]


@pytest.mark.parametrize("name", [n for n in ALL if n not in ("sobol", "random")])
def test_model_based_sampler_beats_its_own_start(name: str) -> None:
    study = Study.create(f"improve-{name}", SPACE, sampler=name, seed=3)
    run(study, 24)
    values = [t.value for t in study.trials if t.value is not None]
    assert min(values[10:]) < min(values[:6])
    assert study.best is not None and study.best.value == min(values)


@pytest.mark.parametrize("name", ALL)
def test_one_ask_at_a_time_keeps_moving(name: str) -> None:
    """``optimize`` with one worker asks for one trial at a time: a sampler must not repeat itself."""
    study = Study.create(f"single-{name}", SPACE, sampler=name, seed=2)
    run(study, 20, batch=1)
    assert len({t.params["x"] for t in study.trials}) >= 15


def test_cbo_asked_one_at_a_time_moves_every_particle_in_turn() -> None:
    study = Study.create("cbo-turns", SPACE, sampler="cbo", seed=2)
    particles = get_sampler("cbo").particles(SPACE.dim)
    run(study, 2 * particles, batch=1)
    turns = [t.info["particle"] for t in study.trials]
    assert turns == list(range(particles)) * 2


@pytest.mark.parametrize("name", ALL)
def test_failed_and_pending_trials_do_not_stop_a_sampler(name: str) -> None:
    study = Study.create(f"fail-{name}", SPACE, sampler=name, seed=5)
    for step in range(5):
        trials = study.ask(2)
        study.tell(trials[0], failed=True)
        if step % 2:
            study.tell(trials[1], objective(trials[1].params))
    assert len(study.ask(2)) == 2


def test_gp_respects_told_feasibility() -> None:
    space = Space.from_dict({"x": {"type": "float", "low": 0.0, "high": 1.0}, "y": {"type": "float", "low": 0.0, "high": 1.0}})
    study = Study.create("constrained", space, sampler="gp", seed=2)
    for _ in range(15):
        (trial,) = study.ask()
        x, y = trial.params["x"], trial.params["y"]
        # minimise x + y subject to x + y >= 0.8 (feasibility <= 0 when satisfied)
        study.tell(trial, x + y, feasibility=0.8 - (x + y))
    best = study.best
    assert best is not None and best.feasible
    assert 0.8 <= best.value < 0.95
    # after the design, suggestions hug the boundary instead of the infeasible optimum (0, 0)
    late = study.trials[10:]
    assert all(t.params["x"] + t.params["y"] > 0.6 for t in late)


def test_gp_switches_to_noisy_ei_on_noisy_observations() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    space = Space.from_dict({"x": {"type": "float", "low": 0.0, "high": 1.0}})
    study = Study.create("noisy", space, sampler="gp", seed=2)
    for _ in range(16):
        (trial,) = study.ask()
        study.tell(trial, (trial.params["x"] - 0.3) ** 2 + 0.3 * rng.standard_normal())
    (trial,) = study.ask()
    assert trial.info["acquisition"] == "log_nei"


def test_gp_searches_a_box_around_the_incumbent_that_shrinks_in_the_endgame() -> None:
    space = Space.from_dict({"x": {"type": "float", "low": -5.0, "high": 5.0}, "y": {"type": "float", "low": -5.0, "high": 5.0}})
    study = Study.create("endgame", space, sampler="gp", seed=3, budget=25)
    for _ in range(25):
        (trial,) = study.ask()
        study.tell(trial, (trial.params["x"] - 1.234) ** 2 + 10 * (trial.params["y"] + 2.5) ** 2)
    trials = study.trials
    boxed = [t for t in trials if t.sampler == "gp"]
    assert [t.number for t in boxed] == list(range(5, 26)) and all("box" in t.info for t in boxed)
    # the trust box until the endgame, its side scaled so that it holds a third of the cube's volume
    assert {t.info["box"] for t in trials[4:20]} == {round(0.8 ** (5 / 2), 6)}
    assert 0.32 < trials[4].info["box"] ** 2 < 0.34
    sides = [t.info["box"] for t in trials[20:]]  # the last 20% of 25 shrink it
    assert sides == sorted(sides, reverse=True) and sides[0] < 0.8 ** (5 / 2) and sides[-1] <= 0.05
    for k in range(4, 25):  # each point lies in its box around the best point before it
        best = min(trials[:k], key=lambda t: t.value)
        scales = np.exp(trials[k].info["theta"][:2])  # the box's sides follow the length scales
        half = np.clip(0.5 * trials[k].info["box"] * scales / np.exp(np.log(scales).mean()), 0.01, 0.5)
        gaps = [abs(trials[k].params[p] - best.params[p]) / 10.0 for p in ("x", "y")]
        assert all(gap <= h + 1e-6 for gap, h in zip(gaps, half, strict=True))
    assert study.best is not None and study.best.value < 0.01  # the optimum is 0


@pytest.mark.parametrize("trend", [False, True])
@pytest.mark.parametrize("dim", [2, 5])
def test_gp_fits_heavy_tailed_losses_on_the_scale_that_explains_them(dim: int, trend: bool) -> None:
    """An ill-conditioned quadratic is smooth as it is; the exponential of a quadratic only on
    a log scale. Both have the heavy upper tail that makes the GP consider the log warps."""
    import numpy as np

    from optarium.blackbox.gp import Encoder, _fit

    space = Space.from_dict({f"x{i}": {"type": "float", "low": -5.0, "high": 5.0} for i in range(dim)})
    encoder = Encoder(space)
    unit = np.random.default_rng(dim).random((40, dim))
    x = -5 + 10 * unit
    ellipsoid = ((x - 1) ** 2 * 10 ** (6 * np.arange(dim) / (dim - 1))).sum(1)
    exponential = np.exp(((x - 1) ** 2).sum(1) / dim)
    chosen = [_fit(encoder, dim, encoder.features(unit), losses, None, restart=True, trend=trend)[2]
              for losses in (ellipsoid, exponential)]
    assert chosen == ["none", "log"]


def test_gp_fits_a_quartic_bowl_on_the_soft_log_scale() -> None:
    """The square of a quadratic spans decades, but its floor is a smooth bowl: the soft log
    (offset the gap to the median) tames the tail and keeps the floor, which neither the raw
    scale nor the strong log (offset a tenth of it) explains as well."""
    from optarium.blackbox.gp import WARP_OFFSETS, Encoder, _fit

    space = Space.from_dict({f"x{i}": {"type": "float", "low": -5.0, "high": 5.0} for i in range(2)})
    encoder = Encoder(space)
    unit = np.random.default_rng(0).random((40, 2))
    quartic = (((-5 + 10 * unit) - 1) ** 2).sum(1) ** 2

    def warp(offsets: dict[str, float]) -> str:
        return _fit(encoder, 2, encoder.features(unit), quartic, None, restart=True, trend=True, offsets=offsets)[2]

    assert warp(WARP_OFFSETS) == "soft_log"
    assert warp({"log": WARP_OFFSETS["log"]}) == "log"  # the raw scale is the worst of the three


def test_gp_endgame_keeps_the_log_only_when_it_explains_the_losses_decisively_better() -> None:
    """Once the points crowd into one basin, a log's offset makes the best of them look
    alike: on an ill-conditioned quadratic a log warp still wins by a little, which the
    endgame's margin overrules; on the exponential of a quadratic the strong log wins by far
    more than the margin."""
    from optarium.blackbox.gp import WARP_OFFSETS, Encoder, GPSampler, _fit

    space = Space.from_dict({f"x{i}": {"type": "float", "low": -5.0, "high": 5.0} for i in range(2)})
    encoder = Encoder(space)
    rng = np.random.default_rng(2)
    unit = np.vstack([rng.random((20, 2)), np.clip(0.6 + 0.05 * rng.standard_normal((40, 2)), 0, 1)])
    x = -5 + 10 * unit
    ellipsoid = ((x - 1) ** 2 * 10 ** (6 * np.arange(2))).sum(1)
    exponential = np.exp(((x - 1) ** 2).sum(1) * 2)

    def warp(losses: np.ndarray, margin: float) -> str:
        return _fit(encoder, 2, encoder.features(unit), losses, None, restart=True, trend=True, log_margin=margin)[2]

    margin = GPSampler.endgame_log_margin
    assert warp(ellipsoid, 0.0) in WARP_OFFSETS  # a log warp wins by a little ...
    assert warp(ellipsoid, margin) == "none"  # ... which the endgame's margin overrules
    assert [warp(exponential, 0.0), warp(exponential, margin)] == ["log", "log"]


def test_zo_rank_descends_from_rankings_only() -> None:
    space = Space.from_dict({f"x{i}": {"type": "float", "low": -1.0, "high": 1.0} for i in range(3)})
    study = Study.create("ranking", space, sampler="auto", feedback="ranking", seed=4)
    assert study.sampler_reason.startswith("zo_rank")

    def distance(trial) -> float:  # the hidden preference: close to (0.5, 0.5, 0.5)
        return sum((v - 0.5) ** 2 for v in trial.params.values())

    first = None
    for _ in range(25):
        trials = study.ask(4)
        first = first if first is not None else min(distance(t) for t in trials)
        order = sorted(range(4), key=lambda k: distance(trials[k]))
        study.tell_ranking(trials, order)
    best = study.best
    assert best is not None and distance(best) < first / 2


def test_registry_rejects_duplicates_and_unknown_names() -> None:
    with pytest.raises(ValueError, match="'gp' is already registered"):
        register("gp", "x:y")
    with pytest.raises(OptionError, match="'annealing'"):
        get_sampler("annealing")
    with pytest.raises(OptionError, match="'annealing'"):
        Study.create("no-such-sampler", SPACE, sampler="annealing")


def test_gp_trend_carries_a_bowl_beyond_the_data() -> None:
    """The quadratic trend puts the minimum of a bowl where it is, outside the observed corner;
    its kernel's diagonal is the prior variance the posterior starts from."""
    from optarium.blackbox.gp_model import GaussianProcess

    unit = np.random.default_rng(0).random((12, 2)) * 0.5  # the lower-left quarter of the cube
    losses = ((unit - 0.8) ** 2).sum(1)  # the bowl's minimum is at (0.8, 0.8)
    y = (losses - losses.mean()) / losses.std()
    grid = np.stack(np.meshgrid(np.linspace(0, 1, 41), np.linspace(0, 1, 41)), -1).reshape(-1, 2)
    misses = []
    for trend in (False, True):
        model = GaussianProcess([0, 1], 2, trend=trend).fit(unit, y)
        mean, _ = model.posterior(grid)
        misses.append(float(np.linalg.norm(grid[int(mean.argmin())] - 0.8)))
        corners = grid[[0, 20, -1]]
        diagonal = np.diagonal(model.kernel(corners, corners, model.log_lengthscale, model.log_outputscale))
        assert np.allclose(diagonal, model.prior_variance(corners))
    assert misses[1] <= 0.03 < misses[0]


def test_gp_posterior_on_torch_tensors_is_the_numpy_posterior_and_differentiable() -> None:
    """The multi-objective and offline samplers differentiate the same fitted model through torch."""
    import torch

    from optarium.blackbox.gp_model import GaussianProcess

    rng = np.random.default_rng(1)
    X = rng.random((10, 2))
    y = np.sin(5 * X[:, 0]) + X[:, 1]
    model = GaussianProcess([0, 1], 2, trend=True).fit(X, (y - y.mean()) / y.std())
    points = rng.random((4, 2))
    inputs = torch.as_tensor(points).requires_grad_(True)
    mean, variance = model.posterior(inputs)
    expected_mean, expected_variance, mean_gradient, _ = model.posterior_gradient(points)
    assert np.allclose(mean.detach().numpy(), expected_mean) and np.allclose(variance.detach().numpy(), expected_variance)
    mean.sum().backward()
    assert inputs.grad is not None and np.allclose(inputs.grad.numpy(), mean_gradient)


def test_single_objective_gp_asks_never_import_torch() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from optarium.blackbox.study import Study\n"
        "space = {'x': {'type': 'float', 'low': -2, 'high': 2}, 'y': {'type': 'float', 'low': -2, 'high': 2}}\n"
        "study = Study.create('s', space, sampler='auto', seed=1, store='memory://')\n"
        "for _ in range(6):\n"
        "    trial = study.ask()[0]\n"
        "    study.tell(trial, (trial.params['x'] - 1) ** 2 + trial.params['y'] ** 2)\n"
        "print(study.trials[-1].sampler, 'torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["gp", "False"]
