"""dgmbook.claims: a checked claim raises readably in strict mode and is flagged in explore mode."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from dgmbook import claims
from dgmbook.claims import ClaimFailed, claim, claim_above, claim_below, claim_close


@pytest.fixture
def strict(monkeypatch):
    monkeypatch.setenv(claims.MODE_VARIABLE, "strict")


@pytest.fixture
def explore(monkeypatch):
    monkeypatch.setenv(claims.MODE_VARIABLE, "explore")


@pytest.fixture
def log(monkeypatch, tmp_path):
    path = tmp_path / "claims.jsonl"
    monkeypatch.setenv(claims.LOG_VARIABLE, str(path))

    def entries():
        return [json.loads(line) for line in path.read_text().splitlines()]

    return entries


def test_default_mode_is_explore(monkeypatch):
    monkeypatch.delenv(claims.MODE_VARIABLE, raising=False)
    assert claims.claims_mode() == "explore"


def test_unknown_mode_is_refused(monkeypatch):
    monkeypatch.setenv(claims.MODE_VARIABLE, "lenient")
    with pytest.raises(ValueError, match="DGMBOOK_CLAIMS"):
        claims.claims_mode()


def test_holding_claims_return_true(strict):
    assert claim("two plus two is four", 2 + 2 == 4)
    assert claim_below("the error is small", 0.5, 1.0)
    assert claim_above("the gain is positive", 0.5, 0.0)
    assert claim_close("the sums agree", [1.0, 2.0], [1.0, 2.0 + 1e-12], rtol=1e-9)


def test_a_claim_shows_nothing_as_a_cells_last_value(strict):
    result = claim_below("the error is small", 0.5, 1.0)
    assert result._ipython_display_() is None and "holds: the error is small" in repr(result)


@pytest.mark.parametrize("call, words", [
    (lambda: claim("SymPy reduces the difference to 0", False, detail="it reduces to x"),
     ["SymPy reduces the difference to 0", "it reduces to x"]),
    (lambda: claim_below("CD-10 is within 4 SE of CD-1", 4.5, 4, unit="SE"),
     ["CD-10 is within 4 SE of CD-1", "measured 4.5 SE", "below 4 SE"]),
    (lambda: claim_above("NCE gains over independent pixels", -0.25, 0.0, unit="nats"),
     ["NCE gains", "measured -0.25 nats", "above 0 nats"]),
    (lambda: claim_close("closed form = Monte Carlo", [1.0, 2.0], [1.0, 2.2], rtol=0.01),
     ["closed form = Monte Carlo", "times the tolerance", "rtol=0.01"]),
])
def test_strict_failure_names_the_sentence_and_the_numbers(strict, call, words):
    with pytest.raises(ClaimFailed) as info:
        call()
    assert isinstance(info.value, AssertionError)
    for word in words:
        assert word in str(info.value)


def test_bounds_are_strict_and_nan_fails(strict):
    with pytest.raises(ClaimFailed):
        claim_below("at the bound", 1.0, 1.0)
    with pytest.raises(ClaimFailed):
        claim_above("at the bound", 1.0, 1.0)
    with pytest.raises(ClaimFailed, match="nan"):
        claim_below("a NaN measurement", math.nan, 1.0)
    with pytest.raises(ClaimFailed):
        claim_close("a NaN entry", [1.0, math.nan], [1.0, 1.0], atol=1.0)


def test_claim_close_tolerance_is_relative_to_the_expected_value(strict):
    assert claim_close("within rtol", [100.0], [101.0], rtol=0.011)
    with pytest.raises(ClaimFailed):
        claim_close("outside rtol", [100.0], [101.0], rtol=0.009)
    assert claim_close("within atol", [0.0], [1e-9], atol=2e-9)


def test_explore_mode_runs_on_and_shows_a_box(explore, capsys):
    assert not claim_below("the plateau claim", 0.3, 0.25, unit="nats")
    out = capsys.readouterr().out
    assert "With your settings this no longer holds" in out
    assert "the plateau claim" in out and "0.3 nats" in out


def test_explore_mode_displays_html_and_markdown_in_ipython(explore, monkeypatch):
    shown = []
    import IPython
    import IPython.display

    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda data, raw: shown.append(data))
    assert not claim("a <fact> & more", False)
    (data,) = shown
    assert "claim-failed" in data["text/html"] and "&lt;fact&gt; &amp; more" in data["text/html"]
    assert data["text/markdown"].startswith("> **With your settings")


def test_log_records_every_claim_with_its_margin(explore, log):
    claim_below("held", 1.0, 4.0, unit="SE")
    claim_above("failed", 1.0, 4.0)
    claim_close("close", [1.0], [1.0 + 5e-7], rtol=1e-6)
    claim("exact", True)
    held, failed, close, exact = log()
    assert held["holds"] and held["margin"] == pytest.approx(0.75) and held["unit"] == "SE"
    assert not failed["holds"] and failed["margin"] == pytest.approx(-0.75)
    assert close["holds"] and close["measured"] == pytest.approx(0.5, rel=1e-6)
    assert exact == {"kind": "exact", "statement": "exact", "holds": True, "detail": "it does not hold"}


def test_numpy_scalars_and_bools_are_accepted(strict):
    assert claim("a numpy bool", np.bool_(True))
    assert claim_below("a numpy scalar", np.float32(0.5), np.int64(1))
    assert claim_below("a size-1 array", np.array([0.5]), 1)


def test_claim_close_does_not_broadcast(strict):
    with pytest.raises(ValueError, match="same shape"):
        claim_close("shapes", [1.0, 1.0], [1.0], rtol=1e-6)
