// 港湾地图: Leaflet with the configured tile layer, or markers on a plain background when no tile
// source is set. Tap the map (or "use my location") to choose a point; stations come from the
// nearest API in the tiles' coordinate system (STATION_MAP_COORD: wgs84, or gcj02 for 高德/腾讯 tiles).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("station-map");
    if (!el || !window.L) { return; }
    var L = window.L;
    var d = el.dataset;
    var here = [parseFloat(d.lat), parseFloat(d.lng)];
    var map = L.map(el, { zoomControl: true, attributionControl: !!d.tiles }).setView(here, 15);
    if (d.tiles) {
      L.tileLayer(d.tiles, { maxZoom: 19 }).addTo(map);
    }
    var layer = L.layerGroup().addTo(map);
    var pin = function (cls) {
      return L.divIcon({ className: "", html: '<div class="yg-pin ' + cls + '"></div>', iconSize: [14, 14] });
    };
    var esc = function (s) {
      var div = document.createElement("div");
      div.textContent = s;
      return div.innerHTML;
    };
    var listLink = document.querySelector("[data-list-link]");
    var load = function (lat, lng) {
      layer.clearLayers();
      L.marker([lat, lng], { icon: pin("is-here"), title: d.labelHere }).addTo(layer);
      var params = new URLSearchParams({ lat: lat.toFixed(6), lng: lng.toFixed(6), limit: "20", coord: d.coord || "wgs84" });
      (d.amenities || "").split(",").forEach(function (a) { if (a) { params.append("amenity", a); } });
      if (d.openNow) { params.set("open_now", "true"); }
      if (listLink) {
        var lp = new URLSearchParams({ lat: lat.toFixed(6), lng: lng.toFixed(6), coord: d.coord || "wgs84" });
        (d.amenities || "").split(",").forEach(function (a) { if (a) { lp.append("amenity", a); } });
        if (d.openNow) { lp.set("open_now", "1"); }
        listLink.href = d.list + "?" + lp.toString();
      }
      fetch(d.api + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) {
          var bounds = [[lat, lng]];
          rows.forEach(function (s) {
            var m = L.marker([s.lat, s.lng], { icon: pin(s.open_now ? "" : "is-closed"), title: s.name }).addTo(layer);
            var url = d.detail.replace("CODE", encodeURIComponent(s.code));
            m.bindPopup('<a href="' + url + '"><strong>' + esc(s.name) + "</strong></a><br>" +
              Math.round(s.distance_m) + " m · " + esc(d.labelWalk.replace("%s", s.walk_minutes)) + " · " +
              esc(s.open_now ? d.labelOpen : d.labelClosed));
            bounds.push([s.lat, s.lng]);
          });
          if (bounds.length > 1) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 }); }
        });
    };
    map.on("click", function (e) { load(e.latlng.lat, e.latlng.lng); });
    var locate = document.querySelector("[data-locate-map]");
    if (locate && navigator.geolocation) {
      locate.disabled = false;  // rendered disabled: it only works once this script has run
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          map.setView([pos.coords.latitude, pos.coords.longitude], 15);
          load(pos.coords.latitude, pos.coords.longitude);
        });
      });
    }
    load(here[0], here[1]);
  });
})();
