"""Wall time of the two commands that train with Adam outside offline proposals, at two commits, side by side.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/torch_adam_startup.py \
        --before REV --after REV --workload robust|bilevel [--repeats 5]

``robust``: ``optarium robust tests/domains/robust/data/knapsack_n10.rkp --method learned
--json --no-record`` (the value network's training seed is 0). ``bilevel``: the penalty
method (``tune_penalty``, 300 outer steps) on ``RidgeTuning.synthetic(n_features=20,
seed=0)``, its ``x``, validation loss and steps printed as JSON. Each commit's ``src/`` is
taken with ``git archive`` and run first on ``PYTHONPATH`` (same interpreter and libraries).
Runs alternate before/after; reported: the median wall time of each, the ratio after /
before, whether both printed the same JSON once times are left out, whether
``torch._dynamo`` was loaded at exit, and the load average at the start and the end.
Writes ``benchmarks/results/torch_adam_startup_<workload>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from revisions import extract  # a sibling module: benchmarks run as scripts from this folder

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
KNAPSACK = ROOT / "tests" / "domains" / "robust" / "data" / "knapsack_n10.rkp"
REPORT_DYNAMO = ("import atexit, sys\n"
                 "atexit.register(lambda: print('dynamo:', 'torch._dynamo' in sys.modules, file=sys.stderr))\n")
RUN_CLI = REPORT_DYNAMO + "from optarium.cli.main import main; sys.argv[0] = 'optarium'; sys.exit(main())"
RUN_PENALTY = REPORT_DYNAMO + (
    "import json\n"
    "from optarium.domains.bilevel.penalty import PenaltySettings\n"
    "from optarium.domains.bilevel.ridge import RidgeTuning, tune_penalty\n"
    "problem, _, _ = RidgeTuning.synthetic(n_features=20, seed=0)\n"
    "result = tune_penalty(problem, PenaltySettings(steps=300))\n"
    "print(json.dumps({'x': [float(v) for v in result['x']], 'validation_loss': float(result['validation_loss']),"
    " 'steps': result['steps']}))\n"
)
COMMANDS = {
    "robust": ["-c", RUN_CLI, "robust", str(KNAPSACK), "--method", "learned", "--json", "--no-record"],
    "bilevel": ["-c", RUN_PENALTY],
}
DESCRIPTIONS = {
    "robust": "optarium robust tests/domains/robust/data/knapsack_n10.rkp --method learned --json --no-record",
    "bilevel": "tune_penalty(RidgeTuning.synthetic(n_features=20, seed=0), PenaltySettings(steps=300))",
}


def without_times(value: Any) -> Any:
    """The printed JSON with every time left out (keys holding seconds or timings)."""
    if isinstance(value, dict):
        return {key: without_times(item) for key, item in value.items() if "seconds" not in key and key != "timings"}
    if isinstance(value, list):
        return [without_times(item) for item in value]
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git revision of the earlier code")
    parser.add_argument("--after", required=True, help="git revision of the later code")
    parser.add_argument("--workload", required=True, choices=sorted(COMMANDS))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        sides = {name: extract(rev, Path(folder) / name) for name, rev in (("before", args.before), ("after", args.after))}
        seconds: dict[str, list[float]] = {name: [] for name in sides}
        printed: dict[str, list[Any]] = {name: [] for name in sides}
        dynamo: dict[str, set[bool]] = {name: set() for name in sides}
        for _ in range(args.repeats):
            for name, src in sides.items():
                env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
                start = time.perf_counter()
                done = subprocess.run([sys.executable, *COMMANDS[args.workload]], env=env, capture_output=True, text=True,
                                      cwd=folder)
                seconds[name].append(round(time.perf_counter() - start, 3))
                if done.returncode != 0:
                    raise SystemExit(f"{name}: exit {done.returncode}: {done.stderr.strip()[-400:]}")
                printed[name].append(without_times(json.loads(done.stdout)))
                dynamo[name].add("dynamo: True" in done.stderr)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    result = {
        "command": DESCRIPTIONS[args.workload],
        "before": args.before,
        "after": args.after,
        "repeats": args.repeats,
        "seconds": seconds,
        "median_seconds": medians,
        "ratio_after_before": round(medians["after"] / medians["before"], 3),
        "same_output": all(value == printed["before"][0] for values in printed.values() for value in values),
        "torch_dynamo_loaded": {name: sorted(values) for name, values in dynamo.items()},
        "loadavg_start": [round(v, 2) for v in load_start],
        "loadavg_end": [round(v, 2) for v in os.getloadavg()],
    }
    print(f"{result['command']}: median {medians['before']:.2f} s before, {medians['after']:.2f} s after, "
          f"ratio {result['ratio_after_before']}, same output {result['same_output']}, "
          f"torch._dynamo loaded {result['torch_dynamo_loaded']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"torch_adam_startup_{args.workload}.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
