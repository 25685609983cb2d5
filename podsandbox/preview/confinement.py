"""The operating system's confinement of the judged program (Linux), applied in its own process.

A process boundary holds against what a program does inside Python, not against what it does
with the operating system: rewrite the checker's files, read `/proc/<checker>/environ`, write into
the checker's stdout through `/proc/<checker>/fd/1`, leave a `setsid()` daemon behind, reach the
network, `sudo`. So the judged program's process (`program_child`) confines itself before the
program runs, with what the kernel offers, and says which layers are in effect (`layers`):

- `user-namespace`: a user namespace of its own (user_namespaces(7)), the same uid mapped to
  itself: root keeps its files but loses every capability over the host;
- `pid-namespace`: a PID namespace (pid_namespaces(7)) whose init is ours: no process outside it
  can be named (signalled, traced), and when its init ends the kernel kills every process in it,
  a `setsid()` daemon included;
- `no-network`: a network namespace of its own (network_namespaces(7)) with no interface up, and
  no abstract unix socket of the host's;
- `landlock-abiN`: Landlock (https://docs.kernel.org/userspace-api/landlock.html): files can be
  read and executed only under the interpreter, its packages, the checker's package and the
  program's folder (not `/proc`, not `$HOME`), and changed only in the run's private scratch
  folder; from ABI 4 no TCP bind or connect, from ABI 6 no signal and no abstract unix socket
  outside the sandbox. Landlock binds root too;
- `no-new-privs`: PR_SET_NO_NEW_PRIVS (prctl(2)): no set-uid program (`sudo`) or file capability
  grants anything; Landlock and seccomp need it;
- `seccomp`: a seccomp filter (seccomp(2)) refusing `socket()` (no network, no unix socket such as
  Docker's, which Landlock ABIs up to 7 do not cover), io_uring, shared memory outside the memory
  bound (`memfd_create`, `shmget`), tracing, kernel modules, mounts, key rings, and changes of a
  file's mode, owner, times or extended attributes (which Landlock does not handle);
- `process-limit`: at most `MAX_PROCESSES` processes in the PID namespace (its own
  `kernel.pid_max`, Linux 6.14 or later), root included; for a user that is not root, also
  `RLIMIT_NPROC` in its user namespace.

Everything here is the standard library (`ctypes` for the system calls Python does not expose),
so that the checker can start the child before it imports any SDK. The checker's side (the
scratch folder, ending every process of the run) is `process_tree`'s.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import resource
import signal
import struct
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NoReturn, Optional

from podsandbox.preview.program_events import MalformedEventError

PROMISED = (
    "landlock",
    "no-new-privs",
    "seccomp",
    "user-namespace",
    "pid-namespace",
    "no-network",
    "process-limit",
)
"""The layers docs/checker.md promises on Linux (any Landlock ABI): a run with less is not
checked."""

MAX_PROCESSES = 1024
"""The most processes (threads included) the judged program's tree may hold at once."""

SYSTEM_READABLE = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/etc/ld.so.cache", "/etc/localtime")
"""What every program reads besides the interpreter: shared libraries and the time zone."""

DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
"""Devices the program may open (read and write: writing to them changes nothing)."""

# Linux system calls and flags (the numbers: arch/x86/entry/syscalls/syscall_64.tbl and
# include/uapi/asm-generic/unistd.h; Landlock's are the same on every architecture).
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP = 1, 38, 22
SECCOMP_MODE_FILTER = 2
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000

# Landlock's access rights (include/uapi/linux/landlock.h), and the ABI that introduced each.
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_ABI1 = (1 << 13) - 1  # execute ... make_sym: every right of ABI 1
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
READ_ONLY = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV


@dataclass(frozen=True)
class Plan:
    """What the child is told to confine itself to (its command line's last argument, JSON)."""

    scratch: str
    """The run's private folder: the only place the program can change files."""
    readable: tuple[str, ...]
    """What it may read and execute besides the system's libraries (`SYSTEM_READABLE`)."""
    memory_mib: int
    max_processes: int = MAX_PROCESSES

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Plan:
        fields = json.loads(text)
        return cls(fields["scratch"], tuple(fields["readable"]), int(fields["memory_mib"]),
                   int(fields["max_processes"]))  # fmt: skip


def confined_event(layers: Sequence[str]) -> dict[str, object]:
    """The child's first event: the layers in effect, sent before the program runs (so that the
    program cannot have written it)."""
    return {"kind": "confined", "layers": list(layers)}


def decode_confined(event: Mapping[str, object]) -> list[str]:
    """The layers of the child's first event; anything else is a `MalformedEventError`."""
    layers = event.get("layers")
    if (
        event.get("kind") != "confined"
        or not isinstance(layers, list)
        or not all(isinstance(layer, str) and len(layer) < 40 for layer in layers)
        or len(layers) > 20
    ):
        raise MalformedEventError("the first event is not the statement of its confinement")
    return [str(layer) for layer in layers]


def readable_paths(program_dir: Path, package_dir: Path) -> tuple[str, ...]:
    """The folders the program needs to read: the interpreter's prefixes, the package folders on
    its import path (the checker's own path may also hold its working directory, which `-m`
    puts there, or a test runner's: left out), the checker's package and the program's own
    folder. Each is resolved (Landlock judges the file a path leads to, not the link)."""
    prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    prefixes.append(str(Path(sys.executable).resolve().parent.parent))
    packages = [
        entry
        for entry in sys.path
        if entry
        and (Path(entry).name in ("site-packages", "dist-packages")
             or any(Path(entry).resolve().is_relative_to(Path(p).resolve()) for p in prefixes))
    ]  # fmt: skip
    seen: dict[str, None] = {}
    for candidate in [*prefixes, *packages, str(package_dir), str(program_dir)]:
        path = Path(candidate).resolve()
        if path.exists() and path != Path("/"):
            seen[str(path)] = None
    return tuple(seen)


def describe(layers: Sequence[str]) -> str:
    """The confinement line of a report, e.g. `landlock-abi7, no-new-privs, pid-namespace`."""
    return ", ".join(layers) if layers else "none"


def missing(layers: Sequence[str]) -> list[str]:
    """The promised layers (`PROMISED`) a run went without."""
    present = {layer.partition("-abi")[0] for layer in layers}
    return [layer for layer in PROMISED if layer not in present]


def not_checked_note(layers: Sequence[str]) -> Optional[str]:
    """The "not checked" line of a run below the promised confinement; None when it is not."""
    absent = missing(layers)
    if not absent:
        return None
    return (
        f"the judged program ran with less confinement than the checker promises on Linux "
        f"(without {', '.join(absent)}; in effect: {describe(layers)}), so nothing it could do "
        'to the machine running the checker was ruled out (docs/checker.md, "What the checker '
        'promises about the programs it judges")'
    )


class _Libc:
    """The C library's `syscall` and `prctl`, which set errno (ctypes `use_errno`)."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(None, use_errno=True)
        self.lib.syscall.restype = ctypes.c_long

    def call(self, name: str, *args: object) -> int:
        """`name(*args)`; integers passed as C longs (both take variadic longs); OSError on -1."""
        passed = [ctypes.c_long(arg) if isinstance(arg, int) else arg for arg in args]
        result = int(getattr(self.lib, name)(*passed))
        if result < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
        return result


def _libc() -> Optional[_Libc]:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return _Libc()
    except OSError:
        return None


# --- Namespaces: the checker's child becomes a holder outside, an init and the worker inside.


def enter_namespaces(max_processes: int = MAX_PROCESSES) -> list[str]:
    """Put the rest of the run in namespaces of its own and return, in the process that runs
    the program, the layers that took. The calling process stays outside and waits for the
    run (`_hold`); a new PID namespace's first process is its init (`_init`), which starts the
    worker, reaps the orphans and, by ending, has the kernel end everything left in it."""
    libc = _libc()
    if libc is None:
        return []
    libc.call("prctl", PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # ends with the checker
    layers = _unshare(libc)
    if "pid-namespace" not in layers:
        return layers
    status_read, status_write = os.pipe()
    init = os.fork()
    if init:
        os.close(status_write)
        _hold(init, status_read)
    os.close(status_read)
    libc.call("prctl", PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if _limit_processes(max_processes):
        layers.append("process-limit")
    worker = os.fork()
    if worker:
        _init(worker, status_write)
    os.close(status_write)
    libc.call("prctl", PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    return layers


def _limit_processes(max_processes: int) -> bool:
    """In the new PID namespace's init: at most `max_processes` processes (threads included) in
    it, whatever the user, root included, by the namespace's own `kernel.pid_max` (per PID
    namespace since Linux 6.14; its least value is 301, proc_sys_kernel(5)). False where the
    kernel has one for all namespaces (`RLIMIT_NPROC` is then the bound, which binds no root)."""
    try:
        Path("/proc/sys/kernel/pid_max").write_text(str(max(301, max_processes + 1)))
    except OSError:
        return False
    return True


def _unshare(libc: _Libc) -> list[str]:
    """New user (same uid), PID and network namespaces; without a user namespace (refused, as
    AppArmor does on Ubuntu 24.04 unless `kernel.apparmor_restrict_unprivileged_userns=0`),
    the PID and network ones alone, which need root."""
    uid, gid = os.getuid(), os.getgid()
    try:
        libc.call("unshare", CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
    except OSError:
        try:
            libc.call("unshare", CLONE_NEWPID | CLONE_NEWNET)
        except OSError:
            return []
        return ["pid-namespace", "no-network"]
    # user_namespaces(7), "User and group ID mappings": a process may map its own ids.
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    return ["user-namespace", "pid-namespace", "no-network"]


def _hold(init: int, status_read: int) -> NoReturn:
    """Outside the namespaces: wait for the init, then end as the worker ended (its exit status,
    or the signal that killed it), which is what the checker reads."""
    _close_all_but_output_except(status_read)
    os.waitpid(init, 0)
    report = os.read(status_read, 64).decode() or "status 125"
    kind, _, value = report.partition(" ")
    if kind == "signal":
        if int(value) != signal.SIGKILL:
            signal.signal(int(value), signal.SIG_DFL)
        os.kill(os.getpid(), int(value))
    os._exit(int(value) if kind == "status" else 125)


def _close_all_but_output_except(keep: int) -> None:
    """The holder and the init keep only stdout, stderr and `keep`: the request and the event
    pipe are the worker's, so that the checker sees their end when the worker's is."""
    os.closerange(0, 1)
    os.closerange(3, keep)
    os.closerange(keep + 1, 4096)


def _init(worker: int, status_write: int) -> NoReturn:
    """PID 1 of the run: reap every process that ends, and when the worker does, report how and
    end, so that the kernel kills whatever the program left running (pid_namespaces(7))."""
    _close_all_but_output_except(status_write)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(125)
        except InterruptedError:
            continue
        if pid == worker:
            if os.WIFSIGNALED(status):
                report = f"signal {os.WTERMSIG(status)}"
            else:
                report = f"status {os.waitstatus_to_exitcode(status)}"
            os.write(status_write, report.encode())
            os._exit(0)


# --- Confinement of the worker itself, before the program runs.


def confine(plan: Plan, namespaces: Sequence[str]) -> list[str]:
    """Bound and confine this process (and all it will start), within `namespaces` (what
    `enter_namespaces` gave); the layers that took, those included."""
    libc = _libc()
    memory = plan.memory_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    if libc is None:
        return []
    layers = list(namespaces)
    if "user-namespace" in layers and os.getuid() != 0:  # counts this namespace's processes
        limit = plan.max_processes  # (elsewhere the user's every one); root it does not bind
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
        if "process-limit" not in layers:
            layers.append("process-limit")
    libc.call("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    layers.append("no-new-privs")
    abi = landlock_abi(libc)
    if abi > 0:
        _landlock(libc, abi, plan)
        layers.append(f"landlock-abi{abi}")
    if _seccomp(libc):
        layers.append("seccomp")
    return ordered(layers)


def landlock_abi(libc: Optional[_Libc] = None) -> int:
    """The Landlock ABI the kernel offers (0: none or disabled)."""
    libc = libc or _libc()
    if libc is None:
        return 0
    try:
        return libc.call(
            "syscall", SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION
        )
    except OSError:
        return 0


def handled_rights(abi: int) -> tuple[int, int, int]:
    """What a ruleset of this ABI handles: every file right, TCP (ABI 4) and scopes (ABI 6)."""
    fs = FS_ABI1
    if abi >= 2:
        fs |= FS_REFER
    if abi >= 3:
        fs |= FS_TRUNCATE
    if abi >= 5:
        fs |= FS_IOCTL_DEV
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    return fs, net, scoped


def rules(plan: Plan, handled_fs: int) -> list[tuple[str, int]]:
    """(path, rights) for each Landlock rule: read and execute on what the program needs, read
    and write on a few devices, everything in the scratch folder. Missing paths are left out."""
    device = (FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE | FS_IOCTL_DEV) & handled_fs
    wanted = [(path, READ_ONLY) for path in (*SYSTEM_READABLE, *plan.readable)]
    wanted += [(path, device) for path in DEVICES]
    wanted.append((plan.scratch, handled_fs))
    return [(path, rights) for path, rights in wanted if os.path.exists(path)]


def _landlock(libc: _Libc, abi: int, plan: Plan) -> None:
    """Create the ruleset, add the rules and restrict this process (the kernel docs' example)."""
    fs, net, scoped = handled_rights(abi)
    attr = struct.pack("=QQQ", fs, net, scoped)[: 8 if abi < 4 else 16 if abi < 6 else 24]
    buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = libc.call("syscall", SYS_LANDLOCK_CREATE_RULESET, buffer, len(attr), 0)
    try:
        for path, rights in rules(plan, fs):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                if not os.path.isdir(path):  # a file takes only file rights
                    rights &= FILE_RIGHTS
                beneath = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
                libc.call("syscall", SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                          beneath, 0)  # fmt: skip
            finally:
                os.close(fd)
        libc.call("syscall", SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0)
    finally:
        os.close(ruleset)


# --- seccomp: a classic BPF filter (seccomp(2), "Filter programs").

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
DENIED_SYSCALLS = {
    # socket; io_uring_setup, _enter, _register; memfd_create; shmget; ptrace; process_vm_readv,
    # _writev; init_module, finit_module; mount; keyctl, add_key, request_key; bpf; userfaultfd;
    # perf_event_open; kexec_load; then what changes a file's attributes, which Landlock leaves
    # alone (ABIs 1 to 7): chmod, fchmod, fchmodat, fchmodat2, chown, fchown, lchown, fchownat,
    # utime, utimes, futimesat, utimensat, setxattr, lsetxattr, fsetxattr, removexattr,
    # lremovexattr, fremovexattr, setxattrat, removexattrat; and truncate (by path: Landlock
    # handles it from ABI 3 only).
    "x86_64": (41, 425, 426, 427, 319, 29, 101, 310, 311, 175, 313, 165, 250, 248, 249, 321,
               323, 298, 246,
               90, 91, 268, 452, 92, 93, 94, 260, 132, 235, 261, 280, 188, 189, 190, 197, 198,
               199, 463, 466, 76),
    "aarch64": (198, 425, 426, 427, 279, 194, 117, 270, 271, 105, 273, 40, 219, 217, 218, 280,
                282, 241, 104,
                52, 53, 452, 55, 54, 88, 5, 6, 7, 14, 15, 16, 463, 466, 45),
}  # fmt: skip
"""Refused with EPERM (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h
for aarch64, which has no chmod, chown, utime, utimes or futimesat of its own)."""
X32_SYSCALL_BIT = 0x40000000


def seccomp_filter(machine: str) -> Optional[bytes]:
    """The filter for this machine: the wrong architecture is killed, the x32 ABI and each
    denied call fail with EPERM, everything else is allowed. None on other machines."""
    if machine not in AUDIT_ARCH:
        return None
    ld_abs, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    denied = DENIED_SYSCALLS[machine]
    deny = 0x00050000 | errno.EPERM  # SECCOMP_RET_ERRNO
    kill, allow = 0x80000000, 0x7FFF0000  # SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ALLOW
    checks = len(denied) + 1
    program = [
        (ld_abs, 0, 0, 4),  # seccomp_data.arch
        (jeq, 1, 0, AUDIT_ARCH[machine]),
        (ret, 0, 0, kill),
        (ld_abs, 0, 0, 0),  # seccomp_data.nr
        (jge, checks, 0, X32_SYSCALL_BIT if machine == "x86_64" else 0xFFFFFFFF),
    ]
    program += [(jeq, checks - 1 - index, 0, number) for index, number in enumerate(denied)]
    program += [(ret, 0, 0, allow), (ret, 0, 0, deny)]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _seccomp(libc: _Libc) -> bool:
    code = seccomp_filter(platform.machine())
    if code is None:
        return False
    buffer = ctypes.create_string_buffer(code, len(code))
    program = _SockFprog(len(code) // 8, ctypes.addressof(buffer))
    libc.call("prctl", PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0)
    return True


def ordered(layers: Iterable[str]) -> list[str]:
    """The layers in the order reports name them (Landlock first, then as `PROMISED`)."""
    rank = {name: index for index, name in enumerate(PROMISED)}
    return sorted(layers, key=lambda layer: rank.get(layer.partition("-abi")[0], len(rank)))
