"""Bad input for dgmbook.exercises.engine (the verdict on a function behind a caller)."""

import numpy as np

from bad_input import bad
from dgmbook.exercises import EXERCISES, engine

EX = EXERCISES["q4-posterior-variance"]


def _call(kwargs, seconds):
    return engine.Outcome("ok", 0.0)


CASES = {
    "run_check": [
        bad(lambda: engine.run_check("q4-posterior-variance", _call), TypeError, "ex", "Exercise"),
        bad(lambda: engine.run_check(EX, "posterior_variance"), TypeError, "call"),
        bad(lambda: engine.run_check(EX, _call, seconds=0), ValueError, "seconds"),
        bad(lambda: engine.run_check(EX, _call, rng=3), TypeError, "rng", "Generator"),
    ],
    "local_caller": [
        bad(lambda: engine.local_caller(None), TypeError, "func"),
        bad(lambda: engine.local_caller("posterior_mean"), TypeError, "func"),
    ],
}

EXEMPT = {
    "Exercise": "a catalogue entry written in the package, not built from user input",
    "Mistake": "a catalogue entry written in the package, not built from user input",
    "CheckResult": "a record that the engine builds and returns",
    "Outcome": "a record that a caller builds from a call",
}

VALID = [lambda: engine.run_check(EX, _call, seconds=np.float64(1.0), rng=np.random.default_rng(0))]
