"""A first-order penalty method for continuous bilevel problems with a smooth, unconstrained follower.

After Kwon, Kwon, Wright & Nowak, "On Penalty Methods for Nonconvex Bilevel
Optimization and First-Order Stochastic Approximation" (ICLR 2024): the
leader minimises ``psi_gamma(x) = min_y [f(x, y) + gamma g(x, y)] - gamma min_z g(x, z)``,
whose gradient needs first derivatives only,
``grad_x f(x, y) + gamma (grad_x g(x, y) - grad_x g(x, z))`` at the two inner
minimisers; ``y`` and ``z`` are tracked by a few gradient steps per outer step
and ``gamma`` grows along the run. Departures: deterministic (full-batch)
gradients rather than the paper's stochastic ones, Adam on ``x`` instead of
plain gradient steps, backtracking step sizes for ``y`` and ``z``, a geometric schedule for ``gamma`` from
``gamma_start`` to ``gamma_end``, and a wall-clock ``time_limit``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError
from optarium.torch_adam import Adam

if TYPE_CHECKING:
    import torch

Objective = Callable[["torch.Tensor", "torch.Tensor"], "torch.Tensor"]


@dataclass(frozen=True)
class PenaltySettings:
    """``steps`` outer steps on ``x`` (Adam, learning rate ``lr_x``); before each, ``inner_steps``
    gradient steps of size ``lr_y`` on ``y`` (for ``f/gamma + g``) and on ``z`` (for ``g``);
    ``gamma`` grows geometrically from ``gamma_start`` to ``gamma_end``; ``time_limit`` seconds
    (None: no limit) stops the run early."""

    steps: int = 300
    inner_steps: int = 10
    lr_x: float = 0.05
    lr_y: float = 0.1
    gamma_start: float = 1.0
    gamma_end: float = 100.0
    time_limit: float | None = None

    def __post_init__(self) -> None:
        for name in ("steps", "inner_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise OptionError(name, value, "a positive integer")
        for name in ("lr_x", "lr_y", "gamma_start", "gamma_end"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise OptionError(name, value, "a positive finite number")
        if self.gamma_end < self.gamma_start:
            raise OptionError("gamma_end", self.gamma_end, f"at least gamma_start={self.gamma_start}")
        if self.time_limit is not None and not (math.isfinite(self.time_limit) and self.time_limit > 0):
            raise OptionError("time_limit", self.time_limit, "a positive number of seconds or None")


@dataclass
class PenaltyResult:
    """The leader's ``x``, the follower's tracked ``y`` (for ``f/gamma + g``) and ``z`` (for ``g``),
    the outer steps done, the seconds spent and a ``history`` of (seconds, gamma, f(x, y))."""

    x: Any
    y: Any
    z: Any
    steps: int
    seconds: float
    history: list[tuple[float, float, float]] = field(default_factory=list)


def penalty_method(upper: Objective, lower: Objective, x0: Any, y0: Any,
                   settings: PenaltySettings | None = None, *,
                   x_bounds: tuple[float, float] | None = None) -> PenaltyResult:
    """Minimise ``upper(x, y)`` over ``x`` where ``y`` minimises ``lower(x, y)`` (both scalar torch functions).

    ``x0`` and ``y0`` are the starting tensors (or arrays); ``y`` is unconstrained
    and ``lower`` should be smooth and (locally) strongly convex in ``y``;
    ``x_bounds`` (low, high) keeps every entry of ``x`` in that box (projection).
    """
    import torch

    chosen = settings if settings is not None else PenaltySettings()
    started = time.perf_counter()
    x = torch.as_tensor(x0, dtype=torch.float64).clone().requires_grad_(True)
    y = torch.as_tensor(y0, dtype=torch.float64).clone().requires_grad_(True)
    z = torch.as_tensor(y0, dtype=torch.float64).clone().requires_grad_(True)
    optimiser = Adam([x], lr=chosen.lr_x)
    ratio = (chosen.gamma_end / chosen.gamma_start) ** (1.0 / max(chosen.steps - 1, 1))
    history: list[tuple[float, float, float]] = []
    step_y = step_z = chosen.lr_y
    done = 0
    for step in range(chosen.steps):
        if chosen.time_limit is not None and time.perf_counter() - started >= chosen.time_limit:
            break
        gamma = chosen.gamma_start * ratio**step
        follower, penalised = _inner(upper, lower, x.detach(), gamma)
        for _ in range(chosen.inner_steps):
            z, step_z = _descend(follower, z, step_z)
            y, step_y = _descend(penalised, y, step_y)
        optimiser.zero_grad()
        leader = upper(x, y.detach())
        penalty = gamma * (lower(x, y.detach()) - lower(x, z.detach()))
        (leader + penalty).backward()
        optimiser.step()
        if x_bounds is not None:
            with torch.no_grad():
                x.clamp_(x_bounds[0], x_bounds[1])
        done = step + 1
        history.append((time.perf_counter() - started, gamma, float(leader.detach())))
    return PenaltyResult(x=x.detach(), y=y.detach(), z=z.detach(), steps=done,
                         seconds=time.perf_counter() - started, history=history)


def _inner(upper: Objective, lower: Objective, x: Any, gamma: float) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The two inner objectives at a fixed ``x``: ``g(x, .)`` and ``f(x, .)/gamma + g(x, .)``."""

    def follower(v: Any) -> Any:
        return lower(x, v)

    def penalised(v: Any) -> Any:
        return upper(x, v) / gamma + lower(x, v)

    return follower, penalised


def _descend(objective: Callable[[Any], Any], v: Any, step: float) -> tuple[Any, float]:
    """One gradient step on ``v`` with a backtracking (Armijo) step size, starting from twice ``step``."""
    import torch

    value = objective(v)
    (grad,) = torch.autograd.grad(value, v)
    squared = float(grad @ grad) if grad.dim() == 1 else float((grad * grad).sum())
    step = step * 2.0
    trial = v
    with torch.no_grad():
        for _ in range(40):
            trial = v - step * grad
            if float(objective(trial)) <= float(value) - 0.5 * step * squared:
                break
            step *= 0.5
    return trial.detach().requires_grad_(True), step
