// The contest upload form: the video picker shows only for a micro-video, and each picker shows the
// name of the file chosen. Without JavaScript both pickers show and the page works the same.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var form = document.querySelector("[data-work-form]");
    if (!form) return;
    var video = form.querySelector("[data-video-field]");
    function sync() {
      var checked = form.querySelector("input[name=kind]:checked");
      var isVideo = checked && checked.value === "video";
      if (video) video.hidden = !isVideo;
      form.querySelectorAll("[data-label-photo]").forEach(function (el) {
        el.textContent = isVideo ? el.getAttribute("data-label-video") : el.getAttribute("data-label-photo");
      });
    }
    form.querySelectorAll("input[name=kind]").forEach(function (r) { r.addEventListener("change", sync); });
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () {
        var out = form.querySelector("[data-file-name='" + input.name + "']");
        if (out && input.files && input.files.length) out.textContent = input.files[0].name;
      });
    });
    sync();
  });
})();
