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

    // Every page of the web edition (document-<name> anchors of the one-page build) starts a new
    // printed page, except the first, which follows the contents.
    const starts = Array.from(article.querySelectorAll('span[id^="document-"]'));
    starts.forEach((span) => {
      const next = span.nextElementSibling;
      if (next) {
        next.classList.add("pe-new-page");
        // The anchor moves into the page it names: left before it, its empty line could sit alone
        // at the top of a printed page, and the page break would then leave that page blank.
        next.prepend(span);
      }
    });

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

  window.printEdition = { prepare, fitDisplays, setPageNumbers };
})();
