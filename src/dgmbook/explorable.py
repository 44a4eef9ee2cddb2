"""Figures a reader can move: a slider over precomputed frames, with a static image for print.

Publishing machinery, not mathematics: a chapter computes the frames with the package (one frame
per value of a parameter, exactly as it computes any other figure), and :func:`slider_figure` turns
them into one output that works everywhere the book is read:

- on the **web page**, a figure whose control (a native ``<input type="range">`` with a
  ``<label>``, operable by mouse, touch and keyboard, its value announced to screen readers) switches
  between the frames; ``book/_ext/explorable.py`` loads the plotting library on the pages that hold
  such a figure, and only there;
- in the **PDF**, in a notebook, or without JavaScript, a static image: the same panels drawn by
  matplotlib in the book's style at a few chosen values (``static_values``), with a caption saying
  that the web page has the interactive version.

The browser computes nothing: it only filters the frames, so what it plots is exactly the arrays the
chapter passed (:meth:`Explorable.data_at` reads them back from the figure, for the page's checks).

The plotting library is **Vega-Lite**, drawn by vega-embed (vega 5.33.1, vega-lite 5.23.0,
vega-embed 6.29.0, BSD-3-Clause). Measured (``npm pack``, minified builds): vega 515 KB, vega-lite
252 KB, vega-embed 61 KB, 828 KB in all, loaded only on pages with an explorable figure. It was
chosen over plotly.js (the "basic" bundle alone is 1.07 MB, and its sliders are drawn in SVG, not
keyboard-operable) and Bokeh (1.4 MB of JavaScript, and a 6.9 MB Python wheel to add to the
book's dependencies). Vega-Lite draws SVG (its marks can be read back by the page test), sizes a
chart to its container, and takes its specification as plain JSON, written here as Python dicts:
no Python dependency is added (Altair would add one, for a specification this small). A test page
with the book's theme and one explorable weighs 1.36 MB as served compressed (gzip, as GitHub Pages
serves it; 3.5 MB uncompressed), under the 2.5 MB a page may weigh. The three files are vendored
in the repository (``book/_ext/explorable_static/vendor/vega``, with their licences and
checksums), so that the book builds from a fresh clone with Python alone, offline, and the site
loads nothing from a CDN.

Example
-------
A chapter's whole cell (the checks of the frames' numbers go, folded, under it, like any figure's):

>>> import numpy as np
>>> from dgmbook.explorable import slider_figure
>>> x = np.linspace(-3, 3, 61)
>>> nus = np.array([0.5, 1.0, 2.0, 4.0])
>>> fig = slider_figure(
...     [{"D(x)": (x, 1 / (1 + nu * np.exp(-x)))} for nu in nus],
...     parameter="noise ratio ν", symbol="ν", values=nus, x="x", y="D(x)",
...     title="The classifier D(x) as the noise ratio ν grows.",
...     alt="A sigmoid curve D(x) that moves right as the slider raises ν from 0.5 to 4.",
...     static_values=[0.5, 4.0])
>>> np.array_equal(fig.data_at(2.0)["D(x)"][1], 1 / (1 + 2.0 * np.exp(-x)))
True

The cell's output (``fig`` as its last line) is the figure.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np

from dgmbook.book import PALETTE
from dgmbook.validation import as_float_array, check_int

__all__ = ["Explorable", "slider_figure", "MARKS"]

#: The kinds of mark a series can be drawn with: a line, a step line (histogram-like, the steps
#: centred on the x values), points, or an area down to zero (a density).
MARKS = ("line", "step", "point", "area")
#: The book's colours, in the order of its colour cycle (:data:`dgmbook.book.PALETTE`, the
#: ``book.mplstyle`` cycle: safe for colour-blind readers, contrast >= 3:1 on white).
COLOURS = PALETTE
#: Largest specification one figure may carry, in bytes of JSON: a page with an explorable must
#: stay under 2.5 MB with its scripts (about 0.8 MB for the plotting library, up to 0.9 MB for a
#: page of the book today).
MAX_SPEC_BYTES = 600_000
#: Most frames (values of the parameter) and static panels one figure may have.
MAX_FRAMES = 201
MAX_STATIC = 4
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,63}$")
_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


class Explorable:
    """A figure with a slider over precomputed frames; build it with :func:`slider_figure`.

    Its rich display (``_repr_html_``) is the whole figure: a ``<figure class="dgm-explorable">``
    holding the static image, the caption and the Vega-Lite specification as JSON.

    Attributes
    ----------
    name : str
        The figure's identifier (``id="dgm-explorable-<name>"`` on the page).
    spec : dict
        The Vega-Lite specification (a copy); ``spec["usermeta"]["dgmExplorable"]`` holds the
        parameter's label, its values, their labels and the first frame shown.
    static_png : bytes
        The static image (PNG): the panels at ``static_values``.
    values : numpy.ndarray
        The parameter's values, one per frame, in the slider's order.
    alt, title : str
        The alt text (what moving the control shows) and the caption.
    """

    def __init__(self, *, name: str, spec: dict, static_png: bytes, values: np.ndarray, alt: str,
                 title: str, note: str):
        self._name = name
        self._spec_json = _dumps(spec)
        self._static_png = static_png
        self._values = np.array(values, dtype=float)
        self._alt = alt
        self._title = title
        self._note = note

    @property
    def name(self) -> str:
        return self._name

    @property
    def spec(self) -> dict:
        return json.loads(self._spec_json)

    @property
    def static_png(self) -> bytes:
        return self._static_png

    @property
    def values(self) -> np.ndarray:
        return self._values.copy()

    @property
    def alt(self) -> str:
        return self._alt

    @property
    def title(self) -> str:
        return self._title

    def data_at(self, value) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The arrays the figure plots when the parameter is ``value``, read back from its spec.

        Parameters
        ----------
        value : float
            One of :attr:`values` (exactly).

        Returns
        -------
        dict of str to (numpy.ndarray, numpy.ndarray)
            Each series drawn at that value (those that change with the parameter and those that do
            not) to its ``(x, y)``, as plotted.
        """
        number = (int, float, np.integer, np.floating)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, number):
            raise TypeError(f"value must be a number, one of the figure's values, got {type(value).__name__}")
        hits = np.flatnonzero(self._values == float(value))
        if hits.size == 0:
            raise ValueError(f"value must be one of the figure's values {self._values.tolist()}, "
                             f"got {value!r}")
        frame = int(hits[0])
        rows = self.spec["data"]["values"]
        return {row["series"]: (np.array(row["x"], dtype=float), np.array(row["y"], dtype=float))
                for row in rows if row["frame"] is None or row["frame"] == frame}

    def to_html(self) -> str:
        """The figure as HTML: static image, caption, and the specification for the browser."""
        png = base64.b64encode(self._static_png).decode("ascii")
        # Inside <script>, "</" would end the element: JSON allows the escape \u003c for "<".
        spec = self._spec_json.replace("<", "\\u003c")
        esc = html.escape
        return (
            f'<figure class="dgm-explorable" id="dgm-explorable-{self._name}" '
            f'data-dgm-explorable="{self._name}">\n'
            f'<div class="dgm-explorable-static"><img src="data:image/png;base64,{png}" '
            f'alt="{esc(self._alt)}"></div>\n'
            '<div class="dgm-explorable-live" hidden></div>\n'
            f'<figcaption><span class="dgm-explorable-title">{esc(self._title)}</span> '
            f'<span class="dgm-explorable-note">{esc(self._note)}</span></figcaption>\n'
            f'<script type="application/json" class="dgm-explorable-spec">{spec}</script>\n'
            "</figure>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return (f"<Explorable {self._name!r}: {self._values.size} frames, "
                f"{len(self._spec_json) / 1000:.0f} KB of data>")


def _dumps(spec: dict) -> str:
    # allow_nan=False: a NaN would reach the page as invalid JSON (the input is checked finite).
    return json.dumps(spec, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _text(name: str, value: Any, *, minimum: int = 1) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if len(value.strip()) < minimum:
        raise ValueError(f"{name} must be a text of at least {minimum} characters, got {value!r}")
    return value.strip()


def _series_arrays(where: str, series: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Check ``series`` (a mapping of name to (x, y)) and return it with float arrays."""
    if not isinstance(series, Mapping):
        raise TypeError(f"{where} must be a dict of series name to (x, y), got {type(series).__name__}")
    if not series:
        raise ValueError(f"{where} must hold at least one series")
    out = {}
    for key, pair in series.items():
        if not isinstance(key, str) or not key.strip():
            raise TypeError(f"{where} keys must be non-empty series names (str), got {key!r}")
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"{where}[{key!r}] must be a pair (x, y) of 1-d arrays")
        x = as_float_array(f"{where}[{key!r}] x", pair[0], ndim=1)
        y = as_float_array(f"{where}[{key!r}] y", pair[1], ndim=1)
        if x.shape != y.shape:
            raise ValueError(f"{where}[{key!r}]: x and y must have the same length, "
                             f"got {x.size} and {y.size}")
        out[key] = (x, y)
    return out


def _exact_members(name: str, given: Any, values: np.ndarray) -> list[int]:
    arr = as_float_array(name, given, ndim=1)
    indices = []
    for v in arr:
        hits = np.flatnonzero(values == v)
        if hits.size == 0:
            raise ValueError(f"{name} must hold values of the parameter (exactly, one of "
                             f"{values.tolist()}), got {v!r}")
        indices.append(int(hits[0]))
    if len(set(indices)) != len(indices) or indices != sorted(indices):
        raise ValueError(f"{name} must be increasing and without repeats, got {arr.tolist()}")
    return indices


def _per_panel(name: str, value: Any, panels: list[str], check) -> dict[str, Any]:
    """``value`` for every panel: one value for all, or a dict panel -> value (missing: None)."""
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in panels]
        if unknown:
            raise ValueError(f"{name} names unknown panels {unknown}; the panels are {panels}")
        return {p: (check(f"{name}[{p!r}]", value[p]) if p in value else None) for p in panels}
    checked = check(name, value) if value is not None else None
    return dict.fromkeys(panels, checked)


def _domain(name: str, value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    pair = as_float_array(name, value, shape=(2,))
    if not pair[0] < pair[1]:
        raise ValueError(f"{name} must be (low, high) with low < high, got {pair.tolist()}")
    return float(pair[0]), float(pair[1])


def _scale(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if value not in ("linear", "log"):
        raise ValueError(f"{name} must be 'linear' or 'log', got {value!r}")
    return value


def _label(name: str, value: Any) -> str:
    return _text(name, value)


def _auto_domain(arrays: list[np.ndarray], log: bool) -> tuple[float, float]:
    data = np.concatenate(arrays)
    if log:
        data = np.log10(data)
    lo, hi = float(data.min()), float(data.max())
    pad = 0.04 * (hi - lo) if hi > lo else max(abs(lo), 1.0) * 0.1
    lo, hi = lo - pad, hi + pad
    return (10.0**lo, 10.0**hi) if log else (lo, hi)


def slider_figure(
    frames: Sequence[Mapping[str, tuple[Any, Any]]],
    *,
    parameter: str,
    values: Any,
    x: str | Mapping[str, str],
    y: str | Mapping[str, str],
    title: str,
    alt: str,
    static_values: Any,
    symbol: str | None = None,
    labels: Sequence[str] | None = None,
    fixed: Mapping[str, tuple[Any, Any]] | None = None,
    panels: Mapping[str, Sequence[str]] | None = None,
    marks: Mapping[str, str] | None = None,
    colours: Mapping[str, str] | None = None,
    initial: float | None = None,
    x_domain: Any = None,
    y_domain: Any = None,
    y_scale: str | Mapping[str, str] | None = None,
    x_scale: str | Mapping[str, str] | None = None,
    height: int = 220,
    name: str | None = None,
) -> Explorable:
    """A figure whose slider moves a parameter through precomputed frames.

    Parameters
    ----------
    frames : sequence of dict of str to (array_like, array_like)
        One frame per value of the parameter, in the order of ``values``: each maps a series name
        (the legend's label) to its ``(x, y)``, two 1-d finite arrays of one length. Every frame
        has the same series; their points may differ in number from frame to frame.
    parameter : str
        The control's label, e.g. ``"noise ratio ν"`` (Unicode, not TeX: it is plain text).
    values : array_like, shape (n_frames,)
        The parameter's values, strictly increasing, 2 to 201 of them; the slider steps through
        them in order (evenly, whatever their spacing).
    x, y : str or dict of str to str
        The x and y axes' titles, or one per panel.
    title : str
        The caption.
    alt : str
        The alt text (at least 40 characters): what the figure shows and what moving the control
        changes. It is the static image's ``alt`` and the interactive chart's description.
    static_values : array_like
        1 to 4 of ``values`` (exactly) at which the static image draws its panels, increasing.
    symbol : str, optional
        The parameter's symbol in value labels (``"ν = 0.5"``); ``parameter`` by default.
    labels : sequence of str, optional
        The text shown and announced for each value; ``"<symbol> = <value:.4g>"`` by default. The
        static panels are titled in that short form; custom labels of the static values are
        quoted in the caption.
    fixed : dict of str to (array_like, array_like), optional
        Series that do not change with the parameter (a reference curve, e.g. a limit law), drawn in
        every frame and stored once.
    panels : dict of str to list of str, optional
        The panels (stacked on a phone, side by side on a wider screen), each titled by its key and
        holding the named series; every series in exactly one panel. One untitled panel by default.
    marks : dict of str to str, optional
        A series' mark, one of :data:`MARKS`; ``"line"`` by default.
    colours : dict of str to str, optional
        A series' colour, one of :data:`COLOURS` (e.g. to give one quantity the same colour in
        every panel); by default each series takes the next colour of the book's cycle.
    initial : float, optional
        The value shown first on the web page (one of ``values``); the first static value by default.
    x_domain, y_domain : (float, float) or dict of str to (float, float), optional
        Fixed axis ranges (for all panels, or per panel); by default the range of every frame, so
        that the axes stay still while the data move.
    y_scale, x_scale : {"linear", "log"} or dict of str to str, optional
        The axes' scales (for all panels, or per panel); ``"linear"`` by default.
    height : int
        Height of each panel's plot area in pixels (120 to 600).
    name : str, optional
        Identifier of the figure on its page (lower-case letters, digits, hyphens); by default a
        digest of its content.

    Returns
    -------
    Explorable
        Display it (the last expression of a cell) to put the figure on the page.
    """
    parameter = _text("parameter", parameter)
    symbol = parameter if symbol is None else _text("symbol", symbol)
    title = _text("title", title)
    alt = _text("alt", alt, minimum=40)
    vals = as_float_array("values", values, ndim=1)
    if not 2 <= vals.size <= MAX_FRAMES:
        raise ValueError(f"values must hold 2 to {MAX_FRAMES} values, got {vals.size}")
    if not np.all(np.diff(vals) > 0):
        raise ValueError(f"values must be strictly increasing, got {vals.tolist()}")
    if isinstance(frames, (str, bytes, Mapping)) or not isinstance(frames, Sequence):
        raise TypeError("frames must be a list with one dict of series per value, "
                        f"got {type(frames).__name__}")
    if len(frames) != vals.size:
        raise ValueError(f"frames must hold one frame per value: {len(frames)} frames for {vals.size} values")
    checked = [_series_arrays(f"frames[{k}]", frame) for k, frame in enumerate(frames)]
    names = list(checked[0])
    for k, frame in enumerate(checked):
        if set(frame) != set(names):
            raise ValueError(f"frames[{k}] must hold the same series as frames[0] ({names}), "
                             f"got {list(frame)}")
    steady = {} if fixed is None else _series_arrays("fixed", fixed)
    clash = sorted(set(steady) & set(names))
    if clash:
        raise ValueError(f"fixed series must have names of their own; also in frames: {clash}")
    all_series = names + list(steady)

    if labels is None:
        value_labels = [f"{symbol} = {v:.4g}" for v in vals]
    else:
        if isinstance(labels, str) or not isinstance(labels, Sequence):
            raise TypeError(f"labels must be a list of str, one per value, got {type(labels).__name__}")
        if len(labels) != vals.size:
            raise ValueError(f"labels must hold one label per value ({vals.size}), got {len(labels)}")
        value_labels = [_text(f"labels[{k}]", lab) for k, lab in enumerate(labels)]
    static_idx = _exact_members("static_values", static_values, vals)
    if not 1 <= len(static_idx) <= MAX_STATIC:
        raise ValueError(f"static_values must hold 1 to {MAX_STATIC} values, got {len(static_idx)}")
    first = static_idx[0] if initial is None else _exact_members("initial", [initial], vals)[0]

    if panels is None:
        panel_of = dict.fromkeys(all_series, "")
        panel_names = [""]
    else:
        if not isinstance(panels, Mapping) or not panels:
            raise TypeError("panels must be a dict of panel title to a list of series names")
        panel_of = {}
        panel_names = []
        for key, members in panels.items():
            key = _text("panels keys", key)
            if isinstance(members, str) or not isinstance(members, Sequence) or not members:
                raise TypeError(f"panels[{key!r}] must be a non-empty list of series names")
            for member in members:
                if member not in all_series:
                    raise ValueError(f"panels[{key!r}] names {member!r}, which is not a series; "
                                     f"the series are {all_series}")
                if member in panel_of:
                    raise ValueError(f"panels: series {member!r} is in more than one panel")
                panel_of[member] = key
            panel_names.append(key)
        left = [s for s in all_series if s not in panel_of]
        if left:
            raise ValueError(f"panels must place every series; not placed: {left}")
    mark_of = dict.fromkeys(all_series, "line")
    if marks is not None:
        if not isinstance(marks, Mapping):
            raise TypeError(f"marks must be a dict of series name to a mark, got {type(marks).__name__}")
        for key, kind in marks.items():
            if key not in all_series:
                raise ValueError(f"marks names {key!r}, which is not a series; the series are {all_series}")
            if kind not in MARKS:
                raise ValueError(f"marks[{key!r}] must be one of {MARKS}, got {kind!r}")
            mark_of[key] = kind
    colour_of = {s: COLOURS[i % len(COLOURS)] for i, s in enumerate(all_series)}
    if colours is not None:
        if not isinstance(colours, Mapping):
            raise TypeError("colours must be a dict of series name to a colour, "
                            f"got {type(colours).__name__}")
        for key, value in colours.items():
            if key not in all_series:
                raise ValueError(f"colours names {key!r}, which is not a series; the series are {all_series}")
            if value not in COLOURS:
                raise ValueError(f"colours[{key!r}] must be one of the book's colours {COLOURS}, "
                                 f"got {value!r}")
            colour_of[key] = value
    titles = {}
    for axis, given in (("x", x), ("y", y)):
        if isinstance(given, Mapping):
            titles[axis] = _per_panel(axis, given, panel_names, _label)
            if any(v is None for v in titles[axis].values()):
                raise ValueError(f"{axis} must give a title for every panel {panel_names}")
        else:
            titles[axis] = dict.fromkeys(panel_names, _text(axis, given))
    x_titles, y_titles = titles["x"], titles["y"]
    x_domains = _per_panel("x_domain", x_domain, panel_names, _domain)
    y_domains = _per_panel("y_domain", y_domain, panel_names, _domain)
    y_scales = _per_panel("y_scale", y_scale, panel_names, _scale)
    x_scales = _per_panel("x_scale", x_scale, panel_names, _scale)
    height = check_int("height", height, minimum=120, maximum=600)
    if name is not None:
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__}")
        if not _NAME.match(name):
            raise ValueError(f"name must be lower-case letters, digits and hyphens (starting with a "
                             f"letter, at most 64), got {name!r}")

    # Axis ranges: fixed over all frames, so that what moves is the data.
    def series_of(panel: str) -> list[str]:
        return [s for s in all_series if panel_of[s] == panel]

    def arrays(series: str, axis: int) -> list[np.ndarray]:
        if series in steady:
            return [steady[series][axis]]
        return [frame[series][axis] for frame in checked]

    for p in panel_names:
        log = y_scales[p] == "log"
        if log and any(np.any(a <= 0) for s in series_of(p) for a in arrays(s, 1)):
            raise ValueError(f"y_scale: panel {p!r} is logarithmic, so its y values must be > 0")
        if log and y_domains[p] is not None and y_domains[p][0] <= 0:
            raise ValueError(f"y_domain[{p!r}] must be > 0 on a logarithmic axis")
        xlog = x_scales[p] == "log"
        if xlog and any(np.any(a <= 0) for s in series_of(p) for a in arrays(s, 0)):
            raise ValueError(f"x_scale: panel {p!r} is logarithmic, so its x values must be > 0")
        if xlog and x_domains[p] is not None and x_domains[p][0] <= 0:
            raise ValueError(f"x_domain[{p!r}] must be > 0 on a logarithmic axis")
        if x_domains[p] is None:
            x_domains[p] = _auto_domain([a for s in series_of(p) for a in arrays(s, 0)], xlog)
        if y_domains[p] is None:
            y_domains[p] = _auto_domain([a for s in series_of(p) for a in arrays(s, 1)], log)

    rows = []
    for k, frame in enumerate(checked):
        for s in names:
            rows.append({"frame": k, "panel": panel_of[s], "series": s,
                         "x": frame[s][0].tolist(), "y": frame[s][1].tolist()})
    for s, (xs, ys) in steady.items():
        rows.append({"frame": None, "panel": panel_of[s], "series": s, "x": xs.tolist(), "y": ys.tolist()})

    colour = {"field": "series", "type": "nominal", "title": None,
              "scale": {"domain": all_series,
                        "range": [colour_of[s] for s in all_series]}}

    def panel_spec(p: str) -> dict:
        layers = []
        for kind in MARKS:
            members = [s for s in series_of(p) if mark_of[s] == kind]
            if not members:
                continue
            mark: dict[str, Any] = {"type": {"step": "line"}.get(kind, kind), "clip": True}
            if kind == "step":
                mark["interpolate"] = "step"
            elif kind == "point":
                mark.update(filled=True, size=70)
            elif kind == "area":
                mark.update(opacity=0.3, line=True)
            else:
                mark["strokeWidth"] = 2
            y_enc: dict[str, Any] = {"field": "y", "type": "quantitative", "title": y_titles[p],
                                     "scale": {"domain": list(y_domains[p]), "zero": False, "nice": False}}
            if y_scales[p] == "log":  # ("zero" does not apply to a log scale)
                y_enc["scale"] = {"type": "log", "domain": list(y_domains[p]), "nice": False}
            x_enc: dict[str, Any] = {"field": "x", "type": "quantitative", "title": x_titles[p],
                                     "scale": {"domain": list(x_domains[p]), "zero": False, "nice": False}}
            if x_scales[p] == "log":
                x_enc["scale"] = {"type": "log", "domain": list(x_domains[p]), "nice": False}
            if kind == "area":
                y_enc["stack"] = None
            layers.append({
                "transform": [{"filter": {"field": "series", "oneOf": members}}],
                "mark": mark,
                "encoding": {
                    "x": x_enc,
                    "y": y_enc,
                    "color": colour,
                },
            })
        spec: dict[str, Any] = {"width": 560, "height": height, "layer": layers}
        if len(panel_names) > 1:
            spec["transform"] = [{"filter": {"field": "panel", "equal": p}}]
            spec["title"] = {"text": p, "anchor": "start", "fontSize": 12}
        return spec

    spec: dict[str, Any] = {
        "$schema": _SCHEMA,
        "description": alt,
        "usermeta": {"dgmExplorable": {
            "parameter": parameter, "values": vals.tolist(), "labels": value_labels,
            "initial": first, "static": static_idx, "series": all_series}},
        "params": [{"name": "frame", "value": first}],
        "data": {"values": rows},
        "transform": [{"filter": "datum.frame === null || datum.frame === frame"},
                      {"flatten": ["x", "y"]}],
        "config": {"view": {"stroke": None}, "background": None,
                   "axis": {"gridOpacity": 0.3, "labelFontSize": 11, "titleFontSize": 12,
                            "titleFontWeight": "normal"},
                   # Solid legend symbols (an area's opacity would otherwise pale them all).
                   "legend": {"orient": "bottom", "labelFontSize": 12, "symbolStrokeWidth": 3,
                              "symbolOpacity": 1, "labelLimit": 320}},
    }
    if len(panel_names) == 1:
        spec.update(panel_spec(panel_names[0]))
    else:
        spec.update({"concat": [panel_spec(p) for p in panel_names], "columns": len(panel_names),
                     "resolve": {"scale": {"x": "independent", "y": "independent"}}})
    text = _dumps(spec)
    if len(text.encode("utf8")) > MAX_SPEC_BYTES:
        raise ValueError(f"frames are too large for a web page: {len(text.encode('utf8')) / 1e3:.0f} KB of "
                         f"JSON (at most {MAX_SPEC_BYTES / 1e3:.0f} KB); use fewer values or fewer points")
    if name is None:
        name = "explorable-" + hashlib.sha1(text.encode("utf8")).hexdigest()[:10]
    spec["usermeta"]["dgmExplorable"]["name"] = name

    short = [f"{symbol} = {v:.4g}" for v in vals]
    shown = [value_labels[k] if labels is not None else short[k] for k in static_idx]
    if labels is not None:  # labels of their own may hold commas
        listed = "; ".join(shown)
    else:
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    note = (f"Shown at {listed}. On the book's web page this figure is interactive: a slider moves "
            f"{symbol} through {vals.size} values from {vals[0]:.4g} to {vals[-1]:.4g}.")
    png = _static_image(checked, steady, static_idx, short, all_series, panel_names, panel_of,
                        mark_of, colour_of, x_titles, y_titles, x_domains, y_domains, y_scales, x_scales)
    return Explorable(name=name, spec=spec, static_png=png, values=vals, alt=alt, title=title, note=note)


def _static_image(frames, steady, static_idx, labels, all_series, panel_names, panel_of, mark_of,
                  colour_of, x_titles, y_titles, x_domains, y_domains, y_scales, x_scales) -> bytes:
    """The panels at the static values, drawn by matplotlib in the book's style, as PNG bytes."""
    import matplotlib.style
    from matplotlib.figure import Figure  # not pyplot: no second copy of the figure in the notebook

    with resources.as_file(resources.files("dgmbook") / "book.mplstyle") as style, \
            matplotlib.style.context(str(style)):
        ncols, nrows = len(static_idx), len(panel_names)
        fig = Figure(figsize=(6.4, 0.7 + 2.3 * nrows))
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey="row")
        handles = {}
        for c, k in enumerate(static_idx):
            for r, p in enumerate(panel_names):
                ax = axes[r, c]
                for s in all_series:
                    if panel_of[s] != p:
                        continue
                    xs, ys = steady[s] if s in steady else frames[k][s]
                    order = np.argsort(xs, kind="stable") if mark_of[s] != "point" else slice(None)
                    colour = colour_of[s]
                    kind = mark_of[s]
                    if kind == "point":
                        (h,) = ax.plot(xs, ys, "o", color=colour, label=s)
                    elif kind == "step":
                        (h,) = ax.step(xs[order], ys[order], where="mid", color=colour, label=s)
                    elif kind == "area":
                        base = y_domains[p][0] if y_scales[p] == "log" else 0.0
                        ax.fill_between(xs[order], base, ys[order], color=colour, alpha=0.3, lw=0)
                        (h,) = ax.plot(xs[order], ys[order], color=colour, label=s)
                    else:
                        (h,) = ax.plot(xs[order], ys[order], color=colour, label=s)
                    handles.setdefault(s, h)
                ax.set_xlim(*x_domains[p])
                ax.set_ylim(*y_domains[p])
                if y_scales[p] == "log":
                    ax.set_yscale("log")
                if x_scales[p] == "log":
                    ax.set_xscale("log")
                if r == 0:
                    ax.set_title(labels[k])
                if r == nrows - 1 or len(set(x_titles.values())) > 1:
                    ax.set_xlabel(x_titles[p])
                if c == 0:
                    same = not p or p == y_titles[p]
                    ax.set_ylabel(y_titles[p] if same else f"{p}\n{y_titles[p]}")
        if len(all_series) > 1:
            fig.legend([handles[s] for s in all_series], all_series, loc="outside lower center",
                       ncols=min(len(all_series), 4))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
