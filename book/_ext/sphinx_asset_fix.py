"""Backport of Sphinx's fix for scripts that are included twice (sphinx-doc/sphinx#13402).

Sphinx 7.4 (pinned by Jupyter Book 1) registers an inline script added after the builder starts,
``app.add_js_file(None, body=...)``, once with the file name ``None`` and once more, when the pages
are prepared, with the name ``''``. The two compare unequal, so the page holds the script twice:
sphinx-thebe's ``const THEBE_JS_URL = ...`` then raises "Identifier 'THEBE_JS_URL' has already been
declared" in every reader's browser console. Sphinx 8.2 normalises ``None`` to ``''``; this
extension does the same before the pages are written, and drops the duplicates.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _normalise_inline_scripts(app: Sphinx, env) -> None:
    builder = app.builder
    scripts = getattr(builder, "_js_files", None)
    if scripts is None:  # not an HTML builder
        return
    unique = []
    for script in scripts:
        if script.filename is None:
            script = type(script)("", priority=script.priority, **script.attributes)
        if script not in unique:
            unique.append(script)
    builder._js_files = unique


def setup(app: Sphinx) -> dict:
    app.connect("env-updated", _normalise_inline_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
