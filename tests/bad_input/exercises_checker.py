"""Bad input for dgmbook.exercises.checker (the formative check)."""

from bad_input import bad
from dgmbook.exercises import checker


def _ok(t, alphas):
    return 0.0


CASES = {
    "check": [
        bad(lambda: checker.check("nope", _ok), ValueError, "name"),
        bad(lambda: checker.check("q4-posterior-variance", None), TypeError, "func"),
        bad(lambda: checker.check("q4-posterior-variance", _ok, time_limit=-1), ValueError, "time_limit"),
    ],
    "assert_all_passed": [
        bad(lambda: checker.assert_all_passed(3), TypeError, "prefix"),
        bad(lambda: checker.assert_all_passed("zz"), ValueError, "prefix"),
    ],
}
