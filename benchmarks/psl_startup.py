"""Time of a process's first Pareto-set fit (one Stein step) at two commits, side by side.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/psl_startup.py \
        --before REV --after REV [--repeats 5]

Each run is one fresh process (``torch`` imported before the clock starts): a 2-objective study of 3
float parameters in memory, 24 random trials told (seed 0, not timed), then
``ParetoSetModel.fit(study, steps=1)`` timed twice in a row: the first fit carries what a process pays
once (``torch.optim`` imports ``torch._dynamo`` with its first optimiser), the second does not. Then a
fit of 60 steps whose suggestion for the preference (0.3, 0.7) must be the same on both sides. Each
commit's ``src/`` is taken with ``git archive`` and run first on ``PYTHONPATH``; runs alternate
before/after. Reports the medians, the ratio after / before of the first fit, whether the suggestions
agree, whether ``torch._dynamo`` was loaded, and the load average at the start and the end. Writes
``benchmarks/results/psl_startup.json``.
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


def measure() -> dict:
    """One process's first and second one-step fit (seconds) and a 60-step fit's suggestion."""
    import time

    import numpy as np
    import torch  # noqa: F401  (imported before the clock: its import is not what is measured)

    from optarium.blackbox.psl import ParetoSetModel
    from optarium.blackbox.study import Study

    space = {name: {"type": "float", "low": 0.0, "high": 1.0} for name in ("a", "b", "c")}
    study = Study.create("psl", space, directions=["minimize", "minimize"], sampler="random", seed=0, store="memory://")
    rng = np.random.default_rng(0)
    for trial in study.ask(24):
        x = np.array(list(trial.params.values()))
        study.tell(trial, [float(x[0] + 0.1 * rng.random()), float(1 - np.sqrt(x[0]) + x[1:].sum())])
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        ParetoSetModel.fit(study, steps=1)
        seconds.append(time.perf_counter() - start)
    suggestion = ParetoSetModel.fit(study, steps=60).suggest([0.3, 0.7])
    return {"first": seconds[0], "second": seconds[1], "suggestion": suggestion,
            "dynamo": "torch._dynamo" in sys.modules}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="git revision of the earlier code")
    parser.add_argument("--after", help="git revision of the later code")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure()))
        return 0
    if not args.before or not args.after:
        parser.error("--before and --after are required")
    load_start = os.getloadavg()
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as folder:
        sides = {name: extract(rev, Path(folder) / name) for name, rev in (("before", args.before), ("after", args.after))}
        for _ in range(args.repeats):
            for name, src in sides.items():
                runs[name].append(run_on(src, [__file__, "--worker"], name))
    medians = {name: {key: round(statistics.median(run[key] for run in values), 3) for key in ("first", "second")}
               for name, values in runs.items()}
    suggestions = [run["suggestion"] for values in runs.values() for run in values]
    result = {
        "command": "ParetoSetModel.fit(study, steps=1), twice in a fresh process (2 objectives, 3 floats, 24 trials)",
        "before": args.before, "after": args.after, "repeats": args.repeats,
        "seconds": {name: {key: [round(run[key], 3) for run in values] for key in ("first", "second")}
                    for name, values in runs.items()},
        "median_seconds": medians,
        "ratio_first_after_before": round(medians["after"]["first"] / medians["before"]["first"], 3),
        "same_suggestion": all(s == suggestions[0] for s in suggestions),
        "torch_dynamo_loaded": {name: sorted({run["dynamo"] for run in values}) for name, values in runs.items()},
        "loadavg_start": [round(v, 2) for v in load_start],
        "loadavg_end": [round(v, 2) for v in os.getloadavg()],
    }
    print(f"first fit: median {medians['before']['first']:.3f} s before, {medians['after']['first']:.3f} s after "
          f"(ratio {result['ratio_first_after_before']}); second fit {medians['before']['second']:.3f} s before, "
          f"{medians['after']['second']:.3f} s after; same suggestion {result['same_suggestion']}; "
          f"torch._dynamo loaded {result['torch_dynamo_loaded']}; load {result['loadavg_start']} -> {result['loadavg_end']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "psl_startup.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
