// Evaluation dashboard: Chart.js charts from the "dashboard-charts" json_script block (each
// chart: id, type, labels, datasets and the flags stacked, horizontal, all_lines, from_zero,
// counts) and, when a boundary file is configured, a kelurahan choropleth of the exclusion
// rate (Leaflet GeoJSON, no tile layer).
(function () {
  "use strict";

  function readJson(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  const PALETTE = ["#0d6efd", "#dc3545", "#198754", "#ffc107", "#6f42c1", "#20c997", "#fd7e14", "#6c757d"];
  const charts = readJson("dashboard-charts") || [];
  const mapData = readJson("dashboard-map-data") || {};
  const text = readJson("dashboard-text") || {};

  function drawCharts() {
    if (typeof Chart === "undefined") return;
    charts.forEach((spec) => {
      const canvas = document.getElementById(spec.id);
      if (!canvas) return;
      const datasets = spec.datasets.map((d, i) => ({
        label: d.label,
        data: d.data,
        backgroundColor: PALETTE[i % PALETTE.length],
        borderColor: PALETTE[i % PALETTE.length],
        spanGaps: true,
        showLine: spec.type !== "line" || !!spec.all_lines || i === 0,
        pointRadius: spec.type === "line" ? 4 : undefined,
      }));
      new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets },
        options: {
          locale: document.documentElement.lang || undefined, // 1.234,5 in Indonesian
          maintainAspectRatio: false,
          animation: false,
          indexAxis: spec.horizontal ? "y" : "x",
          scales: {
            // Counts (reports, tasks) get whole-number ticks only.
            x: { stacked: !!spec.stacked, ticks: spec.counts ? { precision: 0 } : {} },
            y: {
              stacked: !!spec.stacked,
              beginAtZero: spec.type !== "line" || !!spec.from_zero,
              ticks: spec.counts ? { precision: 0 } : {},
            },
          },
        },
      });
      canvas.dataset.drawn = "1";
    });
  }

  const { colourFor } = window.tkpkChoropleth;
  const legend = (el) => window.tkpkChoropleth.legend(el, text);

  function drawMap() {
    const el = document.getElementById("dashboard-map");
    if (!el || typeof L === "undefined") return;
    const map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    fetch(el.dataset.boundariesUrl, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error("boundaries " + response.status);
        return response.json();
      })
      .then((geojson) => {
        const features = geojson.features.filter((f) => f.properties.code in mapData);
        const layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
          style: (feature) => ({
            color: "#555",
            weight: 1,
            fillOpacity: 0.75,
            fillColor: colourFor(mapData[feature.properties.code].rate),
          }),
          onEachFeature: (feature, item) => {
            const d = mapData[feature.properties.code];
            const rate = d.rate === null ? "–" : Math.round(d.rate * 1000) / 10 + "%";
            item.bindTooltip(`${d.name} (${feature.properties.code}): ${rate}`, { sticky: true });
          },
        }).addTo(map);
        const bounds = layer.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds);
        else map.setView([-6.2, 106.85], 10);
        el.dataset.features = String(features.length);
        legend(document.getElementById("dashboard-map-legend"));
      })
      .catch(() => {
        el.dataset.failed = "1";
        map.setView([-6.2, 106.85], 10);
      });
  }

  drawCharts();
  drawMap();
})();
