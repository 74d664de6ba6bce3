// yugong page glue. Served from our own static files (CSP: script-src 'self'); no inline handlers.
(function () {
  "use strict";
  var token = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = token();
  });
  if (window.htmx) { window.htmx.config.allowEval = false; }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
  });
  // Countdown buttons (SMS code resend): <button data-countdown="60">.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(function (button) {
      var left = parseInt(button.getAttribute("data-countdown"), 10) || 0;
      if (left <= 0) { return; }
      var label = button.textContent;
      button.disabled = true;
      var tick = function () {
        if (left <= 0) { button.disabled = false; button.textContent = label; return; }
        button.textContent = label + " (" + left + "s)";
        left -= 1;
        window.setTimeout(tick, 1000);
      };
      tick();
    });
  });
})();
