// 选座: the sticky summary (chosen seats, their count and the total), the family limit, and the
// zoom that gives seats a finger-sized cell and lets the hall pan. The page works without it: the
// form posts the ticked checkboxes. No inline scripts (CSP).
(function () {
  "use strict";
  function yuan(fen) {
    var whole = Math.floor(fen / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = ("0" + (fen % 100)).slice(-2);
    return "\u00a5" + whole + "." + cents;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".yg-seat-form");
    if (!form) { return; }
    var hall = form.querySelector(".yg-seat-hall");
    var unit = parseInt(form.getAttribute("data-unit-fen"), 10) || 0;
    var limit = parseInt(form.getAttribute("data-seat-limit"), 10) || 0;
    var summary = form.querySelector("[data-seat-summary]");
    var count = form.querySelector("[data-seat-count]");
    var total = form.querySelector("[data-seat-total]");
    var list = form.querySelector("[data-seat-list]");
    var note = form.querySelector("[data-seat-limit-note]");
    var book = form.querySelector("[data-testid=seat-book]");
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=seat]"));

    function update() {
      var chosen = boxes.filter(function (b) { return b.checked; });
      count.textContent = String(chosen.length);
      total.textContent = yuan(unit * chosen.length);
      list.textContent = chosen.length
        ? chosen.map(function (b) { return b.getAttribute("aria-label"); }).join(list.getAttribute("data-joiner"))
        : list.getAttribute("data-empty");
      if (book) { book.disabled = chosen.length === 0; }
      return chosen.length;
    }
    form.addEventListener("change", function (event) {
      var box = event.target;
      if (box.name !== "seat") { return; }
      note.hidden = true;
      if (box.checked && limit && update() > limit) {
        box.checked = false;
        note.hidden = false;
      }
      update();
    });
    summary.hidden = false;
    update();

    var zoom = form.querySelector("[data-seat-zoom]");
    var label = zoom.querySelector("[data-seat-zoom-label]");
    zoom.hidden = false;
    zoom.addEventListener("click", function () {
      var on = !hall.classList.contains("is-zoomed");
      hall.classList.toggle("is-zoomed", on);
      zoom.setAttribute("aria-pressed", on ? "true" : "false");
      label.textContent = zoom.getAttribute(on ? "data-label-out" : "data-label-in");
      // Zoomed in: start from the middle of the hall, or from the first chosen seat.
      var first = boxes.filter(function (b) { return b.checked; })[0];
      if (on && first) {
        var seat = first.parentNode;
        hall.scrollLeft = seat.offsetLeft - (hall.clientWidth - seat.offsetWidth) / 2;
      } else {
        hall.scrollLeft = on ? (hall.scrollWidth - hall.clientWidth) / 2 : 0;
      }
    });
  });
})();
