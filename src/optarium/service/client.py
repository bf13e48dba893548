"""A small client of ``optarium serve`` for experiment workers: create a study, ask, tell.

One keep-alive HTTP connection (the standard library's ``http.client``, Nagle's algorithm off),
so a worker's loop costs one short request per trial::

    with StudyClient("http://lab:8080", token=...) as api:
        api.create_study("lab", space, sampler="gp", load_if_exists=True)
        (trial,) = api.ask("lab")
        while trial is not None:
            told = api.tell("lab", trial["number"], evaluate(trial["params"]), ask=1)
            trial = told["next"][0] if told["next"] else None
"""

from __future__ import annotations

import http.client
import json
import select
import socket
from typing import Any
from urllib.parse import quote, urlsplit

from optarium.errors import OptariumError, OptionError

# a reused connection the server closed while idle fails on the first read; such a request was never handled
_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class ServiceError(OptariumError, RuntimeError):
    """An answer of the service with an error status: ``status`` and the service's one-line ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class StudyClient:
    """Ask/tell over HTTP on one keep-alive connection; not for use from several threads at once."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0):
        """``url``: the server, as ``optarium serve`` prints it (``http://host:port[/root-path]``)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OptionError("url", url, "an http:// or https:// address such as http://127.0.0.1:8080")
        if timeout <= 0:
            raise OptionError("timeout", timeout, "a positive number of seconds")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._prefix = parts.path.rstrip("/") + "/api"
        self._timeout = timeout
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._connection: http.client.HTTPConnection | None = None

    def __enter__(self) -> StudyClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # the study calls ----------------------------------------------------------------------
    def create_study(self, name: str, space: dict[str, Any], **settings: Any) -> dict[str, Any]:
        """Create a study (``sampler``, ``direction``/``directions``, ``seed``, ``budget``, ``load_if_exists``...)."""
        answer: dict[str, Any] = self.request("POST", "/studies", {"name": name, "space": space, **settings})
        return answer

    def ask(self, study: str, n: int = 1) -> list[dict[str, Any]]:
        """``n`` new pending trials, each ``{"number", "params", "sampler"}``."""
        trials: list[dict[str, Any]] = self.request("POST", f"/studies/{quote(study, safe='')}/ask", {"n": n})["trials"]
        return trials

    def tell(self, study: str, number: int, value: float | list[float] | None = None, *,
             feasibility: float | None = None, failed: bool = False, ask: int = 0) -> dict[str, Any]:
        """Tell trial ``number`` its value (a list for several objectives) or ``failed=True``; with ``ask`` > 0
        the answer's ``next`` holds that many new trials, asked in the same request."""
        body: dict[str, Any] = {"number": number, "value": value, "failed": failed, "ask": ask}
        if feasibility is not None:
            body["feasibility"] = feasibility
        told: dict[str, Any] = self.request("POST", f"/studies/{quote(study, safe='')}/tell", body)
        return told

    # one request --------------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None) -> Any:
        """``method`` on ``/api{path}`` with a JSON ``body``; the decoded JSON answer, or :class:`ServiceError`."""
        payload = None if body is None else json.dumps(body, allow_nan=False).encode()
        reused = self._connection is not None and not _closed_by_peer(self._connection)
        if not reused:
            self.close()
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, self._prefix + path, payload, self._headers)
                response = connection.getresponse()
                data = response.read()
                break
            except _DROPPED:
                self.close()
                if attempt == 2 or not reused:
                    raise
            except BaseException:
                self.close()
                raise
        if response.will_close:
            self.close()
        answer = json.loads(data) if data else None
        if response.status >= 400:
            message = answer.get("error") if isinstance(answer, dict) else None
            raise ServiceError(response.status, message or response.reason)
        return answer

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=self._timeout)
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connection = connection
        return self._connection


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """Whether the server closed the idle connection (it reads as ready, with nothing or an end to read)."""
    if connection.sock is None:
        return True
    readable, _, _ = select.select([connection.sock], [], [], 0)
    return bool(readable)
