"""The formative check in the notebook: ``check("q4-posterior-mean", posterior_mean)``.

Each call of the student's function runs in a forked copy of the notebook's process, with a hard
time limit (a function that swallows every interrupt is stopped all the same), and its output comes
back as data; the verdict is the engine's (:func:`dgmbook.exercises.engine.run_check`). The check
prints one line and records the result for :func:`assert_all_passed`, the build's proof that every
reference passes. It teaches; it does not grade: the grader judges from outside
(:mod:`dgmbook.exercises.judge`).
"""

from __future__ import annotations

from collections.abc import Callable

from dgmbook.exercises.catalogue import EXERCISES, exercises_of
from dgmbook.exercises.engine import DEFAULT_TIME_LIMIT, CheckResult, local_caller, run_check
from dgmbook.validation import check_bool, check_callable, check_positive

__all__ = ["check", "assert_all_passed"]

#: The last result of every exercise checked in this Python session (what assert_all_passed reads).
RESULTS: dict[str, CheckResult] = {}


def check(name: str, func: Callable, *, time_limit: float = DEFAULT_TIME_LIMIT,
          quiet: bool = False) -> CheckResult:
    """Check a student's implementation of exercise ``name`` and print one line saying what was found.

    Parameters
    ----------
    name : str
        The exercise, e.g. ``"q4-posterior-mean"`` (see :data:`EXERCISES`).
    func : callable
        The student's function, with the exercise's signature.
    time_limit : float, default 10
        Seconds allowed for one call of ``func``; a call that takes longer is stopped and reported
        as not returning.
    quiet : bool, default False
        Do not print the line.

    Returns
    -------
    CheckResult
        ``passed``, ``status``, the printed ``message`` and the recognised ``mistake``, if any.
    """
    if not isinstance(name, str) or name not in EXERCISES:
        known = ", ".join(EXERCISES)
        raise ValueError(f"name must be the name of an exercise, one of {known}; got {name!r}")
    check_callable("func", func)
    time_limit = check_positive("time_limit", time_limit)
    quiet = check_bool("quiet", quiet)
    result = run_check(EXERCISES[name], local_caller(func), time_limit)
    RESULTS[name] = result
    if not quiet:
        print(result.message)
    return result


def assert_all_passed(prefix: str) -> list[str]:
    """Raise ``AssertionError`` unless every exercise whose name starts with ``prefix`` was checked
    in this session and passed; return their names. The full edition's build-only cell calls it,
    so that a reference that fails its check fails the book build."""
    if not isinstance(prefix, str) or not prefix:
        raise TypeError(f"prefix must be a non-empty string such as 'q1', got {prefix!r}")
    names = exercises_of(prefix)
    failed = [RESULTS[n].message if n in RESULTS else f"{n}: never checked" for n in names
              if n not in RESULTS or not RESULTS[n].passed]
    if failed:
        raise AssertionError("exercises that did not pass:\n" + "\n".join(failed))
    return names
