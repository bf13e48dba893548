"""Adam for optarium's small CPU networks, without the start-up cost of ``torch.optim``.

Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015), step for step as
``torch.optim.Adam``'s single-tensor path (the one it takes for CPU tensors). We depart only
in leaving out its options no optarium method uses (amsgrad, maximize, decoupled weight
decay, param groups, learning-rate schedules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    import torch


class Adam:
    """Adam with L2 ``weight_decay`` as ``torch.optim.Adam``, the same steps to the last bit.

    It exists because ``torch.optim`` imports ``torch._dynamo`` when a process makes its first
    optimiser, which costs more than training most of optarium's networks (numbers in
    benchmarks/results/offline_propose_startup.json and torch_adam_startup_*.json).
    :meth:`step` uses and clears each parameter's ``grad``; a parameter without one is left
    alone and its step count stays, as in torch.
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float, weight_decay: float = 0.0,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        import torch

        self.params = list(params)
        if not self.params:
            raise ValueError("`params` must hold at least one tensor, got none")
        if not lr >= 0.0:
            raise ValueError(f"`lr >= 0` must hold, got {lr=}")
        if not weight_decay >= 0.0:
            raise ValueError(f"`weight_decay >= 0` must hold, got {weight_decay=}")
        if not all(0.0 <= beta < 1.0 for beta in betas):
            raise ValueError(f"`0 <= beta < 1` must hold for both betas, got {betas=}")
        self.lr, self.weight_decay, self.betas, self.eps = lr, weight_decay, betas, eps
        self.first = [torch.zeros_like(p) for p in self.params]
        self.second = [torch.zeros_like(p) for p in self.params]
        self.steps = [0 for _ in self.params]

    def zero_grad(self) -> None:
        """Drop every parameter's ``grad`` (as ``torch.optim``'s ``zero_grad()`` does by default)."""
        for param in self.params:
            param.grad = None

    def step(self) -> None:
        """One Adam step on every parameter that has a ``grad``; the grads are cleared after."""
        import torch

        beta1, beta2 = self.betas
        with torch.no_grad():
            for index, (param, first, second) in enumerate(zip(self.params, self.first, self.second, strict=True)):
                grad = param.grad
                param.grad = None
                if grad is None:
                    continue
                self.steps[index] += 1
                steps = self.steps[index]
                if self.weight_decay != 0:
                    grad = grad.add(param, alpha=self.weight_decay)
                first.lerp_(grad, 1 - beta1)
                second.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bias_correction1 = 1 - beta1**steps
                bias_correction2_sqrt = (1 - beta2**steps) ** 0.5
                denom = (second.sqrt() / bias_correction2_sqrt).add_(self.eps)
                param.addcdiv_(first, denom, value=-(self.lr / bias_correction1))
