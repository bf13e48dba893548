"""Offline optimization: propose new candidates from a fixed table of past experiments, evaluating nothing.

``method="batch"`` (default): only the best of the k proposals counts, so they are picked
greedily to maximise the expected best of the batch over joint draws on a candidate pool,
each draw a regularized surrogate's mean (IGNITE's and ROOT's in turn) plus a joint sample
of a GP's posterior deviation: the Monte-Carlo q-simple-regret of Wilson, Hutter and
Deisenroth, "Maximizing acquisition functions for Bayesian optimization" (NeurIPS 2018).
Where we depart: the draws' means are the surrogates' (a mixture), not the GP's, and the
pool is finite. docs/blackbox.md's offline section has the details and numbers.

``method="ignite"``: an ensemble of small MLPs whose sharpness (a radius times the norm of
the loss's gradient in the weights) is held below a fraction of the loss by a Lagrange
multiplier, after Dao et al., "Incorporating Surrogate Gradient Norm to Improve Offline
Optimization Techniques" (IGNITE, NeurIPS 2024); ours: a relative bound, one multiplier
step per epoch, three members averaged; its top k among the candidates, kept apart.

``method="root"``: distributional translation after Dao, Tran, Nguyen, Truong, Hoang,
"ROOT: Rethinking Offline Optimization as Distributional Translation via Probabilistic
Bridge" (2025): GP posterior means with scaled length scales are synthetic functions, a
Brownian bridge learns to carry table rows to their high points, and the best rows are
carried across. Ours: one small bridge trained per table instead of their pre-trained and
adapted translator.

``method="naive"`` (a GP's posterior mean, top k) and ``method="random"`` are the
baselines the field compares with. Points already in the table are never proposed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError
from optarium.torch_adam import Adam

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from optarium.blackbox.gp_model import GaussianProcess
    from optarium.blackbox.space import Space

    Score = Callable[[np.ndarray], np.ndarray]  # GP features (m, D) -> value (m,), standardised, larger is better

METHODS = ("batch", "ignite", "root", "naive", "random")
PREDICTED = "predicted"  # the key of each proposal's predicted value, beside its parameters
REGULARIZERS = ("both", "ignite", "root")


def propose(space: Space, rows: list[dict[str, Any]], values: list[float], k: int = 10, *,
            direction: str = "maximize", method: str = "batch", seed: int = 0, max_enumerate: int = 50_000,
            sharpness_bound: float = 0.1, regularizer: str = "both", beta: float = 1.0) -> list[dict[str, Any]]:
    """``k`` new parameter dicts for ``space`` from table ``rows`` and their objective ``values``, best bet first.

    Each proposal carries ``predicted`` (the surrogate's value in the objective's units; a
    batch's later picks may predict more than earlier ones, being picked for what they add);
    ``sharpness_bound`` is IGNITE's bound on the surrogate's sharpness, as a fraction of its
    loss; ``regularizer`` names the surrogates of ``method="batch"`` (``"both"``, ``"ignite"``
    or ``"root"``) and ``beta`` scales the GP's deviations in its draws (1: as fitted).
    """
    import torch

    if regularizer not in REGULARIZERS:
        raise OptionError("regularizer", regularizer, "one of " + ", ".join(REGULARIZERS))
    if PREDICTED in space.names:
        raise OptionError("space", space.names, f"a space with no parameter named {PREDICTED!r} (the key each proposal "
                          "gives the surrogate's value under)")
    if not math.isfinite(beta) or beta < 0:
        raise OptionError("beta", beta, "a finite number >= 0")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: one thread is fastest, many are far slower on a busy machine
    try:
        return _propose(space, rows, values, k, direction, method, seed, max_enumerate, sharpness_bound, regularizer, beta)
    finally:
        torch.set_num_threads(threads)


def _propose(space: Space, rows: list[dict[str, Any]], values: list[float], k: int, direction: str, method: str,
             seed: int, max_enumerate: int, sharpness_bound: float, regularizer: str, beta: float) -> list[dict[str, Any]]:
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

    def decoded(point: np.ndarray, value: float | None) -> dict[str, Any]:
        return {**space.decode(point), "predicted": None if value is None else sign * (centre + spread * value)}

    if method == "random":
        pool = candidates if discrete else rng.random((max(4 * k, 64), space.dim))
        picked = encoder.snap(pool[rng.choice(len(pool), size=min(k, len(pool)), replace=False)])
        return [decoded(p, None) for p in picked]
    if method == "batch":
        return [decoded(p, v) for p, v in _batch(encoder, space, points, target, rng, seed, candidates, discrete, taken, k,
                                                 regularizer, beta, sharpness_bound)]
    if method == "naive":
        score = _gp_mean(_fit_gp(encoder, space, points, target, rng)[0])
    elif method == "root":
        score, candidates = _root(encoder, space, points, target, rng, seed, candidates, discrete, taken)
    else:
        score = _ensemble(encoder, points, target, seed, bound=sharpness_bound)
    if not discrete and method != "root":
        starts = points[np.argsort(-target)[: max(2 * k, 16)]]
        candidates = _untried(encoder.snap(np.vstack([_ascend(score, encoder, starts), rng.random((1024, space.dim))])), taken)
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
            out.append(decoded(point, float(predicted[index])))
            if len(out) == k:
                return out
    return out


def _batch(encoder: Any, space: Space, points: np.ndarray, target: np.ndarray, rng: np.random.Generator, seed: int,
           candidates: np.ndarray, discrete: bool, taken: set[tuple[float, ...]], k: int, regularizer: str, beta: float,
           sharpness_bound: float, pool_size: int = 1000, samples: int = 512) -> list[tuple[np.ndarray, float]]:
    """The greedy expected best of k (see the module docstring): (point, mixture mean) pairs, in pick order."""
    import numpy as np

    fitted = _fit_gp(encoder, space, points, target, rng)
    gp, X, _ = fitted
    surrogates: list[tuple[Score, np.ndarray]] = []  # (mean, its own candidates)
    if regularizer in ("ignite", "both"):
        surrogates.append((_ensemble(encoder, points, target, seed, bound=sharpness_bound), np.empty((0, space.dim))))
    if regularizer in ("root", "both"):
        surrogates.append(_root(encoder, space, points, target, rng, seed, candidates, discrete, taken, fitted=fitted))
    if not discrete:
        starts = points[np.argsort(-target)[: max(2 * k, 16)]]
        pool = [rng.random((1024, space.dim))]
        for mean, carried in surrogates:
            def bound(features: np.ndarray, mean: Score = mean) -> np.ndarray:
                return mean(features) + 2.0 * beta * np.sqrt(_posterior(gp, features)[1])

            pool += [_ascend(mean, encoder, starts), _ascend(bound, encoder, starts), carried]
        candidates = _untried(encoder.snap(np.vstack(pool)), taken)
    means = np.array([_score(mean, encoder, candidates) for mean, _ in surrogates])  # (surrogates, m)
    if len(candidates) > pool_size:  # keep the most promising by the upper bound of any surrogate
        deviation = np.sqrt(_score(lambda f: _posterior(gp, f)[1], encoder, candidates))
        keep = np.argsort(-(means.max(0) + 2.0 * beta * deviation))[:pool_size]
        candidates, means = candidates[keep], means[:, keep]
    features = encoder.features(candidates)
    # the GP's joint posterior over the pool: k(P, P) - k(P, X) K^-1 k(X, P)
    assert gp.log_lengthscale is not None
    cross = gp.kernel(X, features, gp.log_lengthscale, gp.log_outputscale)
    covariance = gp.kernel(features, features, gp.log_lengthscale, gp.log_outputscale) - cross.T @ gp.solve(cross)
    root = _square_root(0.5 * (covariance + covariance.T))
    # joint draws: each draw takes one surrogate's mean (in turn) plus the GP's deviation
    draws = means[np.arange(samples) % len(means)] + beta * rng.standard_normal((samples, len(candidates))) @ root.T
    best = np.full(samples, -np.inf)
    out: list[tuple[np.ndarray, float]] = []
    for _ in range(min(k, len(candidates))):
        gain = np.maximum(best[:, None], draws).mean(0)  # the batch's expected best with each candidate added
        pick = int(np.argmax(gain))
        best = np.maximum(best, draws[:, pick])
        draws[:, pick] = -np.inf
        out.append((candidates[pick], float(means[:, pick].mean())))
    return out


def _square_root(covariance: np.ndarray) -> np.ndarray:
    """A matrix R with R R' = ``covariance`` (m, m): Cholesky with a little jitter, else the eigenvalues' roots."""
    import numpy as np

    scale = float(np.mean(np.diag(covariance))) or 1.0
    for jitter in (1e-8, 1e-6, 1e-4):
        try:
            return np.asarray(np.linalg.cholesky(covariance + jitter * scale * np.eye(len(covariance))))
        except np.linalg.LinAlgError:
            continue
    values, vectors = np.linalg.eigh(covariance)
    return np.asarray(vectors * np.sqrt(np.clip(values, 0.0, None)))


def _untried(points: np.ndarray, taken: set[tuple[float, ...]]) -> np.ndarray:
    """The distinct rows of ``points`` that are not in the table."""
    import numpy as np

    unique = np.unique(np.round(points, 9), axis=0)
    return np.array([p for p in unique if tuple(p) not in taken]).reshape(-1, points.shape[1])


def _score(score: Score, encoder: Any, candidates: np.ndarray) -> np.ndarray:
    import numpy as np

    chunks = np.array_split(candidates, max(1, len(candidates) // 4096))
    return np.concatenate([score(encoder.features(chunk)) for chunk in chunks])


def _posterior(model: GaussianProcess, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GP's posterior mean and variance at ``features`` (m, D) as arrays, whichever array type the model takes."""
    import numpy as np

    posterior: Any = model.posterior
    kind = type(model)
    if kind not in _TAKES_TENSORS:
        try:
            posterior(features[:1])
            _TAKES_TENSORS[kind] = False
        except TypeError:  # a model in torch takes tensors
            _TAKES_TENSORS[kind] = True
    if _TAKES_TENSORS[kind]:
        import torch

        with torch.no_grad():
            mean, variance = posterior(torch.as_tensor(features))
    else:
        mean, variance = posterior(features)
    return np.asarray(mean, dtype=float), np.asarray(variance, dtype=float)


_TAKES_TENSORS: dict[type, bool] = {}


def _fit_gp(encoder: Any, space: Space, points: np.ndarray, target: np.ndarray, rng: np.random.Generator,
            max_rows: int = 400) -> tuple[GaussianProcess, np.ndarray, np.ndarray]:
    """A GP fitted to (at most ``max_rows`` random rows of) the table, with those rows' features and targets."""
    from optarium.blackbox.gp_model import GaussianProcess

    rows = rng.choice(len(points), size=min(max_rows, len(points)), replace=False)
    X, Y = encoder.features(points[rows]), target[rows]
    return GaussianProcess(encoder.groups, space.dim).fit(X, Y), X, Y


def _gp_mean(model: GaussianProcess) -> Score:
    def score(features: np.ndarray) -> np.ndarray:
        return _posterior(model, features)[0]

    return score


def _ensemble(encoder: Any, points: np.ndarray, target: np.ndarray, seed: int, members: int = 3, epochs: int = 200,
              radius: float = 0.05, bound: float = 0.1, multiplier_step: float = 0.5, max_rows: int = 5000) -> Score:
    """An ensemble of MLPs fitted with IGNITE's sharpness constraint: ``radius`` times the norm of
    the loss's gradient in the weights at most ``bound`` times the loss, by a Lagrange multiplier
    raised by ``multiplier_step`` times the excess each epoch. Returns features -> ensemble mean.
    A table of more than ``max_rows`` rows trains it on that many rows drawn by ``seed`` (full-batch
    epochs with a second-order gradient on 200,000 rows took about ten minutes)."""
    import numpy as np
    import torch

    if len(points) > max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(len(points), size=max_rows, replace=False))
        points, target = points[rows], target[rows]
    X = torch.as_tensor(encoder.features(points))
    Y = torch.as_tensor(target)
    nets = []
    for member in range(members):
        torch.manual_seed(seed * 1000 + member)
        net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 32), torch.nn.SiLU(), torch.nn.Linear(32, 32), torch.nn.SiLU(),
                                  torch.nn.Linear(32, 1)).double()
        optimiser = Adam(list(net.parameters()), lr=3e-3, weight_decay=1e-4)
        multiplier = 0.0
        for _ in range(epochs):
            loss = ((net(X).squeeze(-1) - Y) ** 2).mean()
            grads = torch.autograd.grad(loss, list(net.parameters()), create_graph=True)
            sharpness = radius * torch.sqrt(sum((g.pow(2).sum() for g in grads), torch.zeros((), dtype=torch.float64)))
            excess = sharpness - bound * loss.detach()
            multiplier = max(0.0, multiplier + multiplier_step * float(excess.detach()))
            (loss + multiplier * excess).backward()
            optimiser.step()
        nets.append(net)

    def score(features: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            x = torch.as_tensor(features)
            return torch.stack([net(x).squeeze(-1) for net in nets]).mean(0).numpy()

    return score


def _ascend(score: Score, encoder: Any, starts: np.ndarray, steps: int = 50, step_size: float = 0.02,
            delta: float = 1e-6) -> np.ndarray:
    """Ascent on ``score`` over the float parameters, from each start, inside the cube: normalised
    steps along a forward-difference gradient (any surrogate, no autograd needed)."""
    import numpy as np

    if not encoder.float_params or not len(starts):
        return starts
    base = encoder.features(starts)
    columns = encoder.float_columns
    values = base[:, columns].copy()
    width = len(columns)
    for _ in range(steps):
        probes = np.repeat(base[None], width + 1, axis=0)  # (width + 1, m, D): the point, then one column moved each
        for j, column in enumerate(columns):
            probes[:, :, column] = values[:, j]
            probes[j + 1, :, column] += delta
        scored = score(probes.reshape(-1, base.shape[1])).reshape(width + 1, len(starts))
        gradient = ((scored[1:] - scored[0]) / delta).T
        norm = np.maximum(np.linalg.norm(gradient, axis=1, keepdims=True), 1e-12)
        values = np.clip(values + step_size * gradient / norm * math.sqrt(width), 0.0, 1.0)
    out = starts.copy()
    out[:, encoder.float_params] = values
    return np.asarray(out)


def _root(encoder: Any, space: Space, points: np.ndarray, target: np.ndarray, rng: np.random.Generator, seed: int,
          candidates: np.ndarray, discrete: bool, taken: set[tuple[float, ...]], factors: tuple[float, ...] = (0.5, 1.0, 2.0),
          pairs: int = 512, starts: int = 64, samples: int = 4, sigma: float = 0.1,
          fitted: tuple[GaussianProcess, np.ndarray, np.ndarray] | None = None) -> tuple[Score, np.ndarray]:
    """ROOT's distributional translation (see the module docstring): (mean of the synthetic
    functions, the translated candidates not in the table); ``fitted`` is a GP already fitted
    to the table, with its rows' features and targets."""
    import numpy as np
    import torch

    fitted_model, X, Y = fitted if fitted is not None else _fit_gp(encoder, space, points, target, rng)
    assert fitted_model.log_lengthscale is not None
    synthetic = []
    for factor in factors:  # one GP per parameterization: the fitted length scales times factor
        model = fitted_model.conditioned_copy(X, Y)
        model.log_lengthscale = fitted_model.log_lengthscale + math.log(factor)
        synthetic.append(model.condition(X, Y))

    def mean(features: np.ndarray) -> np.ndarray:
        return np.mean([_posterior(m, features)[0] for m in synthetic], axis=0)

    low, high = [], []
    per = pairs // len(synthetic)
    for model in synthetic:
        value = _gp_mean(model)
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
    optimiser = Adam(list(net.parameters()), lr=3e-3)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(400):  # bridge x_t = (1 - t) x0 + t x1 + sigma sqrt(t (1 - t)) eps; the net predicts x1
        t = torch.rand(len(x0), 1, generator=generator, dtype=torch.float64)
        noise = torch.randn(x0.shape, generator=generator, dtype=torch.float64)
        xt = (1 - t) * x0 + t * x1 + sigma * (t * (1 - t)).sqrt() * noise
        loss = (net(torch.cat([xt, x0, t], 1)) - x1).pow(2).mean()
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
    carried = _untried(encoder.snap(_unfeature(encoder, space, x.numpy())), taken)
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
