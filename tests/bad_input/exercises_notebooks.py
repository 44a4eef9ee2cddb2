"""Bad input for dgmbook.exercises.notebooks (the student edition)."""

from bad_input import bad
from dgmbook.build import ROOT
from dgmbook.exercises import notebooks

CASES = {
    "stub_source": [
        bad(lambda: notebooks.stub_source(b"def f(): pass"), TypeError, "source"),
        bad(lambda: notebooks.stub_source("print(1)\n"), ValueError, "source", "function"),
    ],
    "student_notebook": [
        bad(lambda: notebooks.student_notebook(None), TypeError, "source"),
        bad(lambda: notebooks.student_notebook(ROOT / "README.md"), ValueError, "source"),
    ],
}
