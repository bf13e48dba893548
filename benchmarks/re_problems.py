"""Three engineering problems of the RE suite, normalised as the suite does, for the multi-objective benchmark.

After Tanabe & Ishibuchi, "An easy-to-use real-world multi-objective optimization problem suite",
Applied Soft Computing 89 (2020): RE21 (four-bar truss), RE33 (disc brake, constraint violation as a
third objective) and RE37 (rocket injector). Formulas from the paper's supplement and the suite's
repository (github.com/ryojitanabe/reproblems, RE21 with its 2020 fixes); written here, not copied.
Each objective is mapped to (f - ideal) / (nadir - ideal) with the suite's ideal and nadir points, so
the suite's hypervolume reference point is 1.1 in every objective. All objectives are minimised.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

REFERENCE = 1.1  # the suite's hypervolume reference point, in normalised objectives


@dataclass(frozen=True)
class REProblem:
    """A bound-constrained RE problem: raw objectives, bounds and the suite's ideal and nadir points."""

    name: str
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    ideal: tuple[float, ...]
    nadir: tuple[float, ...]
    raw: Callable[[np.ndarray], np.ndarray]
    suite_front_hypervolume: float  # of the suite's approximated front, normalised, reference 1.1

    def __post_init__(self) -> None:
        if len(self.lower) != len(self.upper) or any(lo >= hi for lo, hi in zip(self.lower, self.upper, strict=True)):
            raise ValueError(f"`lower < upper` must hold in every variable, got {self.lower=}, {self.upper=}")
        if len(self.ideal) != len(self.nadir) or any(i >= n for i, n in zip(self.ideal, self.nadir, strict=True)):
            raise ValueError(f"`ideal < nadir` must hold in every objective, got {self.ideal=}, {self.nadir=}")

    @property
    def dim(self) -> int:
        return len(self.lower)

    @property
    def num_objectives(self) -> int:
        return len(self.ideal)

    @property
    def bounds(self) -> np.ndarray:
        """Lower and upper bounds, shape (2, dim)."""
        return np.array([self.lower, self.upper], dtype=float)

    @property
    def ref_point(self) -> np.ndarray:
        """The suite's hypervolume reference point in normalised objectives, shape (num_objectives,)."""
        return np.full(self.num_objectives, REFERENCE)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Normalised objectives of the points ``x`` (n, dim) or (dim,): shape (n, num_objectives) or (num_objectives,)."""
        points = np.atleast_2d(np.asarray(x, dtype=float))
        if points.shape[-1] != self.dim:
            raise ValueError(f"{self.name} takes {self.dim} variables, got points of shape {points.shape}")
        ideal, nadir = np.array(self.ideal), np.array(self.nadir)
        values = (self.raw(points) - ideal) / (nadir - ideal)
        return values if np.ndim(x) > 1 else values[0]


def _four_bar_truss(x: np.ndarray) -> np.ndarray:
    """RE21: structural volume and joint displacement of a four-bar truss (F = 10, E = 2e5, L = 200)."""
    force, modulus, length = 10.0, 2e5, 200.0
    a1, a2, a3, a4 = x.T
    root2 = math.sqrt(2.0)
    volume = length * (2 * a1 + root2 * a2 + np.sqrt(a3) + a4)
    displacement = force * length / modulus * (2 / a1 + 2 * root2 / a2 - 2 * root2 / a3 + 2 / a4)
    return np.column_stack([volume, displacement])


def _disc_brake(x: np.ndarray) -> np.ndarray:
    """RE33: brake mass, stopping time and the summed violation of the four design constraints."""
    inner, outer, force, faces = x.T
    area = outer**2 - inner**2  # times pi, in the formulas below
    cubes = outer**3 - inner**3
    mass = 4.9e-5 * area * (faces - 1)
    stopping_time = 9.82e6 * area / (force * faces * cubes)
    slack = np.column_stack([
        outer - inner - 20.0,  # minimum distance between the radii
        0.4 - force / (3.14 * area),  # maximum pressure
        1.0 - 2.22e-3 * force * cubes / area**2,  # maximum temperature
        2.66e-2 * force * faces * cubes / area - 900.0,  # minimum braking torque
    ])
    violation = np.clip(-slack, 0.0, None).sum(axis=1)
    return np.column_stack([mass, stopping_time, violation])


# RE37's three objectives are cubic response surfaces fitted to CFD runs; each term is
# (coefficient, powers of alpha, dHA, dOA, OPTT).
_INJECTOR_SURFACES: tuple[tuple[tuple[float, tuple[int, int, int, int]], ...], ...] = (
    (  # TF_max, maximum temperature of the injector face
        (0.692, (0, 0, 0, 0)), (0.477, (1, 0, 0, 0)), (-0.687, (0, 1, 0, 0)), (-0.080, (0, 0, 1, 0)),
        (-0.0650, (0, 0, 0, 1)), (-0.167, (2, 0, 0, 0)), (-0.0129, (1, 1, 0, 0)), (0.0796, (0, 2, 0, 0)),
        (-0.0634, (1, 0, 1, 0)), (-0.0257, (0, 1, 1, 0)), (0.0877, (0, 0, 2, 0)), (-0.0521, (1, 0, 0, 1)),
        (0.00156, (0, 1, 0, 1)), (0.00198, (0, 0, 1, 1)), (0.0184, (0, 0, 0, 2)),
    ),
    (  # X_cc, distance from the inlet
        (0.153, (0, 0, 0, 0)), (-0.322, (1, 0, 0, 0)), (0.396, (0, 1, 0, 0)), (0.424, (0, 0, 1, 0)),
        (0.0226, (0, 0, 0, 1)), (0.175, (2, 0, 0, 0)), (0.0185, (1, 1, 0, 0)), (-0.0701, (0, 2, 0, 0)),
        (-0.251, (1, 0, 1, 0)), (0.179, (0, 1, 1, 0)), (0.0150, (0, 0, 2, 0)), (0.0134, (1, 0, 0, 1)),
        (0.0296, (0, 1, 0, 1)), (0.0752, (0, 0, 1, 1)), (0.0192, (0, 0, 0, 2)),
    ),
    (  # TT_max, maximum temperature at the post tip
        (0.370, (0, 0, 0, 0)), (-0.205, (1, 0, 0, 0)), (0.0307, (0, 1, 0, 0)), (0.108, (0, 0, 1, 0)),
        (1.019, (0, 0, 0, 1)), (-0.135, (2, 0, 0, 0)), (0.0141, (1, 1, 0, 0)), (0.0998, (0, 2, 0, 0)),
        (0.208, (1, 0, 1, 0)), (-0.0301, (0, 1, 1, 0)), (-0.226, (0, 0, 2, 0)), (0.353, (1, 0, 0, 1)),
        (-0.0497, (0, 0, 1, 1)), (-0.423, (0, 0, 0, 2)), (0.202, (2, 1, 0, 0)), (-0.281, (2, 0, 1, 0)),
        (-0.342, (1, 2, 0, 0)), (-0.245, (0, 2, 1, 0)), (0.281, (0, 1, 2, 0)), (-0.184, (1, 0, 0, 2)),
        (-0.281, (1, 1, 1, 0)),
    ),
)


def _rocket_injector(x: np.ndarray) -> np.ndarray:
    """RE37: the three response surfaces of a single-element rocket injector at the points ``x`` (n, 4)."""
    columns = []
    for surface in _INJECTOR_SURFACES:
        coefficients = np.array([c for c, _ in surface])
        powers = np.array([p for _, p in surface])  # (terms, 4)
        columns.append(np.prod(x[:, None, :] ** powers[None], axis=2) @ coefficients)
    return np.column_stack(columns)


_SQRT2 = math.sqrt(2.0)
# Ideal and nadir points: the suite's ideal_nadir_points/*.dat. RE21's nadir is the one its repository
# files as bug_nadir_point_RE21.dat: it is the corner of the suite's current (fixed) RE21 front, which the
# file named nadir_point_RE21.dat, (2086.37, 0.00341), is not; the PSL papers use it too.
RE_PROBLEMS: dict[str, REProblem] = {
    "RE21": REProblem("RE21", lower=(1.0, _SQRT2, _SQRT2, 1.0), upper=(3.0, 3.0, 3.0, 3.0),
                      ideal=(1237.8414230005742, 0.002761423749158419), nadir=(2886.3695604236013, 0.039999999999998245),
                      raw=_four_bar_truss, suite_front_hypervolume=0.8885553882128158),
    "RE33": REProblem("RE33", lower=(55.0, 75.0, 1000.0, 11.0), upper=(80.0, 110.0, 3000.0, 20.0),
                      ideal=(-0.721525, 1.13907203907, 0.0), nadir=(5.3067, 3.12833430979, 25.0),
                      raw=_disc_brake, suite_front_hypervolume=1.0143137404645208),
    "RE37": REProblem("RE37", lower=(0.0, 0.0, 0.0, 0.0), upper=(1.0, 1.0, 1.0, 1.0),
                      ideal=(0.00889341391106, 0.00488, -0.431499999825),
                      nadir=(0.98949120096, 0.956587924661, 0.987530948586),
                      raw=_rocket_injector, suite_front_hypervolume=0.8471959081902015),
}
