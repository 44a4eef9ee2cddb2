"""Bad input for dgmbook.book (the chapters' helpers)."""

import numpy as np

from bad_input import bad
from dgmbook import book

CASES = {
    "glue": [
        bad(lambda: book.glue(3, 1.0), TypeError, "name", "string"),
        bad(lambda: book.glue(None, 1.0), TypeError, "name", "string"),
        bad(lambda: book.glue("", 1.0), ValueError, "name", "identifier"),
        bad(lambda: book.glue("q2 key", 1.0), ValueError, "name", "identifier"),
        bad(lambda: book.glue("q2-key", 1.0), ValueError, "name", "identifier"),
        bad(lambda: book.glue("q2_key", 1.0, display="False"), TypeError, "display", "True or False"),
        bad(lambda: book.glue("q2_key", 1.0, display=1), TypeError, "display", "True or False"),
    ],
}

EXEMPT = {
    "use_book_style": "takes no argument",
}

VALID = [
    lambda: book.glue("q0_anything", object()),     # any value may be glued (numbers, text, figures)
    lambda: book.glue("q0_numpy_bool_flag", 1, display=np.False_),
]
