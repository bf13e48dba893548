"""The parameters worth tuning for each math backend, as black-box search spaces.

Each entry is a :class:`Tunable`: the backend's name, a
:class:`~optarium.blackbox.space.Space` over parameters the backend accepts
through ``optarium.solve(..., **params)``, and the backend's own defaults for
them (so a tuned configuration can be told apart from the default). Spaces are
registered by backend name; a second one for the same backend is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError

if TYPE_CHECKING:
    from optarium.blackbox.space import Space


@dataclass(frozen=True)
class Tunable:
    """A backend's tunable parameters: their space and the backend's defaults."""

    solver: str
    definition: dict[str, dict[str, Any]]
    defaults: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        space = self.space()
        missing = sorted(set(space.names) - set(self.defaults))
        if missing:
            raise ValueError(f"`defaults` must give every parameter of the space, missing {missing}")
        space.encode(self.defaults)  # a default outside the space is refused here, naming it

    def space(self) -> Space:
        from optarium.blackbox.space import Space

        return Space.from_dict(self.definition)

    def changed(self, params: dict[str, Any]) -> dict[str, Any]:
        """The parameters of ``params`` that differ from the backend's defaults."""
        return {key: value for key, value in params.items() if self.defaults.get(key, object()) != value}


_SPACES: dict[str, Callable[[], Tunable]] = {}


def register(solver: str, build: Callable[[], Tunable]) -> None:
    """Register the tunable space of ``solver`` (built when first asked for)."""
    if solver in _SPACES:
        raise ValueError(f"a tunable space for {solver!r} is already registered")
    _SPACES[solver] = build


def tunable(solver: str) -> Tunable:
    """The tunable space of ``solver``; :class:`OptionError` naming those there are otherwise."""
    if solver not in _SPACES:
        raise OptionError("solver", solver, f"one of {', '.join(sorted(_SPACES))}")
    return _SPACES[solver]()


def solvers() -> list[str]:
    return sorted(_SPACES)


def _highs() -> Tunable:
    # MIP search settings of HiGHS that change how fast a family solves, not what answer is optimal
    return Tunable(
        "highs",
        {
            "presolve": {"type": "categorical", "choices": ["choose", "off"]},
            "mip_heuristic_effort": {"type": "float", "low": 0.0, "high": 0.3},
            "mip_detect_symmetry": {"type": "categorical", "choices": [True, False]},
            "simplex_strategy": {"type": "categorical", "choices": [1, 4]},
            "mip_pscost_minreliable": {"type": "int", "low": 0, "high": 16},
            "mip_lp_age_limit": {"type": "int", "low": 1, "high": 30},
            "mip_heuristic_run_rins": {"type": "categorical", "choices": [True, False]},
            "mip_heuristic_run_rens": {"type": "categorical", "choices": [True, False]},
            "mip_heuristic_run_root_reduced_cost": {"type": "categorical", "choices": [True, False]},
            "mip_allow_restart": {"type": "categorical", "choices": [True, False]},
        },
        {
            "presolve": "choose", "mip_heuristic_effort": 0.05, "mip_detect_symmetry": True, "simplex_strategy": 1,
            "mip_pscost_minreliable": 8, "mip_lp_age_limit": 10, "mip_heuristic_run_rins": True,
            "mip_heuristic_run_rens": True, "mip_heuristic_run_root_reduced_cost": True, "mip_allow_restart": True,
        },
    )


def _scip() -> Tunable:
    # SCIP's emphasis settings are not parameters; these are the parameters behind them
    return Tunable(
        "scip",
        {
            "heuristics/rins/freq": {"type": "categorical", "choices": [-1, 5, 15, 30]},
            "heuristics/feaspump/freq": {"type": "categorical", "choices": [-1, 10, 20, 40]},
            "separating/maxrounds": {"type": "categorical", "choices": [-1, 0, 1, 5]},
            "separating/maxroundsroot": {"type": "categorical", "choices": [-1, 0, 5, 20]},
            "presolving/maxrounds": {"type": "categorical", "choices": [-1, 0, 5]},
            "branching/scorefunc": {"type": "categorical", "choices": ["p", "s", "q"]},
            "branching/relpscost/maxreliable": {"type": "float", "low": 1.0, "high": 16.0},
            "conflict/enable": {"type": "categorical", "choices": [True, False]},
        },
        {
            "heuristics/rins/freq": 15, "heuristics/feaspump/freq": 20, "separating/maxrounds": -1,
            "separating/maxroundsroot": -1, "presolving/maxrounds": -1, "branching/scorefunc": "p",
            "branching/relpscost/maxreliable": 5.0, "conflict/enable": True,
        },
    )


register("highs", _highs)
register("scip", _scip)
