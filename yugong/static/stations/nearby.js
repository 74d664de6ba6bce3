// 附近港湾 list: "use my location" fills lat/lng from the browser's geolocation (WGS-84) and submits.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("nearby-form");
    if (!form) { return; }
    var button = form.querySelector("[data-locate]");
    var status = form.querySelector("[data-locate-status]");
    var say = function (text) { if (status) { status.textContent = text; } };
    var locate = function () {
      if (!navigator.geolocation) { say(form.dataset.msgUnsupported); return; }
      say(form.dataset.msgLocating);
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lng.value = pos.coords.longitude.toFixed(6);
        form.elements.coord.value = "wgs84";
        form.submit();
      }, function () {
        say(form.dataset.msgFailed);
      }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    };
    // The button is rendered disabled (it does nothing without this script) and enabled once it works,
    // so a tap that comes before the script has run is never lost.
    if (button) { button.addEventListener("click", locate); button.disabled = false; }
  });
})();
