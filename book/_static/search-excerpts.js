/* Search results: the excerpt under each result reads a formula as text, not as TeX source.
 * Sphinx builds the excerpt from the page's HTML text, where a formula is still its TeX
 * ("Uniform(0, \theta)"); this reads each formula the way book/_ext/typography.py reads the
 * formulas of titles: Greek letters and the book's macros as Unicode, no braces or backslashes. */
(function () {
  "use strict";
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ",
    pi: "π", rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ",
    omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Sigma: "Σ", Phi: "Φ",
    Psi: "Ψ", Omega: "Ω", mid: "|", to: "→", leq: "≤", le: "≤", geq: "≥", ge: "≥",
    neq: "≠", approx: "≈", sim: "∼", propto: "∝", times: "×", cdot: "·", in: "∈",
    infty: "∞", nabla: "∇", partial: "∂", sum: "∑", prod: "∏", int: "∫", ldots: "…",
    dots: "…", cdots: "⋯", pm: "±", E: "𝔼", R: "ℝ", N: "𝒩", pdata: "p_data",
    ptheta: "p_θ", abar: "ᾱ", argmin: "arg min", argmax: "arg max",
    left: "", right: "", big: "", Big: "", bigl: "", bigr: "", displaystyle: "",
  };
  function texToText(tex) {
    return tex
      .replace(/\\(?:mathrm|mathit|mathbf|mathcal|mathbb|text|operatorname|boldsymbol)\b/g, "")
      .replace(/\\([A-Za-z]+)/g, (all, name) => (name in SYMBOLS ? SYMBOLS[name] : name))
      .replace(/\\[,;:! ]/g, " ")
      .replace(/[{}]/g, "")
      .replace(/\s+/g, " ")
      .trim();
  }
  function install() {
    if (!window.Search || !Search.htmlToText || Search.htmlToText.readsFormulas) return;
    const original = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math").forEach((el) => {
        const tex = el.textContent.replace(/^\s*(\\\(|\\\[|\$\$?)/, "").replace(/(\\\)|\\\]|\$\$?)\s*$/, "");
        el.textContent = texToText(tex);
      });
      return original.call(this, doc.documentElement.outerHTML, anchor);
    };
    Search.htmlToText.readsFormulas = true;
  }
  window.bookTexToText = texToText;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", install);
  } else {
    install();
  }
})();
