"""The options every backend takes (``optarium.solvers.base``)."""

from __future__ import annotations

from optarium.solvers.base import SolveOptions


def test_backend_settings_passes_only_the_options_a_backend_names_with_params_over_them() -> None:
    options = SolveOptions(time_limit=3, rel_gap=0.5, threads=2, seed=7, params={"limits/gap": 0.25, "other": "x"})

    settings = options.backend_settings({"time_limit": "limits/time", "rel_gap": "limits/gap", "seed": "shift"})

    assert settings == {"limits/time": 3.0, "limits/gap": 0.25, "shift": 7, "other": "x"}
    assert isinstance(settings["limits/time"], float)
    assert list(settings) == ["limits/time", "limits/gap", "shift", "other"]


def test_backend_settings_leaves_out_options_not_set() -> None:
    assert SolveOptions(threads=4).backend_settings({"time_limit": "max_cpu_time", "threads": "threads"}) == {"threads": 4}
