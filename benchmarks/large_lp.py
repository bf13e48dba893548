"""A 1,000,000-nonzero transportation LP: optarium's read, verify, memory and record against raw highspy.

Generates a seeded transportation LP (``--sources`` × ``--sinks`` routes, two
nonzeros per route) as free MPS in a temporary folder, then measures, each in a
fresh process so peak memory (``ru_maxrss``) belongs to one measurement:

- ``highs_read``: raw highspy reads the file;
- ``highs_solve``: raw highspy reads and solves it and takes the answer out;
- ``read_verify``: ``read_problem`` + ``verify_point`` on highspy's answer;
- ``solve``: the whole flow (read, plan, solve, verify, record into a new
  SQLite file); its ``record`` timing is ``store.record_run(to_run(...))``,
  fingerprint and packed values included.

Prints medians of ``--repeat`` runs and the ratios the targets speak of; writes
``benchmarks/results/large_lp.json``.

    .venv/bin/python benchmarks/large_lp.py [--repeat 3] [--seed 0] [--sources 500 --sinks 1000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGETS = {"read_verify_over_highs_read": 1.5, "peak_memory_over_highs_solve": 1.2, "record_seconds": 0.2}


def generate(path: Path, sources: int, sinks: int, seed: int) -> int:
    """Write the transportation LP as free MPS; returns the number of matrix nonzeros."""
    import numpy as np

    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 100, size=(sources, sinks))
    demand = rng.integers(10, 100, size=sinks)
    supply = rng.integers(10, 100, size=sources).astype(np.float64)
    supply *= 1.2 * demand.sum() / supply.sum()  # 20% slack keeps it feasible
    supply = np.ceil(supply).astype(np.int64)
    with open(path, "w") as out:
        out.write(f"NAME transport_{sources}x{sinks}_s{seed}\nROWS\n N cost\n")
        out.writelines(f" L s{i}\n" for i in range(sources))
        out.writelines(f" G d{j}\n" for j in range(sinks))
        out.write("COLUMNS\n")
        for i in range(sources):
            out.writelines(
                f" x{i}_{j} cost {cost[i, j]} s{i} 1\n x{i}_{j} d{j} 1\n" for j in range(sinks)
            )
        out.write("RHS\n")
        out.writelines(f" rhs s{i} {supply[i]}\n" for i in range(sources))
        out.writelines(f" rhs d{j} {demand[j]}\n" for j in range(sinks))
        out.write("ENDATA\n")
    return 2 * sources * sinks


def _peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure(what: str, path: Path, answer: Path) -> dict[str, float]:
    """One measurement in this (fresh) process; imports happen before the clock starts."""
    if what in ("highs_read", "highs_solve"):
        import highspy
        import numpy as np

        started = time.perf_counter()
        solver = highspy.Highs()
        solver.setOptionValue("output_flag", False)
        solver.readModel(str(path))
        if what == "highs_read":
            return {"seconds": time.perf_counter() - started, "peak_mib": _peak_mib()}
        solver.run()
        x = np.asarray(solver.getSolution().col_value, dtype=np.float64)
        seconds = time.perf_counter() - started
        peak = _peak_mib()
        if not answer.exists():
            np.save(answer, x)
        return {"seconds": seconds, "peak_mib": peak, "objective": float(solver.getInfo().objective_function_value)}
    if what == "read_verify":
        import numpy as np

        from optarium.problem.io import read_problem
        from optarium.problem.verify import verify_point

        x = np.load(answer)
        started = time.perf_counter()
        problem = read_problem(path)
        read = time.perf_counter() - started
        verification = verify_point(problem, x)
        seconds = time.perf_counter() - started
        assert verification.verified, verification.message
        return {"seconds": seconds, "read_seconds": read, "verify_seconds": seconds - read, "peak_mib": _peak_mib()}
    if what == "solve":
        import optarium.solvers.highs  # noqa: F401  (load the backend before the clock starts)
        from optarium.api import solve

        with tempfile.TemporaryDirectory() as tmp:
            store = f"sqlite:///{tmp}/runs.db"
            solve(answer.with_name("tiny.lp"), solver="highs", store=store)  # create the schema first
            started = time.perf_counter()
            solution = solve(path, solver="highs", store=store)
            seconds = time.perf_counter() - started
        assert solution.verified, solution.message
        return {"seconds": seconds, "peak_mib": _peak_mib(), "record_seconds": solution.timings["record"],
                "objective": float(solution.objective or 0)}
    raise ValueError(f"unknown measurement {what!r}")


def run_child(what: str, path: Path, answer: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", what, "--path", str(path), "--answer", str(answer)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{what} failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--sinks", type=int, default=1000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--answer", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.path, args.answer)))
        return
    whats = ("highs_read", "highs_solve", "read_verify", "solve")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "transport.mps"
        answer = Path(tmp) / "x.npy"
        nonzeros = generate(path, args.sources, args.sinks, args.seed)
        (Path(tmp) / "tiny.lp").write_text("Minimize\n obj: x\nSubject To\n c1: x >= 1\nEnd\n")
        runs: dict[str, list[dict[str, float]]] = {what: [] for what in whats}
        for _ in range(args.repeat):
            for what in whats:  # interleaved, so load on the machine falls on all alike
                runs[what].append(run_child(what, path, answer))
                print(f"  {what:12s} {runs[what][-1]}", flush=True)

    def median(what: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[what])

    summary = {
        "sources": args.sources, "sinks": args.sinks, "seed": args.seed, "nonzeros": nonzeros,
        "repeat": args.repeat,
        "highs_read_s": median("highs_read", "seconds"),
        "highs_solve_s": median("highs_solve", "seconds"),
        "read_verify_s": median("read_verify", "seconds"),
        "read_s": median("read_verify", "read_seconds"),
        "verify_s": median("read_verify", "verify_seconds"),
        "solve_s": median("solve", "seconds"),
        "highs_read_peak_mib": median("highs_read", "peak_mib"),
        "highs_solve_peak_mib": median("highs_solve", "peak_mib"),
        "read_verify_peak_mib": median("read_verify", "peak_mib"),
        "solve_peak_mib": median("solve", "peak_mib"),
        "record_s": median("solve", "record_seconds"),
    }
    summary["read_verify_over_highs_read"] = summary["read_verify_s"] / summary["highs_read_s"]
    summary["peak_memory_over_highs_solve"] = summary["solve_peak_mib"] / summary["highs_solve_peak_mib"]
    summary["solve_over_highs_solve"] = summary["solve_s"] / summary["highs_solve_s"]
    summary["record_seconds"] = summary["record_s"]
    summary["targets_met"] = {key: summary[key] <= limit for key, limit in TARGETS.items()}
    print(f"\n{'measurement':34s} {'median':>10s}")
    for key, value in summary.items():
        if key != "targets_met":
            print(f"{key:34s} {value:10.3f}" if isinstance(value, float) else f"{key:34s} {value!s:>10s}")
    for key, limit in TARGETS.items():
        print(f"target {key} <= {limit}: {'met' if summary['targets_met'][key] else 'NOT met'} ({summary[key]:.3f})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "large_lp.json").write_text(json.dumps({"summary": summary, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
