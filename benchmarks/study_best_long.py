"""Latency of a long study's best trial, summary, hypervolume and service analysis (10,000 finished trials in an
SQLite file) at two commits, side by side.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/study_best_long.py \
        --before REV --after REV [--trials 10000] [--repeats 5] [--rounds 2]

Each commit's ``src/`` is taken with ``git archive`` into a temporary folder and run with it first on
``PYTHONPATH`` (same interpreter and libraries). Each run of a side is one process: it builds two studies
in a fresh SQLite file (not timed; 2-D continuous space, uniform random points, seed 0): one
single-objective study whose values are uniform random with a tenth of the trials infeasible, and one
two-objective study whose values are a random point's distance to two corners. Then it times, ``repeats``
times each: ``Study.load(...).best`` and ``.summary()`` of both, ``.hypervolume()`` of the second (what
``optarium study best`` and the service's study page ask for), the service's ``GET .../analysis`` of the second
(the route's function on the service's store, kept across repeats as the service keeps it, timed after the other
cases in a loop of its own, as a server calls it; a side whose route takes ``hypervolume`` is also timed with it,
turn about, reported for that side alone), and ``optarium study best NAME
--json`` of each in a new process (start-up included), checking that both sides give the same answers (of the
analysis: its front, history, importance and count). Rounds
alternate before/after; reports each side's median, the ratio after / before, and the load average at the
start and the end. Writes ``benchmarks/results/study_best_long.json`` (``--tag T``:
``study_best_long_T.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from revisions import (  # a sibling module: benchmarks run as scripts from this folder
    extract,
    run_on,
)

RESULTS = Path(__file__).resolve().parent / "results"
SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0}, "y": {"type": "float", "low": -5.0, "high": 5.0}}
CASES = ("single best", "single summary", "multi best", "multi summary", "multi hypervolume", "cli best single",
         "cli best multi", "multi analysis")  # the last one in a loop of its own
COMPARED = ("pareto", "history", "importance", "n_complete")  # the analysis's parts both sides give alike
# ``optarium study best NAME --json`` in a fresh process, from the side's src (the worker's PYTHONPATH)
RUN_CLI = "import sys; from optarium.cli.main import main; sys.argv[0] = 'optarium'; sys.exit(main())"


def build(url: str, trials: int) -> None:
    """The two studies of ``trials`` finished trials each, written as a worker would (one ask, one tell call)."""
    import numpy as np

    from optarium.blackbox.study import Study

    rng = np.random.default_rng(0)
    for name, directions in (("single", ["minimize"]), ("multi", ["minimize", "minimize"])):
        study = Study.create(name, SPACE, directions=directions, sampler="random", seed=1, store=url)
        points = rng.uniform(-5, 5, size=(trials, 2))

        def propose(_ask_index: int, _rows: list[dict], study: Study = study, points: Any = points) -> list[dict]:
            rows = []
            for number, (x, y) in enumerate(points, start=1):
                params = {"x": float(x), "y": float(y)}
                rows.append({"number": number, "params": params, "point": [float(u) for u in study.space.encode(params)],
                             "sampler": "random", "info": {"note": "built by the benchmark"}})
            return rows

        study.store.ask(study._id, propose)
        feasibility = np.where(rng.random(trials) < 0.1, 1.0, -1.0)
        if len(directions) == 1:
            results = [(n, "complete", float(v), float(f), None)
                       for n, v, f in zip(range(1, trials + 1), rng.random(trials), feasibility, strict=True)]
        else:
            near = np.hypot(points[:, 0] + 5, points[:, 1] + 5), np.hypot(points[:, 0] - 5, points[:, 1] + 5)
            results = [(n, "complete", None, None, [float(a), float(b)])
                       for n, a, b in zip(range(1, trials + 1), *near, strict=True)]
        study.store.finish_trials(study._id, results)  # type: ignore[arg-type]


def measure(url: str, trials: int, repeats: int) -> dict[str, Any]:
    """Seconds of each case ``repeats`` times, and what each case answered (to compare the sides)."""
    import inspect
    import time

    from optarium.blackbox.study import Study
    from optarium.service.routes_studies import analysis
    from optarium.store.study_cache import CachedStudyStore

    build(url, trials)
    store = CachedStudyStore(url)
    calls = {
        "single best": lambda: Study.load("single", url).best,
        "single summary": lambda: Study.load("single", url).summary(),
        "multi best": lambda: Study.load("multi", url).best,
        "multi summary": lambda: Study.load("multi", url).summary(),
        "multi hypervolume": lambda: Study.load("multi", url).hypervolume(),
        "cli best single": lambda: _cli_best("single", url),
        "cli best multi": lambda: _cli_best("multi", url),
    }
    seconds: dict[str, list[float]] = {case: [] for case in CASES}
    answers: dict[str, Any] = {}
    for _ in range(repeats):
        for case in CASES[:-1]:
            start = time.perf_counter()
            answer = calls[case]()
            seconds[case].append(time.perf_counter() - start)
            answers[case] = answer
    extra: dict[str, list[float]] = {}
    with_hypervolume = "hypervolume" in inspect.signature(analysis).parameters
    analysis("multi", store)  # the first call imports the service's modules: not timed
    for _ in range(repeats):
        start = time.perf_counter()
        answered = analysis("multi", store)
        seconds["multi analysis"].append(time.perf_counter() - start)
        answers["multi analysis"] = {key: answered[key] for key in COMPARED}
        if with_hypervolume:
            start = time.perf_counter()
            analysis("multi", store, hypervolume=True)
            extra.setdefault("multi analysis with hypervolume", []).append(time.perf_counter() - start)
    shown = {case: _shown(answer) for case, answer in answers.items()}
    return {"seconds": seconds, "answers": shown, "extra": extra}


def _cli_best(name: str, url: str) -> Any:
    """What ``optarium study best NAME --json`` prints, run as a user runs it (a new process)."""
    done = subprocess.run([sys.executable, "-c", RUN_CLI, "study", "best", name, "--store", url, "--json"],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _shown(answer: Any) -> Any:
    """An answer as JSON-able data without times (a summary's last activity is when the study was built)."""
    if hasattr(answer, "to_dict"):
        return {"number": answer.number, **answer.to_dict()}
    if isinstance(answer, list):
        return [_shown(item) for item in answer]
    if isinstance(answer, dict):
        return {key: _shown(value) for key, value in answer.items() if key != "last_activity"}
    return answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="git revision of the earlier code")
    parser.add_argument("--after", help="git revision of the later code")
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tag", default="", help="results go to study_best_long_TAG.json (default: study_best_long.json)")
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker, args.trials, args.repeats)))
        return 0
    if not args.before or not args.after:
        parser.error("--before and --after are required")
    load_start = os.getloadavg()
    seconds: dict[str, dict[str, list[float]]] = {case: {"before": [], "after": []} for case in CASES}
    answers: dict[str, list[Any]] = {"before": [], "after": []}
    extra: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        sides = {name: extract(rev, Path(folder) / name) for name, rev in (("before", args.before), ("after", args.after))}
        for round_number in range(args.rounds):
            for name, src in sides.items():
                url = f"sqlite:///{folder}/{name}-{round_number}.db"
                measured = run_on(src, [__file__, "--worker", url, "--trials", str(args.trials),
                                        "--repeats", str(args.repeats)], name)
                answers[name].append(measured["answers"])
                for case in CASES:
                    seconds[case][name] += measured["seconds"][case]
                for case, values in measured.get("extra", {}).items():
                    extra.setdefault(case, {}).setdefault(name, []).extend(values)
    every = answers["before"] + answers["after"]
    result: dict[str, Any] = {"before": args.before, "after": args.after, "trials": args.trials, "repeats": args.repeats,
                              "rounds": args.rounds, "store": "sqlite file",
                              "same_answers": all(answer == every[0] for answer in every), "cases": {}}
    print(f"{'case':18} {'before ms':>10} {'after ms':>10} {'ratio':>6}")
    for case in CASES:
        medians = {name: statistics.median(values) for name, values in seconds[case].items()}
        ratio = medians["after"] / medians["before"]
        result["cases"][case] = {"median_ms": {name: round(1000 * v, 1) for name, v in medians.items()},
                                 "ratio_after_before": round(ratio, 3),
                                 "ms": {name: [round(1000 * v, 1) for v in values] for name, values in seconds[case].items()}}
        print(f"{case:18} {1000 * medians['before']:10.1f} {1000 * medians['after']:10.1f} {ratio:6.3f}")
    result["extra"] = {case: {name: {"median_ms": round(1000 * statistics.median(values), 1),
                                     "ms": [round(1000 * v, 1) for v in values]} for name, values in sides.items()}
                       for case, sides in extra.items()}
    for case, by_side in result["extra"].items():
        print(f"{case}: " + ", ".join(f"{name} {v['median_ms']} ms" for name, v in by_side.items()))
    result["loadavg_start"] = [round(v, 2) for v in load_start]
    result["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    print(f"same answers {result['same_answers']}; load {result['loadavg_start']} -> {result['loadavg_end']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"study_best_long{'_' + args.tag if args.tag else ''}.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
