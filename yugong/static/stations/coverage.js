// Coverage map (console): the region outline, uncovered cells (red) and planned sites (blue), with
// the tile layer only when one is configured.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("coverage-map");
    var src = document.getElementById("coverage-data");
    if (!el || !src || !window.L) { return; }
    var L = window.L;
    var data = JSON.parse(src.textContent);
    var map = L.map(el, { attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
    // The view first: vector layers added to a map without one fail to draw.
    var region = L.geoJSON(data.region, { style: { color: "#333", weight: 2, fill: false } });
    map.fitBounds(region.getBounds(), { padding: [10, 10] });
    region.addTo(map);
    L.geoJSON(data.uncovered, { style: { color: "#c8161d", weight: 0, fillOpacity: 0.45 } }).addTo(map);
    (data.plan || []).forEach(function (p, i) {
      L.circleMarker([p.lat, p.lng], { radius: 6, color: "#2266dd", fillOpacity: 0.9 })
        .bindTooltip(String(i + 1)).addTo(map);
    });
  });
})();
