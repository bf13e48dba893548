"""Run the app under uvicorn on the settings' host and port."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import socket
    from collections.abc import Callable

    from optarium.service.settings import ServiceSettings

logger = logging.getLogger(__name__)


def listening(settings: ServiceSettings, store_url: str, host: str, port: int) -> dict[str, Any]:
    """Where the service is, once it listens on ``host`` and ``port`` (the bound ones, a port 0 asked for
    included): ``url`` (with the root path), ``host``, ``port``, ``store`` (a password in it hidden) and
    ``tokens``, how many are configured (never their values)."""
    from optarium.store.core import redact_text

    shown = f"[{host}]" if ":" in host else host
    return {"url": f"http://{shown}:{port}{settings.root_path}", "host": host, "port": port,
            "store": redact_text(store_url), "tokens": len(settings.tokens)}


def describe(settings: ServiceSettings, url: str, port: int | None = None) -> list[str]:
    """The lines ``serve`` prints on start: where (``port``: the one bound, default the settings'), which
    store, how it is protected."""
    base = listening(settings, url, settings.host, settings.port if port is None else port)
    lines = [f"optarium serve: dashboard {base['url']}/  API docs {base['url']}/api/docs",
             f"store: {base['store']}; solve workers: {settings.workers}"]
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


def run(settings: ServiceSettings, on_listening: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Serve until Ctrl-C; the store is opened (and created) before the port is taken.

    Once the port is bound and the app started, the start-up lines go to stderr and ``on_listening``
    is called with :func:`listening`'s address (the bound port, where the settings asked for port 0).
    """
    import contextlib
    import signal
    import threading
    from collections.abc import Iterator

    import uvicorn

    from optarium.service.app import create_app

    check_port(settings.host, settings.port)
    app = create_app(settings)
    store_url = app.state.store.url
    stopped_by: list[int] = []

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn raises a Ctrl-C again inside the event loop, where asyncio cancels the app and a traceback
            # is printed; the signals are raised again here once the loop has ended
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            original = {number: signal.signal(number, self.handle_exit) for number in handled}
            try:
                yield
            finally:
                for number, handler in original.items():
                    signal.signal(number, handler)

        def handle_exit(self, sig: int, frame: Any) -> None:
            stopped_by.append(sig)
            super().handle_exit(sig, frame)

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if not self.started:
                return
            bound = self.servers[0].sockets[0].getsockname()
            host, port = str(bound[0]), int(bound[1])
            for line in describe(settings, store_url, port):
                sys.stderr.write(line + "\n")
            sys.stderr.flush()
            if on_listening is not None:
                on_listening(listening(settings, store_url, host, port))

    config = uvicorn.Config(app, host=settings.host, port=settings.port, root_path=settings.root_path,
                            proxy_headers=True, forwarded_allow_ips="127.0.0.1", log_level="warning",
                            access_log=False, timeout_graceful_shutdown=5)
    server = Server(config)
    app.state.uvicorn = server  # event streams end when it is told to stop, instead of holding the shutdown
    server.run()
    for number in reversed(stopped_by):  # as the shell expects: Ctrl-C ends in KeyboardInterrupt, SIGTERM ends the process
        signal.raise_signal(number)
