"""Book infrastructure: build variants of the book from the one ``_config.yml``.

This module is not about generative models; it is what ``tasks.py`` and the test suite use to build
the book in its variants without copying the configuration:

- the **test build**: every notebook executed from scratch, warnings as errors, and optionally a
  local copy of MathJax so that pages render in a browser with no internet;
- the **student edition**: the same sources with ``hide_solutions`` set (see ``book/_ext``), without
  the answers at a glance and the beyond pages, with the "Your turn" exercises as stubs and their
  student notebooks written into the site;
- a **chapter build**: only one chapter executed, its warnings reported;
- **sync**: regenerate each chapter's paired ``.ipynb`` (jupytext, for authors) and, from a build of
  the book (execution cached), the reader's notebooks ``notebooks/book/*.ipynb`` that the Colab and
  Binder buttons open (:mod:`dgmbook.reader_notebooks`);
- a **page run**: one chapter's notebook executed directly in a fresh kernel (no Sphinx), with an
  environment of the caller's choosing (a BLAS kernel, a thread count, the claims' mode and log):
  the portability test and ``benchmarks/claim_margins.py`` run every page this way.

Run as ``python -m dgmbook.build {student,chapter,sync} ...``.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "_config.yml"
TOC = ROOT / "_toc.yml"
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"

__all__ = ["BuildResult", "PageRun", "build_book", "chapter_sources", "execute_page", "load_config",
           "student_toc", "sync_notebooks"]

#: Pages the student edition leaves out: the answers at a glance, and every page that goes beyond
#: the questions (their names end in ``_beyond`` or ``_experiments``).
STUDENT_DROPPED_PAGES = ("book/answers",)
STUDENT_DROPPED_SUFFIXES = ("_beyond", "_experiments")

_LABEL_PATTERNS = (
    re.compile(r"^\(([A-Za-z0-9_.:-]+)\)=\s*$", re.M),      # (label)=
    re.compile(r"^\s*:(?:label|name):\s*(\S+)\s*$", re.M),  # :label: / :name: of a directive
)


@dataclass
class BuildResult:
    """What a build produced: its exit code, its log, and where the HTML is."""

    returncode: int
    log: str
    html_dir: Path
    seconds: float

    def __post_init__(self) -> None:
        if isinstance(self.returncode, bool) or not isinstance(self.returncode, int):
            raise TypeError(f"returncode must be an int, got {type(self.returncode).__name__}")
        if not isinstance(self.log, str):
            raise TypeError(f"log must be a str, got {type(self.log).__name__}")
        if not isinstance(self.html_dir, (str, Path)):
            raise TypeError(f"html_dir must be a path, got {type(self.html_dir).__name__}")
        self.html_dir = Path(self.html_dir)
        number = isinstance(self.seconds, (int, float)) and not isinstance(self.seconds, bool)
        if not number or not self.seconds >= 0:
            raise ValueError(f"seconds must be a number >= 0, got {self.seconds!r}")

    @property
    def warnings(self) -> list[str]:
        """Lines of the log that Sphinx reported as warnings or errors."""
        pattern = re.compile(r"(WARNING|ERROR|CRITICAL)\b")
        return [line for line in _strip_ansi(self.log).splitlines() if pattern.search(line)
                and "Kernel is running over TCP" not in line]


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def load_config() -> dict:
    """The book's ``_config.yml`` as a dictionary."""
    return yaml.safe_load(CONFIG.read_text(encoding="utf8"))


def chapter_sources() -> list[Path]:
    """Every page in ``_toc.yml`` that is a notebook (a ``.md`` with a jupytext header), in order."""
    toc = yaml.safe_load(TOC.read_text(encoding="utf8"))
    files: list[str] = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    walk(toc.get("chapters", []))
    pages = [ROOT / f"{name}.md" for name in files]
    return [page for page in pages if page.read_text(encoding="utf8").startswith("---\njupytext:")]


def _is_dropped(name: str) -> bool:
    return name in STUDENT_DROPPED_PAGES or Path(name).name.endswith(STUDENT_DROPPED_SUFFIXES)


def student_toc(toc: dict) -> tuple[dict, list[str]]:
    """The student edition's table of contents: ``toc`` without the pages it leaves out.

    Parameters
    ----------
    toc : dict
        A Jupyter Book ``_toc.yml`` (``root`` and ``chapters`` with nested ``sections``).

    Returns
    -------
    toc : dict
        A copy without the answers at a glance and the beyond pages.
    dropped : list of str
        The names of the pages left out, in the order of ``toc``.
    """
    if not isinstance(toc, dict) or "root" not in toc:
        raise TypeError(f"toc must be a table of contents (a dict with a 'root'), got {type(toc).__name__}")
    dropped: list[str] = []

    def keep(entries: list) -> list:
        kept = []
        for entry in entries or []:
            if not isinstance(entry, dict):
                raise ValueError(f"toc entries must be mappings with a 'file', got {entry!r}")
            if "file" in entry and _is_dropped(entry["file"]):
                dropped.append(entry["file"])
                dropped.extend(e["file"] for e in _walk(entry.get("sections", [])))
                continue
            entry = dict(entry)
            if "sections" in entry:
                entry["sections"] = keep(entry["sections"])
                if not entry["sections"]:
                    del entry["sections"]
            kept.append(entry)
        return kept

    result = copy.deepcopy(toc)
    result["chapters"] = keep(toc.get("chapters", []))
    return result, dropped


def _walk(entries: list) -> list[dict]:
    found = []
    for entry in entries or []:
        if "file" in entry:
            found.append(entry)
        found.extend(_walk(entry.get("sections", [])))
    return found


def _labels_of(root: Path, pages: list[str]) -> list[str]:
    """The labels (``(label)=``, ``:label:``, ``:name:``) and document names the pages define."""
    labels = []
    for page in pages:
        labels.append(page.lower())
        path = root / f"{page}.md"
        if path.exists():
            text = path.read_text(encoding="utf8")
            for pattern in _LABEL_PATTERNS:
                labels.extend(label.lower() for label in pattern.findall(text))
    return sorted(set(labels))


#: The MathJax the print edition typesets with: MathJax 3, whose speech-rule engine
#: (``book/_static/print-edition.js``) gives every formula its spoken form in the tagged PDF.
PRINT_MATHJAX_PATH = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"
#: The blocks of ``mathjax3_config`` that only MathJax 4 reads (line breaking, its font's path, its
#: accessibility settings): MathJax 3 reports some of them as invalid options.
MATHJAX4_ONLY_KEYS = ("output", "loader", "options")


def _write_config(overrides: dict, directory: Path, root: Path = ROOT) -> Path:
    """Write ``root``'s ``_config.yml`` merged with ``overrides`` into ``directory``; return its path."""
    config = copy.deepcopy(yaml.safe_load((root / "_config.yml").read_text(encoding="utf8")))

    def merge(base: dict, extra: dict) -> None:
        for key, value in extra.items():
            if value is None:  # an override of None removes the key
                base.pop(key, None)
            elif isinstance(value, dict) and isinstance(base.get(key), dict):
                merge(base[key], value)
            else:
                base[key] = value

    merge(config, overrides)
    # Local extensions are found relative to the configuration file: make the paths absolute.
    local = config.get("sphinx", {}).get("local_extensions", {}) or {}
    for name, path in local.items():
        local[name] = str((root / path).resolve())
    path = directory / "_config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf8")
    return path


def build_book(
    output: Path,
    *,
    execute: str = "force",
    only_execute: Path | None = None,
    mathjax_dir: Path | None = None,
    mathjax_font_dir: Path | None = None,
    mathjax_version: int = 4,
    student: bool = False,
    claims: str = "strict",
    claims_log: Path | None = None,
    extra_args: tuple[str, ...] = (),
    root: Path = ROOT,
) -> BuildResult:
    """Build the book into ``output/_build/html`` with warnings as errors (``-W -n --keep-going``).

    Parameters
    ----------
    output : Path
        Folder for the build (``--path-output``).
    execute : {"force", "cache", "off"}
        myst-nb's execution mode; the test build uses ``"force"``.
    only_execute : Path, optional
        Execute this chapter only (the others are built without outputs).
    mathjax_dir : Path, optional
        A local MathJax (MathJax 4's package folder, or MathJax 3's ``es5`` folder with
        ``mathjax_version=3``); it is copied next to the pages and used instead of the CDN.
    mathjax_font_dir : Path, optional
        MathJax 4's font package (``@mathjax/mathjax-newcm-font``), copied into the local MathJax's
        ``fonts`` folder, from which the pages then load it (instead of the CDN); with
        ``mathjax_dir`` only.
    mathjax_version : {4, 3}
        The MathJax the pages load: 4, the site's (``mathjax_path`` of ``_config.yml``: it breaks
        formulas wider than their column), or 3, the print edition's (its speech-rule engine gives
        each formula its spoken form in the tagged PDF; :data:`PRINT_MATHJAX_PATH`), without the
        settings only MathJax 4 reads (:data:`MATHJAX4_ONLY_KEYS`).
    student : bool
        Build the problems-only student edition.
    claims : {"strict", "explore"}
        How the pages' checked claims behave (:mod:`dgmbook.claims`): ``"strict"`` fails the build
        on a claim that does not hold; ``"explore"`` shows it in a box on the page and builds on.
    claims_log : Path, optional
        A file to which every claim of the executed pages is appended as a JSON line.
    root : Path
        The book's root folder (``_config.yml``, ``_toc.yml``); the tests build small broken books.
    """
    if output is None or not isinstance(output, (str, Path)):
        raise TypeError(f"output must be a path (str or Path), got {type(output).__name__}")
    if root is None or not isinstance(root, (str, Path)):
        raise TypeError(f"root must be a path (str or Path) to a book, got {type(root).__name__}")
    root = Path(root)
    if not (root / "_config.yml").is_file() or not (root / "_toc.yml").is_file():
        raise ValueError(f"root must be a book's folder holding _config.yml and _toc.yml, got {str(root)!r}")
    if execute not in ("force", "cache", "off"):
        raise ValueError(f"execute must be one of 'force', 'cache', 'off', got {execute!r}")
    if only_execute is not None and not Path(only_execute).is_file():
        raise ValueError(f"only_execute must be an existing chapter source, got {str(only_execute)!r}")
    if mathjax_dir is not None and not (Path(mathjax_dir) / "tex-mml-chtml.js").is_file():
        raise ValueError("mathjax_dir must be a MathJax 3 es5 folder holding tex-mml-chtml.js, "
                         f"got {str(mathjax_dir)!r}")
    if mathjax_font_dir is not None and (mathjax_dir is None or not Path(mathjax_font_dir).is_dir()):
        raise ValueError("mathjax_font_dir must be an existing folder (MathJax 4's font package), given "
                         f"with mathjax_dir; got {str(mathjax_font_dir)!r} with mathjax_dir={mathjax_dir!r}")
    if isinstance(mathjax_version, bool) or mathjax_version not in (3, 4):
        raise ValueError(f"mathjax_version must be 3 or 4, got {mathjax_version!r}")
    if not isinstance(student, (bool, np.bool_)):
        raise TypeError(f"student must be True or False, got {student!r}")
    if claims not in ("strict", "explore"):
        raise ValueError(f"claims must be 'strict' or 'explore', got {claims!r}")
    if claims_log is not None and not isinstance(claims_log, (str, Path)):
        raise TypeError(f"claims_log must be a path (str or Path), got {type(claims_log).__name__}")
    if not isinstance(extra_args, (tuple, list)) or not all(isinstance(a, str) for a in extra_args):
        raise TypeError(f"extra_args must be a tuple of strings, got {extra_args!r}")
    output = Path(output).resolve()
    output.mkdir(parents=True, exist_ok=True)
    sphinx_config: dict = {}
    toc_args: list[str] = []
    overrides: dict = {"execute": {"execute_notebooks": execute}, "sphinx": {"config": sphinx_config}}
    if only_execute is not None:
        chosen = Path(only_execute).resolve()
        others = [str(p.relative_to(ROOT)) for p in chapter_sources() if p.resolve() != chosen]
        # Pages that are not executed have no glued values: their warnings are filtered out by the
        # caller, which judges only the executed chapter.
        overrides["execute"]["exclude_patterns"] = others
    if student:
        overrides["title"] = load_config()["title"] + " (student edition)"
        overrides["execute"]["execute_notebooks"] = "off"
        sphinx_config["hide_solutions"] = True
        # Solutions, and with them every glued number, are removed from the student edition.
        sphinx_config["suppress_warnings"] = ["mystnb.glue"]
        # No copy of the sources and no launch of the full notebooks (they hold the solutions): the
        # "Your turn" pages link the student notebooks instead (the extension hides the download menu).
        sphinx_config["html_copy_source"] = False
        overrides["launch_buttons"] = {"binderhub_url": "", "colab_url": "", "jupyterhub_url": "",
                                       "thebe": False}
    if mathjax_version == 3:
        sphinx_config["mathjax_path"] = PRINT_MATHJAX_PATH
        sphinx_config["mathjax3_config"] = dict.fromkeys(MATHJAX4_ONLY_KEYS)
    if mathjax_dir is not None:
        sphinx_config["mathjax_path"] = "mathjax/tex-mml-chtml.js"
    if mathjax_font_dir is not None:
        # "[mathjax]" is the folder the MathJax script came from, at any depth of the page.
        sphinx_config.setdefault("mathjax3_config", {})["loader"] = {"paths": {"fonts": "[mathjax]/fonts"}}
    with tempfile.TemporaryDirectory() as tmp:
        if student:
            toc, dropped = student_toc(yaml.safe_load((root / "_toc.yml").read_text(encoding="utf8")))
            sphinx_config["student_dropped_labels"] = _labels_of(root, dropped)
            toc_path = Path(tmp) / "_toc.yml"
            toc_path.write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf8")
            toc_args = ["--toc", str(toc_path)]
        config_path = _write_config(overrides, Path(tmp), root=root)
        env = {**os.environ, "DGMBOOK_CLAIMS": claims}
        if claims_log is not None:
            env["DGMBOOK_CLAIMS_LOG"] = str(Path(claims_log).resolve())
        start = time.perf_counter()
        proc = subprocess.run(
            [str(JUPYTER_BOOK), "build", str(root), "--config", str(config_path),
             "--path-output", str(output), *toc_args, "-W", "-n", "--keep-going", "--all", *extra_args],
            cwd=root, capture_output=True, text=True, env=env,
        )
        seconds = time.perf_counter() - start
    html_dir = output / "_build" / "html"
    if mathjax_dir is not None and proc.returncode == 0:
        shutil.copytree(mathjax_dir, html_dir / "_static" / "mathjax", dirs_exist_ok=True)
        if mathjax_font_dir is not None:
            name = json.loads((Path(mathjax_font_dir) / "package.json").read_text())["name"].split("/")[-1]
            shutil.copytree(mathjax_font_dir, html_dir / "_static" / "mathjax" / "fonts" / name,
                            dirs_exist_ok=True)
    return BuildResult(proc.returncode, proc.stdout + proc.stderr, html_dir, seconds)


def sync_notebooks(check: bool = False) -> list[Path]:
    """Regenerate (or with ``check``, compare) the paired ``.ipynb`` of every chapter.

    The paired notebook carries no outputs: it is what Colab and Binder open.
    Returns the chapters whose ``.ipynb`` is missing or out of date.
    """
    import jupytext

    if not isinstance(check, (bool, np.bool_)):
        raise TypeError(f"check must be True or False, got {check!r}")
    stale = []
    for source in chapter_sources():
        notebook = jupytext.read(source)
        # Deterministic cell ids (nbformat draws random ones), so that the pair is reproducible.
        for index, cell in enumerate(notebook.cells):
            cell["id"] = hashlib.sha1(f"{index}:{cell.source}".encode()).hexdigest()[:8]
        text = jupytext.writes(notebook, fmt="ipynb")
        target = source.with_suffix(".ipynb")
        if not target.exists() or target.read_text(encoding="utf8") != text:
            stale.append(source)
            if not check:
                target.write_text(text, encoding="utf8")
    return stale


@dataclass
class PageRun:
    """What executing one page's notebook gave: the error that stopped it, if any, and its stderr."""

    source: Path
    seconds: float
    error: str | None
    stderr: list[str]

    def __post_init__(self) -> None:
        if self.source is None or not isinstance(self.source, (str, Path)):
            raise TypeError(f"source must be a path, got {type(self.source).__name__}")
        self.source = Path(self.source)
        number = isinstance(self.seconds, (int, float)) and not isinstance(self.seconds, bool)
        if not number or not self.seconds >= 0:
            raise ValueError(f"seconds must be a number >= 0, got {self.seconds!r}")
        if self.error is not None and not isinstance(self.error, str):
            raise TypeError(f"error must be a str or None, got {type(self.error).__name__}")
        if not isinstance(self.stderr, list) or not all(isinstance(t, str) for t in self.stderr):
            raise TypeError(f"stderr must be a list of str, got {self.stderr!r}")

    @property
    def ok(self) -> bool:
        """Every cell ran, and none wrote to stderr (the book's build fails on either)."""
        return self.error is None and not self.stderr


def execute_page(source: Path, env: dict[str, str] | None = None, *, timeout: int | None = None) -> PageRun:
    """Execute one chapter's notebook in a fresh kernel, as the book's build does, without Sphinx.

    Parameters
    ----------
    source : Path
        A chapter's MyST source (``book/*.md``); it is read with jupytext and run from its folder.
    env : dict of str to str, optional
        Variables added to this process's environment for the kernel (e.g. ``OPENBLAS_CORETYPE``,
        ``OPENBLAS_NUM_THREADS``, ``DGMBOOK_CLAIMS``, ``DGMBOOK_CLAIMS_LOG``); they are set before
        the kernel starts, so they reach the BLAS library when numpy loads it.
    timeout : int, optional
        Seconds allowed per cell; by default the book's own (``execute.timeout`` of ``_config.yml``).

    Returns
    -------
    PageRun
        The first error (its name, message and the cell's last lines) or ``None``, and every
        stream the cells wrote to stderr.
    """
    import jupytext
    import nbclient

    if source is None or not isinstance(source, (str, Path)):
        raise TypeError(f"source must be a path (str or Path), got {type(source).__name__}")
    source = Path(source).resolve()
    if not source.is_file():
        raise ValueError(f"source must be an existing chapter source, got {str(source)!r}")
    if env is None:
        env = {}
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                            for k, v in env.items()):
        raise TypeError(f"env must be a dict of str to str, got {env!r}")
    if timeout is None:
        timeout = int(load_config().get("execute", {}).get("timeout", 300))
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    notebook = jupytext.read(source)
    kernel = notebook.metadata.get("kernelspec", {}).get("name", "python3")
    client = nbclient.NotebookClient(notebook, timeout=timeout, kernel_name=kernel,
                                     resources={"metadata": {"path": str(source.parent)}})
    error = None
    start = time.perf_counter()
    try:
        client.execute(env={**os.environ, **env})
    except Exception as exc:  # a cell's error, a timeout or a dead kernel: the page did not run
        text = str(exc).strip()
        error = f"{type(exc).__name__}: {text[-2000:]}"
    seconds = time.perf_counter() - start
    stderr = [output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", [])
              if output.get("output_type") == "stream" and output.get("name") == "stderr"]
    return PageRun(source, seconds, error, stderr)


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dgmbook.build", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    student = sub.add_parser("student", help="build the student edition")
    student.add_argument("--output", type=Path, default=ROOT / "_build_student")
    chapter = sub.add_parser("chapter", help="execute and build one chapter, report its warnings")
    chapter.add_argument("source", type=Path)
    chapter.add_argument("--explore", action="store_true",
                         help="run on past failed claims and flag them on the page (a reader's run)")
    sync = sub.add_parser("sync", help="regenerate the paired notebooks and the reader's notebooks")
    sync.add_argument("--check", action="store_true", help="only report stale notebooks (no build)")
    sync.add_argument("--no-build", action="store_true",
                      help="regenerate the reader's notebooks from the committed index, without a build")
    args = parser.parse_args(argv)

    if args.command == "student":
        result = build_book(args.output, student=True)
        print(result.log[-3000:] if result.returncode else "")
        print(f"student edition: {result.html_dir / 'index.html'} ({result.seconds:.0f} s)")
        notebooks = sorted((result.html_dir / "notebooks").glob("*.ipynb"))
        if notebooks:
            print(f"student notebooks: {', '.join(str(p.relative_to(result.html_dir)) for p in notebooks)}")
        return result.returncode
    if args.command == "chapter":
        source = (ROOT / args.source).resolve() if not args.source.is_absolute() else args.source
        if source not in [p.resolve() for p in chapter_sources()]:
            parser.error(f"{args.source} is not a chapter listed in _toc.yml")
        output = ROOT / "_build" / f"chapter-{source.stem}"
        log = output / "claims.jsonl"
        output.mkdir(parents=True, exist_ok=True)
        log.unlink(missing_ok=True)
        result = build_book(output, execute="force", only_execute=source,
                            claims="explore" if args.explore else "strict", claims_log=log)
        mine = [w for w in result.warnings if source.name in w or source.stem in w]
        entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        failed = [e for e in entries if not e["holds"]]
        if args.explore:
            print(f"{len(entries)} claims checked, {len(failed)} no longer hold with these settings"
                  + (":" if failed else "."))
            for entry in failed:
                print(f"  - {entry['statement']}: {entry['detail']}")
        timing = re.findall(r"Executed notebook in ([0-9.]+) seconds", result.log)
        for line in mine:
            print(line)
        if result.returncode and not mine:
            print(result.log[-5000:])
        page = result.html_dir / source.relative_to(ROOT).with_suffix(".html")
        print(f"\n{source.name}: executed in {timing[0] if timing else '?'} s; "
              f"{len(mine)} warning(s) of its own; page: {page}")
        return 1 if mine or (result.returncode and not result.warnings) else 0
    if args.command == "sync":
        from dgmbook.reader_notebooks import sync_reader_notebooks

        stale = [path.with_suffix(".ipynb") for path in sync_notebooks(check=args.check)]
        index = None
        if not (args.check or args.no_build):
            # The reader's notebooks need what a build knows (labels, numbers, glued values): the
            # book is built as `tasks.py book` builds it, reusing its execution cache.
            result = build_book(ROOT, execute="cache")
            if result.returncode:
                print(result.log[-5000:])
                print("the book did not build: the reader's notebooks were not regenerated")
                return result.returncode
            index = ROOT / "_build" / "reader_notebooks" / "index.json"
        stale += sync_reader_notebooks(index, check=args.check)
        for path in stale:
            print(f"{'stale' if args.check else 'wrote'}: {path.relative_to(ROOT)}")
        return 1 if (args.check and stale) else 0
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(_main())
