// Camera QR scanning for the gate, pass spots, the member-card check and station check-in.
//
// Markup (see the templates that load this file after vendor/qr-scanner/qr-scanner.umd.min.js):
//   <div data-scan data-scan-field="token" [data-scan-autostart]
//        data-msg-denied="…" data-msg-unsupported="…" data-msg-scanning="…">
//     <video data-scan-video …></video>
//     <button type="button" data-scan-start>…</button> <button type="button" data-scan-stop>…</button>
//     <p data-scan-status></p>
//   </div>
// A decoded QR is put, unchanged, into the form field named by data-scan-field and that field's
// form is submitted: the server reads it exactly as if it had been typed, so every rule stays on
// the server. When the camera is refused or missing, the text field stays the way to enter a code.
//
// The result page opens the camera again while the code just sent is usually still in front of it:
// the same code is not sent again for REPEAT_MS (sessionStorage, per page and field), so a gate's
// green "admitted" is not replaced a moment later by a red "already used" for the same ticket.
(function () {
  "use strict";

  var REPEAT_MS = 10000;

  function sentKey(box) {
    return "yg-scan-sent:" + window.location.pathname + ":" + (box.dataset.scanField || "token");
  }
  function recentlySent(key, text) {
    try {
      var last = JSON.parse(window.sessionStorage.getItem(key) || "null");
      return !!last && last.text === text && Date.now() - last.at < REPEAT_MS;
    } catch (e) { return false; }
  }
  function rememberSent(key, text) {
    try { window.sessionStorage.setItem(key, JSON.stringify({ text: text, at: Date.now() })); } catch (e) { /* private mode: no memory */ }
  }

  function setup(box) {
    var form = box.closest("form") || document.getElementById(box.dataset.scanForm || "");
    var field = form ? form.elements.namedItem(box.dataset.scanField || "token") : null;
    var video = box.querySelector("[data-scan-video]");
    var start = box.querySelector("[data-scan-start]");
    var stop = box.querySelector("[data-scan-stop]");
    var status = box.querySelector("[data-scan-status]");
    var scanner = null;
    var done = false;
    if (!form || !field || !video) { return; }

    function say(text) { if (status) { status.textContent = text || ""; } }
    function running(on) {
      box.classList.toggle("is-scanning", on);
      video.hidden = !on;
      if (start) { start.hidden = on; }
      if (stop) { stop.hidden = !on; }
    }
    function fallback(message) {
      running(false);
      say(message);
      box.dataset.scanState = "fallback";
      field.focus();
    }
    function decoded(result) {
      var text = typeof result === "string" ? result : result && result.data;
      if (done || !text) { return; }
      text = text.trim();
      if (recentlySent(sentKey(box), text)) { box.dataset.scanState = "repeat"; return; }
      done = true;
      rememberSent(sentKey(box), text);
      box.dataset.scanState = "decoded";
      scanner.stop();
      field.value = text;
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
    }
    function open() {
      if (typeof window.QrScanner === "undefined" || !navigator.mediaDevices ||
          !navigator.mediaDevices.getUserMedia) {
        fallback(box.dataset.msgUnsupported);
        return;
      }
      if (!scanner) {
        scanner = new window.QrScanner(video, decoded, {
          preferredCamera: "environment",
          maxScansPerSecond: 8,
          returnDetailedScanResult: true,
          highlightScanRegion: false,
        });
      }
      done = false;
      running(true);
      say(box.dataset.msgScanning);
      scanner.start().then(function () {
        box.dataset.scanState = "scanning";
      }, function () {
        fallback(box.dataset.msgDenied);
      });
    }
    function close() {
      if (scanner) { scanner.stop(); }
      running(false);
      say("");
      box.dataset.scanState = "stopped";
    }

    if (start) { start.addEventListener("click", open); }
    if (stop) { stop.addEventListener("click", close); }
    window.addEventListener("pagehide", function () { if (scanner) { scanner.destroy(); scanner = null; } });
    running(false);
    box.dataset.scanState = "ready";
    if (box.hasAttribute("data-scan-autostart")) { open(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-scan]").forEach(setup);
  });
})();
