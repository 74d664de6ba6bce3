// The lesson player: sends heartbeats (lesson, position, visible, client time) to the server,
// which alone decides what time they credit. Beats every 10 s while playing (video/audio) or while
// the page is visible (text/PDF), at once when the tab is hidden or shown, and on the media's
// timeupdate no more than once per interval. CSP-safe: no inline script.
(function () {
  "use strict";
  var root = document.querySelector("[data-lesson]");
  if (!root) return;
  var INTERVAL = 10000;
  var url = root.getAttribute("data-heartbeat-url");
  var lessonId = parseInt(root.getAttribute("data-lesson-id"), 10);
  var media = root.querySelector("[data-media]");
  var credited = root.querySelector("[data-credited]");
  var status = root.querySelector("[data-status]");
  var session = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  var lastSent = 0;

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) return meta.getAttribute("content");
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function position() {
    return media ? Math.floor(media.currentTime || 0) : 0;
  }

  function beat() {
    lastSent = Date.now();
    var body = {
      lesson_id: lessonId,
      session: session,
      position: position(),
      visible: document.visibilityState === "visible",
      client_ms: lastSent
    };
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.status >= 500) retrySoon();
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) return;
      if (credited) credited.textContent = String(data.credited_seconds);
      if (!status) return;
      if (data.course_completed) status.textContent = root.getAttribute("data-msg-course-done");
      else if (data.lesson_completed) status.textContent = root.getAttribute("data-msg-done");
      else if (data.other_session) status.textContent = root.getAttribute("data-msg-other");
      else status.textContent = "";
    }).catch(retrySoon);  // the server never credits a gap twice, so a retry is safe
  }

  // A beat lost to the network (a phone between cells) or a busy server is sent again shortly,
  // so the time since the last accepted beat is still credited (up to the server's cap).
  var retryTimer = null;
  function retrySoon() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; if (playing()) beat(); }, 2000);
  }

  function playing() {
    return media ? !media.paused && !media.ended : true;
  }

  // Sizes (transcoded renditions, smallest first): a phone on mobile data or saving data keeps the
  // smallest; a wide screen on a fast line starts with the largest. Switching keeps the position
  // and the playing state, so the server sees no jump and heartbeats go on by the same rules.
  var sizes = root.querySelectorAll("[data-sizes] [data-src]");
  var seekTo = 0;
  var playAfter = false;

  function choose(button) {
    for (var i = 0; i < sizes.length; i++) {
      var on = sizes[i] === button;
      sizes[i].classList.toggle("is-link", on);
      sizes[i].classList.toggle("is-selected", on);
      sizes[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
    var src = button.getAttribute("data-src");
    if (media.getAttribute("src") === src) return;
    if (media.readyState > 0) {  // playing already: carry on where it was (else the resume point stays)
      seekTo = Math.floor(media.currentTime || 0);
      playAfter = !media.paused && !media.ended;
    }
    media.setAttribute("src", src);
    media.load();
  }

  function slowLine() {
    var c = navigator.connection;
    if (!c) return window.innerWidth < 768;
    return !!c.saveData || c.type === "cellular" || /(^|-)(2g|3g)$/.test(c.effectiveType || "") ||
      window.innerWidth < 768;
  }

  if (media) {
    seekTo = parseInt(root.getAttribute("data-resume") || "0", 10);
    media.addEventListener("loadedmetadata", function () {
      if (seekTo > 0 && seekTo < (media.duration || 0)) media.currentTime = seekTo;
      seekTo = 0;
      if (playAfter) {
        playAfter = false;
        var started = media.play();
        if (started && started.catch) started.catch(function () { /* the learner presses play */ });
      }
    });
    for (var i = 0; i < sizes.length; i++) {
      sizes[i].addEventListener("click", function (e) { choose(e.currentTarget); });
    }
    if (sizes.length > 1 && !slowLine()) choose(sizes[sizes.length - 1]);
    media.addEventListener("play", beat);
    media.addEventListener("pause", beat);
    media.addEventListener("timeupdate", function () {
      if (Date.now() - lastSent >= INTERVAL) beat();
    });
  }
  document.addEventListener("visibilitychange", beat);
  setInterval(function () {
    if (playing() && Date.now() - lastSent >= INTERVAL) beat();
  }, 1000);
  if (!media) beat();
})();
