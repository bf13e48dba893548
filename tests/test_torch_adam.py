"""optarium's own Adam: the same steps as torch's to the last bit, without importing torch._dynamo."""

from __future__ import annotations

import numpy as np
import pytest

from optarium.blackbox import offline
from optarium.blackbox.gp import Encoder
from optarium.blackbox.space import Space
from optarium.torch_adam import Adam


class TorchAdam:
    """torch's Adam step behind the interface of optarium's Adam (step, then the grads cleared).

    ``_single_tensor_adam`` is what ``torch.optim.Adam.step`` runs for CPU tensors (its foreach
    and fused paths are for accelerators); called directly, it does not import ``torch._dynamo``.
    As ``torch.optim.Adam``, it steps only the parameters that have a grad, each with its own count.
    """

    def __init__(self, params: list, lr: float, weight_decay: float = 0.0) -> None:
        import torch

        self.params, self.lr, self.weight_decay = list(params), lr, weight_decay
        self.first = [torch.zeros_like(p) for p in self.params]
        self.second = [torch.zeros_like(p) for p in self.params]
        self.steps = [torch.tensor(0.0) for _ in self.params]

    def zero_grad(self) -> None:
        for param in self.params:
            param.grad = None

    def step(self) -> None:
        import torch
        from torch.optim.adam import _single_tensor_adam

        held = [i for i, p in enumerate(self.params) if p.grad is not None]
        with torch.no_grad():
            _single_tensor_adam([self.params[i] for i in held], [self.params[i].grad for i in held],
                                [self.first[i] for i in held], [self.second[i] for i in held], [],
                                [self.steps[i] for i in held], None, None, amsgrad=False, has_complex=False,
                                beta1=0.9, beta2=0.999, lr=self.lr, weight_decay=self.weight_decay, eps=1e-8,
                                maximize=False, capturable=False, differentiable=False, decoupled_weight_decay=False)
        self.zero_grad()


def trained(optimiser_class: type, *, lr: float = 3e-3, weight_decay: float = 0.0, dtype: str = "float64",
            frozen_steps: int = 0) -> list:
    """A small net's parameters after 40 steps; its first layer has no grad for the first ``frozen_steps``."""
    import torch

    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.SiLU(), torch.nn.Linear(8, 1)).to(getattr(torch, dtype))
    x = torch.rand(20, 3, generator=torch.Generator().manual_seed(4)).to(getattr(torch, dtype))
    optimiser = optimiser_class(list(net.parameters()), lr=lr, weight_decay=weight_decay)
    for step in range(40):  # IGNITE's loss: the gradient's norm enters it, so backward runs through a graph of grads
        net[0].requires_grad_(step >= frozen_steps)
        optimiser.zero_grad()
        loss = (net(x).squeeze(-1) - x.sum(1)).pow(2).mean()
        grads = torch.autograd.grad(loss, [p for p in net.parameters() if p.requires_grad], create_graph=True)
        (loss + 0.1 * torch.sqrt(sum(g.pow(2).sum() for g in grads))).backward()
        optimiser.step()
    return [p.detach().clone() for p in net.parameters()]


@pytest.mark.parametrize(("weight_decay", "dtype"), [(0.0, "float64"), (1e-4, "float64"), (0.0, "float32")])
def test_adam_takes_the_same_steps_as_torch_adam_to_the_last_bit(weight_decay: float, dtype: str) -> None:
    import torch

    ours = trained(Adam, weight_decay=weight_decay, dtype=dtype)
    theirs = trained(TorchAdam, weight_decay=weight_decay, dtype=dtype)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))
    other = trained(Adam, lr=1e-3, weight_decay=weight_decay, dtype=dtype)
    assert not torch.equal(ours[0], other[0])  # the comparison sees a different step


def test_a_parameter_without_a_grad_keeps_its_value_and_step_count_as_in_torch() -> None:
    import torch

    ours, theirs = trained(Adam, frozen_steps=15), trained(TorchAdam, frozen_steps=15)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))
    assert not torch.equal(ours[0], trained(Adam)[0])


def test_the_ignite_ensemble_predicts_the_same_with_optarium_adam_as_with_torch_adam(monkeypatch: pytest.MonkeyPatch) -> None:
    space = Space.from_dict({"x": {"type": "float", "low": 0, "high": 1}, "kind": {"type": "categorical", "choices": ["a", "b"]}})
    encoder = Encoder(space)
    rng = np.random.default_rng(2)
    points = encoder.snap(rng.random((16, 2)))
    target = points[:, 0] - points[:, 1]
    probe = encoder.features(rng.random((50, 2)))
    ours = offline._ensemble(encoder, points, target, seed=5, epochs=30)(probe)
    monkeypatch.setattr(offline, "Adam", TorchAdam)
    assert np.array_equal(ours, offline._ensemble(encoder, points, target, seed=5, epochs=30)(probe))


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"lr": -0.1}, r"`lr >= 0` must hold, got lr=-0.1"),
    ({"lr": float("nan")}, r"`lr >= 0` must hold, got lr=nan"),
    ({"lr": 0.1, "weight_decay": -1.0}, r"`weight_decay >= 0` must hold, got weight_decay=-1.0"),
    ({"lr": 0.1, "betas": (0.9, 1.0)}, r"`0 <= beta < 1` must hold for both betas, got betas=\(0.9, 1.0\)"),
])
def test_bad_settings_name_the_value(kwargs: dict, expected: str) -> None:
    import torch

    with pytest.raises(ValueError, match=expected):
        Adam([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match="`params` must hold at least one tensor"):
        Adam([], lr=0.1)

