"""A math program as a weighted graph: variable and constraint nodes, one edge per nonzero.

After ORGEval (Wang et al., 2025, "ORGEval: Graph-Theoretic Evaluation of LLMs in
Optimization Modeling"): a node per variable with features (objective coefficient,
type, bounds), a node per constraint with features (right-hand side, sense), an
edge per coefficient ``A[i, j]`` weighted by it. Departures from the published code:
general integers are told apart from continuous variables (not only binaries),
ranged rows keep both bounds, a quadratic objective adds variable–variable edges
(diagonal entries become a variable feature), and the objective sense and constant
are graph-level labels compared before any refinement.

Floats are snapped to ``DIGITS`` significant decimal digits before they are hashed,
so a model written to LP/MPS and read back (printing noise around 1e-15) keeps its
colours; values that differ in the 9th significant digit or earlier stay apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.problem.program import MathProgram

DIGITS = 9
VARIABLE, CONSTRAINT = 0.0, 1.0
CONTINUOUS, INTEGER, BINARY = 0.0, 1.0, 2.0
LESS_EQUAL, GREATER_EQUAL, EQUAL, RANGED, FREE = 0.0, 1.0, 2.0, 3.0, 4.0
LINEAR_EDGE, QUADRATIC_EDGE = 0.0, 1.0
SENSE_NAMES = {LESS_EQUAL: "<=", GREATER_EQUAL: ">=", EQUAL: "=", RANGED: "ranged", FREE: "free"}


def snap(values: NDArray[np.float64], digits: int = DIGITS) -> NDArray[np.float64]:
    """Round to ``digits`` significant decimal digits; ``±inf`` stay, ``-0.0`` becomes ``0.0``."""
    values = np.asarray(values, dtype=np.float64)
    out = values.copy()
    finite = np.isfinite(values) & (values != 0)
    if finite.any():
        magnitude = np.floor(np.log10(np.abs(values[finite])))
        scale = 10.0 ** (digits - 1 - magnitude)
        out[finite] = np.round(values[finite] * scale) / scale
    return out + 0.0


@dataclass(frozen=True)
class ModelGraph:
    """The graph of one program: ``n_vars`` variable nodes, then ``n_cons`` constraint nodes.

    ``features`` (N, 6) holds per node ``[kind, a, b, c, d, e]``: for a variable
    ``[0, objective, type, lower, upper, Q_jj]``; for a constraint ``[1, sense,
    lower, upper, 0, 0]`` (after any normalisation). ``edges`` (E, 4) holds each
    undirected edge once as ``[node_u, node_v, edge_kind, weight]``; all floats snapped.
    """

    n_vars: int
    n_cons: int
    features: NDArray[np.float64]
    edges: NDArray[np.float64]
    sense: str
    offset: float
    flipped_rows: int = 0
    scaled_rows: int = 0

    @property
    def n_nodes(self) -> int:
        return self.n_vars + self.n_cons


def variable_types(program: MathProgram) -> NDArray[np.float64]:
    """Per variable: 0 continuous, 1 general integer, 2 binary (integer within [0, 1])."""
    kinds = np.where(program.is_integer, INTEGER, CONTINUOUS)
    return np.where(program.is_binary, BINARY, kinds)


def row_senses(lower: NDArray[np.float64], upper: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per row: <=, >=, =, ranged or free, as the codes of this module."""
    has_lower, has_upper = np.isfinite(lower), np.isfinite(upper)
    senses = np.full(lower.shape, FREE)
    senses[has_upper & ~has_lower] = LESS_EQUAL
    senses[has_lower & ~has_upper] = GREATER_EQUAL
    senses[has_lower & has_upper] = RANGED
    senses[has_lower & has_upper & (lower == upper)] = EQUAL
    return senses


def build_graph(program: MathProgram, *, scale_rows: bool = False, flip_ge: bool = False,
                flip_max: bool = False) -> ModelGraph:
    """The graph of ``program``, optionally with rows flipped (``>=`` to ``<=``) and scaled.

    ``flip_ge`` multiplies each row with only a finite lower bound by -1; ``scale_rows``
    divides each row and its bounds by the row's largest absolute coefficient; ``flip_max``
    writes a maximisation as the minimisation of the negated objective (``c``, ``Q`` and constant).
    """
    A = program.A.tocsr().astype(np.float64)
    lower, upper = program.row_lower.copy(), program.row_upper.copy()
    flipped = scaled = 0
    if flip_ge:
        ge = np.isfinite(lower) & ~np.isfinite(upper)
        flipped = int(ge.sum())
        if flipped:
            factor = np.where(ge, -1.0, 1.0)
            A = sp.diags(factor) @ A
            lower, upper = np.where(ge, -upper, lower), np.where(ge, -lower, upper)
    if scale_rows and A.nnz:
        largest = np.asarray(abs(A).max(axis=1).todense()).reshape(-1)
        divide = np.where(largest > 0, largest, 1.0)
        scaled = int(((largest > 0) & (largest != 1.0)).sum())
        A = sp.diags(1.0 / divide) @ A
        lower, upper = lower / divide, upper / divide
    A = sp.csr_matrix(A)
    n, m = program.n_vars, program.n_cons
    negate = flip_max and program.sense == "max"
    objective_sign = -1.0 if negate else 1.0
    Q = None if program.Q is None else objective_sign * program.Q
    diagonal = np.zeros(n) if Q is None else Q.diagonal()
    var_features = np.column_stack([
        np.full(n, VARIABLE), snap(objective_sign * program.c), variable_types(program),
        snap(program.col_lower), snap(program.col_upper), snap(diagonal),
    ])
    con_features = np.column_stack([
        np.full(m, CONSTRAINT), row_senses(lower, upper), snap(lower), snap(upper),
        np.zeros(m), np.zeros(m),
    ])
    coo = A.tocoo()
    linear = np.column_stack([
        coo.col.astype(np.float64), (coo.row + n).astype(np.float64),
        np.full(coo.nnz, LINEAR_EDGE), snap(coo.data),
    ])
    blocks = [linear]
    if Q is not None:
        upper_q = sp.triu(Q, k=1).tocoo()
        blocks.append(np.column_stack([
            upper_q.row.astype(np.float64), upper_q.col.astype(np.float64),
            np.full(upper_q.nnz, QUADRATIC_EDGE), snap(upper_q.data),
        ]))
    edges = np.vstack(blocks) if len(blocks) > 1 else linear
    return ModelGraph(
        n_vars=n, n_cons=m,
        features=np.vstack([var_features, con_features]).reshape(n + m, 6),
        edges=edges.reshape(-1, 4),
        sense="min" if negate else program.sense, offset=float(snap(np.array([objective_sign * program.offset]))[0]),
        flipped_rows=flipped, scaled_rows=scaled,
    )
