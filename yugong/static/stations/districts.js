// Coverage analysis: pick a district on the offline map of Chongqing's districts (boundaries and
// names from static/vendor/geo/chongqing.json, no tile server needed). Clicking a district selects it
// in the form's district field; choosing in the field highlights it on the map.
(function () {
  "use strict";
  var RED = "#c8161d", BLUE = "#1d4f91", INK = "#4e5969";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("district-picker");
    if (!el || !window.L || !window.fetch) { return; }
    var select = document.getElementById(el.dataset.select);
    var L = window.L;
    var map = L.map(el, { attributionControl: !!el.dataset.tiles, zoomSnap: 0.25 });
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
    var layers = {};
    function paint() {
      var chosen = select ? select.value : "";
      Object.keys(layers).forEach(function (name) {
        var on = name === chosen;
        layers[name].setStyle({ color: on ? RED : INK, weight: on ? 3 : 1, fillColor: on ? RED : BLUE, fillOpacity: on ? 0.35 : 0.08 });
        if (on) { layers[name].bringToFront(); }
      });
    }
    window.fetch(el.dataset.geo, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      var all = L.geoJSON(geo, {
        onEachFeature: function (feature, layer) {
          var name = feature.properties.name;
          layers[name] = layer;
          layer.bindTooltip(name, { sticky: true });
          layer.on("click", function () {
            if (select) { select.value = name; select.dispatchEvent(new Event("change")); }
          });
        }
      }).addTo(map);
      map.fitBounds(all.getBounds(), { padding: [4, 4] });
      paint();
      el.dataset.ready = "1";
    });
    if (select) { select.addEventListener("change", paint); }
  });
})();
