"""Small runs that reproduce the headline direction of the papers behind two samplers.

    .venv/bin/python examples/blackbox_papers.py [--seeds 5]

CBO (Riedl, Klock, Geldhauser, Fornasier, "Gradient is All You Need?", 2023): consensus-based
optimization, read as a stochastic relaxation of gradient descent, gets past the local
minima of a non-convex function where gradient descent stops. Here: the Rastrigin function
in 5-D (global minimum 0 at x = 1.3 in every coordinate, a local minimum at every integer
offset from it), 600 evaluations of optarium's ``cbo``, against L-BFGS-B with the exact
gradient run to convergence from each of the particles' starting points (the best of them).

ZO-RankSGD (Tang, Rybin, Chang, "Zeroth-Order Optimization Meets Human Feedback", ICLR 2024):
descent from rankings alone, with no value ever told, and more candidates per ranking give
more information per ranking. Here: a 10-D quadratic, 400 evaluations of optarium's
``zo_rank`` told only the order of each group of 2 or 8 candidates, against random search
that is told the values.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from scipy.optimize import minimize

import optarium
from optarium.blackbox.cbo import CBOSampler

STORE = "sqlite:///:memory:"


def rastrigin_run(seed: int, dim: int = 5, budget: int = 600) -> tuple[float, float]:
    """(CBO's best value, the best value gradient descent reaches from the particles' starts)."""
    shift = 1.3

    def value(x: np.ndarray) -> float:
        z = x - shift
        return float(10 * dim + (z * z - 10 * np.cos(2 * np.pi * z)).sum())

    def gradient(x: np.ndarray) -> np.ndarray:
        z = x - shift
        out: np.ndarray = 2 * z + 20 * np.pi * np.sin(2 * np.pi * z)
        return out

    names = [f"x{i}" for i in range(dim)]
    space = {name: {"type": "float", "low": -5.12, "high": 5.12} for name in names}
    study = optarium.optimize(lambda p: value(np.array([p[n] for n in names])), space, budget, sampler="cbo",
                              seed=seed, store=STORE)
    assert study.best is not None and study.best.value is not None
    starts = [np.array([t.params[n] for n in names]) for t in study.trials[: CBOSampler().particles(dim)]]
    descents = [minimize(value, x0, jac=gradient, method="L-BFGS-B", bounds=[(-5.12, 5.12)] * dim).fun for x0 in starts]
    return study.best.value, float(min(descents))


def ranking_run(seed: int, group: int, dim: int = 10, budget: int = 400) -> tuple[float, int]:
    """(best value found from rankings of ``group`` candidates, the number of rankings told)."""
    target = np.linspace(-0.6, 0.6, dim)
    names = [f"x{i}" for i in range(dim)]

    def value(params: dict[str, float]) -> float:
        return float(((np.array([params[n] for n in names]) - target) ** 2).sum())

    space = optarium.Space.from_dict({n: {"type": "float", "low": -1.0, "high": 1.0} for n in names})
    study = optarium.Study.create(f"panel-{group}-{seed}", space, feedback="ranking", seed=seed, store=STORE)
    rankings = 0
    while len(study.trials) + group <= budget:
        trials = study.ask(group)
        study.tell_ranking(trials, sorted(range(group), key=lambda k: value(trials[k].params)))  # the panel's order
        rankings += 1
    return min(value(t.params) for t in study.trials), rankings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    seeds = range(parser.parse_args().seeds)

    runs = [rastrigin_run(seed) for seed in seeds]
    lower = sum(cbo < gd for cbo, gd in runs)
    print("Rastrigin 5-D, 600 evaluations (global minimum 0):")
    print(f"  cbo: median best {statistics.median(r[0] for r in runs):.2f}   "
          f"gradient descent from the same starts: median best {statistics.median(r[1] for r in runs):.2f}   "
          f"cbo lower in {lower} of {len(runs)} seeds")

    target = np.linspace(-0.6, 0.6, 10)
    print(f"10-D quadratic, 400 evaluations, from {float((target ** 2).sum()):.2f} at the centre (minimum 0):")
    for group in (2, 8):
        ranked = [ranking_run(seed, group) for seed in seeds]
        print(f"  zo_rank, groups of {group}: median best {statistics.median(r[0] for r in ranked):.4f} "
              f"from {ranked[0][1]} rankings, no values")
    randoms = [float(((np.random.default_rng(seed).uniform(-1, 1, (400, 10)) - target) ** 2).sum(axis=1).min()) for seed in seeds]
    print(f"  random search told the values: median best {statistics.median(randoms):.4f}")


if __name__ == "__main__":
    main()
