/* Shows that a box scrolls sideways: wide tables (lessons' and notebook outputs'), wide
 * formulas and wide diagrams.
 *
 * A box whose content is wider than itself gets data-scroll="right", "left" or "both"
 * (where more content hides), and extra.css fades that edge, so a cut-off column reads as
 * "more this way" rather than as the end of the table. Updated on scroll, on resize, and
 * when content changes size (KaTeX and Mermaid draw after the page has loaded).
 */
(function () {
  "use strict";

  var BOXES =
    ".md-typeset__scrollwrap, .md-typeset div.arithmatex, .md-typeset div.mermaid, " +
    ".md-typeset .nb-scroll";

  function mark(box) {
    var more = box.scrollWidth - box.clientWidth;
    var state = "";
    if (more > 1) {
      var left = box.scrollLeft > 1, right = box.scrollLeft < more - 1;
      state = left && right ? "both" : left ? "left" : right ? "right" : "";
    }
    if (state) box.dataset.scroll = state;
    else delete box.dataset.scroll;
  }

  var pending = false;
  function markAll() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      document.querySelectorAll(BOXES).forEach(mark);
    });
  }

  document.addEventListener("scroll", function (event) {
    var box = event.target;
    if (box instanceof Element && box.matches(BOXES)) mark(box);
  }, { capture: true, passive: true });
  window.addEventListener("resize", markAll);
  window.addEventListener("load", markAll);
  new MutationObserver(markAll).observe(document.documentElement, { childList: true, subtree: true });

  if (typeof document$ !== "undefined") document$.subscribe(markAll);
  else document.addEventListener("DOMContentLoaded", markAll);
})();
