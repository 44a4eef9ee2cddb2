"""Bad input for dgmbook.explorable (figures a reader can move)."""

import numpy as np

from bad_input import bad
from dgmbook import explorable

X = np.linspace(0, 1, 5)
VALUES = np.array([1.0, 2.0])
FRAMES = [{"c": (X, v * X)} for v in VALUES]
ALT = "A line whose slope grows as the slider raises v from 1 to 2, through the origin."


def fig(**kw):
    args = dict(frames=FRAMES, parameter="slope v", values=VALUES, x="x", y="y", title="Lines.",
                alt=ALT, static_values=[1.0])
    args.update(kw)
    return explorable.slider_figure(args.pop("frames"), **args)


CASES = {
    "slider_figure": [
        bad(lambda: fig(frames={"c": (X, X)}), TypeError, "frames", "list"),
        bad(lambda: fig(frames=FRAMES[:1]), ValueError, "frames", "one frame per value"),
        bad(lambda: fig(frames=[{"c": (X, X)}, {"d": (X, X)}]), ValueError, "frames[1]", "same series"),
        bad(lambda: fig(frames=[{"c": (X, X)}, {"c": X}]), TypeError, "frames[1]", "(x, y)"),
        bad(lambda: fig(frames=[{"c": (X, X)}, {"c": (X, X[:3])}]), ValueError, "frames[1]", "same length"),
        bad(lambda: fig(frames=[{"c": (X, X)}, {"c": (X, X * np.nan)}]), ValueError, "frames[1]", "finite"),
        bad(lambda: fig(frames=[{"c": (X, X)}, {3: (X, X)}]), TypeError, "frames[1]", "series names"),
        bad(lambda: fig(values=[2.0, 1.0]), ValueError, "values", "increasing"),
        bad(lambda: fig(values=[1.0]), ValueError, "values", "2 to"),
        bad(lambda: fig(values="12"), TypeError, "values"),
        bad(lambda: fig(parameter=""), ValueError, "parameter"),
        bad(lambda: fig(parameter=None), TypeError, "parameter", "string"),
        bad(lambda: fig(alt="a line"), ValueError, "alt", "40 characters"),
        bad(lambda: fig(alt=3), TypeError, "alt", "string"),
        bad(lambda: fig(title=""), ValueError, "title"),
        bad(lambda: fig(static_values=[1.5]), ValueError, "static_values", "exactly"),
        bad(lambda: fig(static_values=[2.0, 1.0]), ValueError, "static_values", "increasing"),
        bad(lambda: fig(initial=3.0), ValueError, "initial"),
        bad(lambda: fig(labels=["one"]), ValueError, "labels", "one label per value"),
        bad(lambda: fig(labels="ab"), TypeError, "labels"),
        bad(lambda: fig(fixed={"c": (X, X)}), ValueError, "fixed", "names of their own"),
        bad(lambda: fig(panels={"a": ["c", "d"]}), ValueError, "panels", "not a series"),
        bad(lambda: fig(fixed={"d": (X, X)}, panels={"a": ["c"]}), ValueError, "panels", "not placed"),
        bad(lambda: fig(panels={"a": "c"}), TypeError, "panels"),
        bad(lambda: fig(marks={"c": "bar"}), ValueError, "marks", "line"),
        bad(lambda: fig(marks={"d": "line"}), ValueError, "marks", "not a series"),
        bad(lambda: fig(y_domain=(1, 0)), ValueError, "y_domain", "low < high"),
        bad(lambda: fig(x_domain=(0, 1, 2)), ValueError, "x_domain", "shape"),
        bad(lambda: fig(y_scale="logit"), ValueError, "y_scale", "'log'"),
        bad(lambda: fig(y_scale="log"), ValueError, "y_scale", "> 0"),
        bad(lambda: fig(y={"nope": "y"}), ValueError, "y", "unknown panels"),
        bad(lambda: fig(x={"": "x", "b": "x"}), ValueError, "x", "unknown panels"),
        bad(lambda: fig(x=None), TypeError, "x", "string"),
        bad(lambda: fig(x_scale="log"), ValueError, "x_scale", "> 0"),
        bad(lambda: fig(x_scale={"": "exp"}), ValueError, "x_scale", "'log'"),
        bad(lambda: fig(height=50), ValueError, "height"),
        bad(lambda: fig(height=2.5), TypeError, "height"),
        bad(lambda: fig(name="Q1 figure"), ValueError, "name", "lower-case"),
        bad(lambda: fig(name=1), TypeError, "name", "string"),
    ],
    "Explorable.data_at": [
        bad(lambda: fig().data_at(1.5), ValueError, "value", "one of the figure's values"),
        bad(lambda: fig().data_at("1"), TypeError, "value", "number"),
        bad(lambda: fig().data_at(True), TypeError, "value", "number"),
    ],
}

EXEMPT = {
    "Explorable": "made by slider_figure, which checks its input (its constructor is keyword-only)",
    "Explorable.to_html": "takes no argument",
    "MARKS": "a constant",
}

VALID = [
    lambda: fig(values=[np.int64(1), np.int64(2)], static_values=[np.int64(2)]),  # integer values
    lambda: fig(frames=[{"c": ([0, 1], [0, 1])}, {"c": ([0], [2])}]),  # lists, frames of other lengths
    lambda: fig(y_domain={"": (0, 3)}),  # a domain for the one (untitled) panel
]
