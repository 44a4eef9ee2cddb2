"""Bad-input cases, one file per package module (``tests/bad_input/<module>.py``).

Each file defines

- ``CASES``: a dict from a public name of the module (``"train_cd"``, a class ``"RBM"`` for its
  constructor, ``"RBM.sample"`` for a public method) to a list of :func:`bad` cases;
- ``VALID`` (optional): a list of zero-argument callables with unusual but valid input (lists of
  lists, numpy integer scalars, bools for binary data) that must keep working;
- ``EXEMPT`` (optional): a dict from a public name to the reason it takes no input that can be bad
  (a constant, a function without arguments).

A case file starts with ``from bad_input import bad`` (``tests/`` is on the path of the test run).

``tests/test_bad_input.py`` discovers every module of ``dgmbook`` and every name in its ``__all__``:
a public callable with neither cases nor an exemption fails the test, so a new function cannot
arrive without its bad-input cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Bad:
    """One bad call: ``call()`` must raise ``error`` from inside the package, naming ``names``."""

    call: Callable[[], object]
    error: type[Exception]
    names: tuple[str, ...]
    why: str


def bad(call: Callable[[], object], error: type[Exception], *names: str, why: str = "") -> Bad:
    """A bad call that must raise ``error`` (ValueError or TypeError) whose message contains
    every string of ``names`` as a whole word, not inside a longer name (the argument's name, and
    where useful the allowed values)."""
    if error not in (ValueError, TypeError):
        raise AssertionError("a bad input gets a ValueError or a TypeError")
    if not names:
        raise AssertionError("say which argument the message must name")
    return Bad(call, error, names, why)
