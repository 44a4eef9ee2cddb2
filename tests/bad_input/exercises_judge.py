"""Bad input for dgmbook.exercises.judge (the grader's judge)."""

from bad_input import bad
from dgmbook.exercises import judge

CASES = {
    "judge_cells": [
        bad(lambda: judge.judge_cells("x = 1", ["q4-q-sample"], sandboxed=False), TypeError, "cells"),
        bad(lambda: judge.judge_cells(["x = 1"], ["q9-none"], sandboxed=False), ValueError, "names"),
        bad(lambda: judge.judge_cells(["x = 1"], "q4-q-sample", sandboxed=False), ValueError, "names"),
    ],
}

EXEMPT = {"Verdict": "a record that the judge builds and returns"}
