"""The whole dependency tree is pinned, and the pins agree with the requirements files.

``requirements.txt`` and ``requirements-dev.txt`` pin what the book and its tests use;
``requirements.lock`` (written by ``python3 tasks.py lock`` with uv, for every platform and every
supported Python) pins everything they pull in, and ``tasks.py`` installs with it as constraints. So a
build in a year installs the same packages: a transitive package cannot float to a release that
breaks the site (pydata-sphinx-theme 0.17 did: its sidebar button does nothing under
sphinx-book-theme, pydata-sphinx-theme issue 2451).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
REQUIREMENT_FILES = ("requirements.txt", "requirements-dev.txt")
#: Installed by the virtual environment itself, not by the requirements (pip, and its helpers).
NOT_LOCKED = {"pip", "setuptools", "wheel", "dgmbook"}


def _requirement_lines(path: Path) -> list[str]:
    lines = []
    for raw in path.read_text(encoding="utf8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _pins(path: Path) -> dict[str, tuple[str, Requirement]]:
    """Every ``name==version`` line of a requirements file that applies here (includes, editables and
    pins for other platforms skipped)."""
    pins = {}
    for line in _requirement_lines(path):
        if line.startswith(("-r", "-c", "-e", "--")):
            continue
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue  # a pin for another platform or Python (the lock is resolved for all)
        specs = list(requirement.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{path.name}: {line!r} is not an exact pin"
        pins[canonicalize_name(requirement.name)] = (specs[0].version, requirement)
    return pins


LOCKED = _pins(LOCK)


@pytest.mark.parametrize("name", REQUIREMENT_FILES)
def test_every_pin_of_the_requirements_is_the_locked_version(name):
    for package, (version, _) in _pins(ROOT / name).items():
        assert package in LOCKED, f"{name} pins {package}, which requirements.lock lacks: tasks.py lock"
        assert LOCKED[package][0] == version, (
            f"{name} pins {package}=={version}, requirements.lock has {LOCKED[package][0]}: "
            "run python3 tasks.py lock")


def test_the_lock_is_written_by_the_documented_command_and_leaves_out_the_book():
    text = LOCK.read_text(encoding="utf8")
    assert "python3 tasks.py lock" in text.splitlines()[1], "the lock's header names another command"
    assert "dgmbook" not in LOCKED and not re.search(r"^-e ", text, re.M)


def test_the_sidebar_theme_is_clear_of_the_broken_toggle():
    """pydata-sphinx-theme 0.17 (issue 2451): two ``.primary-toggle`` buttons under sphinx-book-theme,
    only the hidden one gets a listener, so the visible sidebar button does nothing."""
    version = Version(LOCKED["pydata-sphinx-theme"][0])
    assert version < Version("0.17"), f"pydata-sphinx-theme {version} has the dead sidebar button"


def _closure(roots: list[Requirement]) -> dict[str, str]:
    """The installed distributions that ``roots`` need, with their versions (markers evaluated)."""
    found: dict[str, str] = {}
    seen: set[tuple[str, frozenset]] = set()
    stack = [(req, frozenset(req.extras)) for req in roots]
    while stack:
        req, extras = stack.pop()
        name = canonicalize_name(req.name)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{req.name} is required but not installed")
        found[name] = dist.version
        for line in dist.requires or []:
            sub = Requirement(line)
            if sub.marker is None:
                stack.append((sub, frozenset(sub.extras)))
                continue
            for extra in ("", *extras):
                if sub.marker.evaluate({**default_environment(), "extra": extra}):
                    stack.append((sub, frozenset(sub.extras)))
                    break
    return found


def test_the_lock_covers_every_package_the_environment_installed_for_the_requirements():
    """Walks the installed tree from the requirements files: each package is locked at its version."""
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip("the tests do not run in tasks.py's .venv, which is the environment the lock built")
    roots = []
    for name in REQUIREMENT_FILES:
        roots += [requirement for _, requirement in _pins(ROOT / name).values()]
    project = metadata.distribution("dgmbook")
    roots += [Requirement(line) for line in project.requires or []]
    tree = _closure(roots)
    assert len(tree) > 50, sorted(tree)
    missing = sorted(set(tree) - set(LOCKED) - NOT_LOCKED)
    assert not missing, f"installed but not in requirements.lock: {missing}; run python3 tasks.py lock"
    stale = sorted(set(LOCKED) - set(tree))
    assert not stale, f"requirements.lock pins packages nothing requires here: {stale}; python3 tasks.py lock"
    moved = {name: (version, LOCKED[name][0]) for name, version in tree.items()
             if name in LOCKED and Version(version) != Version(LOCKED[name][0])}
    assert not moved, f"installed versions differ from the lock (installed, locked): {moved}"


def _load_tasks():
    spec = importlib.util.spec_from_file_location("tasks_for_lock_test", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tasks_installs_with_the_lock_and_reinstalls_when_it_changes(tmp_path, monkeypatch):
    tasks = _load_tasks()
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()  # an existing environment: nothing is created
    lock = tmp_path / "requirements.lock"
    lock.write_text(LOCK.read_text(encoding="utf8"), encoding="utf8")
    calls: list[list[str]] = []
    monkeypatch.setattr(tasks, "VENV", venv)
    monkeypatch.setattr(tasks, "PYTHON", venv / "bin" / "python")
    monkeypatch.setattr(tasks, "LOCK", lock)
    monkeypatch.setattr(tasks, "run", lambda cmd, **kwargs: calls.append([str(w) for w in cmd]))
    for requirements in REQUIREMENT_FILES:
        calls.clear()
        tasks.ensure_venv(requirements)
        installs = [c for c in calls if "-r" in c]
        assert installs and all(c[c.index("-c") + 1] == str(lock) for c in installs), calls
        calls.clear()
        tasks.ensure_venv(requirements)
        assert calls == [], "an unchanged lock reinstalled"
    lock.write_text(lock.read_text(encoding="utf8") + "\n# changed\n", encoding="utf8")
    tasks.ensure_venv("requirements.txt")
    assert any("-r" in c for c in calls), "a changed lock was not installed"
