"""Routing: cold PyVRP against the learned warm start (after EARLI, 2025) on the X instances.

Phase 1 fills a fresh SQLite store with cold runs of the training instances
(those not under test; in the full run every instance is under test and the
warm start of each one learns from the cold runs of the other thirteen).
Phase 2 solves every test instance with each seed, cold then warm, for the
long budget, and reads the best cost at the short budget from the run's
trace. A warm run never learns from its own instance (its fingerprint is
excluded). Reported: mean gap to the best-known cost (reference.csv) at both
budgets, the warm/cold gap ratio, and the time the warm run needs to reach
the cold run's final cost, as a fraction of the long budget (target <= 0.5).

    .venv/bin/python benchmarks/routing.py            # 14 instances, seeds 1-5, 10 s and 60 s
    .venv/bin/python benchmarks/routing.py --quick    # 3 instances, seeds 1-2, 5 s and 15 s
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cvrp"
RESULTS = ROOT / "benchmarks" / "results"
QUICK_TEST = ["X-n101-k25", "X-n139-k10", "X-n176-k26"]
QUICK_TRAIN = ["X-n106-k14", "X-n110-k13", "X-n120-k6", "X-n157-k13"]


def best_at(trace: list[tuple[float, float]], seconds: float) -> float | None:
    """Best cost found within ``seconds`` (None if nothing feasible yet)."""
    found = [cost for at, cost in trace if at <= seconds]
    return min(found) if found else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 instances, seeds 1-2, 5 s and 15 s")
    parser.add_argument("--train-seconds", type=float, default=None, help="budget of each training run (quick only)")
    args = parser.parse_args()

    from optarium.domains.routing import read_instance, solve_routing
    from optarium.store.core import Store

    with open(DATA / "reference.csv") as handle:
        reference = {row["instance"]: float(row["bks_cost"]) for row in csv.DictReader(handle)}
    if args.quick:
        test, train, seeds, short, long = QUICK_TEST, QUICK_TRAIN, [1, 2], 5.0, 15.0
    else:
        test, train, seeds, short, long = sorted(reference), [], [1, 2, 3, 4, 5], 10.0, 60.0
    train_seconds = args.train_seconds or 3.0

    folder = Path(tempfile.mkdtemp(prefix="optarium-routing-bench-"))
    store = Store(f"sqlite:///{folder / 'store.db'}")
    started = time.perf_counter()
    for name in train:
        solve_routing(read_instance(DATA / f"{name}.vrp"), time_limit=train_seconds, seed=0, store=store)
        print(f"trained on {name}", file=sys.stderr)

    rows: list[dict[str, Any]] = []
    for mode in ("cold", "warm"):
        for name in test:
            instance = read_instance(DATA / f"{name}.vrp")
            bks = reference[name]
            for seed in seeds:
                result = solve_routing(instance, time_limit=long, seed=seed, warm_start=mode == "warm", store=store)
                assert result.verified, result.check.problems
                at_short = best_at(result.trace, short)
                rows.append({
                    "instance": name, "mode": mode, "seed": seed, "bks": bks,
                    "initial_cost": result.initial_cost, "cost_short": at_short, "cost_long": result.cost,
                    "gap_short": None if at_short is None else (at_short - bks) / bks,
                    "gap_long": (result.cost - bks) / bks, "iterations": result.iterations,
                    "trace": result.trace, "message": result.message,
                })
                print(f"{mode} {name} seed {seed}: gap {100 * rows[-1]['gap_long']:.2f}%", file=sys.stderr)

    cold = {(r["instance"], r["seed"]): r for r in rows if r["mode"] == "cold"}
    pairs = []
    for row in rows:
        if row["mode"] != "warm":
            continue
        base = cold[(row["instance"], row["seed"])]
        reach = next((at for at, cost in row["trace"] if cost <= base["cost_long"]), None)
        cold_reach = next((at for at, cost in base["trace"] if cost <= base["cost_long"]), None)
        pairs.append({"instance": row["instance"], "seed": row["seed"], "cold_final": base["cost_long"],
                      "warm_seconds_to_cold_final": reach, "cold_seconds_to_cold_final": cold_reach})

    def mean(values: list[float | None]) -> float:
        present = [v for v in values if v is not None]
        return statistics.fmean(present) if present else float("nan")

    summary: dict[str, Any] = {}
    for mode in ("cold", "warm"):
        chosen = [r for r in rows if r["mode"] == mode]
        summary[mode] = {
            "mean_initial_gap": mean([None if r["initial_cost"] is None else (r["initial_cost"] - r["bks"]) / r["bks"] for r in chosen]),
            "mean_gap_short": mean([r["gap_short"] for r in chosen]),
            "mean_gap_long": mean([r["gap_long"] for r in chosen]),
        }
    reached = [p["warm_seconds_to_cold_final"] for p in pairs]
    fractions = [long if r is None else r for r in reached]
    summary["warm_reaches_cold_final"] = sum(r is not None for r in reached)
    summary["runs"] = len(pairs)
    summary["median_warm_fraction_of_budget"] = statistics.median(fractions) / long if fractions else float("nan")
    summary["median_cold_fraction_of_budget"] = statistics.median(
        [long if p["cold_seconds_to_cold_final"] is None else p["cold_seconds_to_cold_final"] for p in pairs]) / long

    print()
    print(f"routing benchmark ({'quick' if args.quick else 'full'}): {len(test)} instances x seeds {seeds}, "
          f"budgets {short:g} s and {long:g} s, {len(train)} extra training instances")
    print()
    print(f"| start | mean gap at start | mean gap at {short:g} s | mean gap at {long:g} s |")
    print("|---|---|---|---|")
    for mode in ("cold", "warm"):
        s = summary[mode]
        print(f"| {mode} | {100 * s['mean_initial_gap']:.2f}% | {100 * s['mean_gap_short']:.2f}% | {100 * s['mean_gap_long']:.2f}% |")
    ratio_short = summary["warm"]["mean_gap_short"] / summary["cold"]["mean_gap_short"]
    ratio_long = summary["warm"]["mean_gap_long"] / summary["cold"]["mean_gap_long"]
    print(f"| warm / cold | | {ratio_short:.2f} | {ratio_long:.2f} |")
    print()
    print(f"warm start reaches the cold run's {long:g} s cost in {summary['warm_reaches_cold_final']} of {summary['runs']} runs; "
          f"median time {100 * summary['median_warm_fraction_of_budget']:.0f}% of the budget "
          f"(cold needs {100 * summary['median_cold_fraction_of_budget']:.0f}%; target <= 50%; runs that never reach it count as 100%)")
    print()
    print("| instance | seed | cold final | warm s to reach it | cold s to reach it |")
    print("|---|---|---|---|---|")
    for p in pairs:
        warm_s = "never" if p["warm_seconds_to_cold_final"] is None else f"{p['warm_seconds_to_cold_final']:.1f}"
        cold_s = "-" if p["cold_seconds_to_cold_final"] is None else f"{p['cold_seconds_to_cold_final']:.1f}"
        print(f"| {p['instance']} | {p['seed']} | {p['cold_final']:g} | {warm_s} | {cold_s} |")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "routing_quick" if args.quick else "routing"
    output = {"quick": args.quick, "test": test, "train": train, "seeds": seeds, "short": short, "long": long,
              "summary": summary, "pairs": pairs, "runs": rows, "wall_seconds": time.perf_counter() - started}
    (RESULTS / f"{stem}.json").write_text(json.dumps(output, indent=2, allow_nan=True))
    plot(rows, long, RESULTS / f"{stem}.png")
    print(f"\nwrote {RESULTS / f'{stem}.json'} and {RESULTS / f'{stem}.png'}")
    return 0


def plot(rows: list[dict[str, Any]], long: float, path: Path) -> None:
    """Mean gap to best-known over time, cold against warm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    grid = np.linspace(0.05, long, 200)
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for mode, colour in (("cold", "tab:blue"), ("warm", "tab:orange")):
        curves = []
        for row in (r for r in rows if r["mode"] == mode):
            curve = [best_at(row["trace"], t) for t in grid]
            curves.append([np.nan if c is None else 100 * (c - row["bks"]) / row["bks"] for c in curve])
        with warnings.catch_warnings():  # no feasible solution yet at the earliest grid points
            warnings.simplefilter("ignore", RuntimeWarning)
            mean_curve = np.nanmean(np.array(curves, dtype=float), axis=0)
        axes.plot(grid, mean_curve, label=mode, color=colour)
    axes.set_xlabel("seconds")
    axes.set_ylabel("mean gap to best-known (%)")
    axes.set_yscale("log")
    axes.legend()
    axes.set_title("PyVRP cold vs learned warm start")
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)


if __name__ == "__main__":
    raise SystemExit(main())
