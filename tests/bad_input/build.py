"""Bad input for dgmbook.build (the book's build variants)."""

from bad_input import bad
from dgmbook import build

CASES = {
    "BuildResult": [
        bad(lambda: build.BuildResult("0", "", "html", 1.0), TypeError, "returncode", "int"),
        bad(lambda: build.BuildResult(0, None, "html", 1.0), TypeError, "log"),
        bad(lambda: build.BuildResult(0, "", None, 1.0), TypeError, "html_dir", "path"),
        bad(lambda: build.BuildResult(0, "", "html", -1.0), ValueError, "seconds", ">= 0"),
    ],
    "build_book": [
        bad(lambda: build.build_book(None), TypeError, "output", "path"),
        bad(lambda: build.build_book("/tmp/x", root=None), TypeError, "root", "path"),
        bad(lambda: build.build_book("/tmp/x", root="/no/such/book"), ValueError, "root", "_config.yml"),
        bad(lambda: build.build_book("/tmp/x", execute="always"), ValueError, "execute", "force"),
        bad(lambda: build.build_book("/tmp/x", student="yes"), TypeError, "student", "True or False"),
        bad(lambda: build.build_book("/tmp/x", only_execute="/no/such.md"), ValueError, "only_execute"),
        bad(lambda: build.build_book("/tmp/x", mathjax_dir="/no/such/dir"), ValueError, "mathjax_dir"),
        bad(lambda: build.build_book("/tmp/x", extra_args="-v"), TypeError, "extra_args"),
    ],
    "PageRun": [
        bad(lambda: build.PageRun(None, 1.0, None, []), TypeError, "source", "path"),
        bad(lambda: build.PageRun("a.md", -1.0, None, []), ValueError, "seconds", ">= 0"),
        bad(lambda: build.PageRun("a.md", 1.0, 1, []), TypeError, "error"),
        bad(lambda: build.PageRun("a.md", 1.0, None, "oops"), TypeError, "stderr", "list"),
    ],
    "execute_page": [
        bad(lambda: build.execute_page(None), TypeError, "source", "path"),
        bad(lambda: build.execute_page("/no/such.md"), ValueError, "source"),
        bad(lambda: build.execute_page(build.chapter_sources()[0], {"X": 1}), TypeError, "env"),
        bad(lambda: build.execute_page(build.chapter_sources()[0], timeout=0), ValueError, "timeout"),
        bad(lambda: build.execute_page(build.chapter_sources()[0], timeout=True), ValueError, "timeout"),
    ],
    "student_toc": [
        bad(lambda: build.student_toc(None), TypeError, "toc"),
        bad(lambda: build.student_toc({"chapters": []}), TypeError, "toc", "root"),
        bad(lambda: build.student_toc({"root": "intro", "chapters": ["book/q1"]}), ValueError, "toc entries"),
    ],
    "sync_notebooks": [
        bad(lambda: build.sync_notebooks(check="yes"), TypeError, "check", "True or False"),
        bad(lambda: build.sync_notebooks(check=1), TypeError, "check"),
    ],
}

EXEMPT = {
    "chapter_sources": "takes no argument",
    "load_config": "takes no argument",
}

VALID = [
    lambda: build.student_toc({"root": "book/intro"}),  # no chapters at all
    lambda: build.BuildResult(0, "", "html", 0),
    lambda: build.PageRun("a.md", 0, None, []),
]
