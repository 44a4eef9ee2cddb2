"""Checked claims: how a page states, in words, what each of its checks backs.

Every check on a page backs a sentence of that page. Instead of a bare ``assert``, a page writes::

    claim_below("every z-score of the marginal is below 4 (the sentence: 'within four standard "
                "errors')", z.max(), 4, unit="SE")
    claim_close("the closed form agrees with the Monte Carlo mean", closed, mc, rtol=1e-6)
    claim("SymPy reduces mu_q - eta_t / lambda_t to 0", sp.simplify(diff) == 0)

A claim has two modes, chosen by the environment variable ``DGMBOOK_CLAIMS``:

``strict``
    A claim that does not hold raises :class:`ClaimFailed` (an ``AssertionError``) whose message
    says which sentence it backs, what was measured and against what. The book's own builds and the
    test suite run in this mode (the book's Sphinx configuration sets it), so a false sentence fails
    the build, readably.
``explore`` (the default outside the book's build: Jupyter, Colab, ``tasks.py chapter --explore``)
    A claim that does not hold is shown at its place as a visible box ("With your settings this no
    longer holds: ...") and the page runs on, so a reader who changed a setting gets the whole page,
    with every sentence whose claim failed flagged.

Each claim is also appended, as one JSON line, to the file named by ``DGMBOOK_CLAIMS_LOG`` when that
variable is set: the statement, the measured value, the bound and the margin. The portability tool
(``benchmarks/claim_margins.py``) uses it to see how far each check is from its threshold under
several BLAS kernels, and the explore tests use it to see which claims failed.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import os
from typing import Any

import numpy as np

__all__ = ["ClaimFailed", "ClaimResult", "claim", "claim_below", "claim_above", "claim_close", "claims_mode",
           "MODE_VARIABLE", "LOG_VARIABLE"]

#: Environment variable that chooses the mode: ``strict`` or ``explore``.
MODE_VARIABLE = "DGMBOOK_CLAIMS"
#: Environment variable naming a file to which every claim is appended as a JSON line.
LOG_VARIABLE = "DGMBOOK_CLAIMS_LOG"
_MODES = ("strict", "explore")


class ClaimFailed(AssertionError):
    """A checked claim of the book does not hold (raised in strict mode)."""


class ClaimResult:
    """What a claim returns: true when it holds. It shows nothing as a cell's last value (a page's
    folded check cell stays empty when its claims hold; a failed one has already shown its box)."""

    __slots__ = ("holds", "statement", "detail")

    def __init__(self, holds: bool, statement: str, detail: str) -> None:
        self.holds = bool(holds)
        self.statement = statement
        self.detail = detail

    def __bool__(self) -> bool:
        return self.holds

    def __repr__(self) -> str:
        state = "holds" if self.holds else "does not hold"
        return f"<claim {state}: {self.statement}>"

    def _ipython_display_(self) -> None:
        """Show nothing: the claim has spoken already (or had nothing to say)."""


def claims_mode() -> str:
    """The current mode, ``"strict"`` or ``"explore"`` (from ``DGMBOOK_CLAIMS``; default explore).

    Raises
    ------
    ValueError
        If ``DGMBOOK_CLAIMS`` is set to anything but ``strict`` or ``explore``.
    """
    mode = os.environ.get(MODE_VARIABLE, "explore").strip().lower() or "explore"
    if mode not in _MODES:
        raise ValueError(f"{MODE_VARIABLE} must be one of {_MODES}, got {mode!r}")
    return mode


def _check_statement(statement: Any) -> str:
    if not isinstance(statement, str):
        raise TypeError(f"statement must be a str (the sentence the check backs), "
                        f"got {type(statement).__name__}")
    if not statement.strip():
        raise ValueError("statement must say which sentence the check backs, got an empty string")
    return statement.strip()


def _as_real(name: str, value: Any) -> float:
    """A real scalar (Python or numpy number, or a 0-d/size-1 array) as a float; NaN is kept."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got a bool")
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise ValueError(f"{name} must be a single number, got an array of shape {value.shape}")
        value = value.reshape(()).item()
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got a complex number {value!r}")
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def _fmt(value: float, unit: str) -> str:
    text = f"{value:.4g}" if math.isfinite(value) else str(value)
    return f"{text} {unit}".rstrip()


def _record(entry: dict) -> None:
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry, allow_nan=True) + "\n")


def _show_failure(statement: str, detail: str) -> None:
    """Explore mode: a visible box at the claim's place (HTML for pages, Markdown for notebooks)."""
    headline = "With your settings this no longer holds"
    text = f"{headline}: {statement}. {detail}"
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # a plain script: print the line
        print(f"[claim] {text}")
        return
    if get_ipython() is None:
        print(f"[claim] {text}")
        return
    box = (f'<div class="admonition warning claim-failed" role="note">'
           f'<p class="admonition-title">{headline}</p>'
           f"<p>{html.escape(statement)}.</p><p>{html.escape(detail)}</p></div>")
    display({"text/html": box, "text/markdown": f"> **{headline}:** {statement}.\n>\n> {detail}",
             "text/plain": f"[claim] {text}"}, raw=True)


def _conclude(kind: str, statement: str, holds: bool, detail: str, **numbers_) -> ClaimResult:
    _record({"kind": kind, "statement": statement, "holds": holds, "detail": detail, **numbers_})
    if not holds:
        if claims_mode() == "strict":
            raise ClaimFailed(f"{statement}: {detail}")
        _show_failure(statement, detail)
    return ClaimResult(holds, statement, detail)


def claim(statement: str, holds: Any, *, detail: str = "") -> ClaimResult:
    """Check a claim that is true or false with no margin (an exact or symbolic fact).

    Parameters
    ----------
    statement : str
        The sentence of the page the check backs, in words.
    holds : bool
        Whether it holds (a Python or numpy bool; SymPy's ``simplify(e) == 0`` is a bool).
    detail : str, optional
        What was measured, shown when the claim fails.

    Returns
    -------
    ClaimResult
        True (as a bool) when the claim holds; false in explore mode when it fails.

    Raises
    ------
    ClaimFailed
        In strict mode, when the claim does not hold.
    """
    statement = _check_statement(statement)
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(f"holds must be a bool (the claim's truth), got {type(holds).__name__}; "
                        "for a number against a bound use claim_below or claim_above")
    if not isinstance(detail, str):
        raise TypeError(f"detail must be a str, got {type(detail).__name__}")
    return _conclude("exact", statement, bool(holds), detail or "it does not hold")


def _bounded(kind: str, statement: str, measured: Any, bound: Any, unit: str) -> ClaimResult:
    statement = _check_statement(statement)
    value = _as_real("measured", measured)
    limit = _as_real("bound", bound)
    if not math.isfinite(limit):
        raise ValueError(f"bound must be a finite number, got {limit!r}")
    if not isinstance(unit, str):
        raise TypeError(f"unit must be a str, got {type(unit).__name__}")
    below = kind == "below"
    holds = (value < limit) if below else (value > limit)
    # Margin: how far inside the bound the value sits, relative to the bound's size (negative when
    # the claim fails; NaN when the measurement is NaN, which never holds).
    scale = abs(limit) if limit != 0 else 1.0
    margin = ((limit - value) if below else (value - limit)) / scale
    word = "below" if below else "above"
    detail = f"measured {_fmt(value, unit)}, which should be {word} {_fmt(limit, unit)}"
    return _conclude(kind, statement, bool(holds), detail, measured=value, bound=limit,
                     margin=margin, unit=unit)


def claim_below(statement: str, measured: Any, bound: Any, *, unit: str = "") -> ClaimResult:
    """Check that a measured number is strictly below a bound.

    Parameters
    ----------
    statement : str
        The sentence of the page the check backs, in words.
    measured : float
        The measured number (a real scalar; NaN fails the claim).
    bound : float
        The finite bound it must stay below.
    unit : str, optional
        The unit both are in (``"nats"``, ``"SE"``), for the message.

    Returns
    -------
    ClaimResult
        True (as a bool) when the claim holds (in strict mode a failure raises instead).
    """
    return _bounded("below", statement, measured, bound, unit)


def claim_above(statement: str, measured: Any, bound: Any, *, unit: str = "") -> ClaimResult:
    """Check that a measured number is strictly above a bound (see :func:`claim_below`)."""
    return _bounded("above", statement, measured, bound, unit)


def claim_close(statement: str, actual: Any, expected: Any, *, rtol: float = 0.0,
                atol: float = 0.0) -> ClaimResult:
    """Check that two independently computed arrays agree: ``|a - e| <= atol + rtol |e|``.

    Parameters
    ----------
    statement : str
        The sentence of the page the check backs, in words.
    actual, expected : array_like
        Real numbers of the same shape (no broadcasting; NaN anywhere fails the claim).
    rtol, atol : float
        Relative and absolute tolerances, not negative and not both 0; state them from the method's
        own error (e.g. a few ulps times the condition number, or a solver's tolerance).

    Returns
    -------
    ClaimResult
        True (as a bool) when the claim holds (in strict mode a failure raises instead).
    """
    statement = _check_statement(statement)
    for name, tol in (("rtol", rtol), ("atol", atol)):
        value = _as_real(name, tol)
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {tol!r}")
    if rtol == 0 and atol == 0:
        raise ValueError("rtol and atol must not both be 0 (use claim() for exact equality)")
    a, e = np.asarray(actual), np.asarray(expected)
    for name, arr in (("actual", a), ("expected", e)):
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if a.shape != e.shape:
        raise ValueError(f"actual and expected must have the same shape, got {a.shape} and {e.shape}")
    a, e = a.astype(float), e.astype(float)
    allowed = atol + rtol * np.abs(e)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.abs(a - e) / allowed
    worst = float(np.max(ratio)) if ratio.size else 0.0
    if np.isnan(ratio).any():
        worst = math.nan
    holds = bool(math.isfinite(worst) and worst <= 1.0)
    detail = (f"the largest error is {_fmt(worst, '')} times the tolerance "
              f"(rtol={rtol:g}, atol={atol:g})")
    return _conclude("close", statement, holds, detail, measured=worst, bound=1.0,
                     margin=1.0 - worst, unit="x tolerance")
