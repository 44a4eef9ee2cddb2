"""Grade submitted "Your turn" notebooks: ``python -m dgmbook.grade NB.ipynb [...] [--json]``.

Each submission is copied into a fresh temporary folder and executed there, top to bottom, in a
fresh kernel, with a time limit per cell and per notebook; a cell that fails (a syntax error, an
exception, a timeout) is recorded and the next cell runs. Then one more cell, added by the grader,
calls :func:`dgmbook.exercises.check` on each exercise's function as the notebook left it (a fresh
copy of the checker, not the one the notebook could have altered). A broken or hostile submission
(a syntax error, an infinite loop, a cell deleting the files of its working folder) costs that
submission its marks and nothing else: it ran in a copy, and the grader moves on.

The exercises a notebook is graded on are those recorded in its metadata by the student edition
(``metadata.dgmbook.exercises``), or else those its ``check("...")`` cells name.

``tasks.py grade`` prints a table, one row per exercise (pass, or the checker's diagnosis), and a
total per notebook; ``--json`` prints the same as JSON for a gradebook.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dgmbook.exercises import EXERCISES
from dgmbook.validation import check_positive

__all__ = ["Submission", "exercises_in", "grade_notebook", "format_table", "main"]

#: Marker of the grading cell's output line.
MARKER = "DGMBOOK-GRADE "

#: Default seconds per student cell, and per notebook (the grading cell has its own budget).
CELL_TIMEOUT = 60.0
NOTEBOOK_TIMEOUT = 600.0
#: Seconds the grading cell may take per exercise (each check limits one call of a function to 10 s).
GRADING_SECONDS_PER_EXERCISE = 60.0


@dataclass
class Submission:
    """The grade of one notebook: per exercise, whether it passed and the checker's message.

    Attributes
    ----------
    notebook : str
        The submitted file.
    results : dict
        Exercise name -> ``{"passed": bool, "status": str, "message": str, "mistake": str | None}``.
    error : str or None
        What went wrong with the submission as a whole (unreadable, the kernel died, ...).
    cell_errors : list of str
        The cells that raised or timed out, one line each.
    """

    notebook: str
    results: dict = field(default_factory=dict)
    error: str | None = None
    cell_errors: list = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.notebook, str):
            raise TypeError("notebook must be the submitted file's path as a str, "
                            f"got {type(self.notebook).__name__}")
        if not isinstance(self.results, dict):
            raise TypeError("results must be a dict from exercise name to result, "
                            f"got {type(self.results).__name__}")
        if self.error is not None and not isinstance(self.error, str):
            raise TypeError(f"error must be None or a str, got {type(self.error).__name__}")
        if not isinstance(self.cell_errors, list):
            raise TypeError(f"cell_errors must be a list of str, got {type(self.cell_errors).__name__}")

    @property
    def passed(self) -> int:
        """Number of exercises passed."""
        return sum(1 for r in self.results.values() if r.get("passed"))

    @property
    def total(self) -> int:
        """Number of exercises graded."""
        return len(self.results)

    def to_dict(self) -> dict:
        """A JSON-ready dictionary (with ``passed`` and ``total``)."""
        data = asdict(self)
        data.update(passed=self.passed, total=self.total)
        return data


def exercises_in(notebook) -> list[str]:
    """The exercises a notebook is graded on: its ``metadata.dgmbook.exercises``, or else the
    exercises named by its ``check("...")`` calls, in catalogue order.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
    """
    if not hasattr(notebook, "cells") or not hasattr(notebook, "metadata"):
        raise TypeError(f"notebook must be an nbformat notebook, got {type(notebook).__name__}")
    listed = (notebook.metadata.get("dgmbook") or {}).get("exercises")
    if isinstance(listed, list) and listed:
        return [name for name in EXERCISES if name in listed]
    source = "\n".join(cell.get("source", "") for cell in notebook.cells if cell.get("cell_type") == "code")
    named = set(re.findall(r"""check\(\s*["']([a-z0-9-]+)["']""", source))
    return [name for name in EXERCISES if name in named]


def _grading_cell(names: list[str]) -> str:
    pairs = [(name, EXERCISES[name].function) for name in names]
    return (
        "import importlib as _dgm_il, json as _dgm_json\n"
        "import dgmbook.exercises as _dgm_ex\n"
        "_dgm_ex = _dgm_il.reload(_dgm_ex)\n"
        "_dgm_out = {}\n"
        f"for _dgm_name, _dgm_fn in {pairs!r}:\n"
        "    _dgm_f = globals().get(_dgm_fn)\n"
        "    if not callable(_dgm_f):\n"
        "        _dgm_out[_dgm_name] = {'passed': False, 'status': 'missing', 'mistake': None,\n"
        "            'message': f'✗ {_dgm_name}: the notebook defines no function named {_dgm_fn}.'}\n"
        "        continue\n"
        "    _dgm_r = _dgm_ex.check(_dgm_name, _dgm_f, quiet=True)\n"
        "    _dgm_out[_dgm_name] = {'passed': bool(_dgm_r.passed), 'status': _dgm_r.status,\n"
        "                           'message': _dgm_r.message, 'mistake': _dgm_r.mistake}\n"
        f"print({MARKER!r} + _dgm_json.dumps(_dgm_out))\n"
    )


def _not_graded(names: list[str], why: str) -> dict:
    return {name: {"passed": False, "status": "not graded", "message": f"✗ {name}: {why}", "mistake": None}
            for name in names}


def grade_notebook(path, *, cell_timeout: float = CELL_TIMEOUT,
                   notebook_timeout: float = NOTEBOOK_TIMEOUT) -> Submission:
    """Execute one submitted notebook in a temporary copy and check each of its exercises.

    Parameters
    ----------
    path : str or Path
        The submitted ``.ipynb``.
    cell_timeout : float, default 60
        Seconds any one cell of the submission may run (it is then interrupted).
    notebook_timeout : float, default 600
        Seconds all the submission's cells may run together.

    Returns
    -------
    Submission
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a path to a notebook (str or Path), got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {str(path)!r}")
    cell_timeout = check_positive("cell_timeout", cell_timeout)
    notebook_timeout = check_positive("notebook_timeout", notebook_timeout)

    import nbformat

    submission = Submission(str(path))
    try:
        notebook = nbformat.read(path, as_version=4)
        names = exercises_in(notebook)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the submission's fault
        submission.error = f"not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})"
        return submission
    if not names:
        submission.error = "no exercises found (no dgmbook metadata and no check(...) cell)"
        return submission

    workdir = Path(tempfile.mkdtemp(prefix="dgmbook-grade-"))
    try:
        _execute(notebook, names, workdir, cell_timeout, notebook_timeout, submission)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return submission


def _execute(notebook, names, workdir: Path, cell_timeout, notebook_timeout, submission: Submission) -> None:
    import nbformat
    from nbclient import NotebookClient

    copy_path = workdir / "submission.ipynb"
    nbformat.write(notebook, copy_path)
    notebook = nbformat.read(copy_path, as_version=4)
    # Only code and markdown cells run; the grader's cell goes last.
    notebook.cells = [c for c in notebook.cells if c.get("cell_type") in ("code", "markdown", "raw")]
    grading = nbformat.v4.new_code_cell(_grading_cell(names))
    notebook.cells.append(grading)
    grading_budget = 30.0 + GRADING_SECONDS_PER_EXERCISE * len(names)
    deadline = time.monotonic() + notebook_timeout

    def timeout_for(cell) -> int:
        if cell is grading:
            return int(grading_budget)
        return max(1, int(min(cell_timeout, deadline - time.monotonic())))

    client = NotebookClient(
        notebook, timeout=int(cell_timeout), timeout_func=timeout_for, interrupt_on_timeout=True,
        allow_errors=True, kernel_name="python3", resources={"metadata": {"path": str(workdir)}},
    )
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log lines are not the student's
    except Exception as exc:  # noqa: BLE001 - a dead kernel, a timeout that could not interrupt ...
        submission.error = ("the notebook could not be run to the end "
                            f"({type(exc).__name__}: {str(exc)[:200]})")
    for index, cell in enumerate(notebook.cells[:-1]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                submission.cell_errors.append(f"cell {index + 1}: {output.get('ename')}: "
                                              f"{str(output.get('evalue'))[:150]}")
    submission.results = _read_grading_output(notebook.cells[-1], names)
    if submission.error and all(r["status"] == "not graded" for r in submission.results.values()):
        submission.results = _not_graded(names, submission.error)


def _read_grading_output(cell, names: list[str]) -> dict:
    for output in cell.get("outputs", []):
        text = output.get("text", "") if output.get("output_type") == "stream" else ""
        for line in text.splitlines():
            if line.startswith(MARKER):
                try:
                    found = json.loads(line[len(MARKER):])
                except json.JSONDecodeError:
                    break
                return {name: found.get(name) or _not_graded([name], "not checked")[name] for name in names}
    return _not_graded(names, "the grader's checks did not run (the kernel died or ran out of time)")


def format_table(submissions: list[Submission]) -> str:
    """A plain-text table: one row per exercise of each submission (pass, or the diagnosis), and a
    total per notebook."""
    if not isinstance(submissions, (list, tuple)) or not all(isinstance(s, Submission) for s in submissions):
        raise TypeError("submissions must be a list of Submission")
    rows = []
    for sub in submissions:
        name = sub.notebook
        if sub.error and not sub.results:
            rows.append((name, "-", f"0 marks: {sub.error}"))
        for ex, result in sub.results.items():
            message = result.get("message", "")
            verdict = "pass" if result.get("passed") else message.split(": ", 1)[-1]
            rows.append((name, ex, verdict))
            name = ""
        rows.append(("", "", f"{sub.notebook}: {sub.passed}/{sub.total} passed"
                     + (f"; {len(sub.cell_errors)} cell(s) failed" if sub.cell_errors else "")))
    width_nb = max([len("notebook")] + [len(r[0]) for r in rows])
    width_ex = max([len("exercise")] + [len(r[1]) for r in rows])
    lines = [f"{'notebook':<{width_nb}}  {'exercise':<{width_ex}}  result"]
    lines += [f"{nb:<{width_nb}}  {ex:<{width_ex}}  {verdict}" for nb, ex, verdict in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The command line: grade each notebook, print the table (or JSON with ``--json``)."""
    strings = isinstance(argv, (list, tuple)) and all(isinstance(a, str) for a in argv)
    if argv is not None and not strings:
        raise TypeError("argv must be a list of strings (command-line arguments)")
    parser = argparse.ArgumentParser(prog="python -m dgmbook.grade",
                                     description="Grade submitted 'Your turn' notebooks.")
    parser.add_argument("notebooks", nargs="+", type=Path, help="the submitted .ipynb files")
    parser.add_argument("--json", action="store_true", help="print a JSON gradebook instead of a table")
    parser.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT,
                        help=f"seconds per cell (default {CELL_TIMEOUT:g})")
    parser.add_argument("--notebook-timeout", type=float, default=NOTEBOOK_TIMEOUT,
                        help=f"seconds per notebook (default {NOTEBOOK_TIMEOUT:g})")
    args = parser.parse_args(argv)
    if args.cell_timeout <= 0 or args.notebook_timeout <= 0:
        parser.error("--cell-timeout and --notebook-timeout must be > 0")
    submissions = []
    for path in args.notebooks:
        if not path.is_file():
            submissions.append(Submission(str(path), error="no such file"))
            continue
        if not args.json:
            print(f"grading {path} ...", file=sys.stderr, flush=True)
        submissions.append(grade_notebook(path, cell_timeout=args.cell_timeout,
                                          notebook_timeout=args.notebook_timeout))
    if args.json:
        print(json.dumps([s.to_dict() for s in submissions], indent=2, ensure_ascii=False))
    else:
        print(format_table(submissions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
