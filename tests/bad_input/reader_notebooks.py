"""Bad input for dgmbook.reader_notebooks (the notebooks readers open)."""

from bad_input import bad
from dgmbook import reader_notebooks as rn
from dgmbook.build import chapter_sources

INDEX = {"refs": {}, "cite": {}, "glue": {}}

CASES = {
    "convert_markdown": [
        bad(lambda: rn.convert_markdown(None, "book/p", INDEX), TypeError, "text"),
        bad(lambda: rn.convert_markdown("x", 3, INDEX), TypeError, "page"),
        bad(lambda: rn.convert_markdown("x", "book/p", {"glue": {}}), TypeError, "index"),
        bad(lambda: rn.convert_markdown("{ref}`nowhere`", "book/p", INDEX), ValueError, "nowhere", "index"),
    ],
    "expand_macros": [
        bad(lambda: rn.expand_macros(b"\\E", {"E": "X"}), TypeError, "tex"),
        bad(lambda: rn.expand_macros("\\E", [("E", "X")]), TypeError, "macros"),
        bad(lambda: rn.expand_macros("\\E", {"E": 1}), ValueError, "macros"),
        bad(lambda: rn.expand_macros("\\E", {"E1": "X"}), ValueError, "macros"),
    ],
    "load_index": [
        bad(lambda: rn.load_index(3), TypeError, "path"),
        bad(lambda: rn.load_index("/no/such/index.json"), ValueError, "path", "index"),
        bad(lambda: rn.load_index(rn.ROOT / "_config.yml"), ValueError, "path", "index"),
    ],
    "reader_notebook": [
        bad(lambda: rn.reader_notebook(None, INDEX), TypeError, "source"),
        bad(lambda: rn.reader_notebook("/no/such.md", INDEX), ValueError, "source"),
        bad(lambda: rn.reader_notebook(rn.ROOT / "book" / "references.md", INDEX), ValueError, "source"),
        bad(lambda: rn.reader_notebook(chapter_sources()[0], None), TypeError, "index"),
        bad(lambda: rn.reader_notebook(chapter_sources()[0], INDEX, outputs_from=3), TypeError,
            "outputs_from"),
    ],
    "site_url": [
        bad(lambda: rn.site_url(["https://github.com/a/b"]), TypeError, "config"),
        bad(lambda: rn.site_url({"repository": {"url": "https://gitlab.com/a/b"}}), ValueError,
            "repository.url"),
        bad(lambda: rn.site_url({}), ValueError, "repository.url"),
    ],
    "sync_reader_notebooks": [
        bad(lambda: rn.sync_reader_notebooks(check="yes"), TypeError, "check", "True or False"),
        bad(lambda: rn.sync_reader_notebooks(3, check=True), TypeError, "index_path"),
        bad(lambda: rn.sync_reader_notebooks("/no/such.json", check=True), ValueError, "index_path"),
        bad(lambda: rn.sync_reader_notebooks(check=True, folder=3), TypeError, "folder"),
    ],
}

EXEMPT = {
    "NOTEBOOK_DIR": "a constant (the folder of the committed notebooks)",
}

VALID = [
    lambda: rn.expand_macros("\\E", {}),
    lambda: rn.convert_markdown("plain text", "book/p", INDEX),
    lambda: rn.site_url({"repository": {"url": "https://github.com/a/b.git"}}),
]
