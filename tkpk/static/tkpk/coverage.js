// Coverage page: Chart.js bars, the kelurahan map (Leaflet GeoJSON, no tile layer) and table sort.
//
// Data comes from json_script blocks: "coverage-charts" (labels and series, translated texts)
// and "coverage-map-data" ({kelurahan code: {name, target, reached, not_reached, inclusion,
// rate}}). The boundary GeoJSON is fetched from the URL on #coverage-map (data-boundaries-url).
(function () {
  "use strict";

  function readJson(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  const charts = readJson("coverage-charts");
  const mapData = readJson("coverage-map-data") || {};
  const text = (charts && charts.text) || {};

  function drawCharts() {
    if (!charts || typeof Chart === "undefined") return;
    const desil = document.getElementById("chart-desil");
    if (desil) {
      new Chart(desil, {
        type: "bar",
        data: {
          labels: charts.desil.labels,
          datasets: [
            { label: text.reached, data: charts.desil.reached, backgroundColor: "#198754", stack: "t" },
            { label: text.not_reached, data: charts.desil.not_reached, backgroundColor: "#dc3545", stack: "t" },
            { label: text.inclusion, data: charts.desil.inclusion, backgroundColor: "#ffc107", stack: "i" },
          ],
        },
        options: {
          maintainAspectRatio: false,
          animation: false,
          scales: { x: { stacked: true, title: { display: true, text: text.desil } }, y: { stacked: true, beginAtZero: true } },
        },
      });
    }
    const kota = document.getElementById("chart-kota");
    if (kota) {
      new Chart(kota, {
        type: "bar",
        data: {
          labels: charts.kota.labels,
          datasets: [{ label: text.rate, data: charts.kota.rate, backgroundColor: "#dc3545" }],
        },
        options: {
          maintainAspectRatio: false,
          animation: false,
          indexAxis: "y",
          scales: { x: { beginAtZero: true, max: 100 } },
        },
      });
    }
  }

  const { colourFor } = window.tkpkChoropleth;
  const legend = (el) => window.tkpkChoropleth.legend(el, text);

  function tooltip(code, name) {
    const d = mapData[code];
    const title = document.createElement("div");
    const strong = document.createElement("strong");
    strong.textContent = (d && d.name) || name || code;
    title.append(strong, document.createTextNode(" " + code));
    if (!d) {
      title.append(document.createElement("br"), document.createTextNode(text.no_data || "–"));
      return title;
    }
    const rate = d.rate === null ? "–" : Math.round(d.rate * 1000) / 10 + "%";
    [
      [text.target, d.target],
      [text.reached, d.reached],
      [text.not_reached, d.not_reached],
      [text.rate, rate],
      [text.inclusion, d.inclusion],
    ].forEach(([label, value]) => {
      title.append(document.createElement("br"), document.createTextNode(`${label}: ${value}`));
    });
    return title;
  }

  function drawMap() {
    const el = document.getElementById("coverage-map");
    if (!el || typeof L === "undefined") return;
    const map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    fetch(el.dataset.boundariesUrl, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error("boundaries " + response.status);
        return response.json();
      })
      .then((geojson) => {
        const layer = L.geoJSON(geojson, {
          style: (feature) => {
            const d = mapData[feature.properties.code];
            return { color: "#555", weight: 1, fillOpacity: 0.75, fillColor: colourFor(d ? d.rate : null) };
          },
          onEachFeature: (feature, item) => {
            item.bindTooltip(tooltip(feature.properties.code, feature.properties.name), { sticky: true });
          },
        }).addTo(map);
        const bounds = layer.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds);
        else map.setView([-6.2, 106.85], 10);
        el.dataset.features = String(geojson.features.length);
        legend(document.getElementById("coverage-map-legend"));
      })
      .catch(() => {
        el.dataset.failed = "1";
        map.setView([-6.2, 106.85], 10);
      });
  }

  function sortable(table) {
    if (!table) return;
    table.querySelectorAll("th[data-sort]").forEach((th, index) => {
      th.style.cursor = "pointer";
      th.addEventListener("click", () => {
        const body = table.tBodies[0];
        const rows = Array.from(body.rows).filter((r) => r.cells.length > 1);
        const numeric = th.dataset.sort === "number";
        const asc = th.dataset.dir !== "asc";
        th.dataset.dir = asc ? "asc" : "desc";
        const key = (row) => {
          const cell = row.cells[index];
          const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
          return numeric ? parseFloat(raw.replace("%", "")) || 0 : raw;
        };
        rows.sort((a, b) => {
          const x = key(a);
          const y = key(b);
          const cmp = numeric ? x - y : String(x).localeCompare(String(y));
          return asc ? cmp : -cmp;
        });
        rows.forEach((r) => body.appendChild(r));
      });
    });
  }

  drawCharts();
  drawMap();
  sortable(document.getElementById("coverage-table"));
})();
