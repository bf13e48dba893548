"""Bearer tokens: a read token reads and cannot write; without tokens only loopback is served."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from optarium.blackbox.study import Study
from optarium.cli.common import command
from optarium.cli.serve import serve as serve_command

from .conftest import Server

READ, WRITE = "read-token-0123456789", "write-token-0123456789"
SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0}}


def test_a_read_token_reads_and_cannot_write(serve: Callable[..., Server], tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"  # the read token from a file, the write token from the environment
    tokens.write_text(f'[[token]]\nvalue = "{READ}"\nscope = "read"\n')
    server = serve(f"sqlite:///{tmp_path}/store.db", "--tokens", str(tokens), env={"OPTARIUM_TOKENS": f"{WRITE}:write"})
    with server.client(WRITE) as writer, server.client(READ) as reader, server.client() as anonymous, \
            server.client("not-a-token-at-all") as stranger:
        assert writer.post("/studies", json={"name": "s", "space": SPACE, "seed": 1}).status_code == 201
        assert reader.get("/studies/s").json()["name"] == "s"
        refused = reader.post("/studies/s/ask")
        assert refused.status_code == 403 and "scope 'write'" in refused.json()["error"]
        assert reader.delete("/studies/s").status_code == 403
        assert reader.post("/jobs", files={"file": ("m.lp", b"x")}).status_code == 403
        for client in (anonymous, stranger):
            answer = client.get("/studies")
            assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
        assert writer.post("/studies/s/ask").status_code == 200
        assert reader.get("/jobs").json()["jobs"] == []
    assert len(Study.load("s", store=server.store).trials) == 1  # only the write token's ask was stored
    assert "tokens: 2 configured" in server.stop()


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(command(serve_command))
    return app


def test_without_tokens_a_public_address_is_refused_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPTARIUM_TOKENS", raising=False)
    result = CliRunner().invoke(_cli(), ["--host", "0.0.0.0", "--store", f"sqlite:///{tmp_path}/s.db"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: option `--host` must be a loopback address (127.0.0.1, ::1, localhost) while no token is configured; "
        "set OPTARIUM_TOKENS or a tokens file to serve other machines, got '0.0.0.0'"]


def test_a_short_token_or_unknown_scope_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for tokens in ("short:read", f"{READ}:admin"):
        monkeypatch.setenv("OPTARIUM_TOKENS", tokens)
        result = CliRunner().invoke(_cli(), ["--store", f"sqlite:///{tmp_path}/s.db"])
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
        assert "OPTARIUM_TOKENS" in result.output


def test_a_taken_port_is_refused_in_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(_cli(), ["--port", str(port), "--store", f"sqlite:///{tmp_path}/s.db"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: option `--port` must be a free port on 127.0.0.1 (Address already in use), got {port}"]
