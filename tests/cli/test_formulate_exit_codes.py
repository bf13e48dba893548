"""`optarium formulate FILE` follows the exit-code rule of cli/common.py: a formulated model whose solve hit the
time limit before any point is a failed run (exit 1), one that was solved is an answer (exit 0)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from optarium.cli.main import app


def market_split_lp() -> str:
    """Binary x with ``weights @ x == targets``: no solver finds a point of them in a fraction of a second."""
    weights = np.random.default_rng(7).integers(0, 100, size=(6, 50))
    lines = ["Minimize", " obj: " + " + ".join(f"x{j}" for j in range(50)), "Subject To"]
    lines += [f" r{i}: " + " + ".join(f"{w} x{j}" for j, w in enumerate(row)) + f" = {row.sum() // 2}"
              for i, row in enumerate(weights)]
    lines += ["Binary", " " + " ".join(f"x{j}" for j in range(50)), "End"]
    return "\n".join(lines)


SMALL_LP = "Maximize\n obj: 3 r + 4 s\nSubject To\n eggs: 2 r + 3 s <= 40\n bacon: 3 r + 5 s <= 70\nGeneral\n r s\nEnd"


@pytest.fixture
def llm() -> Iterator[dict[str, Any]]:
    """A chat-completions server on loopback that answers every request with ``state["lp"]`` in an lp block."""
    state: dict[str, Any] = {"lp": "", "url": ""}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            content = f"The model in LP form.\n\n```lp\n{state['lp']}\n```\n"
            body = json.dumps({
                "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": "scripted",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def formulate(llm: dict[str, Any], tmp_path: Path, lp: str) -> tuple[int, dict[str, Any], str]:
    llm["lp"] = lp
    question = tmp_path / "q.txt"
    question.write_text("Choose whole numbers of items so that every row of weights sums to half its total.\n")
    result = CliRunner().invoke(app, ["formulate", str(question), "--llm-url", llm["url"], "--llm-model", "m",
                                      "--rounds", "0", "--no-insights", "--time-limit", "0.05", "--json",
                                      "--store", f"sqlite:///{tmp_path / 's.db'}"])
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_a_formulated_model_with_no_point_at_the_time_limit_exits_1(llm: dict[str, Any], tmp_path: Path) -> None:
    code, out, err = formulate(llm, tmp_path, market_split_lp())
    assert (code, out["status"], out["objective"]) == (1, "time_limit", None), err


def test_a_formulated_model_solved_in_the_time_limit_exits_0(llm: dict[str, Any], tmp_path: Path) -> None:
    code, out, err = formulate(llm, tmp_path, SMALL_LP)
    assert (code, out["status"], out["objective"]) == (0, "optimal", 60.0), err
