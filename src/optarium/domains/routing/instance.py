"""Vehicle routing instances: read VRPLIB files and a simple CSV into one checked type.

Node 0 is the depot, nodes 1..n the clients. Distances follow the instance's
rounding convention (``round``: nearest integer, as in VRPLIB ``EUC_2D``;
``ceil`` for ``CEIL_2D``; ``explicit`` for a given integer matrix) and are
what both the solver and the verifier use. Time windows are optional; when
present, travel time equals distance.
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from optarium.errors import InputFileError, InvalidModelError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

ROUNDINGS = ("round", "ceil", "explicit")
CSV_COLUMNS = ("id", "x", "y", "demand")
CSV_TIME_COLUMNS = ("ready", "due", "service")


@dataclass(frozen=True, eq=False)
class RoutingInstance:
    """A capacitated VRP instance, optionally with time windows.

    ``coords`` has shape (n+1, 2), ``demands`` (n+1,) with the depot's 0,
    ``distances`` (n+1, n+1) integers under ``rounding``; ``ready``, ``due``
    and ``service`` are (n+1,) arrays or all None. ``num_vehicles`` None means
    as many vehicles as needed; ``best_known`` is a best-known cost if one was found.
    A problem of kind ``"routing"`` (see :mod:`optarium.kinds`).
    """

    kind: ClassVar[str] = "routing"

    name: str
    coords: NDArray[np.float64]
    demands: NDArray[np.int64]
    capacity: int
    distances: NDArray[np.int64]
    rounding: str = "round"
    num_vehicles: int | None = None
    ready: NDArray[np.int64] | None = None
    due: NDArray[np.int64] | None = None
    service: NDArray[np.int64] | None = None
    best_known: float | None = None
    source: str = ""
    _fingerprint: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        import numpy as np

        where = self.source or self.name
        n = len(self.coords)
        if n < 2:
            raise InvalidModelError("an instance needs a depot and at least one client", source=where)
        if self.rounding not in ROUNDINGS:
            raise InvalidModelError(f"rounding must be one of {ROUNDINGS}, got {self.rounding!r}", source=where)
        if self.capacity <= 0:
            raise InvalidModelError(f"capacity must be positive, got {self.capacity}", source=where)
        if self.num_vehicles is not None and self.num_vehicles <= 0:
            raise InvalidModelError(f"number of vehicles must be positive, got {self.num_vehicles}", source=where)
        if self.demands.shape != (n,) or self.distances.shape != (n, n):
            raise InvalidModelError(f"demands {self.demands.shape} and distances {self.distances.shape} do not match {n} nodes", source=where)
        if not np.all(np.isfinite(self.coords)):
            raise InvalidModelError("coordinates must be finite numbers", source=where)
        if np.any(self.distances < 0):
            i, j = (int(v) for v in np.argwhere(self.distances < 0)[0])
            raise InvalidModelError(f"distance from node {i} to node {j} is negative ({self.distances[i, j]})", source=where)
        if self.demands[0] != 0:
            raise InvalidModelError(f"the depot (node 0) must have demand 0, got {self.demands[0]}", source=where)
        _check_nonnegative(self.demands, "demand", where)
        over = np.flatnonzero(self.demands > self.capacity)
        if over.size:
            client = int(over[0])
            raise InvalidModelError(
                f"client {client} has demand {self.demands[client]} above the vehicle capacity {self.capacity}", source=where)
        windows = (self.ready, self.due, self.service)
        if any(w is not None for w in windows):
            if any(w is None or w.shape != (n,) for w in windows):
                raise InvalidModelError("time windows need ready, due and service for every node", source=where)
            assert self.ready is not None and self.due is not None and self.service is not None
            for values, label in ((self.ready, "ready time"), (self.due, "due time"), (self.service, "service time")):
                _check_nonnegative(values, label, where)
            bad = np.flatnonzero(self.due < self.ready)
            if bad.size:
                node = int(bad[0])
                raise InvalidModelError(f"node {node} has due time {self.due[node]} before its ready time {self.ready[node]}", source=where)

    @property
    def num_clients(self) -> int:
        return len(self.coords) - 1

    @property
    def has_time_windows(self) -> bool:
        return self.ready is not None

    def distance(self, i: int, j: int) -> int:
        """Distance from node ``i`` to node ``j``, recomputed from the coordinates under the
        instance's rounding (the given matrix for ``explicit``)."""
        if self.rounding == "explicit":
            return int(self.distances[i, j])
        exact = math.hypot(float(self.coords[i, 0] - self.coords[j, 0]), float(self.coords[i, 1] - self.coords[j, 1]))
        return math.ceil(exact) if self.rounding == "ceil" else math.floor(exact + 0.5)

    def with_clients(self, clients: list[int], demands: list[int] | None = None, name: str | None = None) -> RoutingInstance:
        """The same depot, fleet and rules with only ``clients`` (node ids, in the new order), optionally
        with new ``demands`` for them: a day's subset of a fixed customer base. No best-known cost."""
        import numpy as np

        nodes = np.array([0, *clients], dtype=np.int64)
        new_demands = self.demands[nodes].copy() if demands is None else np.array([0, *demands], dtype=np.int64)
        ready, due, service = (None if values is None else values[nodes].copy() for values in (self.ready, self.due, self.service))
        return RoutingInstance(
            name=name or f"{self.name}-subset", coords=self.coords[nodes].copy(), demands=new_demands,
            capacity=self.capacity, distances=self.distances[np.ix_(nodes, nodes)].copy(), rounding=self.rounding,
            num_vehicles=self.num_vehicles, ready=ready, due=due, service=service, source=self.source)

    def fingerprint(self) -> str:
        """SHA-256 of the instance data (coordinates, demands, capacity, distances, windows)."""
        if not self._fingerprint:
            digest = hashlib.sha256()
            digest.update(f"routing|{self.capacity}|{self.num_vehicles}|{self.rounding}|".encode())
            arrays = [self.coords, self.demands, self.distances]
            arrays += [a for a in (self.ready, self.due, self.service) if a is not None]
            for array in arrays:
                digest.update(array.tobytes())
            self._fingerprint.append(digest.hexdigest())
        return self._fingerprint[0]

    def features(self) -> dict[str, Any]:
        """Simple size and shape numbers recorded with each run."""
        total = int(self.demands.sum())
        return {
            "problem_class": "VRPTW" if self.has_time_windows else "CVRP",
            "n_clients": self.num_clients,
            "capacity": self.capacity,
            "total_demand": total,
            "min_routes": min_routes(self.demands, self.capacity),
            "num_vehicles": self.num_vehicles,
            "rounding": self.rounding,
        }

    def compact(self) -> dict[str, Any]:
        """The data the warm start learns from, as plain lists (kept with each stored run)."""
        return {"coords": self.coords.tolist(), "demands": self.demands.tolist(), "capacity": self.capacity,
                "time_windows": self.has_time_windows}


def min_routes(demands: Any, capacity: int) -> int:
    """ceil(total demand / capacity): the fewest routes the demand allows (``demands`` may include
    the depot's zero entry)."""
    return math.ceil(sum(int(d) for d in demands) / capacity)


def _check_nonnegative(values: NDArray[Any], label: str, where: str) -> None:
    import numpy as np

    negative = np.flatnonzero(values < 0)
    if negative.size:
        node = int(negative[0])
        raise InvalidModelError(f"node {node} has negative {label} {values[node]}", source=where)


def euclidean_matrix(coords: NDArray[np.float64], rounding: str) -> NDArray[np.int64]:
    """All pairwise distances under ``round`` (nearest integer) or ``ceil``; shape (n, n)."""
    import numpy as np

    diff = coords[:, None, :] - coords[None, :, :]
    exact = np.sqrt((diff**2).sum(axis=2))
    rounded = np.ceil(exact) if rounding == "ceil" else np.floor(exact + 0.5)
    return rounded.astype(np.int64)


def read_instance(path: str | Path, *, capacity: int | None = None, best_known: float | None = None) -> RoutingInstance:
    """Read a VRPLIB file (``.vrp``, ``.txt``) or a CSV (``.csv``); raise a clear error for bad input.

    The best-known cost comes from ``best_known``, else from a ``.sol`` file
    with the same stem beside the instance (its ``Cost`` line), else None.
    ``capacity`` overrides the file's capacity (a CSV must give one somewhere).
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(str(path), "no such file" if not path.exists() else "not a file")
    if path.suffix.lower() == ".csv":
        instance = _read_csv(path, capacity)
    else:
        instance = _read_vrplib(path, capacity)
    if best_known is None:
        best_known = read_best_known(path.with_suffix(".sol"))
    if best_known is not None:
        from dataclasses import replace

        instance = replace(instance, best_known=float(best_known), _fingerprint=[])
    return instance


def read_best_known(sol_path: Path) -> float | None:
    """The ``Cost`` of a VRPLIB ``.sol`` file, or None when there is no such file or line."""
    if not sol_path.is_file():
        return None
    for line in sol_path.read_text(errors="replace").splitlines():
        if line.strip().lower().startswith("cost"):
            try:
                return float(line.split()[-1])
            except ValueError:
                raise InvalidModelError(f"cannot read the cost in line {line.strip()!r}", source=str(sol_path)) from None
    return None


def _read_vrplib(path: Path, capacity: int | None) -> RoutingInstance:
    import numpy as np
    import vrplib

    try:
        data = vrplib.read_instance(str(path))
    except Exception as error:  # vrplib raises many kinds of errors for malformed text
        raise InvalidModelError(f"not a readable VRPLIB instance ({type(error).__name__}: {error})", source=str(path)) from None
    if "node_coord" not in data and "edge_weight" not in data:
        raise InvalidModelError("no NODE_COORD_SECTION or EDGE_WEIGHT_SECTION", source=str(path))
    if "demand" not in data:
        raise InvalidModelError("no DEMAND_SECTION", source=str(path))
    if capacity is None:
        if "capacity" not in data:
            raise InvalidModelError("no CAPACITY", source=str(path))
        capacity = _as_int(data["capacity"], "CAPACITY", str(path))
    depots = np.atleast_1d(np.asarray(data.get("depot", [0])))
    if depots.size != 1 or int(depots[0]) != 0:
        raise InvalidModelError(f"exactly one depot, the first node, is supported; got depots {depots.tolist()}", source=str(path))
    demands = np.asarray(data["demand"], dtype=float)
    if demands.ndim != 1:
        raise InvalidModelError("only one demand dimension is supported", source=str(path))
    n = len(demands)
    if "dimension" in data and _as_int(data["dimension"], "DIMENSION", str(path)) != n:
        raise InvalidModelError(f"DIMENSION is {data['dimension']} but DEMAND_SECTION has {n} nodes", source=str(path))
    weight_type = str(data.get("edge_weight_type", "EUC_2D")).upper()
    if "node_coord" in data:
        coords = np.asarray(data["node_coord"], dtype=float)
    else:
        coords = np.zeros((n, 2))
    if coords.shape != (n, 2):
        raise InvalidModelError(f"{coords.shape[0]} coordinates for {n} demands", source=str(path))
    if weight_type in ("EUC_2D", "CEIL_2D"):
        rounding = "round" if weight_type == "EUC_2D" else "ceil"
        distances = euclidean_matrix(coords, rounding)
    elif weight_type == "EXPLICIT":
        rounding = "explicit"
        matrix = np.asarray(data["edge_weight"], dtype=float)
        if matrix.shape != (n, n) or not np.all(np.isfinite(matrix)) or np.any(matrix != np.round(matrix)):
            raise InvalidModelError(f"EDGE_WEIGHT_SECTION must be an {n}x{n} matrix of integers", source=str(path))
        distances = matrix.astype(np.int64)
    else:
        raise InvalidModelError(f"EDGE_WEIGHT_TYPE {weight_type} is not supported (EUC_2D, CEIL_2D, EXPLICIT)", source=str(path))
    ready = due = service = None
    if "time_window" in data:
        windows = np.asarray(data["time_window"], dtype=float)
        if windows.shape != (n, 2):
            raise InvalidModelError(f"TIME_WINDOW_SECTION has shape {windows.shape}, expected ({n}, 2)", source=str(path))
        ready = _integers(windows[:, 0], "ready time", str(path))
        due = _integers(windows[:, 1], "due time", str(path))
        service = _integers(np.asarray(data.get("service_time", np.zeros(n)), dtype=float).reshape(-1), "service time", str(path))
        if service.shape != (n,):
            service = np.full(n, int(service[0]) if service.size == 1 else 0, dtype=np.int64)
    vehicles = data.get("vehicles")
    return RoutingInstance(
        name=str(data.get("name", path.stem)).strip() or path.stem,
        coords=coords,
        demands=_integers(demands, "demand", str(path)),
        capacity=capacity,
        distances=distances,
        rounding=rounding,
        num_vehicles=None if vehicles is None else _as_int(vehicles, "VEHICLES", str(path)),
        ready=ready,
        due=due,
        service=service,
        source=str(path),
    )


def _read_csv(path: Path, capacity: int | None) -> RoutingInstance:
    """``id,x,y,demand[,ready,due,service]``, first row the depot; ``# capacity=Q`` and
    ``# vehicles=K`` comment lines before the header set capacity and fleet size."""
    import numpy as np

    where = str(path)
    settings: dict[str, str] = {}
    rows: list[list[str]] = []
    header: list[str] | None = None
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(where, f"cannot read: {error}") from None
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not "".join(row).strip():
            continue
        if row[0].lstrip().startswith("#"):
            comment = ",".join(row).lstrip("# ").strip()
            if "=" in comment:
                key, value = comment.split("=", 1)
                settings[key.strip().lower()] = value.strip()
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            expected = list(CSV_COLUMNS)
            if header[:4] != expected or header[4:] not in ([], list(CSV_TIME_COLUMNS)):
                raise InvalidModelError(f"header must be id,x,y,demand[,ready,due,service], got {','.join(header)}", source=where, line=number)
            continue
        if len(row) != len(header):
            raise InvalidModelError(f"expected {len(header)} fields, got {len(row)}", source=where, line=number)
        try:
            [float(cell) for cell in row[1:]]
        except ValueError:
            raise InvalidModelError(f"not a number in row {','.join(row)}", source=where, line=number) from None
        rows.append(row)
    if header is None or not rows:
        raise InvalidModelError("no header and rows (id,x,y,demand[,ready,due,service])", source=where)
    if capacity is None:
        if "capacity" not in settings:
            raise InvalidModelError("no capacity: add a line '# capacity=Q' before the header or give capacity=", source=where)
        capacity = _as_int(settings["capacity"], "capacity", where)
    vehicles = _as_int(settings["vehicles"], "vehicles", where) if "vehicles" in settings else None
    table = np.array([[float(cell) for cell in row[1:]] for row in rows])
    coords = table[:, 0:2]
    timed = len(header) == 7
    return RoutingInstance(
        name=path.stem,
        coords=coords,
        demands=_integers(table[:, 2], "demand", where),
        capacity=capacity,
        distances=euclidean_matrix(coords, "round") if np.all(np.isfinite(coords)) else np.zeros((len(rows), len(rows)), dtype=np.int64),
        rounding="round",
        num_vehicles=vehicles,
        ready=_integers(table[:, 3], "ready time", where) if timed else None,
        due=_integers(table[:, 4], "due time", where) if timed else None,
        service=_integers(table[:, 5], "service time", where) if timed else None,
        source=where,
    )


def _integers(values: Any, label: str, where: str) -> NDArray[np.int64]:
    import numpy as np

    array = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(array)):
        raise InvalidModelError(f"every {label} must be a finite number", source=where)
    if np.any(array != np.round(array)):
        node = int(np.flatnonzero(array != np.round(array))[0])
        raise InvalidModelError(f"{label} of node {node} must be an integer, got {array[node]}", source=where)
    return array.astype(np.int64)


def _as_int(value: Any, label: str, where: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidModelError(f"{label} must be an integer, got {value!r}", source=where) from None
    if not math.isfinite(number) or number != round(number):
        raise InvalidModelError(f"{label} must be an integer, got {value!r}", source=where)
    return int(number)
