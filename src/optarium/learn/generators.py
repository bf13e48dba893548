"""Seeded instance families at graded difficulty, and writing a batch of them as MPS files with a manifest.

``generate(family, seed, difficulty, **sizes)`` returns one ``MathProgram``;
``write_instances(family, out, n, seed, difficulty)`` writes ``n`` MPS files and
``manifest.json`` (each file's own seed, so any file can be made again).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram

DIFFICULTIES = ("easy", "medium", "hard")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Family:
    """A named family: ``build(rng, **sizes)`` and the sizes of each difficulty level."""

    name: str
    description: str
    builder: str  # name of the builder in optarium.learn.families (imported on first use)
    sizes: Mapping[str, Mapping[str, Any]]

    def __post_init__(self) -> None:
        if tuple(self.sizes) != DIFFICULTIES:
            raise ValueError(f"`sizes` must give {DIFFICULTIES}, got {tuple(self.sizes)}")

    def build(self) -> Callable[..., MathProgram]:
        from optarium.learn import families

        builder: Callable[..., MathProgram] = getattr(families, self.builder)
        return builder


FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add a family to the registry; a second family with the same name is refused."""
    if family.name in FAMILIES:
        raise ValueError(f"a family named {family.name!r} is already registered")
    FAMILIES[family.name] = family
    return family


def _levels(*levels: dict[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType(dict(zip(DIFFICULTIES, (MappingProxyType(level) for level in levels), strict=True)))


register(Family(
    "set_cover", "Balas & Ho set cover, density 0.05 (rows scale with difficulty)", "set_cover",
    _levels({"n_rows": 150, "n_cols": 1000, "density": 0.05}, {"n_rows": 200, "n_cols": 1000, "density": 0.05},
            {"n_rows": 500, "n_cols": 1000, "density": 0.05}),
))
register(Family(
    "combinatorial_auction", "Leyton-Brown arbitrary-relationships combinatorial auction (items x bids)",
    "combinatorial_auction",
    _levels({"n_items": 200, "n_bids": 1000}, {"n_items": 300, "n_bids": 1500}, {"n_items": 400, "n_bids": 2000}),
))
register(Family(
    "facility_location", "Cornuejols et al. capacitated facility location, capacity ratio 5", "facility_location",
    _levels({"n_customers": 30, "n_facilities": 30}, {"n_customers": 60, "n_facilities": 60},
            {"n_customers": 100, "n_facilities": 100}),
))
register(Family(
    "independent_set", "maximum independent set on Barabasi-Albert graphs (affinity 4), clique inequalities",
    "independent_set",
    _levels({"n_nodes": 175, "affinity": 4}, {"n_nodes": 500, "affinity": 4}, {"n_nodes": 750, "affinity": 4}),
))
register(Family(
    "multiple_knapsack", "multiple knapsack, weakly correlated profits (items x knapsacks)", "multiple_knapsack",
    _levels({"n_items": 20, "n_knapsacks": 2}, {"n_items": 25, "n_knapsacks": 3},
            {"n_items": 30, "n_knapsacks": 3}),
))
register(Family(
    "generalized_independent_set", "generalized independent set on Erdos-Renyi graphs (p 0.3, 25% removable edges)",
    "generalized_independent_set",
    _levels({"n_nodes": 40, "edge_prob": 0.3}, {"n_nodes": 60, "edge_prob": 0.3}, {"n_nodes": 90, "edge_prob": 0.3}),
))


def family(name: str) -> Family:
    """The registered family called ``name``."""
    if name not in FAMILIES:
        raise OptionError("family", name, f"one of {', '.join(sorted(FAMILIES))}")
    return FAMILIES[name]


def sizes(name: str, difficulty: str = "easy", **overrides: Any) -> dict[str, Any]:
    """The size parameters of ``difficulty`` for the family, with ``overrides`` on top."""
    chosen = family(name)
    if difficulty not in DIFFICULTIES:
        raise OptionError("difficulty", difficulty, f"one of {', '.join(DIFFICULTIES)}")
    unknown = set(overrides) - set(chosen.sizes[difficulty])
    if unknown:
        raise OptionError("sizes", sorted(unknown), f"among {sorted(chosen.sizes[difficulty])}")
    return {**chosen.sizes[difficulty], **overrides}


def generate(name: str, seed: int, difficulty: str = "easy", **overrides: Any) -> MathProgram:
    """One instance of family ``name``: the same seed and sizes give the same program."""
    import numpy as np

    params = sizes(name, difficulty, **overrides)
    program = family(name).build()(np.random.default_rng(seed), **params)
    return program


def instance_seeds(seed: int, n: int) -> list[int]:
    """The seeds of ``n`` files made from ``seed``; batches from different seeds do not share files."""
    import numpy as np

    return [int(np.random.SeedSequence([seed, index]).generate_state(1)[0]) for index in range(n)]


def _check_out(out: Path, name: str, difficulty: str) -> dict[str, Any] | None:
    if out.exists() and not out.is_dir():
        raise OptionError("out", str(out), "a folder (it is a file)")
    manifest = out / MANIFEST
    if not manifest.exists():
        return None
    try:
        existing = json.loads(manifest.read_text())
    except (OSError, ValueError):
        raise OptionError("out", str(out), f"a folder with a readable {MANIFEST}") from None
    if not isinstance(existing, dict) or (existing.get("family"), existing.get("difficulty")) != (name, difficulty):
        found = existing.get("family") if isinstance(existing, dict) else None
        level = existing.get("difficulty") if isinstance(existing, dict) else None
        raise OptionError("out", str(out), f"empty or a folder of {name} ({difficulty}); it holds {found} ({level})")
    return existing


def write_instances(name: str, out: str | os.PathLike[str], n: int, seed: int = 0, difficulty: str = "easy") -> dict[str, Any]:
    """Write ``n`` instances as MPS files into ``out`` and return the manifest written beside them.

    Files are made in a temporary folder and moved in only when all were
    written; the manifest comes last. A folder holding another family's (or
    difficulty's) manifest is refused; one holding the same is added to.
    """
    from optarium import __version__
    from optarium.problem.io import write_problem

    params = sizes(name, difficulty)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise OptionError("n", n, "a positive integer")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise OptionError("seed", seed, "a non-negative integer")
    target = Path(out)
    existing = _check_out(target, name, difficulty)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    staging = Path(tempfile.mkdtemp(prefix=".generate-", dir=parent))
    try:
        for index, file_seed in enumerate(instance_seeds(seed, n)):
            program = generate(name, file_seed, difficulty)
            file = f"{name}_{difficulty}_s{seed}_{index:04d}.mps"
            write_problem(program, staging / file)
            entries.append({
                "file": file, "seed": file_seed, "variables": program.n_vars, "constraints": program.n_cons,
                "nonzeros": int(program.A.nnz),
            })
        target.mkdir(exist_ok=True)
        for entry in entries:
            os.replace(staging / entry["file"], target / entry["file"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    kept = [item for item in (existing or {}).get("instances", []) if item.get("file") not in {e["file"] for e in entries}]
    manifest = {
        "family": name, "difficulty": difficulty, "description": family(name).description, "sizes": params,
        "seed": seed, "optarium_version": __version__, "instances": kept + entries,
    }
    scratch = target / f".{MANIFEST}.tmp"
    scratch.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(scratch, target / MANIFEST)
    return manifest


def listing() -> list[dict[str, Any]]:
    """Every family with its description and the sizes of each difficulty."""
    return [
        {"family": f.name, "description": f.description, "sizes": {level: dict(f.sizes[level]) for level in DIFFICULTIES}}
        for f in FAMILIES.values()
    ]
