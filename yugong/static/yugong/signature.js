// Signature pad (CSP-safe, no inline handlers): a <canvas data-signature="<input name>"> inside a
// form; the drawn strokes are written into the named hidden input as a PNG data URL on submit.
(function () {
  "use strict";
  function setup(canvas) {
    var form = canvas.closest("form");
    var input = form && form.querySelector('input[name="' + canvas.dataset.signature + '"]');
    if (!input) return;
    var ctx = canvas.getContext("2d");
    var drawn = false;
    var down = false;
    var baseW = canvas.width, baseH = canvas.height;
    canvas.style.touchAction = "none";
    canvas.style.border = "1px solid #dbdbdb";
    canvas.style.display = "block";
    function fit() {
      var ratio = window.devicePixelRatio || 1;
      var room = canvas.parentElement ? canvas.parentElement.clientWidth : baseW;
      var w = Math.min(baseW, room || baseW), h = baseH;
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
      canvas.width = w * ratio;
      canvas.height = h * ratio;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, w, h);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.strokeStyle = "#1a1a1a";
      drawn = false;
    }
    function at(e) {
      var r = canvas.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    }
    canvas.addEventListener("pointerdown", function (e) {
      down = true;
      canvas.setPointerCapture(e.pointerId);
      var p = at(e);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!down) return;
      var p = at(e);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
      e.preventDefault();
    });
    function up() { down = false; }
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
    var clear = form.querySelector("[data-signature-clear]");
    if (clear) clear.addEventListener("click", function (e) { e.preventDefault(); fit(); input.value = ""; });
    form.addEventListener("submit", function () { input.value = drawn ? canvas.toDataURL("image/png") : ""; });
    fit();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-signature]").forEach(setup);
  });
})();
