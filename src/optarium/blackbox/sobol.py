"""Initial designs: a scrambled Sobol sequence and plain uniform random search.

The Sobol points are those of ``scipy.stats.qmc.Sobol(d, scramble=True)`` (Joe and Kuo's
direction numbers, "Constructing Sobol sequences with better two-dimensional
projections", SIAM J. Sci. Comput. 2008; linear matrix scrambling and a digital shift,
Owen's LMS+shift): the same points for the same seed, generated here in numpy because
importing ``scipy.stats`` costs more than a whole ask from the shell. The direction
numbers are read from scipy's own data file.

The Sobol sampler continues the sequence at the number of trials already in the study,
so concurrent workers (whose asks the study serialises) never get the same points.
On small discrete spaces both samplers skip points already tried or pending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optarium.blackbox.base import History, Suggestion

if TYPE_CHECKING:
    import numpy as np

_DEDUP_MAX_CARDINALITY = 1e6
_BITS = 30
_DIRECTION_NUMBERS: dict[str, np.ndarray] = {}


class SobolSampler:
    """Scrambled Sobol points (seeded); the first point is the study's first trial."""

    name = "sobol"

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        import numpy as np

        engine = ScrambledSobol(history.space.dim, np.random.default_rng([history.seed, 7]))
        position = len(history.trials)
        seen = _seen(history)
        out: list[Suggestion] = []
        while len(out) < n:
            count = max(n - len(out), 1)
            batch = engine.points(position, count)
            position += count
            for point in batch:
                if _fresh(history, point, seen):
                    out.append(Suggestion(point, {}))
                if len(out) == n:
                    break
        return out


class ScrambledSobol:
    """Points ``start, start + 1, ...`` of the scrambled Sobol sequence in ``[0, 1)^dim``, as
    ``scipy.stats.qmc.Sobol(dim, scramble=True, rng=rng)`` draws them."""

    def __init__(self, dim: int, rng: np.random.Generator):
        import numpy as np

        if dim < 1:
            raise ValueError(f"`dim >= 1` must hold, got {dim=}")
        # scipy's engine scrambles with a child of the generator it is given.
        child = np.random.Generator(type(rng.bit_generator)(rng.bit_generator.seed_seq.spawn(1)[0]))  # type: ignore[attr-defined]
        shift_bits = child.integers(2, size=(dim, _BITS), dtype=np.uint32)
        self.shift = (shift_bits.astype(np.uint64) @ (np.uint64(1) << np.arange(_BITS, dtype=np.uint64))).astype(np.uint64)
        scramble = np.tril(child.integers(2, size=(dim, _BITS, _BITS), dtype=np.uint32))
        self.directions = _scrambled(_directions(dim), scramble)  # (dim, bits)

    def points(self, start: int, count: int) -> np.ndarray:
        """Rows ``start .. start + count - 1`` of the sequence, shape (count, dim)."""
        import numpy as np

        index = np.arange(start, start + count, dtype=np.uint64)
        gray = index ^ (index >> np.uint64(1))
        quasi = np.broadcast_to(self.shift, (count, len(self.shift))).copy()
        for bit in range(_BITS):
            on = ((gray >> np.uint64(bit)) & np.uint64(1)).astype(bool)
            quasi[on] ^= self.directions[:, bit]
        return quasi.astype(np.float64) / float(2**_BITS)


def _directions(dim: int) -> np.ndarray:
    """Direction numbers (dim, bits) by the recurrence of Bratley and Fox (Algorithm 659), unscrambled."""
    import numpy as np

    if "poly" not in _DIRECTION_NUMBERS:
        from importlib.util import find_spec
        from pathlib import Path

        spec = find_spec("scipy")
        assert spec is not None and spec.origin is not None
        with np.load(Path(spec.origin).parent / "stats" / "_sobol_direction_numbers.npz") as data:
            _DIRECTION_NUMBERS["poly"], _DIRECTION_NUMBERS["vinit"] = data["poly"].astype(np.int64), data["vinit"].astype(np.int64)
    poly, vinit = _DIRECTION_NUMBERS["poly"], _DIRECTION_NUMBERS["vinit"]
    if dim > len(poly):
        raise ValueError(f"`dim <= {len(poly)}` must hold for a Sobol sequence, got {dim=}")
    v = np.zeros((dim, _BITS), dtype=np.int64)
    v[0, :] = 1
    for d in range(1, dim):
        p = int(poly[d])
        m = p.bit_length() - 1
        v[d, :m] = vinit[d, :m]
        for j in range(m, _BITS):
            new = int(v[d, j - m])
            for k in range(m):
                if (p >> (m - 1 - k)) & 1:
                    new ^= int(v[d, j - k - 1]) << (k + 1)
            v[d, j] = new
    return (v << np.arange(_BITS - 1, -1, -1, dtype=np.int64)).astype(np.uint64)


def _scrambled(directions: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Left linear matrix scramble: each direction number times a random unit lower-triangular
    bit matrix ``lower`` (dim, bits, bits) over GF(2), its row p giving output bit ``bits - 1 - p``."""
    import numpy as np

    lower = lower.astype(np.int64)
    lower[:, np.arange(_BITS), np.arange(_BITS)] = 1
    # bit k (from the least significant) of each direction number, (dim, bits, k)
    bits = ((directions[:, :, None] >> np.arange(_BITS, dtype=np.uint64)) & np.uint64(1)).astype(np.int64)
    # row p of the matrix read as a number has column i at bit bits - 1 - i: bit k is column bits - 1 - k
    rows = lower[:, :, ::-1]  # (dim, p, k)
    parity = np.einsum("dpk,djk->djp", rows, bits) % 2  # (dim, j, p)
    weights = np.uint64(1) << np.arange(_BITS - 1, -1, -1, dtype=np.uint64)  # p -> 2^(bits - 1 - p)
    return (parity.astype(np.uint64) * weights).sum(axis=2).astype(np.uint64)


class RandomSampler:
    """Uniform random points in the unit cube (seeded per ask)."""

    name = "random"

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        rng = history.rng(11)
        seen = _seen(history)
        out: list[Suggestion] = []
        while len(out) < n:
            point = rng.random(history.space.dim)
            if _fresh(history, point, seen):
                out.append(Suggestion(point, {}))
        return out


def _seen(history: History) -> set[tuple[float, ...]] | None:
    """Snapped points already in the study, for small discrete spaces (else ``None``)."""
    space = history.space
    if not space.is_discrete or space.cardinality() > _DEDUP_MAX_CARDINALITY:
        return None
    if len(history.trials) >= space.cardinality():
        return None
    return {tuple(space.snap(_array(t.point))) for t in history.trials if t.point}


def _fresh(history: History, point: np.ndarray, seen: set[tuple[float, ...]] | None) -> bool:
    if seen is None:
        return True
    key = tuple(history.space.snap(point))
    if key in seen or len(seen) >= history.space.cardinality():
        return len(seen) >= history.space.cardinality()
    seen.add(key)
    return True


def _array(values: tuple[float, ...] | list[float]) -> np.ndarray:
    import numpy as np

    return np.asarray(values, dtype=float)
