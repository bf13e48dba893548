"""Offline optimization: propose new candidates from a fixed table of past experiments, evaluating nothing.

Surrogate: an ensemble of small MLPs fitted to the table under a bound on their
sharpness, after IGNITE (Cuong Dao et al., "Incorporating Surrogate Gradient Norm to
Improve Offline Optimization Techniques", NeurIPS 2024): the loss's sharpness, a radius
times the norm of its gradient in the network's weights, is held below a bound by a
Lagrange multiplier, so that the surrogate generalises beyond the data instead of
promising gains it cannot back. Where we depart: the bound is relative (a fraction of
the current loss, not a fixed number), the multiplier takes one projected step per
epoch, and a small ensemble is averaged. An earlier version penalised the norm of the
gradient in the *inputs* instead; that flattened the surrogate until gradient ascent on
it stayed next to the data (the docs' offline section has the numbers). Candidates: every point
of a discrete space up to ``max_enumerate`` points; otherwise gradient ascent on the
surrogate (IGNITE's search) from the best rows of the table, plus random points.
Points already in the table are never proposed, and the k proposals are spread (on a
discrete space each differs from the better ones in at least half the parameters), since
only the best of them counts. ``method="naive"`` is the baseline the
field compares with: a GP fitted to the table and its posterior mean's top ``k``.

``method="root"``: distributional translation after ROOT (Dao, Tran, Nguyen, Truong,
Hoang, "ROOT: Rethinking Offline Optimization as Distributional Translation via
Probabilistic Bridge", 2025): synthetic functions are the posterior means of GPs fitted
to the table with different length scales; pairs of low inputs (table rows) and high
inputs of each synthetic function train a Brownian bridge that carries low inputs to
high ones, and the best rows are carried across. Where we depart: one small bridge per
table (an MLP that predicts the bridge's end point from the current point, the start and
the time) instead of their pre-trained and adapted translator; high inputs are the
synthetic function's top points among the candidates (discrete) or gradient ascent on it
(continuous); the carried points are snapped to the space and ranked by the mean of the
synthetic functions.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError

if TYPE_CHECKING:
    import numpy as np
    import torch

    from optarium.blackbox.space import Space

METHODS = ("ignite", "root", "naive", "random")


def propose(space: Space, rows: list[dict[str, Any]], values: list[float], k: int = 10, *,
            direction: str = "maximize", method: str = "ignite", seed: int = 0,
            max_enumerate: int = 50_000, sharpness_bound: float = 0.1) -> list[dict[str, Any]]:
    """``k`` new parameter dicts for ``space`` from table ``rows`` and their objective ``values``, best first.

    Each proposal carries ``predicted`` (the surrogate's value in the objective's units);
    ``sharpness_bound`` is IGNITE's bound on the surrogate's sharpness, as a fraction of its loss (``method="ignite"``).
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: one thread is fastest, many are far slower on a busy machine
    try:
        return _propose(space, rows, values, k, direction, method, seed, max_enumerate, sharpness_bound)
    finally:
        torch.set_num_threads(threads)


def _propose(space: Space, rows: list[dict[str, Any]], values: list[float], k: int, direction: str, method: str,
             seed: int, max_enumerate: int, sharpness_bound: float) -> list[dict[str, Any]]:
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
    elif method == "root":
        score, candidates = _root(encoder, space, points, target, rng, seed, candidates, discrete, taken)
    else:
        score = _ensemble(encoder, points, target, seed, bound=sharpness_bound)
    if not discrete and method != "root":
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


def _ensemble(encoder: Any, points: np.ndarray, target: np.ndarray, seed: int, members: int = 3, epochs: int = 200,
              pessimism: float = 0.0, radius: float = 0.05, bound: float = 0.1, multiplier_step: float = 0.5) -> Any:
    """An ensemble of MLPs fitted with IGNITE's sharpness constraint: ``radius`` times the norm of
    the loss's gradient in the weights at most ``bound`` times the loss, by a Lagrange multiplier
    raised by ``multiplier_step`` times the excess each epoch. Returns x -> ensemble mean -
    ``pessimism`` * ensemble std."""
    import torch

    X = torch.as_tensor(encoder.features(points))
    Y = torch.as_tensor(target)
    nets = []
    for member in range(members):
        torch.manual_seed(seed * 1000 + member)
        net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 32), torch.nn.SiLU(), torch.nn.Linear(32, 32), torch.nn.SiLU(),
                                  torch.nn.Linear(32, 1)).double()
        optimiser = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-4)
        multiplier = 0.0
        for _ in range(epochs):
            loss = ((net(X).squeeze(-1) - Y) ** 2).mean()
            grads = torch.autograd.grad(loss, list(net.parameters()), create_graph=True)
            sharpness = radius * torch.sqrt(sum((g.pow(2).sum() for g in grads), torch.zeros((), dtype=torch.float64)))
            excess = sharpness - bound * loss.detach()
            multiplier = max(0.0, multiplier + multiplier_step * float(excess.detach()))
            optimiser.zero_grad()
            (loss + multiplier * excess).backward()
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


def _root(encoder: Any, space: Space, points: np.ndarray, target: np.ndarray, rng: np.random.Generator, seed: int,
          candidates: np.ndarray, discrete: bool, taken: set[tuple[float, ...]], factors: tuple[float, ...] = (0.5, 1.0, 2.0),
          pairs: int = 512, starts: int = 64, samples: int = 4, sigma: float = 0.1) -> tuple[Any, np.ndarray]:
    """ROOT's distributional translation (see the module docstring): (mean of the synthetic
    functions, the translated candidates not in the table)."""
    import numpy as np
    import torch

    from optarium.blackbox.gp_model import GaussianProcess

    rows = rng.choice(len(points), size=min(400, len(points)), replace=False)
    X = encoder.features(points[rows])
    fitted = GaussianProcess(encoder.groups, space.dim).fit(X, target[rows])
    assert fitted.log_lengthscale is not None
    synthetic = []
    for factor in factors:  # one GP per parameterization: the fitted length scales times factor
        model = fitted.conditioned_copy(X, target[rows])
        model.log_lengthscale = fitted.log_lengthscale + math.log(factor)
        synthetic.append(model.condition(X, target[rows]))

    def mean(features: torch.Tensor) -> torch.Tensor:
        return torch.stack([m.posterior(features)[0] for m in synthetic]).mean(0)

    low, high = [], []
    per = pairs // len(synthetic)
    for model in synthetic:
        def value(features: torch.Tensor, model: GaussianProcess = model) -> torch.Tensor:
            return model.posterior(features)[0]
        start = points[rng.choice(len(points), size=per)]
        if discrete:
            scores = _score(value, encoder, candidates)
            top = candidates[np.argsort(-scores)[: max(10, len(candidates) // 50)]]
            end = top[rng.integers(len(top), size=per)]
        else:
            end = _ascend(value, encoder, start + 0.02 * rng.standard_normal(start.shape).clip(-3, 3))
        low.append(encoder.features(start))
        high.append(encoder.features(np.clip(end, 0.0, 1.0)))
    x0 = torch.as_tensor(np.vstack(low))
    x1 = torch.as_tensor(np.vstack(high))
    width = x0.shape[1]
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(2 * width + 1, 64), torch.nn.SiLU(), torch.nn.Linear(64, 64), torch.nn.SiLU(),
                              torch.nn.Linear(64, width)).double()
    optimiser = torch.optim.Adam(net.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(400):  # bridge x_t = (1 - t) x0 + t x1 + sigma sqrt(t (1 - t)) eps; the net predicts x1
        t = torch.rand(len(x0), 1, generator=generator, dtype=torch.float64)
        noise = torch.randn(x0.shape, generator=generator, dtype=torch.float64)
        xt = (1 - t) * x0 + t * x1 + sigma * (t * (1 - t)).sqrt() * noise
        loss = (net(torch.cat([xt, x0, t], 1)) - x1).pow(2).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    best = points[np.argsort(-target)[:starts]]
    source = torch.as_tensor(np.repeat(encoder.features(best), samples, axis=0))
    x = source.clone()
    steps = 20
    with torch.no_grad():
        for i in range(steps):  # sample the bridge from t to s towards the predicted end point
            now, later = i / steps, (i + 1) / steps
            end = net(torch.cat([x, source, torch.full((len(x), 1), now, dtype=torch.float64)], 1))
            x = x + (later - now) / (1 - now) * (end - x)
            if later < 1:
                x = x + sigma * math.sqrt((later - now) * (1 - later) / (1 - now)) * torch.randn(x.shape, generator=generator, dtype=torch.float64)
    carried = encoder.snap(_unfeature(encoder, space, x.numpy()))
    carried = np.array([p for p in np.unique(np.round(carried, 9), axis=0) if tuple(np.round(p, 9)) not in taken])
    if not len(carried):  # every carried point is in the table: fall back to the candidates
        carried = candidates if discrete else encoder.snap(rng.random((64, space.dim)))
    return mean, carried


def _unfeature(encoder: Any, space: Space, features: np.ndarray) -> np.ndarray:
    """GP features back to unit-cube points: a categorical's largest one-hot column wins."""
    import numpy as np

    from optarium.blackbox.space import CategoricalParam

    out = np.empty((len(features), space.dim))
    column = 0
    for j, param in enumerate(space.params):
        if isinstance(param, CategoricalParam):
            k = len(param.choices)
            out[:, j] = (features[:, column: column + k].argmax(1) + 0.5) / k
            column += k
        else:
            out[:, j] = np.clip(features[:, column], 0.0, 1.0)
            column += 1
    return out
