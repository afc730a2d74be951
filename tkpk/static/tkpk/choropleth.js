// Shared by the maps (coverage page, evaluation dashboard): the exclusion-rate colour classes
// of a kelurahan choropleth and its legend. Exposes window.tkpkChoropleth.
(function () {
  "use strict";

  // Exclusion rate → colour: five classes from green (everyone reached) to dark red.
  const CLASSES = [
    { upTo: 0.1, color: "#1a9850" },
    { upTo: 0.25, color: "#a6d96a" },
    { upTo: 0.5, color: "#fee08b" },
    { upTo: 0.75, color: "#f46d43" },
    { upTo: 1.0, color: "#a50026" },
  ];
  const NO_DATA = "#d9d9d9";

  function colourFor(rate) {
    if (rate === null || rate === undefined) return NO_DATA;
    for (const c of CLASSES) if (rate <= c.upTo) return c.color;
    return CLASSES[CLASSES.length - 1].color;
  }

  // `text`: {rate: legend title, no_data: label of the grey class} (translated by the page).
  function legend(el, text) {
    if (!el) return;
    let lower = 0;
    const items = CLASSES.map((c) => {
      const label = `${Math.round(lower * 100)}–${Math.round(c.upTo * 100)}%`;
      lower = c.upTo;
      return [c.color, label];
    });
    items.push([NO_DATA, text.no_data || "–"]);
    el.replaceChildren(
      document.createTextNode((text.rate || "") + ": "),
      ...items.map(([color, label]) => {
        const span = document.createElement("span");
        span.className = "me-3 text-nowrap";
        const box = document.createElement("span");
        box.className = "d-inline-block border me-1 align-middle";
        box.style.width = "14px";
        box.style.height = "14px";
        box.style.background = color;
        span.append(box, document.createTextNode(label));
        return span;
      })
    );
  }

  window.tkpkChoropleth = { colourFor: colourFor, legend: legend };
})();
