"""Ruff over the package, the tests, the benchmarks, tasks.py and the chapters' code.

The configuration is ``[tool.ruff]`` in ``pyproject.toml``; the chapters are linted through their
paired ``.ipynb`` (``python3 tasks.py sync`` keeps them in step with the ``.md``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUFF = Path(sys.executable).parent / "ruff"


def test_ruff_is_clean():
    proc = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--output-format", "concise", "src", "tests", "benchmarks",
         "tasks.py", "book"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, f"ruff found problems:\n{proc.stdout}{proc.stderr}"
