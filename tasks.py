#!/usr/bin/env python3
"""The book's commands. Needs only Python (3.11 to 3.13); everything else is installed into ``.venv``.

    python3 tasks.py book                  build the whole book to _build/html (notebooks executed,
                                           outputs cached between builds, warnings are errors)
    python3 tasks.py test [PYTEST ARGS]    run the whole test suite (unit tests, a from-scratch book
                                           build, the student edition, the page tests in Chromium)
    python3 tasks.py student               build the problems-only student edition to _build_student/html
    python3 tasks.py chapter FILE          execute one chapter and build it; report its warnings
                                           (--explore: a failed claim is flagged on the page, not fatal)
    python3 tasks.py sync                  regenerate the paired .ipynb of every chapter (jupytext) and,
                                           from a build (execution cached), the reader's notebooks in
                                           notebooks/ that the Colab/Binder buttons open (--check:
                                           only report stale ones; --no-build: from notebooks/index.json)
    python3 tasks.py pdf [--student]       the print edition: book.pdf (or the student edition's PDF)
    python3 tasks.py grade NB.ipynb [...]  grade submitted student notebooks in a sandbox (--json, --jobs N)
    python3 tasks.py margins [--pages ...] every page under three OpenBLAS kernels and 1, 2 threads:
                                           how far each checked claim is from its threshold
    python3 tasks.py lock [--upgrade]      re-resolve requirements.lock, the pins of the whole tree
    python3 tasks.py mutate [MODULE ...]   mutation-test the mathematics modules (mutmut; by hand, slow):
                                           scores and survivors to benchmarks/results/mutation.md

Each command creates ``.venv`` on first use and reinstalls only when a requirements file or the
lock changes. Every install is constrained by ``requirements.lock`` (``pip install -r FILE -c
requirements.lock``): the requirements files pin what the book uses, the lock pins everything they
pull in, so a build in a year installs the same packages.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
#: The whole dependency tree, pinned (``python3 tasks.py lock`` writes it with uv).
LOCK = ROOT / "requirements.lock"
#: The oldest Python the lock is resolved for (the newest the book is tested on is in the CI matrix).
OLDEST_PYTHON = "3.11"


def _requirements_digest(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files + [ROOT / "pyproject.toml"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _create_venv() -> None:
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)


def ensure_venv(requirements: str) -> None:
    """Create ``.venv`` if needed and install ``requirements`` unless already installed."""
    files = [ROOT / requirements, LOCK]
    if requirements == "requirements-dev.txt":
        files.append(ROOT / "requirements.txt")
    stamp = VENV / f".installed-{requirements}-{_requirements_digest(files)}"
    if stamp.exists():
        return
    _create_venv()
    print(f"Installing {requirements} into {VENV} ...", flush=True)
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "-r", str(ROOT / requirements), "-c", str(LOCK)])
    for old in VENV.glob(f".installed-{requirements}-*"):
        old.unlink()
    stamp.touch()


def run(cmd: list[str], **kwargs) -> None:
    """Run ``cmd`` from the repository root; exit with its code if it fails."""
    result = subprocess.run(cmd, cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def cmd_book(args: list[str]) -> None:
    ensure_venv("requirements.txt")
    run([str(BIN / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going", *args])
    print(f"\nThe book is at {ROOT / '_build' / 'html' / 'index.html'}")


def cmd_test(args: list[str]) -> None:
    ensure_venv("requirements-dev.txt")
    run([str(PYTHON), "-m", "pytest", *args])


def cmd_student(args: list[str]) -> None:
    ensure_venv("requirements.txt")
    run([str(PYTHON), "-m", "dgmbook.build", "student", "--output", str(ROOT / "_build_student"), *args])


def cmd_chapter(args: list[str]) -> None:
    files = [a for a in args if a != "--explore"]
    if len(files) != 1 or len(args) - len(files) > 1:
        sys.exit("usage: python3 tasks.py chapter book/<chapter>.md [--explore]")
    ensure_venv("requirements.txt")
    run([str(PYTHON), "-m", "dgmbook.build", "chapter", *args])


def cmd_sync(args: list[str]) -> None:
    ensure_venv("requirements.txt")
    run([str(PYTHON), "-m", "dgmbook.build", "sync", *args])


def cmd_pdf(args: list[str]) -> None:
    # The PDF is printed by the system Chromium through Playwright (a test tool, hence the dev
    # requirements), and its contents' page numbers are read back with poppler's pdftotext:
    # Debian packages chromium and poppler-utils (dgmbook.pdf says so if either is missing).
    ensure_venv("requirements-dev.txt")
    run([str(PYTHON), "-m", "dgmbook.pdf", *args])


def cmd_grade(args: list[str]) -> None:
    ensure_venv("requirements.txt")
    run([str(PYTHON), "-m", "dgmbook.grade", *args])


def cmd_margins(args: list[str]) -> None:
    ensure_venv("requirements.txt")
    run([str(PYTHON), str(ROOT / "benchmarks" / "claim_margins.py"), *args])


def cmd_mutate(args: list[str]) -> None:
    ensure_venv("requirements-dev.txt")
    run([str(PYTHON), str(ROOT / "benchmarks" / "mutation.py"), *args])


def cmd_lock(args: list[str]) -> None:
    # Resolved with uv for every platform and every Python from OLDEST_PYTHON on (--universal), from
    # requirements-dev.txt (which includes requirements.txt); the book's own package is left out
    # (it is installed editable). Versions already in the lock are kept unless a requirement moved
    # past them; --upgrade re-resolves everything to the newest releases that fit. Only uv itself is
    # installed first, so a lock that no longer fits the requirements files can still be refreshed.
    uv = re.search(r"^uv==(\S+)", (ROOT / "requirements-dev.txt").read_text(), re.M)
    _create_venv()
    run([str(PYTHON), "-m", "pip", "install", "--quiet", f"uv=={uv.group(1)}" if uv else "uv"])
    run([str(BIN / "uv"), "pip", "compile", "requirements-dev.txt", "--output-file", LOCK.name,
         "--universal", "--python-version", OLDEST_PYTHON, "--no-emit-package", "dgmbook",
         "--custom-compile-command", "python3 tasks.py lock", "--quiet", *args])


COMMANDS = {
    "book": cmd_book,
    "test": cmd_test,
    "student": cmd_student,
    "chapter": cmd_chapter,
    "sync": cmd_sync,
    "pdf": cmd_pdf,
    "grade": cmd_grade,
    "margins": cmd_margins,
    "lock": cmd_lock,
    "mutate": cmd_mutate,
}

if __name__ == "__main__":
    if sys.version_info < (3, 11):  # noqa: UP036 (this file is what an older Python runs first)
        sys.exit(f"The book needs Python 3.11 to 3.13; this is {sys.version.split()[0]}.")
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
