"""Bad input for dgmbook.claims (the pages' checked claims)."""

import numpy as np

from bad_input import bad
from dgmbook import claims

CASES = {
    "claim": [
        bad(lambda: claims.claim(3, True), TypeError, "statement", "str"),
        bad(lambda: claims.claim("  ", True), ValueError, "statement", "empty"),
        bad(lambda: claims.claim("a fact", 1), TypeError, "holds", "bool"),
        bad(lambda: claims.claim("a fact", "True"), TypeError, "holds", "bool"),
        bad(lambda: claims.claim("a fact", True, detail=3), TypeError, "detail", "str"),
    ],
    "claim_below": [
        bad(lambda: claims.claim_below(None, 1.0, 2.0), TypeError, "statement", "str"),
        bad(lambda: claims.claim_below("x", np.ones(3), 2.0), ValueError, "measured", "single number"),
        bad(lambda: claims.claim_below("x", True, 2.0), TypeError, "measured", "bool"),
        bad(lambda: claims.claim_below("x", 1.0, np.inf), ValueError, "bound", "finite"),
        bad(lambda: claims.claim_below("x", 1.0, "2"), TypeError, "bound", "real number"),
        bad(lambda: claims.claim_below("x", 1j, 2.0), TypeError, "measured", "complex"),
        bad(lambda: claims.claim_below("x", 1.0, 2.0, unit=3), TypeError, "unit", "str"),
    ],
    "claim_above": [
        bad(lambda: claims.claim_above("", 1.0, 0.0), ValueError, "statement", "empty"),
        bad(lambda: claims.claim_above("x", [1.0, 2.0], 0.0), TypeError, "measured", "real number"),
        bad(lambda: claims.claim_above("x", 1.0, np.nan), ValueError, "bound", "finite"),
    ],
    "claim_close": [
        bad(lambda: claims.claim_close("x", [1.0], [1.0]), ValueError, "rtol", "both be 0"),
        bad(lambda: claims.claim_close("x", [1.0], [1.0], rtol=-1.0), ValueError, "rtol", ">= 0"),
        bad(lambda: claims.claim_close("x", [1.0], [1.0], atol=np.inf), ValueError, "atol", "finite"),
        bad(lambda: claims.claim_close("x", [1.0, 2.0], [1.0], rtol=0.1), ValueError, "actual", "same shape"),
        bad(lambda: claims.claim_close("x", [1j], [1.0], rtol=0.1), TypeError, "actual", "real"),
        bad(lambda: claims.claim_close("x", [1.0], ["a"], rtol=0.1), TypeError, "expected", "real"),
        bad(lambda: claims.claim_close(1, [1.0], [1.0], rtol=0.1), TypeError, "statement", "str"),
    ],
}

EXEMPT = {
    "claims_mode": "takes no argument (its input is the environment; tests/test_claims.py checks it)",
    "ClaimFailed": "an exception class, raised by the claims themselves",
    "ClaimResult": "made by the claims themselves, never by a caller",
}

VALID = [
    lambda: claims.claim_below("a numpy scalar against an int", np.float32(0.5), 1),
    lambda: claims.claim_close("empty arrays agree", [], [], rtol=1e-9),
]
