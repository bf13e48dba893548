"""The operating-system boundary around generated code: namespaces, a private root, no privileges.

This module uses the standard library alone: :mod:`optarium.formulate.sandbox_child`
loads it by path in a process that imports nothing from optarium.

:func:`supervise` runs one request. With ``confine`` it is the *supervisor*, which
calls libc ``unshare`` (through ``ctypes``; Python 3.11 has no ``os.unshare``) for
new mount, PID, network, IPC and UTS namespaces, builds a root on a tmpfs that
holds only the Python installation, the site-packages folders, the system
libraries (all read-only), ``/dev/{null,zero,random,urandom}``, a fresh ``/proc``
and one empty writable ``/work`` tmpfs, then forks the *jail*: PID 1 of the new
PID namespace, which moves into its own copy of the mount namespace, pivots into
that root and detaches the old one, drops to a per-run unprivileged uid and gid
with no capabilities and ``no_new_privs``, sets resource limits, loads a seccomp
filter (libseccomp through ``ctypes`` where the library is installed) and runs
the code. When PID 1 ends, the kernel kills every process it left, and the
tmpfs goes with the supervisor's namespace, so nothing outlives a run. As root
this needs nothing else; as another user the supervisor first enters a new user
namespace (where the kernel allows it) and the jail drops every capability.

Without ``confine`` (the caller's explicit unsafe choice) the jail runs in a
host folder under the caller's temporary directory with the same limits, filter
and uid drop where permitted, but sees the host's files and network.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import platform
import resource
import select
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
_NAMESPACES = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 1, 38, 24
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
# Per-run uids keep concurrent runs apart (RLIMIT_NPROC counts per uid); far above real accounts.
UID_BASE = 2_000_000_000
FOLDER_PREFIX = "optarium-sandbox-"
OUTPUT_TAIL = 4000
HOW_TO_ENABLE = (
    "run optarium as root, or as a user where the kernel allows user namespaces "
    "(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0; in a container, "
    "allow unshare, e.g. CAP_SYS_ADMIN or an unconfined seccomp profile)"
)
# Calls generated code never needs; refused with EPERM by the seccomp filter.
DENIED_CALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "mount", "umount2",
    "pivot_root", "chroot", "unshare", "setns", "move_mount", "open_tree", "fsopen", "fsmount",
    "fsconfig", "fspick", "mount_setattr", "kexec_load", "kexec_file_load", "init_module",
    "finit_module", "delete_module", "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
    "reboot", "swapon", "swapoff", "acct", "userfaultfd", "open_by_handle_at", "name_to_handle_at",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "fanotify_init", "quotactl", "syslog",
    "vhangup", "settimeofday", "clock_settime", "adjtimex", "clock_adjtime", "sethostname",
    "setdomainname", "iopl", "ioperm", "lookup_dcookie",
)


class BoundaryUnavailable(OSError):
    """The machine refused a step of the boundary (namespaces, mounts, uid maps)."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise BoundaryUnavailable(code, f"{what}: {os.strerror(code)}")


def _mount(libc: ctypes.CDLL, source: str | None, target: str, kind: str | None, flags: int, data: str | None = None) -> None:
    def encode(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    _check(libc.mount(encode(source), target.encode(), encode(kind), ctypes.c_ulong(flags), encode(data)), f"mount {target}")


def exposed_paths() -> list[str]:
    """What the jail sees read-only: the Python installation, site-packages, system libraries."""
    import site
    import sysconfig

    paths = [sys.base_prefix, sysconfig.get_paths()["stdlib"], *site.getsitepackages()]
    paths += ["/usr/lib", "/usr/lib64", "/lib", "/lib64", "/etc/ld.so.cache"]
    seen: list[str] = []
    for path in paths:
        if os.path.lexists(path) and path not in seen and os.path.isabs(path):
            seen.append(path)
    return seen


def supervise(request: dict[str, Any], run_model: Callable[[str], None]) -> dict[str, Any]:
    """Run ``request["code"]`` in a jail; return the reply (return code, output tail, result, LP text).

    A reply with ``unavailable`` set says which step the machine refused; nothing ran then.
    """
    seconds, file_mb = float(request["seconds"]), int(request["file_mb"])
    libc = _libc()
    staging = work = inside = ""
    folder: str | None = None
    try:
        if request.get("confine", True):
            staging, inside = _enter_namespaces(libc, file_mb, bool(request.get("user_namespace", os.geteuid() != 0)))
            work = staging + inside
        else:
            folder = tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-", dir=request.get("temporary"))
            work = folder
    except BoundaryUnavailable as error:
        return {"unavailable": str(error)}
    # Without namespaces the uid drop needs an installation others can read (pyenv under /root is not).
    drop = os.geteuid() == 0 and (bool(staging) or all(_world_readable(path) for path in exposed_paths()[:3]))
    drop = drop and not request.get("user_namespace", False)
    uid = UID_BASE + os.getpid() if drop else None
    try:
        path = os.path.join(work, "model.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(request["code"])
        if uid is not None:
            os.chown(work, uid, uid)
            os.chown(path, uid, uid)
        seccomp = _seccomp_library()
        supervisor = os.getpid()
        read_end, write_end = os.pipe()
        lifeline, held = os.pipe()  # the jail sees end of file on it once this supervisor is gone
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            os.close(held)
            _jail(libc, seccomp, request, (staging, inside or work, supervisor), uid, (write_end, lifeline), run_model)
        os.close(write_end)
        os.close(lifeline)
        try:
            output, timed_out, status = _watch(pid, read_end, seconds)
        finally:
            os.close(held)
        reply: dict[str, Any] = {"returncode": os.waitstatus_to_exitcode(status), "timed_out": timed_out, "output": output}
        reply["result"], reply["lp"] = _collect(work, file_mb)
        return reply
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _enter_namespaces(libc: ctypes.CDLL, file_mb: int, user_namespace: bool) -> tuple[str, str]:
    """Unshare the namespaces (in a new user namespace when not root) and build the jail's root on a
    tmpfs; return where it is mounted and the work folder's path inside it."""
    if not user_namespace:
        _check(libc.unshare(_NAMESPACES), "unshare of mount, PID, network, IPC and UTS namespaces")
    else:
        uid, gid = os.geteuid(), os.getegid()
        _check(libc.unshare(_NAMESPACES | CLONE_NEWUSER), "unshare of a user namespace")
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            try:
                with open(f"/proc/self/{name}", "w") as handle:
                    handle.write(text)
            except OSError as error:
                raise BoundaryUnavailable(error.errno or errno.EPERM, f"writing /proc/self/{name}: {error.strerror}") from None
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    # Sources are held open (and looked at) before the tmpfs, mounted over /tmp here, can hide them.
    sources = []
    for path in exposed_paths():
        fd = os.open(path, os.O_PATH | os.O_NOFOLLOW)
        mode = os.fstat(fd).st_mode
        sources.append((path, fd, mode, os.readlink(path) if stat.S_ISLNK(mode) else ""))
    staging = "/tmp"
    _mount(libc, "optarium-jail", staging, "tmpfs", MS_NOSUID, "mode=0755,size=1m")
    for path, fd, mode, link in sources:
        target = staging + path
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if os.path.lexists(target):  # already inside an earlier, wider bind (e.g. /lib -> /usr/lib)
            continue
        if stat.S_ISLNK(mode):
            os.symlink(link, target)
            continue
        if stat.S_ISDIR(mode):
            os.mkdir(target, 0o755)
        else:
            open(target, "w").close()
        _bind_read_only(libc, f"/proc/self/fd/{fd}", target)
    for _, fd, _, _ in sources:
        os.close(fd)
    os.makedirs(staging + "/dev", mode=0o755)
    for name in ("null", "zero", "random", "urandom"):
        open(f"{staging}/dev/{name}", "w").close()
        _mount(libc, f"/dev/{name}", f"{staging}/dev/{name}", None, MS_BIND)
    os.makedirs(f"{staging}/proc", mode=0o755)
    name = "scratch"
    while os.path.lexists(f"{staging}/{name}"):  # an exposed path may already start with it
        name += "_"
    os.makedirs(f"{staging}/{name}", mode=0o755)
    size = max(16, 4 * file_mb)
    owner = "" if user_namespace else f",uid={UID_BASE + os.getpid()},gid={UID_BASE + os.getpid()}"
    _mount(libc, "optarium-work", f"{staging}/{name}", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=0700,size={size}m,nr_inodes=4096{owner}")
    _mount(libc, None, staging, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
    return staging, "/" + name


def _bind_read_only(libc: ctypes.CDLL, source: str, target: str) -> None:
    _mount(libc, source, target, None, MS_BIND | MS_REC)
    # A remount must keep the flags the kernel locked on the source (inside a user namespace).
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
    with contextlib.suppress(OSError):
        if os.statvfs(target).f_flag & os.ST_NOEXEC:
            flags |= MS_NOEXEC
    _mount(libc, None, target, None, flags)


def _jail(
    libc: ctypes.CDLL, seccomp: ctypes.CDLL | None, request: dict[str, Any], where: tuple[str, str, int],
    uid: int | None, pipes: tuple[int, int], run_model: Callable[[str], None],
) -> None:
    """In the forked jail: confine, limit, drop privileges, filter, run; never returns."""
    staging, work, supervisor = where
    output, lifeline = pipes
    code = 0
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        for fd in (devnull, output):
            os.close(fd)
        # The zygote's pipes and anything else the supervisor holds.
        os.closerange(3, lifeline)
        os.closerange(lifeline + 1, 1 << 16)
        if staging:
            _check(libc.unshare(CLONE_NEWNS), "unshare of the jail's mount namespace")
            _mount(libc, "proc", f"{staging}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            os.chdir(staging)
            _check(libc.syscall(_PIVOT_ROOT[platform.machine()], b".", b"."), "pivot_root")
            _check(libc.umount2(b".", MNT_DETACH), "detaching the old root")
            libc.sethostname(b"sandbox", 7)
        os.chdir(work)
        _drop_privileges(libc, uid)
        # Set after the uid change, which clears it; the lifeline catches a supervisor that died before.
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if select.select([lifeline], [], [], 0)[0] or (not staging and os.getppid() != supervisor):
            os._exit(1)
        os.close(lifeline)
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        set_limits(float(request["seconds"]), int(request["memory_mb"]), int(request["file_mb"]))
        if seccomp is not None:
            install_seccomp(seccomp)
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update({"HOME": work, "TMPDIR": work})
        tempfile.tempdir = work
        run_model(work)
    except BaseException:
        code = 70
        with contextlib.suppress(BaseException):
            import traceback

            traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _world_readable(path: str) -> bool:
    """Every folder above ``path`` can be entered, and ``path`` read, by any user."""
    path = os.path.realpath(path)
    try:
        if not os.stat(path).st_mode & stat.S_IROTH:
            return False
        while path != os.path.dirname(path):
            path = os.path.dirname(path)
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return False
    except OSError:
        return False
    return True


def _drop_privileges(libc: ctypes.CDLL, uid: int | None) -> None:
    """Become ``uid`` (as root), or give up every capability (inside a user namespace, or as root
    without namespaces where the installation is not readable by others)."""
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        return
    last = 40
    with contextlib.suppress(OSError, ValueError), open("/proc/sys/kernel/cap_last_cap") as handle:
        last = int(handle.read())
    for capability in range(last + 1):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(libc.capset(header, data), "dropping capabilities")


def set_limits(seconds: float, memory_mb: int, file_mb: int) -> None:
    """Address space, CPU seconds (wall limit + 2), largest file, processes, open files, no core files."""
    megabyte = 1024 * 1024
    cpu = int(seconds) + 2
    for limit, value in (
        (resource.RLIMIT_AS, memory_mb * megabyte), (resource.RLIMIT_FSIZE, file_mb * megabyte),
        (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, 64), (resource.RLIMIT_NOFILE, 256),
    ):
        resource.setrlimit(limit, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _seccomp_library() -> ctypes.CDLL | None:
    """libseccomp, loaded before the jail's view hides the system's library folders; ``None`` if absent."""
    try:
        return ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError:
        return None


def install_seccomp(seccomp: ctypes.CDLL) -> None:
    """Refuse the calls in :data:`DENIED_CALLS`, sockets other than AF_UNIX and new user namespaces."""

    class ArgCompare(ctypes.Structure):
        _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]

    allow, refuse = 0x7FFF0000, 0x00050000 | errno.EPERM
    compare_not_equal, compare_masked_equal = 1, 7
    seccomp.seccomp_init.restype = ctypes.c_void_p
    seccomp.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    seccomp.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
    seccomp.seccomp_load.argtypes = seccomp.seccomp_release.argtypes = [ctypes.c_void_p]
    context = seccomp.seccomp_init(allow)
    if not context:
        raise OSError("seccomp_init failed")

    def rule(name: str, action: int, *conditions: tuple[int, int, int, int]) -> None:
        number = seccomp.seccomp_syscall_resolve_name(name.encode())
        if number < 0:
            return  # not a call on this architecture
        array = (ArgCompare * max(1, len(conditions)))(*[ArgCompare(*c) for c in conditions])
        result = seccomp.seccomp_rule_add_array(context, action, number, len(conditions), array)
        if result != 0:
            raise OSError(-result, f"seccomp rule for {name}: {os.strerror(-result)}")

    try:
        for name in DENIED_CALLS:
            rule(name, refuse)
        rule("socket", refuse, (0, compare_not_equal, 1, 0))  # 1 is AF_UNIX
        rule("clone", refuse, (0, compare_masked_equal, CLONE_NEWUSER, CLONE_NEWUSER))
        rule("clone3", 0x00050000 | errno.ENOSYS)  # its flags cannot be inspected; libc falls back to clone
        result = seccomp.seccomp_load(context)
        if result != 0:
            raise OSError(-result, f"seccomp_load: {os.strerror(-result)}")
    finally:
        seccomp.seccomp_release(context)


def _watch(pid: int, output: int, seconds: float) -> tuple[str, bool, int]:
    """Keep the tail of the jail's output until it ends or its deadline; return (tail, timed out, status)."""
    deadline = time.monotonic() + seconds
    tail, timed_out = b"", False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([output], [], [], left)
        if not ready:
            continue
        chunk = os.read(output, 65536)
        if not chunk:
            break
        tail = (tail + chunk)[-OUTPUT_TAIL:]
    if timed_out:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # PID 1 of its namespace: every process it left dies with it
    _, status = os.waitpid(pid, 0)
    os.close(output)
    return tail.decode("utf-8", errors="replace"), timed_out, status


def _collect(work: str, file_mb: int) -> tuple[dict[str, Any] | None, str | None]:
    """``result.json`` and ``model.lp`` from the work folder, read without following links."""
    folder = os.open(work, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        raw = _read_plain(folder, "result.json", 1 << 20)
        try:
            result = json.loads(raw) if raw is not None else None
        except ValueError:
            result = None
        lp = _read_plain(folder, "model.lp", file_mb << 20)
        return (result if isinstance(result, dict) else None), (None if lp is None else lp.decode("utf-8", errors="replace"))
    finally:
        os.close(folder)


def _read_plain(folder: int, name: str, limit: int) -> bytes | None:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, 1 << 20)):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)[:limit]
    finally:
        os.close(fd)


def clean_stale_folders(folder: str | None = None) -> int:
    """Remove work folders left under ``folder`` (default: the temporary directory) by ended processes."""
    root = folder or tempfile.gettempdir()
    removed = 0
    with contextlib.suppress(OSError), os.scandir(root) as entries:
        for entry in entries:
            if not entry.name.startswith(FOLDER_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            owner = entry.name[len(FOLDER_PREFIX):].split("-", 1)[0]
            if owner.isdigit() and not _alive(int(owner)):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
