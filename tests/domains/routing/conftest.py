"""Routing fixtures: the X instances shipped with the tests (see data/PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

CVRP = Path(__file__).resolve().parent / "data"


@pytest.fixture
def cvrp() -> Path:
    """The folder of the 14 X instances, their best-known solutions and reference.csv."""
    return CVRP
