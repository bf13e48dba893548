"""Default HiGHS solve time per family and difficulty: a few generated instances each, medians in a table.

Usage: benchmarks/generate_calibration.py [--n 3] [--n-easy 5] [--time-limit 60] [--threads 1] [--seed 1000]
                                          [--families a,b] [--levels easy,medium,hard]

Every instance is solved by HiGHS with its default settings (``--threads``
aside) through ``optarium.solve``. A level whose median reaches the time limit
marks the harder levels of that family as beyond the limit without solving
them. Each level is placed in its band (docs/learn.md): easy below 2 s,
medium 2-15 s, hard 15-60 s. Writes benchmarks/results/generate_calibration.json
(with ``--families`` or ``--levels``, the rows measured replace those rows in it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import optarium
from optarium.learn.generators import DIFFICULTIES, FAMILIES, generate, instance_seeds, sizes

RESULTS = Path(__file__).resolve().parent / "results" / "generate_calibration.json"
BANDS = {"easy": (0.0, 2.0), "medium": (2.0, 15.0), "hard": (15.0, 60.0)}


def band(median: float) -> str:
    return next((level for level, (low, high) in BANDS.items() if low <= median < high), "beyond hard")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3, help="instances per family at the medium and hard levels")
    parser.add_argument("--n-easy", type=int, default=5, help="instances per family at the easy level")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    parser.add_argument("--threads", type=int, default=None, help="HiGHS threads (default: HiGHS's own choice)")
    parser.add_argument("--seed", type=int, default=1000, help="base seed of the measured instances")
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated families")
    parser.add_argument("--levels", default=",".join(DIFFICULTIES), help="comma-separated difficulty levels")
    args = parser.parse_args()
    levels = [level for level in DIFFICULTIES if level in args.levels.split(",")]
    rows = []
    print(f"{'family':28} {'level':7} {'vars':>6} {'rows':>6} {'median s':>9} {'band':>7}  seconds (status)")
    for name in args.families.split(","):
        beyond = False
        for level in levels:
            row: dict[str, object] = {"family": name, "difficulty": level, "sizes": sizes(name, level), "instances": 0}
            if beyond:
                row.update(median_seconds=None, beyond_limit=True)
                rows.append(row)
                print(f"{name:28} {level:7} {'':>6} {'':>6} {'>' + str(args.time_limit):>9}  (not run)")
                continue
            n = args.n_easy if level == "easy" else args.n
            seconds, statuses, shape = [], [], (0, 0)
            for seed in instance_seeds(args.seed, n):
                program = generate(name, seed, level)
                shape = (program.n_vars, program.n_cons)
                started = time.perf_counter()
                solution = optarium.solve(program, solver="highs", time_limit=args.time_limit, record=False,
                                          threads=args.threads)
                seconds.append(time.perf_counter() - started)
                statuses.append(f"{solution.status}{'' if solution.verified else ' (unverified)'}")
            median = statistics.median(seconds)
            beyond = median >= args.time_limit
            row.update(
                instances=n, variables=shape[0], constraints=shape[1], seconds=seconds, median_seconds=median,
                band=band(median), statuses=statuses, beyond_limit=beyond, load_average=os.getloadavg()[0],
            )
            rows.append(row)
            save(args, rows)
            times = " ".join(f"{s:.2f}{'' if st == 'optimal' else '(' + st + ')'}" for s, st in zip(seconds, statuses, strict=True))
            print(f"{name:28} {level:7} {shape[0]:6d} {shape[1]:6d} {median:9.2f} {band(median):>7}  {times}", flush=True)
    save(args, rows)


def save(args: argparse.Namespace, rows: list[dict[str, object]]) -> None:
    """Write the rows measured so far; with ``--families`` or ``--levels``, other rows already there are kept."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    kept = []
    if RESULTS.exists() and (args.families != ",".join(FAMILIES) or args.levels != ",".join(DIFFICULTIES)):
        measured = {(row["family"], row["difficulty"]) for row in rows}
        kept = [row for row in json.loads(RESULTS.read_text()).get("rows", [])
                if (row["family"], row["difficulty"]) not in measured and "sizes" in row]
    settings = {"n": args.n, "n_easy": args.n_easy, "time_limit": args.time_limit, "threads": args.threads,
                "seed": args.seed, "bands": BANDS}
    RESULTS.write_text(json.dumps({**settings, "rows": kept + rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
