"""Wall time of `optarium study propose --from-table T --k 10` at two commits, side by side.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/offline_propose_startup.py \
        --before REV --after REV [--repeats 5] [--method batch]

Each commit's ``src/`` is taken with ``git archive`` into a temporary folder and run with it
first on ``PYTHONPATH`` (the same interpreter and installed libraries for both). The table is
generated: 40 rows of a bowl over two floats and a categorical (seed 0). Runs alternate
before/after; each reports the median wall time, the ratio after / before, whether both
printed the same proposals, and the load average at the start and the end. Writes
``benchmarks/results/offline_propose_startup.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from revisions import extract  # a sibling module: benchmarks run as scripts from this folder

RESULTS = Path(__file__).resolve().parent / "results"
RUN_CLI = "import sys; from optarium.cli.main import main; sys.argv[0] = 'optarium'; sys.exit(main())"


def write_table(path: Path, rows: int = 40, seed: int = 0) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x", "y", "kind", "score"])
        for _ in range(rows):
            x, y, kind = rng.random(), rng.random(), rng.choice("abc")
            writer.writerow([x, y, kind, 1.0 - (x - 0.8) ** 2 - (y - 0.7) ** 2 - 0.3 * (kind != "b")])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git revision of the earlier code")
    parser.add_argument("--after", required=True, help="git revision of the later code")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--method", default="batch")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / "table.csv"
        write_table(table)
        sides = {name: extract(rev, Path(folder) / name) for name, rev in (("before", args.before), ("after", args.after))}
        seconds: dict[str, list[float]] = {name: [] for name in sides}
        printed: dict[str, set[str]] = {name: set() for name in sides}
        for _ in range(args.repeats):
            for name, src in sides.items():
                env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
                start = time.perf_counter()
                done = subprocess.run([sys.executable, "-c", RUN_CLI, "study", "propose", "--from-table", str(table),
                                       "--k", str(args.k), "--method", args.method, "--json"],
                                      env=env, capture_output=True, text=True, cwd=folder)
                seconds[name].append(time.perf_counter() - start)
                if done.returncode != 0:
                    raise SystemExit(f"{name}: exit {done.returncode}: {done.stderr.strip()[-400:]}")
                printed[name].add(done.stdout)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    result = {
        "command": f"optarium study propose --from-table <40 rows> --k {args.k} --method {args.method} --json",
        "before": args.before, "after": args.after, "repeats": args.repeats,
        "seconds": {name: [round(v, 3) for v in values] for name, values in seconds.items()},
        "median_seconds": {name: round(v, 3) for name, v in medians.items()},
        "ratio_after_before": round(medians["after"] / medians["before"], 3),
        "same_proposals": len(printed["before"] | printed["after"]) == 1,
        "loadavg_start": [round(v, 2) for v in load_start], "loadavg_end": [round(v, 2) for v in os.getloadavg()],
    }
    print(f"{'side':8} {'median s':>9}  runs")
    for name in sides:
        print(f"{name:8} {medians[name]:9.2f}  {' '.join(f'{v:.2f}' for v in seconds[name])}")
    print(f"after / before: {result['ratio_after_before']}; same proposals: {result['same_proposals']}; "
          f"load {result['loadavg_start']} -> {result['loadavg_end']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "offline_propose_startup.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
