"""Argument checks shared by the package's public functions.

Every public function validates its input here and raises a ``ValueError`` or ``TypeError`` that
names the offending argument and the allowed range, so a reader never meets a NaN, a silent
broadcast, or a traceback deep inside numpy. Internal helpers trust their callers.
"""

from __future__ import annotations

import numbers
import os
from typing import Any

import numpy as np

__all__ = [
    "as_float_array",
    "as_binary_array",
    "check_positive",
    "check_probability",
    "check_int",
    "check_random_state",
    "check_bool",
    "check_callable",
    "check_memory",
]

#: Largest working memory, in bytes, that one call of the package may allocate: 4 GiB (or half the
#: machine's physical memory, if that is less). The book's experiments stay below a few MB; a size
#: beyond this is a typo (``nu=1e7`` for ``nu=10``) and is refused, with the number, before numpy
#: fails with a ``MemoryError`` or the machine starts to swap.
MAX_BYTES = 4 * 2**30


def as_float_array(
    name: str,
    value: Any,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: tuple[int | None, ...] | None = None,
    allow_empty: bool = False,
) -> np.ndarray:
    """Convert ``value`` to a finite float64 array, checking its dimensions and shape.

    Parameters
    ----------
    name : str
        Argument name used in error messages.
    value : array_like
        Numbers (bool and complex are rejected).
    ndim : int or tuple of int, optional
        Allowed number(s) of dimensions.
    shape : tuple of (int or None), optional
        Required shape; ``None`` entries match any length.
    allow_empty : bool, default False
        Whether an array with zero elements is accepted.

    Returns
    -------
    numpy.ndarray
        The values as float64.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers ({exc})") from None
    _check_flag("allow_empty", allow_empty)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must contain real numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} must contain real numbers, not booleans")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have ndim in {allowed}, got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(
            want is not None and got != want for got, want in zip(arr.shape, shape, strict=True)
        ):
            want_text = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want_text}, got {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_binary_array(name: str, value: Any, *, ndim: int | None = None) -> np.ndarray:
    """Convert ``value`` to a float64 array whose entries are all exactly 0 or 1.

    Booleans are accepted (``True`` is 1), so are integers and floats equal to 0 or 1.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of 0/1 values ({exc})") from None
    if arr.dtype.kind == "b":
        arr = arr.astype(np.float64)
    arr = as_float_array(name, arr, ndim=ndim)
    if not np.all((arr == 0.0) | (arr == 1.0)):
        raise ValueError(f"{name} must be binary (entries 0 or 1)")
    return arr


def _check_real_scalar(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is a finite number > 0 (or >= 0)."""
    _check_flag("allow_zero", allow_zero)
    value = _check_real_scalar(name, value)
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def check_probability(name: str, value: Any, *, open_low: bool = True, open_high: bool = False) -> float:
    """Return ``value`` as a float after checking it lies in (0, 1] (ends configurable)."""
    _check_flag("open_low", open_low)
    _check_flag("open_high", open_high)
    value = _check_real_scalar(name, value)
    low_ok = value > 0 if open_low else value >= 0
    high_ok = value < 1 if open_high else value <= 1
    if not (low_ok and high_ok):
        interval = ("(" if open_low else "[") + "0, 1" + (")" if open_high else "]")
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    return value


def check_int(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int after checking it is an integer within [minimum, maximum]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_random_state(random_state: Any) -> np.random.Generator:
    """Turn ``random_state`` (None, an int seed or a Generator) into a ``numpy.random.Generator``.

    ``None`` gives a fresh, unseeded generator; chapters and tests always pass a seed.
    """
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative int seed, got {random_state}")
        return np.random.default_rng(int(random_state))
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise TypeError(
        "random_state must be None, an int seed or a numpy.random.Generator, "
        f"got {type(random_state).__name__}"
    )


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` as a bool after checking it is a ``bool`` or a numpy bool.

    A flag is a flag: the string ``"False"`` is truthy, and ``1`` may be a typo for a count, so
    neither is accepted.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_callable(name: str, value: Any, *, allow_none: bool = False) -> Any:
    """Return ``value`` after checking it is callable (or ``None`` when ``allow_none``)."""
    _check_flag("allow_none", allow_none)
    if value is None and allow_none:
        return None
    if not callable(value):
        allowed = "a callable or None" if allow_none else "a callable"
        raise TypeError(f"{name} must be {allowed}, got {type(value).__name__}")
    return value


def check_memory(name: str, n_bytes: Any, *, what: str = "") -> int:
    """Refuse, before allocating, a call whose arrays would need more than the memory limit.

    Parameters
    ----------
    name : str
        The argument(s) that set the size, named in the error (e.g. ``"nu"``).
    n_bytes : int or float
        Working memory the call needs, in bytes (a float may be used for products of large sizes).
    what : str, optional
        What is that big, e.g. ``"100000000 noise samples per update (nu * batch_size)"``.

    Returns
    -------
    int
        ``n_bytes`` as an int.

    Raises
    ------
    ValueError
        If ``n_bytes`` exceeds :data:`MAX_BYTES` (or half the physical memory,
        if that is less).
    """
    if isinstance(n_bytes, (bool, np.bool_)) or not isinstance(n_bytes, numbers.Real):
        raise TypeError(f"n_bytes must be a number of bytes, got {type(n_bytes).__name__}")
    if not n_bytes >= 0:  # also catches NaN
        raise ValueError(f"n_bytes must be a non-negative number of bytes, got {n_bytes}")
    limit = _memory_limit()
    if n_bytes > limit:
        detail = f"{what} " if what else ""
        raise ValueError(f"{name}: {detail}would need {_format_bytes(n_bytes)} of memory, more than the "
                         f"{_format_bytes(limit)} this package allows one call; choose a smaller {name}")
    return int(n_bytes)


def _memory_limit() -> int:
    """The largest working memory one call may allocate: :data:`MAX_BYTES` or half the RAM."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: no way to ask without a dependency
        return MAX_BYTES
    return min(MAX_BYTES, physical // 2) if physical > 0 else MAX_BYTES


def _format_bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def _check_flag(name: str, value: Any) -> None:
    # The checks' own options: a truthy string must not switch them (see check_bool).
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
