"""Text from users and from the LLM is printed literally: `x[i]` and `[bold]` are not rich markup."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

OPTARIUM = str(Path(sys.executable).parent / "optarium")
ANSWER = """Sets: products [i] in {regular, special}.
Variables: x[i] >= 0, the [bold]number[/bold] of sandwiches of kind i.
Objective: maximize 3 x[regular] + 4 x[special].

```lp
Maximize
 obj: 3 x_regular + 4 x_special
Subject To
 eggs: 2 x_regular + 3 x_special <= 40
 bacon: 3 x_regular + 5 x_special <= 70
General
 x_regular x_special
End
```
"""


@pytest.fixture
def one_answer_llm() -> Iterator[str]:
    """A chat-completions server on loopback that always gives ANSWER in one JSON document."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = json.dumps({"choices": [{"message": {"role": "assistant", "content": ANSWER}}],
                               "usage": {"prompt_tokens": 1, "completion_tokens": 1}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_formulate_prints_the_formulation_with_its_brackets(one_answer_llm: str, tmp_path: Path) -> None:
    question = tmp_path / "q.txt"
    question.write_text("Regular sandwiches earn 3, special 4; eggs 2 and 3 of 40, bacon 3 and 5 of 70. Maximize profit.\n")
    done = subprocess.run(
        [OPTARIUM, "formulate", str(question), "--llm-url", one_answer_llm, "--llm-model", "m", "--rounds", "0",
         "--store", f"sqlite:///{tmp_path / 's.db'}"],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "x[i] >= 0" in done.stdout and "[bold]number[/bold]" in done.stdout and "x[regular]" in done.stdout
    assert "recorded: formulate run 1, solve run" in done.stdout and "None" not in done.stdout
