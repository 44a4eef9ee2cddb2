"""Bad input for dgmbook.exercises.sandbox (the grader's child process)."""

from pathlib import Path

from bad_input import bad
from dgmbook.exercises import sandbox

CASES = {
    "Limits": [
        bad(lambda: sandbox.Limits(memory_mb=0), ValueError, "memory_mb"),
        bad(lambda: sandbox.Limits(cpu_seconds="60"), TypeError, "cpu_seconds"),
        bad(lambda: sandbox.Limits(processes=0), ValueError, "processes"),
        bad(lambda: sandbox.Limits(file_mb=-1), ValueError, "file_mb"),
        bad(lambda: sandbox.Limits(disk_mb=0), ValueError, "disk_mb"),
    ],
    "ChildProcess": [
        bad(lambda: sandbox.ChildProcess("/tmp", sandboxed=False, limits=sandbox.Limits()), ValueError,
            "workdir", "Path"),
        bad(lambda: sandbox.ChildProcess(Path("/no/such/folder"), sandboxed=False, limits=sandbox.Limits()),
            ValueError, "workdir"),
        bad(lambda: sandbox.ChildProcess(Path("/tmp"), sandboxed=False, limits={"memory_mb": 1}), TypeError,
            "limits"),
    ],
}

EXEMPT = {
    "sandbox_problem": "takes no argument",
    "ChildProcess.send": "sends a message the package itself builds",
    "ChildProcess.receive": "a deadline the package itself computes",
    "ChildProcess.kill": "takes no argument",
    "ChildProcess.exit_description": "takes no argument",
}
