"""The "Your turn" exercises: a catalogue of exercises, of the known conceptual mistakes, and a checker.

A student implements the key formula of a question, then calls :func:`check`::

    check("q4-posterior-mean", posterior_mean)

The checker runs the student's function on a few seeded inputs, with a time limit, and compares it
with the book's own tested code (the chapter modules of this package) and with properties of the
formula (limits, finite differences, invariances). It prints one line: a pass, or the first failure
with the input, the expected and the received value. When the wrong answer is one of the
**catalogued mistakes** (the CD chain started away from the data, :math:`\\nu` missing from the NCE
classifier, a derivative in :math:`\\sigma` instead of :math:`\\sigma^2`, ...), it names the mistake
in words. Student code that raises, returns the wrong shape or type, NaN, or never returns is
reported, never allowed to crash the notebook.

The "Your turn" pages single-source both editions: a cell tagged ``reference`` holds the function
(signature, docstring, the book's solution); the student edition keeps its signature and docstring
and replaces the body by a stub (:func:`stub_source`), and :func:`student_notebook` writes the
downloadable notebook of a page. A cell tagged ``build-only`` (:func:`assert_all_passed`) fails the
book build if a reference does not pass its check.
"""

from __future__ import annotations

import ast
import ctypes
import re
import signal
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats
from scipy.special import expit

from dgmbook import diffusion, inference, language_model, nce, rbm, score, score_matching
from dgmbook.validation import check_bool, check_callable, check_positive

__all__ = [
    "EXERCISES",
    "CheckResult",
    "check",
    "assert_all_passed",
    "exercises_of",
    "stub_source",
    "student_notebook",
]

#: Seconds a student's function may run on one input before it is reported as not returning.
DEFAULT_TIME_LIMIT = 10.0

#: Tag of the cell holding an exercise's function (the reference solution in the full edition).
REFERENCE_TAG = "reference"
#: Tag of cells that run only in the full edition (the build's proof that the references pass).
BUILD_ONLY_TAG = "build-only"

_RTOL, _ATOL = 1e-6, 1e-9


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

    ``cases(rng)`` returns the keyword arguments of a few seeded inputs; ``reference(**case)`` is the
    book's answer. ``properties`` are ``(text, test)`` pairs: ``test(run)`` calls the student's
    function through ``run(**kwargs)`` and returns ``None`` or a description of the failure.
    ``prepare(case)`` may turn a case into the arguments of one call (for example a fresh recording
    sampler) and ``diagnose(case, args)`` inspect those arguments after the call.
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
    """What :func:`check` found: ``passed``, the one-line ``message``, and the ``mistake`` it
    recognised (its text), if any. ``status`` is one of ``"pass"``, ``"mistake"``, ``"wrong"``,
    ``"raised"``, ``"timeout"``, ``"shape"``, ``"type"``, ``"nonfinite"``, ``"not implemented"``,
    ``"property"``."""

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


class _Reported(Exception):
    """Raised inside the checker when a call of the student's function has already failed."""

    def __init__(self, result: CheckResult):
        super().__init__(result.message)
        self.result = result


class _TimeLimit(BaseException):
    """Raised into student code that ran past its time limit (a BaseException, so that a student's
    ``except Exception`` does not swallow it)."""


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if callable(value):
        return f"<{getattr(value, '__name__', 'function')}>"
    if isinstance(value, (tuple, list)) and value and any(np.ndim(v) > 0 for v in value):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if isinstance(value, (bool, int, np.integer, str)):
        return repr(value) if isinstance(value, str) else str(value)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        text = repr(value)
        return text if len(text) < 60 else text[:57] + "..."
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    if arr.size > 8:  # the first values, flattened, and the shape
        head = ", ".join(f"{x:.4g}" for x in arr.reshape(-1)[:4])
        return f"[{head}, …] (shape {arr.shape})"
    with np.printoptions(precision=4, suppress=False, linewidth=10_000):
        text = np.array2string(arr, separator=", ")
    return " ".join(text.split())


def _fmt_args(args: dict) -> str:
    return ", ".join(f"{key}={_fmt(value)}" for key, value in args.items() if not key.startswith("_"))


def _describe_type(value: Any) -> str:
    if value is None:
        return "None (is the `return` statement missing?)"
    return f"a {type(value).__name__}"


# ---------------------------------------------------------------------------------------------
# Calling student code safely
# ---------------------------------------------------------------------------------------------
def _copy_args(args: dict) -> dict:
    return {key: (value.copy() if isinstance(value, np.ndarray) else value) for key, value in args.items()}


def _run_limited(func: Callable, kwargs: dict, seconds: float) -> tuple[str, Any]:
    """Call ``func(**kwargs)``: ``("ok", value)``, ``("raised", exception)`` or ``("timeout", None)``.

    In the main thread (a script, Jupyter, Colab) a SIGALRM timer interrupts the call; elsewhere the
    call runs in a daemon thread, which is sent an asynchronous exception when the time is up.
    """
    def guarded():
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return func(**kwargs)

    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        def on_alarm(signum, frame):
            raise _TimeLimit()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return "ok", guarded()
        except _TimeLimit:
            return "timeout", None
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - student code may raise anything
            return "raised", exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    box: dict[str, Any] = {}

    def target():
        try:
            box["value"] = guarded()
        except _TimeLimit:
            pass
        except BaseException as exc:  # noqa: BLE001
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(_TimeLimit))
        return "timeout", None
    if "error" in box:
        return "raised", box["error"]
    return "ok", box.get("value")


def _as_result_array(value: Any) -> np.ndarray | None:
    """The student's output as a float array (tuples of arrays stay tuples), or None if not numeric."""
    if isinstance(value, (str, bytes, dict, set)) or value is None or isinstance(value, bool):
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr


def _close(a: Any, b: Any) -> bool:
    if isinstance(b, tuple):
        if not isinstance(a, tuple) or len(a) != len(b):
            return False
        return all(_close(x, y) for x, y in zip(a, b, strict=True))
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=_RTOL, atol=_ATOL))


def _normalise(value: Any, like: Any) -> Any:
    """Convert an output to the reference's structure (a float array, or a tuple of them)."""
    if isinstance(like, tuple):
        if not isinstance(value, (tuple, list)):
            return None
        items = [_as_result_array(v) for v in value]
        return None if any(v is None for v in items) else tuple(items)
    return _as_result_array(value)


def _shape_of(value: Any) -> Any:
    return tuple(np.shape(v) for v in value) if isinstance(value, tuple) else np.shape(value)


def _finite(value: Any) -> bool:
    items = value if isinstance(value, tuple) else (value,)
    return all(np.all(np.isfinite(v)) for v in items)


# ---------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------
#: The last result of every exercise checked in this Python session (what assert_all_passed reads).
RESULTS: dict[str, CheckResult] = {}


def _fail(ex: Exercise, status: str, text: str, **details) -> CheckResult:
    return CheckResult(ex.name, False, status, f"✗ {ex.name}: {text}", details.pop("mistake", None), details)


def _call(ex: Exercise, func: Callable, args: dict, seconds: float, expected: Any) -> Any:
    """Run the student's function on ``args`` and return its output in the reference's structure,
    or raise :class:`_Reported` with a plain description of what went wrong."""
    where = f"on input {_fmt_args(args)}"
    status, value = _run_limited(func, _copy_args(args), seconds)
    if status == "timeout":
        raise _Reported(_fail(ex, "timeout", f"did not return within {seconds:g} s {where} "
                              "(an infinite loop, or far too much work?)."))
    if status == "raised":
        if isinstance(value, NotImplementedError):
            raise _Reported(_fail(ex, "not implemented", f"not implemented yet: fill in the body of "
                                  f"`{ex.function}` (it raises NotImplementedError)."))
        raise _Reported(_fail(ex, "raised", f"raised {type(value).__name__}: {value} {where}."))
    out = _normalise(value, expected)
    if out is None:
        want = (f"a tuple of {len(expected)} arrays" if isinstance(expected, tuple)
                else "a number" if np.ndim(expected) == 0 else "an array")
        raise _Reported(_fail(ex, "type", f"returned {_describe_type(value)}, expected {want} {where}."))
    return out


def _match_mistake(ex: Exercise, args: dict, out: Any) -> Mistake | None:
    for mistake in ex.mistakes:
        status, wrong = _run_limited(mistake.implementation, _copy_args(args), DEFAULT_TIME_LIMIT)
        if status != "ok":
            continue
        wrong = _normalise(wrong, out)
        if wrong is not None and _shape_of(wrong) == _shape_of(out) and _close(out, wrong):
            return mistake
    return None


def _run_properties(ex: Exercise, func: Callable, seconds: float) -> CheckResult | None:
    def run(**kwargs):
        expected = ex.reference(**_copy_args(kwargs))
        out = _call(ex, func, kwargs, seconds, expected)
        if _shape_of(out) != _shape_of(expected):
            raise _Reported(_fail(ex, "shape", f"returned shape {_shape_of(out)}, expected "
                                  f"{_shape_of(expected)} on input {_fmt_args(kwargs)}."))
        return out

    for prop in ex.properties:
        try:
            problem = prop(run)
        except _Reported as reported:
            return reported.result
        if problem:
            return _fail(ex, "property", problem)
    return None


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
        Seconds allowed for one call of ``func``; a call that takes longer is reported as not
        returning (in a notebook the call is interrupted by a timer signal).
    quiet : bool, default False
        Do not print the line (the grader collects the results itself).

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
    ex = EXERCISES[name]
    result = _check(ex, func, time_limit)
    RESULTS[name] = result
    if not quiet:
        print(result.message)
    return result


def _check(ex: Exercise, func: Callable, seconds: float) -> CheckResult:
    cases = ex.cases(np.random.default_rng(ex.seed))
    for case in cases:
        expected = ex.reference(**_copy_args(case))
        args = ex.prepare(case) if ex.prepare else dict(case)
        where = f"on input {_fmt_args(case)}"
        try:
            out = _call(ex, func, args, seconds, expected)
        except _Reported as reported:
            return reported.result
        if ex.diagnose is not None:
            problem = ex.diagnose(case, args)
            if problem:
                return _fail(ex, "mistake", f"{problem}.", mistake=problem)
        if not _finite(out):
            hint = f" {ex.nonfinite_hint}" if ex.nonfinite_hint else ""
            return _fail(ex, "nonfinite", f"returned NaN or inf {where}; expected {_fmt(expected)}.{hint}")
        if _shape_of(out) != _shape_of(expected):
            mistake = _match_mistake(ex, case, out)
            if mistake is not None:
                return _fail(ex, "mistake", f"{mistake.text}. On input {_fmt_args(case)}: expected "
                             f"{_fmt(expected)}, received {_fmt(out)}.", mistake=mistake.text)
            return _fail(ex, "shape", f"returned shape {_shape_of(out)}, expected {_shape_of(expected)} "
                         f"{where}.", expected=_fmt(expected), received=_fmt(out))
        if _close(out, expected):
            continue
        mistake = _match_mistake(ex, case, out)
        if mistake is not None:
            return _fail(ex, "mistake", f"{mistake.text}. On input {_fmt_args(case)}: expected "
                         f"{_fmt(expected)}, received {_fmt(out)}.", mistake=mistake.text)
        failed_property = _run_properties(ex, func, seconds)
        suffix = f" On input {_fmt_args(case)}: expected {_fmt(expected)}, received {_fmt(out)}."
        if failed_property is not None and failed_property.status == "property":
            failed_property.message = failed_property.message.rstrip(".") + "." + suffix
            return failed_property
        return _fail(ex, "wrong", f"wrong value.{suffix.rstrip('.')} (differences beyond "
                     f"rtol={_RTOL:g}).", expected=_fmt(expected), received=_fmt(out))
    failed_property = _run_properties(ex, func, seconds)
    if failed_property is not None:
        return failed_property
    n_props = len(ex.properties)
    props = f" and {n_props} propert{'y' if n_props == 1 else 'ies'}" if n_props else ""
    return CheckResult(ex.name, True, "pass", f"✓ {ex.name}: correct on {len(cases)} seeded inputs{props}.")


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


def exercises_of(prefix: str) -> list[str]:
    """The names of the exercises whose name starts with ``prefix`` (``"q1"`` includes Part 5.1's
    ``"q1lm-..."``), in catalogue order."""
    if not isinstance(prefix, str) or not prefix:
        raise TypeError(f"prefix must be a non-empty string such as 'q1', got {prefix!r}")
    names = [name for name in EXERCISES if name.startswith(prefix)]
    if not names:
        raise ValueError(f"prefix {prefix!r} matches no exercise; names start with q1, q1lm, q2, q3, q4")
    return names


# ---------------------------------------------------------------------------------------------
# Question 1: RBMs, CD and NCE
# ---------------------------------------------------------------------------------------------
def _rbm_case(rng, n=6, d=5, h=3, scale=1.0):
    return {"v": (rng.random((n, d)) < 0.5).astype(float), "W": scale * rng.standard_normal((d, h)),
            "a": 0.5 * rng.standard_normal(d), "b": 0.5 * rng.standard_normal(h)}


def _free_energy_cases(rng):
    large = _rbm_case(rng, n=4, d=6, h=2)
    large["W"] = 1000.0 * np.abs(large["W"]) * np.array([1.0, -1.0])  # inputs of +-1000s: overflow
    large["v"][:, 0] = 1.0
    return [_rbm_case(rng), _rbm_case(rng, n=3, d=4, h=6), large]


def _free_energy_ref(v, W, a, b):
    return rbm.free_energy(rbm.RBM(W, a, b), v)


def _free_energy_enumerated(run):
    case = _rbm_case(np.random.default_rng(7), n=4, d=4, h=3)
    hs = np.array([[(i >> j) & 1 for j in range(3)] for i in range(8)], dtype=float)
    v, W, a, b = case["v"], case["W"], case["a"], case["b"]
    energy = -(v @ a)[:, None] - (hs @ b)[None, :] - v @ W @ hs.T  # E(v, h), shape (n, 8)
    want = -np.logaddexp.reduce(-energy, axis=1)
    got = run(**case)
    if not np.allclose(got, want, rtol=_RTOL, atol=_ATOL):
        return ("exp(-F(v)) must equal the sum over all hidden states of exp(-E(v, h)); "
                f"by enumerating h, F = {_fmt(want)}, received {_fmt(got)}.")
    return None


SEED_GIBBS = 20261201


def _gibbs_for(W, a, b):
    model = rbm.RBM(W, a, b)
    calls: list[tuple[np.ndarray, int]] = []

    def gibbs(v_start, k):
        """``k`` block-Gibbs steps of the RBM from the rows of ``v_start``; shape of ``v_start``."""
        calls.append((np.array(v_start, dtype=float, copy=True), k))
        return rbm.gibbs_step(model, v_start, random_state=SEED_GIBBS, k=k)

    gibbs.calls = calls
    return gibbs


def _cd_cases(rng):
    cases = []
    for k, n in ((1, 6), (3, 5)):
        case = _rbm_case(rng, n=n)
        case.update(k=k, learning_rate=0.1)
        cases.append(case)
    return cases


def _cd_prepare(case):
    args = dict(case)
    args["gibbs"] = _gibbs_for(case["W"], case["a"], case["b"])
    return args


def _cd_ref(v, W, a, b, k, learning_rate, gibbs=None):
    """The package's CD-k step; with the checker's seeded sampler its negatives are gibbs(v, k)."""
    if gibbs is not None:
        gibbs(v, k)  # the chain starts at the data (and the sampler records it)
    grad, _ = rbm.cd_gradient(rbm.RBM(W, a, b), v, k=k, random_state=SEED_GIBBS)
    return W + learning_rate * grad.W, a + learning_rate * grad.a, b + learning_rate * grad.b


def _cd_diagnose(case, args):
    calls = args["gibbs"].calls
    if not calls:
        return ("the negative phase never ran the Gibbs chain: its samples must come from "
                "gibbs(v, k), k Gibbs steps started at the data")
    start, k = calls[0]
    if start.shape != case["v"].shape or not np.array_equal(start, case["v"]):
        return ("the CD chain was started from random states instead of the data: CD-k starts its "
                "k Gibbs steps at the data batch v (a chain from random states needs far more "
                "steps to say anything about the model)")
    if k != case["k"]:
        return f"the chain ran {k} Gibbs step(s); CD-k runs exactly k = {case['k']}"
    return None


def _cd_stats(v, W, b, negatives):
    ph_data, ph_model = expit(v @ W + b), expit(negatives @ W + b)
    n, m = len(v), len(negatives)
    return (v.T @ ph_data / n - negatives.T @ ph_model / m, v.mean(0) - negatives.mean(0),
            ph_data.mean(0) - ph_model.mean(0))


def _cd_mistake(scale):
    def wrong(v, W, a, b, k, learning_rate, gibbs=None):
        gW, ga, gb = _cd_stats(v, W, b, rbm.gibbs_step(rbm.RBM(W, a, b), v, random_state=SEED_GIBBS, k=k))
        step = learning_rate * (scale if scale != "sum" else len(v))
        return W + step * gW, a + step * ga, b + step * gb
    return wrong


# NCE --------------------------------------------------------------------------------------------
def _nce_classifier_ref(G, nu):
    G = np.asarray(G, dtype=float)
    # D = 1 - n dJ/dG_data, with J from the package (dJ/dG at a data point is (1 - D)/n).
    flat = G.reshape(-1)
    _, d_data, _ = nce.nce_objective(flat, np.zeros(1), nu)
    return (1.0 - flat.size * d_data).reshape(G.shape) if flat.size else G


def _nce_classifier_cases(rng):
    return [{"G": rng.normal(0, 3, 7), "nu": 5.0},
            {"G": rng.normal(1, 2, (2, 3)), "nu": 0.5},
            {"G": np.array([-800.0, -30.0, 0.0, np.log(20.0), 30.0, 800.0]), "nu": 20.0}]


def _classifier_half(run):
    got = run(G=np.array([np.log(4.0), np.log(0.25)]), nu=4.0)
    if abs(got[0] - 0.5) > 1e-9:
        return ("at G = log ν the classifier must be undecided, D = 1/2 "
                f"(with ν = 4, G = log 4: received {_fmt(got[0])})")
    return None


def _nce_objective_ref(g_data, g_noise, nu):
    return nce.nce_objective(g_data, g_noise, nu)[0]


def _nce_objective_cases(rng):
    return [{"g_data": rng.normal(1, 2, 6), "g_noise": rng.normal(-1, 2, 18), "nu": 3.0},
            {"g_data": rng.normal(0, 1, 6), "g_noise": rng.normal(0, 1, 3), "nu": 0.5},
            {"g_data": np.array([800.0, -800.0, 2.0]), "g_noise": np.array([-800.0, 800.0, 1.0]), "nu": 1.0}]


def _log_sig(z):
    return -np.logaddexp(0.0, -z)


def _objective_nonpositive(run):
    got = run(g_data=np.array([3.0, -1.0]), g_noise=np.array([0.5, -2.0, 1.0, 0.0]), nu=2.0)
    if got > 0:
        return f"J is a sum of log-probabilities, so J ≤ 0; received {_fmt(got)} (is it the loss −J?)"
    return None


# Part 5.1: the NCE loss of one context -----------------------------------------------------------
def _lm_cases(rng):
    cases = []
    for nu in (3, 8):
        V = 10
        log_pn = np.log(rng.dirichlet(np.ones(V)))
        cases.append({"scores": rng.normal(0, 2, V), "target": int(rng.integers(V)),
                      "noise": rng.choice(V, size=nu, p=np.exp(log_pn)), "log_pn": log_pn})
    return cases


def _lm_ref(scores, target, noise, log_pn):
    V = scores.shape[0]
    return language_model.nce_loss(scores[None, :], np.array([target]), np.asarray(noise)[None, :],
                                    np.eye(V), np.zeros(V), log_pn)[0]


def _lm_mistake(offset, noise_term="log1m", reduce="sum", sign=1.0):
    def wrong(scores, target, noise, log_pn):
        nu = len(noise)
        o = {"log_nu_pn": np.log(nu) + log_pn, "log_pn": log_pn, "none": 0.0 * log_pn}[offset]
        z_target, z_noise = scores[target] - o[target], scores[noise] - o[noise]
        noise_terms = _log_sig(-z_noise) if noise_term == "log1m" else _log_sig(z_noise)
        agg = noise_terms.sum() if reduce == "sum" else noise_terms.mean()
        return sign * -(_log_sig(z_target) + agg)
    return wrong


def _lm_nonnegative(run):
    rng = np.random.default_rng(3)
    log_pn = np.log(rng.dirichlet(np.ones(6)))
    got = run(scores=rng.normal(0, 1, 6), target=2, noise=np.array([0, 4, 4]), log_pn=log_pn)
    if got < 0:
        return f"the loss is minus a sum of log-probabilities, so it is ≥ 0; received {_fmt(got)}"
    return None


# ---------------------------------------------------------------------------------------------
# Question 2: scores, Fisher information, the score test
# ---------------------------------------------------------------------------------------------
def _normal_score_cases(rng):
    return [{"x": rng.normal(0.3, 1.5, 5), "mu": 0.3, "sigma2": 2.5},
            {"x": rng.normal(-1.0, 0.6, (2, 3)), "mu": -1.2, "sigma2": 0.4}]


def _normal_score_ref(x, mu, sigma2):
    return score.normal_score(x, mu, sigma2)


def _normal_finite_difference(run):
    x, mu, s2, h = np.array([-0.7, 0.4, 2.1]), 0.2, 1.7, 1e-5
    got = run(x=x, mu=mu, sigma2=s2)

    def logpdf(m, v):
        return stats.norm.logpdf(x, m, np.sqrt(v))

    fd = np.stack([(logpdf(mu + h, s2) - logpdf(mu - h, s2)) / (2 * h),
                   (logpdf(mu, s2 + h) - logpdf(mu, s2 - h)) / (2 * h)], axis=-1)
    for j, par in enumerate(("μ", "σ²")):
        if not np.allclose(got[..., j], fd[:, j], rtol=1e-4, atol=1e-6):
            return (f"column {j} is not the derivative of log N(x | μ, σ²) with respect to {par}: "
                    f"finite differences give {_fmt(fd[:, j])} at x={_fmt(x)}, μ={mu}, σ²={s2}; "
                    f"received {_fmt(got[..., j])}")
    return None


def _fisher_cases(rng):
    return [{"scores": rng.normal(0.7, 1.0, (200, 2))},
            {"scores": rng.normal(0.0, 1.0, (50, 3)) @ rng.normal(0, 1, (3, 3)) + 0.5}]


def _fisher_ref(scores):
    return score.monte_carlo_fisher_information(scores)[0]


def _fisher_psd(run):
    got = run(scores=np.random.default_rng(5).normal(0, 1, (40, 3)))
    if not np.allclose(got, got.T) or np.linalg.eigvalsh((got + got.T) / 2).min() < -1e-10:
        return ("a Fisher information estimate is a mean of outer products s sᵀ: symmetric and "
                "positive semi-definite")
    return None


def _score_test_cases(rng):
    return [{"x": rng.exponential(1 / 1.5, 20), "rate0": 1.0},
            {"x": rng.exponential(1 / 2.0, 50), "rate0": 2.6}]


def _score_test_ref(x, rate0):
    return inference.exponential_test_statistics(x, rate0).score


def _score_test_zero_at_mle(run):
    x = np.array([0.2, 1.4, 0.7, 0.5])
    got = run(x=x, rate0=1.0 / x.mean())
    if abs(got) > 1e-9:
        return (f"the score vanishes at the MLE λ̂ = 1/x̄, so the statistic must be 0 there; "
                f"received {_fmt(got)}")
    return None


# ---------------------------------------------------------------------------------------------
# Question 3: the model score and the implicit score-matching loss
# ---------------------------------------------------------------------------------------------
def _gauss_cases(rng):
    return [{"x": rng.normal(0, 2, (5, 2)), "mean": np.array([0.5, -1.0]), "variance": 2.0},
            {"x": rng.normal(1, 1, (4, 3)), "mean": np.array([1.0, 0.0, -0.5]), "variance": 0.3}]


def _gauss_ref(x, mean, variance):
    model = score_matching.GaussianScoreModel(mean, variance)
    return model.score(x), model.divergence(x)


def _gauss_finite_difference(run):
    x, mean, var, h = np.array([[0.3, -0.8], [1.5, 0.2]]), np.array([0.1, 0.4]), 1.3, 1e-5
    got_score, _ = run(x=x, mean=mean, variance=var)

    def logp(pts):
        return stats.multivariate_normal.logpdf(pts, mean, var * np.eye(2))

    fd = np.stack([(logp(x + h * e) - logp(x - h * e)) / (2 * h) for e in np.eye(2)], axis=1)
    if not np.allclose(got_score, fd, rtol=1e-4, atol=1e-6):
        return (f"the score is not ∇ₓ log N(x | μ, σ²I): finite differences give {_fmt(fd)}, "
                f"received {_fmt(got_score)}")
    return None


def _ism_cases(rng):
    return [{"score": rng.normal(0, 1, (8, 2)), "divergence": rng.normal(-1, 1, 8)},
            {"score": rng.normal(0.5, 2, (5, 3)), "divergence": rng.normal(0, 2, 5)}]


def _ism_ref(score, divergence):
    """Mean of dgmbook.score_matching.implicit_sm_terms, from the score and divergence values."""
    return float(np.mean(divergence + 0.5 * np.sum(score**2, axis=1)))


def _ism_permutation(run):
    rng = np.random.default_rng(11)
    s, div = rng.normal(0, 1, (6, 2)), rng.normal(0, 1, 6)
    perm = rng.permutation(6)
    a, b = run(score=s, divergence=div), run(score=s[perm], divergence=div[perm])
    if not np.isclose(a, b, rtol=1e-10):
        return "the loss is an average over samples, so reordering the samples must not change it"
    return None


# ---------------------------------------------------------------------------------------------
# Question 4: the forward-process posterior and the forward marginal
# ---------------------------------------------------------------------------------------------
def _alphas(rng, T=10):
    return 1.0 - np.sort(rng.uniform(0.05, 0.4, T))


def _mean_cases(rng):
    alphas = _alphas(rng)
    return [{"x_t": rng.normal(0, 1, (5, 2)), "x_0": rng.normal(0, 1, (5, 2)), "t": 4, "alphas": alphas},
            {"x_t": rng.normal(0, 1, 6), "x_0": rng.normal(1, 1, 6), "t": 7, "alphas": alphas}]


def _mean_ref(x_t, x_0, t, alphas):
    return diffusion.NoiseSchedule(alphas).posterior_mean(x_t, x_0, t)


def _mean_formula(shift_prev=0, shift_t=0, swap=False, sqrt=True):
    """mu_q with alpha_bar_{t-1} read at t-1+shift_prev and alpha_bar_t at t+shift_t."""
    def wrong(x_t, x_0, t, alphas):
        bars = np.concatenate([[1.0], np.cumprod(alphas)])
        a, ab, ab_prev = alphas[t - 1], bars[t + shift_t], bars[t - 1 + shift_prev]
        root = np.sqrt if sqrt else (lambda z: z)
        c_t, c_0 = root(a) * (1 - ab_prev) / (1 - ab), root(ab_prev) * (1 - a) / (1 - ab)
        return c_0 * x_t + c_t * x_0 if swap else c_t * x_t + c_0 * x_0
    return wrong


def _mean_at_one(run):
    rng = np.random.default_rng(2)
    x_t, x_0 = rng.normal(0, 1, 4), rng.normal(0, 1, 4)
    got = run(x_t=x_t, x_0=x_0, t=1, alphas=np.array([0.9, 0.8, 0.7]))
    if not np.allclose(got, x_0):
        return f"at t = 1, ᾱ₀ = 1, so μ_q(x_1, x_0, 1) = x_0 = {_fmt(x_0)}; received {_fmt(got)}"
    return None


def _variance_cases(rng):
    alphas = _alphas(rng)
    return [{"t": t, "alphas": alphas} for t in (3, 5, 8)]


def _variance_ref(t, alphas):
    return diffusion.NoiseSchedule(alphas).posterior_variance(t)


def _variance_formula(shift_prev=0, shift_t=0, use_alpha=False):
    def wrong(t, alphas):
        bars = np.concatenate([[1.0], np.cumprod(alphas)])
        factor = alphas[t - 1] if use_alpha else 1 - alphas[t - 1]
        return factor * (1 - bars[t - 1 + shift_prev]) / (1 - bars[t + shift_t])
    return wrong


def _variance_limits(run):
    alphas = np.array([0.9, 0.8, 0.7, 0.6])
    first = run(t=1, alphas=alphas)
    if abs(first) > 1e-12:
        return f"σ_q²(1) = 0: x_0 and x_1 determine x_0 exactly; received {_fmt(first)}"
    for t in (2, 3, 4):
        if run(t=t, alphas=alphas) > 1 - alphas[t - 1] + 1e-12:
            return (f"σ_q²(t) ≤ β_t must hold (conditioning on x_0 can only remove uncertainty); "
                    f"fails at t={t}")
    return None


def _sample_cases(rng):
    alphas = _alphas(rng)
    cases = []
    for t, shape in ((3, (5, 2)), (9, (6,))):
        x_0 = rng.normal(0, 1, shape)
        _, eps = diffusion.NoiseSchedule(alphas).q_sample(x_0, t, random_state=rng)
        cases.append({"x_0": x_0, "t": t, "alphas": alphas, "eps": eps})
    return cases


def _sample_ref(x_0, t, alphas, eps):
    ab = diffusion.NoiseSchedule(alphas).alpha_bar(t)
    return np.sqrt(ab) * x_0 + np.sqrt(1.0 - ab) * eps


def _sample_formula(shift=0, one_step=False, noise_power=0.5, signal_power=0.5):
    def wrong(x_0, t, alphas, eps):
        bars = np.concatenate([[1.0], np.cumprod(alphas)])
        ab = alphas[t - 1] if one_step else bars[t + shift]
        return ab**signal_power * x_0 + (1.0 - ab) ** noise_power * eps
    return wrong


def _sample_at_zero(run):
    x_0 = np.array([0.5, -1.5, 2.0])
    got = run(x_0=x_0, t=0, alphas=np.array([0.9, 0.8]), eps=np.array([1.0, -1.0, 0.3]))
    if not np.allclose(got, x_0):
        return f"at t = 0 there is no noise yet (ᾱ₀ = 1): x_0 must come back; received {_fmt(got)}"
    return None


# ---------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------
_SIGN_CD = ("sign error in the update: CD-k ascends the log-likelihood, θ ← θ + η(⟨−∂F/∂θ⟩_data − "
            "⟨−∂F/∂θ⟩_model); this step descends it")
_NU_MISSING = ("ν (log ν) is missing from the NCE posterior: D_θ(u) = sigmoid(G_θ(u) − log ν); "
               "without it the classifier is right only for ν = 1")
_ALPHA_BAR_OFF = ("ᾱ is indexed one step off: μ_q needs ᾱ_{t−1} and ᾱ_t, and with "
                  "np.cumprod(alphas) the value ᾱ_t sits at index t − 1")

_LIST = [
    Exercise(
        "q1-free-energy", "q1", "free_energy", "The free energy of an RBM",
        _free_energy_ref, _free_energy_cases,
        (Mistake("sign error: this is −F(v); the free energy is F(v) = −aᵀv − Σ_j softplus(b_j + vᵀW_{:,j})",
                 lambda v, W, a, b: (v @ a) + np.logaddexp(0, v @ W + b).sum(1)),
         Mistake("the visible-bias term −aᵀv is missing from F(v)",
                 lambda v, W, a, b: -np.logaddexp(0, v @ W + b).sum(1)),
         Mistake("a sigmoid stands where the softplus belongs: summing out h_j gives "
                 "log(1 + e^{b_j + vᵀW_{:,j}}) = softplus(·)",
                 lambda v, W, a, b: -(v @ a) - expit(v @ W + b).sum(1)),
         Mistake("the hidden units were not summed out: −aᵀv − Σ_j (b_j + vᵀW_{:,j}) is the energy "
                 "at h = 1, not the free energy",
                 lambda v, W, a, b: -(v @ a) - (v @ W + b).sum(1))),
        (_free_energy_enumerated,),
        nonfinite_hint="log(1 + e^x) overflows for large x: use np.logaddexp(0, x).",
    ),
    Exercise(
        "q1-cd-update", "q1", "cd_update", "One CD-k update from the data",
        _cd_ref, _cd_cases,
        (Mistake(_SIGN_CD, _cd_mistake(-1.0)),
         Mistake("the statistics were summed over the batch instead of averaged: the gradient is a "
                 "difference of means", _cd_mistake("sum")),
         Mistake("the learning rate is missing from the step",
                 lambda v, W, a, b, k, learning_rate, gibbs=None: _cd_mistake(1.0)(v, W, a, b, k, 1.0))),
        prepare=_cd_prepare, diagnose=_cd_diagnose,
    ),
    Exercise(
        "q1-nce-classifier", "q1", "nce_classifier", "The NCE classifier D_θ(u)",
        _nce_classifier_ref, _nce_classifier_cases,
        (Mistake(_NU_MISSING, lambda G, nu: expit(G)),
         Mistake("ν was subtracted where log ν belongs: D_θ(u) = sigmoid(G_θ(u) − log ν)",
                 lambda G, nu: expit(G - nu)),
         Mistake("sign error: sigmoid(log ν − G) is 1 − D, the probability that u is noise",
                 lambda G, nu: expit(np.log(nu) - G)),
         Mistake("log ν was added instead of subtracted: D_θ(u) = sigmoid(G_θ(u) − log ν)",
                 lambda G, nu: expit(G + np.log(nu)))),
        (_classifier_half,),
        nonfinite_hint="1/(1 + e^{−z}) is fine, but e^z/(1 + e^z) overflows: use scipy.special.expit.",
    ),
    Exercise(
        "q1-nce-objective", "q1", "nce_objective", "The NCE objective with noise ratio ν",
        _nce_objective_ref, _nce_objective_cases,
        (Mistake(_NU_MISSING,
                 lambda g_data, g_noise, nu: np.mean(_log_sig(g_data)) + nu * np.mean(_log_sig(-g_noise))),
         Mistake("the noise term is not weighted by ν: J = E_data log D + ν E_{p_n} log(1 − D)",
                 lambda g_data, g_noise, nu: np.mean(_log_sig(g_data - np.log(nu)))
                 + np.mean(_log_sig(np.log(nu) - g_noise))),
         Mistake("sign error: this is −J, the loss; the objective J is maximised and is ≤ 0",
                 lambda g_data, g_noise, nu: -_nce_objective_ref(g_data, g_noise, nu)),
         Mistake("the noise samples were scored with log D instead of log(1 − D): they should be "
                 "classified as noise",
                 lambda g_data, g_noise, nu: np.mean(_log_sig(g_data - np.log(nu)))
                 + nu * np.mean(_log_sig(g_noise - np.log(nu))))),
        (_objective_nonpositive,),
        nonfinite_hint="log(sigmoid(z)) underflows to log(0) for very negative z: use −np.logaddexp(0, −z).",
    ),
    Exercise(
        "q1lm-nce-loss", "q1", "nce_context_loss", "Part 5.1: the NCE loss of one context",
        _lm_ref, _lm_cases,
        (Mistake(_NU_MISSING.replace("D_θ(u) = sigmoid(G_θ(u) − log ν)",
                                     "the offset is log(ν p_n(w)), not log p_n(w)"), _lm_mistake("log_pn")),
         Mistake("this is word2vec's negative sampling: the offset log(ν p_n(w)) is missing, so the "
                 "model does not learn normalised probabilities", _lm_mistake("none")),
         Mistake("the noise terms were averaged instead of summed: each of the ν noise words adds its "
                 "own −log(1 − D)", _lm_mistake("log_nu_pn", reduce="mean")),
         Mistake("the noise words were scored with log D instead of log(1 − D)",
                 _lm_mistake("log_nu_pn", noise_term="logD")),
         Mistake("sign error: the loss is −log D(w) − Σ_j log(1 − D(x_j)), which is ≥ 0",
                 _lm_mistake("log_nu_pn", sign=-1.0))),
        (_lm_nonnegative,),
        nonfinite_hint="use −np.logaddexp(0, −z) for log sigmoid(z).",
    ),
    Exercise(
        "q2-normal-score", "q2", "normal_score", "The score of N(μ, σ²)",
        _normal_score_ref, _normal_score_cases,
        (Mistake("the derivative was taken with respect to σ instead of σ²: ∂/∂σ² = (1/(2σ)) ∂/∂σ, so "
                 "s_σ² = −1/(2σ²) + (x − μ)²/(2σ⁴)",
                 lambda x, mu, sigma2: np.stack([(x - mu) / sigma2, -1 / np.sqrt(sigma2)
                                                 + (x - mu) ** 2 / sigma2**1.5], -1)),
         Mistake("sign error in the score: s_μ = (x − μ)/σ², which is positive when x lies above the mean",
                 lambda x, mu, sigma2: np.stack([(mu - x) / sigma2,
                                                 ((x - mu) ** 2 / sigma2 - 1) / (2 * sigma2)], -1)),
         Mistake("the ½ is missing from s_σ² = −1/(2σ²) + (x − μ)²/(2σ⁴)",
                 lambda x, mu, sigma2: np.stack([(x - mu) / sigma2,
                                                 ((x - mu) ** 2 / sigma2 - 1) / sigma2], -1)),
         Mistake("s_μ divides by σ instead of σ²: s_μ = (x − μ)/σ²",
                 lambda x, mu, sigma2: np.stack([(x - mu) / np.sqrt(sigma2),
                                                 ((x - mu) ** 2 / sigma2 - 1) / (2 * sigma2)], -1))),
        (_normal_finite_difference,),
    ),
    Exercise(
        "q2-fisher-mc", "q2", "fisher_information_mc", "The Fisher information by Monte Carlo",
        _fisher_ref, _fisher_cases,
        (Mistake("the sample mean was subtracted (a covariance): the estimate of I(θ) = E[s sᵀ] is the "
                 "plain mean of the outer products s sᵀ (E[s] = 0 only at the true θ)",
                 lambda scores: np.cov(scores, rowvar=False)),
         Mistake("the sample mean was subtracted (a covariance): the estimate of I(θ) = E[s sᵀ] is the "
                 "plain mean of the outer products s sᵀ (E[s] = 0 only at the true θ)",
                 lambda scores: np.cov(scores, rowvar=False, ddof=0)),
         Mistake("the average score was squared, (mean s)(mean s)ᵀ, instead of averaging s sᵀ",
                 lambda scores: np.outer(scores.mean(0), scores.mean(0))),
         Mistake("the outer products were summed over the draws instead of averaged",
                 lambda scores: scores.T @ scores),
         Mistake("only the element-wise squares were averaged: I(θ) is the matrix E[s sᵀ], off-diagonal "
                 "entries included", lambda scores: np.mean(scores**2, axis=0))),
        (_fisher_psd,),
    ),
    Exercise(
        "q2-score-test", "q2", "score_test_statistic", "The score-test statistic",
        _score_test_ref, _score_test_cases,
        (Mistake("the per-observation information I(λ₀) = 1/λ₀² was used instead of the total n I(λ₀)",
                 lambda x, rate0: (len(x) / rate0 - x.sum()) ** 2 * rate0**2),
         Mistake("this is the z statistic S_n/√I_n; the score statistic is its square, S_n²/I_n",
                 lambda x, rate0: (len(x) / rate0 - x.sum()) / np.sqrt(len(x) / rate0**2)),
         Mistake("the information was evaluated at the MLE λ̂ = 1/x̄ instead of at the null λ₀: the score "
                 "test uses only the null",
                 lambda x, rate0: (len(x) / rate0 - x.sum()) ** 2 / (len(x) * x.mean() ** 2))),
        (_score_test_zero_at_mle,),
    ),
    Exercise(
        "q3-gaussian-score", "q3", "gaussian_score", "The score of a Gaussian model and its divergence",
        _gauss_ref, _gauss_cases,
        (Mistake("sign error in the score: s_θ(x) = ∇ₓ log N(x | μ, σ²I) = −(x − μ)/σ² points towards "
                 "the mean ((x − μ)/σ² is the Fisher score in μ)",
                 lambda x, mean, variance: ((x - mean) / variance, np.full(len(x), x.shape[1] / variance))),
         Mistake("sign error in the score: s_θ(x) = −(x − μ)/σ² points towards the mean",
                 lambda x, mean, variance: ((x - mean) / variance, np.full(len(x), -x.shape[1] / variance))),
         Mistake("the divergence is a trace, tr ∇ₓ s_θ = −d/σ²: one −1/σ² per coordinate",
                 lambda x, mean, variance: (-(x - mean) / variance, np.full(len(x), -1 / variance))),
         Mistake("divided by σ instead of σ²: s_θ(x) = −(x − μ)/σ²",
                 lambda x, mean, variance: (-(x - mean) / np.sqrt(variance),
                                            np.full(len(x), -x.shape[1] / np.sqrt(variance))))),
        (_gauss_finite_difference,),
    ),
    Exercise(
        "q3-ism-loss", "q3", "implicit_sm_loss", "The implicit score-matching loss",
        _ism_ref, _ism_cases,
        (Mistake("the trace (divergence) term is missing: without tr ∇ₓ s_θ the loss is minimised by a "
                 "flat model; L_ISM = E[tr ∇ₓ s_θ(x) + ½‖s_θ(x)‖²]",
                 lambda score, divergence: np.mean(0.5 * np.sum(score**2, 1))),
         Mistake("the trace (divergence) term is missing: E‖s_θ‖² alone (the assignment's loss) is "
                 "minimised by a flat model; L_ISM = E[tr ∇ₓ s_θ(x) + ½‖s_θ(x)‖²]",
                 lambda score, divergence: np.mean(np.sum(score**2, 1))),
         Mistake("the ½ is missing: L_ISM = E[tr ∇ₓ s_θ(x) + ½‖s_θ(x)‖²] (only then does it equal the "
                 "explicit loss up to a constant)",
                 lambda score, divergence: np.mean(divergence + np.sum(score**2, 1))),
         Mistake("sign error on the trace term: integration by parts gives +tr ∇ₓ s_θ",
                 lambda score, divergence: np.mean(-divergence + 0.5 * np.sum(score**2, 1))),
         Mistake("summed over the samples instead of averaging: the loss is an expectation",
                 lambda score, divergence: np.sum(divergence + 0.5 * np.sum(score**2, 1)))),
        (_ism_permutation,),
    ),
    Exercise(
        "q4-posterior-mean", "q4", "posterior_mean", "The posterior mean μ_q(x_t, x_0, t)",
        _mean_ref, _mean_cases,
        (Mistake(_ALPHA_BAR_OFF, _mean_formula(shift_prev=1)),
         Mistake(_ALPHA_BAR_OFF, _mean_formula(shift_prev=1, shift_t=1)),
         Mistake(_ALPHA_BAR_OFF, _mean_formula(shift_prev=-1, shift_t=-1)),
         Mistake(_ALPHA_BAR_OFF, _mean_formula(shift_t=-1)),
         Mistake("the coefficients of x_t and x_0 are swapped: x_t is weighted by √α_t (1 − ᾱ_{t−1}), "
                 "x_0 by √ᾱ_{t−1} (1 − α_t)", _mean_formula(swap=True)),
         Mistake("the square roots are missing: the weights are √α_t and √ᾱ_{t−1}",
                 _mean_formula(sqrt=False))),
        (_mean_at_one,),
    ),
    Exercise(
        "q4-posterior-variance", "q4", "posterior_variance", "The posterior variance σ_q²(t)",
        _variance_ref, _variance_cases,
        (Mistake("this is β_t, the upper bound (DDPM's other choice): σ_q²(t) = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t); "
                 "reading ᾱ_t where ᾱ_{t−1} belongs (one step off) gives exactly β_t",
                 lambda t, alphas: 1 - alphas[t - 1]),
         Mistake(_ALPHA_BAR_OFF.replace("μ_q", "σ_q²"), _variance_formula(shift_prev=1, shift_t=1)),
         Mistake(_ALPHA_BAR_OFF.replace("μ_q", "σ_q²"), _variance_formula(shift_prev=-1, shift_t=-1)),
         Mistake("α_t stands where β_t = 1 − α_t belongs", _variance_formula(use_alpha=True))),
        (_variance_limits,),
    ),
    Exercise(
        "q4-q-sample", "q4", "q_sample", "A sample of q(x_t | x_0)",
        _sample_ref, _sample_cases,
        (Mistake("ᾱ is indexed one step off: x_t needs ᾱ_t, and with np.cumprod(alphas) it sits at "
                 "index t − 1", _sample_formula(shift=-1)),
         Mistake("ᾱ is indexed one step off: x_t needs ᾱ_t, and with np.cumprod(alphas) it sits at "
                 "index t − 1", _sample_formula(shift=1)),
         Mistake("α_t (one step) stands where ᾱ_t = α_1 ⋯ α_t (the whole chain from x_0) belongs",
                 _sample_formula(one_step=True)),
         Mistake("the noise is scaled by the variance 1 − ᾱ_t instead of the standard deviation √(1 − ᾱ_t)",
                 _sample_formula(noise_power=1.0)),
         Mistake("x_0 is scaled by ᾱ_t instead of √ᾱ_t", _sample_formula(signal_power=1.0))),
        (_sample_at_zero,),
    ),
]

#: Every exercise by name, in the order of the book.
EXERCISES: dict[str, Exercise] = {ex.name: ex for ex in _LIST}


# ---------------------------------------------------------------------------------------------
# The student edition: stubs and notebooks, from the one source
# ---------------------------------------------------------------------------------------------
STUB_BODY = ("    # Your code here: replace the line below.\n"
             "    raise NotImplementedError\n")


def stub_source(source: str) -> str:
    """The student's version of a ``reference`` cell: every top-level function keeps its signature
    and docstring; its body becomes a stub that raises ``NotImplementedError``.

    Parameters
    ----------
    source : str
        Python source of the cell.

    Returns
    -------
    str
        The source with each function body replaced (other top-level lines are dropped, so that no
        helper of the solution leaks).
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a string of Python code, got {type(source).__name__}")
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"source must be valid Python: {exc}") from None
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if not functions:
        raise ValueError("source must define at least one function (a reference cell)")
    lines = source.splitlines(keepends=True)
    pieces = []
    for node in functions:
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        body = node.body
        has_doc = (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                   and isinstance(body[0].value.value, str))
        header_end = body[0].end_lineno if has_doc else body[0].lineno - 1
        pieces.append("".join(lines[first - 1:header_end]).rstrip("\n") + "\n" + STUB_BODY)
    return "\n\n".join(pieces)


_EXERCISE_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S)


def _questions_notebook(path: Path):
    """A problems-only notebook of a chapter: its title, then each ``{exercise}`` statement followed
    by an empty cell for the answer."""
    import nbformat

    text = path.read_text(encoding="utf8")
    title = re.search(r"^# (.+)$", text, re.M)
    cells = [nbformat.v4.new_markdown_cell(f"# {title.group(1) if title else path.stem}\n\n"
                                           "The questions of this chapter; write your answers below each.")]
    for match in _EXERCISE_BLOCK.finditer(text):
        body = "\n".join(line for line in match["body"].splitlines()
                         if not re.match(r"^:(label|nonumber|class|name):", line)).strip()
        cells.append(nbformat.v4.new_markdown_cell(f"**{match['title'].strip()}**\n\n{body}"))
        cells.append(nbformat.v4.new_markdown_cell("*Your answer:*"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["dgmbook"] = {"exercises": []}
    return notebook


def student_notebook(source: str | Path):
    """The student's notebook of a page. For a "Your turn" page: reference cells stubbed, build-only
    cells and hidden tags removed, the exercise names recorded in the metadata for the grader. For a
    chapter with ``{exercise}`` blocks (and no code exercises): the questions, each followed by a cell
    for the answer.

    Parameters
    ----------
    source : str or Path
        The page's MyST markdown (with a jupytext header).

    Returns
    -------
    nbformat.NotebookNode
    """
    import jupytext

    if not isinstance(source, (str, Path)):
        raise TypeError(f"source must be a path to a .md page, got {type(source).__name__}")
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"source must be an existing .md page, got {str(path)!r}")
    notebook = jupytext.read(path)
    if not any(REFERENCE_TAG in c.get("metadata", {}).get("tags", []) for c in notebook.cells):
        if _EXERCISE_BLOCK.search(path.read_text(encoding="utf8")) is None:
            raise ValueError(f"source must be a page with exercises, got {str(path)!r}")
        return _questions_notebook(path)
    cells = []
    for cell in notebook.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if BUILD_ONLY_TAG in tags:
            continue
        if cell.cell_type == "code" and REFERENCE_TAG in tags:
            cell.source = stub_source(cell.source)
            tags = [t for t in tags if t not in ("hide-cell", "hide-input", REFERENCE_TAG)] + ["exercise"]
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
        cells.append(cell)
    notebook.cells = cells
    names = []
    for cell in cells:
        if cell.cell_type == "code":
            names += [n for n in EXERCISES if f'check("{n}"' in cell.source or f"check('{n}'" in cell.source]
    notebook.metadata["dgmbook"] = {"exercises": names}
    notebook.metadata.pop("jupytext", None)
    return notebook
