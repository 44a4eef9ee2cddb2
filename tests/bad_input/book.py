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
    "figure_size": [
        bad(lambda: book.figure_size(0), ValueError, "ncols", ">= 1"),
        bad(lambda: book.figure_size(5), ValueError, "ncols", "<= 4"),
        bad(lambda: book.figure_size(2.0), TypeError, "ncols", "integer"),
        bad(lambda: book.figure_size(1, 0), ValueError, "nrows", ">= 1"),
        bad(lambda: book.figure_size(1, height=-1.0), ValueError, "height", "> 0"),
        bad(lambda: book.figure_size(1, height=12.0), ValueError, "height", "at most 9"),
    ],
    "figure": [
        bad(lambda: book.figure(3, figsize=(9, 3)), TypeError, "figsize"),
        bad(lambda: book.figure("2"), TypeError, "ncols", "integer"),
        bad(lambda: book.figure(2, FigureClass=object), TypeError, "FigureClass"),
    ],
    "phone_svg": [
        bad(lambda: book.phone_svg(None), TypeError, "fig", "matplotlib Figure"),
        bad(lambda: book.phone_svg("figure.svg"), TypeError, "fig", "matplotlib Figure"),
    ],
    "contrast_ratio": [
        bad(lambda: book.contrast_ratio("not-a-colour"), ValueError, "color", "matplotlib colour"),
        bad(lambda: book.contrast_ratio("C0", background=(2, 0)), ValueError, "background"),
        bad(lambda: book.contrast_ratio("k", dark_theme="yes"), TypeError, "dark_theme", "True or False"),
    ],
}

EXEMPT = {
    "use_book_style": "takes no argument",
}

VALID = [
    lambda: book.glue("q0_anything", object()),     # any value may be glued (numbers, text, figures)
    lambda: book.glue("q0_numpy_bool_flag", 1, display=np.False_),
    lambda: book.figure_size(np.int64(4), 2, height=np.float64(5.0)),
    lambda: book.contrast_ratio((0, 0, 0), "#ffffff", dark_theme=np.True_),
]
