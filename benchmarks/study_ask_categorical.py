"""Time of one ask of the GP sampler on an enumerated categorical space, two revisions side by side.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/study_ask_categorical.py --before REV --after REV
        [--sizes 10,50,100,150] [--repeats 5] [--rounds 2]

The space has four categorical parameters of 15, 23, 3 and 4 options (4,140 points, the shape
of the Buchwald-Hartwig table); the results are a fixed synthetic table (main effects plus one
interaction, seeded). Each revision's ``src`` runs in a worker process of its own
(:func:`revisions.run_on`), which gives the GP sampler a history of the first n points of a
seeded random order and times ``repeats`` asks on it (the sampler alone, without a store);
rounds alternate the revisions' order. Reports the median ask
time per size and the ratio after / before; writes
``benchmarks/results/study_ask_categorical.json`` with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from revisions import extract, run_on

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = (15, 23, 3, 4)


def worker(sizes: list[int], repeats: int) -> dict[str, list[float]]:
    """The GP sampler's ask after n results (the first 5 as design points, the rest as its own), ``repeats`` times per n."""
    import itertools

    import numpy as np

    from optarium.blackbox.base import History, Trial
    from optarium.blackbox.gp import GPSampler
    from optarium.blackbox.space import Space

    rng = np.random.default_rng(0)
    effects = [rng.normal(size=k) for k in SIZES]
    interaction = rng.normal(size=(SIZES[0], SIZES[1]))
    points = list(itertools.product(*(range(k) for k in SIZES)))
    order = rng.permutation(len(points))
    space = Space.from_dict({f"p{j}": {"type": "categorical", "choices": [str(c) for c in range(k)]} for j, k in enumerate(SIZES)})
    trials = []
    for number, index in enumerate(order[: max(sizes)], start=1):
        point = points[index]
        value = float(sum(e[i] for e, i in zip(effects, point, strict=True)) + interaction[point[0], point[1]])
        trials.append(Trial(number, {f"p{j}": str(i) for j, i in enumerate(point)}, "complete", value=value,
                            point=tuple((i + 0.5) / k for i, k in zip(point, SIZES, strict=True)),
                            sampler="sobol" if number <= 5 else "gp"))
    out: dict[str, list[float]] = {}
    for n in sizes:
        history = History(space, "minimize", 0, n, trials[:n])
        times = []
        for _ in range(repeats):
            clock = time.perf_counter()
            GPSampler().suggest(history, 1)
            times.append(time.perf_counter() - clock)
        out[str(n)] = times
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--sizes", default="10,50,100,150")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.worker:
        print(json.dumps(worker(sizes, args.repeats)))
        return
    load_start = os.getloadavg()
    times: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    with tempfile.TemporaryDirectory() as folder:
        sources = {side: extract(rev, Path(folder) / side) for side, rev in (("before", args.before), ("after", args.after))}
        for round_ in range(args.rounds):
            for side in (("before", "after") if round_ % 2 == 0 else ("after", "before")):
                found = run_on(sources[side], [__file__, "--worker", "--sizes", args.sizes, "--repeats", str(args.repeats),
                                               "--before", args.before, "--after", args.after], side)
                for n, values in found.items():
                    times[side].setdefault(n, []).extend(values)
    result: dict[str, Any] = {"before": args.before, "after": args.after, "repeats": args.repeats, "rounds": args.rounds,
                              "load_average": {"start": [round(v, 2) for v in load_start],
                                               "end": [round(v, 2) for v in os.getloadavg()]}, "sizes": {}}
    print(f"{'results':>8} {'before s':>9} {'after s':>9} {'after/before':>13}")
    for n in (str(s) for s in sizes):
        before, after = statistics.median(times["before"][n]), statistics.median(times["after"][n])
        result["sizes"][n] = {"before_median_s": before, "after_median_s": after, "ratio": after / before}
        print(f"{n:>8} {before:>9.3f} {after:>9.3f} {after / before:>13.2f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "study_ask_categorical.json").write_text(json.dumps(result, separators=(",", ":")))
    print(f"wrote {RESULTS / 'study_ask_categorical.json'}")


if __name__ == "__main__":
    main()
