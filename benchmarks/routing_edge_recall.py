"""How much the learned edge scores know beyond distance: recall of best-known edges.

For each X instance in ../shared/data/cvrp, the edge policy of the warm start is
trained on the best-known solutions of the *other* thirteen (leave one out), and
we count the client-to-client edges of the instance's own best-known solution
that are in the granular neighbourhood (either end lists the other among its k
partners), for the learned top-k and for the k nearest clients.

    .venv/bin/python benchmarks/routing_edge_recall.py

Reads ../shared/data/cvrp beside the repository (benchmark data, not part of it).
"""

from __future__ import annotations

import itertools
import json
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cvrp"
RESULTS = ROOT / "benchmarks" / "results"
SIZES = (5, 10, 15, 20, 30)


def main() -> int:
    if not DATA.is_dir():
        raise SystemExit(f"benchmark data not found at {DATA}: this benchmark reads ../shared/data/cvrp beside the repository")
    import vrplib

    from optarium.domains.routing import read_instance
    from optarium.domains.routing.warmstart import EdgePolicy, nearest_neighbourhood

    names = sorted(path.stem for path in DATA.glob("*.vrp"))
    instances = {name: read_instance(DATA / f"{name}.vrp") for name in names}
    solutions = {name: [list(map(int, route)) for route in vrplib.read_solution(str(DATA / f"{name}.sol"))["routes"]]
                 for name in names}
    recall: dict[str, dict[int, list[float]]] = {"learned": {k: [] for k in SIZES}, "nearest": {k: [] for k in SIZES}}
    for name in names:
        policy = EdgePolicy.fit([(instances[other].compact(), solutions[other]) for other in names if other != name])
        edges = [pair for route in solutions[name] for pair in itertools.pairwise(route)]
        for k in SIZES:
            for kind, partners in (("learned", policy.neighbourhood(instances[name], k)),
                                   ("nearest", nearest_neighbourhood(instances[name], k))):
                assert partners is not None
                covered = sum(b in partners[a - 1] or a in partners[b - 1] for a, b in edges)
                recall[kind][k].append(covered / len(edges))
    print("| partners per client | learned top-k | k nearest |")
    print("|---:|---:|---:|")
    for k in SIZES:
        print(f"| {k} | {100 * statistics.fmean(recall['learned'][k]):.2f}% | {100 * statistics.fmean(recall['nearest'][k]):.2f}% |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary = {kind: {str(k): statistics.fmean(values) for k, values in by_k.items()} for kind, by_k in recall.items()}
    (RESULTS / "routing_edge_recall.json").write_text(json.dumps({"instances": names, "mean_recall": summary},
                                                                   separators=(",", ":")))
    print(f"wrote {RESULTS / 'routing_edge_recall.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
