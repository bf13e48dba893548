"""Run the app under uvicorn on the settings' host and port."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from optarium.service.settings import ServiceSettings

logger = logging.getLogger(__name__)


def describe(settings: ServiceSettings, url: str) -> list[str]:
    """The lines ``serve`` prints on start: where, which store, how it is protected."""
    from optarium.store.core import redact_text

    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    base = f"http://{host}:{settings.port}{settings.root_path}"
    lines = [f"optarium serve: dashboard {base}/  API docs {base}/api/docs",
             f"store: {redact_text(url)}; solve workers: {settings.workers}"]
    if settings.secured:
        scopes = sorted({token.scope for token in settings.tokens})
        lines.append(f"tokens: {len(settings.tokens)} configured (scopes: {', '.join(scopes)}); "
                     "every API request needs `Authorization: Bearer TOKEN`")
    else:
        lines.append("no token configured: serving on loopback only; anyone on this machine may read and write")
    return lines


def check_port(host: str, port: int) -> None:
    """Refuse a port that is taken (or an address this machine does not have) before anything starts."""
    import socket

    from optarium.errors import OptionError

    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OptionError("port", port, f"a free port on {host} ({error.strerror or error})") from None


def run(settings: ServiceSettings) -> None:
    """Serve until Ctrl-C; the store is opened (and created) before the port is taken."""
    import uvicorn

    from optarium.service.app import create_app

    check_port(settings.host, settings.port)
    app = create_app(settings)
    for line in describe(settings, app.state.store.url):
        sys.stderr.write(line + "\n")
    sys.stderr.flush()
    config = uvicorn.Config(app, host=settings.host, port=settings.port, root_path=settings.root_path,
                            proxy_headers=True, forwarded_allow_ips="127.0.0.1", log_level="warning",
                            access_log=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    app.state.uvicorn = server  # event streams end when it is told to stop, instead of holding the shutdown
    server.run()
