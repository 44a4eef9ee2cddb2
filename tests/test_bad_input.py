"""Every public callable of the package answers bad input with a clear error.

The promise of ``dgmbook.validation``: a bad call gets a ``ValueError`` or ``TypeError`` raised by
the package itself, whose message names the argument (as a whole word) — never a NaN, a silent
string read as ``True``, or a traceback from deep inside numpy. The cases live in
``tests/bad_input/<module>.py`` (``<package>_<module>.py`` for a subpackage's module; see its
``__init__``); this test discovers the modules and their ``__all__``, so a public callable without
cases fails here.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
import traceback
from pathlib import Path

import pytest

import dgmbook

CASES_DIR = Path(__file__).parent / "bad_input"
PACKAGE_DIR = Path(dgmbook.__file__).resolve().parent


def _modules() -> list[str]:
    """Every module of the package, subpackages' modules included (``exercises.engine``)."""
    return sorted(info.name for info in pkgutil.walk_packages(dgmbook.__path__, onerror=lambda name: None))


def _case_module(name: str):
    path = CASES_DIR / f"{name.replace('.', '_')}.py"  # exercises.engine -> exercises_engine.py
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"bad_input.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_callables(module) -> list[str]:
    """Names that need cases: functions and classes of ``__all__``, and classes' public methods."""
    names = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if inspect.isclass(obj):
            names.append(name)
            for attr, member in vars(obj).items():
                if attr.startswith("_") or isinstance(member, property):
                    continue
                if "\u01c1" in attr:  # a copy made by mutation testing (mutmut: xǁClassǁname__mutmut_1)
                    continue
                if inspect.isfunction(member) or isinstance(member, (classmethod, staticmethod)):
                    names.append(f"{name}.{attr}")
        elif callable(obj):
            names.append(name)
    return names


def _all_cases():
    for module_name in _modules():
        cases = _case_module(module_name)
        for key, items in (getattr(cases, "CASES", {}) or {}).items():
            for index, case in enumerate(items):
                yield pytest.param(module_name, key, case, id=f"{module_name}.{key}[{index}]")


def _all_valid():
    for module_name in _modules():
        cases = _case_module(module_name)
        for index, call in enumerate(getattr(cases, "VALID", []) or []):
            yield pytest.param(call, id=f"{module_name}[{index}]")


@pytest.mark.parametrize("module_name", _modules())
def test_every_public_callable_has_bad_input_cases(module_name):
    module = importlib.import_module(f"dgmbook.{module_name}")
    cases = _case_module(module_name)
    covered = set(getattr(cases, "CASES", {}) or {}) | set(getattr(cases, "EXEMPT", {}) or {})
    missing = [name for name in _public_callables(module) if name not in covered]
    assert not missing, (
        f"dgmbook.{module_name}: no bad-input cases for {missing}; "
        f"add them to tests/bad_input/{module_name.replace('.', '_')}.py (or an EXEMPT entry with the reason)"
    )
    stale = sorted(set(getattr(cases, "CASES", {}) or {}) - set(_public_callables(module)))
    case_file = f"tests/bad_input/{module_name.replace('.', '_')}.py"
    assert not stale, f"{case_file} has cases for unknown names {stale}"
    thin = [k for k, v in (getattr(cases, "CASES", {}) or {}).items() if len(v) < 2]
    assert not thin, f"dgmbook.{module_name}: fewer than two bad-input cases for {thin}"


@pytest.mark.parametrize(("module_name", "key", "case"), list(_all_cases()))
def test_bad_input_gets_a_clear_error(module_name, key, case):
    with pytest.raises(Exception) as info:  # noqa: B017 - the class is checked below, exactly
        case.call()
    error = info.value
    assert type(error) is case.error, (
        f"{key}: expected {case.error.__name__}, got {type(error).__name__}: {error}"
    )
    message = str(error)
    for name in case.names:
        # As a whole word: "alpha" is not named by "alphas", nor "n" by "n_steps" (nor by "XXnXX").
        assert re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message), (
            f"{key}: the message {message!r} does not name {name!r} (as a whole word)")
    # Raised by the package itself, not by numpy/Python deep inside it.
    raiser = Path(traceback.extract_tb(error.__traceback__)[-1].filename).resolve()
    assert PACKAGE_DIR in raiser.parents, (
        f"{key}: the error was raised in {raiser}, not by dgmbook: {message}"
    )


@pytest.mark.parametrize("call", list(_all_valid()))
def test_unusual_but_valid_input_still_works(call):
    call()
