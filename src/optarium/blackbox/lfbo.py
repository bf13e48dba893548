"""A classifier of "reaches the top" on an enumerated discrete space, and a Thompson pick from it.

After likelihood-free BO (Song et al., "A General Recipe for Likelihood-free Bayesian
Optimization", ICML 2022; also BORE, Tiao et al., ICML 2021): results better than the
``gamma`` quantile ``tau`` of the results so far are positives, weighted by their
improvement on ``tau`` (the EI form), the others negatives of weight one. We depart from
them in the classifier, a logistic model on one-hot main effects (one level per option of
each parameter) under a normal prior, and in exploring by one draw from its Laplace
posterior (Thompson sampling) instead of maximising the fitted classifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optarium.blackbox.space import CategoricalParam, IntParam

if TYPE_CHECKING:
    import numpy as np

    from optarium.blackbox.space import Space

GAMMA = 1.0 / 3.0
PRIOR_SD = 1.0  # of each level's effect on the log odds
INTERCEPT_SD = 3.0


def levels(space: Space, points: np.ndarray) -> np.ndarray:
    """One-hot levels (m, L) of unit-cube points (m, d) of a discrete space: one column per option or integer value."""
    import numpy as np

    columns = []
    for j, param in enumerate(space.params):
        if isinstance(param, CategoricalParam):
            k = len(param.choices)
            index = np.clip(np.floor(points[:, j] * k), 0, k - 1).astype(int)
        elif isinstance(param, IntParam):
            k = param.high - param.low + 1
            index = np.array([param.from_unit(u) - param.low for u in points[:, j]], dtype=int)
        else:
            raise ValueError(f"`space` must be discrete, got the float parameter `{param.name}`")
        columns.append(np.eye(k)[index])
    return np.hstack(columns)


def labels(losses: np.ndarray, gamma: float = GAMMA) -> tuple[np.ndarray, np.ndarray]:
    """(labels, weights), each (n,): 1 for losses below their ``gamma`` quantile, weighted by how far
    below (mean weight 1 among them), 0 with weight 1 for the others."""
    import numpy as np

    tau = float(np.quantile(losses, gamma))
    top = losses < tau
    weights = np.ones(len(losses))
    if top.any():
        gain = tau - losses[top]
        weights[top] = gain / gain.mean()
    return top.astype(float), weights


def fit(X: np.ndarray, z: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted logistic regression of ``z`` (n,) on ``X`` (n, L) plus an intercept (column 0), by Newton's
    method on the log posterior: the mode (L + 1,) and the Laplace covariance (L + 1, L + 1)."""
    import numpy as np

    design = np.hstack([np.ones((len(X), 1)), X])
    precision = np.full(design.shape[1], 1.0 / PRIOR_SD**2)
    precision[0] = 1.0 / INTERCEPT_SD**2
    beta = np.zeros(design.shape[1])
    hessian = np.diag(precision)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (weights * (p - z)) + precision * beta
        hessian = (design.T * (weights * p * (1.0 - p))) @ design + np.diag(precision)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    p = 1.0 / (1.0 + np.exp(-(design @ beta)))
    hessian = (design.T * (weights * p * (1.0 - p))) @ design + np.diag(precision)
    return beta, np.linalg.inv(hessian)


def thompson_pick(space: Space, tried: np.ndarray, losses: np.ndarray, candidates: np.ndarray,
                  rng: np.random.Generator) -> int:
    """Index into ``candidates`` (m, d) of the best under one posterior draw of the classifier fitted to
    the ``tried`` points (n, d) and their ``losses`` (n,), all in the unit cube of the discrete ``space``."""
    import numpy as np

    z, weights = labels(losses)
    mode, covariance = fit(levels(space, tried), z, weights)
    draw = rng.multivariate_normal(mode, covariance, method="cholesky")
    scores = levels(space, candidates) @ draw[1:]
    return int(np.argmax(scores))
