"""Pareto set learning: a model from a trade-off preference to a Pareto-optimal point, after a study.

After SVH-PSL (Nguyen et al., "Improving Pareto Set Learning for Expensive
Multi-objective Optimization via Stein Variational Hypernetworks", AAAI 2025): a few
hypernetworks (particles), each mapping a preference vector on the simplex to a point of
the unit cube, are trained together by Stein variational gradient descent on the
expected Tchebycheff loss of the surrogates' lower confidence bound, so the particles
spread instead of collapsing onto one poor local solution; the learned set is their
average. Surrogates: one lean GP per objective on the study's complete trials, every
parameter taken as a continuous coordinate of the unit cube (integers and categories are
snapped when decoded). Where we depart: the kernel between particles is an RBF on their
flattened weights with the median-distance bandwidth (no per-layer kernel), the
Tchebycheff loss uses an ideal point 0.1 below the best standardised loss, and the model
is fitted once after the study instead of inside the optimization loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import torch

    from optarium.blackbox.study import Study
    from optarium.torch_adam import Adam


class ParetoSetModel:
    """Preference (one non-negative weight per objective) -> parameters; use :meth:`fit`, then :meth:`suggest`."""

    def __init__(self, study: Study, networks: Sequence[torch.nn.Module], models: list[Any]):
        self.study = study
        self.networks = networks
        self.models = models

    @classmethod
    def fit(cls, study: Study, *, particles: int = 4, steps: int = 300, seed: int = 0, beta: float = 0.5) -> ParetoSetModel:
        """Fit the hypernetworks to ``study``'s complete trials (at least 4, several objectives)."""
        import numpy as np
        import torch

        from optarium.blackbox.gp_model import GaussianProcess
        from optarium.blackbox.multiobjective import signs
        from optarium.torch_adam import Adam

        if not study.multi_objective:
            raise OptionError("study", study.name, "a study with two or more directions")
        told = [t for t in study.trials if t.state == "complete" and t.values is not None and t.feasible]
        if len(told) < 4:
            raise OptionError("study", study.name, f"at least 4 complete feasible trials (it has {len(told)})")
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            X = np.array([t.point for t in told], dtype=float)
            losses = np.array([t.values for t in told]) * signs(study.directions)
            Y = (losses - losses.mean(0)) / np.where(losses.std(0) > 0, losses.std(0), 1.0)
            dim, k = X.shape[1], Y.shape[1]
            models = [GaussianProcess(list(range(dim)), dim).fit(X, Y[:, j]) for j in range(k)]
            ideal = torch.as_tensor(Y.min(0) - 0.1)
            torch.manual_seed(seed)
            networks = [torch.nn.Sequential(torch.nn.Linear(k, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                                            torch.nn.ReLU(), torch.nn.Linear(64, dim), torch.nn.Sigmoid()).double()
                        for _ in range(particles)]
            optimisers = [Adam(net.parameters(), lr=1e-3) for net in networks]
            for _ in range(steps):
                preferences = torch.distributions.Dirichlet(torch.ones(k, dtype=torch.float64)).sample((16,))
                gradients = []
                for net in networks:
                    net.zero_grad()
                    x = net(preferences)
                    stats = [m.posterior(x) for m in models]
                    lcb = torch.stack([mean - beta * var.clamp_min(1e-12).sqrt() for mean, var in stats], dim=1)
                    loss = (preferences * (lcb - ideal)).max(dim=1).values.mean()
                    loss.backward()
                    gradients.append(torch.cat([p.grad.reshape(-1) for p in net.parameters()]))  # type: ignore[union-attr]
                _stein_step(networks, optimisers, torch.stack(gradients))
        finally:
            torch.set_num_threads(threads)
        return cls(study, networks, models)

    def suggest(self, preference: Sequence[float]) -> dict[str, Any]:
        """The parameters the learned Pareto set gives for ``preference`` (normalised to sum 1)."""
        import numpy as np
        import torch

        weights = np.asarray([float(w) for w in preference], dtype=float)
        if (weights.shape != (len(self.study.directions),) or not np.isfinite(weights).all() or (weights < 0).any()
                or weights.sum() <= 0):
            raise OptionError("preference", list(preference),
                              f"{len(self.study.directions)} non-negative weights, one per objective, not all zero")
        with torch.no_grad():
            lam = torch.as_tensor(weights / weights.sum())[None, :]
            point = torch.stack([net(lam)[0] for net in self.networks]).mean(0).numpy()
        return self.study.space.decode(point)

    def predict(self, preference: Sequence[float]) -> list[float]:
        """The surrogates' mean objectives (in the objectives' own units) at :meth:`suggest`'s point."""
        import numpy as np
        import torch

        from optarium.blackbox.multiobjective import signs

        params = self.suggest(preference)
        point = torch.as_tensor(self.study.space.encode(params))[None, :]
        told = [t for t in self.study.trials if t.state == "complete" and t.values is not None and t.feasible]
        losses = np.array([t.values for t in told]) * signs(self.study.directions)
        spread = np.where(losses.std(0) > 0, losses.std(0), 1.0)
        with torch.no_grad():
            means = np.array([float(m.posterior(point)[0][0]) for m in self.models])
        return [float(v) for v in (means * spread + losses.mean(0)) * signs(self.study.directions)]


def _stein_step(networks: Sequence[torch.nn.Module], optimisers: list[Adam], gradients: torch.Tensor) -> None:
    """One SVGD update: each particle moves along the kernel-weighted loss gradients of all and
    away from the others (the repulsive term), with an RBF kernel of median bandwidth."""
    import torch

    weights = torch.stack([torch.cat([p.detach().reshape(-1) for p in net.parameters()]) for net in networks])
    n = len(networks)
    distances = torch.cdist(weights, weights).pow(2)
    bandwidth = distances.median() / max(torch.log(torch.tensor(n + 1.0)).item(), 1e-6) + 1e-12
    kernel = torch.exp(-distances / bandwidth)  # (n, n)
    # repulsion: sum_j grad_{w_j} k(w_j, w_i) = sum_j k_ji * 2 (w_i - w_j) / h
    repulsion = (kernel[:, :, None] * 2.0 * (weights[:, None, :] - weights[None, :, :]) / bandwidth).sum(1)
    # the loss gradient is the negative log-density gradient: descend it, add the repulsion
    update = (kernel @ gradients - repulsion) / n
    for net, optimiser, direction in zip(networks, optimisers, update, strict=True):
        offset = 0
        for parameter in net.parameters():
            size = parameter.numel()
            parameter.grad = direction[offset: offset + size].reshape(parameter.shape).clone()
            offset += size
        optimiser.step()
