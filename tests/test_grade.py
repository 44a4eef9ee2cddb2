"""``tasks.py grade``: submissions run in a sandbox, with time limits, and get a per-exercise grade.

The blank student notebooks pass nothing; the pages' own notebooks (the references filled in)
pass everything; a broken submission (a syntax error, an infinite loop, a cell that deletes the
files of its working folder, a process that dies, a file that is not a notebook) loses its own
marks and nothing else. Without a sandbox the grader refuses, unless told ``--unsafe``. (Hostile
submissions: ``test_grade_hostile.py``.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest

from dgmbook import grade
from dgmbook.build import ROOT
from dgmbook.exercises import exercises_of, student_notebook
from dgmbook.exercises.sandbox import sandbox_problem

PAGES = [ROOT / "book" / f"q{q}_your_turn.md" for q in (1, 2, 3, 4)]

#: The grader refuses to run without bubblewrap; CI installs it (DGMBOOK_REQUIRE_SANDBOX=1: no skip).
needs_sandbox = pytest.mark.skipif(
    sandbox_problem() is not None and not os.environ.get("DGMBOOK_REQUIRE_SANDBOX"),
    reason=f"no sandbox here: {sandbox_problem()}")

CORRECT_MEAN = '''
import numpy as np

def posterior_mean(x_t, x_0, t, alphas):
    ab = np.concatenate([[1.0], np.cumprod(alphas)])
    a = alphas[t - 1]
    return (np.sqrt(a) * (1 - ab[t - 1]) * x_t + np.sqrt(ab[t - 1]) * (1 - a) * x_0) / (1 - ab[t])
'''

OFF_BY_ONE_VARIANCE = '''
def posterior_variance(t, alphas):
    ab = np.cumprod(alphas)              # ab[t - 1] is alpha_bar_t, not alpha_bar_{t-1}
    return (1 - alphas[t - 1]) * (1 - ab[t - 1]) / (1 - ab[t])
'''


def _write(path, cells, exercises=None):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    if exercises is not None:
        notebook.metadata["dgmbook"] = {"exercises": exercises}
    nbformat.write(notebook, path)
    return path


@needs_sandbox
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_blank_student_notebooks_pass_nothing(page, tmp_path):
    path = tmp_path / f"{page.stem}.ipynb"
    nbformat.write(student_notebook(page), path)
    submission = grade.grade_notebook(path)
    assert submission.error is None, submission.error
    assert list(submission.results) == exercises_of(page.stem[:2])
    assert submission.passed == 0 and submission.total >= 2
    for result in submission.results.values():
        assert result["status"] == "not implemented", result["message"]


@needs_sandbox
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_notebooks_filled_with_the_references_pass_everything(page):
    submission = grade.grade_notebook(page.with_suffix(".ipynb"))
    assert submission.error is None, submission.error
    assert submission.total == len(exercises_of(page.stem[:2]))
    assert submission.passed == submission.total, submission.results


@needs_sandbox
def test_a_hostile_submission_loses_its_own_marks_and_nothing_else(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    sentinel = folder / "other_student.ipynb"
    sentinel.write_text("{}")
    path = _write(folder / "hostile.ipynb", [
        "def broken(:\n    pass",                                          # a syntax error
        "import os\nfor name in os.listdir('.'):\n    os.remove(name)",   # deletes its working folder
        "while True:\n    pass",                                         # never ends
        CORRECT_MEAN,
        OFF_BY_ONE_VARIANCE,
        "def q_sample(x_0, t, alphas, eps):\n    while True:\n        pass",  # never returns
    ], exercises=exercises_of("q4"))
    submission = grade.grade_notebook(path, cell_timeout=5, notebook_timeout=60)
    assert sentinel.exists() and path.exists()
    results = submission.results
    assert results["q4-posterior-mean"]["passed"]
    assert "one step off" in results["q4-posterior-variance"]["message"]
    assert results["q4-q-sample"]["status"] == "timeout"
    assert submission.passed == 1 and submission.total == 3
    assert any("SyntaxError" in line for line in submission.cell_errors)
    assert len(submission.cell_errors) >= 2  # the syntax error and the interrupted loop
    table = grade.format_table([submission])
    assert "pass" in table and "1/3 passed" in table


@needs_sandbox
def test_the_command_grades_every_file_and_prints_a_json_gradebook(tmp_path):
    not_a_notebook = tmp_path / "garbage.ipynb"
    not_a_notebook.write_text("this is not json")
    dies = _write(tmp_path / "dies.ipynb", ["import os\nos._exit(3)", CORRECT_MEAN], exercises_of("q4"))
    trimmed = _write(tmp_path / "trimmed.ipynb", [CORRECT_MEAN], ["q4-posterior-mean"])
    good = _write(tmp_path / "good.ipynb", [CORRECT_MEAN, 'check("q4-posterior-mean", posterior_mean)'])
    proc = subprocess.run([sys.executable, "-m", "dgmbook.grade", "--json", "--cell-timeout", "20",
                           str(not_a_notebook), str(dies), str(tmp_path / "missing.ipynb"), str(good),
                           str(trimmed)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    book = {Path_name(entry["notebook"]): entry for entry in json.loads(proc.stdout)}
    assert "not a readable notebook" in book["garbage.ipynb"]["error"]
    assert book["garbage.ipynb"]["passed"] == 0
    # The cell that ends its process is skipped; the function defined after it is graded.
    assert book["dies.ipynb"]["passed"] == 1 and book["dies.ipynb"]["total"] == 3
    assert any("cell 1" in line for line in book["dies.ipynb"]["cell_errors"])
    assert book["missing.ipynb"]["error"] == "no such file"
    # Graded on the whole chapter of the exercise its check() cell names, found without metadata;
    # a notebook whose metadata lists one exercise is graded on its whole chapter too.
    assert book["good.ipynb"]["passed"] == 1 and book["good.ipynb"]["total"] == 3
    assert book["trimmed.ipynb"]["passed"] == 1 and book["trimmed.ipynb"]["total"] == 3
    assert isinstance(book["good.ipynb"]["seed"], int)


def Path_name(text: str) -> str:  # noqa: N802 - reads like the pathlib attribute it stands for
    return text.replace("\\", "/").rsplit("/", 1)[-1]


def test_the_table_names_each_exercise_and_the_diagnosis():
    sub = grade.Submission("a.ipynb", results={
        "q4-posterior-mean": {"passed": True, "status": "pass", "message": "✓ q4-posterior-mean: correct"},
        "q4-q-sample": {"passed": False, "status": "mistake",
                        "message": "✗ q4-q-sample: ᾱ is indexed one step off"},
    })
    table = grade.format_table([sub, grade.Submission("b.ipynb", error="not a readable notebook")])
    lines = table.splitlines()
    assert lines[0].split() == ["notebook", "exercise", "result"]
    assert any("q4-posterior-mean" in line and line.rstrip().endswith("pass") for line in lines)
    assert any("q4-q-sample" in line and "ᾱ is indexed one step off" in line for line in lines)
    assert "a.ipynb: 1/2 passed" in table and "0 marks: not a readable notebook" in table


def test_without_a_sandbox_the_grader_refuses_unless_told_unsafe(tmp_path, monkeypatch, capsys):
    good = _write(tmp_path / "good.ipynb", [CORRECT_MEAN], exercises_of("q4"))
    monkeypatch.setattr(grade, "sandbox_problem", lambda: "bubblewrap is not installed")
    assert grade.main([str(good)]) == 2
    err = capsys.readouterr().err
    assert "refusing to grade: bubblewrap is not installed" in err and "--unsafe" in err
    with pytest.raises(grade.SandboxUnavailable, match="bubblewrap is not installed"):
        grade.grade_notebook(good)
    assert grade.main([str(good), "--unsafe", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "WITHOUT the sandbox" in err
    assert json.loads(out)[0]["passed"] == 1


@needs_sandbox
def test_a_chapter_given_by_the_instructor_overrides_the_notebook(tmp_path):
    path = _write(tmp_path / "nb.ipynb", [CORRECT_MEAN], ["q2-fisher-mc"])
    submission = grade.grade_notebook(path, chapter="q4", cell_timeout=20)
    assert list(submission.results) == exercises_of("q4") and submission.passed == 1
