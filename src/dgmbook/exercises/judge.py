"""The grader's judge: a submission runs in a sandboxed child, the marks are decided here.

The child (:mod:`dgmbook.exercises.sandbox`) executes the submission's code cells, in order, each
with a time limit; a cell that fails, hangs or kills its process is recorded and skipped (the child
is started again without it). Then the judge calls each exercise's function *through* the child: it
sends the inputs as data, receives the outputs as data (:mod:`dgmbook.exercises.protocol`), and the
engine compares them, in this process, with the reference computed here. So the student's code can
change its own outputs and nothing else: not the reference, not the comparison, not the mistakes'
diagnoses, not the list of exercises (the chapter's catalogue, not the notebook's metadata).

A call that does not return within its limit, or whose process dies, costs that exercise; the child
is started again for the next one. A function that is the package's own reference (the object
itself, or a function with the same code) earns nothing.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dgmbook.exercises import child, protocol
from dgmbook.exercises.catalogue import EXERCISES
from dgmbook.exercises.engine import (
    DEFAULT_TIME_LIMIT,
    CheckResult,
    Outcome,
    answer_callback,
    fail,
    run_check,
)
from dgmbook.exercises.sandbox import ChildProcess, Limits

__all__ = ["Verdict", "judge_cells"]

#: How many times a submission's child may be started again (after a hang or a death) in all.
MAX_RESTARTS = 30


@dataclass
class Verdict:
    """What the judge decided for one submission: per exercise a :class:`CheckResult`, the cells
    that failed, and what went wrong with the submission as a whole (``error``)."""

    results: dict = field(default_factory=dict)
    cell_errors: list = field(default_factory=list)
    error: str | None = None


class _Session:
    """The submission's child, started again (without the cells that broke it) whenever it is gone."""

    def __init__(self, cells, functions, workdir, *, sandboxed, limits, cell_timeout, deadline, verdict):
        self.cells, self.functions, self.workdir = cells, functions, workdir
        self.sandboxed, self.limits = sandboxed, limits
        self.cell_timeout, self.deadline, self.verdict = cell_timeout, deadline, verdict
        self.skip: set[int] = set()
        self.reported: set[int] = set()
        self.child: ChildProcess | None = None
        self.info: dict = {}
        self.starts = 0
        self.broken = False

    def _record(self, index: int, text: str) -> None:
        if index not in self.reported:
            self.reported.add(index)
            self.verdict.cell_errors.append(f"cell {index + 1}: {text}")

    def ensure(self) -> bool:
        """A child that has run the cells and is ready for calls; False if none can be had."""
        while self.child is None:
            if self.broken or self.starts > MAX_RESTARTS or time.monotonic() >= self.deadline:
                return False
            self.starts += 1
            proc = ChildProcess(self.workdir, sandboxed=self.sandboxed, limits=self.limits)
            if not proc.send({"op": "cells", "cells": self.cells, "skip": sorted(self.skip),
                              "functions": self.functions}):
                proc.kill()
                return False
            if self._run_cells(proc):
                self.child = proc
        return True

    def _run_cells(self, proc: ChildProcess) -> bool:
        current, started = None, time.monotonic()
        while True:
            limit = min(self.deadline, started + self.cell_timeout)
            try:
                message = proc.receive(limit)
            except protocol.ProtocolError:
                message = "garbage"
            if message is None or message in ("eof", "garbage"):
                what = proc.exit_description() if message == "eof" else None
                proc.kill()
                if current is None:  # out of time, or dead outside any cell: starting again cannot help
                    self.broken = True
                    self.verdict.error = self.verdict.error or (
                        f"the submission's process ended ({what})" if message is not None
                        else "the submission's process stopped answering")
                    return False
                if message is None:
                    timed_out = time.monotonic() >= self.deadline
                    self._record(current, "ran out of time (the notebook's limit)" if timed_out else
                                 f"did not finish within {self.cell_timeout:g} s")
                else:
                    self._record(current, f"its process ended ({what or 'unreadable output'})")
                self.skip.add(current)
                return False
            op = message.get("op")
            if op == "cell_start" and isinstance(message.get("index"), int):
                current, started = message["index"], time.monotonic()
            elif op == "cell_done" and message.get("index") == current:
                if message.get("error"):
                    self._record(current, str(message["error"])[:200])
                current, started = None, time.monotonic()
            elif op == "ready" and isinstance(message.get("functions"), dict):
                self.info = {name: _clean_info(message["functions"].get(name)) for name in self.functions}
                return True
            else:
                proc.kill()
                self.broken = True
                self.verdict.error = self.verdict.error or "the submission's process sent unreadable output"
                return False

    def call(self, function: str, kwargs: dict, seconds: float) -> Outcome:
        if not self.ensure():
            return Outcome("died", message="the submission could not be run again")
        callbacks = {k: v for k, v in kwargs.items() if callable(v)}
        message = {"op": "call", "function": function, "callbacks": sorted(callbacks),
                   "args": {k: protocol.encode(v) for k, v in kwargs.items() if k not in callbacks}}
        proc = self.child
        if not proc.send(message):
            self.drop()
            return Outcome("died")
        deadline = min(time.monotonic() + seconds, self.deadline)
        while True:
            try:
                reply = proc.receive(deadline)
            except protocol.ProtocolError as exc:
                self.drop()
                return Outcome("raised", error_type="ProtocolError", message=f"unreadable output ({exc})")
            if reply is None:
                self.drop()
                return Outcome("timeout")
            if reply == "eof":
                self.drop()
                return Outcome("died")
            if reply.get("op") == "callback":
                if not proc.send(answer_callback(reply, callbacks)):
                    self.drop()
                    return Outcome("died")
                continue
            if reply.get("op") != "result":
                self.drop()
                return Outcome("raised", error_type="ProtocolError", message="an unexpected message")
            from dgmbook.exercises.engine import _decode_result

            return _decode_result(reply)

    def drop(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child = None

    def close(self) -> None:
        self.drop()


def _clean_info(info) -> dict:
    """A child's description of a function, as plain flags and strings (the child may lie; it may
    not crash the judge)."""
    info = info if isinstance(info, dict) else {}
    return {"callable": info.get("callable") is True, "reference": info.get("reference") is True,
            "module": info["module"][:200] if isinstance(info.get("module"), str) else "",
            "fingerprint": info["fingerprint"][:100] if isinstance(info.get("fingerprint"), str) else ""}


@functools.cache
def _reference_prints() -> dict[str, set[str]]:
    """Per function name, the code digests of the package's references."""
    prints: dict[str, set[str]] = {}
    for ex in EXERCISES.values():
        digest = child.fingerprint(ex.reference)
        if digest:
            prints.setdefault(ex.function, set()).add(digest)
    return prints


def _is_reference(name: str, info: dict) -> bool:
    """The package's reference itself (its stub in the sandbox, a function of the package) or a
    function with the same code."""
    module = info.get("module") or ""
    return bool(info.get("reference")) or module.startswith("dgmbook") or (
        info.get("fingerprint") in _reference_prints().get(EXERCISES[name].function, set()))


def judge_cells(cells: list[str], names: list[str], *, sandboxed: bool, limits: Limits | None = None,
                cell_timeout: float = 60.0, notebook_timeout: float = 600.0,
                time_limit: float = DEFAULT_TIME_LIMIT, seed: int | None = None) -> Verdict:
    """Run the code ``cells`` of a submission in a child and judge the exercises ``names``.

    Parameters
    ----------
    cells : list of str
        The submission's code cells, in order.
    names : list of str
        The exercises to judge (a chapter's catalogue).
    sandboxed : bool
        Run the child under bubblewrap (else as a plain process: trusted work only).
    limits : Limits, optional
        The child's resource limits.
    cell_timeout, notebook_timeout : float
        Seconds per cell, and for everything (cells, restarts and calls) together.
    time_limit : float
        Seconds per call of a student's function.
    seed : int, optional
        Seed of the exercises' random inputs (default: each exercise's own).

    Returns
    -------
    Verdict
    """
    if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
        raise TypeError("cells must be a list of source strings")
    if not isinstance(names, list) or not all(n in EXERCISES for n in names):
        raise ValueError(f"names must be a list of exercise names, got {names!r}")
    limits = limits or Limits(cpu_seconds=notebook_timeout + 60)
    verdict = Verdict()
    workdir = Path(tempfile.mkdtemp(prefix="dgmbook-grade-"))
    deadline = time.monotonic() + notebook_timeout
    functions = list(dict.fromkeys(EXERCISES[n].function for n in names))
    session = _Session(cells, functions, workdir, sandboxed=sandboxed, limits=limits,
                       cell_timeout=cell_timeout, deadline=deadline, verdict=verdict)
    try:
        ready = session.ensure()
        for name in names:
            ex = EXERCISES[name]
            if not ready or not session.ensure():
                why = ("the notebook ran out of time" if time.monotonic() >= deadline
                       else verdict.error or "the submission could not be run")
                verdict.results[name] = fail(ex, "not graded", f"{why}.")
                continue
            info = session.info.get(ex.function) or {}
            if not info.get("callable"):
                verdict.results[name] = fail(ex, "missing", f"the notebook defines no function named "
                                             f"{ex.function}.")
                continue
            if _is_reference(name, info):
                verdict.results[name] = fail(ex, "reference", f"`{ex.function}` is the package's own "
                                             "reference "
                                             "(the same object or the same code): it earns no marks.")
                continue
            rng = np.random.default_rng(seed) if seed is not None else None

            def call(kwargs, seconds, function=ex.function):
                return session.call(function, kwargs, seconds)

            result = run_check(ex, call, time_limit, rng)
            if result.status in ("timeout", "died") and time.monotonic() >= deadline:
                result = fail(ex, "not graded", "the notebook ran out of time.")
            verdict.results[name] = result
    finally:
        session.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return verdict


def result_dict(result: CheckResult) -> dict:
    """The JSON-ready row of one exercise."""
    return {"passed": bool(result.passed), "status": result.status, "message": result.message,
            "mistake": result.mistake}
