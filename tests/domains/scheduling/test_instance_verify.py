"""Instances by name and from files, bad input, and the independent schedule check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optarium.domains.scheduling.instance import JobShopInstance, load_instance, read_instance_file
from optarium.domains.scheduling.rules import RULES, dispatch_rule
from optarium.domains.scheduling.verify import (
    Schedule,
    gap_to_best_known,
    verify_schedule,
    verify_starts,
)
from optarium.errors import InputFileError, InvalidModelError, OptionError

FT06_STANDARD = """# ft06 in the standard (OR-Library) format
6 6
2 1 0 3 1 6 3 7 5 3 4 6
1 8 2 5 4 10 5 10 0 10 3 4
2 5 3 4 5 8 0 9 1 1 4 7
1 5 0 5 2 5 3 3 4 8 5 9
2 9 1 3 4 5 5 4 0 3 3 1
1 3 3 3 5 9 0 10 4 4 2 1
"""


def test_shipped_instances_load_by_name_with_best_known_bounds() -> None:
    ft06 = load_instance("ft06")
    assert (ft06.num_jobs, ft06.num_machines, ft06.best_known) == (6, 6, 55)
    la01 = load_instance("la01")
    assert (la01.num_jobs, la01.num_machines, la01.best_known) == (10, 5, 666)
    assert load_instance("TA41").num_jobs == 30


def test_standard_file_reads_the_same_instance_as_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "ft06.txt"
    path.write_text(FT06_STANDARD)
    read = read_instance_file(path)
    shipped = load_instance("ft06")
    assert np.array_equal(read.machines, shipped.machines)
    assert np.array_equal(read.durations, shipped.durations)
    assert read.fingerprint() == shipped.fingerprint()


def test_taillard_file_with_one_based_machines(tmp_path: Path) -> None:
    shipped = load_instance("ft06")
    lines = ["6 6 840612802 398197754 55 55"]
    lines += [" ".join(map(str, row)) for row in shipped.durations]
    lines += [" ".join(map(str, row + 1)) for row in shipped.machines]
    path = tmp_path / "ft06.tai"
    path.write_text("\n".join(lines) + "\n")
    read = read_instance_file(path)
    assert np.array_equal(read.machines, shipped.machines)
    assert np.array_equal(read.durations, shipped.durations)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("2 0\n", "machines must be at least 1, got 0"),
        ("2 2\n0 3 1 -4\n1 2 0 2\n", "must be >= 0, got -4"),
        ("2 2\n0 3 1 x\n1 2 0 2\n", "'x'"),
        ("2 2\n0 3 1 4\n", "got 1 lines"),
        ("", "empty file"),
    ],
)
def test_malformed_files_raise_a_clear_error(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InvalidModelError, match=named):
        read_instance_file(path)


def test_unknown_name_and_direct_construction_errors() -> None:
    with pytest.raises(InputFileError, match="not a shipped instance name"):
        load_instance("zz99")
    with pytest.raises(InvalidModelError, match=r"must be in 0\.\.1, got 2"):
        JobShopInstance(np.array([[0, 2]]), np.array([[1, 1]]), num_machines=2)
    with pytest.raises(OptionError, match="`rule` must be one of"):
        dispatch_rule(load_instance("ft06"), "lifo")


@pytest.mark.parametrize("rule", list(RULES))
def test_rules_give_verified_schedules_no_shorter_than_the_optimum(rule: str) -> None:
    instance = load_instance("la01")
    check = verify_schedule(instance, Schedule.from_starts(instance, dispatch_rule(instance, rule)))
    assert check.verified, check.violations
    assert check.objective is not None and check.objective >= 666
    assert check.max_violation == 0.0 and check.details["num_violations"] == 0
    assert check.details["gap_to_best_known"] == pytest.approx((check.objective - 666) / 666)


def test_verification_catches_overlap_precedence_duration_and_missing_operations() -> None:
    instance = load_instance("ft06")
    good = Schedule.from_starts(instance, dispatch_rule(instance, "mor"))
    assert verify_schedule(instance, good).verified

    # Everything at time 0: machines overlap and jobs run their operations at once.
    crowded = verify_schedule(instance, Schedule.from_starts(instance, np.zeros((6, 6), dtype=np.int64)))
    assert not crowded.verified
    assert any("overlap" in v for v in crowded.violations)
    assert any("previous operation" in v for v in crowded.violations)

    assert crowded.details["num_violations"] >= 2
    # the largest violation is in time units: two operations of 10 at time 0 on one machine overlap by 10
    assert crowded.max_violation == 10.0

    shortened = good.table.copy()
    shortened[0, 4] -= 1
    short = verify_schedule(instance, Schedule(shortened))
    assert any("duration" in v for v in short.violations) and short.max_violation == 1.0
    dropped = verify_schedule(instance, Schedule(good.table[1:]))
    assert not dropped.verified and any("missing" in v for v in dropped.violations)
    lied = verify_schedule(instance, good, reported_makespan=good.makespan - 1)
    assert not lied.verified and "reported makespan" in lied.message


def test_start_times_of_the_wrong_shape_fail_the_check_instead_of_raising() -> None:
    instance = load_instance("ft06")
    check = verify_starts(instance, np.zeros((2, 2), dtype=np.int64))
    assert not check.verified and "shape (6, 6)" in check.message
    fractional = verify_starts(instance, dispatch_rule(instance, "mor") + 0.5)
    assert not fractional.verified and "whole numbers" in fractional.message


def test_gap_is_none_without_a_best_known_value() -> None:
    instance = JobShopInstance(np.array([[0, 1]]), np.array([[2, 3]]))
    assert gap_to_best_known(instance, 5) is None
    assert instance.trivial_lower_bound() == 5


def test_taillard_original_layout_with_headings(tmp_path: Path) -> None:
    shipped = load_instance("ft06")
    lines = ["Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound", "6 6 1 2 55 55", "Times"]
    lines += [" ".join(map(str, row)) for row in shipped.durations]
    lines += ["Machines", *(" ".join(map(str, row + 1)) for row in shipped.machines)]
    path = tmp_path / "ft06_original.txt"
    path.write_text("\n".join(lines) + "\n")
    read = read_instance_file(path)
    assert read.fingerprint() == shipped.fingerprint()
