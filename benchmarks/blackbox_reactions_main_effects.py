"""Can a model of main effects beat random search on the easy reaction tables? A diagnostic.

    .venv/bin/python benchmarks/blackbox_reactions_main_effects.py [--seeds 200] [--design 5] [--rules ucb,mean] [--screening]

Runs the top-10% campaigns of ``blackbox_reactions.py --top 0.1 --slices`` (or its
``--screening`` slices) with a model no GP sampler has: a Bayesian linear regression on the
one-hot levels (ridge, prior precision 1 on each level's effect, standardised yields), after
``--design`` points of a seeded random order. Each later pick is the untried row with the
largest posterior mean (``mean``), mean plus one posterior standard deviation (``ucb``), or
value under one posterior draw (``ts``). Prints experiments to the top 10% per table as a
ratio to uniform random search's expectation, (N + 1) / (K + 1); numpy alone, seconds per table.

It answers whether a model of "level a of parameter j is good" alone finds the top of a
table sooner than random, the question left by the GP's result on the Suzuki chloride slice.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from blackbox_reactions import RESULTS, SCREENING_SLICES, load, slices


def one_hot(params: list[dict], keys: list[tuple[str, ...]]) -> np.ndarray:
    blocks = []
    for j, param in enumerate(params):
        index = {option: i for i, option in enumerate(param["options"])}
        block = np.zeros((len(keys), len(param["options"])))
        block[np.arange(len(keys)), [index[key[j]] for key in keys]] = 1.0
        blocks.append(block)
    return np.hstack(blocks)


def pairwise(X: np.ndarray, params: list[dict], scale: float) -> np.ndarray:
    """``X`` with one column per pair of levels of two different parameters (their product), times ``scale``."""
    edges = np.cumsum([0] + [len(p["options"]) for p in params])
    blocks = [X]
    for a in range(len(params)):
        for b in range(a + 1, len(params)):
            left, right = X[:, edges[a]:edges[a + 1]], X[:, edges[b]:edges[b + 1]]
            blocks.append(scale * (left[:, :, None] * right[:, None, :]).reshape(len(X), -1))
    return np.hstack(blocks)


def campaign(X: np.ndarray, y: np.ndarray, top: np.ndarray, seed: int, design: int, rule: str, cap: int) -> int:
    """Experiments until a top row (cap + 1 when none is found)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    tried: list[int] = []
    for experiment in range(1, cap + 1):
        if experiment <= design:
            pick = int(order[experiment - 1])
        else:
            seen = y[tried]
            z = (seen - seen.mean()) / (seen.std() + 1e-9)
            covariance = np.linalg.inv(X[tried].T @ X[tried] + np.eye(X.shape[1]))
            weights = covariance @ X[tried].T @ z
            if rule.startswith("ts"):
                weights = rng.multivariate_normal(weights, covariance * max(float(z.var()), 1e-3), method="cholesky")
            score = X @ weights
            if rule == "ucb":
                score = score + np.sqrt(np.einsum("ij,jk,ik->i", X, covariance, X))
            score[tried] = -np.inf
            pick = int(np.argmax(score))
        tried.append(pick)
        if top[pick]:
            return experiment
    return cap + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--design", type=int, default=5, help="random-order points before the model picks")
    parser.add_argument("--rules", default="ucb,mean", help="comma-separated: mean, ucb, ts, or ts2_S (Thompson on main "
                        "effects and pairwise interactions, the interactions' prior standard deviation S)")
    parser.add_argument("--cap", type=int, default=100)
    parser.add_argument("--screening", action="store_true", help="the screening slices instead of the held-out ones")
    parser.add_argument("--tag", default="", help="suffix of the results' file name")
    parser.add_argument("--top", type=float, default=0.1, help="stop at this top fraction (0.01: the whole tables' top-1%% campaigns)")
    args = parser.parse_args()
    tasks = []
    for dataset in ("Buchwald_Hartwig", "Suzuki_Doyle"):
        if args.top != 0.1:
            tasks.append((dataset, *load(dataset, args.top)))
        elif args.screening:
            tasks += slices(dataset, 0.1, SCREENING_SLICES[dataset])
        else:
            tasks += [(dataset, *load(dataset, 0.1)), *slices(dataset, 0.1)]
    rules = args.rules.split(",")
    results = {}
    print(f"{'table':<45} {'random expects':>15} " + " ".join(f"{r + ' ÷ random':>14}" for r in rules))
    for name, params, table, threshold in tasks:
        keys = list(table)
        y = np.array([table[k] for k in keys])
        X = one_hot(params, keys)
        top = y >= threshold
        Xp = {r: pairwise(X, params, float(r.split("_")[1])) for r in rules if r.startswith("ts2")}
        expected = (len(y) + 1) / (int(top.sum()) + 1)
        row = {}
        for rule in rules:
            runs = [campaign(Xp.get(rule, X), y, top, seed, args.design, rule, args.cap) for seed in range(args.seeds)]
            row[rule] = {"mean": statistics.mean(runs), "stderr": statistics.stdev(runs) / len(runs) ** 0.5,
                         "ratio_to_random_expectation": statistics.mean(runs) / expected}
        results[name] = {"random_expectation": expected, "rules": row}
        print(f"{name[:45]:<45} {expected:>15.1f} " + " ".join(f"{row[r]['ratio_to_random_expectation']:>14.2f}" for r in rules))
    suffix = f"_top{args.top:g}" if args.top != 0.1 else "_screening" if args.screening else ""
    out = RESULTS / f"blackbox_reactions_main_effects{suffix}{'_' + args.tag if args.tag else ''}.json"
    out.write_text(json.dumps({"seeds": args.seeds, "design": args.design, "load_average": os.getloadavg(),
                               "tables": results}, separators=(",", ":")))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
