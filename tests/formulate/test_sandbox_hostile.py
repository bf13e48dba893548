"""Hostile generated code is contained by the operating-system boundary, checked from outside.

Every program runs through :func:`run_pyomo`, the entry point formulate uses, with secrets
in this process's environment, a real SQLite store file, another user's file, a TCP and a
UDP listener on loopback. After each one: this process lives, the store, the files and the
listeners are untouched, no secret is in what came back, and no sandbox process is left.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from optarium.formulate import LLMClient, formulate
from optarium.formulate.boundary import UID_BASE
from optarium.formulate.errors import SandboxError
from optarium.formulate.sandbox import SandboxLimits, SandboxUnavailableError, run_pyomo

SECRET = "sk-hostile-test-secret-8d3f"
STORE_SECRET = "pw-store-secret-51c0"
OTHER_USER_TEXT = "another user's private words"
MODEL = """
import pyomo.environ as pyo
model = pyo.ConcreteModel()
model.x = pyo.Var(bounds=(0, 4))
model.obj = pyo.Objective(expr=2 * model.x + 1, sense=pyo.maximize)
"""
LIMITS = SandboxLimits(seconds=3, memory_mb=512, file_mb=4)
LIBC = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"


@dataclass
class Scene:
    """What the hostile code aims at, as the test sees it from outside."""

    folder: Path
    store: Path
    other: Path
    marker: Path
    tcp: socket.socket
    udp: socket.socket

    def fingerprint(self) -> dict[str, Any]:
        files = sorted(str(p) for p in self.folder.rglob("*"))
        return {"files": files, "store": hashlib.sha256(self.store.read_bytes()).hexdigest(),
                "other": self.other.read_text()}

    def fill(self, code: str) -> str:
        names = {"STORE": self.store, "OTHER": self.other, "MARKER": self.marker, "FOLDER": self.folder,
                 "TCP_PORT": self.tcp.getsockname()[1], "UDP_PORT": self.udp.getsockname()[1], "OUTER_PID": os.getpid()}
        for name, value in names.items():
            code = code.replace(f"@{name}@", str(value))
        return code


@pytest.fixture(scope="module")
def boundary() -> None:
    """Skip (saying why) only where the machine offers no operating-system boundary."""
    try:
        run_pyomo(MODEL, LIMITS)
    except SandboxUnavailableError as error:
        pytest.skip(f"this machine offers no sandbox boundary: {error}")


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boundary: None) -> Iterator[Scene]:
    from optarium.formulate.pipeline import formulate_store

    store = tmp_path / "store.db"
    monkeypatch.setenv("OPTARIUM_LLM_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET + "-openai")
    monkeypatch.setenv("OPTARIUM_STORE", f"sqlite:///{store}")
    monkeypatch.setenv("DATABASE_URL", f"postgresql://user:{STORE_SECRET}@db.invalid/x")
    formulate_store(f"sqlite:///{store}")
    other = tmp_path / "other-user.txt"
    other.write_text(OTHER_USER_TEXT)
    if os.geteuid() == 0:
        os.chown(other, 4321, 4321)
    other.chmod(0o600)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    tcp.setblocking(False)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    try:
        yield Scene(tmp_path, store, other, tmp_path / "pwned", tcp, udp)
    finally:
        tcp.close()
        udp.close()


def _status(pid: int | str) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in lines if ":" in line)


def _helper(pid: int) -> bool:
    try:
        return b"sandbox_child.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def sandbox_processes() -> list[int]:
    """Processes running as a sandbox uid that are this test's or nobody's.

    A jail that another session on this machine runs has a sandbox helper of that session above it;
    one left behind by this process's runs hangs below this process, or below init once orphaned.
    """
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        status = _status(entry.name) if entry.name.isdigit() else {}
        if not status or int(status["Uid"].split()[0]) < UID_BASE:
            continue
        pid, foreign = int(status.get("PPid", "0")), False
        while pid > 1 and pid != me:
            foreign = foreign or (_helper(pid) and not _descends_from(pid, me))
            pid = int(_status(pid).get("PPid", "0"))
        if not foreign:
            found.append(int(entry.name))
    return found


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = int(_status(pid).get("PPid", "0"))
    return False


HOSTILE = {
    "read_parent_environ": "import os\nprint(open(f'/proc/{os.getppid()}/environ').read())\n",
    "read_every_environ": (
        "import os\nfound = []\nfor pid in os.listdir('/proc'):\n    try:\n"
        "        found.append(open(f'/proc/{pid}/environ').read())\n    except Exception:\n        pass\n"
        "found.append(repr(dict(os.environ)))\nraise RuntimeError(' '.join(found))\n"
    ),
    "read_grandparent_environ": (
        "import os\nppid = int(open('/proc/self/status').read().split('PPid:')[1].split()[0])\n"
        "print(open(f'/proc/{ppid}/environ').read())\n"
    ),
    "read_caller_environ_by_pid": "print(open('/proc/@OUTER_PID@/environ').read())\n",
    "read_other_users_file": "print(open('@OTHER@').read())\n",
    "read_root_home": "import os\nprint(os.listdir('/root'), os.listdir('/root/.ssh'))\n",
    "read_store_file": "print(open('@STORE@', 'rb').read())\n",
    "write_store_with_sqlite": (
        "import sqlite3\ndb = sqlite3.connect('@STORE@')\ndb.execute('create table forged (x)')\ndb.commit()\n"
    ),
    "write_store_from_environment": (
        "import os, sqlite3\nurl = os.environ['OPTARIUM_STORE']\nsqlite3.connect(url.split('///')[1]).execute('create table forged (x)')\n"
    ),
    "write_via_dir_fd": (
        "import os\nfolder = os.open('/', os.O_RDONLY)\n"
        "os.write(os.open('escaped.txt', os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=folder), b'x')\n"
    ),
    "remove_via_dir_fd": "import os\nos.remove('os.py', dir_fd=os.open(os.path.dirname(os.__file__), os.O_RDONLY))\n",
    "remove_in_callers_folder": "import os\nos.remove('other-user.txt', dir_fd=os.open('@FOLDER@', os.O_RDONLY))\n",
    "write_via_ctypes_open": LIBC + "fd = libc.open(b'@MARKER@', os.O_CREAT | os.O_WRONLY, 0o644)\nassert fd >= 0, ctypes.get_errno()\n",
    "write_installed_code": (
        LIBC + "import pyomo\nfd = libc.open(pyomo.__file__.encode(), os.O_WRONLY | os.O_APPEND)\n"
        "assert fd >= 0, os.strerror(ctypes.get_errno())\n"
    ),
    "mknod_device": "import os, stat\nos.mknod('mem', stat.S_IFCHR | 0o666, os.makedev(1, 1))\nprint(open('mem', 'rb').read(16))\n",
    "mkfifo_outside": "import os\nos.mkfifo('@MARKER@')\n",
    "write_outside_folder": "open('@MARKER@', 'w').write('x')\n",
    "mkfifo_via_ctypes": LIBC + "assert libc.mkfifo(b'@MARKER@', 0o666) == 0, os.strerror(ctypes.get_errno())\n",
    "symlink_to_store": LIBC + "libc.symlink(b'@STORE@', b'link.db')\nprint(open('link.db', 'rb').read())\n",
    "symlink_result_to_secrets": (
        LIBC + "libc.symlink(b'/etc/shadow', b'model.lp')\nlibc.symlink(b'/proc/1/environ', b'output.txt')\n"
        "open('result.json', 'w').write('{\"ok\": true}')\nos._exit(0)\n"
    ),
    "tcp_connect": "import socket\nsocket.create_connection(('127.0.0.1', @TCP_PORT@), timeout=1).sendall(b'leak')\n",
    "udp_sendmsg": (
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.sendmsg([b'leak'], [], 0, ('127.0.0.1', @UDP_PORT@))\n"
    ),
    "ctypes_connect": (
        LIBC + "import struct, socket\nfd = libc.socket(2, 1, 0)\nassert fd >= 0, os.strerror(ctypes.get_errno())\n"
        "address = struct.pack('!HH4s8x', 2, @TCP_PORT@, socket.inet_aton('127.0.0.1'))\n"
        "address = struct.pack('<H', 2) + address[2:]\n"
        "assert libc.connect(fd, address, 16) == 0, os.strerror(ctypes.get_errno())\n"
    ),
    "ctypes_system": LIBC + "code = libc.system(b'touch @MARKER@; kill -9 @OUTER_PID@')\nraise SystemError(f'system returned {code}')\n",
    "ctypes_unshare_and_mount": (
        LIBC + "assert libc.unshare(0x10000000 | 0x00020000) == 0, os.strerror(ctypes.get_errno())\n"
        "assert libc.mount(b'none', b'/', b'tmpfs', 0, None) == 0, os.strerror(ctypes.get_errno())\n"
    ),
    "fork_bomb": LIBC + "while True:\n    libc.fork()\n",
    "memory_bomb": "blocks = []\nwhile True:\n    blocks.append(bytearray(10**8))\n",
    "infinite_loop": "while True:\n    pass\n",
    "fork_setsid_daemon": (
        LIBC + "if libc.fork() == 0:\n    libc.setsid()\n    while True:\n        libc.sleep(1)\n"
    ),
    "kill_parent": LIBC + "libc.kill(libc.getppid(), 9)\nlibc.kill(@OUTER_PID@, 9)\nlibc.kill(-1, 9)\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_program_is_contained(name: str, scene: Scene) -> None:
    before = scene.fingerprint()
    with pytest.raises(SandboxError) as caught:
        run_pyomo(scene.fill(HOSTILE[name]), LIMITS)
    error = caught.value
    shown = f"{error} {error.output}"
    assert str(error).strip() and error.cause in ("timeout", "memory", "forbidden", "no_model", "execution")
    for secret in (SECRET, STORE_SECRET, OTHER_USER_TEXT, "SQLite format 3", "root:"):
        assert secret not in shown
    assert scene.fingerprint() == before
    assert not scene.marker.exists()
    for listener in (scene.tcp, scene.udp):
        with pytest.raises(BlockingIOError):
            listener.accept() if listener.type == socket.SOCK_STREAM else listener.recv(64)
    deadline = time.monotonic() + 2
    while sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox_processes() == []


@pytest.mark.parametrize("name", ["fork_setsid_daemon", "kill_parent", "read_every_environ", "write_store_with_sqlite"])
def test_hostile_program_is_contained_on_the_cold_path(name: str, scene: Scene) -> None:
    before = scene.fingerprint()
    with pytest.raises(SandboxError) as caught:
        run_pyomo(scene.fill(HOSTILE[name]), LIMITS, warm=False)
    assert SECRET not in f"{caught.value} {caught.value.output}"
    assert scene.fingerprint() == before
    assert sandbox_processes() == []


def test_each_limit_gives_its_own_clear_failure(scene: Scene) -> None:
    causes = {}
    for name in ("memory_bomb", "infinite_loop", "write_outside_folder", "read_store_file"):
        # the memory bomb gets time to spare: on a loaded machine the jail's start-up alone took the 3 s and the
        # bomb was reported as a timeout; it hits 512 MiB within a second of running
        limits = dataclasses.replace(LIMITS, seconds=60) if name == "memory_bomb" else LIMITS
        with pytest.raises(SandboxError) as caught:
            run_pyomo(scene.fill(HOSTILE[name]), limits)
        causes[name] = caught.value.cause
    assert causes == {"memory_bomb": "memory", "infinite_loop": "timeout", "write_outside_folder": "forbidden",
                      "read_store_file": "execution"}


def test_the_code_sees_a_private_root_as_an_unprivileged_user_without_network(scene: Scene) -> None:
    probe = (
        "import os, socket\nassert os.getuid() >= 2_000_000_000 and os.getgid() >= 2_000_000_000\n"
        "assert os.getpid() == 1 and os.getppid() == 0\n"
        "assert sorted(os.listdir('/proc'))[0].isdigit() and [p for p in os.listdir('/proc') if p.isdigit()] == ['1']\n"
        "assert 'home' not in os.listdir('/') and not os.path.exists('@FOLDER@')\n"
        "assert open('/proc/self/status').read().split('NoNewPrivs:')[1].split()[0] == '1'\n"
        "assert open('/proc/self/status').read().split('CapEff:')[1].split()[0] == '0' * 16\n"
        "assert [line.split(':')[0].strip() for line in open('/proc/net/dev').readlines()[2:]] == ['lo']\n"
        "assert not any(k for k in os.environ if 'KEY' in k or k.startswith('OPTARIUM') or 'DATABASE' in k)\n"
        "open('scratch.txt', 'w').write('fine')\n" + MODEL
    )
    assert "obj" in run_pyomo(scene.fill(probe), LIMITS).lp_text


def test_a_leak_in_the_output_never_reaches_the_llm_or_the_store(scene: Scene, llm_server: Any) -> None:
    # The code cannot read the secrets; an answer that holds them stands in for any channel that could.
    leaky = (
        "```python\nimport os\nleaks = []\nfor pid in os.listdir('/proc'):\n    try:\n"
        "        leaks.append(open(f'/proc/{pid}/environ').read())\n    except Exception:\n        pass\n"
        f"print({SECRET!r}, 'postgresql://user:{STORE_SECRET}@db.invalid/x')\nraise ValueError(' '.join(leaks) + {SECRET!r})\n```"
    )
    llm_server.script = [{"content": leaky}]
    client = LLMClient(llm_server.url, "scripted-model", api_key="", retries=0)
    result = formulate("Maximise 2x + 1 with 0 <= x <= 4.", client, rounds=1, store=f"sqlite:///{scene.store}", insights=False)
    assert result.status == "error" and result.cause == "execution" and len(llm_server.requests) == 2
    correction = str(llm_server.requests[1]["messages"])
    assert SECRET not in correction and "[redacted]" in correction
    import sqlite3

    with sqlite3.connect(scene.store) as db:
        tables = [row[0] for row in db.execute("select name from sqlite_master where type = 'table'")]
        stored = " ".join(str(row) for table in tables for row in db.execute(f"select * from {table}"))
    assert "ValueError" in stored
    assert SECRET not in stored and STORE_SECRET not in stored
    assert sandbox_processes() == []


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_kill_9_of_the_caller_leaves_no_process_and_no_folder(warm: bool, tmp_path: Path, boundary: None) -> None:
    import signal
    import subprocess
    import sys

    script = (
        "from optarium.formulate.sandbox import SandboxLimits, run_pyomo\n"
        f"run_pyomo('import time\\ntime.sleep(60)\\n', SandboxLimits(seconds=60), warm={warm})\n"
    )
    caller = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "TMPDIR": str(tmp_path)})

    def its_processes() -> set[int]:
        return {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _descends_from(int(p.name), caller.pid)}

    deadline = time.monotonic() + 30
    while not (started := {p for p in its_processes() if int(_status(p).get("Uid", "0").split()[0]) >= UID_BASE}):
        assert time.monotonic() < deadline, "the generated code never started"
        time.sleep(0.05)
    left = its_processes() - {caller.pid}
    assert started <= left and any(_helper(p) for p in left)
    os.kill(caller.pid, signal.SIGKILL)
    caller.wait()
    deadline = time.monotonic() + 10
    while (alive := {p for p in left if _status(p) and _status(p).get("State", "").split()[0] != "Z"}) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive == set()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["read_store_file", "write_via_dir_fd", "tcp_connect", "fork_setsid_daemon", "ctypes_unshare_and_mount"])
def test_the_user_namespace_variant_contains_the_same_programs(name: str, scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    """The path taken as a normal user (a new user namespace, every capability dropped), tried as root."""
    from optarium.formulate import sandbox

    real = sandbox._execute
    monkeypatch.setattr(sandbox, "_execute", lambda job, warm: real({**job, "user_namespace": True}, warm))
    before = scene.fingerprint()
    with pytest.raises(SandboxError) as caught:
        run_pyomo(scene.fill(HOSTILE[name]), LIMITS)
    assert SECRET not in f"{caught.value} {caught.value.output}" and scene.fingerprint() == before
    with pytest.raises(BlockingIOError):
        scene.tcp.accept()
    assert "obj" in run_pyomo(MODEL, LIMITS).lp_text
