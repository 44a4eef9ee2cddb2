/* Explorable figures (dgmbook.explorable): a slider over precomputed frames, drawn by Vega-Lite.
 *
 * Added by book/_ext/explorable.py to the pages that hold a <figure class="dgm-explorable">, and
 * only to them. For each such figure it loads the vendored Vega, Vega-Lite and vega-embed (once,
 * from this site's _static/vendor/vega), adds a labelled native range input, draws the chart (SVG,
 * as wide as its container, panels stacked on a narrow screen) and hides the static image on
 * screen (the print style keeps it, and hides the chart). The browser computes nothing: the input
 * sets the Vega parameter "frame", which selects one of the frames the book computed.
 *
 * For tests and readers' consoles: window.dgmExplorables[name] = {figure, input, view, frame,
 * values, labels, ready (a promise), show(k), plotted()}; plotted() returns the points the view
 * draws, as {series, x, y}.
 */
(function () {
  "use strict";

  const BASE = new URL(".", document.currentScript.src);
  const VENDOR = ["vendor/vega/vega.min.js", "vendor/vega/vega-lite.min.js",
    "vendor/vega/vega-embed.min.js"];
  /* Width of one panel below which panels are stacked, and the room kept for a y axis. */
  const MIN_PANEL = 300;
  const AXIS = 70;
  const registry = (window.dgmExplorables = window.dgmExplorables || {});
  let library = null;

  function loadLibrary() {
    // Fetched in parallel, run in order (async = false): vega-lite and vega-embed need vega.
    if (!library) {
      library = Promise.all(VENDOR.map((file) => new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = new URL(file, BASE).href;
        script.async = false;
        script.onload = resolve;
        script.onerror = () => reject(new Error(`explorable figures: could not load ${file}`));
        document.head.appendChild(script);
      })));
    }
    return library;
  }

  /* The spec laid out for a container `width` pixels wide (`excess`: pixels to take off the
   * panels, measured on a first drawing that came out wider than the container). */
  function fitted(spec, width, excess) {
    const copy = JSON.parse(JSON.stringify(spec));
    if (copy.concat) {
      const n = copy.concat.length;
      const columns = Math.max(1, Math.min(n, Math.floor(width / MIN_PANEL)));
      copy.columns = columns;
      const room = width - columns * AXIS - (columns - 1) * 20 - excess;
      const panel = Math.max(120, Math.floor(room / columns));
      copy.concat.forEach((view) => { view.width = panel; });
    } else {
      copy.width = Math.max(120, width);
      copy.autosize = { type: "fit-x", contains: "padding" };
    }
    // As many legend columns as the longest name allows (about 7 px a character).
    const series = copy.usermeta.dgmExplorable.series;
    const entry = 36 + 7 * Math.max(...series.map((s) => s.length));
    copy.config.legend.columns = Math.max(1, Math.min(series.length, Math.floor(width / entry)));
    copy.config.legend.labelLimit = Math.max(80, width - 48);
    return copy;
  }

  /* The points the view draws, each once: a series drawn by two marks (an area and its outline)
   * is read from the first. */
  function plotted(view) {
    const points = [];
    const markOf = new Map();
    (function walk(node) {
      if (!node || !node.items) return;
      node.items.forEach((item) => {
        const d = item.datum;
        if (node.marktype !== "group" && d && d.series !== undefined && typeof d.x === "number") {
          if (!markOf.has(d.series)) markOf.set(d.series, node);
          if (markOf.get(d.series) === node) points.push({ series: d.series, x: d.x, y: d.y });
        }
        if (item.items) item.items.forEach(walk);
      });
    })(view.scenegraph().root);
    return points;
  }

  function setup(figure) {
    const name = figure.dataset.dgmExplorable;
    const spec = JSON.parse(figure.querySelector("script.dgm-explorable-spec").textContent);
    const meta = spec.usermeta.dgmExplorable;
    const live = figure.querySelector(".dgm-explorable-live");

    const controls = document.createElement("div");
    controls.className = "dgm-explorable-controls";
    const input = document.createElement("input");
    input.type = "range";
    input.id = `${figure.id}-control`;
    input.min = "0";
    input.max = String(meta.values.length - 1);
    input.step = "1";
    const label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = meta.parameter;
    const output = document.createElement("output");
    output.htmlFor = input.id;
    output.setAttribute("aria-live", "polite");
    controls.append(label, input, output);
    const chart = document.createElement("div");
    chart.className = "dgm-explorable-chart";
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", spec.description);
    live.append(controls, chart);

    const state = {
      figure, input, view: null, frame: meta.initial, values: meta.values, labels: meta.labels,
      show(k) {
        state.frame = k;
        input.value = String(k);
        input.setAttribute("aria-valuetext", meta.labels[k]);
        output.textContent = meta.labels[k];
        return state.view ? state.view.signal("frame", k).runAsync().then(() => undefined)
          : Promise.resolve();
      },
      plotted() { return state.view ? plotted(state.view) : []; },
    };
    registry[name] = state;
    input.addEventListener("input", () => { state.show(Number(input.value)); });
    state.show(meta.initial);

    let drawnWidth = 0;
    let result = null;
    async function draw() {
      const width = Math.floor(chart.clientWidth);
      if (!width || Math.abs(width - drawnWidth) < 16) return;
      drawnWidth = width;
      const options = { renderer: "svg", actions: false, tooltip: false };
      state.view = null;  // until the new drawing is ready (show() then only moves the slider)
      if (result) result.finalize();
      result = await window.vegaEmbed(chart, fitted(spec, width, 0), options);
      // Panels side by side: the axes' room is estimated; if the chart came out wider than its
      // container, draw it once more with narrower panels.
      const excess = Math.ceil(chart.querySelector("svg").getBoundingClientRect().width - width);
      if (spec.concat && excess > 0) {
        result.finalize();
        result = await window.vegaEmbed(chart, fitted(spec, width, excess + 4), options);
      }
      state.view = result.view;
      await state.show(state.frame);
      figure.classList.add("dgm-explorable-is-live");
    }
    // Drawn once the library is loaded, and again when the width changes (a figure in a folded
    // box has no width until the box is opened: until then it is not drawn, and its static image
    // stays).
    live.hidden = false;
    state.ready = loadLibrary().then(draw).then(() => {
      let pending = null;
      new ResizeObserver(() => {
        clearTimeout(pending);
        pending = setTimeout(() => { draw().catch(fail); }, 200);
      }).observe(chart);
    }).catch(fail);

    function fail(error) {
      // The static image stays: the reader sees the figure, without its slider.
      live.hidden = true;
      figure.classList.remove("dgm-explorable-is-live");
      console.error(`explorable figure ${name}:`, error);
    }
  }

  function start() {
    document.querySelectorAll("figure.dgm-explorable").forEach(setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
