"""Choosing ridge-regression penalties on validation data: a continuous bilevel problem of the ML kind.

The leader picks one penalty per feature, ``lambda_j = exp(x_j)``; the follower
fits the weights ``w`` on the training data, minimising
``mean((A_train w - b_train)^2) + sum_j lambda_j w_j^2``; the leader's loss is
the validation error ``mean((A_val w - b_val)^2)``. The follower's answer has a
closed form, so every reported ``x`` is checked by solving that linear system
exactly (:meth:`RidgeTuning.validation_loss`), whatever method produced it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.errors import InvalidModelError, OptionError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.domains.bilevel.penalty import PenaltySettings


@dataclass(frozen=True)
class RidgeTuning:
    """Training and validation data; ``log_bounds`` bound every ``x_j = log lambda_j`` for every method."""

    A_train: NDArray[np.float64]
    b_train: NDArray[np.float64]
    A_val: NDArray[np.float64]
    b_val: NDArray[np.float64]
    log_bounds: tuple[float, float] = (-8.0, 4.0)

    def __post_init__(self) -> None:
        n_features = self.A_train.shape[1] if self.A_train.ndim == 2 else -1
        if self.A_val.ndim != 2 or self.A_val.shape[1] != n_features or n_features < 1:
            raise InvalidModelError(f"`A_train` and `A_val` must be matrices with the same number of columns, got "
                                    f"shapes {self.A_train.shape} and {self.A_val.shape}")
        if self.b_train.shape != (self.A_train.shape[0],) or self.b_val.shape != (self.A_val.shape[0],):
            raise InvalidModelError(f"`b_train` {self.b_train.shape} and `b_val` {self.b_val.shape} must match the rows "
                                    f"of `A_train` {self.A_train.shape} and `A_val` {self.A_val.shape}")
        low, high = self.log_bounds
        if not low < high:
            raise InvalidModelError(f"`log_bounds` must be (low, high) with low < high, got {self.log_bounds}")

    @property
    def n_features(self) -> int:
        return int(self.A_train.shape[1])

    @classmethod
    def synthetic(cls, *, n_train: int = 60, n_val: int = 60, n_test: int = 1000, n_features: int = 20,
                  n_informative: int = 5, noise: float = 0.5, seed: int = 0) -> tuple[RidgeTuning, NDArray[np.float64], NDArray[np.float64]]:
        """A regression whose target uses ``n_informative`` of the features: (problem, A_test, b_test)."""
        if not 0 < n_informative <= n_features:
            raise OptionError("n_informative", n_informative, f"in 1..n_features={n_features}")
        rng = np.random.default_rng(seed)
        truth = np.zeros(n_features)
        truth[:n_informative] = rng.normal(0.0, 2.0, n_informative)

        def sample(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
            A = rng.normal(size=(n, n_features))
            return A, A @ truth + noise * rng.normal(size=n)

        (A_tr, b_tr), (A_va, b_va), (A_te, b_te) = sample(n_train), sample(n_val), sample(n_test)
        return cls(A_tr, b_tr, A_va, b_va), A_te, b_te

    def weights(self, x: Any) -> NDArray[np.float64]:
        """The follower's exact answer ``w*(x)`` (a linear solve)."""
        lam = np.exp(np.asarray(x, dtype=np.float64))
        n = self.A_train.shape[0]
        return np.linalg.solve(self.A_train.T @ self.A_train / n + np.diag(lam), self.A_train.T @ self.b_train / n)

    def validation_loss(self, x: Any) -> float:
        """The leader's loss at ``x`` with the follower's exact answer."""
        residual = self.A_val @ self.weights(x) - self.b_val
        return float(residual @ residual / len(residual))

    def lower(self, x: Any, w: Any) -> Any:
        """The follower's training objective as a torch expression."""
        import torch

        A = torch.as_tensor(self.A_train)
        residual = A @ w - torch.as_tensor(self.b_train)
        return (residual @ residual) / len(self.b_train) + torch.sum(torch.exp(x) * w * w)

    def upper(self, x: Any, w: Any) -> Any:
        """The leader's validation loss as a torch expression."""
        import torch

        residual = torch.as_tensor(self.A_val) @ w - torch.as_tensor(self.b_val)
        return (residual @ residual) / len(self.b_val)


def tune_penalty(problem: RidgeTuning, settings: PenaltySettings | None = None, *,
                 start: float = 0.0) -> dict[str, Any]:
    """Kwon et al.'s penalty method from ``x_j = start``: ``x``, its exact validation loss, seconds, steps."""
    from optarium.domains.bilevel.penalty import penalty_method

    d = problem.n_features
    result = penalty_method(problem.upper, problem.lower, np.full(d, start), np.zeros(d), settings,
                            x_bounds=problem.log_bounds)
    x = result.x.numpy()
    return {"x": x, "validation_loss": problem.validation_loss(x), "seconds": result.seconds, "steps": result.steps}


def tune_blackbox(problem: RidgeTuning, seconds: float, *, sampler: str = "auto", seed: int = 0,
                  batch: int = 4) -> dict[str, Any]:
    """A black-box study (``optarium.blackbox.optimize``) over the same ``x`` for ``seconds`` of wall time,
    each trial evaluated exactly; the study is resumed ``batch`` trials at a time until the time is spent."""
    import uuid

    from optarium.blackbox.optimize import optimize
    from optarium.store.memory import MemoryStore

    if not seconds > 0:
        raise OptionError("seconds", seconds, "a positive number")
    low, high = problem.log_bounds
    space = {f"x{j}": {"type": "float", "low": low, "high": high} for j in range(problem.n_features)}
    store = MemoryStore()
    name = f"ridge-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    study = None
    while time.perf_counter() - started < seconds:
        study = optimize(lambda params: problem.validation_loss([params[f"x{j}"] for j in range(problem.n_features)]),
                         space, batch, sampler=sampler, seed=seed, study_name=name, store=store, direction="minimize")
    assert study is not None
    best = study.best
    x = np.array([best.params[f"x{j}"] for j in range(problem.n_features)])
    return {"x": x, "validation_loss": problem.validation_loss(x), "seconds": time.perf_counter() - started,
            "trials": len(study.trials), "sampler": study.summary().get("sampler", sampler)}
