"""Per-feature ridge penalties chosen on validation data: Kwon et al.'s penalty method against black-box studies.

For each seed a synthetic regression (``--features`` features, 5 of them
informative, 60 training and 60 validation rows, 1000 test rows) is made; the
penalty method runs ``--steps`` outer steps from lambda = 1, and black-box
studies (``optarium.blackbox.optimize``, samplers ``auto``, ``cmaes`` and
``sobol``) search the same log-penalties in [-8, 4] for the same wall-clock
time. Every reported choice is scored by the exact follower answer (a linear
solve): validation loss (what is optimised) and test loss. Reference points:
lambda = 1 for every feature and the best single lambda on a grid. Prints a
table and writes ``benchmarks/results/bilevel_penalty.json``.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/bilevel_penalty.py [--seeds 5] [--features 20] [--steps 300]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "bilevel_penalty.json"
SAMPLERS = ("auto", "cmaes", "sobol")


def test_loss(problem: Any, x: Any, A_test: Any, b_test: Any) -> float:
    residual = A_test @ problem.weights(x) - b_test
    return float(residual @ residual / len(residual))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()

    from optarium.domains.bilevel.penalty import PenaltySettings
    from optarium.domains.bilevel.ridge import RidgeTuning, tune_blackbox, tune_penalty

    rows = []
    for seed in range(args.seeds):
        problem, A_test, b_test = RidgeTuning.synthetic(n_features=args.features, seed=seed)
        d = problem.n_features
        grid = np.linspace(*problem.log_bounds, 49)
        single = min(grid, key=lambda v: problem.validation_loss(np.full(d, v)))
        row: dict[str, Any] = {"seed": seed, "methods": {}}
        for label, x in (("lambda=1", np.zeros(d)), ("best single lambda", np.full(d, single))):
            row["methods"][label] = {"validation": problem.validation_loss(x), "test": test_loss(problem, x, A_test, b_test)}
        penalty = tune_penalty(problem, PenaltySettings(steps=args.steps))
        row["methods"]["penalty"] = {"validation": penalty["validation_loss"], "seconds": penalty["seconds"],
                                     "steps": penalty["steps"], "test": test_loss(problem, penalty["x"], A_test, b_test)}
        for sampler in SAMPLERS:
            found = tune_blackbox(problem, penalty["seconds"], sampler=sampler, seed=seed, batch=1)
            row["methods"][f"blackbox {sampler}"] = {
                "validation": found["validation_loss"], "seconds": found["seconds"], "trials": found["trials"],
                "test": test_loss(problem, found["x"], A_test, b_test)}
        rows.append(row)
        print(f"seed {seed}: " + "  ".join(f"{name} {m['validation']:.4f}/{m['test']:.4f}" for name, m in row["methods"].items()))
    names = list(rows[0]["methods"])
    summary = {}
    for name in names:
        values = [row["methods"][name] for row in rows]
        summary[name] = {
            "median_validation": statistics.median(v["validation"] for v in values),
            "median_test": statistics.median(v["test"] for v in values),
            "median_seconds": statistics.median(v["seconds"] for v in values) if "seconds" in values[0] else None,
            "median_trials": statistics.median(v["trials"] for v in values) if "trials" in values[0] else None,
            "wins_vs_penalty_validation": sum(v["validation"] < row["methods"]["penalty"]["validation"]
                                              for v, row in zip(values, rows, strict=True)),
        }
    print(f"{'method':22s} {'median val':>10s} {'median test':>11s} {'seconds':>8s} {'trials':>7s}")
    for name, s in summary.items():
        seconds = "" if s["median_seconds"] is None else f"{s['median_seconds']:.1f}"
        trials = "" if s["median_trials"] is None else f"{s['median_trials']:.0f}"
        print(f"{name:22s} {s['median_validation']:10.4f} {s['median_test']:11.4f} {seconds:>8s} {trials:>7s}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "command": "flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/bilevel_penalty.py"
                   + f" --seeds {args.seeds} --features {args.features} --steps {args.steps}",
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "summary": summary, "rows": rows,
    }, indent=2, default=float) + "\n")


if __name__ == "__main__":
    main()
