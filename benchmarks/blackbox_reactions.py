"""Reaction campaigns: experiments needed to find a top-1% condition in enumerated reaction tables.

    .venv/bin/python benchmarks/blackbox_reactions.py [--quick] [--seeds 20] [--cap 150] [--top 0.01] [--slices]
        [--samplers optarium_auto,random,...] [--tables Buchwald_Hartwig,Suzuki_Doyle]

``--tag NAME`` suffixes the results' file names; ``--first-seed`` starts the seeds elsewhere than 0. ``--top 0.1``: stop at the top 10% instead (the "easy space" target). ``--slices`` adds
sub-tables, one per option of the first parameter (Buchwald-Hartwig per base, Suzuki per
electrophile): smaller categorical spaces where good points are common; these are held out.
``--screening`` runs the screening slices instead (Buchwald-Hartwig per ligand, Suzuki per
solvent), on which the easy-space rules were set. The expected
count of uniform random search without repeats, (N + 1) / (K + 1) for K top rows among
N, is printed beside each table.

Reads ../shared/data/reactions beside the repository (benchmark data, not part of it).

The tables in ../shared/data/reactions (Buchwald-Hartwig, 4599 rows; Suzuki, 3696
rows) are the objective: an experiment looks up the yield of the chosen conditions
(a combination missing from the table is a failed experiment). Each campaign
maximises yield and stops at the first yield in the top 1% of its table, or at
``--cap`` experiments (then counted as cap + 1, a censored run). Compares optarium
``auto`` (GP on the enumerated one-hot space) with random search and Optuna's TPE and
GP samplers over the same seeds; reports mean and median experiments and the ratio to
random. ``--quick``: 5 seeds, cap 100.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "reactions"
RESULTS = Path(__file__).resolve().parent / "results"
SAMPLERS = ["optarium_auto", "random", "optuna_tpe", "optuna_gp"]  # optarium_NAME: any optarium sampler, e.g. optarium_main_effects
# sub-tables the easy-space rules are screened on (``--screening``), disjoint in purpose from
# the held-out first-parameter slices of ``--slices``
SCREENING_SLICES = {"Buchwald_Hartwig": "ligand", "Suzuki_Doyle": "solvent"}


def load(name: str, top: float = 0.01) -> tuple[list[dict[str, Any]], dict[tuple[str, ...], float], float]:
    """Parameters (name, options), yield by condition tuple, and the threshold of the top fraction ``top``."""
    config = json.loads((DATA / name / "config.json").read_text())
    params = [{"name": p["name"], "options": [str(o) for o in p["options"]]} for p in config["parameters"]]
    table: dict[tuple[str, ...], float] = {}
    with open(DATA / name / "data.csv", newline="") as handle:
        for row in csv.reader(handle):
            table[tuple(row[: len(params)])] = float(row[len(params)])
    threshold = float(np.quantile(np.array(list(table.values())), 1.0 - top))
    return params, table, threshold


def slices(name: str, top: float, by: str | None = None) -> list[tuple[str, list[dict[str, Any]], dict[tuple[str, ...], float], float]]:
    """One sub-table per option of the parameter ``by`` (default: the first), that parameter dropped, with its own threshold."""
    params, table, _ = load(name, top)
    names = [p["name"] for p in params]
    j = names.index(by) if by is not None and by in names else 0
    rest = params[:j] + params[j + 1:]
    out = []
    for option in params[j]["options"]:
        sub = {key[:j] + key[j + 1:]: value for key, value in table.items() if key[j] == option}
        threshold = float(np.quantile(np.array(list(sub.values())), 1.0 - top))
        out.append((f"{name}[{params[j]['name']}={option}]", rest, sub, threshold))
    return out


def campaign_optarium(params: list[dict[str, Any]], table: dict[tuple[str, ...], float], threshold: float, seed: int, cap: int,
                      sampler: str = "auto") -> int:
    from optarium.blackbox.study import Study

    space = {p["name"]: {"type": "categorical", "choices": p["options"]} for p in params}
    study = Study.create("campaign", space, sampler=sampler, direction="maximize", seed=seed, budget=cap,
                         store=f"sqlite:///{tempfile.mkdtemp()}/reactions.db")
    for experiment in range(1, cap + 1):
        (trial,) = study.ask()
        key = tuple(str(trial.params[p["name"]]) for p in params)
        if key not in table:
            study.tell(trial, failed=True)
            continue
        study.tell(trial, table[key])
        if table[key] >= threshold:
            return experiment
    return cap + 1


def campaign_optuna(sampler: str, params: list[dict[str, Any]], table: dict[tuple[str, ...], float], threshold: float, seed: int, cap: int) -> int:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    make = {
        "random": lambda: optuna.samplers.RandomSampler(seed=seed),
        "optuna_tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "optuna_gp": lambda: optuna.samplers.GPSampler(seed=seed),
    }[sampler]
    study = optuna.create_study(direction="maximize", sampler=make())
    for experiment in range(1, cap + 1):
        trial = study.ask()
        key = tuple(trial.suggest_categorical(p["name"], p["options"]) for p in params)
        if key not in table:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            continue
        study.tell(trial, table[key])
        if table[key] >= threshold:
            return experiment
    return cap + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--cap", type=int, default=150)
    parser.add_argument("--top", type=float, default=0.01, help="stop at this top fraction of the table")
    parser.add_argument("--slices", action="store_true", help="also one sub-table per option of the first parameter")
    parser.add_argument("--screening", action="store_true",
                        help="the screening slices instead: one sub-table per option of SCREENING_SLICES[table] "
                             "(the easy-space rules were set on these; the first-parameter slices are held out)")
    parser.add_argument("--samplers", default=",".join(SAMPLERS), help="comma-separated subset of " + ",".join(SAMPLERS))
    parser.add_argument("--tables", default="Buchwald_Hartwig,Suzuki_Doyle", help="comma-separated tables to run")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument("--tag", default="", help="suffix of the results' file names")
    args = parser.parse_args()
    SAMPLERS[:] = args.samplers.split(",")
    if not DATA.is_dir():
        raise SystemExit(f"benchmark data not found at {DATA}: this benchmark reads ../shared/data/reactions beside the repository")
    import torch

    torch.set_num_threads(1)
    seeds = 5 if args.quick else args.seeds
    cap = 100 if args.quick else args.cap
    results: dict[str, Any] = {}
    load_start = os.getloadavg()
    lines = []
    tasks = []
    for dataset in args.tables.split(","):
        tasks.append((dataset, *load(dataset, args.top)))
        if args.screening:
            tasks = [t for t in tasks if t[0] != dataset] + slices(dataset, args.top, SCREENING_SLICES[dataset])
        elif args.slices:
            tasks += slices(dataset, args.top)
    for dataset, params, table, threshold in tasks:
        counts: dict[str, list[int]] = {s: [] for s in SAMPLERS}
        seconds: dict[str, float] = dict.fromkeys(SAMPLERS, 0.0)
        for seed in range(args.first_seed, args.first_seed + seeds):
            for sampler in SAMPLERS:
                clock = time.perf_counter()
                if sampler.startswith("optarium_"):
                    found = campaign_optarium(params, table, threshold, seed, cap, sampler.removeprefix("optarium_"))
                else:
                    found = campaign_optuna(sampler, params, table, threshold, seed, cap)
                seconds[sampler] += time.perf_counter() - clock
                counts[sampler].append(found)
            print(f"{dataset} seed {seed}: " + "  ".join(f"{s}={counts[s][-1]}" for s in SAMPLERS), file=sys.stderr, flush=True)
        random_mean = statistics.mean(counts["random"]) if "random" in counts else None
        summary = {
            s: {"mean": statistics.mean(c), "stderr": statistics.stdev(c) / len(c) ** 0.5 if len(c) > 1 else None,
                "median": statistics.median(c), "censored": sum(v > cap for v in c),
                "ratio_to_random": statistics.mean(c) / random_mean if random_mean else None, "seconds": seconds[s], "runs": c}
            for s, c in counts.items()
        }
        top_rows = sum(v >= threshold for v in table.values())
        expected = (len(table) + 1) / (top_rows + 1)
        results[dataset] = {"rows": len(table), "threshold": threshold, "seeds": seeds, "cap": cap, "top": args.top,
                            "random_expectation": expected, "samplers": summary}
        lines.append(f"{dataset} ({len(table)} rows, top {args.top:g}: {top_rows} rows; uniform random without "
                     f"repeats expects {expected:.1f})")
        for s in SAMPLERS:
            row = summary[s]
            lines.append(f"{'':<17} {s:<14} {row['mean']:>7.1f} {row['stderr'] or 0.0:>7.1f} {row['median']:>7.1f} {row['censored']:>9} {row['ratio_to_random'] or float('nan'):>9.2f} {row['seconds']:>8.0f}")
    print(f"{'':<17} {'sampler':<14} {'mean':>7} {'± s.e.':>7} {'median':>7} {'censored':>9} {'÷random':>9} {'seconds':>8}")
    print("\n".join(lines))
    for result in results.values():
        result["load_average"] = {"start": [round(v, 2) for v in load_start], "end": [round(v, 2) for v in os.getloadavg()]}
    RESULTS.mkdir(exist_ok=True)
    name = "blackbox_reactions_quick" if args.quick else "blackbox_reactions"
    if args.top != 0.01 or args.slices or args.screening:
        name += f"_top{args.top:g}" + ("_screening" if args.screening else "_slices" if args.slices else "")
    if args.tables != "Buchwald_Hartwig,Suzuki_Doyle":
        name += "_" + args.tables.replace(",", "_")
    if args.tag:
        name += f"_{args.tag}"
    (RESULTS / f"{name}.json").write_text(json.dumps(results, separators=(",", ":")))
    plot(results, RESULTS / f"{name}.png")
    print(f"wrote {RESULTS / name}.json and .png")


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(results), figsize=(4 * len(results), 4))
    for ax, (dataset, result) in zip(np.atleast_1d(axes), results.items(), strict=True):
        ax.boxplot([result["samplers"][s]["runs"] for s in SAMPLERS], tick_labels=SAMPLERS)
        ax.set_title(f"{dataset}: experiments to top {100 * result.get('top', 0.01):g}%", fontsize=8)
        ax.tick_params(axis="x", labelrotation=30)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


if __name__ == "__main__":
    main()
