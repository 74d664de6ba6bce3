// The annual pass's dynamic QR: fetch a fresh code every ~20 s (each is valid for 60 s at the gate,
// so a screenshot stops working within a minute). No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-pass-qr]");
    if (!box) { return; }
    var url = box.getAttribute("data-pass-qr");
    var every = (parseInt(box.getAttribute("data-refresh-seconds"), 10) || 20) * 1000;
    var img = box.querySelector("[data-pass-img]");
    var countdown = box.querySelector("[data-pass-countdown]");
    var next = Date.now() + every;
    function refresh() {
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && img) { img.src = data.qr; } })
        .catch(function () { /* keep the last code; the next tick tries again */ });
      next = Date.now() + every;
    }
    window.setInterval(refresh, every);
    window.setInterval(function () {
      if (countdown) { countdown.textContent = Math.max(0, Math.round((next - Date.now()) / 1000)) + "s"; }
    }, 1000);
  });
})();
