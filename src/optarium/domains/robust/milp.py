"""One small MILP call, ``min c.v  s.t.  row_lower <= A v <= row_upper, lower <= v <= upper``, on HiGHS or SCIP.

The robust methods and the verifier build many small models from dense arrays;
this is their only way to a solver. ``solver="scip"`` lets the verifier solve
with a different solver than the method it checks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class MilpResult:
    """``status``: optimal, infeasible, unbounded, time_limit (with or without a point) or error."""

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    seconds: float


def solve_milp(
    c: np.ndarray, A: Any, row_lower: np.ndarray, row_upper: np.ndarray, lower: np.ndarray, upper: np.ndarray,
    integer: np.ndarray, *, solver: str = "highs", time_limit: float | None = None, offset: float = 0.0,
    gap: float = 0.0,
) -> MilpResult:
    """Minimise ``c.v + offset``; ``A`` is dense or scipy sparse ``(rows, len(c))``; ``gap`` is the relative MIP gap."""
    if time_limit is not None and time_limit <= 0:
        return MilpResult("time_limit", None, None, None, 0.0)
    if solver == "scip":
        return _scip(c, A, row_lower, row_upper, lower, upper, integer, time_limit, offset, gap)
    return _highs(c, A, row_lower, row_upper, lower, upper, integer, time_limit, offset, gap)


def _highs(c: np.ndarray, A: Any, rl: np.ndarray, ru: np.ndarray, lo: np.ndarray, up: np.ndarray, integer: np.ndarray,
           time_limit: float | None, offset: float, gap: float) -> MilpResult:
    import highspy
    import scipy.sparse as sp

    from optarium.solvers.highs import new_highs

    started = time.perf_counter()
    inf = highspy.kHighsInf
    h = new_highs()
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("mip_abs_gap", 1e-9)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 1e-3)))
    lp = highspy.HighsLp()
    n = len(c)
    matrix = sp.csc_matrix(A, shape=(len(rl), n))
    matrix.sort_indices()
    lp.num_col_, lp.num_row_ = n, len(rl)
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_ = np.where(np.isinf(lo), -inf, lo).astype(float)
    lp.col_upper_ = np.where(np.isinf(up), inf, up).astype(float)
    lp.row_lower_ = np.where(np.isinf(rl), -inf, rl).astype(float)
    lp.row_upper_ = np.where(np.isinf(ru), inf, ru).astype(float)
    lp.offset_ = float(offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    if np.any(integer):
        lp.integrality_ = [highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous for flag in integer]
    h.passModel(lp)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    has_point = info.primal_solution_status == 2
    x = np.array(h.getSolution().col_value) if has_point else None
    objective = float(info.objective_function_value) if has_point else None
    bound = float(info.mip_dual_bound) if np.any(integer) else (objective if status == "Optimal" else None)
    mapped = {"Optimal": "optimal", "Infeasible": "infeasible", "Unbounded": "unbounded",
              "Primal infeasible or unbounded": "unbounded", "Time limit reached": "time_limit"}.get(status, "error")
    if mapped == "unbounded" and not np.any(integer):
        # HiGHS may say "infeasible or unbounded"; a feasibility solve settles which
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
        h.run()
        if h.modelStatusToString(h.getModelStatus()) == "Infeasible":
            mapped = "infeasible"
    if mapped == "optimal" and x is None:
        mapped = "error"
    return MilpResult(mapped, x, objective, None if bound is None or not np.isfinite(bound) else bound,
                      time.perf_counter() - started)


def _scip(c: np.ndarray, A: Any, rl: np.ndarray, ru: np.ndarray, lo: np.ndarray, up: np.ndarray, integer: np.ndarray,
          time_limit: float | None, offset: float, gap: float) -> MilpResult:
    import pyscipopt
    import scipy.sparse as sp

    started = time.perf_counter()
    model = pyscipopt.Model()
    model.hideOutput()
    model.setParam("limits/gap", float(gap))
    model.setParam("limits/absgap", 1e-9)
    model.setParam("randomization/randomseedshift", 0)
    if time_limit is not None:
        model.setParam("limits/time", float(max(time_limit, 1e-3)))
    n = len(c)
    variables = [
        model.addVar(lb=None if np.isinf(lo[j]) else float(lo[j]), ub=None if np.isinf(up[j]) else float(up[j]),
                     vtype="I" if integer[j] else "C", obj=float(c[j]))
        for j in range(n)
    ]
    matrix = sp.csr_matrix(A, shape=(len(rl), n))
    for i in range(matrix.shape[0]):
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        if end == start:
            if rl[i] > 0 or ru[i] < 0:
                return MilpResult("infeasible", None, None, None, time.perf_counter() - started)
            continue
        expr = pyscipopt.quicksum(float(v) * variables[j] for j, v in zip(matrix.indices[start:end], matrix.data[start:end], strict=True))
        if np.isfinite(rl[i]) and np.isfinite(ru[i]) and rl[i] == ru[i]:
            model.addCons(expr == float(ru[i]))
            continue
        if np.isfinite(rl[i]):
            model.addCons(expr >= float(rl[i]))
        if np.isfinite(ru[i]):
            model.addCons(expr <= float(ru[i]))
    model.addObjoffset(float(offset))
    model.optimize()
    status = model.getStatus()
    has_point = model.getNSols() > 0
    x = np.array([model.getVal(v) for v in variables]) if has_point else None
    objective = float(model.getObjVal()) if has_point else None
    mapped = {"optimal": "optimal", "infeasible": "infeasible", "unbounded": "unbounded", "inforunbd": "unbounded",
              "timelimit": "time_limit", "gaplimit": "optimal"}.get(status, "error")
    bound = float(model.getDualbound()) if mapped in ("optimal", "time_limit") else None
    return MilpResult(mapped, x, objective, bound if bound is not None and np.isfinite(bound) else None,
                      time.perf_counter() - started)
