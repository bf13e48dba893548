"""Certified WL equivalence on every gold model of ../shared/data/nl/models/, against objective comparison.

For each gold model (``nlp4lp/`` and ``bench4opt_lp/``; the ``shipped/`` subfolder is skipped
because HiGHS cannot parse the ``[``/``]`` in its names) four pairs are checked:

- a copy with variables and constraints permuted and renamed, written to LP and read back
  (must be ``equivalent``);
- one constraint coefficient multiplied by 1.5, one constraint dropped, the objective sense
  flipped (each must be ``not_equivalent``).

Peer, in the same run: "same objective value" (solve both models with HiGHS, compare status
and objective with the audit tolerance), the check users fall back to without a graph test.

    .venv/bin/python benchmarks/equivalence.py [--quick] [--seed 0]

Reads ../shared/data/nl/models beside the repository (benchmark data, not part of it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from optarium.bench.audit import outcomes_agree
from optarium.equivalence import check_equivalence
from optarium.errors import OptariumError
from optarium.problem.io import read_problem, write_problem
from optarium.problem.program import MathProgram

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT.parent / "shared" / "data" / "nl" / "models"
RESULTS = ROOT / "benchmarks" / "results"
EXPECTED = {"permuted": "equivalent", "coefficient": "not_equivalent", "dropped_row": "not_equivalent", "sense": "not_equivalent"}


def rebuild(program: MathProgram, cols: np.ndarray, rows: np.ndarray, **changes: object) -> MathProgram:
    parts = {
        "A": program.A[rows][:, cols], "sense": program.sense,
    }
    parts.update(changes)
    return MathProgram.build(
        program.c[cols], parts["A"], program.row_lower[rows], program.row_upper[rows],
        program.col_lower[cols], program.col_upper[cols], program.is_integer[cols],
        sense=str(parts["sense"]), offset=program.offset,
        Q=None if program.Q is None else program.Q[cols][:, cols],
        var_names=[f"v{j}" for j in range(cols.size)], con_names=[f"r{i}" for i in range(rows.size)],
    )


def variants(program: MathProgram, rng: np.random.Generator, folder: Path) -> dict[str, MathProgram]:
    n, m = program.n_vars, program.n_cons
    cols, rows = rng.permutation(n), rng.permutation(m)
    out = {"permuted": read_problem(write_problem(rebuild(program, cols, rows), folder / "permuted.lp"))}
    if program.A.nnz:
        A = program.A.tolil()
        row, col = program.A.nonzero()
        pick = int(rng.integers(row.size))
        A[row[pick], col[pick]] = A[row[pick], col[pick]] * 1.5
        out["coefficient"] = rebuild(program, np.arange(n), np.arange(m), A=A.tocsr())
    if m:
        keep = np.delete(np.arange(m), int(rng.integers(m)))
        out["dropped_row"] = rebuild(program, cols, keep)
    out["sense"] = rebuild(program, cols, rows, sense="max" if program.sense == "min" else "min")
    return out


def objective_peer(a: MathProgram, b: MathProgram) -> tuple[bool, float]:
    from optarium.api import solve

    started = time.perf_counter()
    first = solve(a, solver="highs", record=False, time_limit=30)
    second = solve(b, solver="highs", record=False, time_limit=30)
    same = outcomes_agree(first.status, first.objective, second.status, second.objective)
    return same, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every 4th model only")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not MODELS.is_dir():
        raise SystemExit(f"benchmark data not found at {MODELS}: this benchmark reads ../shared/data/nl/models beside the repository")
    rng = np.random.default_rng(args.seed)
    files = sorted(MODELS.glob("nlp4lp/*.lp")) + sorted(MODELS.glob("bench4opt_lp/*.lp"))
    if args.quick:
        files = files[::4]
    skipped_shipped = len(list(MODELS.glob("*/shipped/*")))
    rows: list[dict[str, object]] = []
    unreadable: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for file in files:
            try:
                program = read_problem(file)
            except OptariumError as error:
                unreadable.append(f"{file.parent.name}/{file.name}: {error}")
                continue
            for kind, other in variants(program, rng, Path(tmp)).items():
                result = check_equivalence(program, other)
                peer_same, peer_seconds = objective_peer(program, other)
                rows.append({
                    "model": f"{file.parent.name}/{file.stem}", "variant": kind,
                    "nonzeros": int(program.A.nnz), "verdict": result.verdict, "reason": result.reason,
                    "certificate": result.certificate, "correct": result.verdict == EXPECTED[kind],
                    "ms": 1000 * result.seconds, "peer_correct": peer_same == (kind == "permuted"),
                    "peer_ms": 1000 * peer_seconds,
                })
    print(f"{len(files)} gold models, {len(unreadable)} unreadable by HiGHS (quadratic constraints), "
          f"{skipped_shipped} files in shipped/ skipped (names HiGHS cannot parse)")
    header = f"{'variant':<12} {'pairs':>5} {'expected':>15} {'WL right':>9} {'undet.':>6} {'WL wrong':>8} {'objective right':>15}"
    print(header)
    print("-" * len(header))
    summary: dict[str, dict[str, object]] = {}
    for kind, expected in EXPECTED.items():
        chosen = [row for row in rows if row["variant"] == kind]
        right = sum(1 for row in chosen if row["correct"])
        undetermined = sum(1 for row in chosen if row["verdict"] == "undetermined")
        wrong = len(chosen) - right - undetermined
        peer = sum(1 for row in chosen if row["peer_correct"])
        summary[kind] = {"pairs": len(chosen), "expected": expected, "right": right,
                         "undetermined": undetermined, "wrong": wrong, "objective_peer_right": peer}
        total = max(len(chosen), 1)
        print(f"{kind:<12} {len(chosen):>5} {expected:>15} {100 * right / total:>8.1f}% {undetermined:>6} "
              f"{wrong:>8} {100 * peer / total:>14.1f}%")
    small = [row for row in rows if int(row["nonzeros"]) <= 1000]  # type: ignore[call-overload]
    median_small = statistics.median(float(row["ms"]) for row in small) if small else float("nan")  # type: ignore[arg-type]
    median_all = statistics.median(float(row["ms"]) for row in rows)  # type: ignore[arg-type]
    median_peer = statistics.median(float(row["peer_ms"]) for row in rows)  # type: ignore[arg-type]
    slowest = max(rows, key=lambda row: float(row["ms"]))  # type: ignore[arg-type]
    print(f"median ms per pair: WL {median_all:.2f} (models <= 1,000 nonzeros: {median_small:.2f}, "
          f"{len(small)} pairs), objective peer {median_peer:.2f}; ratio peer/WL {median_peer / median_all:.1f}x; "
          f"slowest WL pair {float(slowest['ms']):.1f} ms ({slowest['model']}, {slowest['nonzeros']} nonzeros)")  # type: ignore[arg-type]
    undetermined_list = [f"{row['model']} [{row['variant']}]" for row in rows if row["verdict"] == "undetermined"]
    wrong_list = [f"{row['model']} [{row['variant']}]: {row['verdict']}" for row in rows
                  if not row["correct"] and row["verdict"] != "undetermined"]
    for label, items in (("undetermined", undetermined_list), ("wrong", wrong_list)):
        if items:
            print(f"{label} ({len(items)}): " + "; ".join(items))
    for line in unreadable:
        print(f"unreadable: {line}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("equivalence_quick.json" if args.quick else "equivalence.json")
    out.write_text(json.dumps({
        "command": " ".join(["benchmarks/equivalence.py", *sys.argv[1:]]), "seed": args.seed,
        "models": len(files), "unreadable": unreadable, "skipped_shipped": skipped_shipped,
        "summary": summary, "median_ms": median_all, "median_ms_upto_1000_nonzeros": median_small,
        "median_ms_objective_peer": median_peer, "undetermined": undetermined_list, "wrong": wrong_list,
        "pairs": rows,
    }, separators=(",", ":")))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
