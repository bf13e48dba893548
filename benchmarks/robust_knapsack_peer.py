"""Branch-and-price now against an earlier commit's, same instances, same run, alternating (robust knapsack).

    flock /tmp/optarium-bench.lock .venv/bin/python benchmarks/robust_knapsack_peer.py --peer b7340aa --time-limit 30 NAME...

Loads ``src/optarium/domains/robust/knapsack.py`` of ``--peer`` (git show) beside the current module and runs both
solvers (method time only; the verification is the same code) on each named instance of ../shared/data/robust_knapsack.
Writes benchmarks/results/robust_knapsack_peer<label>.json with both times and their ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT.parent / "shared" / "data" / "robust_knapsack" / "TwoStageRobustKnapsackInstances"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+")
    parser.add_argument("--peer", required=True, help="the commit whose knapsack.py is the peer")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--label", default="", help="written to robust_knapsack_peer<label>.json")
    args = parser.parse_args()
    from optarium.domains.robust import knapsack as current
    from optarium.domains.robust import read_file

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
    rows = []
    start_load = [round(v, 2) for v in os.getloadavg()]
    for name in args.names:
        row: dict[str, object] = {"instance": name}
        for label, module in (("peer", peer), ("current", current)):
            data = module.recognise(read_file(FOLDER / name))
            started = time.perf_counter()
            outcome = module.solve_knapsack(data, time_limit=args.time_limit)
            row[label] = {"status": outcome.status, "value": outcome.value, "bound": outcome.bound, "nodes": outcome.nodes,
                          "seconds": round(time.perf_counter() - started, 3)}
        row["time_ratio_current_over_peer"] = round(row["current"]["seconds"] / row["peer"]["seconds"], 3)  # type: ignore[index]
        row["loadavg"] = round(os.getloadavg()[0], 2)
        rows.append(row)
        print(json.dumps(row), flush=True)
    out = ROOT / "benchmarks" / "results" / f"robust_knapsack_peer{args.label}.json"
    body = ",\n".join(json.dumps(row, separators=(",", ":")) for row in rows)
    out.write_text(f'{{"command":{json.dumps(" ".join(sys.argv))},"time_limit":{args.time_limit},'
                   f'"loadavg_start":{json.dumps(start_load)},"loadavg_end":{json.dumps([round(v, 2) for v in os.getloadavg()])},'
                   f'"rows":[\n{body}\n]}}\n')
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
