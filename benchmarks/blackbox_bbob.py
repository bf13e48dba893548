"""BBOB (coco-experiment) f1-f24: final regret of optarium's samplers against Optuna 5 and random.

    .venv/bin/python benchmarks/blackbox_bbob.py [--quick] [--budget 100] [--instances 3] [--jobs 2]

Full run: functions 1-24, dimensions 2, 5, 10, instances 1-3, a budget of 100
evaluations (``--budget 20d`` uses 20 x dimension). ``--quick``: functions 1, 6, 8,
15, 20, 21 in 2-D and 5-D, instance 1 (``--instances N`` uses instances 1..N).
``--functions 1,2,3`` and ``--dims 5`` run a subset (written as ``blackbox_bbob_5d``; another
budget adds ``_budget20d``).
``--jobs N`` runs N (function, dimension, instance) problems at once in worker
processes (every sampler of a problem runs in the same worker). Regret is f(best) - f_opt, with f_opt from the
instance's known optimum. For every (function, dimension) the median regret over
instances; the summary is the fraction of pairs where optarium ``auto`` has a lower
median regret than every Optuna sampler (TPE, GP, CMA-ES). ``auto`` delegates to the
GP sampler at these budgets, so its column is also the GP column.

Every seeded run is kept in ``results/blackbox_bbob_runs.jsonl`` under its problem,
budget, seed, sampler and version (a hash of optarium's ``blackbox`` sources but those of
samplers no BBOB run reaches, or the peer library's version): a run found there is not
repeated, so the peers' columns are computed once and a long run can be split over several
invocations. Each line also names the processor it ran on: a seeded run repeats bit for bit on
one machine but not on another (the GP fits' floating-point kernels differ), so
``--this-machine`` reuses only lines recorded on this processor, for a comparison whose every
column ran on one machine. ``--fresh`` ignores the file; ``--samplers auto`` runs only ours (the table still
shows the peers found in the file). ``--samplers botorch`` adds BoTorch's standard loop
(slow, so not run by default).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
OURS = ["auto", "cmaes"]
OPTUNA = ["optuna_tpe", "optuna_gp", "optuna_cmaes"]  # the samplers auto must beat
PEERS = [*OPTUNA, "random", "botorch"]  # botorch: is our own GP as good as BoTorch's standard loop?
OPTIONAL = ["botorch"]  # peers run only when asked for with --samplers (slow)
CACHE = RESULTS / "blackbox_bbob_runs.jsonl"
# Sampler modules no BBOB run reaches (auto picks zo_rank only for ranking feedback, never
# cbo): left out of our version hash, so a change to them keeps the cached runs.
NOT_RUN = {"cbo.py", "zo_rank.py"}
_SUITES: list[Any] = []


def versions() -> dict[str, str]:
    """What a cached regret depends on besides the problem and seed: our samplers' source, or Optuna's version."""
    import hashlib
    from importlib.metadata import version

    import optarium

    digest = hashlib.sha256()
    for path in sorted((Path(optarium.__file__).parent / "blackbox").glob("*.py")):
        if path.name not in NOT_RUN:
            digest.update(path.read_bytes())
    ours = "optarium-" + digest.hexdigest()[:12]
    return {**{s: ours for s in OURS}, **{s: ("botorch-" + version("botorch") if s == "botorch" else "optuna-" + version("optuna"))
                                             for s in PEERS}}


@functools.cache
def machine() -> str:
    """The processor's model name (read once): seeded runs repeat exactly only on the same one."""
    import platform

    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_cache(only_machine: str | None = None) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Earlier runs by (function, dim, instance, budget, seed, sampler, version): every run is seeded,
    so a run whose code did not change gives the same regret and need not be repeated. With
    ``only_machine``, only runs recorded on that processor (older lines name none)."""
    if not CACHE.exists():
        return {}
    cache = {}
    for line in CACHE.read_text().splitlines():
        r = json.loads(line)
        if only_machine is not None and r.get("machine") != only_machine:
            continue
        cache[(r["function"], r["dim"], r["instance"], r["budget"], r["seed"], r["sampler"], r["version"])] = r
    return cache


def remember(row: dict[str, Any], samplers: list[str], seed: int, version: dict[str, str]) -> None:
    CACHE.parent.mkdir(exist_ok=True)
    with CACHE.open("a") as out:
        for sampler in samplers:
            out.write(json.dumps({"function": row["function"], "dim": row["dim"], "instance": row["instance"],
                                  "budget": row["budget"], "seed": seed, "sampler": sampler, "version": version[sampler],
                                  "regret": row[sampler], "seconds": round(row[f"{sampler}_seconds"], 2),
                                  "machine": machine()}) + "\n")


def problems(functions: list[int], dims: list[int], instances: list[int]) -> list[Any]:
    import cocoex

    spec = f"function_indices:{','.join(map(str, functions))} dimensions:{','.join(map(str, dims))} instance_indices:{','.join(map(str, instances))}"
    suite = cocoex.Suite("bbob", "", spec)
    _SUITES.append(suite)  # a problem is freed with its suite: keep the suite alive
    return [suite.get_problem(index) for index in range(len(suite))]


def optimum(problem: Any) -> float:
    """f_opt: cocoex writes the optimal point of a BBOB instance to a file on request."""
    folder = tempfile.mkdtemp()
    here = os.getcwd()
    try:
        os.chdir(folder)
        problem._best_parameter("print")
        x_opt = np.atleast_1d(np.loadtxt("._bbob_problem_best_parameter.txt"))
    finally:
        os.chdir(here)
    return float(problem(x_opt))


def run_optarium(problem: Any, sampler: str, budget: int, seed: int) -> float:
    from optarium.blackbox.optimize import optimize

    space = {f"x{i}": {"type": "float", "low": -5.0, "high": 5.0} for i in range(problem.dimension)}
    study = optimize(lambda p: float(problem(np.array([p[f"x{i}"] for i in range(problem.dimension)]))),
                     space, budget, sampler=sampler, seed=seed, store=f"sqlite:///{tempfile.mkdtemp()}/bbob.db")
    assert study.best is not None and study.best.value is not None
    return float(study.best.value)


def run_optuna(problem: Any, sampler: str, budget: int, seed: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    make = {
        "optuna_tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "optuna_gp": lambda: optuna.samplers.GPSampler(seed=seed),
        "optuna_cmaes": lambda: optuna.samplers.CmaEsSampler(seed=seed),
        "random": lambda: optuna.samplers.RandomSampler(seed=seed),
    }[sampler]
    study = optuna.create_study(sampler=make())

    def objective(trial: optuna.Trial) -> float:
        return float(problem(np.array([trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(problem.dimension)])))

    study.optimize(objective, n_trials=budget)
    return float(study.best_value)


def run_botorch(problem: Any, sampler: str, budget: int, seed: int) -> float:
    """BoTorch's standard loop (:mod:`botorch_loop`) after the same scrambled Sobol design
    as optarium's GP sampler (``GPSampler.initial_points``)."""
    import torch
    from scipy.stats import qmc

    from botorch_loop import next_point
    from optarium.blackbox.gp import GPSampler

    warnings.filterwarnings("ignore")  # optimize_acqf's restarts from new initial conditions are routine
    torch.manual_seed(seed)
    dim = problem.dimension
    unit = qmc.Sobol(dim, scramble=True, seed=seed).random(GPSampler().initial_points(dim))
    values = [float(problem(-5.0 + 10.0 * u)) for u in unit]
    while len(values) < budget:
        point = np.clip(next_point(unit, np.array(values)), 0.0, 1.0)
        unit = np.vstack([unit, point])
        values.append(float(problem(-5.0 + 10.0 * point)))
    return min(values)


def run_problem(key: tuple[int, int, int], samplers: list[str], budget_option: str, seed: int) -> dict[str, Any]:
    """Every sampler on one BBOB problem (in a worker process: cocoex problems do not pickle)."""
    import torch

    torch.set_num_threads(1)
    function, dim, instance = key
    (problem,) = problems([function], [dim], [instance])
    f_opt = optimum(problem)
    budget = 20 * dim if budget_option == "20d" else int(budget_option)
    row: dict[str, Any] = {"function": function, "dim": dim, "instance": instance, "budget": budget}
    for sampler in samplers:
        clock = time.perf_counter()
        run = run_optarium if sampler in OURS else run_botorch if sampler == "botorch" else run_optuna
        best = run(problem, sampler, budget, seed + instance)
        row[sampler] = max(best - f_opt, 0.0)
        row[f"{sampler}_seconds"] = time.perf_counter() - clock
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--budget", default="100", help="evaluations per run, or '20d' for 20 x dimension")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--instances", type=int, default=None, help="instances 1..N (default: 1 with --quick, else 3)")
    parser.add_argument("--jobs", type=int, default=1, help="problems run at once in worker processes")
    parser.add_argument("--functions", default=None, help="comma-separated BBOB function numbers (default: 1-24)")
    parser.add_argument("--dims", default=None, help="comma-separated dimensions (default: 2,5,10)")
    parser.add_argument("--fresh", action="store_true", help=f"ignore results/{CACHE.name} and run everything again")
    parser.add_argument("--this-machine", action="store_true",
                        help=f"reuse only the runs in results/{CACHE.name} recorded on this processor")
    parser.add_argument("--samplers", default=None, help=f"comma-separated subset of {','.join(OURS + PEERS)} (default: all but {','.join(OPTIONAL)})")
    args = parser.parse_args()
    instances = list(range(1, (args.instances or (1 if args.quick else 3)) + 1))
    functions = [int(f) for f in args.functions.split(",")] if args.functions else None
    dims = [int(d) for d in args.dims.split(",")] if args.dims else None
    if args.quick:
        selected = problems(functions or [1, 6, 8, 15, 20, 21], dims or [2, 5], instances)
    else:
        selected = problems(functions or list(range(1, 25)), dims or [2, 5, 10], instances)
    samplers = args.samplers.split(",") if args.samplers else [s for s in OURS + PEERS if s not in OPTIONAL]
    unknown = sorted(set(samplers) - set(OURS + PEERS))
    if unknown:
        parser.error(f"unknown sampler(s) {', '.join(unknown)}; choose from {', '.join(OURS + PEERS)}")
    keys = [(p.id_function, p.dimension, p.id_instance) for p in selected]
    version = versions()
    cache = {} if args.fresh else load_cache(machine() if args.this_machine else None)
    todo: dict[tuple[int, int, int], list[str]] = {}
    found: dict[tuple[int, int, int], dict[str, Any]] = {}
    for key in keys:
        budget = 20 * key[1] if args.budget == "20d" else int(args.budget)
        found[key] = {"function": key[0], "dim": key[1], "instance": key[2], "budget": budget}
        for sampler in OURS + PEERS:
            hit = cache.get((*key, budget, args.seed + key[2], sampler, version[sampler]))
            if hit is None and sampler in samplers:
                todo.setdefault(key, []).append(sampler)
            elif hit is not None:
                found[key][sampler], found[key][f"{sampler}_seconds"] = hit["regret"], hit["seconds"]
    print(f"{len(keys)} problems: {sum(map(len, todo.values()))} runs to make, "
          f"{sum(len(r) - 4 for r in found.values()) // 2} found in {CACHE.name}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        jobs = [pool.submit(run_problem, key, todo[key], args.budget, args.seed) for key in keys if key in todo]
        for job in as_completed(jobs):
            row = job.result()
            key = (row["function"], row["dim"], row["instance"])
            found[key].update(row)
            remember(row, todo[key], args.seed + key[2], version)
            print(f"f{row['function']:>2} d{row['dim']:>2} i{row['instance']}: " + "  ".join(f"{s}={row[s]:.3g}" for s in todo[key])
                  + f"  [{time.perf_counter() - started:.0f}s]", file=sys.stderr, flush=True)
    records = list(found.values())
    # The table shows every sampler with a result on every problem (run now or found).
    samplers = [s for s in OURS + PEERS if all(s in r for r in records)]
    records.sort(key=lambda r: (r["function"], r["dim"], r["instance"]))
    pairs = sorted({(r["function"], r["dim"]) for r in records})
    table = []
    for function, dim in pairs:
        runs = [r for r in records if r["function"] == function and r["dim"] == dim]
        medians = {s: statistics.median(r[s] for r in runs) for s in samplers}
        peers = [medians[p] for p in OPTUNA if p in medians]
        beats = "auto" in medians and len(peers) == 3 and all(medians["auto"] < p for p in peers)
        table.append({"function": function, "dim": dim, **medians, "auto_beats_optuna": beats})
    wins = sum(t["auto_beats_optuna"] for t in table) / len(table)
    header = f"{'f':>3} {'d':>3} " + " ".join(f"{s:>12}" for s in samplers) + "  auto<all optuna"
    print(header)
    for t in table:
        print(f"{t['function']:>3} {t['dim']:>3} " + " ".join(f"{t[s]:>12.3g}" for s in samplers) + f"  {'yes' if t['auto_beats_optuna'] else 'no'}")
    seconds = {s: sum(r[f"{s}_seconds"] for r in records) for s in samplers}
    if "auto" in samplers and all(p in samplers for p in OPTUNA):
        print(f"auto has lower median regret than every Optuna sampler on {wins:.0%} of {len(table)} (function, dimension) pairs")
    else:
        missing = ", ".join(s for s in ["auto", *OPTUNA] if s not in samplers)
        print(f"no win count: {missing} lack a result on some problem (run them with --samplers)")
    odds = head_to_head(table) if "auto" in samplers else {}
    if odds:
        print("auto has lower median regret than each alone: " + "  ".join(f"{p}={v:.0%}" for p, v in odds.items()))
    print("total seconds: " + "  ".join(f"{s}={seconds[s]:.0f}" for s in samplers))
    RESULTS.mkdir(exist_ok=True)
    name = "blackbox_bbob_quick" if args.quick else "blackbox_bbob"
    if not args.quick and (functions or dims):
        name += "_" + "_".join(f"{d}d" for d in sorted({r["dim"] for r in records}))
    if args.budget != "100":
        name += f"_budget{args.budget}"
    if args.instances is not None and not args.quick and args.instances != 3:
        name += f"_instances{args.instances}"
    (RESULTS / f"{name}.json").write_text(json.dumps({"runs": records, "table": table, "auto_win_fraction": wins,
                                                      "auto_beats_each": odds, "seconds": seconds}, separators=(",", ":")))
    plot(table, samplers, RESULTS / f"{name}.png")
    print(f"wrote {RESULTS / name}.json and .png")


def head_to_head(table: list[dict[str, Any]]) -> dict[str, float]:
    """For each Optuna sampler alone: the fraction of pairs where auto's median regret is lower."""
    return {p: sum(t["auto"] < t[p] for t in table) / len(table) for p in OPTUNA if all(p in t for t in table)}


def plot(table: list[dict[str, Any]], samplers: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dims = sorted({t["dim"] for t in table})
    if len(dims) > 1 and "auto" in samplers and all(p in samplers for p in OPTUNA):
        plot_summary(table, dims, path)
        return
    figure, axes = plt.subplots(figsize=(max(6, len(table) * 0.6), 4))
    labels = [f"f{t['function']}/{t['dim']}D" for t in table]
    width = 0.8 / len(samplers)
    for k, sampler in enumerate(samplers):
        axes.bar(np.arange(len(table)) + k * width, [max(t[sampler], 1e-9) for t in table], width, label=sampler)
    axes.set_yscale("log")
    axes.set_xticks(np.arange(len(table)) + 0.4, labels, rotation=60)
    axes.set_ylabel("median final regret")
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_summary(table: list[dict[str, Any]], dims: list[int], path: Path) -> None:
    """One panel per dimension: auto's median regret over the best Optuna sampler's, per function
    (below 1: auto is ahead)."""
    import matplotlib.pyplot as plt

    figure, panels = plt.subplots(len(dims), 1, figsize=(10, 2.6 * len(dims)), sharex=True)
    for axes, dim in zip(np.atleast_1d(panels), dims, strict=True):
        rows = [t for t in table if t["dim"] == dim]
        ratios = [(t["auto"] + 1e-8) / (min(t[p] for p in OPTUNA) + 1e-8) for t in rows]
        colours = ["tab:green" if t["auto_beats_optuna"] else "tab:red" for t in rows]
        axes.bar([t["function"] for t in rows], ratios, color=colours)
        axes.axhline(1.0, color="black", linewidth=0.8)
        axes.set_yscale("log")
        wins = sum(t["auto_beats_optuna"] for t in rows)
        axes.set_ylabel(f"{dim}-D: auto / best Optuna")
        axes.set_title(f"{dim}-D: auto ahead of every Optuna sampler on {wins} of {len(rows)} functions", fontsize=9)
    functions = sorted({t["function"] for t in table})
    axes.set_xticks(functions, [f"f{f}" for f in functions])
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


if __name__ == "__main__":
    main()
