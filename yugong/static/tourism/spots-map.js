// 年票景点地图: the spots of the list on a Leaflet map — with the configured tile layer, or markers
// on a plain background when no tile source is set (like the stations map). The points come from a
// json_script block (no inline script: CSP). Red pins are 重庆, blue 四川.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("spot-map");
    var data = document.getElementById("spot-points");
    if (!el || !data || !window.L) { return; }
    var L = window.L;
    var points = JSON.parse(data.textContent || "[]");
    if (!points.length) { return; }
    var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
    }
    var esc = function (s) {
      var div = document.createElement("div");
      div.textContent = s || "";
      return div.innerHTML;
    };
    var bounds = [];
    points.forEach(function (p) {
      var cls = p.region === "sichuan" ? "yg-spot-pin is-sichuan" : "yg-spot-pin";
      var icon = L.divIcon({ className: "", html: '<div class="' + cls + '"></div>', iconSize: [14, 14] });
      L.marker([p.lat, p.lng], { icon: icon, title: p.name }).addTo(map)
        .bindPopup("<strong>" + esc(p.name) + "</strong><br>" + esc(p.region_label) + " " + esc(p.district));
      bounds.push([p.lat, p.lng]);
    });
    if (bounds.length === 1) { map.setView(bounds[0], 12); } else { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 }); }
  });
})();
