"""``optarium serve``: the REST API, ask/tell over HTTP, solve jobs and the web dashboard.

Importing this package imports no web framework; :func:`create_app` and :func:`run` do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optarium.service.settings import ServiceSettings

__all__ = ["create_app", "run"]


def create_app(settings: ServiceSettings, store: Any = None) -> Any:
    """The FastAPI app (see :mod:`optarium.service.app`)."""
    from optarium.service.app import create_app as build

    return build(settings, store)


def run(settings: ServiceSettings) -> None:
    """Serve until interrupted (see :mod:`optarium.service.server`)."""
    from optarium.service.server import run as serve

    serve(settings)
