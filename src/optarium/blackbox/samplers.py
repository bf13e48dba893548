"""The registry of samplers by name; a duplicate name is rejected."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from optarium.errors import OptionError

if TYPE_CHECKING:
    from optarium.blackbox.base import Sampler

_REGISTRY: dict[str, str] = {}
# samplers for studies with two or more objectives (``auto``, ``sobol`` and ``random`` take those too)
MULTI_OBJECTIVE = ("ehvi", "parego", "nsga2")


def register(name: str, target: str) -> None:
    """Register ``module:Class`` under ``name`` (imported only when first used)."""
    if name in _REGISTRY:
        raise ValueError(f"a sampler named {name!r} is already registered ({_REGISTRY[name]})")
    _REGISTRY[name] = target


for _name, _target in (
    ("auto", "optarium.blackbox.auto:AutoSampler"),
    ("sobol", "optarium.blackbox.sobol:SobolSampler"),
    ("random", "optarium.blackbox.sobol:RandomSampler"),
    ("gp", "optarium.blackbox.gp:GPSampler"),
    ("cmaes", "optarium.blackbox.cmaes:CmaEsSampler"),
    ("cbo", "optarium.blackbox.cbo:CBOSampler"),
    ("zo_rank", "optarium.blackbox.zo_rank:ZORankSampler"),
    ("ehvi", "optarium.blackbox.ehvi:EHVISampler"),
    ("parego", "optarium.blackbox.parego:ParEGOSampler"),
    ("nsga2", "optarium.blackbox.nsga2:NSGA2Sampler"),
):
    register(_name, _target)


def sampler_names() -> list[str]:
    return list(_REGISTRY)


def get_sampler(name: str) -> Sampler:
    """A fresh sampler instance by name; :class:`OptionError` naming the choices otherwise."""
    if name not in _REGISTRY:
        raise OptionError("sampler", name, "one of " + ", ".join(_REGISTRY))
    module, attribute = _REGISTRY[name].split(":")
    sampler: Sampler = getattr(importlib.import_module(module), attribute)()
    return sampler
