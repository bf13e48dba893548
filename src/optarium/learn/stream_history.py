"""What a stream of one name learned across calls (``solve_stream(history=NAME)``): the artifact ``stream.NAME``.

Its data is each configuration's runs by label, ``[seconds, finished]``, so a later stream with
another time cap reads them afresh; its meta counts the runs and instances and keeps the centre
of the instances' recognition vectors.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError

if TYPE_CHECKING:
    from optarium.store.base import Store

HISTORY_RUNS = 1000  # the newest runs kept per configuration: the posterior of a family's times needs no more


def load_history(handle: Store, history: str) -> tuple[dict[str, list[list[Any]]], dict[str, Any]]:
    """Each configuration's kept runs ``[seconds, finished]`` by label, and the artifact's meta (empty when none)."""
    artifact = handle.load_artifact(f"stream.{history}")
    if artifact is None:
        return {}, {}
    try:
        runs = json.loads(artifact.data)
        return {str(label): [[float(seconds), bool(finished)] for seconds, finished in arm_runs]
                for label, arm_runs in runs.items()}, dict(artifact.meta)
    except (ValueError, TypeError, AttributeError):  # not what save_history writes (an artifact imported by hand)
        raise OptionError("history", history, f"a stream history; artifact stream.{history} v{artifact.version} "
                          "holds no configuration times") from None


def save_history(handle: Store, history: str, runs: dict[str, list[list[Any]]], centre: list[float],
                 solved: int) -> None:
    """Add ``runs`` (this stream's, by label) to ``stream.<history>`` as it is now, as its next version; the
    centre moves by ``solved`` new instances. Read again here, so a stream of the same name that ended
    meanwhile keeps its runs."""
    kept, known = load_history(handle, history)
    for label, new in runs.items():
        kept.setdefault(label, []).extend(new)
    kept = {label: arm_runs[-HISTORY_RUNS:] for label, arm_runs in kept.items()}
    before = int(known.get("instances", 0)) if len(known.get("centroid") or []) == len(centre) else 0
    if before:  # the centre of every instance the history has seen, to tell when a stream is of another kind
        centre = [(old * before + new * solved) / (before + solved) for old, new in zip(known["centroid"], centre, strict=True)]
    meta = {"kind": "stream", "policy": "thompson", "runs": sum(len(arm_runs) for arm_runs in kept.values()),
            "configs": sorted(kept), "instances": before + solved, "centroid": centre}
    handle.save_artifact(f"stream.{history}", json.dumps(kept).encode(), meta)
