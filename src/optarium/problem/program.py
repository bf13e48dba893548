"""The canonical math program every solver backend, checker and store sees."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, overload

import numpy as np
import scipy.sparse as sp

from optarium.errors import InvalidModelError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

Sense = Literal["min", "max"]
INF = float("inf")
# Values at or beyond this magnitude mean "no bound" (the MPS/HiGHS convention).
INFINITE_BOUND = 1e20


# the key under which a problem read by HiGHS for a solve keeps the reader's HiGHS instance
# (model loaded) for the HiGHS backend to take once; it never travels to another process
READ_MODEL = "highs_read_model"

def _vector(name: str, values: ArrayLike | None, size: int, default: float) -> NDArray[np.float64]:
    if values is None:
        out = np.full(size, default, dtype=np.float64)
    else:
        out = np.array(values, dtype=np.float64)
        out = np.full(size, float(out)) if out.ndim == 0 else out.reshape(-1)
    if out.shape != (size,):
        raise InvalidModelError(f"`{name}` must have {size} entries, got {out.shape[0]}")
    if np.isnan(out).any():
        bad = int(np.flatnonzero(np.isnan(out))[0])
        raise InvalidModelError(f"`{name}[{bad}]` is NaN")
    out[out >= INFINITE_BOUND] = INF
    out[out <= -INFINITE_BOUND] = -INF
    out.setflags(write=False)
    return out


def _frozen_csr(name: str, matrix: Any, shape: tuple[int, int], copy: bool = True) -> sp.csr_matrix:
    out = sp.csr_matrix(matrix, dtype=np.float64, copy=copy)
    if out.shape != shape:
        raise InvalidModelError(f"`{name}` must have shape {shape}, got {out.shape}")
    out.sum_duplicates()
    out.eliminate_zeros()
    out.sort_indices()
    if not np.isfinite(out.data).all():
        row = int(np.searchsorted(out.indptr, np.flatnonzero(~np.isfinite(out.data))[0], "right") - 1)
        raise InvalidModelError(f"`{name}` has a NaN or infinite coefficient in row {row}")
    for array in (out.data, out.indices, out.indptr):
        array.setflags(write=False)
    return out


def _canonical_bits(values: NDArray[np.float64]) -> bytes:
    """Round to 40 mantissa bits (about 12 digits) so printed-and-reread files hash alike."""
    mantissa, exponent = np.frexp(values + 0.0)
    finite = np.isfinite(values)
    rounded = np.where(finite, np.ldexp(np.round(mantissa * 2.0**40) / 2.0**40, exponent), values)
    return np.ascontiguousarray(rounded + 0.0).tobytes()


class Names(Sequence[str]):
    """An immutable sequence of names kept as one string and their end offsets.

    Holds 500,000 names in a few megabytes where a tuple of strings takes tens;
    compares equal to any sequence of the same names. Names may not contain NUL.
    """

    __slots__ = ("_ends", "_text")

    def __init__(self, names: Iterable[str]) -> None:
        items = names if isinstance(names, list | tuple) else list(names)
        self._text = "\0".join(items)
        if self._text.count("\0") != max(0, len(items) - 1):
            raise InvalidModelError("names may not contain a NUL character")
        lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
        self._ends = np.cumsum(lengths + 1)
        self._ends.setflags(write=False)

    @property
    def text(self) -> str:
        """The names joined by NUL characters."""
        return self._text

    def __len__(self) -> int:
        return int(self._ends.size)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Names: ...

    def __getitem__(self, index: int | slice) -> str | Names:
        if isinstance(index, slice):
            return Names(list(self)[index])
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"name index {index} out of range for {size} names")
        index %= size
        start = int(self._ends[index - 1]) if index else 0
        return self._text[start : int(self._ends[index]) - 1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._text.split("\0") if len(self) else ())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Names):
            return len(self) == len(other) and self._text == other._text
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((len(self), self._text))

    def __repr__(self) -> str:
        shown = ", ".join(repr(name) for name in itertools.islice(self, 5))
        return f"Names([{shown}{', ...' if len(self) > 5 else ''}], n={len(self)})"


def _names(given: Sequence[str] | None, prefix: str, size: int) -> Names:
    if isinstance(given, Names):
        return given
    return Names(given if given else [f"{prefix}{j}" for j in range(size)])


def _name_order(names: Sequence[str]) -> NDArray[np.intp]:
    """Positions in name order when the names are unique, else the positions as they are."""
    if not names:
        return np.arange(0)
    labels = np.array(list(names), dtype=str)
    order = np.argsort(labels, kind="stable")
    ordered = labels[order]
    return order if bool((ordered[1:] != ordered[:-1]).all()) else np.arange(len(names))


@dataclass(frozen=True, eq=False)
class MathProgram:
    """An immutable linear or convex-quadratic program with optional integer variables.

    Minimises (or maximises) ``c @ x + 0.5 * x @ Q @ x + offset`` subject to
    ``row_lower <= A @ x <= row_upper`` and ``col_lower <= x <= col_upper``,
    with ``x[j]`` integral where ``is_integer[j]``. Where ``is_semi[j]`` the
    variable is semi-continuous (semi-integer if also integer): ``x[j] == 0`` or
    ``col_lower[j] <= x[j] <= col_upper[j]``. Shapes: ``c`` (n,), ``A`` (m, n),
    ``Q`` (n, n) symmetric or None, ``is_semi`` (n,) or None when there are none.
    Infinite bounds are ``±inf``.
    """

    kind: ClassVar[str] = "math_program"

    c: NDArray[np.float64]
    A: sp.csr_matrix
    row_lower: NDArray[np.float64]
    row_upper: NDArray[np.float64]
    col_lower: NDArray[np.float64]
    col_upper: NDArray[np.float64]
    is_integer: NDArray[np.bool_]
    sense: Sense = "min"
    offset: float = 0.0
    Q: sp.csr_matrix | None = None
    var_names: Sequence[str] = ()
    con_names: Sequence[str] = ()
    name: str = "problem"
    is_semi: NDArray[np.bool_] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        """What a copy in another process gets: the data and cached values, no solver's live model."""
        state = dict(self.__dict__)
        state["_cache"] = {key: value for key, value in self._cache.items() if key != READ_MODEL}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @classmethod
    def build(
        cls,
        c: ArrayLike,
        A: Any = None,
        row_lower: ArrayLike | None = None,
        row_upper: ArrayLike | None = None,
        col_lower: ArrayLike | None = None,
        col_upper: ArrayLike | None = None,
        is_integer: ArrayLike | None = None,
        *,
        sense: str = "min",
        offset: float = 0.0,
        Q: Any = None,
        var_names: Sequence[str] | None = None,
        con_names: Sequence[str] | None = None,
        name: str = "problem",
        copy: bool = True,
        is_semi: ArrayLike | None = None,
    ) -> MathProgram:
        """Check and freeze the parts of a program; missing bounds default to ``0 <= x < inf``.

        ``copy=False`` lets the program keep (and freeze) the arrays and matrix it is
        given; only a reader that built them for this program should pass it.
        """
        cost = np.array(c, dtype=np.float64).reshape(-1)
        n = cost.size
        if A is None:
            A = sp.csr_matrix((0, n))
        m = A.shape[0]
        if sense not in ("min", "max"):
            raise InvalidModelError(f"`sense` must be 'min' or 'max', got {sense!r}")
        if not np.isfinite(offset):
            raise InvalidModelError(f"objective `offset` must be finite, got {offset}")
        cost_vec = _vector("c", cost, n, 0.0)
        if np.isinf(cost_vec).any():
            bad = int(np.flatnonzero(np.isinf(cost_vec))[0])
            raise InvalidModelError(f"objective coefficient `c[{bad}]` is infinite")
        integer = np.zeros(n, dtype=bool) if is_integer is None else np.array(is_integer, dtype=bool).reshape(-1)
        if integer.shape != (n,):
            raise InvalidModelError(f"`is_integer` must have {n} entries, got {integer.shape[0]}")
        integer.setflags(write=False)
        semi = None
        if is_semi is not None:
            semi = np.array(is_semi, dtype=bool).reshape(-1)
            if semi.shape != (n,):
                raise InvalidModelError(f"`is_semi` must have {n} entries, got {semi.shape[0]}")
            semi = semi if semi.any() else None
            if semi is not None:
                semi.setflags(write=False)
        names = _names(var_names, "x", n)
        rows = _names(con_names, "c", m)
        if len(names) != n or len(rows) != m:
            raise InvalidModelError(f"expected {n} variable and {m} constraint names, got {len(names)} and {len(rows)}")
        quadratic = None
        if Q is not None:
            quadratic = _frozen_csr("Q", Q, (n, n))
            if quadratic.nnz == 0:
                quadratic = None
            elif abs(quadratic - quadratic.T).max() > 1e-9 * max(1.0, abs(quadratic).max()):
                raise InvalidModelError("quadratic objective matrix `Q` must be symmetric")
        return cls(
            c=cost_vec,
            A=_frozen_csr("A", A, (m, n), copy=copy),
            row_lower=_vector("row_lower", row_lower, m, -INF),
            row_upper=_vector("row_upper", row_upper, m, INF),
            col_lower=_vector("col_lower", col_lower, n, 0.0),
            col_upper=_vector("col_upper", col_upper, n, INF),
            is_integer=integer,
            sense=sense,  # type: ignore[arg-type]
            offset=float(offset),
            Q=quadratic,
            var_names=names,
            con_names=rows,
            name=name,
            is_semi=semi,
        )

    @classmethod
    def from_arrays(
        cls,
        c: ArrayLike,
        A_ub: Any = None,
        b_ub: ArrayLike | None = None,
        A_eq: Any = None,
        b_eq: ArrayLike | None = None,
        bounds: tuple[float | None, float | None] | list[tuple[float | None, float | None]] = (0, None),
        integrality: ArrayLike | None = None,
        *,
        sense: str = "min",
        Q: Any = None,
        name: str = "problem",
    ) -> MathProgram:
        """Build from ``scipy.optimize.linprog``-style arrays (``A_ub x <= b_ub``, ``A_eq x == b_eq``)."""
        cost = np.asarray(c, dtype=np.float64).reshape(-1)
        n = cost.size
        blocks, lower, upper = [], [], []
        if A_ub is not None:
            blocks.append(sp.csr_matrix(A_ub, dtype=np.float64))
            ub = np.asarray(b_ub, dtype=np.float64).reshape(-1)
            lower.append(np.full(ub.size, -INF))
            upper.append(ub)
        if A_eq is not None:
            blocks.append(sp.csr_matrix(A_eq, dtype=np.float64))
            eq = np.asarray(b_eq, dtype=np.float64).reshape(-1)
            lower.append(eq)
            upper.append(eq)
        for block in blocks:
            if block.shape[1] != n:
                raise InvalidModelError(f"constraint matrices must have {n} columns, got {block.shape[1]}")
        A = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, n))
        pairs = [bounds] * n if isinstance(bounds, tuple) else list(bounds)
        if len(pairs) != n:
            raise InvalidModelError(f"`bounds` must be one pair or {n} pairs, got {len(pairs)}")
        col_lower = [-INF if lo is None else lo for lo, _ in pairs]
        col_upper = [INF if hi is None else hi for _, hi in pairs]
        return cls.build(
            cost, A,
            np.concatenate(lower) if lower else None,
            np.concatenate(upper) if upper else None,
            col_lower, col_upper,
            None if integrality is None else np.asarray(integrality) != 0,
            sense=sense, Q=Q, name=name,
        )

    @property
    def n_vars(self) -> int:
        return int(self.c.size)

    @property
    def n_cons(self) -> int:
        return int(self.A.shape[0])

    @property
    def is_binary(self) -> NDArray[np.bool_]:
        """Integer variables whose bounds lie within [0, 1]."""
        return self.is_integer & (self.col_lower >= 0) & (self.col_upper <= 1)

    @property
    def n_semi(self) -> int:
        """The number of semi-continuous and semi-integer variables."""
        return 0 if self.is_semi is None else int(self.is_semi.sum())

    @property
    def problem_class(self) -> str:
        """One of ``LP``, ``MILP``, ``QP``, ``MIQP``; semi-continuous variables make a program mixed-integer."""
        integer = bool(self.is_integer.any()) or self.n_semi > 0
        if self.Q is not None:
            return "MIQP" if integer else "QP"
        return "MILP" if integer else "LP"

    def objective_value(self, x: NDArray[np.float64]) -> float:
        """The objective at ``x`` (n,), offset included."""
        value = float(self.c @ x) + self.offset
        if self.Q is not None:
            value += 0.5 * float(x @ (self.Q @ x))
        return value

    def features(self) -> dict[str, Any]:
        """Sizes, counts and coefficient ranges: what selection and the store look at."""
        if "features" in self._cache:
            return dict(self._cache["features"])
        n, m = self.n_vars, self.n_cons
        A_abs = np.abs(self.A.data)
        finite_rhs = np.abs(np.concatenate([self.row_lower, self.row_upper]))
        finite_rhs = finite_rhs[np.isfinite(finite_rhs) & (finite_rhs > 0)]
        c_abs = np.abs(self.c[self.c != 0])
        equal = self.row_lower == self.row_upper
        both = np.isfinite(self.row_lower) & np.isfinite(self.row_upper)

        def span(values: NDArray[np.float64]) -> list[float] | None:
            return [float(values.min()), float(values.max())] if values.size else None

        features = {
            "problem_class": self.problem_class,
            "sense": self.sense,
            "n_vars": n,
            "n_cons": m,
            "n_nonzeros": int(self.A.nnz),
            "density": float(self.A.nnz / (n * m)) if n and m else 0.0,
            "n_integer": int(self.is_integer.sum()),
            "n_binary": int(self.is_binary.sum()),
            "n_continuous": int(n - self.is_integer.sum()),
            "n_semi": self.n_semi,
            "n_equality": int(equal.sum()),
            "n_ranged": int((both & ~equal).sum()),
            "n_free_vars": int((np.isinf(self.col_lower) & np.isinf(self.col_upper)).sum()),
            "n_quadratic_nonzeros": int(self.Q.nnz) if self.Q is not None else 0,
            "matrix_range": span(A_abs),
            "objective_range": span(c_abs),
            "rhs_range": span(finite_rhs),
            "integral_coefficients": bool(np.all(self.A.data == np.round(self.A.data))),
        }
        self._cache["features"] = features
        return dict(features)

    def fingerprint(self) -> str:
        """A hash of the problem's content, the same however the problem was read.

        Variables and constraints are put in name order (when names are unique)
        and numbers rounded to about 12 digits, so a model written to LP or MPS
        and read back keeps its fingerprint. Names themselves are not hashed.
        """
        if "fingerprint" in self._cache:
            return str(self._cache["fingerprint"])
        col_order = _name_order(self.var_names)
        row_order = _name_order(self.con_names)
        rows = self.A[row_order]
        new_column = np.empty_like(col_order)
        new_column[col_order] = np.arange(col_order.size)
        A = sp.csr_matrix((rows.data, new_column[rows.indices], rows.indptr), shape=rows.shape)
        A.has_sorted_indices = False
        A.sort_indices()
        digest = hashlib.sha256()
        digest.update(f"{self.sense}|{self.n_vars}|{self.n_cons}|".encode())
        for part in (
            np.array([self.offset]),
            self.c[col_order],
            self.col_lower[col_order],
            self.col_upper[col_order],
            self.row_lower[row_order],
            self.row_upper[row_order],
            A.data,
        ):
            digest.update(_canonical_bits(part))
        digest.update(self.is_integer[col_order].tobytes())
        digest.update(A.indices.astype(np.int64).tobytes())
        digest.update(A.indptr.astype(np.int64).tobytes())
        if self.is_semi is not None:
            digest.update(b"S")
            digest.update(self.is_semi[col_order].tobytes())
        if self.Q is not None:
            Q = sp.triu(self.Q[col_order][:, col_order]).tocsr()
            Q.sort_indices()
            digest.update(b"Q")
            digest.update(_canonical_bits(Q.data))
            digest.update(Q.indices.astype(np.int64).tobytes())
            digest.update(Q.indptr.astype(np.int64).tobytes())
        value = digest.hexdigest()
        self._cache["fingerprint"] = value
        return value

    def start_arrays(self, start: dict[str, float]) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
        """A start (variable name -> value) as column indices (sorted) and values, for a backend's hint.

        A name that is not a variable, a value that is not a finite number, or one outside the
        variable's bounds (1e-9 apart) is an :class:`~optarium.errors.OptionError` naming it.
        """
        from optarium.errors import OptionError

        index = self._cache.get("name_index")
        if index is None:
            index = self._cache["name_index"] = {name: j for j, name in enumerate(self.var_names)}
        pairs = []
        for name, value in start.items():
            j = index.get(name)
            if j is None:
                raise OptionError("start", name, f"a variable of {self.name}")
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise OptionError("start", f"{name}={value!r}", "finite numbers") from None
            lower, upper = self.col_lower[j], self.col_upper[j]
            if not np.isfinite(number) or number < lower - 1e-9 or number > upper + 1e-9:
                raise OptionError("start", f"{name}={value!r}", f"values within the variable's bounds [{lower:g}, {upper:g}]")
            pairs.append((j, number))
        pairs.sort()
        return (np.array([j for j, _ in pairs], dtype=np.int32),
                np.array([value for _, value in pairs], dtype=np.float64))

    def __repr__(self) -> str:
        return (
            f"MathProgram(name={self.name!r}, class={self.problem_class}, sense={self.sense}, "
            f"n_vars={self.n_vars}, n_cons={self.n_cons}, nnz={self.A.nnz})"
        )
