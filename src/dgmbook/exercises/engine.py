"""The checking engine: an exercise's cases, its reference, its catalogued mistakes and properties,
and the verdict on a function reached only through a *caller*.

A caller runs the student's function on one input, in another process, and gives back its output
as data (:class:`Outcome`): the formative :func:`~dgmbook.exercises.check` forks the notebook for
each call (:func:`local_caller`); the grader asks its sandboxed child
(:mod:`dgmbook.exercises.judge`). The reference, the comparison, the recognition of mistakes and the
diagnoses all run here, in the checker's own process: the student's code can change none of them.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dgmbook.exercises import child, protocol
from dgmbook.validation import check_callable, check_positive

__all__ = ["Exercise", "Mistake", "CheckResult", "Outcome", "local_caller", "run_check"]

#: Seconds a student's function may run on one input before it is reported as not returning.
DEFAULT_TIME_LIMIT = 10.0

#: Tolerances of the comparison with the reference: an entry passes when it is within
#: ``RTOL * |expected| + ATOL_SCALE * max|expected| + ATOL``. Float32 arithmetic (about 7 digits)
#: passes; every catalogued mistake differs by far more (``tests/test_exercises.py`` checks both).
RTOL, ATOL_SCALE, ATOL = 1e-4, 1e-5, 1e-9


# ---------------------------------------------------------------------------------------------
# The catalogue's building blocks
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mistake:
    """A known conceptual mistake: ``implementation`` computes what a function making it returns,
    and ``text`` says what is wrong, in words."""

    text: str
    implementation: Callable[..., Any]


@dataclass(frozen=True)
class Exercise:
    """One exercise: its name, the function the student writes, the reference and the catalogue.

    ``cases(rng)`` returns the keyword arguments of a few inputs (random ones drawn from ``rng``, and
    fixed extreme ones); ``reference(**case)`` is the book's answer. ``properties`` are functions
    ``test(run)`` that call the student's function through ``run(**kwargs)`` and return ``None`` or a
    description of the failure. ``prepare(case)`` may turn a case into the arguments of one call (for
    example a recording sampler, a callable that the student's function calls back) and
    ``diagnose(case, args)`` inspect those arguments after a call whose output was wrong.
    """

    name: str
    page: str
    function: str
    title: str
    reference: Callable[..., Any]
    cases: Callable[[np.random.Generator], list[dict]]
    mistakes: tuple[Mistake, ...] = ()
    properties: tuple[Callable[[Callable[..., Any]], str | None], ...] = ()
    prepare: Callable[[dict], dict] | None = None
    diagnose: Callable[[dict, dict], str | None] | None = None
    nonfinite_hint: str = ""
    seed: int = 0


@dataclass
class CheckResult:
    """What a check found: ``passed``, the one-line ``message``, and the ``mistake`` it recognised
    (its text), if any. ``status`` is one of ``"pass"``, ``"mistake"``, ``"wrong"``, ``"raised"``,
    ``"timeout"``, ``"died"``, ``"shape"``, ``"type"``, ``"nonfinite"``, ``"not implemented"``,
    ``"property"`` (and, from the grader, ``"missing"``, ``"reference"``, ``"not graded"``)."""

    exercise: str
    passed: bool
    status: str
    message: str
    mistake: str | None = None
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:  # the line is printed by check(); show nothing more
        return None


@dataclass
class Outcome:
    """One call of the student's function, as data: ``status`` is ``"ok"`` (``value`` holds the
    decoded output), ``"raised"`` (``error_type``, ``message``), ``"timeout"`` or ``"died"``."""

    status: str
    value: Any = None
    error_type: str = ""
    message: str = ""
    not_implemented: bool = False
    printed: str = ""


#: A caller: ``call(kwargs, seconds, callbacks)`` runs the student's function on ``kwargs``; the
#: names in ``callbacks`` are arguments that are callables of the checker, called back across the
#: boundary.
Caller = Callable[[dict, float], Outcome]


class _Reported(Exception):
    """Raised inside the checker when a call of the student's function has already failed."""

    def __init__(self, result: CheckResult):
        super().__init__(result.message)
        self.result = result


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------
def fmt(value: Any, digits: int = 6) -> str:
    """A short, readable rendering of a value (the first entries and the shape of a large array)."""
    if callable(value):
        return f"<{getattr(value, '__name__', 'function')}>"
    if isinstance(value, protocol.Unsupported):
        return repr(value)
    if isinstance(value, (tuple, list)) and value and any(np.ndim(v) > 0 for v in value):
        return "(" + ", ".join(fmt(v, digits) for v in value) + ")"
    if isinstance(value, (bool, int, np.integer, str)):
        return repr(value) if isinstance(value, str) else str(value)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        text = repr(value)
        return text if len(text) < 60 else text[:57] + "..."
    if arr.ndim == 0:
        return f"{float(arr):.{digits}g}"
    if arr.size > 8:  # the first values, flattened, and the shape
        head = ", ".join(f"{x:.{min(digits, 4) if digits <= 6 else digits}g}" for x in arr.reshape(-1)[:4])
        return f"[{head}, …] (shape {arr.shape})"
    with np.printoptions(precision=4 if digits <= 6 else digits, suppress=False, linewidth=10_000):
        text = np.array2string(arr, separator=", ")
    return " ".join(text.split())


def fmt_args(args: dict) -> str:
    return ", ".join(f"{key}={fmt(value)}" for key, value in args.items() if not key.startswith("_"))


def _describe_type(value: Any) -> str:
    if value is None:
        return "None (is the `return` statement missing?)"
    if isinstance(value, protocol.Unsupported):
        return f"a {value.type_name}"
    return f"a {type(value).__name__}"


def _expected_vs_received(expected: Any, out: Any) -> str:
    """``expected X, received Y``, with enough digits that X and Y differ on the page."""
    want, got = fmt(expected), fmt(out)
    if want == got:
        want, got = fmt(expected, 12), fmt(out, 12)
    return f"expected {want}, received {got}"


# ---------------------------------------------------------------------------------------------
# Comparing outputs
# ---------------------------------------------------------------------------------------------
def _as_result_array(value: Any) -> np.ndarray | None:
    """The student's output as a float array, or None if it is not real numbers."""
    if (isinstance(value, (str, bytes, dict, set, bool, protocol.Unsupported)) or value is None
            or callable(value)):
        return None
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if raw.dtype.kind not in "biuf":  # complex, strings, objects (ragged lists)
        return None
    return raw.astype(float)


def close(a: Any, b: Any) -> bool:
    """Whether ``a`` matches the reference ``b`` (arrays or tuples of arrays) within the tolerances."""
    if isinstance(b, tuple):
        if not isinstance(a, tuple) or len(a) != len(b):
            return False
        return all(close(x, y) for x, y in zip(a, b, strict=True))
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    if b.size == 0:
        return True
    if not np.array_equal(np.isfinite(a), np.isfinite(b)):
        return False
    finite = np.isfinite(b)
    scale = float(np.max(np.abs(b[finite]))) if finite.any() else 0.0
    tol = RTOL * np.abs(b[finite]) + ATOL_SCALE * scale + ATOL
    return bool(np.all(np.abs(a[finite] - b[finite]) <= tol)) and np.array_equal(a[~finite], b[~finite])


def _normalise(value: Any, like: Any) -> Any:
    """Convert an output to the reference's structure (a float array, or a tuple of them)."""
    if isinstance(like, tuple):
        if not isinstance(value, (tuple, list)) or isinstance(value, protocol.Unsupported):
            return None
        items = [_as_result_array(v) for v in value]
        return None if any(v is None for v in items) else tuple(items)
    return _as_result_array(value)


def _is_complex(value: Any) -> bool:
    items = value if isinstance(value, (tuple, list)) else (value,)
    return any(np.iscomplexobj(v) for v in items if isinstance(v, (np.ndarray, complex, list)))


def _shape_of(value: Any) -> Any:
    return tuple(np.shape(v) for v in value) if isinstance(value, tuple) else np.shape(value)


def _finite(value: Any) -> bool:
    items = value if isinstance(value, tuple) else (value,)
    return all(np.all(np.isfinite(v)) for v in items)


def _copy_args(args: dict) -> dict:
    return {key: (value.copy() if isinstance(value, np.ndarray) else value) for key, value in args.items()}


# ---------------------------------------------------------------------------------------------
# Callers: the student's function in another process (or, where there is no fork, a thread)
# ---------------------------------------------------------------------------------------------
def _decode_result(message: dict) -> Outcome:
    printed = message.get("printed") if isinstance(message.get("printed"), str) else ""
    if message.get("status") == "ok":
        try:
            return Outcome("ok", protocol.decode(message.get("value")), printed=printed[:child.MAX_PRINTED])
        except protocol.ProtocolError as exc:
            return Outcome("raised", error_type="ProtocolError",
                           message=f"its output could not be read ({exc})")
    if message.get("status") == "raised":
        return Outcome("raised", error_type=str(message.get("type", "Exception"))[:80],
                       message=str(message.get("message", ""))[:500],
                       not_implemented=message.get("not_implemented") is True,
                       printed=printed[:child.MAX_PRINTED])
    return Outcome("raised", error_type="ProtocolError", message="an unreadable answer")


def answer_callback(message: dict, callbacks: dict) -> dict:
    """The reply to a callback request of the student's code: the checker's own callable is called
    on the decoded arguments, here; its result goes back as data."""
    func = callbacks.get(message.get("name"))
    try:
        if func is None:
            raise ValueError("no such callback")
        args = [protocol.decode(a) for a in message.get("args", [])]
        kwargs = {str(k): protocol.decode(v) for k, v in (message.get("kwargs") or {}).items()}
        return {"op": "callback_result", "value": protocol.encode(func(*args, **kwargs))}
    except Exception as exc:  # noqa: BLE001 - bad arguments from the student's code
        return {"op": "callback_error", "message": f"{type(exc).__name__}: {exc}"[:500]}


def local_caller(func: Callable) -> Caller:
    """Call ``func`` (a function of this process) in a forked child with a hard time limit; where
    there is no ``fork`` (Windows), in a thread interrupted by an asynchronous exception."""
    check_callable("func", func)

    def call(kwargs: dict, seconds: float) -> Outcome:
        if hasattr(os, "fork") and sys.platform != "emscripten":
            outcome = _forked_call(func, kwargs, seconds)
            if outcome.printed:  # what the function printed, shown where the student looks
                sys.stdout.write(outcome.printed)
            return outcome
        return _threaded_call(func, kwargs, seconds)
    return call


def _forked_call(func: Callable, kwargs: dict, seconds: float) -> Outcome:
    callbacks = {k: v for k, v in kwargs.items() if callable(v)}
    plain = {k: v for k, v in kwargs.items() if k not in callbacks}
    to_parent_r, to_parent_w = os.pipe()
    to_child_r, to_child_w = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() in a threaded process
        pid = os.fork()
    if pid == 0:  # the child: run the call, send the result, leave at once
        try:
            os.close(to_parent_r)
            os.close(to_child_w)
            os.setpgid(0, 0)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            child.serve_call(func, plain, child.Channel(to_child_r, to_parent_w), tuple(callbacks))
        finally:
            os._exit(0)
    os.close(to_parent_w)
    os.close(to_child_r)
    channel = child.Channel(to_parent_r, to_child_w)
    deadline = time.monotonic() + seconds
    try:
        while True:
            message = _receive(channel, deadline)
            if message is None:
                return Outcome("timeout")
            if message == "eof":
                return Outcome("died", message="the process running the function ended without an answer")
            if message.get("op") == "callback":
                channel.send(answer_callback(message, callbacks))
                continue
            return _decode_result(message)
    except (protocol.ProtocolError, OSError) as exc:
        return Outcome("raised", error_type="ProtocolError", message=str(exc))
    finally:
        for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                kill()
            except OSError:
                pass
        os.waitpid(pid, 0)
        os.close(to_parent_r)
        os.close(to_child_w)


def _receive(channel: child.Channel, deadline: float):
    """The next message, ``None`` at the deadline, ``"eof"`` if the other side closed. The deadline
    holds even against a flood of messages."""
    if time.monotonic() >= deadline:
        return None
    while b"\n" not in channel._buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([channel.read_fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(channel.read_fd, 1 << 16)
        if not chunk:
            return "eof"
        channel._buffer += chunk
        if len(channel._buffer) > protocol.MAX_MESSAGE:
            raise protocol.ProtocolError("a message too long")
    line, channel._buffer = channel._buffer.split(b"\n", 1)
    return protocol.loads(line)


class _TimeLimit(BaseException):
    """Raised into student code that ran past its time limit (the thread fallback)."""


def _threaded_call(func: Callable, kwargs: dict, seconds: float) -> Outcome:  # pragma: no cover - no fork
    import ctypes

    box: dict[str, Any] = {}

    def target():
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                box["value"] = func(**_copy_args(kwargs))
        except _TimeLimit:
            pass
        except BaseException as exc:  # noqa: BLE001
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(_TimeLimit))
        return Outcome("timeout")
    if "error" in box:
        exc = box["error"]
        return Outcome("raised", error_type=type(exc).__name__, message=str(exc)[:500],
                       not_implemented=isinstance(exc, NotImplementedError))
    return Outcome("ok", protocol.decode(protocol.encode(box.get("value"))))


# ---------------------------------------------------------------------------------------------
# The verdict
# ---------------------------------------------------------------------------------------------
def fail(ex: Exercise, status: str, text: str, **details) -> CheckResult:
    return CheckResult(ex.name, False, status, f"✗ {ex.name}: {text}", details.pop("mistake", None), details)


def _call(ex: Exercise, call: Caller, args: dict, seconds: float, expected: Any) -> Any:
    """Run the student's function on ``args`` and return its output in the reference's structure,
    or raise :class:`_Reported` with a plain description of what went wrong."""
    where = f"on input {fmt_args(args)}"
    outcome = call(args, seconds)
    if outcome.status == "timeout":
        raise _Reported(fail(ex, "timeout", f"did not return within {seconds:g} s {where} "
                             "(an infinite loop, or far too much work?)."))
    if outcome.status == "died":
        raise _Reported(fail(ex, "died", f"the process running `{ex.function}` ended without an answer "
                             f"{where} (did the code exit or kill its process?)."))
    if outcome.status == "raised":
        if outcome.not_implemented:
            raise _Reported(fail(ex, "not implemented", f"not implemented yet: fill in the body of "
                                 f"`{ex.function}` (it raises NotImplementedError)."))
        raise _Reported(fail(ex, "raised", f"raised {outcome.error_type}: {outcome.message} {where}."))
    value = outcome.value
    if _is_complex(value):
        raise _Reported(fail(ex, "type", f"returned complex numbers {where}; the answer is real "
                             "(a square root or log of a negative number?)."))
    out = _normalise(value, expected)
    if out is None:
        want = (f"a tuple of {len(expected)} arrays" if isinstance(expected, tuple)
                else "a number" if np.ndim(expected) == 0 else "an array")
        raise _Reported(fail(ex, "type", f"returned {_describe_type(value)}, expected {want} {where}."))
    return out


def _match_mistake(ex: Exercise, args: dict, out: Any) -> Mistake | None:
    for mistake in ex.mistakes:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                wrong = mistake.implementation(**_copy_args(args))
        except Exception:  # noqa: BLE001, S112 - a mistake that does not apply to this input
            continue
        wrong = _normalise(wrong, out)
        if wrong is not None and _shape_of(wrong) == _shape_of(out) and close(out, wrong):
            return mistake
    return None


def _run_properties(ex: Exercise, call: Caller, seconds: float) -> CheckResult | None:
    def run(**kwargs):
        expected = ex.reference(**_copy_args(kwargs))
        out = _call(ex, call, kwargs, seconds, expected)
        if _shape_of(out) != _shape_of(expected):
            raise _Reported(fail(ex, "shape", f"returned shape {_shape_of(out)}, expected "
                                 f"{_shape_of(expected)} on input {fmt_args(kwargs)}."))
        return out

    for prop in ex.properties:
        try:
            problem = prop(run)
        except _Reported as reported:
            return reported.result
        if problem:
            return fail(ex, "property", problem)
    return None


def _largest_difference(out: Any, expected: Any) -> str:
    pairs = list(zip(out, expected, strict=True)) if isinstance(expected, tuple) else [(out, expected)]
    worst = 0.0
    for a, b in pairs:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if b.size:
            worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))))
    return f"largest relative difference {worst:.3g}, tolerance about {RTOL:g}"


def run_check(ex: Exercise, call: Caller, seconds: float = DEFAULT_TIME_LIMIT,
              rng: np.random.Generator | None = None) -> CheckResult:
    """The verdict on the function behind ``call``: its outputs on the exercise's cases (drawn from
    ``rng``, by default seeded with the exercise's own seed) against the reference, the catalogued
    mistakes and the properties."""
    if not isinstance(ex, Exercise):
        raise TypeError(f"ex must be an Exercise of the catalogue, got {type(ex).__name__}")
    if not callable(call):
        raise TypeError(f"call must be a caller (a callable), got {type(call).__name__}")
    seconds = check_positive("seconds", seconds)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be None or a numpy.random.Generator, got {type(rng).__name__}")
    cases = ex.cases(rng if rng is not None else np.random.default_rng(ex.seed))
    for case in cases:
        expected = ex.reference(**_copy_args(case))
        args = ex.prepare(case) if ex.prepare else dict(case)
        where = f"on input {fmt_args(case)}"
        try:
            out = _call(ex, call, args, seconds, expected)
        except _Reported as reported:
            return reported.result
        if not _finite(out):
            hint = f" {ex.nonfinite_hint}" if ex.nonfinite_hint else ""
            return fail(ex, "nonfinite", f"returned NaN or inf {where}; expected {fmt(expected)}.{hint}")
        if _shape_of(out) == _shape_of(expected) and close(out, expected):
            continue
        if ex.diagnose is not None:
            problem = ex.diagnose(case, args)
            if problem:
                return fail(ex, "mistake", f"{problem}.", mistake=problem)
        mistake = _match_mistake(ex, case, out)
        if mistake is not None:
            return fail(ex, "mistake", f"{mistake.text}. On input {fmt_args(case)}: "
                        f"{_expected_vs_received(expected, out)}.", mistake=mistake.text)
        if _shape_of(out) != _shape_of(expected):
            return fail(ex, "shape", f"returned shape {_shape_of(out)}, expected {_shape_of(expected)} "
                        f"{where}.", expected=fmt(expected), received=fmt(out))
        failed_property = _run_properties(ex, call, seconds)
        suffix = f" On input {fmt_args(case)}: {_expected_vs_received(expected, out)}."
        if failed_property is not None and failed_property.status == "property":
            failed_property.message = failed_property.message.rstrip(".") + "." + suffix
            return failed_property
        if failed_property is not None:
            return failed_property
        return fail(ex, "wrong", f"wrong value.{suffix.rstrip('.')} ({_largest_difference(out, expected)}).",
                    expected=fmt(expected), received=fmt(out))
    failed_property = _run_properties(ex, call, seconds)
    if failed_property is not None:
        return failed_property
    n_props = len(ex.properties)
    props = f" and {n_props} propert{'y' if n_props == 1 else 'ies'}" if n_props else ""
    return CheckResult(ex.name, True, "pass", f"✓ {ex.name}: correct on {len(cases)} inputs{props}.")
