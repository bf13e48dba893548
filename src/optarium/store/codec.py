"""The compact binary form of a run's values: names and float64 values in one blob.

Layout: ``OPV1``, the count as a little-endian uint64, the values as
little-endian float64, then the names in UTF-8 separated by NUL bytes.
Encoding 500,000 values takes milliseconds where JSON took half a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

MAGIC = b"OPV1"


def pack_values(names: Sequence[str], values: NDArray[np.float64]) -> bytes:
    """One blob holding ``names`` and ``values`` (same length)."""
    array = np.ascontiguousarray(values, dtype="<f8")
    if array.ndim != 1 or len(array) != len(names):
        raise ValueError(f"`names` and `values` must have the same length, got {len(names)} and {array.shape}")
    header = MAGIC + np.uint64(len(array)).astype("<u8").tobytes()
    joined = getattr(names, "text", None)  # names kept joined already (problem.program.Names)
    if not isinstance(joined, str):
        joined = "\0".join(names)
    return b"".join((header, array.tobytes(), joined.encode("utf-8")))


def unpack_arrays(blob: bytes) -> tuple[list[str], NDArray[np.float64]]:
    """The names and values a blob holds."""
    if blob[:4] != MAGIC:
        raise ValueError("not a packed values blob (bad magic)")
    count = int(np.frombuffer(blob, dtype="<u8", count=1, offset=4)[0])
    values = np.frombuffer(blob, dtype="<f8", count=count, offset=12).astype(np.float64)
    text = blob[12 + 8 * count :].decode("utf-8")
    names = text.split("\0") if count else []
    if len(names) != count:
        raise ValueError(f"packed values blob holds {count} values but {len(names)} names")
    return names, values


def unpack_values(blob: bytes) -> dict[str, float]:
    """The values of a blob by name."""
    names, values = unpack_arrays(blob)
    return dict(zip(names, values.tolist(), strict=True))
