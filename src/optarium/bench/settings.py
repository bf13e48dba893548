"""Checked settings of ``optarium bench audit`` (``from_file`` reads them from TOML, see
:class:`optarium.settings.Settings`); ``bench nl`` takes the formulate settings."""

from __future__ import annotations

import dataclasses

from optarium.errors import OptionError
from optarium.settings import Settings, positive, positive_int


@dataclasses.dataclass(frozen=True)
class AuditSettings(Settings):
    """``solvers``: comma-separated backends each gold model is solved with; ``time_limit``: seconds
    per solve; ``limit``: audit only the first records with a gold model; ``jobs``: records at a time
    on Ray (``ray``, or the cluster at ``ray_address``); without Ray they go one after another.
    ``ray=False`` runs here even where ``ray_address`` names a cluster; ``None`` (not said) runs on
    Ray only with a ``ray_address``."""

    solvers: str = "highs,scip"
    time_limit: float = 60.0
    limit: int | None = None
    jobs: int = 1
    ray: bool | None = None
    ray_address: str | None = None

    def __post_init__(self) -> None:
        from optarium.solvers import registry

        if not self.names or any(name not in registry.names() for name in self.names):
            raise OptionError("solvers", self.solvers, f"comma-separated backend names among {', '.join(registry.names())}")
        positive("time_limit", self.time_limit, "a positive number of seconds")
        positive_int("limit", self.limit, "a positive number of records")
        positive_int("jobs", self.jobs)

    @property
    def names(self) -> list[str]:
        """The backends, in the order given."""
        return [name.strip() for name in self.solvers.split(",") if name.strip()]

    @property
    def on_ray(self) -> bool:
        """Whether the records go to Ray: ``ray`` when said, else whether a ``ray_address`` is given."""
        return self.ray if self.ray is not None else self.ray_address is not None
