"""NOTEARS objectives optimized by topological swaps vs the original continuous NOTEARS, on
simulated linear SEMs (Erdős–Rényi, 2d expected edges, weights ±U[0.5, 2], unit Gaussian noise,
n = 1000), d = 20 and 50, in one run: structural Hamming distance, objective, seconds.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/notears_swaps.py [--quick] [--seeds 0 1 2]

Methods (all thresholded at |w| < 0.3, as NOTEARS does):
- ``swaps``: least-squares score, greedy start;
- ``swaps_random``: least-squares score from a random order (shows the swaps doing the work);
- ``swaps_l1``: the ℓ1-penalized score (λ = 0.1, NOTEARS' setting), greedy start, at most d
  candidate swaps per step;
- ``notears``: augmented Lagrangian + L-BFGS-B on h(W) = tr(exp(W∘W)) - d, λ = 0.1.
Objectives: ``F0 = 1/(2n)|X - XW|²`` and ``F1 = F0 + 0.1|W|₁`` at the thresholded W.
--quick: d = 20 only, one seed.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np

from optarium.nonlinear_methods import notears_swaps as ns

RESULTS = Path(__file__).resolve().parent / "results"
L1 = 0.1


def evaluate(result: ns.DagResult, x: np.ndarray, truth: np.ndarray) -> dict[str, Any]:
    centred = x - x.mean(axis=0)
    return {
        "shd": ns.shd(result.weights, truth),
        "edges": int(np.count_nonzero(result.weights)),
        "acyclic": ns.is_dag(result.weights),
        "F0": ns.least_squares_objective(centred, result.weights),
        "F1": ns.least_squares_objective(centred, result.weights, L1),
        "seconds": result.seconds,
        "iterations": result.iterations,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    sizes = [20] if args.quick else [20, 50]
    seeds = args.seeds[:1] if args.quick else args.seeds
    rows = []
    for d in sizes:
        for seed in seeds:
            x, truth = ns.simulate_linear_sem(d, 2 * d, 1000, seed=seed)
            random_start = [int(k) for k in np.random.default_rng(seed).permutation(d)]
            row: dict[str, Any] = {"d": d, "seed": seed, "true_edges": int(np.count_nonzero(truth))}
            row["truth"] = {
                "F0": ns.least_squares_objective(x - x.mean(axis=0), truth),
                "F1": ns.least_squares_objective(x - x.mean(axis=0), truth, L1),
            }
            row["swaps"] = evaluate(ns.swap_search(x), x, truth)
            row["swaps_random"] = evaluate(ns.swap_search(x, init=random_start), x, truth)
            row["swaps_l1"] = evaluate(ns.swap_search(x, l1=L1, max_candidates=d), x, truth)
            row["notears"] = evaluate(ns.notears(x, l1=L1), x, truth)
            rows.append(row)
            print(
                f"d={d:3d} seed={seed}  "
                + "  ".join(
                    f"{m} shd {row[m]['shd']:3d} F1 {row[m]['F1']:8.3f} {row[m]['seconds']:6.1f}s"
                    for m in ("swaps", "swaps_random", "swaps_l1", "notears")
                ),
                flush=True,
            )
    summary = {}
    for d in sizes:
        chosen = [r for r in rows if r["d"] == d]
        summary[str(d)] = {
            m: {
                key: statistics.mean(float(r[m][key]) for r in chosen)
                for key in ("shd", "F0", "F1", "seconds")
            }
            for m in ("swaps", "swaps_random", "swaps_l1", "notears")
        }
    out = RESULTS / ("notears_swaps_quick.json" if args.quick else "notears_swaps.json")
    out.write_text(
        json.dumps(
            {"l1": L1, "n": 1000, "seeds": seeds, "summary": summary, "rows": rows}, indent=1
        )
    )
    print(json.dumps(summary, indent=1))
    print(f"written {out}")


if __name__ == "__main__":
    main()
