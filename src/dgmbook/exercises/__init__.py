"""The "Your turn" exercises: a catalogue of exercises and of the known conceptual mistakes, a
checker for the student, and a judge for the grader.

A student implements the key formula of a question, then calls :func:`check`::

    check("q4-posterior-mean", posterior_mean)

The checker calls the student's function on a few inputs and compares it with the book's own tested
code (the chapter modules of this package) and with properties of the formula (limits, finite
differences, invariances). It prints one line: a pass, or the first failure with the input, the
expected and the received value; a **catalogued mistake** (the CD chain started away from the data,
:math:`\\nu` missing from the NCE classifier, a derivative in :math:`\\sigma` instead of
:math:`\\sigma^2`, ...) is named in words.

The parts:

- :mod:`~dgmbook.exercises.engine` -- the verdict on a function reached through a *caller*: cases,
  reference, tolerances, mistakes, properties, diagnoses;
- :mod:`~dgmbook.exercises.q1` ... :mod:`~dgmbook.exercises.q4` -- one catalogue module per question,
  gathered by :mod:`~dgmbook.exercises.catalogue`;
- :mod:`~dgmbook.exercises.checker` -- the formative :func:`check` (each call in a forked process);
- :mod:`~dgmbook.exercises.protocol` and :mod:`~dgmbook.exercises.child` -- the data that crosses the
  process boundary, and the side of it where student code runs;
- :mod:`~dgmbook.exercises.sandbox` and :mod:`~dgmbook.exercises.judge` -- the grader's sandboxed
  child (bubblewrap, resource limits, a wall clock) and the judge that marks its outputs;
- :mod:`~dgmbook.exercises.notebooks` -- the student edition's stubs and notebooks.
"""

from dgmbook.exercises.catalogue import EXERCISES, exercises_of
from dgmbook.exercises.checker import assert_all_passed, check
from dgmbook.exercises.engine import CheckResult
from dgmbook.exercises.notebooks import stub_source, student_notebook

__all__ = [
    "EXERCISES",
    "CheckResult",
    "check",
    "assert_all_passed",
    "exercises_of",
    "stub_source",
    "student_notebook",
]
