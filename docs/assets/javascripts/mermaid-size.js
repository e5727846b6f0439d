/* Keeps Mermaid diagrams readable (loaded right after the bundled mermaid.tiny.js, only on
 * pages with a diagram; see tutor/site/vendor.py).
 *
 * Mermaid sizes a diagram with width="100%" and max-width = its natural width, so a wide
 * diagram shrinks to the column: a 1,600 px flowchart in a 690 px column had 7 px labels.
 * Material draws the SVG into a closed shadow root, where the site's CSS cannot reach, but
 * it calls the global mermaid.render; wrapping that call lets the SVG carry a min-width too.
 * A diagram may shrink to MIN_SCALE of its natural size, which fits the desktop column
 * (688 px) with every diagram up to 1,058 px wide, at labels of about 10 px; past that,
 * div.mermaid scrolls sideways (extra.css) with the same edge fade and "scroll" line as wide
 * tables (layout.js).
 */
(function () {
  "use strict";

  var MIN_SCALE = 0.65;
  var mermaid = window.mermaid;
  if (!mermaid || typeof mermaid.render !== "function") return;

  function withMinWidth(svg) {
    var match = /max-width:\s*([\d.]+)px/.exec(svg);
    if (!match) return svg;
    var min = Math.round(parseFloat(match[1]) * MIN_SCALE);
    return svg.replace(match[0], match[0] + "; min-width: " + min + "px");
  }

  var render = mermaid.render.bind(mermaid);
  mermaid.render = function () {
    return render.apply(null, arguments).then(function (result) {
      if (result && typeof result.svg === "string") result.svg = withMinWidth(result.svg);
      return result;
    });
  };
})();
