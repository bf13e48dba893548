"""Learned artifacts as JSON documents: what ``optarium learn export`` writes and ``learn import`` reads back.

A document holds ``name``, ``version``, ``created_at``, ``meta`` and either ``data`` (the
artifact's bytes when they are JSON) or ``data_base64`` (any other bytes).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from optarium.errors import InputFileError, read_user_text

if TYPE_CHECKING:
    from optarium.store.base import Artifact


@dataclass(frozen=True)
class ArtifactDocument:
    """What an exported document carries back into a store: the name, the data bytes and the meta."""

    name: str
    data: bytes
    meta: dict[str, Any]


def to_document(artifact: Artifact) -> dict[str, Any]:
    """The JSON document of ``artifact`` (its data as JSON where it is JSON, else base64)."""
    try:
        data: dict[str, Any] = {"data": json.loads(artifact.data.decode())}
    except (UnicodeDecodeError, ValueError):
        data = {"data_base64": base64.b64encode(artifact.data).decode()}
    return {"name": artifact.name, "version": artifact.version, "created_at": str(artifact.created_at),
            "meta": artifact.meta, **data}


def read_document(path: str | os.PathLike[str]) -> ArtifactDocument:
    """Read a document written by :func:`to_document`; raises :class:`InputFileError` naming ``path``
    and what is wrong when it is missing, not JSON, or lacks the name, the meta or the data."""
    file, text = read_user_text(path, "an exported artifact")
    what = "not an artifact exported by `optarium learn export`"
    if not text.strip():
        raise InputFileError(str(file), f"file is empty; {what}")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise InputFileError(str(file), f"not JSON ({error}); {what}") from None
    if not isinstance(document, dict):
        raise InputFileError(str(file), f"{what} (a JSON object with name, meta and data)")
    name, meta = document.get("name"), document.get("meta")
    if not isinstance(name, str) or not name.strip():
        raise InputFileError(str(file), f"{what}: `name` must be a non-empty string")
    if not isinstance(meta, dict):
        raise InputFileError(str(file), f"{what}: `meta` must be a JSON object")
    if "data" in document:
        data = json.dumps(document["data"]).encode()
    elif isinstance(document.get("data_base64"), str):
        try:
            data = base64.b64decode(document["data_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise InputFileError(str(file), f"{what}: `data_base64` is not base64") from None
    else:
        raise InputFileError(str(file), f"{what}: it has neither `data` nor `data_base64`")
    return ArtifactDocument(name, data, meta)
