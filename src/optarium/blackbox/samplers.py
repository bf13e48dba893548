"""The registry of samplers by name; a duplicate name is rejected."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from optarium.errors import OptionError

if TYPE_CHECKING:
    from optarium.blackbox.base import Sampler

_REGISTRY: dict[str, str] = {}
_READS: dict[str, str] = {}  # per sampler: what it reads of each trial ("all", or "points": number, state and point)
# samplers for studies with two or more objectives (``auto``, ``sobol`` and ``random`` take those too)
MULTI_OBJECTIVE = ("ehvi", "parego", "nsga2")


def register(name: str, target: str, reads: str = "all") -> None:
    """Register ``module:Class`` under ``name`` (imported only when first used).

    ``reads="points"`` says the sampler uses only each trial's number, state and point (the count of
    trials and the points already tried), so an ask reads no more of a long study than those."""
    if name in _REGISTRY:
        raise ValueError(f"a sampler named {name!r} is already registered ({_REGISTRY[name]})")
    if reads not in ("all", "points"):
        raise ValueError(f"`reads` must be 'all' or 'points', got {reads!r}")
    _REGISTRY[name] = target
    _READS[name] = reads


# the initial designs use only where each trial is: the count of trials and, on small discrete spaces, the points tried
for _name, _target, _reads in (
    ("auto", "optarium.blackbox.auto:AutoSampler", "all"),
    ("sobol", "optarium.blackbox.sobol:SobolSampler", "points"),
    ("random", "optarium.blackbox.sobol:RandomSampler", "points"),
    ("gp", "optarium.blackbox.gp:GPSampler", "all"),
    ("cmaes", "optarium.blackbox.cmaes:CmaEsSampler", "all"),
    ("cbo", "optarium.blackbox.cbo:CBOSampler", "all"),
    ("zo_rank", "optarium.blackbox.zo_rank:ZORankSampler", "all"),
    ("ehvi", "optarium.blackbox.ehvi:EHVISampler", "all"),
    ("parego", "optarium.blackbox.parego:ParEGOSampler", "all"),
    ("nsga2", "optarium.blackbox.nsga2:NSGA2Sampler", "all"),
):
    register(_name, _target, _reads)


def sampler_names() -> list[str]:
    return list(_REGISTRY)


def sampler_reads(name: str) -> str:
    """What the sampler ``name`` reads of each trial: ``"all"`` or ``"points"`` (see :func:`register`)."""
    return _READS.get(name, "all")


def get_sampler(name: str) -> Sampler:
    """A fresh sampler instance by name; :class:`OptionError` naming the choices otherwise."""
    if name not in _REGISTRY:
        raise OptionError("sampler", name, "one of " + ", ".join(_REGISTRY))
    module, attribute = _REGISTRY[name].split(":")
    sampler: Sampler = getattr(importlib.import_module(module), attribute)()
    return sampler
