"""A reader's changes to a page, and what they should do to its checked claims.

One file per page, ``tests/explore/<page stem>.py``, defines ``SCENARIOS``: a list of
:class:`Scenario`, each a set of edits a reader might make (a setting in the page's settings cell,
or, to prove that a check can fail, a deliberate slip in the mathematics) and the claims that the
edit should break (``fails``) and those it should leave standing (``holds``), named by a part of
their statement. ``tests/test_explore.py`` executes each scenario twice: in explore mode the page
must run to its end with exactly those claims flagged; in strict mode (the book's build) it must
stop with the first failed claim's message.

A file may also define ``SETTINGS_RULES``: the book's own choices of settings that its text relies
on ("at least five seeds"), as ``{reason: predicate(settings)}``. They are checked here, against the
page's settings cell, not on the page: a reader may change the settings freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scenario:
    """Edits to a page (``old -> new``, each ``old`` found exactly once in the page's code), the
    claims they must break and the claims they must leave standing (parts of their statements)."""

    name: str
    edits: dict[str, str]
    fails: tuple[str, ...] = ()
    holds: tuple[str, ...] = ()
    timeout: float = 300.0
    strict: bool = True
    extra: dict = field(default_factory=dict)
