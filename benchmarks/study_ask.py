"""Wall time of one `optarium study ask` from the shell against `optuna ask`, side by side.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/study_ask.py [--sizes 0,20,100] [--repeats 5]

Both studies live in SQLite files and hold the same finished trials (the same points of a
2-D quadratic, inserted through each library's API, not timed). Each repeat runs, in
alternating order, one ask subprocess per side and pair; the asked trial is then told
failed (not timed), so every ask sees the same number of finished trials. Pairs:
``default`` (what each CLI does with no sampler chosen: optarium ``auto``, which is the GP
after a Sobol design here, and Optuna's TPESampler), ``gp`` (optarium ``gp`` and Optuna's
GPSampler: ours in numpy, theirs in torch) and ``random``. Reports the median wall time of each and the ratio
optarium / Optuna, and the median time of `optarium --help`; writes
``benchmarks/results/study_ask.json``.
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

RESULTS = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent
LOW, HIGH = -5.0, 5.0
# (pair, optarium sampler, Optuna sampler class)
PAIRS = [("default", "auto", "TPESampler"), ("gp", "gp", "GPSampler"), ("random", "random", "RandomSampler")]
SEARCH_SPACE = json.dumps({name: {"name": "FloatDistribution", "attributes": {"low": LOW, "high": HIGH}}
                           for name in ("x", "y")})


def objective(x: float, y: float) -> float:
    return (x - 1.0) ** 2 + (y + 2.0) ** 2 + 0.3 * x * y


def points(n: int, seed: int = 0) -> list[tuple[float, float]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    return [(float(x), float(y)) for x, y in rng.uniform(LOW, HIGH, size=(n, 2))]


def fill_optarium(url: str, name: str, sampler: str, finished: list[tuple[float, float]]) -> None:
    from optarium.blackbox.study import Study
    from optarium.store import studies

    space = {"x": {"type": "float", "low": LOW, "high": HIGH}, "y": {"type": "float", "low": LOW, "high": HIGH}}
    study = Study.create(name, space, sampler=sampler, seed=1, store=url)
    with study.store.transaction() as connection:
        row = studies.find_study(connection, name)
        assert row is not None
        rows = [{"number": k + 1, "params": {"x": x, "y": y}, "point": [float(u) for u in study.space.encode({"x": x, "y": y})],
                 "sampler": "random", "info": {}} for k, (x, y) in enumerate(finished)]
        if rows:
            studies.insert_trials(connection, row["id"], rows)
    for number, (x, y) in enumerate(finished, start=1):
        study.tell(number, objective(x, y))


def fill_optuna(url: str, name: str, finished: list[tuple[float, float]]) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=url)
    space = {name: optuna.distributions.FloatDistribution(LOW, HIGH) for name in ("x", "y")}
    for x, y in finished:
        study.add_trial(optuna.trial.create_trial(params={"x": x, "y": y}, distributions=space, value=objective(x, y)))


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-400:]}")
    return elapsed


def fail_pending_optarium(url: str, name: str) -> None:
    from optarium.blackbox.study import Study

    study = Study.load(name, url)
    for trial in study.trials:
        if trial.state == "pending":
            study.tell(trial, failed=True)


def fail_pending_optuna(url: str, name: str) -> None:
    import optuna

    study = optuna.load_study(study_name=name, storage=url)
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,20,100", help="finished trials in each study, comma-separated")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pairs", default=",".join(p for p, _, _ in PAIRS))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pairs = [p for p in PAIRS if p[0] in args.pairs.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="study-ask-"))
    ours_url, theirs_url = f"sqlite:///{folder / 'optarium.db'}", f"sqlite:///{folder / 'optuna.db'}"
    help_times = [timed([str(BIN / "optarium"), "--help"]) for _ in range(args.repeats)]
    load_before = os.getloadavg()
    rows = []
    for size in sizes:
        finished = points(size)
        for pair, ours_sampler, theirs_sampler in pairs:
            name = f"{pair}-{size}"
            fill_optarium(ours_url, name, ours_sampler, finished)
            fill_optuna(theirs_url, name, finished)
            ours_command = [str(BIN / "optarium"), "study", "ask", name, "--store", ours_url]
            theirs_command = [str(BIN / "optuna"), "ask", "--storage", theirs_url, "--study-name", name,
                              "--sampler", theirs_sampler, "--search-space", SEARCH_SPACE]
            ours, theirs = [], []
            for repeat in range(args.repeats):
                for side in ((0, 1) if repeat % 2 == 0 else (1, 0)):
                    if side == 0:
                        ours.append(timed(ours_command))
                        fail_pending_optarium(ours_url, name)
                    else:
                        theirs.append(timed(theirs_command))
                        fail_pending_optuna(theirs_url, name)
            row = {"finished_trials": size, "pair": pair, "optarium_sampler": ours_sampler, "optuna_sampler": theirs_sampler,
                   "optarium_s": statistics.median(ours), "optuna_s": statistics.median(theirs),
                   "optarium_all": ours, "optuna_all": theirs}
            row["ratio"] = row["optarium_s"] / row["optuna_s"]
            rows.append(row)
            print(f"{size:>4} finished  {pair:<8} optarium {ours_sampler:<6} {row['optarium_s']:6.2f} s   "
                  f"optuna {theirs_sampler:<13} {row['optuna_s']:6.2f} s   ratio {row['ratio']:.2f}", flush=True)
    load_after = os.getloadavg()
    print(f"optarium --help: median {statistics.median(help_times):.3f} s; "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after (noisy under load)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "study_ask.json").write_text(json.dumps({
        "repeats": args.repeats, "help_s": statistics.median(help_times), "help_all": help_times,
        "load_average": [load_before, load_after], "rows": rows}, indent=1, default=str))


if __name__ == "__main__":
    main()
