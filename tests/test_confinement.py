"""The judged program is confined by the operating system: each promise of docs/checker.md's "What
the checker promises about the programs it judges" is tried by a hostile program, run as CI runs
the checker (a command started by a shell, here as root), and each test asserts, besides its own
outcome, that nothing outside the run's output files changed (the checker's install, the
program's folder, $HOME, /tmp outside the run's private folder), that no secret of the checker's
environment or of its parent shell's appears anywhere, and that no process of the run is left."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from podsandbox.preview import confinement
from tests.conftest import REPO, python_project

HEADER = "import pulumi\nfrom pulumi_kubernetes.core.v1 import Pod\n"
UNSANDBOXED_POD = (
    "bad = Pod('bad', metadata={'name': 'bad', 'namespace': 'untrusted'},\n"
    "    spec={'containers': [{'name': 'app', 'image': 'nginx'}]})\n"
)
CHECKER_SECRETS = {
    "GITHUB_TOKEN": "ghp-checker26-token",
    "ARM_CLIENT_SECRET": "arm26-client-secret",
}
PARENT_SECRET = {"PARENT_SHELL_TOKEN": "parent26-shell-secret"}
SECRETS = [*CHECKER_SECRETS.values(), *PARENT_SECRET.values()]
HOME = Path(os.path.expanduser("~"))


def other_writers(path: Path) -> bool:
    """What others on this machine write in $HOME while a test runs: the workplace's machinery
    (its own folder) and pip (its cache). Left out of the fingerprint; a hostile write into
    $HOME is also tried, and must fail, in the files test. (/tmp: see `private_tmp_command`.)"""
    return path in (HOME / ".claude", HOME / ".cache")


PROBE = (
    "def probe(name, action):\n"
    "    try:\n"
    "        result = action()\n"
    "        found[name] = 'done: ' + repr(result)[:200]\n"
    "    except BaseException as error:\n"
    "        found[name] = type(error).__name__\n"
    "found = {}\n"
)
"""The hostile programs note each attempt in `found` ('done: ...' or the error's name)."""
REPORT_FOUND = (
    "pulumi.CustomResource('test:index:Found', 'found', {'found': found})\n"
    "print(found)\n"
    "pulumi.log.warn(str(found))\n"
)
"""...and hand what they found to every channel they have: a registration, stdout, a warning."""


def fingerprint(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, tuple[int, ...]]:
    """Every entry under `root` with its mode, size, times and inode (a changed byte changes its
    mtime: nothing the program can run may set times back, seccomp refuses utime)."""
    found: dict[str, tuple[int, ...]] = {}
    for folder, folders, files in os.walk(root):
        here = Path(folder)
        folders[:] = [n for n in folders if here / n not in skip and not other_writers(here / n)]
        for name in files + folders:
            if here / name in skip or other_writers(here / name):
                continue
            try:
                stat = os.lstat(here / name)
            except OSError:
                continue
            found[str(here / name)] = (stat.st_mode, stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return found


def content_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    reports: dict[str, str]
    found: dict[str, str]


class Machine:
    """What a run may not change, before and after, and the run's own places."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.checker_tmp = tmp_path / "checker-tmp"  # the run's private folder is made in it
        self.checker_tmp.mkdir()
        self.outputs = [tmp_path / "out" / "report.json", tmp_path / "out" / "report.md"]
        self.outputs[0].parent.mkdir()
        for output in self.outputs:
            output.write_text("written before the run\n")
        self.private_tmp = Path(tempfile.mkdtemp(prefix="podsandbox-test-tmp-"))
        """The run's /tmp (see `private_tmp_command`)."""
        (self.private_tmp / tmp_path.relative_to("/tmp")).mkdir(parents=True)
        self.canaries = [
            REPO / "podsandbox" / "preview" / "report" / f"zz_canary_{uuid.uuid4().hex}.py",
            HOME / f".podsandbox-canary-{uuid.uuid4().hex}",
            self.private_tmp / f"podsandbox-canary-{uuid.uuid4().hex}",
        ]
        for canary in self.canaries:
            canary.write_text("# canary\n")

    def watched(self) -> dict[str, Any]:
        skip = (self.checker_tmp, self.outputs[0].parent)
        return {
            "package": content_hash(REPO / "podsandbox"),
            "pack": content_hash(REPO / "policy"),
            "install": fingerprint(Path(sys.prefix)),
            "home": fingerprint(HOME, skip),
            "tmp": fingerprint(self.private_tmp, skip),
            "ours": fingerprint(self.tmp_path, skip),
        }

    def inside(self, path: Path) -> str:
        """`path` as the run sees it (its /tmp is `private_tmp`)."""
        if path.is_relative_to(self.private_tmp):
            return str(Path("/tmp") / path.relative_to(self.private_tmp))
        return str(path)

    def private_tmp_command(self, shell: str) -> list[str]:
        """`shell` run with `private_tmp` as its /tmp (a mount namespace of its own; the test's
        folder, in the real /tmp, still where it was), so that the fingerprint of /tmp is of what
        only the run could change: others on this machine write in the real one all the time."""
        mountpoint = self.private_tmp / self.tmp_path.relative_to("/tmp")
        script = 'mount --bind "$1" "$2" && mount --rbind "$3" /tmp && exec bash -c "$4"'
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                str(self.tmp_path), str(mountpoint), str(self.private_tmp), shell]  # fmt: skip

    def remove_canaries(self) -> None:
        for canary in self.canaries:
            canary.unlink(missing_ok=True)
        shutil.rmtree(self.private_tmp, ignore_errors=True)


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    watched = Machine(tmp_path)
    try:
        yield watched
    finally:
        watched.remove_canaries()


def run_checker(machine: Machine, code: str, *extra: str, linger: float = 0.0) -> Outcome:
    """Run the checker as CI does: started by a shell whose environment holds a secret the
    checker's does not, with the checker's own secrets set; then check what every test checks."""
    folder = python_project(machine.tmp_path / "team", HEADER + code)
    before = machine.watched()
    command = [
        sys.executable, "-m", "podsandbox", "preview", "--program", str(folder),
        "--format", "json", "--output", str(machine.outputs[0]),
        "--format", "markdown", "--output", str(machine.outputs[1]), "--format", "text", *extra,
    ]  # fmt: skip
    secrets = " ".join(f"{name}={value}" for name, value in CHECKER_SECRETS.items())
    shell = f'env -u PARENT_SHELL_TOKEN {secrets} {shlex.join(command)}; echo "exit=$?" >&2'
    environment = {**os.environ, **PARENT_SECRET, "TMPDIR": str(machine.checker_tmp)}
    done = subprocess.run(
        machine.private_tmp_command(shell),
        cwd=REPO, env=environment, capture_output=True, timeout=300,
    )  # fmt: skip
    time.sleep(linger)  # what a daemon would do after the checker's exit, it does meanwhile
    out, err = done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
    status = int(err.rstrip().rpartition("exit=")[2])
    reports = {path.name: path.read_text(errors="replace") for path in machine.outputs}
    assert_nothing_left(machine, before, out, err, reports)
    found = found_by_program(reports["report.json"])
    return Outcome(status, out, err, reports, found)


def assert_nothing_left(
    machine: Machine, before: dict[str, Any], out: str, err: str, reports: dict[str, str]
) -> None:
    """What every hostile run must leave as it was: files, secrets, processes."""
    after = machine.watched()
    for place in before:
        if before[place] != after[place]:
            if isinstance(before[place], dict):
                changed = {k for k in before[place].keys() | after[place].keys()
                           if before[place].get(k) != after[place].get(k)}  # fmt: skip
            else:
                changed = {place}
            raise AssertionError(f"the run changed {place}: {sorted(changed)[:10]}")
    for canary in machine.canaries:
        assert canary.read_text() == "# canary\n"
    everything = out + err + "".join(reports.values())
    for secret in SECRETS:
        assert secret not in everything
    assert list(machine.checker_tmp.iterdir()) == [], "the private folder is removed"
    assert not run_processes(machine), "a process of the run is left"


def run_processes(machine: Machine) -> list[int]:
    """Processes whose command line names this test's folder (the run's private folder is
    in it, and the child's command line names it)."""
    left = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if str(machine.tmp_path).encode() in cmdline:
                left.append(int(entry))
    return left


def found_by_program(report: str) -> dict[str, str]:
    try:
        document = json.loads(report)
    except json.JSONDecodeError:
        return {}
    for resource in document.get("resources", []):
        if resource["name"] == "found":
            return dict(resource["inputs"]["found"])
    return {}


def test_the_program_cannot_change_any_file_outside_its_scratch_folder(machine):
    real_files = [
        REPO / "podsandbox" / "preview" / "report" / "__init__.py",
        REPO / "podsandbox" / "pack" / "pools.py",
        REPO / "policy" / "__main__.py",
        Path(sys.prefix) / "pyvenv.cfg",
        *machine.outputs,
        machine.tmp_path / "team" / "Pulumi.yaml",
        machine.tmp_path / "team" / "Pulumi.dev.yaml",
        machine.tmp_path / "team" / "__main__.py",
        HOME / ".bashrc",
    ]
    code = PROBE + (
        "import os, pathlib\n"
        f"for path in {[str(p) for p in real_files]!r}:\n"  # nothing destructive if it worked
        "    stat = os.stat(path)\n"
        "    probe('open for writing ' + path, lambda: open(path, 'r+b').close())\n"
        "    probe('truncate ' + path, lambda: os.truncate(path, stat.st_size))\n"
        "    probe('chmod ' + path, lambda: os.chmod(path, stat.st_mode))\n"
        "    times = (stat.st_atime_ns, stat.st_mtime_ns)\n"
        "    probe('utime ' + path, lambda: os.utime(path, ns=times))\n"
        "    probe('link ' + path, lambda: os.link(path, os.environ['TMPDIR'] + '/link'))\n"
        f"for path in {[machine.inside(p) for p in machine.canaries]!r}:\n"
        "    probe('write ' + path, lambda: open(path, 'w').write('pwned'))\n"
        "    probe('unlink ' + path, lambda: os.unlink(path))\n"
        "    probe('rename ' + path, lambda: os.rename(path, path + '.moved'))\n"
        "    probe('new file beside ' + path, lambda: open(path + '.new', 'w').write('pwned'))\n"
        "    probe('symlink beside ' + path, lambda: os.symlink('/etc', path + '.link'))\n"
        "probe('scratch', lambda: open(os.environ['TMPDIR'] + '/ok', 'w').write('fine'))\n"
        "probe('home is scratch', lambda: open(os.path.expanduser('~/ok2'), 'w').write('fine'))\n"
        + REPORT_FOUND
        + UNSANDBOXED_POD
    )
    outcome = run_checker(machine, code)
    assert outcome.code == 1, outcome.err  # the verdict stands: the bad pod is still found
    assert outcome.found["scratch"].startswith("done")
    assert outcome.found["home is scratch"].startswith("done")
    attempts = {k: v for k, v in outcome.found.items() if k not in ("scratch", "home is scratch")}
    assert len(attempts) == 5 * len(real_files) + 5 * len(machine.canaries)
    assert all(not result.startswith("done") for result in attempts.values()), attempts
    assert json.loads(outcome.reports["report.json"])["violations"]


def test_the_program_cannot_read_or_signal_other_processes(machine):
    bystander = subprocess.Popen(["sleep", "120"], env={**os.environ, **CHECKER_SECRETS})
    try:
        code = PROBE + (
            "import os, signal, re\n"
            "stolen = []\n"
            "for pid in [os.getppid(), 1, *range(2, 40000)]:\n"
            "    for name in ('environ', 'cmdline'):\n"
            "        try:\n"
            "            with open(f'/proc/{pid}/{name}', 'rb') as entry:\n"
            "                stolen.append(entry.read().decode('latin-1'))\n"
            "        except OSError:\n"
            "            pass\n"
            "    for fd in ('1', '2'):\n"
            "        try:\n"
            "            if os.stat(f'/proc/{pid}/fd/{fd}').st_ino == os.fstat(int(fd)).st_ino:\n"
            "                continue  # its own stdout or stderr\n"
            "            with open(f'/proc/{pid}/fd/{fd}', 'w') as stream:\n"
            "                stream.write('FORGED REPORT\\n::error::forged')\n"
            "            stolen.append(f'wrote {pid}/{fd}')\n"
            "        except OSError:\n"
            "            pass\n"
            "probe('list /proc', lambda: os.listdir('/proc'))\n"
            "probe('read /proc/self/environ', lambda: open('/proc/self/environ').read())\n"
            f"probe('signal the bystander', lambda: os.kill({bystander.pid}, signal.SIGKILL))\n"
            "probe('signal everything', lambda: os.kill(-1, signal.SIGKILL))\n"
            "probe('signal the parent', lambda: os.kill(os.getppid(), signal.SIGKILL))\n"
            "probe('environment', lambda: sorted(os.environ))\n"
            "found['stolen'] = ' '.join(stolen)[:100000]\n" + REPORT_FOUND + UNSANDBOXED_POD
        )
        outcome = run_checker(machine, code)
        assert bystander.poll() is None  # still running
    finally:
        bystander.kill()
        bystander.wait()
    assert outcome.code == 1, outcome.err
    assert outcome.found["stolen"] == ""
    for attempt in ("list /proc", "read /proc/self/environ", "signal the bystander"):
        assert outcome.found[attempt] in ("PermissionError", "ProcessLookupError"), attempt
    assert "GITHUB_TOKEN" not in outcome.found["environment"]
    # The checker's streams carry only what it writes: the report, and the program's output marked.
    assert "FORGED" not in outcome.out and outcome.out.startswith("Verdict: ")
    for line in outcome.err.splitlines()[:-1]:
        assert line.startswith(("the program printed:", "  | ", "warning", "error: ")), line


class Listener:
    """A TCP, UDP, abstract and pathname unix listener that notes whatever reaches it."""

    def __init__(self, folder: Path) -> None:
        self.reached: list[str] = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.abstract = socket.socket(socket.AF_UNIX)
        self.abstract_name = f"\0podsandbox-{uuid.uuid4().hex}"
        self.abstract.bind(self.abstract_name)
        self.abstract.listen()
        self.path = folder / "listener.sock"
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(str(self.path))
        self.unix.listen()
        for name, sock in [("tcp", self.tcp), ("abstract", self.abstract), ("unix", self.unix)]:
            threading.Thread(target=self._accept, args=(name, sock), daemon=True).start()
        threading.Thread(target=self._receive, daemon=True).start()

    def _accept(self, name: str, sock: socket.socket) -> None:
        try:
            sock.accept()
            self.reached.append(name)
        except OSError:
            pass

    def _receive(self) -> None:
        try:
            self.udp.recv(100)
            self.reached.append("udp")
        except OSError:
            pass

    def close(self) -> None:
        for sock in (self.tcp, self.udp, self.abstract, self.unix):
            sock.close()


def test_the_program_has_no_network(machine):
    listener = Listener(machine.tmp_path)
    try:
        tcp, udp = listener.tcp.getsockname()[1], listener.udp.getsockname()[1]
        code = PROBE + (
            "import socket\n"
            f"probe('tcp', lambda: socket.create_connection(('127.0.0.1', {tcp}), timeout=2))\n"
            "probe('metadata', lambda: socket.create_connection(('169.254.169.254', 80), 2))\n"
            "probe('udp', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
            f".sendto(b'x', ('127.0.0.1', {udp})))\n"
            "unix = lambda: socket.socket(socket.AF_UNIX)\n"
            f"probe('abstract', lambda: unix().connect({listener.abstract_name!r}))\n"
            f"probe('unix', lambda: unix().connect({str(listener.path)!r}))\n"
            "probe('dns', lambda: socket.getaddrinfo('example.com', 443))\n" + REPORT_FOUND
        )
        outcome = run_checker(machine, code)
        time.sleep(0.2)
        assert listener.reached == []
    finally:
        listener.close()
    assert outcome.code == 0, outcome.err
    assert all(not result.startswith("done") for result in outcome.found.values()), outcome.found


def test_everything_the_program_starts_ends_with_the_run(machine):
    late = machine.private_tmp / f"podsandbox-late-{uuid.uuid4().hex}"
    daemon = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(3)\n"  # after the checker's exit
        f"        for path in {[str(p) for p in machine.outputs]!r} + [{machine.inside(late)!r}]:\n"
        "            try:\n"
        "                open(path, 'w').write('rewritten by a daemon')\n"
        "            except OSError:\n"
        "                pass\n"
        "        os._exit(0)\n"
        "    os._exit(0)\n"
        "import subprocess, sys\n"
        "sleeper = [sys.executable, '-c', 'import time; time.sleep(600)']\n"
        f"subprocess.Popen([*sleeper, {str(machine.tmp_path)!r}], start_new_session=True)\n"
    )
    outcome = run_checker(machine, daemon + UNSANDBOXED_POD, linger=4.0)
    assert outcome.code == 1, outcome.err
    assert not late.exists()
    assert json.loads(outcome.reports["report.json"])["violations"]


def test_the_process_count_is_bounded_for_the_whole_tree(machine):
    code = PROBE + (
        "import os, signal, time\n"
        "children = []\n"
        "try:\n"
        "    for _ in range(2000):\n"
        "        child = os.fork()\n"
        "        if child == 0:\n"
        "            time.sleep(600)\n"
        "            os._exit(0)\n"
        "        children.append(child)\n"
        "except OSError as error:\n"
        "    found['stopped by'] = type(error).__name__\n"
        "found['started'] = str(len(children))\n"
        "for child in children:\n"  # so that the program itself can go on (threads)
        "    os.kill(child, signal.SIGKILL)\n"
        "    os.waitpid(child, 0)\n" + REPORT_FOUND
    )
    outcome = run_checker(machine, code)
    assert outcome.code == 0, outcome.err
    assert int(outcome.found["started"]) < confinement.MAX_PROCESSES
    assert outcome.found["stopped by"] == "BlockingIOError"  # EAGAIN: no pid left


def test_the_memory_bound_covers_the_whole_tree(machine):
    code = (
        "import os, time\n"
        "for _ in range(6):\n"  # each within its own bound, together over it
        "    if os.fork() == 0:\n"
        "        block = b'x' * (120 * 1024 * 1024)  # written: resident\n"
        "        time.sleep(600)\n"
        "time.sleep(600)\n"
    )
    outcome = run_checker(machine, UNSANDBOXED_POD + code, "--max-memory", "400")
    assert outcome.code == 2
    assert "used more than 400 MiB of memory in all its processes (--max-memory 400)" in outcome.err


def test_the_program_cannot_gain_privileges(machine):
    code = PROBE + (
        "import ctypes, os, socket, subprocess\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "found['no_new_privs'] = str(libc.prctl(39, 0, 0, 0, 0))\n"  # PR_GET_NO_NEW_PRIVS
        "probe('su', lambda: subprocess.run(['su', '-c', 'id'], capture_output=True).returncode)\n"
        "probe('mount', lambda: subprocess.run(['mount', '-t', 'tmpfs', 'x', os.environ['TMPDIR']],"
        " capture_output=True, check=True))\n"
        "probe('hostname', lambda: socket.sethostname(socket.gethostname()))\n"
        "probe('mknod', lambda: os.mknod(os.environ['TMPDIR'] + '/mem', 0o600 | 0o020000,"
        " os.makedev(1, 1)))\n"
        "probe('setuid', lambda: os.setuid(1000))\n" + REPORT_FOUND
    )
    outcome = run_checker(machine, code)
    assert outcome.code == 0, outcome.err
    assert outcome.found["no_new_privs"] == "1"
    for attempt in ("mount", "hostname", "mknod", "setuid"):
        assert not outcome.found[attempt].startswith("done"), (attempt, outcome.found)


def test_every_report_names_the_confinement_in_effect(machine):
    outcome = run_checker(machine, "")
    document = json.loads(outcome.reports["report.json"])
    layers = document["confinement"].split(", ")
    assert confinement.missing(layers) == []  # as promised for this machine (root, Linux)
    assert layers[0] == f"landlock-abi{confinement.landlock_abi()}"
    assert f"Confined by: {document['confinement']}" in outcome.out
    assert f"`{document['confinement']}`" in outcome.reports["report.md"]
    assert outcome.code == 0 and document["summary"]["notChecked"] == []


def test_a_run_below_the_promised_confinement_is_not_checked(machine, tmp_path):
    # In a user namespace that may hold no more of them, the child cannot make its own: it
    # still confines itself with the rest, and says so; --strict fails the run.
    checker = [sys.executable, "-m", "podsandbox", "preview", "--program"]
    folder = python_project(tmp_path / "team", HEADER)
    limited = "echo 0 > /proc/sys/user/max_user_namespaces && " + shlex.join(
        [*checker, str(folder), "--format", "json", "--strict"]
    )
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "sh", "-c", limited],
        cwd=REPO, capture_output=True, timeout=300,
    )  # fmt: skip
    if b"max_user_namespaces" in done.stderr and done.returncode != 1:
        pytest.fail(f"could not limit the user namespaces: {done.stderr!r}")
    document = json.loads(done.stdout)
    assert "user-namespace" not in document["confinement"]
    assert any("less confinement than" in note for note in document["summary"]["notChecked"])
    assert done.returncode == 1


NOBODY_PROGRAM = """
import json, os, signal, socket, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from podsandbox.preview import confinement
folder, scratch = sys.argv[2], sys.argv[3]
plan = confinement.Plan(scratch, (sys.argv[1], '/usr', folder), 512)
layers = confinement.confine(plan, confinement.enter_namespaces(plan.max_processes))
found = {'layers': layers}
def probe(name, action):
    try:
        found[name] = 'done: ' + repr(action())[:200]
    except BaseException as error:
        found[name] = type(error).__name__
probe('write outside', lambda: open(folder + '/victim', 'w').write('pwned'))
probe('write scratch', lambda: open(scratch + '/ok', 'w').write('fine'))
probe('parent environ', lambda: open('/proc/%d/environ' % int(sys.argv[4])).read())
probe('signal parent', lambda: os.kill(int(sys.argv[4]), signal.SIGKILL))
probe('socket', lambda: socket.socket())
probe('setuid program', lambda: subprocess.run([folder + '/id-setuid', '-u'],
      capture_output=True, text=True).stdout.strip())
if os.fork() == 0:
    os.setsid()
    time.sleep(30)
    os._exit(0)
print(json.dumps(found), flush=True)
"""


def test_the_confinement_holds_for_a_user_that_is_not_root(tmp_path):
    # The non-root path (GitHub's runner user) with the system python3, as `nobody`: the checker
    # package itself lives in root's home here, so the confinement module runs on its own.
    if not (Path("/usr/bin/python3").exists() and Path("/usr/bin/setpriv").exists()):
        pytest.skip("needs /usr/bin/python3 and setpriv (util-linux)")
    shared = Path(tempfile.mkdtemp(prefix="podsandbox-nobody-"))
    try:
        package = shared / "lib" / "podsandbox" / "preview"
        package.mkdir(parents=True)
        for name in ("__init__.py", "preview/__init__.py", "preview/confinement.py",
                     "preview/program_events.py"):  # fmt: skip
            (shared / "lib" / "podsandbox" / name).write_bytes(
                (REPO / "podsandbox" / name).read_bytes()
            )
        scratch = shared / "scratch"
        scratch.mkdir()
        (shared / "victim").write_text("untouched\n")
        setuid = shared / "id-setuid"
        setuid.write_bytes(Path("/usr/bin/id").read_bytes())
        setuid.chmod(0o4755)  # root's, set-uid: without no_new_privs it would run as root
        (shared / "program.py").write_text(NOBODY_PROGRAM)
        subprocess.run(["chown", "-R", "nobody", str(shared / "victim"), str(scratch)], check=True)
        shared.chmod(0o755)
        (shared / "victim").chmod(0o666)
        launcher = (
            "import os, subprocess, sys; "
            "sys.exit(subprocess.run([sys.executable, *sys.argv[1:], str(os.getpid())]).returncode)"
        )
        done = subprocess.run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
             "/usr/bin/python3", "-c", launcher, str(shared / "program.py"), str(shared / "lib"),
             str(shared), str(scratch)],
            env={"PATH": "/usr/bin:/bin", **CHECKER_SECRETS}, capture_output=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        found = json.loads(done.stdout)
        assert confinement.missing(found["layers"]) == [], found["layers"]
        assert found["write scratch"].startswith("done")
        assert found["setuid program"] == "done: '65534'"  # not 0: no new privileges
        for attempt in ("write outside", "parent environ", "signal parent", "socket"):
            assert not found[attempt].startswith("done"), (attempt, found)
        assert (shared / "victim").read_text() == "untouched\n"
        for secret in SECRETS:
            assert secret.encode() not in done.stdout + done.stderr
        time.sleep(0.5)
        assert not [
            pid for pid in os.listdir("/proc")
            if pid.isdigit() and str(shared).encode() in _cmdline(pid)
        ], "the setsid() daemon outlived the run"  # fmt: skip
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(
    os.environ.get("GITHUB_ACTIONS") != "true",
    reason="needs a GitHub ubuntu-24.04 runner: the runner user, sudo, and AppArmor's "
    "restriction of user namespaces, which the workflow lifts (none of them exist here)",
)
def test_on_a_github_runner_the_promised_level_holds(machine):
    outcome = run_checker(machine, "")
    layers = json.loads(outcome.reports["report.json"])["confinement"].split(", ")
    assert os.getuid() != 0
    assert confinement.missing(layers) == []
    assert outcome.code == 0


def test_the_verdicts_modules_are_loaded_before_the_program_starts(capsys, tmp_path, monkeypatch):
    # Even where the program could change the checker's files, nothing imported after it ran
    # would decide the verdict: the checker lets it start only once they are in memory.
    from podsandbox.cli import main
    from podsandbox.preview.program_process import RunningProgram

    loaded: list[set[str]] = []
    release = RunningProgram.release

    def noting(self: RunningProgram) -> None:
        loaded.append({name for name in sys.modules if name.startswith("podsandbox")})
        release(self)

    monkeypatch.setattr(RunningProgram, "release", noting)
    for name in [n for n in sys.modules if n.startswith("podsandbox.preview.report")]:
        monkeypatch.delitem(sys.modules, name)
    folder = python_project(tmp_path / "team", HEADER + UNSANDBOXED_POD)
    for output_format in ("text", "json", "markdown", "sarif"):
        assert main(["preview", "--program", str(folder), "--format", output_format]) == 1
    capsys.readouterr()
    after = {name for name in sys.modules if name.startswith("podsandbox")}
    assert loaded and after <= loaded[0], sorted(after - loaded[0])


@pytest.mark.parametrize(
    ("abi", "net", "scoped"),
    [(1, 0, 0), (3, 0, 0), (4, 3, 0), (6, 3, 3), (7, 3, 3)],
)
def test_the_ruleset_handles_what_the_kernels_abi_offers(abi, net, scoped):
    fs, handled_net, handled_scopes = confinement.handled_rights(abi)
    assert (handled_net, handled_scopes) == (net, scoped)
    assert fs & confinement.FS_WRITE_FILE and bool(fs & confinement.FS_TRUNCATE) == (abi >= 3)


def test_only_the_scratch_folder_takes_write_rights(tmp_path):
    plan = confinement.Plan(str(tmp_path), (str(REPO),), 100)
    fs = confinement.handled_rights(7)[0]
    changing = fs & ~confinement.READ_ONLY
    writable = {path for path, rights in confinement.rules(plan, fs) if rights & changing}
    assert writable == {str(tmp_path), *confinement.DEVICES}
    assert all(not rights & changing for path, rights in confinement.rules(plan, fs)
               if path == str(REPO))  # fmt: skip


def test_the_seccomp_filter_kills_another_architecture_and_refuses_socket():
    import struct

    code = confinement.seccomp_filter("x86_64")
    assert code is not None and len(code) % 8 == 0
    program = [struct.unpack("=HBBI", code[i : i + 8]) for i in range(0, len(code), 8)]
    assert program[1][3] == confinement.AUDIT_ARCH["x86_64"] and program[2][3] == 0x80000000
    assert 41 in {k for op, _, _, k in program if op == 0x15}  # socket
    assert confinement.seccomp_filter("riscv64") is None


def test_a_missing_layer_is_named_in_the_not_checked_line():
    full = ["landlock-abi4", *confinement.PROMISED[1:]]
    assert confinement.missing(full) == [] and confinement.not_checked_note(full) is None
    note = confinement.not_checked_note([layer for layer in full if layer != "no-network"])
    assert note is not None and "without no-network" in note
    assert "without landlock" in (confinement.not_checked_note([]) or "")
