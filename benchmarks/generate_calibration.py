"""Default HiGHS solve time per family and difficulty: a few generated instances each, medians in a table.

Usage: benchmarks/generate_calibration.py [--n 3] [--time-limit 60] [--seed 1000] [--families a,b]

A level whose median reaches the time limit marks the harder levels of that
family as beyond the limit without solving them. Writes
benchmarks/results/generate_calibration.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import optarium
from optarium.learn.generators import DIFFICULTIES, FAMILIES, generate, instance_seeds

RESULTS = Path(__file__).resolve().parent / "results" / "generate_calibration.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3, help="instances per family and level")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    parser.add_argument("--seed", type=int, default=1000, help="base seed of the measured instances")
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated families")
    args = parser.parse_args()
    rows = []
    print(f"{'family':30} {'level':7} {'vars':>7} {'rows':>7} {'median s':>9}  statuses")
    for name in args.families.split(","):
        beyond = False
        for level in DIFFICULTIES:
            row: dict[str, object] = {"family": name, "difficulty": level, "instances": 0}
            if beyond:
                row.update(median_seconds=None, beyond_limit=True)
                rows.append(row)
                print(f"{name:30} {level:7} {'':>7} {'':>7} {'>' + str(args.time_limit):>9}  (not run)")
                continue
            seconds, statuses, sizes = [], [], (0, 0)
            for seed in instance_seeds(args.seed, args.n):
                program = generate(name, seed, level)
                sizes = (program.n_vars, program.n_cons)
                started = time.perf_counter()
                solution = optarium.solve(program, solver="highs", time_limit=args.time_limit, record=False)
                seconds.append(time.perf_counter() - started)
                statuses.append(f"{solution.status}{'' if solution.verified else ' (unverified)'}")
            median = statistics.median(seconds)
            beyond = median >= args.time_limit
            row.update(
                instances=args.n, variables=sizes[0], constraints=sizes[1], seconds=seconds,
                median_seconds=median, statuses=statuses, beyond_limit=beyond,
            )
            rows.append(row)
            print(f"{name:30} {level:7} {sizes[0]:7d} {sizes[1]:7d} {median:9.2f}  {', '.join(statuses)}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"n": args.n, "time_limit": args.time_limit, "seed": args.seed, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
