"""A real OpenAI-compatible chat-completions server on loopback that replays scripted answers."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

# A step is what the server does for one request: a dict with "content" (a normal answer),
# "status"+"body" (an HTTP error), "raw" (a 200 answer with this body), "delay" (seconds to
# wait first), or a function of the request body returning such a dict.
Step = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class ScriptedLLM:
    """The server's script and what it received; ``url`` is the base URL to give the client."""

    url: str
    script: list[Step] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    require_key: str | None = None

    def next_step(self, body: dict[str, Any]) -> dict[str, Any]:
        index = min(len(self.requests) - 1, len(self.script) - 1)
        step = self.script[index]
        return step(body) if callable(step) else step

    def user_prompts(self) -> list[str]:
        return [request["messages"][-1]["content"] for request in self.requests]


def completion(content: str, prompt_tokens: int = 100, completion_tokens: int = 50) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": "scripted",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def _handler(state: ScriptedLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append(body)
            state.headers.append(dict(self.headers))
            if not self.path.endswith("/chat/completions"):
                self._send(404, b'{"error": "not found"}')
                return
            if state.require_key and self.headers.get("Authorization") != f"Bearer {state.require_key}":
                self._send(401, b'{"error": {"message": "invalid or missing api key"}}')
                return
            step = state.next_step(body)
            if step.get("delay"):
                time.sleep(step["delay"])
            if "status" in step:
                self._send(step["status"], str(step.get("body", "")).encode())
            elif "raw" in step:
                self._send(200, str(step["raw"]).encode())
            else:
                self._send(200, json.dumps(completion(step["content"])).encode())

    return Handler


@pytest.fixture
def llm_server() -> Iterator[ScriptedLLM]:
    """A scripted chat-completions server on 127.0.0.1 (set ``.script`` before use)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state := ScriptedLLM(url="")))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


BREAKFAST = (
    "A breakfast joint makes two different sandwiches: a regular and a special. Both need eggs and bacon. "
    "Each regular sandwich requires 2 eggs and 3 slices of bacon. Each special sandwich requires 3 eggs and "
    "5 slices of bacon. The joint has a total of 40 eggs and 70 slices of bacon. It makes a profit of $3 per "
    "regular sandwich and a profit of $4 per special sandwich. How many of each sandwich should be made to "
    "maximize profit?"
)
BREAKFAST_ANSWER = 60.0


def pyomo_answer(profit_special: int = 4, extra: str = "", bug: str = "") -> str:
    """An LLM-style answer: the five elements in prose, then Pyomo code in a fenced block."""
    return f"""Sets: none.
Parameters: eggs 40, bacon 70, profits 3 and {profit_special}.
Variables: r, s >= 0 integers (sandwiches).
Objective: maximize 3 r + {profit_special} s.
Constraints: 2 r + 3 s <= 40 (eggs); 3 r + 5 s <= 70 (bacon).

```python
import pyomo.environ as pyo
model = pyo.ConcreteModel()
model.r = pyo.Var(within=pyo.NonNegativeIntegers)
model.s = pyo.Var(within=pyo.NonNegativeIntegers)
model.eggs = pyo.Constraint(expr=2 * model.r + 3 * model.s <= 40)
model.bacon = pyo.Constraint(expr=3 * model.r + 5 * model.s <= 70)
{extra}model.profit = pyo.Objective(expr=3 * model.r + {profit_special} * model.s{bug}, sense=pyo.maximize)
```
"""


@pytest.fixture
def kit() -> Any:
    """The breakfast problem (answer 60) and builders of scripted LLM answers."""
    from types import SimpleNamespace

    return SimpleNamespace(
        question=BREAKFAST, answer=BREAKFAST_ANSWER, pyomo=pyomo_answer, completion=completion,
        infeasible_lp="```lp\nMaximize\n obj: x\nSubject To\n c1: x >= 5\n c2: x <= 3\nEnd\n```",
    )
