"""The learned method: a ReLU network for the second-stage value, embedded in CCG as a MILP.

After Dumouchelle, Julien, Kurtz & Khalil, "Neur2RO: Neural Two-Stage Robust
Optimization", ICLR 2024. A small network ``NN(x, xi) ~ Q(x, xi) - first-stage cost``
is trained on sampled (decision, scenario) pairs whose value is an exact
recourse MILP; CCG then runs with the network in place of the recourse: the
master minimises over ``x`` with one network copy per scenario, the adversary
maximises the network over ``xi`` for the master's ``x``. ReLUs are encoded with
one binary each and big-M values from interval propagation over the input box.
Departures from the paper: the network is trained per instance (not across a
family, so there is no instance encoder) on a few hundred samples, decisions
drawn uniformly and around the best decision for one middle scenario, with one
hidden layer and a linear skip term; the learned search gets half the time
limit, and the other half picks, among the decisions it visited (and that
middle decision), the one with the best exact worst case. The flow then
verifies the answer exactly; that worst case is the reported objective.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.domains.robust.adversary import WorstCase, best_response
from optarium.domains.robust.milp import MilpResult, solve_milp
from optarium.domains.robust.problem import RobustProblem
from optarium.kinds import RawResult
from optarium.plan import Plan
from optarium.torch_adam import Adam

if TYPE_CHECKING:
    from optarium.domains.robust.settings import RobustSettings
    from optarium.store.base import Store

ARTIFACT = "robust.neur2ro"


@dataclass(frozen=True)
class ValueNetwork:
    """``out(x, xi) = w2 . relu(W1 z + b1) + v . z + b2`` with ``z = [x; xi]`` in original units (scaling folded in).

    The linear skip term ``v . z`` carries what is linear in the inputs, so the
    ReLUs (one binary each in the MILPs) only model the rest.
    """

    W1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float
    v: np.ndarray

    def predict(self, x: np.ndarray, xi: np.ndarray) -> np.ndarray:
        z = np.concatenate([np.atleast_2d(x), np.atleast_2d(xi)], axis=1)
        return np.maximum(z @ self.W1.T + self.b1, 0) @ self.w2 + z @ self.v + self.b2

    def to_bytes(self) -> bytes:
        return json.dumps({"W1": self.W1.tolist(), "b1": self.b1.tolist(), "w2": self.w2.tolist(), "b2": self.b2,
                           "v": self.v.tolist()}).encode()

    @staticmethod
    def from_bytes(data: bytes) -> ValueNetwork:
        d = json.loads(data)
        return ValueNetwork(np.array(d["W1"]), np.array(d["b1"]), np.array(d["w2"]), float(d["b2"]), np.array(d["v"]))


class RecourseValues:
    """Exact second-stage values ``min_y g(x, xi, y)`` for many (x, xi) pairs on one HiGHS model.

    When the recourse matrix does not depend on ``xi`` only costs and row bounds
    change between queries; otherwise each query builds its model
    (:func:`~optarium.domains.robust.adversary.best_response`).
    """

    def __init__(self, problem: RobustProblem):
        self.problem = problem
        self.highs: Any = None
        if problem.Ay_xi.row.size == 0:
            import highspy
            import scipy.sparse as sp

            from optarium.solvers.highs import new_highs

            second = problem.second
            h = new_highs()
            h.setOptionValue("mip_rel_gap", 1e-3)  # training labels: near-optimal values are enough
            lp = highspy.HighsLp()
            matrix = sp.csc_matrix(problem.Ay)
            matrix.sort_indices()
            lp.num_col_, lp.num_row_ = second.size, len(problem.b)
            lp.col_cost_ = np.zeros(second.size)
            lp.col_lower_ = np.where(np.isinf(second.lower), -highspy.kHighsInf, second.lower)
            lp.col_upper_ = np.where(np.isinf(second.upper), highspy.kHighsInf, second.upper)
            lp.row_lower_ = np.full(len(problem.b), -highspy.kHighsInf)
            lp.row_upper_ = problem.b.astype(float)
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
            if second.integer.any():
                lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous for f in second.integer]
            h.passModel(lp)
            self.highs = h
            self.cols = np.arange(second.size, dtype=np.int32)
            self.rows = np.arange(len(problem.b), dtype=np.int32)

    def __call__(self, x: np.ndarray, xi: np.ndarray) -> float | None:
        """``min_y g`` in minimisation form, or None when no recourse exists (or the solve failed)."""
        problem = self.problem
        if self.highs is None:
            status, _, value = best_response(problem, x, xi)
            return value if status == "optimal" else None
        h = self.highs
        cx, cy, const = problem.costs_at(xi)
        Ax, _, rhs = problem.matrices_at(xi)
        h.changeColsCost(len(self.cols), self.cols, problem.sign * cy)
        upper = rhs - Ax @ x
        h.changeRowsBounds(len(self.rows), self.rows, np.full(len(self.rows), -np.inf), upper)
        h.run()
        if h.modelStatusToString(h.getModelStatus()) != "Optimal":
            return None
        return float(h.getInfo().objective_function_value) + problem.sign * (float(cx @ x) + const)


def sample(problem: RobustProblem, count: int, seed: int, around: np.ndarray | None = None,
           values_of: RecourseValues | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count`` (x, xi) pairs and their exact second-stage values (minimisation form, first-stage cost left out).

    A third of the decisions are uniform; the rest flip each entry of ``around``
    (a good decision, when given) with probability 0.1.
    """
    rng = np.random.default_rng(seed)
    first = problem.first
    exact = values_of or RecourseValues(problem)
    lo, up = np.where(np.isfinite(first.lower), first.lower, 0), np.where(np.isfinite(first.upper), first.upper, 1)
    xs: list[np.ndarray] = []
    xis: list[np.ndarray] = []
    values: list[float] = []
    tries = 0
    while len(values) < count and tries < 20 * count:
        tries += 1
        if around is not None and rng.random() < 2 / 3:
            x = around.copy()
            flip = rng.random(first.size) < 0.1
            x[flip] = lo[flip] + up[flip] - x[flip]
        else:
            share = rng.uniform(0.1, 0.9)
            x = lo + (up - lo) * (rng.random(first.size) < share) if first.integer.all() else lo + (up - lo) * rng.random(first.size)
        x[first.integer] = np.round(x[first.integer])
        xi = _sample_xi(problem, rng)
        value = exact(x, xi)
        if value is None:
            continue
        xs.append(x)
        xis.append(xi)
        values.append(value - problem.sign * (problem.c0 + float(problem.cx @ x)))
    return np.array(xs), np.array(xis), np.array(values)


def _sample_xi(problem: RobustProblem, rng: np.random.Generator) -> np.ndarray:
    u = problem.uncertainty
    for _ in range(100):
        xi = u.lower + (u.upper - u.lower) * rng.random(u.size)
        if u.gamma is not None:  # spread a random share of the budget over a random support
            width = u.upper - u.lower
            chosen = rng.permutation(u.size)[: max(1, int(np.ceil(u.gamma)))]
            fraction = np.zeros(u.size)
            fraction[chosen] = rng.random(chosen.size)
            fraction *= min(1.0, u.gamma * rng.uniform(0.3, 1.0) / max(fraction.sum(), 1e-12))
            xi = u.lower + width * np.minimum(fraction, 1.0)
        if u.contains(xi):
            return xi
    return u.lower.copy()


def train(problem: RobustProblem, xs: np.ndarray, xis: np.ndarray, values: np.ndarray, *, hidden: int = 32,
          epochs: int = 300, seed: int = 0) -> tuple[ValueNetwork, float]:
    """Fit the network (Adam, mean squared error on standardised values); returns it and its validation MAE (original units).

    Trains on one thread (a network this small is fastest so) from ``seed``; the caller's torch
    thread count and random state are as they were afterwards.
    """
    import torch

    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_num_threads(1)
        try:
            return _train(problem, xs, xis, values, hidden, epochs)
        finally:
            torch.set_num_threads(threads)


def _train(problem: RobustProblem, xs: np.ndarray, xis: np.ndarray, values: np.ndarray, hidden: int,
           epochs: int) -> tuple[ValueNetwork, float]:
    import torch

    u = problem.uncertainty
    width = np.where(u.upper > u.lower, u.upper - u.lower, 1.0)
    z = np.concatenate([xs, (xis - u.lower) / width], axis=1)
    mean, std = float(values.mean()), float(values.std() or 1.0)
    target = (values - mean) / std
    cut = max(1, len(values) // 10)
    zt, tt = torch.tensor(z[cut:], dtype=torch.float32), torch.tensor(target[cut:], dtype=torch.float32)
    zv, tv = torch.tensor(z[:cut], dtype=torch.float32), torch.tensor(target[:cut], dtype=torch.float32)
    layer1, layer2 = torch.nn.Linear(z.shape[1], hidden), torch.nn.Linear(hidden, 1)
    model = torch.nn.Sequential(layer1, torch.nn.ReLU(), layer2)
    skip = torch.nn.Linear(z.shape[1], 1, bias=False)
    optimiser = Adam([*model.parameters(), *skip.parameters()], lr=3e-3)
    for _ in range(epochs):
        order = torch.randperm(len(tt))
        for start in range(0, len(tt), 128):
            batch = order[start:start + 128]
            optimiser.zero_grad()
            loss = torch.mean((model(zt[batch]).squeeze(1) + skip(zt[batch]).squeeze(1) - tt[batch]) ** 2)
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        mae = float(torch.mean(torch.abs(model(zv).squeeze(1) + skip(zv).squeeze(1) - tv))) * std
        v = skip.weight.numpy().astype(float).ravel() * std
        W1 = layer1.weight.numpy().astype(float).copy()
        b1 = layer1.bias.numpy().astype(float).copy()
        w2 = layer2.weight.numpy().astype(float).ravel() * std
        b2 = float(layer2.bias.numpy()[0]) * std + mean
    n1 = xs.shape[1]
    # fold the scenario scaling into the first layer: inputs in original units
    b1 = b1 - W1[:, n1:] @ (u.lower / width)
    W1[:, n1:] = W1[:, n1:] / width
    b2 = b2 - float(v[n1:] @ (u.lower / width))
    v[n1:] = v[n1:] / width
    return ValueNetwork(W1, b1, w2, b2, v), mae


def _relu_rows(net: ValueNetwork, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interval bounds of each neuron's pre-activation over the input box ``[lower, upper]``."""
    W = net.W1
    low = np.where(W > 0, W * lower, W * upper).sum(axis=1) + net.b1
    high = np.where(W > 0, W * upper, W * lower).sum(axis=1) + net.b1
    return low, high


def _embed(net: ValueNetwork, n_inputs: int, fixed: dict[int, float], free: list[int], lower: np.ndarray,
           upper: np.ndarray, column: int) -> tuple[list[tuple[dict[int, float], float, float]], int, dict[int, float], float]:
    """Rows encoding one network copy: inputs ``free`` are model columns (index map), ``fixed`` are constants.

    Returns rows, the number of new columns (h then delta per unstable neuron, from ``column``),
    the output's linear terms and constant.
    """
    low, high = _relu_rows(net, lower, upper)
    rows: list[tuple[dict[int, float], float, float]] = []
    terms: dict[int, float] = {}
    constant = net.b2 + sum(float(net.v[i]) * value for i, value in fixed.items())
    for i, free_col in zip(range(n_inputs), free, strict=False):
        if i not in fixed and net.v[i] != 0:
            terms[free_col] = terms.get(free_col, 0.0) + float(net.v[i])
    used = 0
    for j in range(len(net.b1)):
        base = net.b1[j] + sum(net.W1[j, i] * value for i, value in fixed.items())
        linear = {free_col: float(net.W1[j, i]) for i, free_col in zip(range(n_inputs), free, strict=False)
                  if i not in fixed and net.W1[j, i] != 0}
        if high[j] <= 0 or net.w2[j] == 0:
            continue
        if low[j] >= 0:  # always active: the output takes the pre-activation directly
            for col, value in linear.items():
                terms[col] = terms.get(col, 0.0) + float(net.w2[j]) * value
            constant += float(net.w2[j]) * base
            continue
        h, delta = column + used, column + used + 1
        used += 2
        # h >= W z + b ; h <= W z + b - low (1 - delta) ; h <= high delta ; h >= 0
        rows.append(({h: 1.0, **{c: -v for c, v in linear.items()}}, float(base), np.inf))
        rows.append(({h: 1.0, delta: float(-low[j]), **{c: -v for c, v in linear.items()}}, -np.inf, float(base - low[j])))
        rows.append(({h: 1.0, delta: float(-high[j])}, -np.inf, 0.0))
        terms[h] = terms.get(h, 0.0) + float(net.w2[j])
    return rows, used, terms, constant


def _solve_rows(n: int, c: np.ndarray, rows: list[tuple[dict[int, float], float, float]], lo: np.ndarray, up: np.ndarray,
                integer: np.ndarray, time_limit: float | None) -> MilpResult:
    import scipy.sparse as sp

    data, ri, ci = [], [], []
    for i, (row, _, _) in enumerate(rows):
        for j, v in row.items():
            ri.append(i)
            ci.append(j)
            data.append(v)
    A = sp.csr_matrix((data, (ri, ci)), shape=(len(rows), n))
    return solve_milp(c, A, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]), lo, up, integer,
                      time_limit=time_limit)


def learned_master(problem: RobustProblem, net: ValueNetwork, scenarios: list[np.ndarray], time_limit: float | None) -> MilpResult:
    """``min theta`` s.t. ``theta >= first-stage cost + NN(x, xi_s)`` for every scenario (variables ``[x, theta, ...]``)."""
    first = problem.first
    n1, s = first.size, problem.sign
    box_lo = np.concatenate([np.where(np.isfinite(first.lower), first.lower, -1e6), problem.uncertainty.lower])
    box_up = np.concatenate([np.where(np.isfinite(first.upper), first.upper, 1e6), problem.uncertainty.upper])
    rows: list[tuple[dict[int, float], float, float]] = []
    column = n1 + 1
    for xi in scenarios:
        fixed = {n1 + k: float(v) for k, v in enumerate(xi)}
        lo_in, up_in = box_lo.copy(), box_up.copy()
        lo_in[n1:], up_in[n1:] = xi, xi
        new, used, terms, constant = _embed(net, n1 + len(xi), fixed, list(range(n1)), lo_in, up_in, column)
        rows += new
        column += used
        row = {j: -s * float(problem.cx[j]) for j in range(n1) if problem.cx[j] != 0}
        for col, value in terms.items():
            row[col] = row.get(col, 0.0) - value
        row[n1] = 1.0
        rows.append((row, s * problem.c0 + constant, np.inf))
    n = column
    c = np.zeros(n)
    c[n1] = 1.0
    lo = np.concatenate([first.lower, [-np.inf], np.zeros(n - n1 - 1)])
    up = np.concatenate([first.upper, [np.inf], np.tile([np.inf, 1.0], (n - n1 - 1) // 2)])
    integer = np.concatenate([first.integer, [False], np.tile([False, True], (n - n1 - 1) // 2)])
    return _solve_rows(n, c, rows, lo, up, integer, time_limit)


def learned_adversary(problem: RobustProblem, net: ValueNetwork, x: np.ndarray, time_limit: float | None) -> WorstCase:
    """``max_xi NN(x, xi)`` over the uncertainty set: the predicted worst case of ``x`` (variables ``[xi, ...]``)."""
    u, n1, s = problem.uncertainty, problem.first.size, problem.sign
    m = u.size
    fixed = {j: float(v) for j, v in enumerate(x)}
    lo_in, up_in = np.concatenate([x, u.lower]), np.concatenate([x, u.upper])
    rows, used, terms, _ = _embed(net, n1 + m, fixed, [-1] * n1 + list(range(m)), lo_in, up_in, m)
    rows += [({int(k): float(v) for k, v in enumerate(g) if v != 0}, -np.inf, float(h)) for g, h in zip(u.G, u.h, strict=True)]
    n = m + used
    c = np.zeros(n)
    for col, value in terms.items():
        c[col] -= value
    lo = np.concatenate([u.lower, np.zeros(used)])
    up = np.concatenate([u.upper, np.tile([np.inf, 1.0], used // 2)])
    integer = np.concatenate([np.zeros(m, dtype=bool), np.tile([False, True], used // 2)])
    found = _solve_rows(n, c, rows, lo, up, integer, time_limit)
    first_cost = s * (problem.c0 + float(problem.cx @ x))
    if found.x is None:
        xi = u.lower.copy()
        value = first_cost + float(net.predict(x, xi)[0])
    else:
        xi = np.clip(found.x[:m], u.lower, u.upper)
        value = first_cost + float(net.predict(x, xi)[0])
    return WorstCase(value, value, xi, None, False, 1)


class LearnedPlanner:
    """Trains (or loads from the store) the value network for this problem; the plan carries it to the backend."""

    def __init__(self, samples: int = 400, seed: int = 0, hidden: int = 32, epochs: int = 150):
        self.samples, self.seed, self.hidden, self.epochs = samples, seed, hidden, epochs

    def plan(self, problem: RobustProblem, history: Store | None = None) -> Plan:
        name = f"{ARTIFACT}/{problem.fingerprint()}/s{self.seed}"
        stored = None if history is None else history.load_artifact(name)
        if stored is not None:
            return Plan("neur2ro", {"network": stored.data.decode(), "artifact": f"{name} v{stored.version}",
                                    "train_seconds": 0.0, "middle": stored.meta.get("middle")}, f"value network loaded from the store ({name} v{stored.version})", "learned")
        if unbounded(problem, 10.0):
            return Plan("neur2ro", {"unbounded": True}, "the problem is unbounded (its exact master over one "
                        "scenario is): no value network to train", "learned")
        started = time.perf_counter()
        middle = _middle_decision(problem)
        xs, xis, values = sample(problem, self.samples, self.seed, around=middle)
        sampled = time.perf_counter() - started
        net, mae = train(problem, xs, xis, values, hidden=self.hidden, epochs=self.epochs, seed=self.seed)
        meta = {"samples": len(values), "hidden": self.hidden, "epochs": self.epochs, "seed": self.seed,
                "middle": None if middle is None else middle.tolist(),
                "validation_mae": mae, "sample_seconds": round(sampled, 3), "train_seconds": round(time.perf_counter() - started, 3)}
        artifact = None
        if history is not None:
            buffer = io.BytesIO()
            np.savez_compressed(buffer, x=xs, xi=xis, value=values)
            history.save_artifact(f"{name}/data", buffer.getvalue(), meta)
            version = history.save_artifact(name, net.to_bytes(), meta)
            artifact = f"{name} v{version}"
        return Plan("neur2ro", {"network": net.to_bytes().decode(), "artifact": artifact, **meta},
                    f"value network trained on {len(values)} sampled (decision, scenario) pairs, validation MAE {mae:.4g}", "learned")


class Neur2RO:
    """The learned backend: CCG over the network the plan carries (train it with :class:`LearnedPlanner`)."""

    name = "neur2ro"

    def version(self) -> str:
        import torch

        from optarium.domains.robust.backend import _highs_version

        return f"torch {torch.__version__}, highs {_highs_version()}"

    def solve(self, problem: RobustProblem, options: RobustSettings | None, plan: Plan) -> RawResult:
        from optarium.domains.robust.backend import to_raw
        from optarium.domains.robust.ccg import solve_ccg
        from optarium.domains.robust.settings import RobustSettings
        from optarium.errors import OptionError

        settings = options if options is not None else RobustSettings()
        started = time.perf_counter()
        # the planner's answer when it made the plan; a network from elsewhere gets the same check here
        if plan.params.get("unbounded") or ("network" in plan.params and unbounded(problem, settings.time_limit)):
            from optarium.domains.robust.ccg import CCGResult

            result = CCGResult("unbounded", None, None, None, 1, [])
            return to_raw(result, time.perf_counter() - started, {"method": "learned", "artifact": None})
        if "network" not in plan.params:
            raise OptionError("plan", plan.solver, "a plan with a trained network (use LearnedPlanner)")
        net = ValueNetwork.from_bytes(plan.params["network"].encode())
        candidates: list[np.ndarray] = []

        def evaluate(x: np.ndarray, seconds: float | None) -> WorstCase:
            candidates.append(x)
            return learned_adversary(problem, net, x, seconds)

        search = settings.time_limit / 2  # the other half picks among the candidates by their exact worst case
        result = solve_ccg(
            problem, time_limit=search, progress=settings.progress, max_iterations=50,
            master=lambda p, scenarios, seconds: learned_master(p, net, scenarios, seconds), evaluate=evaluate)
        middle = plan.params.get("middle")
        if middle is not None:
            candidates.append(np.array(middle, dtype=float))
        stopped = result.status == "interrupted"  # Ctrl-C: the candidates are not weighed, the best decision is kept
        picked = (_pick(problem, candidates, result.scenarios, started + settings.time_limit)
                  if candidates and not stopped else None)
        if picked is not None:
            result.x = picked
        extra: dict[str, Any] = {"method": "learned", "artifact": plan.params.get("artifact"),
                                 "train_seconds": plan.params.get("train_seconds"), "predicted_objective": result.objective}
        raw = to_raw(result, time.perf_counter() - started, extra)
        # the network's values are predictions: no proved bound, no optimality claim
        status = "interrupted" if stopped else "feasible" if raw.payload is not None else raw.status
        return RawResult(status=status, objective=None, bound=None, payload=raw.payload, solver_status=result.status,
                         seconds=raw.seconds, extra=raw.extra)


def unbounded(problem: RobustProblem, time_limit: float | None) -> bool:
    """Whether the exact method would call ``problem`` unbounded: its first master (one scenario)
    is. The network's master cannot tell, as its ReLU encoding boxes the decisions in +-1e6;
    only a variable without a finite bound makes the question worth a solve."""
    from optarium.domains.robust.adversary import _any_point, check_supported
    from optarium.domains.robust.ccg import master_problem

    first, second = problem.first, problem.second
    if all(np.isfinite(bounds).all() for bounds in (first.lower, first.upper, second.lower, second.upper)):
        return False
    check_supported(problem)  # what the exact method refuses, this one refuses the same way
    return bool(master_problem(problem, [_any_point(problem)], time_limit).status == "unbounded")


def _middle_decision(problem: RobustProblem) -> np.ndarray | None:
    """The best decision for one middle scenario (half the box, or the budget spread evenly): where samples concentrate."""
    from optarium.domains.robust.ccg import master_problem

    u = problem.uncertainty
    share = 0.5 if u.gamma is None else min(0.5, u.gamma / u.size)
    found = master_problem(problem, [u.lower + share * (u.upper - u.lower)], 10.0)
    if found.x is None:
        return None
    x = np.clip(found.x[:problem.first.size], problem.first.lower, problem.first.upper)
    x[problem.first.integer] = np.round(x[problem.first.integer])
    return x


def _pick(problem: RobustProblem, candidates: list[np.ndarray], scenarios: list[np.ndarray], deadline: float) -> np.ndarray | None:
    """The candidate with the best exact worst case, tried in the order of their exact values over the learned scenarios.

    Each exact worst case gets the time left (a cut-short one counts with its proved upper bound).
    """
    from optarium.domains.robust.adversary import worst_case

    exact = RecourseValues(problem)
    unique = list({x.tobytes(): x for x in candidates}.values())
    scored: list[tuple[float, int, np.ndarray]] = []
    for x in unique:
        values = [exact(x, xi) for xi in scenarios]
        scored.append((np.inf if any(v is None for v in values) else max(v for v in values if v is not None), len(scored), x))
    scored.sort(key=lambda item: (item[0], item[1]))
    best, best_upper = scored[0][2], np.inf
    for _, _, x in scored:
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        upper = worst_case(problem, x, time_limit=left).upper
        if upper < best_upper:
            best, best_upper = x, upper
    return best
