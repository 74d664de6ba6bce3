// The member card's QR carries a short-lived token: reload the page shortly before it expires.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var card = document.querySelector("[data-card-refresh]");
    if (!card) { return; }
    var seconds = parseInt(card.getAttribute("data-card-refresh"), 10) || 300;
    window.setTimeout(function () { window.location.reload(); }, Math.max(seconds - 30, 30) * 1000);
  });
})();
