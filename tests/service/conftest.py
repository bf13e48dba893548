"""A real ``optarium serve`` process on a free loopback port, talked to over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``python -m optarium.service`` with the given flags; :meth:`stop` ends it with Ctrl-C."""

    def __init__(self, store: str, *flags: str, env: dict[str, str] | None = None, root_path: str = ""):
        self.store = store
        self.flags = list(flags)
        self.env = {**os.environ, **(env or {})}
        self.port = free_port()
        self.root_path = root_path
        self.process: subprocess.Popen[str] | None = None
        self.log = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        args = [sys.executable, "-m", "optarium.service", "--port", str(self.port), "--store", self.store, *self.flags]
        if self.root_path:
            args += ["--root-path", self.root_path]
        self.process = subprocess.Popen(args, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server ended on start: {self.process.stdout.read() if self.process.stdout else ''}")
            try:
                httpx.get(f"{self.url}{self.root_path}/api/health", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the server did not answer within 30 s")

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=f"{self.url}/api", headers=headers, timeout=30)

    def stop(self) -> str:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.log = self.process.stdout.read()
        return self.log


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start servers (``serve(store_url, *flags, env=...)``); every one is stopped after the test."""
    started: list[Server] = []

    def start(store: str, *flags: str, env: dict[str, str] | None = None, root_path: str = "") -> Server:
        server = Server(store, *flags, env=env, root_path=root_path).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server on a fresh SQLite store for the tests of a module that each use their own study names."""
    server = Server(f"sqlite:///{tmp_path_factory.mktemp('shared')}/store.db").start()
    yield server
    server.stop()
