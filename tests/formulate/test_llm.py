"""The LLM client against real HTTP servers on loopback: max_tokens reaches the endpoint, streamed answers are
joined, and the timeout bounds the whole request and closes it, so the server stops generating."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from optarium.formulate.errors import LLMConfigError, LLMTimeoutError
from optarium.formulate.llm import LLMClient
from optarium.formulate.settings import FormulateSettings

OPTARIUM = str(Path(sys.executable).parent / "optarium")


@dataclass
class StreamingLLM:
    """A server that streams ``tokens`` as chat-completion chunks, ``pause`` seconds apart.

    ``tokens=None`` streams forever (a model that never stops). ``stopped`` is set when the client
    hangs up mid-answer and the server's next write fails: its generation ends there.
    """

    url: str = ""
    tokens: list[str] | None = field(default_factory=lambda: ["The ", "answer ", "is ", "60."])
    pause: float = 0.0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)


def _handler(state: StreamingLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _event(self, data: dict[str, Any] | str) -> None:
            text = data if isinstance(data, str) else json.dumps(data)
            payload = f"data: {text}\n\n".encode()
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            self.wfile.flush()

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            state.bodies.append(body)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                count = 0
                while state.tokens is None or count < len(state.tokens):
                    token = "x " if state.tokens is None else state.tokens[count]
                    self._event({"choices": [{"index": 0, "delta": {"content": token}}]})
                    count += 1
                    state.sent = count
                    time.sleep(state.pause)
                self._event({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": count}})
                self._event("[DONE]")
                self.wfile.write(b"0\r\n\r\n")
                state.finished.set()
            except (BrokenPipeError, ConnectionResetError):
                state.stopped.set()

    return Handler


@pytest.fixture
def streaming_llm() -> Iterator[StreamingLLM]:
    state = StreamingLLM()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_a_streamed_answer_is_joined_with_its_token_counts_and_max_tokens_is_sent(streaming_llm: StreamingLLM) -> None:
    call = LLMClient(streaming_llm.url, "m", api_key="", max_tokens=321).chat([{"role": "user", "content": "hi"}])
    assert call.response == "The answer is 60."
    assert (call.prompt_tokens, call.completion_tokens) == (12, 4)
    body = streaming_llm.bodies[0]
    assert body["max_tokens"] == 321 and body["stream"] is True and body["model"] == "m"


def test_the_timeout_bounds_the_whole_answer_and_hanging_up_stops_the_generation(streaming_llm: StreamingLLM) -> None:
    streaming_llm.tokens, streaming_llm.pause = None, 0.05  # a token every 50 ms, never done
    client = LLMClient(streaming_llm.url, "m", api_key="", timeout=1.0, retries=2)
    started = time.perf_counter()
    with pytest.raises(LLMTimeoutError, match=r"did not answer within 1 s \(max_tokens 4096\); the request was closed"):
        client.chat([{"role": "user", "content": "hi"}])
    assert time.perf_counter() - started < 2.0  # each token came well within the timeout: only the total can stop it
    assert streaming_llm.stopped.wait(2.0), "the server kept generating after the client gave up"
    assert len(streaming_llm.bodies) == 1  # a timed-out request is not sent again to queue behind the first


def test_the_deadline_holds_between_two_tokens(streaming_llm: StreamingLLM) -> None:
    # a token every 0.9 s: no read waits a whole second, yet the answer must end at 1 s, not at the next token
    streaming_llm.tokens, streaming_llm.pause = None, 0.9
    client = LLMClient(streaming_llm.url, "m", api_key="", timeout=1.0)
    started = time.perf_counter()
    with pytest.raises(LLMTimeoutError):
        client.chat([{"role": "user", "content": "hi"}])
    assert time.perf_counter() - started < 1.5


def test_max_tokens_and_timeout_are_settings_checked_with_python_names(tmp_path: Path) -> None:
    file = tmp_path / "f.toml"
    file.write_text("llm_max_tokens = 512\nllm_timeout = 30\nllm_url = 'http://127.0.0.1:1/v1'\nllm_model = 'm'\n")
    settings = FormulateSettings.from_file(file)
    client = settings.client()
    assert (client.max_tokens, client.timeout) == (512, 30)
    with pytest.raises(ValueError, match="llm_max_tokens"):
        FormulateSettings(llm_max_tokens=0)
    with pytest.raises(LLMConfigError, match="`max_tokens` must be a positive integer"):
        LLMClient("http://127.0.0.1:1/v1", "m", max_tokens=-5)


def test_the_cli_sends_llm_max_tokens_and_refuses_a_bad_one(streaming_llm: StreamingLLM, tmp_path: Path) -> None:
    question = tmp_path / "q.txt"
    question.write_text("Maximize 3x + 4y subject to 2x + 3y <= 40 and x, y >= 0.\n")
    base = [OPTARIUM, "formulate", str(question), "--llm-url", streaming_llm.url, "--llm-model", "m", "--rounds", "0",
            "--store", f"sqlite:///{tmp_path / 's.db'}"]
    done = subprocess.run([*base, "--llm-max-tokens", "77"], capture_output=True, text=True, timeout=120)
    assert streaming_llm.bodies and streaming_llm.bodies[0]["max_tokens"] == 77, done.stderr
    bad = subprocess.run([*base, "--llm-max-tokens", "0"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--llm-max-tokens" in bad.stderr


def test_a_server_answering_in_one_piece_still_works(llm_server: Any) -> None:
    llm_server.script = [{"content": "plain"}]
    call = LLMClient(llm_server.url, "m", api_key="", max_tokens=99).chat([{"role": "user", "content": "hi"}])
    assert call.response == "plain" and call.completion_tokens == 50
    assert llm_server.requests[0]["max_tokens"] == 99



def test_each_request_and_answer_is_logged_under_the_module_logger(
    streaming_llm: StreamingLLM, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="optarium"):
        LLMClient(streaming_llm.url, "m", api_key="", max_tokens=10).chat([{"role": "user", "content": "hi"}])
    lines = [record.getMessage() for record in caplog.records if record.name == "optarium.formulate.llm"]
    assert lines[0].startswith("asking m at http://127.0.0.1:") and "max_tokens 10" in lines[0]
    assert "answer from m: 12 prompt + 4 completion tokens" in lines[1]
