"""Multi-objective studies: hypervolume after N evaluations, optarium against random and Optuna.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/blackbox_multiobjective.py \
        [--problems ZDT1,DTLZ2] [--seeds 0,1,2] [--methods ...] [--evaluations 120] [--batch 5]

Problems are BoTorch's test functions (minimised; each with its reference point and the
hypervolume of its true front): BraninCurrin (d=2), ZDT1-3 (d=6), DTLZ2 (d=6, three
objectives) and VehicleSafety (d=5, three objectives). Protocol of the SVH-PSL paper: 120
evaluations asked in batches of 5 (each method's own initial design). Metric: log10 of the
hypervolume gap to the true front at the end. Peers in the same run, same seeds: random
search, Optuna's NSGAIISampler (population 20), TPESampler and GPSampler (multi-objective).
Ask time is each method's time inside ask over the whole run, every method on one torch
thread. Writes
benchmarks/results/blackbox_multiobjective[-TAG].json and prints a table with, per problem,
the median log gap and the ratio of optarium's hypervolume gap to each peer's (< 1: optarium
closer to the true front).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
PROBLEMS = ["BraninCurrin", "ZDT1", "ZDT2", "ZDT3", "DTLZ2", "VehicleSafety"]
METHODS = ["optarium_auto", "random", "optuna_nsga2", "optuna_tpe", "optuna_gp"]


def problem(name: str) -> Any:
    from botorch.test_functions import multi_objective as mo

    return {
        "BraninCurrin": lambda: mo.BraninCurrin(),
        "ZDT1": lambda: mo.ZDT1(dim=6), "ZDT2": lambda: mo.ZDT2(dim=6), "ZDT3": lambda: mo.ZDT3(dim=6),
        "DTLZ2": lambda: mo.DTLZ2(dim=6, num_objectives=3),
        "VehicleSafety": lambda: mo.VehicleSafety(),
    }[name]()


def evaluate(function: Any, x: np.ndarray) -> list[float]:
    import torch

    with torch.no_grad():
        return [float(v) for v in function.evaluate_true(torch.as_tensor(x[None, :], dtype=torch.float64))[0]]


def run_optarium(function: Any, seed: int, evaluations: int, batch: int, sampler: str) -> tuple[np.ndarray, float]:
    from optarium.blackbox.study import Study

    bounds = function.bounds.numpy()
    space = {f"x{i}": {"type": "float", "low": float(bounds[0, i]), "high": float(bounds[1, i])} for i in range(function.dim)}
    study = Study.create("mo", space, directions=["minimize"] * function.num_objectives, sampler=sampler, seed=seed,
                         budget=evaluations, store="memory://")
    values, asking = [], 0.0
    while len(values) < evaluations:
        started = time.perf_counter()
        trials = study.ask(min(batch, evaluations - len(values)))
        asking += time.perf_counter() - started
        for trial in trials:
            y = evaluate(function, np.array([trial.params[f"x{i}"] for i in range(function.dim)]))
            study.tell(trial, y)
            values.append(y)
    return np.array(values), asking


def run_optuna(function: Any, seed: int, evaluations: int, batch: int, kind: str) -> tuple[np.ndarray, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    sampler = {
        "optuna_nsga2": lambda: optuna.samplers.NSGAIISampler(population_size=20, seed=seed),
        "optuna_tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "optuna_gp": lambda: optuna.samplers.GPSampler(seed=seed),
    }[kind]()
    study = optuna.create_study(directions=["minimize"] * function.num_objectives, sampler=sampler)
    bounds = function.bounds.numpy()
    values, asking = [], 0.0
    while len(values) < evaluations:
        started = time.perf_counter()
        trials = [study.ask() for _ in range(min(batch, evaluations - len(values)))]
        xs = [np.array([t.suggest_float(f"x{i}", float(bounds[0, i]), float(bounds[1, i])) for i in range(function.dim)])
              for t in trials]
        asking += time.perf_counter() - started
        for trial, x in zip(trials, xs, strict=True):
            y = evaluate(function, x)
            study.tell(trial, y)
            values.append(y)
    return np.array(values), asking


def run_random(function: Any, seed: int, evaluations: int, batch: int) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(seed)
    bounds = function.bounds.numpy()
    xs = bounds[0] + rng.random((evaluations, function.dim)) * (bounds[1] - bounds[0])
    return np.array([evaluate(function, x) for x in xs]), 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--evaluations", type=int, default=120)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)  # both sides on one torch thread (ours sets it per ask anyway)
    from optarium.blackbox.pareto import hypervolume

    seeds = [int(s) for s in args.seeds.split(",")]
    methods = args.methods.split(",")
    records: list[dict[str, Any]] = []
    for name in args.problems.split(","):
        function = problem(name)
        reference, best = function.ref_point.numpy(), float(function._max_hv)
        for seed in seeds:
            for method in methods:
                started = time.perf_counter()
                if method == "optarium_auto":
                    values, asking = run_optarium(function, seed, args.evaluations, args.batch, "auto")
                elif method.startswith("optarium_"):
                    values, asking = run_optarium(function, seed, args.evaluations, args.batch, method.split("_", 1)[1])
                elif method == "random":
                    values, asking = run_random(function, seed, args.evaluations, args.batch)
                else:
                    values, asking = run_optuna(function, seed, args.evaluations, args.batch, method)
                volume = hypervolume(values, reference)
                gap = max(best - volume, 1e-12)
                records.append({"problem": name, "seed": seed, "method": method, "hypervolume": volume,
                                "log10_gap": math.log10(gap), "ask_seconds": asking,
                                "seconds": time.perf_counter() - started})
                print(f"{name:14s} seed {seed} {method:14s} log10 gap {math.log10(gap):7.3f}  ask {asking:6.1f} s", flush=True)
    summary = summarise(records, methods)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"blackbox_multiobjective{'-' + args.tag if args.tag else ''}.json"
    out.write_text(json.dumps({"args": vars(args), "records": records, "summary": summary}, indent=1))
    print(f"wrote {out}")


def summarise(records: list[dict[str, Any]], methods: list[str]) -> dict[str, Any]:
    """Per problem: median log10 gap per method; optarium's gap over each peer's (geometric mean over seeds)."""
    summary: dict[str, Any] = {}
    problems = sorted({r["problem"] for r in records}, key=lambda p: PROBLEMS.index(p) if p in PROBLEMS else 99)
    print("\nproblem         " + "".join(f"{m:>15s}" for m in methods) + "   (median log10 hypervolume gap)")
    for name in problems:
        rows = [r for r in records if r["problem"] == name]
        medians = {m: statistics.median(r["log10_gap"] for r in rows if r["method"] == m) for m in methods}
        asks = {m: statistics.median(r["ask_seconds"] for r in rows if r["method"] == m) for m in methods}
        ratios = {}
        for peer in methods:
            if peer == "optarium_auto" or "optarium_auto" not in methods:
                continue
            diffs = [a["log10_gap"] - b["log10_gap"] for a in rows if a["method"] == "optarium_auto"
                     for b in rows if b["method"] == peer and b["seed"] == a["seed"]]
            ratios[peer] = 10 ** statistics.mean(diffs)
        summary[name] = {"median_log10_gap": medians, "gap_ratio_auto_over": ratios, "median_ask_seconds": asks}
        print(f"{name:16s}" + "".join(f"{medians[m]:15.3f}" for m in methods))
        if ratios:
            print(" " * 16 + "gap ratio auto/peer: " + ", ".join(f"{p} {v:.2f}" for p, v in ratios.items()))
            print(" " * 16 + "median ask s: " + ", ".join(f"{m} {asks[m]:.1f}" for m in methods))
    return summary


if __name__ == "__main__":
    main()
