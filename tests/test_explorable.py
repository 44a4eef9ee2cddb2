"""dgmbook.explorable: the figure carries exactly the frames it was given, a static image for
print, its alt text, and a specification the page's script can read; the extension ships the
vendored library unchanged.

The browser side (the slider moving the chart) is tests/test_explorable_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import json
import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from dgmbook.build import ROOT
from dgmbook.explorable import MAX_SPEC_BYTES, Explorable, slider_figure

ALT = "A curve that rises more steeply as the slider raises the parameter from 1 to 3."
VALUES = np.array([1.0, 2.0, 3.0])


def _frames(rng, values=VALUES, n=25):
    """Frames of awkward floats (random, tiny, huge), so that a lossy round trip would show."""
    out = []
    for v in values:
        x = np.sort(rng.normal(size=n))
        y = np.tanh(v * x) + rng.normal(scale=1e-9, size=n)
        y[0] = 1e-300 * v
        y[-1] = 0.1 + 0.2 * v
        out.append({"curve": (x, y), "slope": (x[:5], v * np.ones(5) / 3)})
    return out


def _figure(rng=None, **kw):
    rng = np.random.default_rng(0) if rng is None else rng
    args = dict(frames=_frames(rng), parameter="steepness a", symbol="a", values=VALUES, x="x",
                y="y", title="A curve as a grows.", alt=ALT, static_values=[1.0, 3.0])
    args.update(kw)
    return slider_figure(args.pop("frames"), **args)


def _spec_from_html(page: str) -> dict:
    match = re.search(r'<script type="application/json" class="dgm-explorable-spec">(.*?)</script>',
                      page, re.S)
    assert match, "no specification in the figure's HTML"
    return json.loads(match.group(1))


def _rows(spec: dict, k: int | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {r["series"]: (np.array(r["x"]), np.array(r["y"])) for r in spec["data"]["values"]
            if r["frame"] == k}


def test_the_page_holds_exactly_the_given_frames():
    rng = np.random.default_rng(1)
    frames = _frames(np.random.default_rng(1))
    fig = _figure(rng)
    spec = _spec_from_html(fig._repr_html_())
    assert spec["usermeta"]["dgmExplorable"]["values"] == VALUES.tolist()
    for k, frame in enumerate(frames):
        got = _rows(spec, k)
        assert set(got) == set(frame)
        for series, (x, y) in frame.items():
            # Exactly: JSON keeps every double (shortest repr round-trips), nothing is rounded.
            assert np.array_equal(got[series][0], x) and np.array_equal(got[series][1], y), (k, series)
        assert all(np.array_equal(a, b) for a, b in zip(fig.data_at(VALUES[k])["curve"], frame["curve"],
                                                          strict=True))


def test_a_frame_differs_from_its_neighbour_so_the_check_above_could_fail():
    spec = _figure().spec
    assert not np.array_equal(_rows(spec, 0)["curve"][1], _rows(spec, 1)["curve"][1])


def test_the_browser_filter_selects_one_frame_and_the_fixed_series():
    x = np.linspace(0, 1, 11)
    fig = _figure(fixed={"reference": (x, x**2)}, marks={"reference": "area", "slope": "point"})
    spec = fig.spec
    # The fixed series is stored once, and drawn with every frame.
    assert [r["frame"] for r in spec["data"]["values"] if r["series"] == "reference"] == [None]
    assert spec["transform"][0] == {"filter": "datum.frame === null || datum.frame === frame"}
    assert spec["params"] == [{"name": "frame", "value": 0}]
    for v in VALUES:
        assert np.array_equal(fig.data_at(v)["reference"][1], x**2)
    marks = {layer["transform"][0]["filter"]["oneOf"][0]: layer["mark"]["type"] for layer in spec["layer"]}
    assert marks == {"curve": "line", "slope": "point", "reference": "area"}
    area = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "area")
    assert area["encoding"]["y"]["stack"] is None  # densities overlap, they are not stacked


def test_axes_stay_still_over_all_frames():
    fig = _figure()
    spec = fig.spec
    lo, hi = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    ys = np.concatenate([fig.data_at(v)[s][1] for v in VALUES for s in ("curve", "slope")])
    assert lo < ys.min() and ys.max() < hi
    fixed = _figure(y_domain=(-2, 2)).spec
    assert fixed["layer"][0]["encoding"]["y"]["scale"]["domain"] == [-2.0, 2.0]


def test_panels_each_hold_their_series_with_their_own_axis():
    x = np.geomspace(1, 100, 7)
    fig = _figure(panels={"the curve": ["curve"], "its slope": ["slope"], "growth": ["power"]},
                  y={"the curve": "tanh(a x)", "its slope": "a / 3", "growth": "x^2"},
                  x={"the curve": "x", "its slope": "x", "growth": "u"},
                  fixed={"power": (x, x**2)}, y_scale={"its slope": "log"},
                  x_scale={"growth": "log"})
    spec = fig.spec
    assert [view["title"]["text"] for view in spec["concat"]] == ["the curve", "its slope", "growth"]
    assert spec["concat"][1]["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"
    assert spec["concat"][0]["layer"][0]["encoding"]["y"]["title"] == "tanh(a x)"
    growth = spec["concat"][2]["layer"][0]["encoding"]
    assert growth["x"]["scale"]["type"] == "log" and growth["x"]["title"] == "u"
    assert "type" not in spec["concat"][0]["layer"][0]["encoding"]["x"]["scale"]
    panels = {r["series"]: r["panel"] for r in spec["data"]["values"]}
    assert panels == {"curve": "the curve", "slope": "its slope", "power": "growth"}


def test_series_take_the_books_colours_in_its_cycle_order():
    from dgmbook.book import PALETTE, contrast_ratio

    x = np.linspace(0, 1, 5)
    fig = _figure(fixed={"level": (x, x), "floor": (x, 0 * x)})
    scale = fig.spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["curve", "slope", "level", "floor"]
    assert scale["range"] == list(PALETTE[:4])
    # the Okabe-Ito yellow, orange and sky blue (contrast < 3:1 on white) are not used
    assert all(contrast_ratio(c) >= 3 for c in PALETTE)


def test_a_series_can_be_given_a_colour_of_the_book():
    from dgmbook.book import PALETTE

    x = np.linspace(0, 1, 5)
    fig = _figure(fixed={"level": (x, x)}, colours={"level": PALETTE[0], "slope": PALETTE[5]})
    scale = fig.spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["range"] == [PALETTE[0], PALETTE[5], PALETTE[0]]
    with pytest.raises(ValueError, match="colours.*book's colours"):
        _figure(colours={"curve": "#F0E442"})  # Okabe-Ito yellow: contrast 1.3 on white
    with pytest.raises(ValueError, match="colours names 'nothing'"):
        _figure(colours={"nothing": PALETTE[0]})
    with pytest.raises(TypeError, match="colours must be a dict"):
        _figure(colours=[PALETTE[0]])


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "the static image is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_static_image_shows_the_chosen_values_for_print():
    fig = _figure()
    page = fig.to_html()
    width, height = _png_size(fig.static_png)
    assert width > 600 and height > 200
    source = re.search(r'<img src="data:image/png;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(source) == fig.static_png
    # Other static values draw other panels.
    assert _figure(static_values=[2.0]).static_png != fig.static_png
    # The caption says which values are shown and that the web page has the interactive version.
    note = re.search(r'<span class="dgm-explorable-note">(.*?)</span>', page).group(1)
    assert "a = 1 and a = 3" in note and "web page" in note and "interactive" in note
    # Labels of one's own are quoted in the caption (the panels keep the short titles).
    custom = _figure(labels=["a = 1 (flat)", "a = 2, steeper", "a = 3 (steep)"]).to_html()
    assert "Shown at a = 1 (flat); a = 3 (steep)." in custom


def test_the_alt_text_describes_the_figure_on_screen_and_in_print():
    alt = 'Moving "a" from 1 to 3 <steepens> the curve & its slope grows with it.'
    fig = _figure(alt=alt)
    page = fig.to_html()
    assert f'alt="{html.escape(alt)}"' in page
    assert _spec_from_html(page)["description"] == alt  # the chart's accessible name on the web
    assert fig.alt == alt


def test_no_series_name_can_end_the_script_element():
    rng = np.random.default_rng(2)
    frames = [{"</script><script>alert(1)</script>": (f["curve"][0], f["curve"][1])} for f in _frames(rng)]
    fig = _figure(frames=frames)
    page = fig.to_html()
    script = page.split('class="dgm-explorable-spec">', 1)[1]
    assert script.count("</script>") == 1, "a series name closed the script element"
    assert "</script><script>alert(1)</script>" in _spec_from_html(page)["data"]["values"][0]["series"]


def test_labels_initial_value_and_name():
    fig = _figure()
    meta = fig.spec["usermeta"]["dgmExplorable"]
    assert meta["labels"] == ["a = 1", "a = 2", "a = 3"]
    assert meta["initial"] == 0 and meta["static"] == [0, 2]
    assert meta["name"] == fig.name and fig.name.startswith("explorable-")
    # The same input gives the same figure (the execution cache and the page stay stable).
    assert _figure().to_html() == fig.to_html()
    named = _figure(name="q1-nu", initial=2.0, labels=["low", "middle", "high"])
    assert named.spec["usermeta"]["dgmExplorable"]["initial"] == 1
    assert 'id="dgm-explorable-q1-nu"' in named.to_html()
    assert isinstance(named, Explorable) and "3 frames" in repr(named)


def test_too_much_data_for_a_web_page_is_refused():
    x = np.linspace(0, 1, 4000)
    frames = [{"a": (x, x * v), "b": (x, x + v)} for v in range(8)]
    with pytest.raises(ValueError, match="too large"):
        slider_figure(frames, parameter="v", values=np.arange(8.0), x="x", y="y", title="t",
                      alt=ALT, static_values=[0.0])
    assert MAX_SPEC_BYTES < 1_000_000


def test_values_must_be_exact_members():
    with pytest.raises(ValueError, match="static_values"):
        _figure(static_values=[1.0000000001])
    with pytest.raises(ValueError, match="static_values"):
        _figure(static_values=[3.0, 1.0])
    with pytest.raises(ValueError, match="initial"):
        _figure(initial=2.5)
    with pytest.raises(ValueError, match="value"):
        _figure().data_at(2.5)


# The extension: the vendored library is the recorded one.

def _extension():
    path = ROOT / "book" / "_ext" / "explorable.py"
    spec = importlib.util.spec_from_file_location("explorable_extension", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_vendored_files_match_their_checksums_and_readme():
    ext = _extension()
    ext.check_vendored()
    readme = (ext.STATIC / "vendor" / "vega" / "README.md").read_text(encoding="utf8")
    for rel, digest in ext.VENDORED.items():
        data = (ext.STATIC / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest
        assert f"| `{Path(rel).name}` |" in readme and digest in readme and str(len(data)) in readme
    total = sum((ext.STATIC / rel).stat().st_size for rel in ext.VENDORED)
    assert total < 850_000, total
    for licence in ("LICENSE-vega", "LICENSE-vega-lite", "LICENSE-vega-embed"):
        assert "Redistribution and use" in (ext.STATIC / "vendor" / "vega" / licence).read_text()


def test_an_altered_vendored_file_fails_the_build(tmp_path):
    ext = _extension()
    copy = tmp_path / "static"
    shutil.copytree(ext.STATIC, copy)
    target = copy / next(iter(ext.VENDORED))
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(Exception, match="SHA-256"):
        ext.check_vendored(copy)
    target.unlink()
    with pytest.raises(Exception, match="missing"):
        ext.check_vendored(copy)


def test_the_script_loads_the_vendored_files_in_order():
    ext = _extension()
    script = (ext.STATIC / "explorable.js").read_text(encoding="utf8")
    listed = re.findall(r'"(vendor/vega/[a-z-]+\.min\.js)"', script)
    assert listed == list(ext.VENDORED), listed
    code = re.sub(r"//.*|/\*.*?\*/", "", script, flags=re.S)
    assert "http" not in code, "the script names an outside address"


def test_the_docstring_example_runs():
    import doctest

    import dgmbook.explorable

    result = doctest.testmod(dgmbook.explorable, raise_on_error=False, verbose=False)
    assert result.attempted >= 5 and result.failed == 0, result
