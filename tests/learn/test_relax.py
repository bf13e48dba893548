"""Learning to Relax: SOR and SSOR-CG count iterations, bad systems are refused, the bandits learn ω."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optarium.errors import InvalidModelError, OptionError
from optarium.learn.relax import (
    ContextualOmegaBandit,
    OmegaBandit,
    default_omegas,
    laplacian_2d,
    shifted_laplacians,
    sor,
    sor_iterations,
    ssor_cg,
)


def system(size: int = 8, shift: float = 0.1) -> tuple[sp.csr_matrix, np.ndarray]:
    A = laplacian_2d(size) + shift * sp.identity(size * size)
    return sp.csr_matrix(A), np.random.default_rng(0).standard_normal(size * size)


def test_sor_solves_to_tolerance_and_counts_iterations() -> None:
    A, b = system()
    result = sor(A, b, 1.5, tol=1e-8)
    assert result.converged and 1 < result.iterations < 1000
    assert np.linalg.norm(b - A @ result.x) <= 1e-8 * np.linalg.norm(b)
    assert sor(A, b, 1.5, tol=1e-4).iterations < result.iterations


def test_over_relaxation_beats_gauss_seidel_on_a_laplacian() -> None:
    A, b = system(shift=0.0)
    assert sor(A, b, 1.6).iterations < sor(A, b, 1.0).iterations / 2


def test_sor_iterations_match_single_solves() -> None:
    A, b = system()
    omegas = [1.0, 1.3, 1.7]
    assert sor_iterations(A, b, omegas).tolist() == [sor(A, b, w).iterations for w in omegas]


def test_max_iterations_caps_the_count_without_error() -> None:
    A, b = system(shift=0.0)
    result = sor(A, b, 1.0, max_iterations=5)
    assert result.iterations == 5 and not result.converged


def test_ssor_cg_converges_in_fewer_iterations_than_sor() -> None:
    A, b = system()
    result = ssor_cg(A, b, 1.5)
    assert result.converged and result.iterations < sor(A, b, 1.5).iterations
    assert np.linalg.norm(b - A @ result.x) <= 1e-8 * np.linalg.norm(b) * 1.01


@pytest.mark.parametrize("omega", [0.0, 2.0, -1.0, 2.5])
def test_omega_outside_zero_two_is_refused(omega: float) -> None:
    A, b = system()
    with pytest.raises(OptionError, match="omega"):
        sor(A, b, omega)


def test_a_matrix_that_is_not_square_is_refused() -> None:
    with pytest.raises(InvalidModelError, match="square"):
        sor(sp.csr_matrix(np.ones((3, 4))), np.ones(3), 1.0)


def test_a_system_that_is_not_spd_is_refused() -> None:
    with pytest.raises(InvalidModelError, match="symmetric"):
        sor(sp.csr_matrix(np.array([[2.0, 1.0], [0.0, 2.0]])), np.ones(2), 1.0)
    with pytest.raises(InvalidModelError, match="positive definite"):
        sor(sp.csr_matrix(np.array([[1.0, 0.0], [0.0, -1.0]])), np.ones(2), 1.0)
    # symmetric, positive diagonal, indefinite: SOR diverges and says why
    indefinite = sp.csr_matrix(np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(InvalidModelError, match="diverged"):
        sor(indefinite, np.ones(2), 1.0)


def test_bandit_ends_with_most_probability_near_the_best_omega() -> None:
    omegas = default_omegas(8, 1.9)
    systems = list(shifted_laplacians(150, size=8, shifts=(0.0, 0.05), seed=3))
    costs = np.array([sor_iterations(s.A, s.b, omegas, max_iterations=300) for s in systems])
    best = int(np.argmin(costs.sum(axis=0)))
    bandit = OmegaBandit(omegas, max_iterations=300, learning_rate=4.0, seed=0)
    for row in costs:
        omega = bandit.ask()
        bandit.tell(omega, int(row[int(np.flatnonzero(omegas == omega)[0])]))
    near = np.abs(np.arange(omegas.size) - best) <= 1
    assert bandit.probabilities[near].sum() > 0.7
    assert costs[:, 0].sum() > 1.5 * costs[:, best].sum()  # the stream does reward learning
    # Thompson sampling on the same stream: every ω once, then it pays within 15% of the best fixed ω
    thompson = OmegaBandit(omegas, max_iterations=300, policy="thompson", seed=0)
    paid = []
    for row in costs:
        omega = thompson.ask()
        paid.append(int(row[int(np.flatnonzero(omegas == omega)[0])]))
        thompson.tell(omega, paid[-1])
    assert paid[: omegas.size] == [int(costs[k, k]) for k in range(omegas.size)]  # the warm-up runs each ω in turn
    assert sum(paid) < 1.15 * costs[:, best].sum() and thompson.probabilities[near].sum() > 0.7


def test_contextual_bandit_prefers_smaller_omega_for_larger_shifts() -> None:
    omegas = default_omegas(8, 1.9)
    systems = list(shifted_laplacians(200, size=8, shifts=(0.0, 2.0), seed=4))
    costs = np.array([sor_iterations(s.A, s.b, omegas, max_iterations=300) for s in systems])
    bandit = ContextualOmegaBandit((0.0, 2.0), omegas, max_iterations=300, seed=0)
    for s, row in zip(systems, costs, strict=True):
        omega = bandit.ask(s.context)
        bandit.tell(s.context, omega, int(row[int(np.flatnonzero(omegas == omega)[0])]))
    low, high = (float(omegas @ bandit.probabilities(c)) for c in (0.0, 2.0))
    assert low > high


def test_tell_needs_an_omega_from_ask() -> None:
    bandit = OmegaBandit(seed=0)
    with pytest.raises(OptionError, match="omega"):
        bandit.tell(1.234, 10)


def test_an_unknown_policy_or_a_warm_up_below_one_is_refused() -> None:
    with pytest.raises(OptionError, match="policy"):
        OmegaBandit(policy="ucb")
    with pytest.raises(OptionError, match="warmup"):
        OmegaBandit(policy="thompson", warmup=0)
