"""Job-shop benchmark on Taillard instances: gap to best-known at a time limit, per method.

Methods, all in one run: the four dispatching rules, the learned rule, CP-SAT
alone, and the learned rule's schedule as CP-SAT's first solution hint
(learned+cp). CP-SAT gets the same time limit and workers with and without
the hint. Prints a table, writes JSON and a PNG to benchmarks/results/.

    .venv/bin/python benchmarks/scheduling.py            # ta01,ta11,...,ta71 at 30 s
    .venv/bin/python benchmarks/scheduling.py --quick    # ta01, ta41, ta71 at 10 s
    .venv/bin/python benchmarks/scheduling.py --smoke    # ft06 at 1 s, writes nothing
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from optarium.domains.scheduling.instance import load_instance
from optarium.domains.scheduling.rules import RULES
from optarium.domains.scheduling.solve import makespan, solve_jobshop
from optarium.domains.scheduling.verify import gap_to_best_known

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT = ["ta01", "ta11", "ta21", "ta31", "ta41", "ta51", "ta61", "ta71"]
QUICK = ["ta01", "ta41", "ta71"]


def run(names: list[str], time_limit: float, workers: int, seed: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name in names:
        instance = load_instance(name)
        row: dict[str, object] = {"instance": name, "size": f"{instance.num_jobs}x{instance.num_machines}", "best_known": instance.best_known}
        for rule in RULES:
            result = solve_jobshop(instance, "rule", rule=rule, record=False)
            assert result.verified, result.message
            row[rule] = gap_to_best_known(instance, makespan(result))
        for method in ("learned", "cp", "learned+cp"):
            result = solve_jobshop(instance, method, time_limit=time_limit, threads=workers, seed=seed, record=False)
            assert result.verified, result.message
            row[method] = gap_to_best_known(instance, makespan(result))
            row[f"{method}_makespan"] = makespan(result)
            row[f"{method}_seconds"] = round(result.seconds, 3)
            incumbents = result.extra.get("incumbents") or []
            if incumbents:
                row[f"{method}_first"] = [round(incumbents[0][0], 3), int(incumbents[0][1])]
        cp_gap, hinted_gap = row["cp"], row["learned+cp"]
        assert isinstance(cp_gap, float) and isinstance(hinted_gap, float)
        row["ratio"] = hinted_gap / cp_gap if cp_gap > 0 else None
        rows.append(row)
        print(_line(row), flush=True)
    return rows


COLUMNS = [*RULES, "learned", "cp", "learned+cp"]


def _header() -> str:
    return f"{'instance':9} {'size':7} " + " ".join(f"{c:>10}" for c in COLUMNS) + f" {'ratio':>6}"


def _line(row: dict[str, object]) -> str:
    cells = " ".join(f"{100 * float(row[c]):9.2f}%" for c in COLUMNS)  # type: ignore[arg-type]
    ratio = row["ratio"]
    return f"{row['instance']:9} {row['size']:7} {cells} {'     -' if ratio is None else f'{ratio:6.2f}'}"


def _plot(rows: list[dict[str, object]], path: Path, time_limit: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figure, axes = plt.subplots(figsize=(10, 4))
    x = np.arange(len(rows))
    width = 0.8 / len(COLUMNS)
    for i, column in enumerate(COLUMNS):
        axes.bar(x + i * width, [100 * float(r[column]) for r in rows], width, label=column)  # type: ignore[arg-type]
    axes.set_xticks(x + 0.4 - width / 2, [f"{r['instance']}\n{r['size']}" for r in rows])
    axes.set_ylabel("% above best-known makespan")
    axes.set_title(f"Job shop, Taillard: gap to best-known (CP-SAT {time_limit:g} s)")
    axes.legend(fontsize=8, ncol=4)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ta01, ta41, ta71 at 10 s")
    parser.add_argument("--instances", nargs="*", help="Taillard names (default: one per size class)")
    parser.add_argument("--time-limit", type=float, help="seconds per CP-SAT solve (default 30, quick 10)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="ft06 at 1 s: checks the script runs; writes nothing")
    args = parser.parse_args()
    if args.smoke:
        print(_header())
        run(["ft06"], 1.0, args.workers, args.seed)
        return
    names = args.instances or (QUICK if args.quick else DEFAULT)
    time_limit = args.time_limit or (10.0 if args.quick else 30.0)
    print(f"CP-SAT {time_limit:g} s, {args.workers} workers, seed {args.seed}; gap to best-known makespan")
    print(_header())
    started = time.perf_counter()
    rows = run(names, time_limit, args.workers, args.seed)
    RESULTS.mkdir(exist_ok=True)
    stem = "scheduling_quick" if args.quick else "scheduling"
    payload = {
        "command": "benchmarks/scheduling.py" + (" --quick" if args.quick else ""),
        "time_limit": time_limit, "workers": args.workers, "seed": args.seed,
        "machine": platform.platform(), "wall_seconds": round(time.perf_counter() - started, 1), "rows": rows,
    }
    (RESULTS / f"{stem}.json").write_text(json.dumps(payload, indent=1))
    _plot(rows, RESULTS / f"{stem}.png", time_limit)
    ratios = [float(r["ratio"]) for r in rows if r["ratio"] is not None]  # type: ignore[arg-type]
    if ratios:
        print(f"learned+cp gap / cp gap: mean ratio {sum(ratios) / len(ratios):.2f} (below 1: the hint helps)")
    print(f"wrote {RESULTS / stem}.json and .png")


if __name__ == "__main__":
    main()
