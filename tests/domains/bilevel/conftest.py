"""Bilevel fixtures: the problems shipped with the tests (see data/PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def data() -> Path:
    """The folder of the shipped JSON problems, the Moore-Bard MibS files and reference.csv."""
    return DATA

