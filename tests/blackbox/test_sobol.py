"""The Sobol design: scipy's scrambled Sobol points, generated without importing scipy.stats."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

from optarium.blackbox.sobol import ScrambledSobol


@pytest.mark.parametrize("dim", [1, 2, 7, 40])
def test_points_are_those_of_scipys_scrambled_sobol(dim: int) -> None:
    from scipy.stats import qmc

    warnings.filterwarnings("ignore", message="The balance properties of Sobol", category=UserWarning)
    reference = qmc.Sobol(d=dim, scramble=True, rng=np.random.default_rng([5, 7]))
    reference.fast_forward(3)
    ours = ScrambledSobol(dim, np.random.default_rng([5, 7]))
    assert np.array_equal(ours.points(3, 6), reference.random(6))
    assert np.array_equal(ours.points(9, 5), reference.random(5))


def test_a_design_ask_does_not_import_scipy_stats_or_torch() -> None:
    script = (
        "import sys\n"
        "from optarium.blackbox.study import Study\n"
        "study = Study.create('s', {'x': {'type': 'float', 'low': 0, 'high': 1}}, sampler='auto', seed=1, store='memory://')\n"
        "study.ask()\n"
        "print(sorted(m for m in ('scipy.stats', 'torch', 'scipy.optimize') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
