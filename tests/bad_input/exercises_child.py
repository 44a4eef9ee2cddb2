"""Bad input for dgmbook.exercises.child (where a student's code runs)."""

from bad_input import bad
from dgmbook.exercises import child

CASES = {
    "Channel": [
        bad(lambda: child.Channel("0", 1), TypeError, "read_fd", "file descriptors"),
        bad(lambda: child.Channel(0, None), TypeError, "write_fd"),
    ],
    "serve_call": [
        bad(lambda: child.serve_call(None, {}, child.Channel(0, 1)), TypeError, "func", "callable"),
        bad(lambda: child.serve_call(print, [1], child.Channel(0, 1)), TypeError, "kwargs", "dict"),
    ],
}

EXEMPT = {
    "Channel.send": "sends a message the package itself builds",
    "Channel.receive": "takes no argument",
    "fingerprint": "describes any object: None for what is not a function",
}

VALID = [lambda: child.fingerprint(len), lambda: child.fingerprint(lambda x: x)]
