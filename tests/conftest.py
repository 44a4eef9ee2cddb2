"""Shared fixtures: one from-scratch build of the whole book serves every test that reads pages.

The build executes every notebook (``execute_notebooks: force``) with warnings as errors. When a
local MathJax 4 can be had (a cached copy, or ``npm pack mathjax@4.1.3`` and its font package
``@mathjax/mathjax-newcm-font``), the pages load it instead of the CDN, so that the browser tests
can typeset every equation offline; the browser test answers the font's CDN requests from the local
font package. A local MathJax 3 (``DGMBOOK_MATHJAX_DIR``, a cached copy, or ``npm pack
mathjax@3.2.2``) stays available as the ``mathjax`` fixture.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from dgmbook.build import ROOT, build_book

MATHJAX_VERSION = "3.2.2"
#: The MathJax the book's pages load (``mathjax_path`` in ``_config.yml``: the CDN's ``mathjax@4``),
#: and its default font, a separate package of the same version.
MATHJAX4_VERSION = "4.1.3"
MATHJAX4_FONT = "mathjax-newcm"
CACHE = ROOT / ".cache"

#: Set (to anything but "" or "0") where the browser test must run: CI sets it.
REQUIRE_BROWSER = os.environ.get("DGMBOOK_REQUIRE_BROWSER", "") not in ("", "0")


def _local_mathjax() -> tuple[Path | None, str]:
    """Return MathJax's ``es5`` folder and how it was found, or ``None`` and why not."""
    given = os.environ.get("DGMBOOK_MATHJAX_DIR")
    if given:
        path = Path(given)
        return ((path, "DGMBOOK_MATHJAX_DIR") if (path / "tex-mml-chtml.js").exists()
                else (None, f"no tex-mml-chtml.js in {path}"))
    es5 = CACHE / f"mathjax-{MATHJAX_VERSION}" / "package" / "es5"
    if (es5 / "tex-mml-chtml.js").exists():
        return es5, "cache"
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not installed, so MathJax cannot be fetched"
    CACHE.mkdir(exist_ok=True)
    proc = subprocess.run([npm, "pack", f"mathjax@{MATHJAX_VERSION}", "--silent"], cwd=CACHE,
                          capture_output=True, text=True)
    tarball = CACHE / f"mathjax-{MATHJAX_VERSION}.tgz"
    if proc.returncode != 0 or not tarball.exists():
        return None, f"npm pack mathjax@{MATHJAX_VERSION} failed: {proc.stderr.strip()[:300]}"
    with tarfile.open(tarball) as archive:
        archive.extractall(CACHE / f"mathjax-{MATHJAX_VERSION}", filter="data")
    tarball.unlink()
    return es5, "npm"


def _npm_package(spec: str, tarball: str, folder: str) -> tuple[Path | None, str]:
    """``npm pack spec`` unpacked into ``.cache/folder``; its ``package`` folder, or ``None`` and why."""
    package = CACHE / folder / "package"
    if (package / "package.json").exists():
        return package, "cache"
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not installed, so MathJax cannot be fetched"
    CACHE.mkdir(exist_ok=True)
    proc = subprocess.run([npm, "pack", spec, "--silent"], cwd=CACHE, capture_output=True, text=True)
    if proc.returncode != 0 or not (CACHE / tarball).exists():
        return None, f"npm pack {spec} failed: {proc.stderr.strip()[:300]}"
    with tarfile.open(CACHE / tarball) as archive:
        archive.extractall(CACHE / folder, filter="data")
    (CACHE / tarball).unlink()
    return package, "npm"


def _local_mathjax4() -> tuple[Path | None, Path | None, str]:
    """MathJax 4's folder (holding ``tex-mml-chtml.js``), its font package's folder, and how found."""
    mathjax, how = _npm_package(f"mathjax@{MATHJAX4_VERSION}", f"mathjax-{MATHJAX4_VERSION}.tgz",
                                f"mathjax-{MATHJAX4_VERSION}")
    if mathjax is None:
        return None, None, how
    font, how_font = _npm_package(f"@mathjax/{MATHJAX4_FONT}-font@{MATHJAX4_VERSION}",
                                  f"mathjax-{MATHJAX4_FONT}-font-{MATHJAX4_VERSION}.tgz",
                                  f"{MATHJAX4_FONT}-font-{MATHJAX4_VERSION}")
    if font is None:
        return None, None, how_font
    return mathjax, font, f"{how}, font: {how_font}"


@pytest.fixture(scope="session")
def mathjax4():
    """(MathJax 4 folder or None, its font package folder or None, reason)."""
    return _local_mathjax4()


@pytest.fixture(scope="session")
def mathjax():
    """(path or None, reason) of a local MathJax 3 (its ``es5`` folder)."""
    return _local_mathjax()


@pytest.fixture(scope="session")
def built_book(tmp_path_factory, mathjax4):
    """The whole book, every notebook executed from scratch, warnings as errors.

    The folder is new, so its execution cache starts empty and every notebook is executed; the
    cache then lets the print edition (tests/test_pdf.py) reuse these outputs instead of executing
    the book a second time.
    """
    mathjax_dir, font_dir, _ = mathjax4
    output = tmp_path_factory.mktemp("book")
    return build_book(output, execute="cache", mathjax_dir=mathjax_dir, mathjax_font_dir=font_dir)


@pytest.fixture(scope="session")
def student_book(tmp_path_factory):
    """The problems-only student edition."""
    return build_book(tmp_path_factory.mktemp("student"), student=True)


def refused_one_byte_below(monkeypatch, nbytes, call, message):
    """``call`` needs exactly ``nbytes`` by its own estimate: it runs under that memory limit and is
    refused, before allocating, one byte below it, with ``message``."""
    from dgmbook import validation

    monkeypatch.setattr(validation, "_memory_limit", lambda: nbytes)
    call()
    monkeypatch.setattr(validation, "_memory_limit", lambda: nbytes - 1)
    with pytest.raises(ValueError, match=message):
        call()
