// 扫码打卡: before the form is sent, add the phone's position (WGS-84 from the browser) so that the
// server can check the worker is at the station. Without a position the server refuses when
// positions are required, and says why.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("checkin-form");
    if (!form) { return; }
    var status = form.querySelector("[data-locate-status]");
    var say = function (text) { if (status) { status.textContent = text; } };
    var located = false;
    form.addEventListener("submit", function (event) {
      if (located || !navigator.geolocation) {
        if (!navigator.geolocation) { say(form.dataset.msgUnsupported); }
        return;
      }
      event.preventDefault();
      say(form.dataset.msgLocating);
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lng.value = pos.coords.longitude.toFixed(6);
        form.elements.coord.value = "wgs84";
        located = true;
        form.submit();
      }, function () {
        say(form.dataset.msgFailed);
        located = true;  // send without a position: the server says what is missing
        form.submit();
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
    });
  });
})();
