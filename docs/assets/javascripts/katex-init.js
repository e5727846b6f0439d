/* Typesets math with the bundled KaTeX (assets/vendor/katex), no CDN.
 *
 * Lessons: pymdownx.arithmatex (generic) wraps each formula in .arithmatex as \( ... \)
 * or \[ ... \], so only those elements are scanned and a "$" in prose is left alone.
 * Notebooks: Jupyter Markdown cells keep their $ ... $ / $$ ... $$ as written.
 * document$ is Material's page observable, so this runs on every page it shows.
 *
 * A display formula wider than the column is first set smaller, down to MIN_SCALE of its
 * size (a 780 px equation in a 690 px column fits at 88 %); past that it scrolls sideways,
 * with the edge fade of layout.js showing that there is more.
 */
(function () {
  "use strict";

  var ARITHMATEX = [
    { left: "\\(", right: "\\)", display: false },
    { left: "\\[", right: "\\]", display: true },
  ];
  var NOTEBOOK = [
    { left: "$$", right: "$$", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false },
    { left: "\\[", right: "\\]", display: true },
  ];

  var MIN_SCALE = 0.7;

  function fitDisplays(root) {
    root.querySelectorAll(".arithmatex .katex-display, .jp-RenderedMarkdown .katex-display").forEach(function (el) {
      el.style.fontSize = "";
      var wide = el.scrollWidth, room = el.clientWidth;
      if (!room || wide <= room) return;
      var scale = Math.max(MIN_SCALE, (room - 2) / wide);
      el.style.fontSize = (scale * 100).toFixed(1) + "%";
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { fitDisplays(document.body); }, 150);
  });

  function typeset(root) {
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      renderMathInElement(el, { delimiters: ARITHMATEX, throwOnError: false });
    });
    root.querySelectorAll(".jupyter-wrapper .jp-RenderedMarkdown").forEach(function (el) {
      renderMathInElement(el, { delimiters: NOTEBOOK, throwOnError: false });
    });
    fitDisplays(root);
    // Measured again once KaTeX's own fonts are in: they are wider than the fallback.
    if (document.fonts) document.fonts.ready.then(function () { fitDisplays(root); });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(function (doc) {
      typeset(doc.body || document.body);
    });
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      typeset(document.body);
    });
  }
})();
