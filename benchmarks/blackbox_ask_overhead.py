"""Seconds per ask (until the parameters are known) with 50/100/200 observations in 5-D:
optarium's GP sampler against Optuna's GPSampler, in the same run.

    .venv/bin/python benchmarks/blackbox_ask_overhead.py [--quick]

optarium's GP runs in numpy on one BLAS thread, Optuna's in torch on one thread (the
fastest settings for these sizes on a shared machine). Each size: observations from a Sobol design on the Rosenbrock function, then
``repeats`` asks, each told failed; the first ask of optarium is cold (no stored
hyper-parameters to warm-start from), the rest are warm as in a running study.
Reports the median seconds per ask and the ratio optarium / Optuna, and the time of
BoTorch's standard fit-and-optimise loop (the library optarium's lean GP replaces).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
DIM = 5


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def design(n: int, seed: int) -> tuple[np.ndarray, list[float]]:
    import warnings

    from scipy.stats import qmc

    warnings.filterwarnings("ignore", message="The balance properties of Sobol")
    unit = qmc.Sobol(DIM, scramble=True, seed=seed).random(n)
    return unit, [rosenbrock(-2 + 4 * u) for u in unit]


def optarium_asks(n: int, repeats: int, seed: int) -> list[float]:
    from optarium.blackbox.space import Space
    from optarium.blackbox.study import Study
    from optarium.store import studies

    space = Space.from_dict({f"x{i}": {"type": "float", "low": -2.0, "high": 2.0} for i in range(DIM)})
    store = f"sqlite:///{tempfile.mkdtemp()}/overhead.db"
    study = Study.create(f"overhead-{n}", space, sampler="gp", seed=seed, store=store)
    unit, values = design(n, seed)
    with study.store.transaction() as connection:
        row = studies.find_study(connection, study.name)
        assert row is not None
        rows = [{"number": k + 1, "params": space.decode(u), "point": [float(v) for v in u], "sampler": "sobol", "info": {}} for k, u in enumerate(unit)]
        studies.insert_trials(connection, row["id"], rows)
        for stored in studies.list_trials(connection, row["id"]):
            studies.finish_trial(connection, stored, "complete", values[stored["number"] - 1], None)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        (trial,) = study.ask()
        times.append(time.perf_counter() - started)
        study.tell(trial, failed=True)
    return times


def optuna_asks(n: int, repeats: int, seed: int) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions: dict[str, optuna.distributions.BaseDistribution] = {
        f"x{i}": optuna.distributions.FloatDistribution(-2.0, 2.0) for i in range(DIM)
    }
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
    unit, values = design(n, seed)
    for u, value in zip(unit, values, strict=True):
        params = {f"x{i}": float(-2 + 4 * u[i]) for i in range(DIM)}
        study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions, value=value))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        trial = study.ask()
        for i in range(DIM):
            trial.suggest_float(f"x{i}", -2.0, 2.0)
        times.append(time.perf_counter() - started)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    return times


def botorch_asks(n: int, repeats: int, seed: int) -> list[float]:
    """BoTorch's standard loop (:mod:`botorch_loop`: SingleTaskGP, fit_gpytorch_mll, LogEI,
    optimize_acqf), for the question whether optarium's own GP is worth having."""
    from botorch_loop import next_point

    unit, values = design(n, seed)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        next_point(unit, values)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 11")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    repeats = 3 if args.quick else 11  # 10 warm asks: two of them also refit from the prior
    optarium_asks(20, 1, args.seed)  # import and JIT warm-up, not measured
    optuna_asks(20, 1, args.seed)
    rows = []
    load_before = os.getloadavg()
    print(f"{'observations':>12} {'optarium s/ask':>15} {'optuna s/ask':>13} {'ratio':>7} {'mean ratio':>11} {'optarium cold':>14} {'botorch s/ask':>14}")
    for n in (50, 100, 200):
        ours = optarium_asks(n, repeats, args.seed)
        theirs = optuna_asks(n, repeats, args.seed)
        botorch = botorch_asks(n, 2 if args.quick else repeats, args.seed)
        row = {
            "observations": n, "optarium_s": statistics.median(ours[1:] or ours), "optarium_cold_s": ours[0],
            "optarium_mean_s": statistics.fmean(ours[1:] or ours), "optuna_gp_mean_s": statistics.fmean(theirs),
            "optuna_gp_s": statistics.median(theirs), "botorch_s": statistics.median(botorch), "repeats": repeats,
        }
        row["ratio"] = row["optarium_s"] / row["optuna_gp_s"]
        row["ratio_of_means"] = row["optarium_mean_s"] / row["optuna_gp_mean_s"]
        rows.append(row)
        print(f"{n:>12} {row['optarium_s']:>15.3f} {row['optuna_gp_s']:>13.3f} {row['ratio']:>7.2f} {row['ratio_of_means']:>11.2f} {row['optarium_cold_s']:>14.3f} {row['botorch_s']:>14.3f}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("blackbox_ask_overhead_quick.json" if args.quick else "blackbox_ask_overhead.json")
    out.write_text(json.dumps({"dim": DIM, "quick": args.quick, "load_average": [load_before, os.getloadavg()], "rows": rows},
                              indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
