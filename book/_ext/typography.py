"""Three details of the rendered text, fixed once for every page.

**Titles with mathematics, as plain text where no formula can be drawn.** A section title such
as ``When the support moves: Uniform$(0, \\theta)$`` is typeset on its page, but Sphinx also
uses the title as text: the words of a ``{ref}`` link, the browser tab, the search index and its
result list. There the formula's TeX source showed (``Uniform(0, \\theta)``). The math of every
title becomes a :class:`title_math` node: drawn by MathJax like any in-line formula, but whose
text is a plain Unicode reading of the TeX (``Uniform(0, θ)``, ``𝒩(μ, σ²)``, ``q(xₜ₋₁ | xₜ, x₀)``).

**Punctuation stays with its formula.** A comma or full stop right after an in-line formula could
start the next line (the browser may break after a formula's box). Each such formula and the
punctuation after it are wrapped in ``<span class="math-punct">``, which the style sheet keeps
on one line (``book/_static/small-screens.css``); the formula can still break inside itself.

**Short formulas stay whole.** MathJax 4 may break an in-line formula at a relation; a short one
(:data:`SHORT_FORMULA`) is put in a TeX group, which it does not break (:class:`KeepShortFormulasWhole`).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

#: In-line formulas of at most this many characters of TeX are never broken across lines.
SHORT_FORMULA = 60
#: Punctuation that must not begin a line: it belongs to the formula before it.
TRAILING_PUNCTUATION = re.compile(r"^[.,;:!?)\]’”]+")

_SYMBOLS = {
    # Greek
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    # relations and operators
    "mid": "|", "to": "→", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠",
    "approx": "≈", "sim": "∼", "propto": "∝", "times": "×", "cdot": "·", "in": "∈",
    "infty": "∞", "nabla": "∇", "partial": "∂", "sum": "∑", "prod": "∏", "int": "∫",
    "ldots": "…", "dots": "…", "cdots": "⋯", "pm": "±", "mp": "∓", "log": "log", "exp": "exp",
    "lvert": "|", "rvert": "|", "langle": "⟨", "rangle": "⟩", "{": "{", "}": "}",
    # the book's macros (_config.yml, mathjax3_config.tex.macros)
    "E": "𝔼", "Var": "Var", "Cov": "Cov", "KL": "KL", "R": "ℝ", "N": "𝒩",
    "pdata": "p_data", "ptheta": "p_θ", "abar": "ᾱ", "tr": "tr", "sigmoid": "sigmoid",
    "softplus": "softplus", "diag": "diag", "argmin": "arg min", "argmax": "arg max", "d": "d",
    # spacing
    ",": " ", ";": " ", ":": " ", "!": "", "quad": " ", "qquad": " ",
}
#: Commands whose argument is shown as it is (fonts, decorations that plain text cannot draw).
_KEEP_ARGUMENT = {"mathrm", "mathit", "mathbf", "mathsf", "mathtt", "text", "textrm",
                  "operatorname", "boldsymbol", "mathcal", "mathbb", "hat", "tilde", "bar"}
_SUPERSCRIPT = str.maketrans("0123456789+-−=()nit", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱᵗ")
_SUBSCRIPT = str.maketrans("0123456789+-−=()aeijkmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑᵢⱼₖₘₙₒₚᵣₛₜᵤᵥₓ")
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([_^])|(\{)|(\})|(\s+)|(.)", re.S)


def tex_to_text(tex: str) -> str:
    """A plain-text reading of a short TeX formula: ``\\N(\\mu, \\sigma^2)`` -> ``𝒩(μ, σ²)``.

    Greek letters, the book's macros and common symbols become Unicode characters, a sub- or
    superscript becomes Unicode sub/superscript characters where they all exist (else ``_x`` or
    ``^x`` is kept); font commands keep their argument; braces and ``\\left``/``\\right`` go.
    """
    if not isinstance(tex, str):
        raise TypeError(f"tex must be a str, got {type(tex).__name__}")
    tokens = list(_TOKEN.finditer(tex))
    out, _ = _read(tokens, 0, stop_at_close=False)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _read(tokens, i, stop_at_close):
    out: list[str] = []
    while i < len(tokens):
        command, script, open_, close, space, char = tokens[i].groups()
        i += 1
        if close:
            if stop_at_close:
                return out, i
            continue
        if open_:
            inner, i = _read(tokens, i, stop_at_close=True)
            out.append("".join(inner))
        elif script:
            argument, i = _argument(tokens, i)
            table = _SUPERSCRIPT if script == "^" else _SUBSCRIPT
            mapped = argument.translate(table)
            if any(c in table for c in map(ord, argument)) and not any(
                    ord(c) not in table and not c.isspace() for c in argument):
                out.append(mapped.replace(" ", ""))
            else:
                out.append(script + (argument if len(argument) == 1 else f"{{{argument}}}"))
        elif command is not None:
            if command in ("left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "displaystyle"):
                continue
            if command in _KEEP_ARGUMENT:
                argument, i = _argument(tokens, i)
                out.append({"bar": argument + "\u0304", "hat": argument + "\u0302",
                            "tilde": argument + "\u0303"}.get(command, argument))
            else:
                out.append(_SYMBOLS.get(command, command))
        elif space:
            out.append(" ")
        else:
            out.append("−" if char == "-" else char)
    return out, i


def _argument(tokens, i):
    """The next group or single token, as text."""
    while i < len(tokens) and tokens[i].group(5):  # skip spaces
        i += 1
    if i >= len(tokens):
        return "", i
    command, _, open_, _, _, char = tokens[i].groups()
    if open_:
        inner, i = _read(tokens, i + 1, stop_at_close=True)
        return "".join(inner), i
    if command is not None:
        return _SYMBOLS.get(command, command), i + 1
    return ("−" if char == "-" else char or ""), i + 1


class title_math(nodes.math):  # noqa: N801 (docutils dispatches on the class name)
    """An in-line formula in a title: drawn from ``node['tex']``, read as its plain text."""


def _visit_title_math_html(self, node: title_math) -> None:
    start, end = self.builder.config.mathjax_inline
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(start + self.encode(node["tex"]) + end + "</span>")
    raise nodes.SkipNode


def _visit_title_math_latex(self, node: title_math) -> None:
    self.body.append(r"\(" + node["tex"] + r"\)")
    raise nodes.SkipNode


def _visit_title_math_text(self, node: title_math) -> None:
    self.add_text(node.astext())
    raise nodes.SkipNode


class PlainTextTitleMath(SphinxTransform):
    """Turn every formula of a title (section, rubric, admonition) into a :class:`title_math`.

    Runs before Sphinx records the titles (labels for ``{ref}``, the page title, the tables of
    contents; the search index reads them when the page is written).
    """

    default_priority = 400

    def apply(self, **kwargs) -> None:
        for title in list(self.document.findall(nodes.title)):
            for math in list(title.findall(nodes.math)):
                if isinstance(math, title_math):
                    continue
                tex = math.astext()
                plain = title_math("", tex_to_text(tex), tex=tex)
                plain.source, plain.line = math.source, math.line
                math.replace_self(plain)


class GluePunctuationToMath(SphinxTransform):
    """Wrap each in-line formula and the punctuation right after it in a ``math-punct`` span."""

    default_priority = 410

    def apply(self, **kwargs) -> None:
        for math in list(self.document.findall(nodes.math)):
            parent = math.parent
            if parent is None or "math-punct" in parent.get("classes", []):
                continue
            index = parent.index(math)
            if index + 1 >= len(parent.children):
                continue
            following = parent[index + 1]
            if not isinstance(following, nodes.Text):
                continue
            match = TRAILING_PUNCTUATION.match(str(following))
            if not match:
                continue
            rest = str(following)[match.end():]
            group = nodes.inline(classes=["math-punct"])
            parent.remove(math)
            group += math
            group += nodes.Text(match.group())
            parent.insert(index, group)
            if rest:
                parent.replace(following, nodes.Text(rest))
            else:
                parent.remove(following)


def _in_table(node: nodes.Node) -> bool:
    while node is not None:
        if isinstance(node, nodes.table):
            return True
        node = node.parent
    return False


class KeepShortFormulasWhole(SphinxTransform):
    """Put each short in-line formula in a TeX group, which MathJax 4 does not break.

    MathJax 4 breaks an in-line formula at any relation or binary operator of its top level, so
    that on a phone a formula as short as ``q(x_{t-1} \\mid x_t, x_0)`` could end one line and begin
    the next. Inside a group (``{...}``) no break is allowed: a formula of at most
    SHORT_FORMULA characters of TeX moves to the next line whole (measured at 390 px, 60 keeps
    every such formula narrower than its column, and halves the formulas broken: 374 to 101 of
    2,633); a longer one may still break, so that no formula is wider than a phone's column. In a
    table every formula may break: a phone's table cells are narrower than 60 characters of TeX.
    """

    default_priority = 420   # after PlainTextTitleMath: titles' formulas are plain text there

    def apply(self, **kwargs) -> None:
        for math in list(self.document.findall(nodes.math)):
            if _in_table(math):   # a table's narrow cells need their formulas to break
                continue
            if isinstance(math, title_math):   # drawn from its "tex"; its text is plain Unicode
                if len(math["tex"]) <= SHORT_FORMULA:
                    math["tex"] = "{" + math["tex"] + "}"
                continue
            tex = math.astext()
            if len(tex) <= SHORT_FORMULA:
                math.replace_self(nodes.math(math.rawsource, "{" + tex + "}", **math.attributes))


def setup(app: Sphinx) -> dict:
    app.add_node(title_math, override=True,
                 html=(_visit_title_math_html, None),
                 latex=(_visit_title_math_latex, None),
                 text=(_visit_title_math_text, None))
    app.add_transform(PlainTextTitleMath)
    app.add_transform(GluePunctuationToMath)
    app.add_transform(KeepShortFormulasWhole)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
