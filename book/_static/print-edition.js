/* The print edition (dgmbook.pdf): turns the one-page HTML build into a book before Chromium
 * prints it. Evaluated by dgmbook.pdf after MathJax has typeset the page; the web pages do not
 * load it.
 *
 * printEdition.prepare(options) adds the title page and the contents (every page of the book, its
 * sections and its exercises, i.e. every question and part), starts each page of the web edition on
 * a new printed page, opens collapsible boxes that are not folded code cells, and puts an invisible
 * mark "@@PE<n>@@" at each contents entry's target. It returns the entries.
 * printEdition.setPageNumbers({n: page}) writes the page numbers found for the marks (by reading the
 * first printing's text) into the contents and removes the marks.
 *
 * Links: prepare() points every link into the print server (a notebook, a downloadable file) at the
 * same path of the published site (options.site), and records which page of the web edition
 * (data-pe-doc) holds each part of the book. printEdition.showOnly(doc) then leaves only that page
 * (without its sub-pages) to be printed as a PDF of its own, with its links to the rest of the book
 * pointing at the published pages; printEdition.showAll() restores the whole book.
 * Formulas: printEdition.speakFormulas() gives every typeset formula the role of an image whose
 * accessible name is its spoken form (MathJax's speech-rule engine), which Chromium's tagged PDF
 * carries as the /Alt text of a Figure.
 */
(function () {
  "use strict";

  function text(el) {
    const copy = el.cloneNode(true);
    copy.querySelectorAll(".headerlink, .pe-mark, mjx-assistive-mml").forEach((n) => n.remove());
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function exerciseTitle(el) {
    // "Exercise (Question 1, part 1.1)" -> "Question 1, part 1.1"
    const t = text(el);
    const m = t.match(/^Exercise\s*(?:[0-9.]+\s*)?\((.*)\)$/);
    return m ? m[1] : t;
  }

  function ensureId(el, n) {
    if (!el.id) el.id = `pe-target-${n}`;
    return el.id;
  }

  function prepare(options) {
    const article = document.querySelector("article.bd-article") || document.querySelector("main");
    document.title = options.title;

    // Every chapter of the web edition (document-<name> anchors of the one-page build that are not
    // inside another page) starts a new printed page; a chapter's sub-pages (its beyond and "Your
    // turn" pages) follow on, under a rule: a page break before each left up to 95 % of the page
    // before it blank.
    const starts = Array.from(article.querySelectorAll('span[id^="document-"]'));
    const rootSection = article.querySelector("h1") && article.querySelector("h1").closest("section");
    if (rootSection && options.rootDoc) rootSection.dataset.peDoc = options.rootDoc;
    starts.forEach((span) => {
      const next = span.nextElementSibling;
      if (next) {
        const nested = span.parentElement && span.parentElement.closest(".toctree-wrapper section");
        next.classList.add(nested ? "pe-sub-page" : "pe-new-page");
        next.dataset.peDoc = span.id.slice("document-".length);
        // The anchor moves into the page it names: left before it, its empty line could sit alone
        // at the top of a printed page, and the page break would then leave that page blank.
        next.prepend(span);
      }
    });

    // A link into the print server (a notebook, a downloadable file: relative links of the pages)
    // points at the same path of the published site; links inside the book stay links in the PDF.
    if (options.site) {
      article.querySelectorAll("a[href]").forEach((a) => {
        const href = a.getAttribute("href");
        if (href.startsWith("#")) return;
        const url = new URL(href, document.baseURI);
        if (url.origin !== location.origin) return;
        a.setAttribute("href", options.site + url.pathname.replace(/^\/+/, "") + url.search + url.hash);
      });
    }

    // Collapsible boxes that are not folded code cells: open them (their content is the text).
    article.querySelectorAll("details:not(.hide)").forEach((d) => { d.open = true; });
    article.querySelectorAll(".toggle-hidden").forEach((n) => n.classList.remove("toggle-hidden"));

    // Contents: headings h2 and h3 of the one-page build (pages of the book and their sections;
    // a question's sub-pages are h3 too), and exercise titles (the parts), in document order.
    const rootHeading = article.querySelector("h1");
    const nodes = Array.from(article.querySelectorAll("h2, h3, div.exercise > p.admonition-title"));
    const entries = [];
    nodes.forEach((node) => {
      let level;
      let label;
      let target;
      if (node.tagName === "P") {
        level = 2;
        label = exerciseTitle(node);
        target = node.parentElement;
      } else {
        level = node.tagName === "H2" ? 0 : 1;
        label = text(node);
        target = node.closest("section") || node;
      }
      if (!label) return;
      const n = entries.length;
      const id = ensureId(target, n);
      const mark = document.createElement("span");
      mark.className = "pe-mark";
      mark.textContent = `@@PE${n}@@`;
      node.insertBefore(mark, node.firstChild);
      entries.push({ n, level, label, id });
    });

    const title = document.createElement("section");
    title.className = "pe-titlepage";
    title.innerHTML = `<div class="pe-title"></div><div class="pe-edition"></div><div class="pe-meta"></div>`;
    title.querySelector(".pe-title").textContent = options.title;
    // The book's title is the tagged PDF's one first-level heading (chapters are h2, pages h3).
    title.querySelector(".pe-title").setAttribute("role", "heading");
    title.querySelector(".pe-title").setAttribute("aria-level", "1");
    title.querySelector(".pe-edition").textContent = options.edition;
    const meta = title.querySelector(".pe-meta");
    (options.meta || []).forEach((line) => {
      const div = document.createElement("div");
      div.textContent = line;
      meta.appendChild(div);
    });

    const contents = document.createElement("nav");
    contents.className = "pe-contents";
    contents.innerHTML = "<h2>Contents</h2><ol></ol>";
    const list = contents.querySelector("ol");
    entries.forEach((e) => {
      const li = document.createElement("li");
      li.className = `pe-level-${e.level}`;
      const a = document.createElement("a");
      a.href = `#${e.id}`;
      a.textContent = e.label;
      const dots = document.createElement("span");
      dots.className = "pe-dots";
      const page = document.createElement("span");
      page.className = "pe-page";
      page.dataset.entry = String(e.n);
      page.textContent = "000"; // the width of a page number, so that both printings match
      li.append(a, dots, page);
      list.appendChild(li);
    });
    // The contents heading is h2 in the text but must not be listed: it is added after collecting.
    const first = rootHeading ? rootHeading.closest("section") || article.firstElementChild : article.firstElementChild;
    article.insertBefore(title, first);
    article.insertBefore(contents, first);
    return entries;
  }

  // A display equation wider than the printed column (MathJax 3 does not break lines) is set in
  // a smaller size until it fits, rather than cut off at the margin. Run with the viewport as wide
  // as the printed column and print styles on. Returns how many were shrunk.
  function fitDisplays() {
    let shrunk = 0;
    document.querySelectorAll('mjx-container[display="true"]').forEach((el) => {
      const math = el.querySelector("mjx-math");
      const box = el.closest("div.math") || el.parentElement;
      if (!math || !box) return;
      const room = box.clientWidth;
      const eqno = box.querySelector(".eqno");
      // Centred between the margins, a numbered display must leave the number's width free on
      // both sides.
      const need = math.getBoundingClientRect().width + (eqno ? 2 * eqno.getBoundingClientRect().width + 8 : 0);
      if (room > 0 && need > room) {
        el.style.fontSize = `${Math.floor((room / need) * 99)}%`;
        shrunk += 1;
      }
    });
    return shrunk;
  }

  function setPageNumbers(pages) {
    document.querySelectorAll(".pe-contents .pe-page").forEach((span) => {
      const page = pages[span.dataset.entry];
      span.textContent = page ? String(page) : "";
    });
    document.querySelectorAll(".pe-mark").forEach((m) => m.remove());
  }

  // Print one page of the web edition alone: everything that is not on the way from the article
  // to that page, and every sub-page inside it, is hidden; a link to a part of the book that is not
  // printed points at its page on the published site. Returns the page's title.
  function showOnly(doc, site) {
    showAll();
    const article = document.querySelector("article.bd-article") || document.querySelector("main");
    const page = article.querySelector(`[data-pe-doc="${CSS.escape(doc)}"]`);
    if (!page) return null;
    const hide = (el) => { el.classList.add("pe-hidden"); };
    for (let el = page; el && el !== article; el = el.parentElement) {
      Array.from(el.parentElement.children).forEach((sibling) => { if (sibling !== el) hide(sibling); });
    }
    page.querySelectorAll("[data-pe-doc]").forEach((sub) => {
      hide(sub);
      // The sub-pages' wrapper and their anchors (document-<name> spans stay in their pages).
      const wrapper = sub.closest(".toctree-wrapper");
      if (wrapper && page.contains(wrapper) && wrapper !== page) hide(wrapper);
    });
    page.classList.add("pe-only");
    document.body.classList.add("pe-single");
    const where = (id) => {
      const target = id && document.getElementById(id);
      const owner = target && target.closest("[data-pe-doc]");
      return owner ? owner.dataset.peDoc : null;
    };
    page.querySelectorAll('a[href^="#"]').forEach((a) => {
      const id = decodeURIComponent(a.getAttribute("href").slice(1));
      let doc2 = id.startsWith("document-") ? id.slice("document-".length) : where(id);
      const target = document.getElementById(id);
      const printed = target && page.contains(target) && !target.closest(".pe-hidden");
      if (printed || !doc2) return;
      a.dataset.peHref = a.getAttribute("href");
      a.setAttribute("href", `${site}${doc2}.html` + (id.startsWith("document-") ? "" : `#${id}`));
    });
    const heading = page.querySelector("h1, h2, h3");
    return heading ? text(heading) : doc;
  }

  function showAll() {
    document.querySelectorAll(".pe-hidden").forEach((el) => el.classList.remove("pe-hidden"));
    document.querySelectorAll(".pe-only").forEach((el) => el.classList.remove("pe-only"));
    document.body.classList.remove("pe-single");
    document.querySelectorAll("a[data-pe-href]").forEach((a) => {
      a.setAttribute("href", a.dataset.peHref);
      delete a.dataset.peHref;
    });
  }

  // The pages of the web edition, in order (what showOnly accepts).
  function pages() {
    return Array.from(document.querySelectorAll("[data-pe-doc]")).map((el) => el.dataset.peDoc);
  }

  // Every typeset formula becomes an image whose accessible name is its spoken form (MathJax's
  // speech-rule engine, ClearSpeak rules, English), or its TeX source when the engine cannot be
  // loaded. Chromium's tagged PDF writes the name as the /Alt text of the formula's Figure tag
  // (the MathML that MathJax keeps for screen readers on the web is visually hidden, and a printed
  // PDF drops it). Run with the print styles on. Returns [formulas printed, of them spoken, with
  // their TeX only].
  async function speakFormulas() {
    if (!window.MathJax || !MathJax.startup || !MathJax.startup.document) return [0, 0, 0];
    let sre = null;
    try {
      await MathJax.loader.load("a11y/sre");
      sre = MathJax._.a11y.sre.Sre;
      await sre.setupEngine({ locale: "en", domain: "clearspeak", modality: "speech" });
      await sre.sreReady();
    } catch (error) {
      sre = null;
    }
    let count = 0;
    let spoken = 0;
    for (const item of MathJax.startup.document.math) {
      const root = item.typesetRoot;
      if (!root || !root.isConnected) continue;
      // Counted if printed (not in a folded cell or another box the print styles hide).
      const printed = root.getClientRects().length > 0;
      if (printed) count += 1;
      let label = "";
      if (sre) {
        try {
          label = sre.toSpeech(MathJax.startup.toMML(item.root)).trim();
        } catch (error) {
          label = "";
        }
      }
      if (label && printed) spoken += 1;
      else if (!label) label = `TeX: ${String(item.math).trim()}`;
      root.setAttribute("role", "img");
      root.setAttribute("aria-label", label);
      // Chromium tags an image only if it holds a text node of its own (MathJax draws its glyphs
      // as CSS content): a zero-width word joiner (no break opportunity, so no line starts with
      // the punctuation after a formula). The drawn formula, hidden from screen readers on the web
      // where the MathML speaks, is given back; the visually hidden MathML, which a PDF drops, goes.
      const anchor = document.createElement("span");
      anchor.className = "pe-alt-anchor";
      anchor.textContent = "\u2060";
      root.appendChild(anchor);
      root.querySelectorAll("mjx-math[aria-hidden]").forEach((el) => el.removeAttribute("aria-hidden"));
      root.querySelectorAll("mjx-assistive-mml").forEach((el) => el.remove());
    }
    return [count, spoken, count - spoken];
  }

  window.printEdition = { prepare, fitDisplays, setPageNumbers, showOnly, showAll, pages, speakFormulas };
})();
