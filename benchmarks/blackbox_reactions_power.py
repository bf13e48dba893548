"""How often a 20-seed campaign mean meets "at or below random search's expectation", table by table.

    .venv/bin/python benchmarks/blackbox_reactions_power.py [--seeds 20] [--draws 20000]
        [--runs blackbox_reactions_top0.1_slices_ei.json,blackbox_reactions_top0.1_slices_ei_seeds20-99.json]

Reads result files of ``blackbox_reactions.py --top 0.1 --slices`` (pooled, ``optarium_auto``'s
runs) from benchmarks/results, and nothing else. For each table it estimates the chance that
the mean of ``--seeds`` campaigns is at or below uniform random search's expectation
(N + 1) / (K + 1): for ``auto`` by resampling its pooled runs, for random search without
repeats and for searches whose every pick is c times as likely as a random one to hit the
top rows (K replaced by c K) from the exact distribution of the first hit's position,
P(T > t) = C(N - K, t) / C(N, t). The product over tables is the chance that one run of
the protocol meets the target on every table (campaigns on different tables are
independent). Writes blackbox_reactions_power[_TAG].json and .png beside the inputs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_RUNS = "blackbox_reactions_top0.1_slices_ei.json,blackbox_reactions_top0.1_slices_ei_seeds20-99.json"
MULTIPLES = (1.0, 1.1, 1.25, 1.43, 1.67, 2.0)


def first_hit_pmf(rows: int, top: int) -> np.ndarray:
    """P(T = t) for t = 1 .. rows - top + 1: the position of the first of ``top`` marked rows in a uniform random order."""
    t = np.arange(1, rows - top + 2)
    # P(T > t) = prod_{i < t} (rows - top - i) / (rows - i), for t = 0 .. rows - top + 1
    survival = np.concatenate([[1.0], np.cumprod((rows - top - np.arange(len(t))) / (rows - np.arange(len(t))))])
    return np.clip(survival[:-1] - survival[1:], 0.0, None) / survival[0]


def chance_met(sample: np.ndarray, expectation: float, seeds: int, draws: int, rng: np.random.Generator,
               weights: np.ndarray | None = None) -> float:
    """P(mean of ``seeds`` draws from ``sample`` (with ``weights``, else uniform) <= ``expectation``)."""
    index = rng.choice(len(sample), size=(draws, seeds), p=weights)
    return float((sample[index].mean(axis=1) <= expectation + 1e-9).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=DEFAULT_RUNS, help="comma-separated result files in benchmarks/results, pooled")
    parser.add_argument("--seeds", type=int, default=20, help="campaigns per table in the protocol")
    parser.add_argument("--draws", type=int, default=20000, help="Monte-Carlo draws of the protocol")
    parser.add_argument("--tag", default="", help="suffix of the results' file names")
    args = parser.parse_args()
    files = [json.loads((RESULTS / name).read_text()) for name in args.runs.split(",")]
    rng = np.random.default_rng(0)
    tables: dict[str, Any] = {}
    for name in files[0]:
        first = files[0][name]
        rows, expectation = first["rows"], first["random_expectation"]
        top = round((rows + 1) / expectation - 1)
        runs = np.array([v for f in files for v in f[name]["samplers"]["optarium_auto"]["runs"]], dtype=float)
        entry: dict[str, Any] = {"rows": rows, "top_rows": top, "random_expectation": expectation,
                                 "auto": {"campaigns": len(runs), "mean": float(runs.mean()), "sd": float(runs.std(ddof=1)),
                                          "chance_met": chance_met(runs, expectation, args.seeds, args.draws, rng)}}
        for multiple in MULTIPLES:
            pmf = first_hit_pmf(rows, min(rows, round(multiple * top)))
            positions = np.arange(1.0, len(pmf) + 1)
            entry[f"hit_rate_x{multiple:g}"] = {"mean": float(positions @ pmf),
                                                "chance_met": chance_met(positions, expectation, args.seeds, args.draws, rng, pmf)}
        tables[name] = entry
    overall = {"auto": float(np.prod([t["auto"]["chance_met"] for t in tables.values()]))}
    overall |= {f"hit_rate_x{m:g}": float(np.prod([t[f"hit_rate_x{m:g}"]["chance_met"] for t in tables.values()])) for m in MULTIPLES}
    result = {"seeds": args.seeds, "draws": args.draws, "inputs": args.runs.split(","), "tables": tables, "all_tables_met": overall}
    stem = "blackbox_reactions_power" + (f"_{args.tag}" if args.tag else "")
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, separators=(",", ":")))
    print(f"{'table':<34} {'expects':>7} {'auto':>6} {'P(met)':>7} " + " ".join(f"{'x' + format(m, 'g'):>7}" for m in MULTIPLES))
    for name, t in tables.items():
        print(f"{name[:34]:<34} {t['random_expectation']:>7.2f} {t['auto']['mean']:>6.2f} {t['auto']['chance_met']:>7.3f} "
              + " ".join(f"{t[f'hit_rate_x{m:g}']['chance_met']:>7.3f}" for m in MULTIPLES))
    print(f"{'all tables':<34} {'':>7} {'':>6} {overall['auto']:>7.3f} " + " ".join(f"{overall[f'hit_rate_x{m:g}']:>7.3f}" for m in MULTIPLES))
    plot(result, RESULTS / f"{stem}.png")
    print(f"wrote {RESULTS / stem}.json and .png")


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(6, 4))
    multiples = list(MULTIPLES)
    ax.plot(multiples, [result["all_tables_met"][f"hit_rate_x{m:g}"] for m in multiples], marker="o",
            label="a search whose picks hit c times as often as random")
    ax.axhline(result["all_tables_met"]["auto"], color="tab:red", linestyle="--", label="auto (pooled runs)")
    ax.set_xlabel("c: hit rate per pick, multiple of random search's")
    ax.set_ylabel(f"P(all {len(result['tables'])} tables met at {result['seeds']} seeds)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


if __name__ == "__main__":
    main()
