"""`optarium serve --port 0 --json`: a real server process on loopback says where it listens in one JSON line."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

OPTARIUM = str(Path(sys.executable).parent / "optarium")
TOKEN = "serve-json-test-token-0123456789"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals a process group")


def first_line(process: subprocess.Popen[str], seconds: float = 60) -> str:
    """The first line the server writes on stdout; the test fails if it ends or says nothing in time."""
    assert process.stdout is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            return process.stdout.readline()
        if process.poll() is not None:
            break
    process.kill()
    out, err = process.communicate()
    pytest.fail(f"no line from optarium serve: {out!r} {err!r}")


def test_json_line_names_the_bound_port_then_serves_the_store_until_ctrl_c(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    env = {**os.environ, "OPTARIUM_TOKENS": f"{TOKEN}:read"}
    env.pop("OPTARIUM_TOKENS_FILE", None)
    # its own session, as a command at a terminal; SIGINT delivered even when pytest runs in the background
    process = subprocess.Popen([OPTARIUM, "serve", "--port", "0", "--json", "--store", store], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = first_line(process)
        address = json.loads(line)
        port = address["port"]
        assert isinstance(port, int) and port > 0
        assert address == {"url": f"http://127.0.0.1:{port}", "host": "127.0.0.1", "port": port, "store": store,
                           "tokens": 1}
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{address['url']}/api/runs", timeout=30)
        assert refused.value.code == 401
        request = urllib.request.Request(f"{address['url']}/api/runs", headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["runs"] == []
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert out == "" and TOKEN not in line + err  # the one line read above, and never the secret
    assert f"dashboard http://127.0.0.1:{port}/" in err and "Traceback" not in err and err.endswith("interrupted\n")
