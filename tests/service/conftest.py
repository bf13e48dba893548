"""A real ``optarium serve`` process on a free loopback port, talked to over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# a question in words and an LLM's answer to it with an LP model (optimum 60: 20 regular, 0 special)
QUESTION = ("A breakfast joint makes regular and special sandwiches. A regular one needs 2 eggs and 3 slices of bacon, "
            "a special one 3 eggs and 5 slices. There are 40 eggs and 70 slices. A regular earns $3, a special $4. "
            "How many of each maximise the profit?")
LP_ANSWER = """Variables: r, s >= 0 integers. Objective: maximise 3 r + 4 s. Constraints: eggs and bacon.

```lp
Maximize
 profit: 3 r + 4 s
Subject To
 eggs: 2 r + 3 s <= 40
 bacon: 3 r + 5 s <= 70
General
 r s
End
```
"""


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
        """Start the server; if another process took the probed port first, start again on another."""
        for _ in range(3):
            if self._start_once():
                return self
            self.port = free_port()
        raise RuntimeError(f"no free port for the server after three tries: {self.log}")

    def _start_once(self) -> bool:
        args = [sys.executable, "-m", "optarium.service", "--port", str(self.port), "--store", self.store, *self.flags]
        if self.root_path:
            args += ["--root-path", self.root_path]
        self.process = subprocess.Popen(args, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log = self.process.stdout.read() if self.process.stdout else ""
                if "a free port" in self.log:  # serve refuses a taken port before it starts
                    return False
                raise RuntimeError(f"the server ended on start: {self.log}")
            try:
                httpx.get(f"{self.url}{self.root_path}/api/health", timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            if self.process.poll() is None:  # the answer came from this server, not one that held the port
                return True
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


class ScriptedLLM:
    """A real OpenAI-compatible chat-completions endpoint on loopback: each request gets the next of
    ``answers`` (the last one again once they run out); ``questions`` holds the user prompts it received."""

    def __init__(self) -> None:
        self.answers: list[str] = []
        self.questions: list[str] = []
        state = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                state.questions.append(body["messages"][-1]["content"])
                answer = state.answers[min(len(state.questions), len(state.answers)) - 1]
                reply = json.dumps({"id": "scripted", "object": "chat.completion", "created": 0, "model": "scripted",
                                    "choices": [{"index": 0, "finish_reason": "stop",
                                                 "message": {"role": "assistant", "content": answer}}],
                                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.env = {"OPTARIUM_LLM_URL": f"http://127.0.0.1:{self.server.server_address[1]}/v1",
                    "OPTARIUM_LLM_MODEL": "scripted"}
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    """A scripted LLM endpoint; start a server with ``env=llm.env`` to formulate with it."""
    scripted = ScriptedLLM()
    yield scripted
    scripted.server.shutdown()
    scripted.server.server_close()


ONE_FLOAT = {"x": {"type": "float", "low": 0.0, "high": 1.0}}
# a study to create on every store: name, directions, and (value or values, feasibility) told in order
StudySpec = tuple[str, list[str], list[tuple[Any, float | None]]]


def told_study(api: httpx.Client, name: str, directions: list[str], told: list[tuple[Any, float | None]]) -> None:
    """Create study ``name`` (one float parameter, random sampler) over HTTP and tell it ``told``."""
    assert api.post("/studies", json={"name": name, "space": ONE_FLOAT, "directions": directions, "sampler": "random",
                                      "seed": 1}).status_code == 201
    if not told:
        return
    asked = api.post(f"/studies/{name}/ask", json={"n": len(told)}).json()["trials"]
    for trial, (value, feasibility) in zip(asked, told, strict=True):
        answer = api.post(f"/studies/{name}/tell", json={"number": trial["number"], "value": value,
                                                         "feasibility": feasibility})
        assert answer.status_code == 200, answer.text


def servers_with_studies(tmp_path_factory: pytest.TempPathFactory, label: str,
                         studies: list[StudySpec]) -> Iterator[dict[str, Server]]:
    """One server on SQLite, memory and PostgreSQL each, with ``studies`` on every one (for a module fixture)."""
    from ..conftest import _postgres_database

    database = _postgres_database()
    started = {"sqlite": Server(f"sqlite:///{tmp_path_factory.mktemp(label)}/store.db").start(),
               "memory": Server(f"memory://{label}").start(), "postgresql": Server(next(database)).start()}
    try:
        for server in started.values():
            with server.client() as api:
                for name, directions, told in studies:
                    told_study(api, name, directions, told)
        yield started
    finally:
        for server in started.values():
            server.stop()
        database.close()  # drops the database
