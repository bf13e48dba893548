"""The store interface (runs, artifacts, studies) and its SQL and in-memory implementations."""

from optarium.store.base import (
    Artifact,
    ArtifactStore,
    Run,
    RunStore,
    Store,
    StudyStore,
    open_store,
)
from optarium.store.core import default_url

__all__ = ["Artifact", "ArtifactStore", "Run", "RunStore", "Store", "StudyStore", "default_url", "open_store"]
