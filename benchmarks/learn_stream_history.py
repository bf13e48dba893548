"""Streams day after day: the Thompson policy with ``history`` (carried over) against a fresh start each day.

Usage: benchmarks/learn_stream_history.py [--days 5] [--seeds 20]

A replay on the recorded tables of the held-out streams of benchmarks/learn_stream.py
(every arm's cost on every instance: results/learn_stream.json, 200 auctions from base
seed 2000; results/learn_stream_gisp.json, 200 GISP instances from base seed 3000). The
200 instances are cut into ``--days`` streams in order. "fresh" starts every day's
stream with a new policy (what ``optarium solve-stream`` did without ``--history``);
"history" first tells the policy every earlier day's runs as ``solve_stream(history=...)``
does (seconds and whether the run finished, read afresh as losses). Costs are the
recorded ones (an unfinished run costs twice the 10 s cap): no solve runs here, so this
measures choices, not timings. Nothing was tuned for it. Writes
benchmarks/results/learn_stream_history.json.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
TABLES = {"combinatorial_auction (seed 2000)": "learn_stream.json", "generalized_independent_set (seed 3000)": "learn_stream_gisp.json"}


def replay(costs: np.ndarray, cap: float, days: int, seed: int, carry: bool) -> float:
    """Total cost of days 2.. of the stream, the policy fresh each day or carrying the earlier days' runs."""
    from optarium.learn.stream import ThompsonConfigBandit

    n, k = costs.shape
    bounds = np.linspace(0, n, days + 1).astype(int)
    earlier: list[tuple[int, float]] = []  # (arm, cost) of every run so far
    total = 0.0
    for day in range(days):
        chooser = ThompsonConfigBandit(k, seed=seed * 100 + day)
        if carry:
            for arm, cost in earlier:
                chooser.tell(arm, 1.0, min(cost, cap) / cap if cost < 2 * cap else 1.0)
        for row in range(bounds[day], bounds[day + 1]):
            arm, probability = chooser.ask()
            cost = float(costs[row, arm])
            chooser.tell(arm, probability, min(cost, cap) / cap if cost < 2 * cap else 1.0)
            earlier.append((arm, cost))
            if day > 0:
                total += cost
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    out: dict[str, object] = {"days": args.days, "seeds": args.seeds, "loadavg": os.getloadavg(), "streams": {}}
    print(f"{'stream':42} {'fresh':>9} {'history':>9} {'ratio':>7} {'best fixed':>10}  (days 2-{args.days}, s)")
    for name, file in TABLES.items():
        recorded = json.loads((RESULTS / file).read_text())
        labels = list(recorded["rows"][0]["all"])
        costs = np.array([[row["all"][label] for label in labels] for row in recorded["rows"]])
        cap = float(recorded["args"]["cap"])
        later = costs[int(np.linspace(0, len(costs), args.days + 1)[1]):]
        fresh = [replay(costs, cap, args.days, seed, carry=False) for seed in range(args.seeds)]
        carried = [replay(costs, cap, args.days, seed, carry=True) for seed in range(args.seeds)]
        ratios = np.array(carried) / np.array(fresh)
        best = float(later.sum(axis=0).min())
        out["streams"][name] = {  # type: ignore[index]
            "fresh_mean": float(np.mean(fresh)), "history_mean": float(np.mean(carried)),
            "ratio_mean": float(ratios.mean()), "ratio_min": float(ratios.min()), "ratio_max": float(ratios.max()),
            "best_fixed": best, "best_fixed_label": labels[int(later.sum(axis=0).argmin())],
            "fresh_vs_best": float(np.mean(fresh)) / best, "history_vs_best": float(np.mean(carried)) / best,
        }
        print(f"{name:42} {np.mean(fresh):9.1f} {np.mean(carried):9.1f} {ratios.mean():7.3f} {best:10.1f}")
    (RESULTS / "learn_stream_history.json").write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
