"""Bad input for dgmbook.exercises (the Your-turn checker)."""

import numpy as np

from bad_input import bad
from dgmbook import exercises
from dgmbook.build import ROOT

PAGE = ROOT / "book" / "q4_your_turn.md"


def _ok(x_t, x_0, t, alphas):
    return x_0


CASES = {
    "check": [
        bad(lambda: exercises.check("q9-nothing", _ok), ValueError, "name", "q4-posterior-mean"),
        bad(lambda: exercises.check(4, _ok), ValueError, "name"),
        bad(lambda: exercises.check("q4-posterior-mean", "posterior_mean"), TypeError, "func", "callable"),
        bad(lambda: exercises.check("q4-posterior-mean", _ok, time_limit=0), ValueError, "time_limit", "> 0"),
        bad(lambda: exercises.check("q4-posterior-mean", _ok, time_limit="5"), TypeError, "time_limit"),
        bad(lambda: exercises.check("q4-posterior-mean", _ok, quiet="yes"), TypeError, "quiet", "True or"),
    ],
    "assert_all_passed": [
        bad(lambda: exercises.assert_all_passed(""), TypeError, "prefix"),
        bad(lambda: exercises.assert_all_passed(None), TypeError, "prefix"),
        bad(lambda: exercises.assert_all_passed("q9"), ValueError, "prefix", "q1"),
    ],
    "exercises_of": [
        bad(lambda: exercises.exercises_of(1), TypeError, "prefix"),
        bad(lambda: exercises.exercises_of("zz"), ValueError, "prefix", "matches no exercise"),
    ],
    "stub_source": [
        bad(lambda: exercises.stub_source(None), TypeError, "source", "string"),
        bad(lambda: exercises.stub_source("def f(:\n"), ValueError, "source", "valid Python"),
        bad(lambda: exercises.stub_source("x = 1\n"), ValueError, "source", "function"),
    ],
    "student_notebook": [
        bad(lambda: exercises.student_notebook(3), TypeError, "source", "path"),
        bad(lambda: exercises.student_notebook(PAGE.with_name("no_such_page.md")), ValueError, "source"),
    ],
}

EXEMPT = {
    "CheckResult": "a record that check() builds and returns; not constructed from user input",
}

VALID = [
    lambda: exercises.check("q4-posterior-mean", _ok, time_limit=np.float64(2.0), quiet=np.True_),
    lambda: exercises.check("q4-posterior-variance", lambda t, alphas: 1 / 0, quiet=True),  # reported
    lambda: exercises.student_notebook(str(PAGE)),
    lambda: exercises.stub_source("@staticmethod\ndef f(x):\n    return x\n"),  # no docstring
]
