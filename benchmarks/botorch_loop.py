"""BoTorch's standard Bayesian-optimization step, the peer optarium's own GP is measured against.

SingleTaskGP (BoTorch's default priors and transforms), fitted with ``fit_gpytorch_mll``,
log expected improvement, maximised with ``optimize_acqf`` (10 restarts from 512 raw
samples): the loop of BoTorch's tutorials, for minimisation on the unit cube. Used by
``blackbox_ask_overhead.py`` (seconds per ask) and ``blackbox_bbob.py`` (regret).
"""

from __future__ import annotations

import numpy as np


def next_point(unit: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The next point in [0, 1]^d to evaluate after points ``unit`` (n, d) with losses ``values`` (n,)."""
    import torch
    from botorch.acquisition import LogExpectedImprovement
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP
    from botorch.optim import optimize_acqf
    from gpytorch.mlls import ExactMarginalLogLikelihood

    X = torch.as_tensor(unit, dtype=torch.float64)
    Y = -torch.as_tensor(values, dtype=torch.float64)[:, None]  # BoTorch maximises
    Y = (Y - Y.mean()) / Y.std()
    dim = X.shape[1]
    bounds = torch.stack([torch.zeros(dim, dtype=torch.float64), torch.ones(dim, dtype=torch.float64)])
    model = SingleTaskGP(X, Y)
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    acquisition = LogExpectedImprovement(model, best_f=float(Y.max()))
    candidate, _ = optimize_acqf(acquisition, bounds=bounds, q=1, num_restarts=10, raw_samples=512)
    return np.asarray(candidate.detach().numpy()[0])
