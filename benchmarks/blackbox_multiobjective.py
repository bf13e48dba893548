"""Multi-objective studies: hypervolume after N evaluations, optarium against random and Optuna.

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/blackbox_multiobjective.py \
        [--problems ZDT1,DTLZ2] [--seeds 0,1,2] [--methods ...] [--evaluations 120] [--batch 5]

Problems (all minimised): BoTorch's test functions, each with its reference point and the
hypervolume of its true front: BraninCurrin (d=2), ZDT1-3 (d=6), DTLZ2 (d=6, three
objectives) and VehicleSafety (d=5, three objectives); and three engineering problems of the
RE suite (benchmarks/re_problems.py, normalised by the suite's ideal and nadir points,
reference point 1.1): RE21 (d=4, two objectives), RE33 and RE37 (d=4, three objectives).
Protocol of the SVH-PSL paper: 120 evaluations asked in batches of 5 (each method's own
initial design). Metric: log10 of the hypervolume gap at the end to the true front (BoTorch)
or, for the RE problems, to the best front found by all methods and seeds in the results
file (the union of every run's front; the gap to the suite's approximated front is kept
too). Peers in the same run, same seeds: random
search, Optuna's NSGAIISampler (population 20), TPESampler and GPSampler (multi-objective).
Ask time is each method's time inside ask over the whole run, every method on one torch
thread. Writes benchmarks/results/blackbox_multiobjective[-TAG].json after every run (a cut run
loses nothing; --resume skips the runs already in it) and prints a table with, per problem,
the median log gap and the ratio of optarium's hypervolume gap to each peer's (< 1: optarium
closer to the true front).

    .venv/bin/python benchmarks/blackbox_multiobjective.py --summarise FILE[:METHOD+METHOD] ... [--tag summary]

merges results files (runs keyed by problem, seed and method; the RE problems' best-found
fronts recomputed over every merged run), prints per problem the median log10 gap of each
method and the seeds where ``optarium_auto`` beats each peer, paired by seed, and the
problems where its median is below each peer's, and writes them to the --tag file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BOTORCH_PROBLEMS = ["BraninCurrin", "ZDT1", "ZDT2", "ZDT3", "DTLZ2", "VehicleSafety"]
RE_NAMES = ["RE21", "RE33", "RE37"]
PROBLEMS = BOTORCH_PROBLEMS + RE_NAMES
METHODS = ["optarium_auto", "random", "optuna_nsga2", "optuna_tpe", "optuna_gp"]
FRONT_DIGITS = 12  # each run's front is kept in the results, rounded, for the best-found front


class BoTorchProblem:
    """A BoTorch multi-objective test function behind the benchmark's problem interface."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self.dim: int = function.dim
        self.num_objectives: int = function.num_objectives
        self.bounds: np.ndarray = function.bounds.numpy()
        self.ref_point: np.ndarray = function.ref_point.numpy()
        self.max_hv: float | None = float(function._max_hv)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            return self.function.evaluate_true(torch.as_tensor(x[None, :], dtype=torch.float64))[0].numpy()


def problem(name: str) -> Any:
    """The problem called ``name``: ``dim``, ``num_objectives``, ``bounds`` (2, dim), ``ref_point``,
    ``max_hv`` (the true front's hypervolume, None where unknown) and a call on one point (dim,)."""
    if name in RE_NAMES:
        sys.path.insert(0, str(HERE))
        from re_problems import RE_PROBLEMS

        return RE_PROBLEMS[name]  # no max_hv: its gap is to the best front found
    from botorch.test_functions import multi_objective as mo

    return BoTorchProblem({
        "BraninCurrin": lambda: mo.BraninCurrin(),
        "ZDT1": lambda: mo.ZDT1(dim=6), "ZDT2": lambda: mo.ZDT2(dim=6), "ZDT3": lambda: mo.ZDT3(dim=6),
        "DTLZ2": lambda: mo.DTLZ2(dim=6, num_objectives=3),
        "VehicleSafety": lambda: mo.VehicleSafety(),
    }[name]())


def evaluate(function: Any, x: np.ndarray) -> list[float]:
    return [float(v) for v in function(x)]


def run_optarium(function: Any, seed: int, evaluations: int, batch: int, sampler: str) -> tuple[np.ndarray, float]:
    from optarium.blackbox.study import Study

    bounds = function.bounds
    space = {f"x{i}": {"type": "float", "low": float(bounds[0, i]), "high": float(bounds[1, i])} for i in range(function.dim)}
    study = Study.create("mo", space, directions=["minimize"] * function.num_objectives, sampler=sampler, seed=seed,
                         budget=evaluations, store="memory://")
    values, asking = [], 0.0
    while len(values) < evaluations:
        started = time.perf_counter()
        trials = study.ask(min(batch, evaluations - len(values)))
        asking += time.perf_counter() - started
        for trial in trials:
            y = evaluate(function, np.array([trial.params[f"x{i}"] for i in range(function.dim)]))
            study.tell(trial, y)
            values.append(y)
    return np.array(values), asking


def run_optuna(function: Any, seed: int, evaluations: int, batch: int, kind: str) -> tuple[np.ndarray, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    sampler = {
        "optuna_nsga2": lambda: optuna.samplers.NSGAIISampler(population_size=20, seed=seed),
        "optuna_tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "optuna_gp": lambda: optuna.samplers.GPSampler(seed=seed),
    }[kind]()
    study = optuna.create_study(directions=["minimize"] * function.num_objectives, sampler=sampler)
    bounds = function.bounds
    values, asking = [], 0.0
    while len(values) < evaluations:
        started = time.perf_counter()
        trials = [study.ask() for _ in range(min(batch, evaluations - len(values)))]
        xs = [np.array([t.suggest_float(f"x{i}", float(bounds[0, i]), float(bounds[1, i])) for i in range(function.dim)])
              for t in trials]
        asking += time.perf_counter() - started
        for trial, x in zip(trials, xs, strict=True):
            y = evaluate(function, x)
            study.tell(trial, y)
            values.append(y)
    return np.array(values), asking


def run_random(function: Any, seed: int, evaluations: int, batch: int) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(seed)
    bounds = function.bounds
    xs = bounds[0] + rng.random((evaluations, function.dim)) * (bounds[1] - bounds[0])
    return np.array([evaluate(function, x) for x in xs]), 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--evaluations", type=int, default=120)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--tag", default="")
    parser.add_argument("--resume", action="store_true", help="keep the runs already in the results file, run the rest")
    parser.add_argument("--summarise", nargs="+", metavar="FILE[:METHOD+METHOD]",
                        help="run nothing: merge these results files (optionally only the named methods of each; a later "
                             "file's run of the same problem, seed and method replaces an earlier one), print the "
                             "comparison and write it to the --tag file (default tag: summary)")
    args = parser.parse_args()
    if args.summarise:
        merge_and_summarise(args.summarise, RESULTS / f"blackbox_multiobjective-{args.tag or 'summary'}.json")
        return
    problems, methods = args.problems.split(","), args.methods.split(",")
    unknown = [p for p in problems if p not in PROBLEMS] + [m for m in methods if m not in METHODS
                                                             and not m.startswith("optarium_")]
    if unknown:
        print(f"blackbox_multiobjective: unknown problem or method {', '.join(unknown)}; "
              f"problems are {', '.join(PROBLEMS)}, methods {', '.join(METHODS)}", file=sys.stderr)
        sys.exit(2)
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        print(f"blackbox_multiobjective: --seeds takes integers separated by commas, got {args.seeds!r}", file=sys.stderr)
        sys.exit(2)
    if args.evaluations < 1 or args.batch < 1:
        print(f"blackbox_multiobjective: --evaluations and --batch must be positive, got {args.evaluations}, "
              f"{args.batch}", file=sys.stderr)
        sys.exit(2)
    import torch

    torch.set_num_threads(1)  # both sides on one torch thread (ours sets it per ask anyway)
    from optarium.blackbox.pareto import hypervolume, non_dominated

    out = RESULTS / f"blackbox_multiobjective{'-' + args.tag if args.tag else ''}.json"
    earlier: dict[str, Any] = json.loads(out.read_text()) if args.resume and out.exists() else {}
    records: list[dict[str, Any]] = earlier.get("records", [])
    done = {(r["problem"], r["seed"], r["method"]) for r in records}
    invocations = earlier.get("meta", {}).pop("earlier_invocations", [])
    if earlier:  # a resumed file keeps the arguments and sources of every run that wrote to it
        invocations.append({"args": earlier["args"], **earlier["meta"]})
    meta = {"earlier_invocations": invocations, "commit": _git("rev-parse", "HEAD"), "uncommitted_src": _git("status", "--porcelain", "src").splitlines(),
            "uncommitted_src_sha1": hashlib.sha1(_git("diff", "HEAD", "--", "src").encode()).hexdigest(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    for name in problems:
        function = problem(name)
        reference, best = function.ref_point, getattr(function, "max_hv", None)
        for seed in seeds:
            for method in methods:
                if (name, seed, method) in done:
                    continue
                load_before = os.getloadavg()[0]
                started = time.perf_counter()
                if method == "optarium_auto":
                    values, asking = run_optarium(function, seed, args.evaluations, args.batch, "auto")
                elif method.startswith("optarium_"):
                    values, asking = run_optarium(function, seed, args.evaluations, args.batch, method.split("_", 1)[1])
                elif method == "random":
                    values, asking = run_random(function, seed, args.evaluations, args.batch)
                else:
                    values, asking = run_optuna(function, seed, args.evaluations, args.batch, method)
                volume = hypervolume(values, reference)
                record: dict[str, Any] = {"problem": name, "seed": seed, "method": method, "hypervolume": volume,
                                          "ask_seconds": round(asking, 3),
                                          "seconds": round(time.perf_counter() - started, 3),
                                          "load": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
                if best is not None:
                    record["log10_gap"] = math.log10(max(best - volume, 1e-12))
                else:
                    record["front"] = np.round(values[non_dominated(values)], FRONT_DIGITS).tolist()
                records.append(record)
                _write(out, args, meta, records, None)
                gap = f"log10 gap {record['log10_gap']:7.3f}" if best is not None else f"hypervolume {volume:.5f}"
                print(f"{name:14s} seed {seed} {method:14s} {gap}  ask {asking:6.1f} s  load {load_before:.1f}",
                      flush=True)
    _best_found_gaps(records)
    present = {r["method"] for r in records}  # a resumed file is summarised whole
    summary = summarise(records, [m for m in METHODS if m in present] + sorted(present - set(METHODS)))
    _write(out, args, meta, records, summary)
    print(f"wrote {out}")


def _git(*command: str) -> str:
    return subprocess.run(["git", *command], cwd=HERE.parent, capture_output=True, text=True).stdout.strip()


def _write(out: Path, args: argparse.Namespace, meta: dict[str, Any], records: list[dict[str, Any]],
           summary: dict[str, Any] | None) -> None:
    """Write the results file whole, through a temporary file, so a cut run leaves the last complete one."""
    RESULTS.mkdir(exist_ok=True)
    document = {"args": vars(args), "meta": meta, "records": records}
    if summary is not None:
        document["summary"] = summary
    lines = ",\n".join(json.dumps(r, separators=(",", ":")) for r in records)
    head = json.dumps({k: v for k, v in document.items() if k != "records"}, indent=1)[:-2]
    temporary = out.with_suffix(".json.tmp")
    temporary.write_text(head + ',\n "records": [\n' + lines + "\n ]\n}\n")
    temporary.replace(out)


def _best_found_gaps(records: list[dict[str, Any]]) -> None:
    """Give each run of a problem without a known front its log10 gap to the union of all its runs' fronts."""
    from optarium.blackbox.pareto import hypervolume, non_dominated

    for name in {r["problem"] for r in records if "front" in r}:
        rows = [r for r in records if r["problem"] == name]
        union = np.array([point for r in rows for point in r["front"]])
        union = union[non_dominated(union)]
        best = hypervolume(union, problem(name).ref_point)
        suite = problem(name).suite_front_hypervolume
        for r in rows:
            r["best_found_hypervolume"] = best
            r["log10_gap"] = math.log10(max(best - r["hypervolume"], 1e-12))
            r["log10_gap_suite_front"] = math.log10(max(suite - r["hypervolume"], 1e-12))


def merge_and_summarise(specs: list[str], out: Path) -> None:
    """Merge results files and compare ``optarium_auto`` with each peer, paired by seed.

    Runs are keyed by (problem, seed, method). The RE problems' best-found fronts are
    recomputed over the union of every merged run, so all their gaps share one reference.
    """
    merged: dict[tuple[str, int, str], dict[str, Any]] = {}
    sources = []
    for spec in specs:
        path, _, wanted = spec.partition(":")
        file = Path(path) if Path(path).exists() else RESULTS / path
        try:
            records = json.loads(file.read_text())["records"]
        except (OSError, ValueError, KeyError) as error:
            print(f"blackbox_multiobjective: cannot read results file {path!r}: {error}", file=sys.stderr)
            sys.exit(2)
        methods = set(wanted.split("+")) if wanted else None
        kept = [r for r in records if methods is None or r["method"] in methods]
        unfinished = [r for r in kept if r["problem"] in RE_NAMES and "front" not in r]
        if unfinished:
            print(f"blackbox_multiobjective: {path} has RE runs without their front; cannot merge it", file=sys.stderr)
            sys.exit(2)
        for r in kept:
            merged[(r["problem"], r["seed"], r["method"])] = {**r, "source": file.name}
        sources.append({"file": file.name, "methods": sorted(methods) if methods else "all", "runs": len(kept)})
    records = list(merged.values())
    _best_found_gaps(records)
    present = {r["method"] for r in records}
    methods = [m for m in METHODS if m in present] + sorted(present - set(METHODS))
    summary = summarise(records, methods)
    peers = [m for m in methods if m != "optarium_auto"]
    wins: dict[str, Any] = {}
    print("\nauto against each peer, paired by seed (seeds where auto's gap is smaller / seeds paired)")
    for name, row in summary.items():
        rows = [r for r in records if r["problem"] == name]
        gaps = {(r["method"], r["seed"]): r["log10_gap"] for r in rows}
        asks = {(r["method"], r["seed"]): r["ask_seconds"] for r in rows}
        row["seeds"] = {m: sorted(s for (k, s) in gaps if k == m) for m in methods}
        row["auto_wins_by_seed"] = {}
        for peer in peers:
            paired = [s for (k, s) in gaps if k == peer and ("optarium_auto", s) in gaps]
            better = sum(gaps[("optarium_auto", s)] < gaps[(peer, s)] for s in paired)
            row["auto_wins_by_seed"][peer] = [better, len(paired)]
            if peer == "optuna_gp" and paired:
                ratios = [asks[("optarium_auto", s)] / asks[(peer, s)] for s in paired if asks[(peer, s)] > 0]
                row["ask_time_ratio_auto_over_gp"] = {"median": statistics.median(ratios), "seeds": paired}
        print(f"{name:16s}" + ", ".join(f"{p} {w}/{n}" for p, (w, n) in row["auto_wins_by_seed"].items())
              + (f"; ask time auto/GP {row['ask_time_ratio_auto_over_gp']['median']:.2f}"
                 if "ask_time_ratio_auto_over_gp" in row else ""))
    for peer in peers:
        compared = [n for n, row in summary.items() if peer in row["median_log10_gap"] and "optarium_auto" in row["median_log10_gap"]]
        below = [n for n in compared if row_median(summary, n, "optarium_auto") < row_median(summary, n, peer)]
        wins[peer] = {"problems_auto_median_below": len(below), "problems_compared": len(compared), "problems": below}
        print(f"auto's median below {peer}'s on {len(below)} of {len(compared)} problems")
    all_peers = [n for n, row in summary.items() if "optarium_auto" in row["median_log10_gap"] and all(row_median(summary, n, "optarium_auto") < row_median(summary, n, p)
                                                       for p in peers if p in row["median_log10_gap"])]
    with_auto = sum("optarium_auto" in row["median_log10_gap"] for row in summary.values())
    print(f"auto's median below every peer's on {len(all_peers)} of {with_auto} problems")
    document = {"merged_from": sources, "summary": summary, "auto_median_below": wins,
                "problems_auto_median_below_every_peer": all_peers,
                "records": [{k: v for k, v in r.items() if k != "front"} for r in records]}
    lines = ",\n".join(json.dumps(r, separators=(",", ":")) for r in document.pop("records"))
    head = json.dumps(document, indent=1)[:-2]
    out.write_text(head + ',\n "records": [\n' + lines + "\n ]\n}\n")
    print(f"wrote {out}")


def row_median(summary: dict[str, Any], name: str, method: str) -> float:
    return float(summary[name]["median_log10_gap"][method])


def summarise(records: list[dict[str, Any]], methods: list[str]) -> dict[str, Any]:
    """Per problem: median log10 gap per method; optarium's gap over each peer's (geometric mean over seeds)."""
    summary: dict[str, Any] = {}
    problems = sorted({r["problem"] for r in records}, key=lambda p: PROBLEMS.index(p) if p in PROBLEMS else 99)
    methods = [m for m in methods if any(r["method"] == m for r in records)]
    print("\nproblem         " + "".join(f"{m:>15s}" for m in methods) + "   (median log10 hypervolume gap)")
    for name in problems:
        rows = [r for r in records if r["problem"] == name]
        here = [m for m in methods if any(r["method"] == m for r in rows)]
        medians = {m: statistics.median(r["log10_gap"] for r in rows if r["method"] == m) for m in here}
        asks = {m: statistics.median(r["ask_seconds"] for r in rows if r["method"] == m) for m in here}
        ratios = {}
        for peer in here:
            if peer == "optarium_auto" or "optarium_auto" not in here:
                continue
            diffs = [a["log10_gap"] - b["log10_gap"] for a in rows if a["method"] == "optarium_auto"
                     for b in rows if b["method"] == peer and b["seed"] == a["seed"]]
            if diffs:
                ratios[peer] = 10 ** statistics.mean(diffs)
        summary[name] = {"median_log10_gap": medians, "gap_ratio_auto_over": ratios, "median_ask_seconds": asks}
        if all("log10_gap_suite_front" in r for r in rows):
            summary[name]["median_log10_gap_suite_front"] = {
                m: statistics.median(r["log10_gap_suite_front"] for r in rows if r["method"] == m) for m in here}
        print(f"{name:16s}" + "".join(f"{medians[m]:15.3f}" if m in medians else f"{'-':>15s}" for m in methods))
        if ratios:
            print(" " * 16 + "gap ratio auto/peer: " + ", ".join(f"{p} {v:.2f}" for p, v in ratios.items()))
            print(" " * 16 + "median ask s: " + ", ".join(f"{m} {asks[m]:.1f}" for m in here))
    return summary


if __name__ == "__main__":
    main()
