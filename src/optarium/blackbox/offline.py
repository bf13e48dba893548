"""Offline optimization: propose new candidates from a fixed table of past experiments, evaluating nothing.

Surrogate: an ensemble of small MLPs fitted to the table with a penalty on the norm of
their input gradient at the data, after IGNITE (Cuong Dao et al., "Incorporating
Surrogate Gradient Norm to Improve Offline Optimization Techniques", NeurIPS 2024): a
surrogate that is flat where the data are cannot promise large gains just beyond them,
which is the over-optimism that makes plain surrogate maximization propose points far
worse than it predicts. Where we depart: IGNITE constrains the gradient norm (a
Lagrangian with a fixed bound); we add ``gradient_penalty`` times the mean squared
norm, taken on a random subset of rows each epoch, to the loss, and average a small
ensemble of such MLPs. The norm is taken over the float parameters only: a categorical
or integer point cannot move by an infinitesimal step, and on the reaction tables a
penalty on the one-hot inputs flattened the surrogate until its proposals fell behind
random ones (Buchwald-Hartwig, worst half given, best of 10: 88th percentile with the
penalty on every input, 98-99.8th without). Candidates: every point
of a discrete space up to ``max_enumerate`` points; otherwise gradient ascent on the
surrogate (IGNITE's search) from the best rows of the table, plus random points.
Points already in the table are never proposed, and the k proposals are spread (on a
discrete space each differs from the better ones in at least half the parameters), since
only the best of them counts. ``method="naive"`` is the baseline the
field compares with: a GP fitted to the table and its posterior mean's top ``k``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError

if TYPE_CHECKING:
    import numpy as np
    import torch

    from optarium.blackbox.space import Space

METHODS = ("ignite", "naive", "random")


def propose(space: Space, rows: list[dict[str, Any]], values: list[float], k: int = 10, *,
            direction: str = "maximize", method: str = "ignite", seed: int = 0,
            max_enumerate: int = 50_000, gradient_penalty: float = 0.1) -> list[dict[str, Any]]:
    """``k`` new parameter dicts for ``space`` from table ``rows`` and their objective ``values``, best first.

    Each proposal carries ``predicted`` (the surrogate's value in the objective's units);
    ``gradient_penalty`` weighs IGNITE's gradient-norm term (``method="ignite"``).
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: one thread is fastest, many are far slower on a busy machine
    try:
        return _propose(space, rows, values, k, direction, method, seed, max_enumerate, gradient_penalty)
    finally:
        torch.set_num_threads(threads)


def _propose(space: Space, rows: list[dict[str, Any]], values: list[float], k: int, direction: str, method: str,
             seed: int, max_enumerate: int, gradient_penalty: float) -> list[dict[str, Any]]:
    import numpy as np

    from optarium.blackbox.gp import Encoder, _grid

    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise OptionError("k", k, "a positive integer")
    if method not in METHODS:
        raise OptionError("method", method, "one of " + ", ".join(METHODS))
    if direction not in ("minimize", "maximize"):
        raise OptionError("direction", direction, "'minimize' or 'maximize'")
    if len(rows) != len(values) or len(rows) < 2:
        raise OptionError("rows", len(rows), "at least two rows, each with an objective value")
    y = np.asarray(values, dtype=float)
    if not np.isfinite(y).all():
        raise OptionError("values", "non-finite", "finite numbers")
    sign = 1.0 if direction == "maximize" else -1.0
    encoder = Encoder(space)
    points = encoder.snap(np.array([space.encode(row) for row in rows]))
    taken = {tuple(np.round(p, 9)) for p in points}
    rng = np.random.default_rng(seed)
    discrete = space.is_discrete and space.cardinality() <= max_enumerate
    if discrete:
        candidates = np.array([p for p in _grid(space) if tuple(np.round(p, 9)) not in taken])
    else:
        candidates = np.empty((0, space.dim))
    if not len(candidates) and discrete:
        raise OptionError("rows", len(rows), "a table that leaves some point of the space untried")
    centre, spread = float((sign * y).mean()), float((sign * y).std()) or 1.0
    target = (sign * y - centre) / spread  # standardised, larger is better
    if method == "random":
        pool = candidates if discrete else rng.random((max(4 * k, 64), space.dim))
        picked = encoder.snap(pool[rng.choice(len(pool), size=min(k, len(pool)), replace=False)])
        return [{**space.decode(p), "predicted": None} for p in picked]
    if method == "naive":
        score = _gp_mean(encoder, space, points, target, rng)
    else:
        score = _ensemble(encoder, points, target, seed, gradient_penalty=gradient_penalty)
    if not discrete:
        starts = points[np.argsort(-target)[: max(2 * k, 16)]]
        candidates = encoder.snap(np.vstack([_ascend(score, encoder, starts), rng.random((1024, space.dim))]))
        candidates = np.array([p for p in candidates if tuple(np.round(p, 9)) not in taken])
    predicted = _score(score, encoder, candidates)
    out: list[dict[str, Any]] = []
    chosen: list[np.ndarray] = []
    order = np.argsort(-predicted)
    # best-of-k rewards different bets: on a discrete space each proposal differs from the
    # earlier ones in at least half the parameters, on a continuous one it keeps a distance
    for spacing in ((max(1, space.dim // 2), 0.05 * math.sqrt(space.dim)), (1, 1e-6)):
        for index in order:
            point = candidates[index]
            if chosen:
                gaps = np.abs(np.array(chosen) - point)
                if (discrete and (gaps > 1e-9).sum(axis=1).min() < spacing[0]) or (
                        not discrete and np.sqrt((gaps**2).sum(axis=1)).min() < spacing[1]):
                    continue
            chosen.append(point)
            out.append({**space.decode(point), "predicted": sign * (centre + spread * float(predicted[index]))})
            if len(out) == k:
                return out
    return out


def _score(score: Any, encoder: Any, candidates: np.ndarray) -> np.ndarray:
    import numpy as np
    import torch

    with torch.no_grad():
        parts = [score(torch.as_tensor(encoder.features(chunk))).numpy() for chunk in np.array_split(candidates, max(1, len(candidates) // 4096))]
    return np.concatenate(parts)


def _ensemble(encoder: Any, points: np.ndarray, target: np.ndarray, seed: int, members: int = 3,
              gradient_penalty: float = 0.1, epochs: int = 200, pessimism: float = 0.0, penalty_rows: int = 256) -> Any:
    """An ensemble of MLPs fitted with IGNITE's gradient-norm penalty (on ``penalty_rows`` random
    rows per epoch); returns x -> ensemble mean - ``pessimism`` * ensemble std."""
    import torch

    X = torch.as_tensor(encoder.features(points))
    Y = torch.as_tensor(target)
    columns = encoder.float_columns  # the penalty is on the directions a search can move in
    nets = []
    for member in range(members):
        torch.manual_seed(seed * 1000 + member)
        net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 32), torch.nn.SiLU(), torch.nn.Linear(32, 32), torch.nn.SiLU(),
                                  torch.nn.Linear(32, 1)).double()
        generator = torch.Generator().manual_seed(seed * 1000 + member)
        optimiser = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-4)
        for _ in range(epochs):
            rows = torch.randperm(len(X), generator=generator)[:penalty_rows]
            inputs = X[rows].clone().requires_grad_(True)
            loss = ((net(X).squeeze(-1) - Y) ** 2).mean()
            if columns and gradient_penalty > 0:
                (gradient,) = torch.autograd.grad(net(inputs).sum(), inputs, create_graph=True)
                loss = loss + gradient_penalty * gradient[:, columns].pow(2).sum(-1).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        nets.append(net)

    def score(features: torch.Tensor) -> torch.Tensor:
        predictions = torch.stack([net(features).squeeze(-1) for net in nets])
        return predictions.mean(0) - pessimism * predictions.std(0)

    return score


def _gp_mean(encoder: Any, space: Space, points: np.ndarray, target: np.ndarray, rng: np.random.Generator,
             max_rows: int = 400) -> Any:
    """The posterior mean of a GP fitted to (at most ``max_rows`` random rows of) the table."""
    from optarium.blackbox.gp_model import GaussianProcess

    rows = rng.choice(len(points), size=min(max_rows, len(points)), replace=False)
    model = GaussianProcess(encoder.groups, space.dim).fit(encoder.features(points[rows]), target[rows])

    def score(features: torch.Tensor) -> torch.Tensor:
        return model.posterior(features)[0]

    return score


def _ascend(score: Any, encoder: Any, starts: np.ndarray, steps: int = 50, step_size: float = 0.02) -> np.ndarray:
    """Gradient ascent on the surrogate over the float parameters, from each start, inside the cube."""
    import numpy as np
    import torch

    if not encoder.float_params:
        return starts
    base = torch.as_tensor(encoder.features(starts))
    columns = encoder.float_columns
    values = base[:, columns].clone().requires_grad_(True)
    for _ in range(steps):
        features = base.clone()
        features[:, columns] = values
        (gradient,) = torch.autograd.grad(score(features).sum(), values)
        with torch.no_grad():
            norm = gradient.norm(dim=1, keepdim=True).clamp_min(1e-12)
            values += step_size * gradient / norm * math.sqrt(len(columns))
            values.clamp_(0.0, 1.0)
    out = starts.copy()
    out[:, encoder.float_params] = values.detach().numpy()
    return np.asarray(out)
