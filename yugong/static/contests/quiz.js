// The knowledge-contest quiz on a phone: start (or resume) an attempt through the JSON API, one
// question per screen, a countdown from the server's deadline, submit, then show the score and the
// rank. No inline scripts (CSP). The server is the judge of time: the countdown only helps; at zero
// the page submits what it has, and the server accepts it within its grace period.
// A 202 "排队中" answer (the admission queue during a synchronized start) is retried after the
// Retry-After seconds; network errors are retried a bounded number of times.
(function () {
  "use strict";
  var MAX_RETRIES = 30;

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function post(url, body, extra) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": csrf() };
    Object.keys(extra || {}).forEach(function (k) { headers[k] = extra[k]; });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify(body || {})
    });
  }

  function init(root) {
    var el = function (sel) { return root.querySelector(sel); };
    var status = el("[data-quiz-status]");
    var box = el("[data-quiz-question]");
    var stem = el("[data-quiz-stem]");
    var kindTag = el("[data-quiz-kind]");
    var options = el("[data-quiz-options]");
    var progress = el("[data-quiz-progress]");
    var timer = el("[data-quiz-timer]");
    var prev = el("[data-quiz-prev]");
    var next = el("[data-quiz-next]");
    var submitBtn = el("[data-quiz-submit]");
    var result = el("[data-quiz-result]");
    var msg = function (name) { return root.getAttribute("data-msg-" + name) || ""; };
    var attempt = null;
    var answers = {};
    var index = 0;
    var deadline = 0;
    var ticking = null;
    var submitting = false;
    var KIND = { single: "单选", multiple: "多选", truefalse: "判断" };
    var LETTERS = "ABCDEFGH";

    function show(i) {
      var q = attempt.questions[i];
      index = i;
      box.hidden = false;
      progress.textContent = (i + 1) + " / " + attempt.questions.length;
      kindTag.textContent = KIND[q.kind] || q.kind;
      stem.textContent = q.stem + (q.kind === "multiple" ? msg("multi") : "");
      options.textContent = "";
      q.options.forEach(function (text, k) {
        var letter = LETTERS.charAt(k);
        var b = document.createElement("button");
        b.type = "button";
        b.className = "yg-quiz-option";
        b.setAttribute("data-letter", letter);
        b.setAttribute("data-testid", "option");
        var chosen = (answers[String(q.id)] || "").indexOf(letter) >= 0;
        if (chosen) { b.classList.add("is-selected"); }
        b.setAttribute("aria-pressed", chosen ? "true" : "false");
        b.textContent = letter + ". " + text;
        b.addEventListener("click", function () { choose(q, letter); });
        options.appendChild(b);
      });
      prev.disabled = i === 0;
      var last = i === attempt.questions.length - 1;
      next.hidden = last;
      submitBtn.hidden = !last;
    }

    function choose(q, letter) {
      var key = String(q.id);
      var cur = answers[key] || "";
      if (q.kind === "multiple") {
        cur = cur.indexOf(letter) >= 0 ? cur.replace(letter, "") : cur + letter;
        answers[key] = cur.split("").sort().join("");
      } else {
        answers[key] = letter;
      }
      show(index);
    }

    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      timer.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
      timer.classList.toggle("is-urgent", left <= 30);
      if (left <= 0) {
        status.textContent = msg("late");
        submit();
      }
    }

    function submit(tries) {
      if (submitting && !tries) { return; }
      submitting = true;
      submitBtn.disabled = true;
      var url = root.getAttribute("data-submit-url-template").replace("{id}", attempt.id);
      post(url, { answers: answers }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
      }).then(function (res) {
        if (!res.ok) {
          status.textContent = (res.data && res.data.message) || msg("failed");
          if (ticking) { window.clearInterval(ticking); }
          return;
        }
        finish(res.data);
      }).catch(function () {
        var n = (tries || 0) + 1;
        if (n > MAX_RETRIES) { status.textContent = msg("failed"); return; }
        status.textContent = msg("error");
        window.setTimeout(function () { submit(n); }, 1000);
      });
    }

    function finish(data) {
      if (ticking) { window.clearInterval(ticking); }
      box.hidden = true;
      status.textContent = "";
      result.hidden = false;
      el("[data-quiz-score]").textContent = data.score;
      el("[data-quiz-correct]").textContent = data.correct + " / " + data.total;
      el("[data-quiz-rank]").textContent = data.rank ? msg("rank") + "：" + data.rank : "";
    }

    var ticket = "";  // the waiting room's ticket: sent back on retries, it keeps our place

    function start(tries) {
      post(root.getAttribute("data-start-url"), {}, ticket ? { "X-Queue-Ticket": ticket } : {}).then(function (r) {
        var retry = parseInt(r.headers.get("Retry-After") || "1", 10) || 1;
        return r.json().then(function (data) { return { status: r.status, data: data, retry: retry }; });
      }).then(function (res) {
        var n = (tries || 0) + 1;
        if (res.status === 202) {
          ticket = (res.data && res.data.ticket) || ticket;
          status.textContent = (res.data && res.data.message) || msg("queued");
          if (n <= MAX_RETRIES) { window.setTimeout(function () { start(n); }, res.retry * 1000); }
          return;
        }
        if (res.status !== 200 && res.status !== 201) {
          status.textContent = (res.data && res.data.message) || msg("failed");
          return;
        }
        attempt = res.data;
        status.textContent = "";
        deadline = Date.now() + attempt.seconds_left * 1000;
        show(0);
        tick();
        ticking = window.setInterval(tick, 1000);
      }).catch(function () {
        var n = (tries || 0) + 1;
        status.textContent = msg("error");
        if (n <= MAX_RETRIES) { window.setTimeout(function () { start(n); }, 1000); }
      });
    }

    prev.addEventListener("click", function () { if (index > 0) { show(index - 1); } });
    next.addEventListener("click", function () { if (index < attempt.questions.length - 1) { show(index + 1); } });
    submitBtn.addEventListener("click", function () { submit(); });
    start();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-quiz]");
    if (root) { init(root); }
  });
})();
