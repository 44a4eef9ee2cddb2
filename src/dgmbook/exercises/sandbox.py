"""The grader's child process: a sandbox for one submission, and a wall clock over it.

On Linux the child runs under bubblewrap (Debian's ``bubblewrap``; ``.ci/run`` installs it):

- the file system is a new root holding, read-only, only the system (``/usr``, ``/etc``), the Python
  installation and the virtual environment; its only writable places are its working folder and a
  private ``/tmp``, both in memory (tmpfs) and each limited in size, so that it cannot fill the
  machine's disk. The book's package, its pages and every other file of the machine (other
  submissions, the gradebook, home folders) are not there at all;
- no network (``--unshare-net``: only a loopback of its own), its own process and IPC namespaces
  (``--unshare-pid``: it can see and signal no process of the grader's), a new session, and it dies
  with its parent (``--die-with-parent``);
- resource limits set before any student code runs: address space, CPU time, processes, file size,
  no core dumps; run as root, the child then drops to the unprivileged ``nobody``, so the limits
  cannot be raised again;
- the grader kills the whole process group at the wall-clock limit (SIGKILL, which nothing can catch
  or ignore); killing bubblewrap ends its PID namespace, and with it every process the child made.

Where bubblewrap is missing or cannot create namespaces, :func:`sandbox_problem` says why, and the
grader refuses to run untrusted code unless told ``--unsafe`` (then the child runs as a plain process
with the same limits and wall clock, but can read and write what the grader's user can).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dgmbook.exercises import child
from dgmbook.validation import check_positive

__all__ = ["Limits", "ChildProcess", "sandbox_problem"]

#: The unprivileged user a child started as root switches to.
NOBODY = 65534
#: Where the child's own two files (child.py, protocol.py) appear inside the sandbox.
RUNNER_DIR = "/dgmbook-grader"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one child: ``memory_mb`` of address space, ``cpu_seconds`` of CPU time,
    ``processes`` it may add, ``file_mb`` per written file, ``disk_mb`` for its working folder and
    for its ``/tmp`` (in the sandbox)."""

    memory_mb: float = 4096
    cpu_seconds: float = 900
    processes: int = 64
    file_mb: float = 64
    disk_mb: float = 256

    def __post_init__(self) -> None:
        check_positive("memory_mb", self.memory_mb)
        check_positive("disk_mb", self.disk_mb)
        check_positive("cpu_seconds", self.cpu_seconds)
        check_positive("file_mb", self.file_mb)
        if isinstance(self.processes, bool) or not isinstance(self.processes, int) or self.processes < 1:
            raise ValueError(f"processes must be a whole number >= 1, got {self.processes!r}")


@functools.cache
def sandbox_problem() -> str | None:
    """Why the sandbox cannot be used on this machine, or None if it can."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (bubblewrap); this is {sys.platform}"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        proc = subprocess.run(_bwrap_prefix(Path("/tmp")) + ["/bin/true"], capture_output=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start ({exc})"
    if proc.returncode != 0:
        why = proc.stderr.decode("utf8", "replace").strip().splitlines()
        return ("bubblewrap cannot create the sandbox's namespaces here "
                f"({why[-1] if why else 'exit code ' + str(proc.returncode)}); "
                "unprivileged user namespaces may be disabled")
    return None


def _system_paths() -> list[Path]:
    """The installation the child needs, read-only: the system, Python and the environment."""
    paths = [Path(p) for p in ("/usr", "/etc", "/opt") if Path(p).is_dir() and not Path(p).is_symlink()]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                   str(Path(sys.executable).parent)}:
        real = Path(prefix).resolve()
        if not any(real == p or p in real.parents for p in paths):
            paths.append(real)
    return paths


def _bwrap_prefix(workdir: Path, disk_bytes: int = 256 * 2**20) -> list[str]:
    args = [shutil.which("bwrap") or "bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--hostname", "sandbox"]
    if os.geteuid() != 0:
        args.append("--unshare-user")
    made: set[Path] = set()

    def parents(path: Path) -> None:
        for parent in reversed(path.parents):
            if parent != Path("/") and parent not in made:
                args.extend(["--perms", "0755", "--dir", str(parent)])
                made.add(parent)

    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        link = Path("/") / top
        if link.is_symlink():
            args.extend(["--symlink", os.readlink(link), str(link)])
        elif link.is_dir():
            args.extend(["--ro-bind", str(link), str(link)])
    for path in _system_paths():
        parents(path)
        args.extend(["--ro-bind", str(path), str(path)])
        made.add(path)
    size = str(int(disk_bytes))
    args.extend(["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", size, "--tmpfs", "/tmp"])
    parents(workdir)
    args.extend(["--perms", "0777", "--size", size, "--tmpfs", str(workdir), "--chdir", str(workdir)])
    return args


def _processes_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return count


class ChildProcess:
    """One child running a submission, spoken to in JSON lines; :meth:`kill` ends it and all it made.

    Parameters
    ----------
    workdir : Path
        The submission's own folder (its only writable place in the sandbox).
    sandboxed : bool
        Run under bubblewrap (True) or as a plain process (``--unsafe``).
    limits : Limits
    """

    def __init__(self, workdir: Path, *, sandboxed: bool, limits: Limits):
        if not isinstance(workdir, Path) or not workdir.is_dir():
            raise ValueError(f"workdir must be an existing folder (a Path), got {workdir!r}")
        if not isinstance(limits, Limits):
            raise TypeError(f"limits must be a Limits, got {type(limits).__name__}")
        here = Path(child.__file__).resolve().parent
        root = os.geteuid() == 0
        uid = NOBODY if (sandboxed and root) else os.geteuid()
        config = {
            "memory_bytes": int(limits.memory_mb * 2**20),
            "cpu_seconds": int(limits.cpu_seconds),
            "file_bytes": int(limits.file_mb * 2**20),
            "processes": (None if (root and not sandboxed) else limits.processes + _processes_of(uid)),
            "uid": NOBODY if (sandboxed and root) else None,
        }
        env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "LANG": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(workdir / ".matplotlib"), "TMPDIR": "/tmp"}
        if "OPENBLAS_CORETYPE" in os.environ:
            env["OPENBLAS_CORETYPE"] = os.environ["OPENBLAS_CORETYPE"]
        if sandboxed:
            runner = RUNNER_DIR
            command = _bwrap_prefix(workdir, int(limits.disk_mb * 2**20))
            for name in ("child.py", "protocol.py"):
                command.extend(["--ro-bind", str(here / name), f"{runner}/{name}"])
            command.extend([sys.executable, "-I", f"{runner}/child.py", json.dumps(config)])
        else:
            env["TMPDIR"] = str(workdir)
            command = [sys.executable, "-I", str(here / "child.py"), json.dumps(config)]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=(None if os.environ.get("DGMBOOK_GRADE_DEBUG")
                                             else subprocess.DEVNULL),
                                     cwd=workdir, env=env, start_new_session=True)
        self.channel = child.Channel(self.proc.stdout.fileno(), self.proc.stdin.fileno())

    def send(self, message: dict) -> bool:
        """Send a message; False if the child is gone."""
        try:
            self.channel.send(message)
            return True
        except OSError:
            return False

    def receive(self, deadline: float):
        """The next message; ``None`` at the deadline (``time.monotonic()``), ``"eof"`` if the child
        closed its end or died. Raises :class:`~dgmbook.exercises.protocol.ProtocolError` on garbage."""
        from dgmbook.exercises.engine import _receive

        try:
            return _receive(self.channel, deadline)
        except OSError:
            return "eof"

    def kill(self) -> None:
        """SIGKILL to the child's process group (and so, under bubblewrap, its whole PID namespace)."""
        for target in (lambda: os.killpg(self.proc.pid, signal.SIGKILL),
                       lambda: self.proc.send_signal(signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be refused
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def exit_description(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "still running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

