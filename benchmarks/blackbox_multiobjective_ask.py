"""Ask time of optarium's ``auto`` and Optuna's GPSampler on the same multi-objective history.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/blackbox_multiobjective_ask.py \
        [--problems BraninCurrin,DTLZ2,RE37] [--told 115] [--batch 5] [--seed 0]

Both samplers get the same ``--told`` evaluated points (uniform random in the box, seeded)
and ask one batch of ``--batch`` points without telling any (the later asks of the batch
see the earlier ones as pending, as in blackbox_multiobjective.py, whose last batch is the
one after 115 results). Each side runs on one torch thread; the time is the wall time of
the batch, after one untimed warm-up batch of each on the first 10 points (imports,
first calls). BLAS runs on one thread too (``OMP_NUM_THREADS=1`` unless set). Writes benchmarks/results/blackbox_multiobjective_ask.json with the load average
before and after each problem, and prints auto's time over GPSampler's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # after the thread settings

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def optarium_batch(function: Any, points: np.ndarray, values: np.ndarray, batch: int, seed: int) -> float:
    from optarium.blackbox.base import History, Trial
    from optarium.blackbox.samplers import get_sampler
    from optarium.blackbox.space import Space

    bounds = function.bounds
    space = Space.from_dict({f"x{i}": {"type": "float", "low": float(bounds[0, i]), "high": float(bounds[1, i])}
                             for i in range(function.dim)})
    unit = (points - bounds[0]) / (bounds[1] - bounds[0])
    trials = [Trial(i + 1, {f"x{j}": float(x[j]) for j in range(function.dim)}, "complete", point=tuple(float(u) for u in p),
                    values=tuple(float(v) for v in y))
              for i, (x, p, y) in enumerate(zip(points, unit, values, strict=True))]
    history = History(space=space, direction="minimize", seed=seed, ask_index=len(trials) // batch, trials=trials,
                      budget=len(trials) + batch, directions=("minimize",) * function.num_objectives)
    started = time.perf_counter()
    get_sampler("auto").suggest(history, batch)
    return time.perf_counter() - started


def optuna_batch(function: Any, points: np.ndarray, values: np.ndarray, batch: int, seed: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    bounds = function.bounds
    distributions = {f"x{i}": optuna.distributions.FloatDistribution(float(bounds[0, i]), float(bounds[1, i]))
                     for i in range(function.dim)}
    study = optuna.create_study(directions=["minimize"] * function.num_objectives,
                                sampler=optuna.samplers.GPSampler(seed=seed))
    study.add_trials([optuna.trial.create_trial(params={f"x{i}": float(x[i]) for i in range(function.dim)},
                                                distributions=distributions, values=[float(v) for v in y])
                      for x, y in zip(points, values, strict=True)])
    started = time.perf_counter()
    for _ in range(batch):
        trial = study.ask()
        for i in range(function.dim):
            trial.suggest_float(f"x{i}", float(bounds[0, i]), float(bounds[1, i]))
    return time.perf_counter() - started


def main() -> None:
    from blackbox_multiobjective import PROBLEMS, evaluate, problem

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default="BraninCurrin,DTLZ2,RE37")
    parser.add_argument("--told", type=int, default=115)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    names = args.problems.split(",")
    unknown = [p for p in names if p not in PROBLEMS]
    if unknown or args.told < 3 or args.batch < 1:
        print(f"blackbox_multiobjective_ask: problems are {', '.join(PROBLEMS)} (got {args.problems!r}); --told must be "
              f"at least 3 and --batch positive (got {args.told}, {args.batch})", file=sys.stderr)
        sys.exit(2)
    import torch

    torch.set_num_threads(1)
    rows = []
    warm = problem(names[0])
    points = warm.bounds[0] + np.random.default_rng(args.seed).random((10, warm.dim)) * (warm.bounds[1] - warm.bounds[0])
    values = np.array([evaluate(warm, x) for x in points])
    optarium_batch(warm, points, values, 2, args.seed)
    optuna_batch(warm, points, values, 2, args.seed)
    for name in names:
        function = problem(name)
        rng = np.random.default_rng(args.seed)
        bounds = function.bounds
        points = bounds[0] + rng.random((args.told, function.dim)) * (bounds[1] - bounds[0])
        values = np.array([evaluate(function, x) for x in points])
        load_before = os.getloadavg()[0]
        ours = optarium_batch(function, points, values, args.batch, args.seed)
        theirs = optuna_batch(function, points, values, args.batch, args.seed)
        row = {"problem": name, "told": args.told, "batch": args.batch, "auto_seconds": round(ours, 3),
               "optuna_gp_seconds": round(theirs, 3), "ratio_auto_over_gp": round(ours / theirs, 3),
               "load": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
        rows.append(row)
        print(f"{name:14s} auto {ours:6.2f} s  GPSampler {theirs:6.2f} s  ratio {ours / theirs:.2f}  load {load_before:.1f}",
              flush=True)
    out = HERE / "results" / "blackbox_multiobjective_ask.json"
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE.parent, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], cwd=HERE.parent, capture_output=True, text=True).stdout.split("\n")
    out.write_text(json.dumps({"args": vars(args), "commit": commit, "uncommitted_src": [d for d in dirty if d],
                               "rows": rows}, separators=(",", ":")) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
