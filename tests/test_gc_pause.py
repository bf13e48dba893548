"""The collector's pause around building a long study's trials: off inside, back as it was after."""

from __future__ import annotations

import gc

import pytest

from optarium.gc_pause import gc_paused


def test_collection_is_off_inside_and_on_again_after_even_after_an_error() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), gc_paused():
        raise KeyError("a failed read")
    assert gc.isenabled()


def test_a_pause_inside_another_leaves_collection_off_until_the_outer_one_ends() -> None:
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collection_turned_off_before_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
