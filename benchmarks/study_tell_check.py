"""Cost of the check that a told trial was asked by the study it is told to (``Study.tell(trial)``).

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/study_tell_check.py [--trials 300] [--rounds 3]

On an SQLite file and in memory, a random-sampler study asks ``--trials`` trials at once; then
every trial is told in turn, alternating by round between telling the ``Trial`` object (which
reads the stored trial to compare its point) and telling its number (no read), on two studies
with the same trials. Reports the median time per tell of each and the ratio; writes
``benchmarks/results/study_tell_check.json`` with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from optarium.blackbox.study import Study

RESULTS = Path(__file__).resolve().parent / "results"
SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0}, "y": {"type": "float", "low": 0.0, "high": 1.0}}


def per_tell(store: str, trials: int, by_object: bool) -> float:
    """Seconds per tell of ``trials`` pending trials, told as Trial objects or by number."""
    study = Study.create(f"tell-{uuid.uuid4().hex[:8]}", SPACE, sampler="random", seed=1, store=store)
    asked = study.ask(trials)
    start = time.perf_counter()
    for trial in asked:
        study.tell(trial if by_object else trial.number, trial.params["x"] + trial.params["y"])
    return (time.perf_counter() - start) / trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, store in (("sqlite", f"sqlite:///{folder}/s.db"), ("memory", f"memory://tell-{uuid.uuid4().hex}")):
            objects, numbers = [], []
            for round_ in range(args.rounds):
                order = (True, False) if round_ % 2 == 0 else (False, True)
                for by_object in order:
                    (objects if by_object else numbers).append(per_tell(store, args.trials, by_object))
            out[label] = {"trial_ms": 1e3 * statistics.median(objects), "number_ms": 1e3 * statistics.median(numbers),
                          "ratio": statistics.median(objects) / statistics.median(numbers)}
            print(f"{label:7s} tell(trial) {out[label]['trial_ms']:.3f} ms  tell(number) {out[label]['number_ms']:.3f} ms  "
                  f"ratio {out[label]['ratio']:.2f}")
    result = {"trials": args.trials, "rounds": args.rounds, "load_before": load_before, "load_after": os.getloadavg(),
              "stores": out}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "study_tell_check.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
