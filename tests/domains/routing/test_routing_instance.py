"""Reading VRPLIB and CSV routing instances, and rejecting bad ones with a clear error."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import vrplib

from optarium.domains.routing import read_instance, verify_routes
from optarium.errors import InputFileError, InvalidModelError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "routing"


def test_every_x_instance_reads_with_size_capacity_and_best_known_cost(cvrp: Path) -> None:
    with open(cvrp / "reference.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 14
    for row in rows:
        instance = read_instance(cvrp / f"{row['instance']}.vrp")
        assert instance.num_clients == int(row["n_customers"])
        assert instance.capacity == int(row["capacity"])
        assert instance.best_known == float(row["bks_cost"])
        assert instance.rounding == "round"
        assert not instance.has_time_windows


def test_best_known_solutions_verify_at_their_stated_cost(cvrp: Path) -> None:
    """The rounding convention is right: recomputed costs equal the published ones."""
    for name in ("X-n101-k25", "X-n148-k46", "X-n200-k36"):
        instance = read_instance(cvrp / f"{name}.vrp")
        solution = vrplib.read_solution(str(cvrp / f"{name}.sol"))
        check = verify_routes(instance, solution["routes"], reported_cost=solution["cost"])
        assert check.verified, check.violations
        assert check.objective == instance.best_known


def test_fingerprint_depends_on_the_data_not_the_file(cvrp: Path, tmp_path: Path) -> None:
    source = cvrp / "X-n101-k25.vrp"
    copy = tmp_path / "renamed.vrp"
    copy.write_text(source.read_text())
    assert read_instance(source).fingerprint() == read_instance(copy).fingerprint()
    assert read_instance(source).fingerprint() != read_instance(cvrp / "X-n106-k14.vrp").fingerprint()


def test_csv_reads_capacity_demands_and_time_windows() -> None:
    plain = read_instance(EXAMPLES / "deliveries.csv")
    assert plain.num_clients == 12 and plain.capacity == 30 and not plain.has_time_windows
    assert plain.demands[0] == 0 and plain.demands[7] == 10
    assert plain.distance(0, 1) == 42  # sqrt(30^2 + 30^2) = 42.43 rounds to 42
    timed = read_instance(EXAMPLES / "deliveries_tw.csv")
    assert timed.has_time_windows
    assert timed.due is not None and timed.due[0] == 480 and timed.service is not None and timed.service[3] == 10


def test_capacity_option_overrides_the_file() -> None:
    assert read_instance(EXAMPLES / "deliveries.csv", capacity=45).capacity == 45


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


CSV_HEADER = "# capacity=10\nid,x,y,demand\n0,0,0,0\n"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("over.csv", CSV_HEADER + "1,1,1,11\n", "client 1 has demand 11 above the vehicle capacity 10"),
        ("negative.csv", CSV_HEADER + "1,1,1,-3\n", "node 1 has negative demand -3"),
        ("nocap.csv", "id,x,y,demand\n0,0,0,0\n1,1,1,1\n", "no capacity"),
        ("header.csv", "# capacity=10\nname,x,y\n0,0,0\n", "header must be id,x,y,demand"),
        ("text.csv", CSV_HEADER + "1,one,1,1\n", "not a number"),
        ("fields.csv", CSV_HEADER + "1,1,1\n", "expected 4 fields, got 3"),
        ("empty.csv", "", "no header and rows"),
        ("onlydepot.csv", CSV_HEADER, "at least one client"),
        ("window.csv", "# capacity=10\nid,x,y,demand,ready,due,service\n0,0,0,0,0,100,0\n1,1,1,1,50,20,0\n",
         "node 1 has due time 20 before its ready time 50"),
        ("service.csv", "# capacity=10\nid,x,y,demand,ready,due,service\n0,0,0,0,0,100,0\n1,1,1,1,0,20,-5\n",
         "node 1 has negative service time -5"),
        ("fraction.csv", CSV_HEADER + "1,1,1,2.5\n", "demand of node 1 must be an integer, got 2.5"),
    ],
)
def test_bad_csv_is_rejected_naming_the_bad_value(tmp_path: Path, name: str, text: str, expected: str) -> None:
    with pytest.raises(InvalidModelError, match=expected) as caught:
        read_instance(_write(tmp_path, name, text))
    assert name in str(caught.value)


VRP = """NAME : tiny
TYPE : CVRP
DIMENSION : 3
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : {capacity}
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
DEMAND_SECTION
1 0
2 {demand}
3 4
DEPOT_SECTION
1
-1
EOF
"""


def test_small_vrplib_file_reads(tmp_path: Path) -> None:
    instance = read_instance(_write(tmp_path, "tiny.vrp", VRP.format(capacity=10, demand=5)))
    assert instance.num_clients == 2 and instance.distance(0, 2) == 10 and instance.best_known is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VRP.format(capacity=10, demand=12), "client 1 has demand 12 above the vehicle capacity 10"),
        (VRP.format(capacity=10, demand=-1), "node 1 has negative demand -1"),
        (VRP.format(capacity=0, demand=1), "capacity must be positive, got 0"),
        (VRP.format(capacity="ten", demand=1), "CAPACITY must be an integer"),
        (VRP.format(capacity=10, demand=1).replace("DEMAND_SECTION\n1 0\n2 1\n3 4\n", ""), "no DEMAND_SECTION"),
        ("NAME : broken\nTYPE : CVRP\nDIMENSION : 3\nNODE_COORD_SECTION\n1 0\nwhat\n", "not a readable VRPLIB instance"),
    ],
)
def test_bad_vrplib_is_rejected_naming_the_bad_value(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(InvalidModelError, match=expected):
        read_instance(_write(tmp_path, "bad.vrp", text))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        read_instance(tmp_path / "absent.vrp")


def test_a_subset_of_clients_keeps_their_places_and_distances(cvrp: Path) -> None:
    base = read_instance(cvrp / "X-n101-k25.vrp")
    day = base.with_clients([5, 2, 40], demands=[3, 4, 5], name="monday")
    assert day.num_clients == 3 and day.name == "monday" and day.best_known is None
    assert day.coords[1].tolist() == base.coords[5].tolist() and day.coords[0].tolist() == base.coords[0].tolist()
    assert day.distances[1, 3] == base.distances[5, 40] and day.demands.tolist() == [0, 3, 4, 5]
    assert base.with_clients([5, 2, 40]).demands.tolist() == [0, *base.demands[[5, 2, 40]].tolist()]
    assert day.fingerprint() != base.with_clients([5, 2, 40]).fingerprint()
    with pytest.raises(InvalidModelError, match="above the vehicle capacity"):
        base.with_clients([1], demands=[base.capacity + 1])
