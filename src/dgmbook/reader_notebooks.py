"""The notebooks a reader opens in Jupyter or Colab, generated from the book's pages.

A page (``book/*.md``) is MyST: labels, cross-reference and citation roles, glued numbers,
admonition, exercise and proof directives, and LaTeX macros defined only in ``_config.yml``. Jupyter
and Colab render none of it. This module turns a page into a notebook they do render:

- a directive (admonition, exercise, ``prf:`` theorem or proof) becomes a blockquote headed by its
  title in bold (the Answer boxes read "**Answer**"); ``solution-start``/``solution-end`` markers and
  ``(label)=`` lines go;
- ``{ref}``, ``{numref}``, ``{eq}``, ``{prf:ref}`` and ``{doc}`` become Markdown links to the
  published book, with the text the page shows ("(8)", "Fig. 3", "Theorem 1", a section's title);
- ``{cite:p}``/``{cite:t}`` become author-year text ("(Ho et al., 2020)", "Ho et al. (2020)")
  linked to the book's references;
- ``{glue:text}`` becomes the number the page shows, formatted as on the page;
- a labelled display equation gets its page number as ``\\tag``;
- the book's macros (``mathjax3_config.tex.macros``) are expanded in place, so that any MathJax
  (JupyterLab's, nbconvert's, Colab's) typesets the formulas;
- a code cell tagged to fold or hide its input keeps its tags and gets ``jupyter.source_hidden``
  (``outputs_hidden`` for folded outputs), so JupyterLab folds it as the page does.

What the conversion needs from a build of the book (where each label points, its number, the glued
values) is the *index*: the Sphinx extension :func:`setup` writes it at the end of every build of
the full edition (``_build/reader_notebooks/index.json``), and puts the generated notebook, with the
build's outputs, behind each page's "download .ipynb". ``python3 tasks.py sync`` copies the index to
``notebooks/index.json`` and writes ``notebooks/book/*.ipynb`` (no outputs), which the Colab and
Binder buttons open from the repository; with the index committed, the notebooks are regenerated
from the pages alone, which is how the tests check that they are in sync.

This module is publishing machinery; it knows nothing of the mathematics.
"""

from __future__ import annotations

import copy
import hashlib
import json
import posixpath
import re
from pathlib import Path

import yaml

from dgmbook.book import PHONE_FIGURE_MIME

ROOT = Path(__file__).resolve().parents[2]
#: Where ``python3 tasks.py sync`` writes the reader notebooks (``notebooks/book/<page>.ipynb``)
#: and the index they are generated with; the launch buttons open them from the repository.
NOTEBOOK_DIR = ROOT / "notebooks"
INDEX_NAME = "index.json"

__all__ = ["NOTEBOOK_DIR", "convert_markdown", "expand_macros", "load_index", "reader_notebook",
           "site_url", "sync_reader_notebooks"]

#: A role: ``{name}`content```.
ROLE = re.compile(r"\{(?P<role>[a-z]+(?::[a-z]+)?)\}`(?P<content>[^`]*)`")
#: ``text <target>`` inside a role.
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
#: The opening line of a directive (backtick or colon fence).
FENCE_OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[A-Za-z0-9_:-]+)\}[ \t]*(?P<arg>.*)$")
#: A label line ``(label)=``.
LABEL_LINE = re.compile(r"^\([A-Za-z0-9_.:-]+\)=[ \t]*$")
#: A labelled display equation's closing ``$$ (label)``.
EQ_LABEL = re.compile(r"\$\$[ \t]*\((?P<label>[A-Za-z0-9_.:-]+)\)[ \t]*$", re.M)
#: A Markdown link whose target is a label of the book (``[text](label)``), not an address or file.
LABEL_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<target>[A-Za-z0-9_-]+)\)")
#: Cross-reference roles and the (domain, type) Sphinx resolves them with.
XREF_ROLES = {"ref": ("std", "ref"), "numref": ("std", "numref"), "eq": ("math", "eq"),
              "prf:ref": ("prf", "ref"), "doc": ("std", "doc")}
#: Directive names and the heading their block gets when it has no title of its own.
HEADINGS = {"prf:proof": "Proof", "solution": "Solution", "exercise": "Exercise", "note": "Note",
            "tip": "Tip", "warning": "Warning", "important": "Important", "hint": "Hint",
            "seealso": "See also", "caution": "Caution", "attention": "Attention", "danger": "Danger",
            "error": "Error"}
#: Directives that disappear (markers of the student edition).
DROPPED = ("solution-start", "solution-end")
#: Tags that fold or hide a code cell's input / output on the page.
HIDE_INPUT = ("hide-input", "remove-input", "hide-cell", "remove-cell")
HIDE_OUTPUT = ("hide-output", "remove-output", "hide-cell", "remove-cell")


# --------------------------------------------------------------------------------------------
# The published site and the book's macros


def load_config(root: Path = ROOT) -> dict:
    return yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf8"))


def site_url(config: dict | None = None) -> str:
    """The published book's address, ending in ``/``: GitHub Pages of ``repository.url``.

    ``https://github.com/ORG/REPO`` is published (``.github/workflows/pages.yml``) at
    ``https://ORG.github.io/REPO/``.
    """
    if config is None:
        config = load_config()
    if not isinstance(config, dict):
        raise TypeError(f"config must be the book's configuration (a dict), got {type(config).__name__}")
    url = str((config.get("repository") or {}).get("url") or "").rstrip("/")
    match = re.fullmatch(r"https?://github\.com/([^/]+)/([^/]+?)(?:\.git)?", url)
    if match is None:
        raise ValueError(f"repository.url of _config.yml must be a GitHub repository, got {url!r}")
    org, repo = match.groups()
    return f"https://{org.lower()}.github.io/{repo}/"


def book_macros(config: dict | None = None) -> dict[str, str]:
    """The LaTeX macros of ``_config.yml`` (``sphinx.config.mathjax3_config.tex.macros``)."""
    if config is None:
        config = load_config()
    macros = (((config.get("sphinx") or {}).get("config") or {}).get("mathjax3_config") or {})
    macros = ((macros.get("tex") or {}).get("macros") or {})
    for name, body in macros.items():
        if not isinstance(body, str):
            raise ValueError(f"macro \\{name} must be defined by a string (no arguments), got {body!r}")
    return dict(macros)


_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$(?!\$).+?(?<![\\$])\$(?!\$)", re.S)
#: Inline code on one line (not a role's argument, not a fence).
_CODE_SPAN = re.compile(r"(?<![`}])`[^`\n]+`(?!`)")


def _math_spans(text: str):
    """Yield ``(start, end)`` of every ``$...$`` and ``$$...$$`` outside inline code."""
    code = [m.span() for m in _CODE_SPAN.finditer(text)]
    for match in _MATH.finditer(text):
        if not any(a <= match.start() < b for a, b in code):
            yield match.span()


def expand_macros(tex: str, macros: dict[str, str]) -> str:
    """``tex`` with every ``\\name`` of ``macros`` (argument-free) replaced by its definition."""
    if not isinstance(tex, str):
        raise TypeError(f"tex must be a string, got {type(tex).__name__}")
    if not isinstance(macros, dict):
        raise TypeError(f"macros must be a dict of name to definition, got {type(macros).__name__}")
    for name, body in macros.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z]+", name) or not isinstance(body, str):
            raise ValueError(f"macros must map a macro's letters to its definition, got {name!r}: {body!r}")
    if not macros:
        return tex
    names = sorted(macros, key=len, reverse=True)
    pattern = re.compile(r"\\(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z])")

    def replace(match: re.Match) -> str:
        body = macros[match.group(1)]
        # Kept apart from a control word before it (\log\pdata -> \log p_{...}, never \logp_{...})
        # and, when it ends in one, from what follows (\foo2 -> \alpha 2).
        before = " " if match.start() and tex[match.start() - 1].isalpha() else ""
        after = " " if re.search(r"\\[A-Za-z]+$", body) else ""
        return before + body + after

    return pattern.sub(replace, tex)


def _rewrite_math(text: str, macros: dict[str, str]) -> str:
    """Expand the macros in every formula and put each formula on one line (so that a blockquote's
    ``> `` never lands inside one)."""
    pieces, last = [], 0
    for start, end in _math_spans(text):
        pieces.append(text[last:start])
        formula = expand_macros(text[start:end], macros)
        pieces.append(re.sub(r"[ \t]*\n[ \t]*", " ", formula))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


# --------------------------------------------------------------------------------------------
# The index: what a build knows (labels, numbers, glued values, citations)


def load_index(path: Path | None = None) -> dict:
    """The committed index (``notebooks/index.json``), or the one at ``path``."""
    if path is not None and not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a path to an index.json (str or Path), got {type(path).__name__}")
    path = NOTEBOOK_DIR / INDEX_NAME if path is None else Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an index of the book, but there is none at {str(path)!r}: "
                         "build the book, then run `python3 tasks.py sync`")
    try:
        index = json.loads(path.read_text(encoding="utf8"))
    except ValueError:
        index = None
    if not isinstance(index, dict) or not {"refs", "cite", "glue"} <= set(index):
        raise ValueError(f"path must be an index of the book (refs, cite, glue), got {str(path)!r}")
    return index


def _split_role(content: str) -> tuple[str | None, str]:
    match = EXPLICIT.match(content)
    if match:
        return match["text"], match["target"].strip()
    return None, content.strip()


def targets_of(text: str) -> set[tuple[str, str]]:
    """Every ``(role, target)`` a page refers to, and its labelled equations and proofs."""
    found = set()
    for match in ROLE.finditer(text):
        if match["role"] in XREF_ROLES:
            found.add((match["role"], _split_role(match["content"])[1]))
    found |= {("ref", match["target"]) for match in LABEL_LINK.finditer(text)}
    found |= {("eq", label) for label in EQ_LABEL.findall(text)}
    for match in re.finditer(r"^[`:]{3,}\{prf:[a-z]+\}.*\n(?::[a-z]+:.*\n)*?:label:[ \t]*(\S+)", text, re.M):
        found.add(("prf:ref", match.group(1)))
    return found


def _latex_text(text: str) -> str:
    """BibTeX's LaTeX (accents, braces) as plain text: ``Sen{\\'e}cal`` -> ``Senécal``."""
    import latexcodec  # noqa: F401 - registers the "latex" codec (pybtex depends on it)

    return re.sub(r"[{}]", "", text.encode("utf8").decode("latex"))


def _author_year(entry) -> tuple[str, str]:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(p.prelast_names + p.last_names) for p in people]
    names = [_latex_text(n) for n in names]
    others = any(n.lower() == "others" for n in names)
    names = [n for n in names if n.lower() != "others"]
    if not names:
        author = re.sub(r"[{}]", "", entry.fields.get("organization", entry.fields.get("title", "?")))
    elif len(names) >= 3 or others:
        author = f"{names[0]} et al."
    elif len(names) == 2:
        author = f"{names[0]} and {names[1]}"
    else:
        author = names[0]
    return author, str(entry.fields.get("year", "n.d."))


def build_index(app, exception) -> None:
    """Sphinx ``build-finished``: write the index and the downloadable notebooks of this build."""
    if exception is not None or app.builder.name != "html" or app.config["hide_solutions"]:
        return
    import nbformat
    from docutils import nodes
    from sphinx.addnodes import pending_xref

    env = app.env
    chapters = sorted(d for d in env.found_docs
                      if Path(env.doc2path(d)).read_text(encoding="utf8").startswith("---\njupytext:"))
    targets = set()
    for doc in env.found_docs:
        if Path(env.doc2path(doc)).suffix == ".md":
            targets |= targets_of(Path(env.doc2path(doc)).read_text(encoding="utf8"))
    root = app.config.root_doc
    refs = {}
    for role, target in sorted(targets):
        domain, typ = XREF_ROLES[role]
        name = target.lower() if domain == "std" and typ != "doc" else target
        if typ == "doc":
            name = str(Path(root).parent / target) if not target.startswith("/") else target.lstrip("/")
        node = pending_xref("", refdomain=domain, reftype=typ, reftarget=name, refexplicit=False,
                            refdoc=root)
        contnode = nodes.inline(name, name)
        try:
            ref = env.get_domain(domain).resolve_xref(env, root, app.builder, typ, name, node, contnode)
        except Exception:  # noqa: BLE001 - an unresolvable target is simply left out of the index
            ref = None
        if ref is None and (domain, typ) == ("std", "ref"):
            # A label before a paragraph or table: a reference to it needs its own text.
            anonymous = env.get_domain("std").anonlabels.get(name)
            if anonymous:
                todoc, labelid = anonymous
                refuri = app.builder.get_relative_uri(root, todoc) + "#" + labelid
                ref = nodes.reference("", "", refuri=refuri) if todoc != root else \
                    nodes.reference("", "", refid=labelid)
        if ref is None:
            continue
        uri = ref.get("refuri") or ""
        base = app.builder.get_target_uri(root)
        if not uri or uri.startswith("#"):
            uri = base + (uri or "#" + ref.get("refid", ""))
        else:
            path, _, anchor = uri.partition("#")
            uri = posixpath.normpath(posixpath.join(posixpath.dirname(base), path))
            uri += f"#{anchor}" if anchor else ""
        refs[f"{role}:{target}"] = {"url": uri, "text": ref.astext()}
    cite = {}
    try:
        import pybtex.database

        for bibfile in app.config.bibtex_bibfiles:
            data = pybtex.database.parse_file(str(Path(app.srcdir) / bibfile))
            for key, entry in data.entries.items():
                author, year = _author_year(entry)
                cite[key] = {"author": author, "year": year}
    except ImportError:  # pragma: no cover - sphinxcontrib-bibtex brings pybtex
        pass
    executed = Path(app.outdir).parent / "jupyter_execute"
    glue = {}
    for doc in chapters:
        path = executed / f"{doc}.glue.json"
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf8"))
            glue[doc] = {key: value["data"]["text/plain"] for key, value in sorted(data.items())
                         if "text/plain" in value.get("data", {})}
    index = {"refs": refs, "cite": dict(sorted(cite.items())), "glue": glue,
             "references": app.builder.get_target_uri("book/references")
             if "book/references" in env.found_docs else ""}
    folder = Path(app.outdir).parent / "reader_notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / INDEX_NAME).write_text(json.dumps(index, indent=1, sort_keys=True) + "\n", encoding="utf8")
    # Behind each page's "download .ipynb": the reader's notebook with this build's outputs.
    config = load_config(Path(app.confdir)) if (Path(app.confdir) / "_config.yml").is_file() else None
    if config is None or "repository" not in config:
        config = load_config()
    for doc in chapters:
        target = Path(app.outdir) / "_sources" / f"{doc}.ipynb"
        if not target.parent.is_dir():
            continue
        outputs = _executed(app, Path(env.doc2path(doc)))
        try:
            notebook = reader_notebook(Path(env.doc2path(doc)), index, config=config, outputs_from=outputs)
        except ValueError:
            # A page this build did not execute (a one-chapter build) has no glued values: it keeps
            # the theme's copy (tests/test_reader_notebooks.py checks every page of a full build).
            continue

        target.write_text(nbformat.writes(notebook) + "\n", encoding="utf8")


def _executed(app, source: Path):
    """The page as this build executed it, with its outputs: from the execution cache (myst-nb's
    ``jupyter_execute`` copy has no outputs when the build runs in cache mode), else ``None``."""
    import jupytext

    if app.config["nb_execution_mode"] != "cache":
        return None
    try:
        from jupyter_cache import get_cache

        folder = app.config["nb_execution_cache_path"] or str(Path(app.outdir).parent / ".jupyter_cache")
        return get_cache(folder).merge_match_into_notebook(jupytext.read(source))[1]
    except (ImportError, KeyError, OSError, ValueError):
        return None


def setup(app):
    """A Sphinx extension: the index and the download notebooks at the end of a build."""
    app.connect("build-finished", build_index)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# --------------------------------------------------------------------------------------------
# Markdown


class _Converter:
    def __init__(self, index: dict, page: str, macros: dict[str, str], site: str,
                 titles: dict[str, str]):
        self.index, self.page, self.macros, self.site, self.titles = index, page, macros, site, titles
        self.glue = index.get("glue", {}).get(page, {})
        self.used_glue: dict[str, str] = {}

    # roles ----------------------------------------------------------------------------------
    def link(self, role: str, content: str) -> str:
        text, target = _split_role(content)
        ref = self.index["refs"].get(f"{role}:{target}")
        if ref is None:
            raise ValueError(f"{self.page}: {{{role}}}`{content}` is not in the index of the book "
                             "(build the book and run `python3 tasks.py sync`)")
        if text is None:
            text = self.titles.get(target.lower()) if role == "ref" else None
            text = text or ref["text"]
        elif role == "numref" and "%s" in text:
            number = re.search(r"[\d.]+$", ref["text"])
            text = text.replace("%s", number.group(0) if number else ref["text"])
        return f"[{text}]({self.site}{ref['url']})"

    def cite(self, role: str, content: str) -> str:
        keys = [k.strip() for k in content.split(",") if k.strip()]
        url = self.site + self.index.get("references", "")
        parts = []
        for key in keys:
            entry = self.index["cite"].get(key)
            if entry is None:
                raise ValueError(f"{self.page}: citation {key!r} is not in the book's references")
            if role == "cite:t":
                parts.append(f"[{entry['author']} ({entry['year']})]({url})")
            else:
                parts.append(f"[{entry['author']}, {entry['year']}]({url})")
        return "; ".join(parts) if role == "cite:t" else "(" + "; ".join(parts) + ")"

    def glued(self, content: str) -> str:
        from myst_nb.core.variables import format_plain_text

        key, _, spec = content.partition(":")
        if key not in self.glue:
            raise ValueError(f"{self.page}: glued value {key!r} is not in the index of the book")
        self.used_glue[key] = self.glue[key]
        return format_plain_text(self.glue[key], spec)

    def role(self, match: re.Match) -> str:
        role, content = match["role"], match["content"]
        if role in XREF_ROLES:
            return self.link(role, content)
        if role in ("cite:p", "cite:t", "cite", "cite:ps", "cite:ts"):
            return self.cite("cite:t" if role.startswith("cite:t") else "cite:p", content)
        if role == "glue:text" or role == "glue":
            return self.glued(content)
        if role == "math":
            return f"${content}$"
        if role in ("sup", "sub"):
            return f"<{role}>{content}</{role}>"
        return _split_role(content)[0] or content  # any other role: its text

    # directives -----------------------------------------------------------------------------
    def heading(self, name: str, arg: str, options: dict[str, str]) -> str:
        arg = arg.strip()
        if name.startswith("prf:") and name != "prf:proof":
            kind = name.split(":", 1)[1].title()
            label = options.get("label")
            ref = self.index["refs"].get(f"prf:ref:{label}") if label else None
            head = ref["text"].strip() if ref else kind
            return f"{head} ({arg})" if arg else head
        if name == "admonition":
            return arg or "Note"
        if arg:
            return arg
        return HEADINGS.get(name, name.replace("-", " ").capitalize())

    def blocks(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(lines):
            match = FENCE_OPEN.match(lines[i])
            if match is None:
                if not LABEL_LINE.match(lines[i]):
                    out.append(lines[i])
                i += 1
                continue
            fence = match["fence"]
            close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
            j = i + 1
            while j < len(lines) and not close.match(lines[j]):
                j += 1
            body = lines[i + 1:j]
            options: dict[str, str] = {}
            while body and re.match(r"^[ \t]*:[A-Za-z_-]+:", body[0]):
                key, _, value = body.pop(0).strip()[1:].partition(":")
                options[key] = value.strip()
            name = match["name"]
            i = j + 1
            if name in DROPPED:
                continue
            inner = self.blocks(body)
            while inner and not inner[0].strip():
                inner.pop(0)
            while inner and not inner[-1].strip():
                inner.pop()
            title = self.heading(name, match["arg"], options)
            if name == "prf:proof" and inner:
                inner[-1] = inner[-1] + " ∎"
            quoted = [f"> **{title}**", ">"] + [("> " + line).rstrip() for line in inner]
            out.extend(quoted)
        return out

    def convert(self, text: str) -> str:
        text = _rewrite_math(text, self.macros)
        text = ROLE.sub(self.role, text)
        text = LABEL_LINK.sub(lambda m: self.link("ref", f"{m['text']} <{m['target']}>"), text)

        def tag(match: re.Match) -> str:
            ref = self.index["refs"].get(f"eq:{match['label']}")
            number = ref["text"].strip("()") if ref else None
            return f"\\tag{{{number}}}$$" if number else "$$"

        text = EQ_LABEL.sub(tag, text)
        lines = self.blocks(text.split("\n"))
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _section_titles(sources: list[Path]) -> dict[str, str]:
    """Each ``(label)=`` before a heading: the heading's Markdown (which may hold math)."""
    titles = {}
    for source in sources:
        text = source.read_text(encoding="utf8")
        for match in re.finditer(r"^\(([A-Za-z0-9_.:-]+)\)=[ \t]*\n#+[ \t]+(.+)$", text, re.M):
            titles[match.group(1).lower()] = match.group(2).strip()
    return titles


def _book_sources() -> list[Path]:
    return sorted((ROOT / "book").glob("*.md"))


def convert_markdown(text: str, page: str, index: dict, *, config: dict | None = None) -> str:
    """One Markdown cell of ``page`` (e.g. ``"book/q4_diffusion_posterior"``) as Jupyter renders it.

    Parameters
    ----------
    text : str
        The cell's MyST Markdown.
    page : str
        The page's name in the book (its path without ``.md``): its glued values are looked up there.
    index : dict
        The book's index (:func:`load_index`).
    config : dict, optional
        The book's configuration (the published site, the macros); ``_config.yml`` by default.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string of Markdown, got {type(text).__name__}")
    if not isinstance(page, str):
        raise TypeError(f"page must be a page's name such as 'book/q1_nce_cd', got {type(page).__name__}")
    if not isinstance(index, dict) or "refs" not in index:
        raise TypeError("index must be the book's index (a dict with 'refs', 'cite', 'glue')")
    config = load_config() if config is None else config
    converter = _Converter(index, page, book_macros(config), site_url(config),
                           _section_titles(_book_sources()))
    return converter.convert(text)


def _page_name(source: Path) -> str:
    source = Path(source).resolve()
    try:
        return str(source.relative_to(ROOT).with_suffix(""))
    except ValueError:
        return f"book/{source.stem}"


def _header_cell(page: str, site: str):
    import nbformat

    return nbformat.v4.new_markdown_cell(
        f"*This notebook is a page of the book, [read it online]({site}{page}.html). Run the cells "
        "from the top; the first installs the book's package if it is missing. The numbers in the "
        "text are those of the published book; the code recomputes them.*")


def convert_cells(notebook, page: str, index: dict, *, config: dict | None = None):
    """Convert every Markdown cell of ``notebook`` in place, fold its hidden code cells, and record
    the glued values used in ``notebook.metadata["dgmbook"]["glue"]``."""
    config = load_config() if config is None else config
    converter = _Converter(index, page, book_macros(config), site_url(config),
                           _section_titles(_book_sources()))
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = converter.convert(cell.source)
            if not cell.source.strip():
                continue
        elif cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            jupyter = {}
            if any(t in tags for t in HIDE_INPUT):
                jupyter["source_hidden"] = True
            if any(t in ("hide-output", "remove-output") for t in tags):
                jupyter["outputs_hidden"] = True
            if jupyter:
                cell.metadata["jupyter"] = jupyter
        cells.append(cell)
    notebook.cells = cells
    notebook.metadata.setdefault("dgmbook", {})["glue"] = dict(sorted(converter.used_glue.items()))
    return notebook


def reader_notebook(source: Path, index: dict, *, config: dict | None = None,
                    outputs_from: Path | None = None):
    """The reader's notebook of one page.

    Parameters
    ----------
    source : Path
        The page's MyST source (``book/*.md`` with a jupytext header).
    index : dict
        The book's index (:func:`load_index`, or the one a build writes).
    config : dict, optional
        The book's configuration; ``_config.yml`` by default.
    outputs_from : Path or nbformat.NotebookNode, optional
        The page's notebook as the build executed it: its code cells' outputs are copied over (the
        download menu's notebook); without it the notebook has no outputs (the launch buttons').

    Returns
    -------
    nbformat.NotebookNode
    """
    import jupytext
    import nbformat

    if source is None or not isinstance(source, (str, Path)):
        raise TypeError(f"source must be a path to a page (str or Path), got {type(source).__name__}")
    source = Path(source)
    if not source.is_file() or not source.read_text(encoding="utf8").startswith("---\njupytext:"):
        raise ValueError(f"source must be an existing page with a jupytext header, got {str(source)!r}")
    if not isinstance(index, dict) or "refs" not in index:
        raise TypeError("index must be the book's index (a dict with 'refs', 'cite', 'glue')")
    if outputs_from is not None and not isinstance(outputs_from, (str, Path, dict)):
        raise TypeError("outputs_from must be an executed notebook or its path, "
                        f"got {type(outputs_from).__name__}")
    config = load_config() if config is None else config
    page = _page_name(source)
    notebook = jupytext.read(source)
    convert_cells(notebook, page, index, config=config)
    notebook.cells.insert(0, _header_cell(page, site_url(config)))
    if outputs_from is not None:
        if isinstance(outputs_from, (str, Path)):
            outputs_from = nbformat.read(outputs_from, as_version=4)
        executed = [c for c in outputs_from.cells if c.cell_type == "code"]
        mine = [c for c in notebook.cells if c.cell_type == "code"]
        if len(executed) != len(mine):
            raise ValueError(f"outputs_from has {len(executed)} code cells, the page {len(mine)}")
        for cell, done in zip(mine, executed, strict=True):
            # Glue's records (mime types of papermill) are for the book, not for a reader's Jupyter.
            cell.outputs = [_without_phone_figure(o) for o in done.get("outputs", [])
                            if "scrapbook" not in o.get("metadata", {})]
            cell.execution_count = done.get("execution_count")
    # Deterministic cell ids, so that a regenerated notebook is byte-identical.
    for number, cell in enumerate(notebook.cells):
        cell["id"] = hashlib.sha1(f"{number}:{cell.source}".encode()).hexdigest()[:8]
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["dgmbook"]["page"] = page
    notebook.metadata["dgmbook"] = dict(sorted(notebook.metadata["dgmbook"].items()))
    nbformat.validate(notebook)
    return notebook


def _without_phone_figure(output: dict) -> dict:
    """An output without its figure's phone version (a page's web layout; Jupyter never shows it)."""
    if PHONE_FIGURE_MIME not in output.get("data", {}):
        return output
    output = copy.deepcopy(output)
    del output["data"][PHONE_FIGURE_MIME]
    return output


def _committed_glue(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf8"))["metadata"]["dgmbook"]["glue"]
    except (KeyError, ValueError):
        return None


def sync_reader_notebooks(index_path: Path | None = None, *, check: bool = False,
                          folder: Path | None = None) -> list[Path]:
    """Write (or with ``check``, compare) ``notebooks/book/<page>.ipynb`` for every chapter.

    Parameters
    ----------
    index_path : Path, optional
        A build's index (``_build/reader_notebooks/index.json``) to copy to ``notebooks/index.json``
        first; without it the committed index is used.
    check : bool
        Only compare. The glued values are then those recorded in each committed notebook (a
        timing differs from run to run; what must agree is everything else).
    folder : Path, optional
        Where the notebooks are (``notebooks/`` of the repository by default).

    Returns
    -------
    list of Path
        The notebooks that were missing or out of date (written unless ``check``).
    """
    import nbformat

    from dgmbook.build import chapter_sources

    if not isinstance(check, bool):
        raise TypeError(f"check must be True or False, got {check!r}")
    if index_path is not None and not isinstance(index_path, (str, Path)):
        raise TypeError(f"index_path must be a path (str or Path), got {type(index_path).__name__}")
    if index_path is not None and not Path(index_path).is_file():
        raise ValueError(f"index_path must be a build's index.json, got {str(index_path)!r}")
    if folder is not None and not isinstance(folder, (str, Path)):
        raise TypeError(f"folder must be a path (str or Path), got {type(folder).__name__}")
    folder = NOTEBOOK_DIR if folder is None else Path(folder)
    stale = []
    if index_path is not None:
        index = load_index(index_path)
        text = json.dumps(index, indent=1, sort_keys=True) + "\n"
        target = folder / INDEX_NAME
        if not target.is_file() or target.read_text(encoding="utf8") != text:
            stale.append(target)
            if not check:
                folder.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf8")
    index = load_index(folder / INDEX_NAME)
    config = load_config()
    for source in chapter_sources():
        page = _page_name(source)
        target = folder / f"{page}.ipynb"
        used = copy.deepcopy(index)
        recorded = _committed_glue(target) if check else None
        if recorded is not None:
            used["glue"] = {**used["glue"], page: {**used["glue"].get(page, {}), **recorded}}
        text = nbformat.writes(reader_notebook(source, used, config=config)) + "\n"
        if not target.is_file() or target.read_text(encoding="utf8") != text:
            stale.append(target)
            if not check:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf8")
    return stale
