"""The study page's sample of trials: with more complete trials than it shows, the trials named first (the
Pareto front) are all kept, then the best by value, and the rest evenly spaced."""

from __future__ import annotations

from optarium.service.analysis import sample, thin


def _row(number: int, value: float) -> dict[str, object]:
    return {"number": number, "state": "complete", "value": value, "feasibility": None, "params": {"x": value},
            "values": [value, -value]}


def test_the_sample_keeps_the_front_before_the_best_values() -> None:
    rows = [_row(number, float(number)) for number in range(1, 3001)]
    front = [2999, 3000, 1500]  # the worst first objective: only their place on the front keeps them
    chosen = [t["number"] for t in sample(rows, 100, "minimize", front)]
    assert set(front) <= set(chosen) and len(chosen) <= 100
    assert set(range(1, 8)) <= set(chosen)  # the best by value fill the rest of the tenth
    assert 8 not in chosen  # the eighth best is beyond the tenth and off the even spacing (1, 34, 67, ...)


def test_thin_keeps_every_change_of_the_named_key() -> None:
    rows = [{"number": n, "hypervolume": float(n // 500)} for n in range(1, 5001)]
    kept = thin(rows, 10, key="hypervolume")
    assert {r["number"] for r in kept} >= {500, 1000, 4500, 5000}
    assert len(kept) < 30
