"""Grade submitted "Your turn" notebooks: ``python -m dgmbook.grade NB.ipynb [...] [--json]``.

Each submission runs in a sandboxed child process (:mod:`dgmbook.exercises.sandbox`: bubblewrap, a
read-only system and nothing else of the machine, no network, resource limits, killed at its wall
clock): its code cells run in order, each with a time limit; a cell that fails, hangs or kills its
process is recorded and skipped. The marks are decided in the grader's own process, which the
student's code never runs in (:mod:`dgmbook.exercises.judge`): the grader sends each exercise's
inputs to the student's function and receives its outputs as data, and compares them with the
reference computed here. The notebook's own ``check()`` cells do nothing while grading.

A notebook is graded on every exercise of its chapter's catalogue (``--chapter``, or the chapter
its student-edition metadata and ``check(...)`` cells name), whatever its metadata lists. Without a
working sandbox the grader refuses to run submissions; ``--unsafe`` runs them without it.

``tasks.py grade`` prints a table, one row per exercise (pass, or the checker's diagnosis), and a
total per notebook; ``--json`` prints the same as JSON for a gradebook; ``--jobs N`` grades N
notebooks at a time.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dgmbook.exercises import EXERCISES
from dgmbook.exercises.catalogue import CHAPTERS, chapter_exercises
from dgmbook.exercises.engine import DEFAULT_TIME_LIMIT
from dgmbook.exercises.judge import judge_cells, result_dict
from dgmbook.exercises.sandbox import Limits, sandbox_problem
from dgmbook.validation import check_bool, check_positive

__all__ = ["Submission", "exercises_in", "grade_notebook", "format_table", "main"]

#: Default seconds per student cell, and for a whole notebook (cells, restarts and checks).
CELL_TIMEOUT = 60.0
NOTEBOOK_TIMEOUT = 600.0
#: Default megabytes of address space of a submission's process.
MEMORY_MB = 4096

UNSAFE_HELP = ("The grader runs students' code: without the sandbox that code could read and write "
               "whatever your user can. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), "
               "or pass --unsafe to grade trusted notebooks (your own) without it.")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here and ``unsafe`` was not given."""


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
    seed : int or None
        The seed of the exercises' random inputs (None: each exercise's own).
    """

    notebook: str
    results: dict = field(default_factory=dict)
    error: str | None = None
    cell_errors: list = field(default_factory=list)
    seed: int | None = None

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
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise TypeError(f"seed must be None or an int, got {type(self.seed).__name__}")

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


def exercises_in(notebook, chapter: str | None = None) -> list[str]:
    """The exercises a notebook is graded on: every exercise of its chapter's catalogue. The chapter
    is ``chapter`` if given, else each chapter that the notebook's metadata
    (``metadata.dgmbook.chapter`` and ``exercises``) or its ``check("...")`` cells name. Deleting
    exercises from the metadata does not shrink the list.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
    chapter : str, optional
        ``"q1"`` ... ``"q4"``.
    """
    if not hasattr(notebook, "cells") or not hasattr(notebook, "metadata"):
        raise TypeError(f"notebook must be an nbformat notebook, got {type(notebook).__name__}")
    if chapter is not None:
        return chapter_exercises(chapter)
    named: set[str] = set()
    meta = notebook.metadata.get("dgmbook") or {}
    if isinstance(meta, dict):
        if meta.get("chapter") in CHAPTERS:
            named.add(meta["chapter"])
        listed = meta.get("exercises")
        if isinstance(listed, list):
            named.update(EXERCISES[n].page for n in listed if isinstance(n, str) and n in EXERCISES)
    source = "\n".join(str(cell.get("source", "")) for cell in notebook.cells
                       if cell.get("cell_type") == "code")
    named.update(EXERCISES[n].page for n in re.findall(r"""check\(\s*["']([a-z0-9-]+)["']""", source)
                 if n in EXERCISES)
    return [name for name, ex in EXERCISES.items() if ex.page in named]


def _not_graded(names: list[str], why: str) -> dict:
    return {name: {"passed": False, "status": "not graded", "message": f"✗ {name}: {why}", "mistake": None}
            for name in names}


def grade_notebook(path, *, cell_timeout: float = CELL_TIMEOUT, notebook_timeout: float = NOTEBOOK_TIMEOUT,
                   chapter: str | None = None, unsafe: bool = False, memory_mb: float = MEMORY_MB,
                   seed: int | None = None, time_limit: float = DEFAULT_TIME_LIMIT) -> Submission:
    """Run one submitted notebook in a sandboxed child and judge each exercise of its chapter.

    Parameters
    ----------
    path : str or Path
        The submitted ``.ipynb``.
    cell_timeout : float, default 60
        Seconds any one cell of the submission may run (it is then killed and skipped).
    notebook_timeout : float, default 600
        Seconds for the whole submission: its cells, and the checks of its functions.
    chapter : str, optional
        The chapter (``"q1"`` ... ``"q4"``) whose exercises the notebook is graded on; by default the
        chapter the notebook names.
    unsafe : bool, default False
        Run the child without the sandbox (trusted notebooks only; needed where bubblewrap is
        unavailable).
    memory_mb : float, default 4096
        Address space of the submission's process.
    seed : int, optional
        Seed of the exercises' random inputs; default each exercise's own.
    time_limit : float, default 10
        Seconds per call of a student's function.

    Returns
    -------
    Submission

    Raises
    ------
    SandboxUnavailable
        If the sandbox cannot run here and ``unsafe`` is False.
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a path to a notebook (str or Path), got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {str(path)!r}")
    cell_timeout = check_positive("cell_timeout", cell_timeout)
    notebook_timeout = check_positive("notebook_timeout", notebook_timeout)
    memory_mb = check_positive("memory_mb", memory_mb)
    time_limit = check_positive("time_limit", time_limit)
    unsafe = check_bool("unsafe", unsafe)
    if chapter is not None and chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {', '.join(CHAPTERS)}, got {chapter!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be None or an int, got {type(seed).__name__}")
    problem = None if unsafe else sandbox_problem()
    if problem:
        raise SandboxUnavailable(f"refusing to grade without the sandbox: {problem}. {UNSAFE_HELP}")

    import nbformat

    submission = Submission(str(path), seed=seed)
    try:
        notebook = nbformat.read(path, as_version=4)
        names = exercises_in(notebook, chapter)
        cells = [str(cell.get("source", "")) for cell in notebook.cells if cell.get("cell_type") == "code"]
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the submission's fault
        submission.error = f"not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})"
        return submission
    if not names:
        submission.error = ("no exercises found (no chapter in its metadata and no check(...) cell; "
                            "pass --chapter)")
        return submission
    verdict = judge_cells(cells, names, sandboxed=not unsafe, cell_timeout=cell_timeout,
                          notebook_timeout=notebook_timeout, seed=seed, time_limit=time_limit,
                          limits=Limits(memory_mb=memory_mb, cpu_seconds=notebook_timeout + 60))
    submission.results = {name: result_dict(result) for name, result in verdict.results.items()}
    submission.cell_errors = list(verdict.cell_errors)
    submission.error = verdict.error
    return submission


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
                                     description="Grade submitted 'Your turn' notebooks, each in a sandbox.")
    parser.add_argument("notebooks", nargs="+", type=Path, help="the submitted .ipynb files")
    parser.add_argument("--json", action="store_true", help="print a JSON gradebook instead of a table")
    parser.add_argument("--chapter", choices=CHAPTERS,
                        help="grade every notebook on this chapter's exercises "
                             "(default: the chapter each notebook names)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at a time (default 1)")
    parser.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT,
                        help=f"seconds per cell (default {CELL_TIMEOUT:g})")
    parser.add_argument("--notebook-timeout", type=float, default=NOTEBOOK_TIMEOUT,
                        help=f"seconds per notebook, cells and checks (default {NOTEBOOK_TIMEOUT:g})")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT,
                        help=f"seconds per call of a student's function (default {DEFAULT_TIME_LIMIT:g})")
    parser.add_argument("--memory-mb", type=float, default=MEMORY_MB,
                        help=f"address space of a submission's process (default {MEMORY_MB})")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the exercises' random inputs (default: a fresh one, in the gradebook)")
    parser.add_argument("--unsafe", action="store_true",
                        help="grade without the sandbox (trusted notebooks only; where bubblewrap is "
                             "unavailable the grader refuses otherwise)")
    args = parser.parse_args(argv)
    if min(args.cell_timeout, args.notebook_timeout, args.memory_mb, args.time_limit) <= 0:
        parser.error("--cell-timeout, --notebook-timeout, --time-limit and --memory-mb must be > 0")
    if args.jobs < 1:
        parser.error("--jobs must be >= 1")
    problem = sandbox_problem()
    if problem and not args.unsafe:
        print(f"refusing to grade: {problem}.\n{UNSAFE_HELP}", file=sys.stderr)
        return 2
    if args.unsafe:
        print("warning: grading WITHOUT the sandbox (--unsafe): trusted notebooks only.", file=sys.stderr)
    seed = args.seed if args.seed is not None else secrets.randbits(31)

    def grade_one(path: Path) -> Submission:
        if not path.is_file():
            return Submission(str(path), error="no such file")
        if not args.json:
            print(f"grading {path} ...", file=sys.stderr, flush=True)
        try:
            return grade_notebook(path, cell_timeout=args.cell_timeout,
                                  notebook_timeout=args.notebook_timeout, chapter=args.chapter,
                                  unsafe=args.unsafe, memory_mb=args.memory_mb, seed=seed,
                                  time_limit=args.time_limit)
        except Exception as exc:  # noqa: BLE001 - one notebook's failure must not stop the class
            return Submission(str(path), error=f"the grader failed on this notebook ({type(exc).__name__}: "
                                               f"{str(exc)[:200]}); grade it again alone", seed=seed)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        submissions = list(pool.map(grade_one, args.notebooks))
    if args.json:
        print(json.dumps([s.to_dict() for s in submissions], indent=2, ensure_ascii=False))
    else:
        print(format_table(submissions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
