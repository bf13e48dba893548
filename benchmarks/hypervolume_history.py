"""Time of the hypervolume history of a two-objective study (2,000 and 10,000 complete trials) and of the
two-objective hypervolume of a long front, at two commits, side by side.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/hypervolume_history.py \
        --before REV --after REV [--trials 2000 10000] [--repeats 5] [--rounds 2]

Each commit's ``src/`` is taken with ``git archive`` and run with it first on ``PYTHONPATH`` (same interpreter
and libraries), one process per side and round; rounds alternate before/after. The trials are built in memory
(not timed; seed 0), in two shapes: ``random``, a uniform random point's distances to two corners (the front
changes rarely), and ``converging``, points on the front ``f2 = 1 - sqrt(f1)`` with noise shrinking as the
study goes on, as an optimizer's trials (the front changes at most trials and grows long). Times
``multiobjective.hypervolume_history(trials, directions)`` (what ``study plot`` and the service's compare page
draw; the reference inferred), and ``pareto.hypervolume`` of 1,000 and 10,000 points on that front. Checks
that both sides give the same history and volumes to the last bit. Reports each side's median, the ratio
after / before, the number of front changes and the load average at the start and the end; writes
``benchmarks/results/hypervolume_history.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from revisions import (  # a sibling module: benchmarks run as scripts from this folder
    extract,
    run_on,
)

RESULTS = Path(__file__).resolve().parent / "results"
DIRECTIONS = ["minimize", "minimize"]
SHAPES = ("random", "converging")
FRONT_SIZES = (1000, 10_000)


def losses(shape: str, trials: int) -> Any:
    """(trials, 2) objective values of one study shape, seed 0."""
    import numpy as np

    rng = np.random.default_rng(0)
    if shape == "random":
        points = rng.uniform(-5, 5, size=(trials, 2))
        return np.column_stack([np.hypot(points[:, 0] + 5, points[:, 1] + 5), np.hypot(points[:, 0] - 5, points[:, 1] + 5)])
    x = rng.random(trials)
    noise = rng.random((trials, 2)) * (1.0 / np.sqrt(np.arange(1, trials + 1)))[:, None]
    return np.column_stack([x, 1 - np.sqrt(x)]) + noise


def timed(call: Callable[..., object], repeats: int, *args: Any) -> list[float]:
    """Wall seconds of ``repeats`` calls of ``call(*args)``."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        call(*args)
        seconds.append(time.perf_counter() - started)
    return seconds


def worker(trials_counts: list[int], repeats: int) -> dict[str, Any]:
    """Time each case ``repeats`` times in this process (the first, untimed call warms up the imports)."""
    import numpy as np

    from optarium.blackbox.base import Trial
    from optarium.blackbox.multiobjective import hypervolume_history
    from optarium.blackbox.pareto import hypervolume

    out: dict[str, Any] = {}
    for shape in SHAPES:
        for count in trials_counts:
            values = losses(shape, count)
            trials = [Trial(n, {}, "complete", values=(float(a), float(b))) for n, (a, b) in enumerate(values, start=1)]
            history = hypervolume_history(trials, DIRECTIONS)
            seconds = timed(hypervolume_history, repeats, trials, DIRECTIONS)
            volumes = [volume for _, volume in history]
            out[f"history {shape} {count}"] = {
                "seconds": seconds, "answer": hashlib.sha256(np.array(volumes).tobytes()).hexdigest()[:16],
                "last": volumes[-1], "changes": int(np.count_nonzero(np.diff([0.0, *volumes])))}
    for size in FRONT_SIZES:
        x = np.sort(np.random.default_rng(1).random(size))
        front = np.column_stack([x, 1 - np.sqrt(x)])
        reference = np.array([1.1, 1.1])
        volume = hypervolume(front, reference)
        seconds = timed(hypervolume, repeats, front, reference)
        out[f"hypervolume front {size}"] = {"seconds": seconds, "answer": volume.hex(), "last": volume}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="HEAD~1")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--trials", type=int, nargs="+", default=[2000, 10_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.trials, args.repeats)))
        return
    load_start = os.getloadavg()
    times: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    answers: dict[str, dict[str, Any]] = {"before": {}, "after": {}}
    with tempfile.TemporaryDirectory() as folder:
        sources = {side: extract(rev, Path(folder) / side) for side, rev in (("before", args.before), ("after", args.after))}
        argv = [str(Path(__file__).resolve()), "--worker", "--repeats", str(args.repeats), "--trials",
                *map(str, args.trials)]
        for _ in range(args.rounds):
            for side in ("before", "after"):
                for case, measured in run_on(sources[side], argv, side).items():
                    times[side].setdefault(case, []).extend(measured["seconds"])
                    answers[side][case] = measured
    load_end = os.getloadavg()
    cases = {}
    print(f"{'case':32} {'before ms':>10} {'after ms':>10} {'ratio':>7} {'changes':>8} same")
    for case in times["before"]:
        before, after = statistics.median(times["before"][case]), statistics.median(times["after"][case])
        same = answers["before"][case]["answer"] == answers["after"][case]["answer"]
        changes = answers["after"][case].get("changes")
        cases[case] = {"before_ms": round(before * 1e3, 3), "after_ms": round(after * 1e3, 3),
                       "ratio_after_over_before": round(after / before, 4), "front_changes": changes,
                       "same_answer": same}
        print(f"{case:32} {before * 1e3:10.2f} {after * 1e3:10.2f} {after / before:7.3f} {changes or '':>8} {same}")
    RESULTS.mkdir(exist_ok=True)
    result = {"before": args.before, "after": args.after, "repeats": args.repeats, "rounds": args.rounds,
              "python": sys.version.split()[0], "loadavg_start": [round(v, 2) for v in load_start],
              "loadavg_end": [round(v, 2) for v in load_end], "cases": cases}
    (RESULTS / "hypervolume_history.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
