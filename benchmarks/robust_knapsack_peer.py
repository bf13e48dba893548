"""Branch-and-price now against an earlier commit's, same instances, same run, alternating (robust knapsack).

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/robust_knapsack_peer.py --peer b7340aa --time-limit 30 NAME...
    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/robust_knapsack_peer.py --peer 8457c44 --verify --label _dp_a NAME...

Loads ``src/optarium/domains/robust/knapsack.py`` of ``--peer`` (git show) beside the current module and runs both
solvers (method time only; the verification is the same code) on each named instance of ../shared/data/robust_knapsack,
the peer first on every other instance. Each row says whether both searches were the same (status, value, bound and
node count equal). ``--verify`` also times the verification of the current decision once (the same for both, added to
each for the method + verification times of ``report``) and reads the published time. Writes
benchmarks/results/robust_knapsack_peer<label>.json with both times and their ratio.

    .venv/bin/python benchmarks/robust_knapsack_peer.py report LABEL...   # per class: medians and ratio
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "robust_knapsack"
FOLDER = DATA / "TwoStageRobustKnapsackInstances"
RESULTS = ROOT / "benchmarks" / "results"


def main() -> None:
    if sys.argv[1:2] == ["report"]:
        report(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+")
    parser.add_argument("--peer", required=True, help="the commit whose knapsack.py is the peer")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--verify", action="store_true", help="time the verification of the current decision too")
    parser.add_argument("--label", default="", help="written to robust_knapsack_peer<label>.json")
    args = parser.parse_args()
    from optarium.domains.robust import knapsack as current
    from optarium.domains.robust import read_file
    from optarium.domains.robust.verify import verify_decision

    with open(DATA / "ResultsForBranchAndPrice.csv", encoding="utf-8-sig") as handle:
        published = {row["File name"]: row for row in csv.DictReader(handle)}
    source = subprocess.run(["git", "show", f"{args.peer}:src/optarium/domains/robust/knapsack.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "knapsack_peer.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("knapsack_peer", path)
        assert spec is not None and spec.loader is not None
        peer = importlib.util.module_from_spec(spec)
        sys.modules["knapsack_peer"] = peer
        spec.loader.exec_module(peer)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    rows = []
    start_load = [round(v, 2) for v in os.getloadavg()]
    for index, name in enumerate(args.names):
        row: dict[str, object] = {"instance": name}
        runs = (("peer", peer), ("current", current))
        for label, module in runs if index % 2 == 0 else runs[::-1]:
            problem = read_file(FOLDER / name)
            data = module.recognise(problem)
            started = time.perf_counter()
            outcome = module.solve_knapsack(data, time_limit=args.time_limit)
            row[label] = {"status": outcome.status, "value": outcome.value, "bound": outcome.bound, "nodes": outcome.nodes,
                          "seconds": round(time.perf_counter() - started, 3)}
            if label == "current" and args.verify and outcome.x is not None:
                started = time.perf_counter()
                verification = verify_decision(problem, {"x": outcome.x.tolist(), "claimed": outcome.value})
                row["verify_seconds"] = round(time.perf_counter() - started, 3)
                row["verified"] = verification.verified
        mine, theirs = row["current"], row["peer"]
        row["same_search"] = all(mine[key] == theirs[key] for key in ("status", "value", "bound", "nodes"))  # type: ignore[index]
        row["time_ratio_current_over_peer"] = round(mine["seconds"] / theirs["seconds"], 3)  # type: ignore[index]
        if name in published:
            time_field = published[name]["Time"].strip()
            row["published_seconds"] = None if time_field == "TIME_LIMIT" else float(time_field)
        row["loadavg"] = round(os.getloadavg()[0], 2)
        rows.append(row)
        print(json.dumps(row), flush=True)
    out = RESULTS / f"robust_knapsack_peer{args.label}.json"
    body = ",\n".join(json.dumps(row, separators=(",", ":")) for row in rows)
    out.write_text(f'{{"command":{json.dumps(" ".join(sys.argv))},"time_limit":{args.time_limit},'
                   f'"peer":{json.dumps(args.peer)},"current":{json.dumps(head)},'
                   f'"loadavg_start":{json.dumps(start_load)},"loadavg_end":{json.dumps([round(v, 2) for v in os.getloadavg()])},'
                   f'"rows":[\n{body}\n]}}\n')
    print(f"wrote {out}")


def report(labels: list[str]) -> None:
    """Per instance class: median method (+ verification) time, current / peer / published, and the median ratio."""
    paths = [RESULTS / f"robust_knapsack_peer{label}.json" for label in labels]
    missing = [path.name for path in paths if not path.exists()]
    if missing:
        print(f"no results file {', '.join(missing)} in {RESULTS}", file=sys.stderr)
        sys.exit(2)
    rows = [row for path in paths for row in json.loads(path.read_text())["rows"]]
    print("| class | instances | same search | median method time, current / peer | median method + verification, "
          "current / peer / published | median ratio peer / current, per instance |")
    print("|---|---|---|---|---|---|")
    for kind in [*sorted({row["instance"].split("_")[1] for row in rows}), "all"]:
        group = [row for row in rows if kind == "all" or row["instance"].split("_")[1] == kind]
        verify = [row.get("verify_seconds", 0.0) for row in group]
        mine = [row["current"]["seconds"] for row in group]
        theirs = [row["peer"]["seconds"] for row in group]
        published = [row["published_seconds"] for row in group if row.get("published_seconds") is not None]
        ratio = statistics.median(t / m for t, m in zip(theirs, mine, strict=True))
        print(f"| {kind} | {len(group)} | {sum(bool(row['same_search']) for row in group)} | "
              f"{statistics.median(mine):.2f} s / {statistics.median(theirs):.2f} s | "
              f"{statistics.median(m + v for m, v in zip(mine, verify, strict=True)):.2f} s / "
              f"{statistics.median(t + v for t, v in zip(theirs, verify, strict=True)):.2f} s / "
              f"{statistics.median(published) if published else float('nan'):.2f} s | {ratio:.2f} |")


if __name__ == "__main__":
    main()
