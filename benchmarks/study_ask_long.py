"""Latency of `Study.ask()` on a long study (10,000 finished trials in an SQLite file) at two commits, side by side.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/study_ask_long.py \
        --before REV --after REV [--trials 10000] [--asks 10] [--rounds 2] [--samplers random,auto]

Each commit's ``src/`` is taken with ``git archive`` into a temporary folder and run with it
first on ``PYTHONPATH`` (same interpreter and libraries). Each run of a side is one process:
it builds the study in a fresh SQLite file (2-D continuous space, uniform random points and
values, seed 0; not timed), then times ``asks`` asks, each followed by a tell (not timed).
Rounds alternate before/after; reports the median ask of each side and sampler, the ratio
after / before, and the load average at the start and the end. Writes
``benchmarks/results/study_ask_long.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from revisions import (  # a sibling module: benchmarks run as scripts from this folder
    extract,
    run_on,
)

RESULTS = Path(__file__).resolve().parent / "results"
SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0}, "y": {"type": "float", "low": -5.0, "high": 5.0}}


def measure(url: str, sampler: str, trials: int, asks: int) -> list[float]:
    """Seconds of each of ``asks`` asks of a study of ``trials`` finished trials (the worker's side)."""
    import time

    import numpy as np

    from optarium.blackbox.study import Study

    study = Study.create(f"long-{sampler}", SPACE, sampler=sampler, seed=1, store=url)
    rng = np.random.default_rng(0)

    def propose(_ask_index: int, _rows: list[dict]) -> list[dict]:
        out = []
        for number in range(1, trials + 1):
            params = {"x": float(rng.uniform(-5, 5)), "y": float(rng.uniform(-5, 5))}
            out.append({"number": number, "params": params, "point": [float(u) for u in study.space.encode(params)],
                        "sampler": "sobol", "info": {}})
        return out

    study.store.ask(study._id, propose)
    study.store.finish_trials(study._id, [(number, "complete", float(rng.random()), None) for number in range(1, trials + 1)])
    seconds = []
    for _ in range(asks):
        start = time.perf_counter()
        (trial,) = study.ask()
        seconds.append(time.perf_counter() - start)
        study.tell(trial, float(rng.random()))
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="git revision of the earlier code")
    parser.add_argument("--after", help="git revision of the later code")
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--asks", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--samplers", default="random,auto")
    parser.add_argument("--worker", nargs=2, metavar=("URL", "SAMPLER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker[0], args.worker[1], args.trials, args.asks)))
        return 0
    if not args.before or not args.after:
        parser.error("--before and --after are required")
    load_start = os.getloadavg()
    samplers = args.samplers.split(",")
    seconds: dict[str, dict[str, list[float]]] = {sampler: {"before": [], "after": []} for sampler in samplers}
    with tempfile.TemporaryDirectory() as folder:
        sides = {name: extract(rev, Path(folder) / name) for name, rev in (("before", args.before), ("after", args.after))}
        for round_number in range(args.rounds):
            for sampler in samplers:
                for name, src in sides.items():
                    url = f"sqlite:///{folder}/{name}-{sampler}-{round_number}.db"
                    seconds[sampler][name] += run_on(src, [__file__, "--worker", url, sampler, "--trials", str(args.trials),
                                                           "--asks", str(args.asks)], f"{name} {sampler}")
    result: dict = {"before": args.before, "after": args.after, "trials": args.trials, "asks_per_run": args.asks,
                    "rounds": args.rounds, "store": "sqlite file", "samplers": {}}
    print(f"{'sampler':8} {'before ms':>10} {'after ms':>10} {'ratio':>6}")
    for sampler in samplers:
        medians = {name: statistics.median(values) for name, values in seconds[sampler].items()}
        ratio = medians["after"] / medians["before"]
        result["samplers"][sampler] = {"median_ms": {name: round(1000 * v, 1) for name, v in medians.items()},
                                       "ratio_after_before": round(ratio, 3),
                                       "ms": {name: [round(1000 * v, 1) for v in values] for name, values in seconds[sampler].items()}}
        print(f"{sampler:8} {1000 * medians['before']:10.1f} {1000 * medians['after']:10.1f} {ratio:6.2f}")
    result["loadavg_start"] = [round(v, 2) for v in load_start]
    result["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    print(f"load {result['loadavg_start']} -> {result['loadavg_end']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "study_ask_long.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
