"""Bad input for dgmbook.exercises.protocol (the data crossing the process boundary)."""

import numpy as np

from bad_input import bad
from dgmbook.exercises import protocol

CASES = {
    "dumps": [
        bad(lambda: protocol.dumps([1, 2]), TypeError, "message", "dict"),
        bad(lambda: protocol.dumps("op"), TypeError, "message"),
    ],
    "loads": [
        bad(lambda: protocol.loads('{"op": "x"}'), TypeError, "line", "bytes"),
        bad(lambda: protocol.loads(None), TypeError, "line"),
    ],
}

EXEMPT = {
    "ProtocolError": "the error class itself",
    "encode": "describes any value: what is not data becomes {'__unsupported__': type name}",
    "decode": "reads another process's data: anything malformed raises ProtocolError "
              "(tests/test_grade_hostile.py)",
}

VALID = [
    lambda: protocol.decode(protocol.encode((np.arange(3), np.float32(np.inf), [1j], {"a": 1}))),
    lambda: protocol.loads(protocol.dumps({"op": "x", "value": protocol.encode(np.zeros((0, 3)))})),
]
