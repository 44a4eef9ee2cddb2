"""Bad input for dgmbook.grade (the grader of submitted notebooks)."""

import nbformat

from bad_input import bad
from dgmbook import grade

CASES = {
    "Submission": [
        bad(lambda: grade.Submission(3), TypeError, "notebook", "str"),
        bad(lambda: grade.Submission("a.ipynb", results=[]), TypeError, "results", "dict"),
        bad(lambda: grade.Submission("a.ipynb", error=1), TypeError, "error"),
        bad(lambda: grade.Submission("a.ipynb", cell_errors="x"), TypeError, "cell_errors"),
        bad(lambda: grade.Submission("a.ipynb", seed="7"), TypeError, "seed"),
    ],
    "exercises_in": [
        bad(lambda: grade.exercises_in("nb.ipynb"), TypeError, "notebook", "nbformat"),
        bad(lambda: grade.exercises_in(nbformat.v4.new_notebook(), chapter="q7"), ValueError, "chapter"),
        bad(lambda: grade.exercises_in(None), TypeError, "notebook"),
    ],
    "grade_notebook": [
        bad(lambda: grade.grade_notebook(None), TypeError, "path"),
        bad(lambda: grade.grade_notebook("/no/such/notebook.ipynb"), ValueError, "path", "existing"),
        bad(lambda: grade.grade_notebook(__file__, cell_timeout=0), ValueError, "cell_timeout", "> 0"),
        bad(lambda: grade.grade_notebook(__file__, notebook_timeout=-1), ValueError, "notebook_timeout"),
        bad(lambda: grade.grade_notebook(__file__, chapter="q9"), ValueError, "chapter", "q1"),
        bad(lambda: grade.grade_notebook(__file__, unsafe="yes"), TypeError, "unsafe"),
        bad(lambda: grade.grade_notebook(__file__, seed=1.5), TypeError, "seed"),
        bad(lambda: grade.grade_notebook(__file__, time_limit=0), ValueError, "time_limit"),
        bad(lambda: grade.grade_notebook(__file__, memory_mb=-5), ValueError, "memory_mb"),
    ],
    "format_table": [
        bad(lambda: grade.format_table("report"), TypeError, "submissions"),
        bad(lambda: grade.format_table([{"notebook": "a"}]), TypeError, "submissions", "Submission"),
    ],
    "main": [
        bad(lambda: grade.main("nb.ipynb"), TypeError, "argv", "list of strings"),
        bad(lambda: grade.main(["nb.ipynb", 3]), TypeError, "argv"),
    ],
}

EXEMPT = {
    "Submission.to_dict": "takes no argument",
}

VALID = [
    lambda: grade.exercises_in(nbformat.v4.new_notebook()),  # no exercise: an empty list
    lambda: grade.format_table([grade.Submission("a.ipynb", error="no such file")]),
    lambda: grade.format_table([]),
]
