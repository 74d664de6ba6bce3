// The lesson player: takes heartbeats (position, visible, client time) and posts them to the
// server, which alone decides what time they credit. A beat every 10 s while playing (video/audio)
// or while the page is visible (text/PDF), one on play/pause/visibilitychange, and on the media's
// timeupdate no more than once per interval. Beats are buffered and sent together
// (POST /api/v1/learning/heartbeats, oldest first) every 30 s — at once when they may complete
// the lesson — and on play, pause, hiding or
// showing the tab and when the page goes away; the server applies them in order by the rules of a
// single beat. (The single-beat endpoint /api/v1/learning/heartbeat stays for older players.)
// CSP-safe: no inline script.
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
  var lastBeat = 0;
  var FLUSH = 30000;
  var MAX_BEATS = 12;
  var buffer = [];
  var lastFlush = 0;
  var inFlight = false;
  var urgent = false;
  var required = parseInt(root.getAttribute("data-required") || "0", 10);

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) return meta.getAttribute("content");
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function position() {
    return media ? Math.floor(media.currentTime || 0) : 0;
  }

  function show(data) {
    if (!data) return;
    if (credited) credited.textContent = String(data.credited_seconds);
    if (!status) return;
    if (data.course_completed) status.textContent = root.getAttribute("data-msg-course-done");
    else if (data.lesson_completed) status.textContent = root.getAttribute("data-msg-done");
    else if (data.other_session) status.textContent = root.getAttribute("data-msg-other");
    else status.textContent = "";
  }

  function flush(leaving) {
    if (!buffer.length) return;
    if (inFlight && !leaving) {
      urgent = true; // sent as soon as the request in flight is answered
      return;
    }
    urgent = false;
    var beats = buffer.splice(0, MAX_BEATS);
    lastFlush = Date.now();
    var body = JSON.stringify({ lesson_id: lessonId, session: session, beats: beats });
    inFlight = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!leaving,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: body
    }).then(function (r) {
      if (r.status >= 500) keep(beats);
      return r.ok ? r.json() : null;
    }).then(show).catch(function () {
      keep(beats);
    }).then(function () {
      inFlight = false;
      if (urgent) flush(false);
    });
  }

  // Beats lost to the network (a phone between cells) or a busy server go back into the buffer and
  // are sent again shortly: the server never credits a gap twice, so a retry is safe.
  var retryTimer = null;
  function keep(beats) {
    buffer = beats.concat(buffer).slice(-MAX_BEATS);
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(false); }, 2000);
  }

  // The buffered time may complete the lesson: send it now, so the learner sees it at once.
  function mayComplete() {
    var have = parseInt(credited ? credited.textContent : "0", 10) || 0;
    return required > 0 && have < required && have + (Date.now() - lastFlush) / 1000 >= required;
  }

  function beat(now) {
    lastBeat = Date.now();
    buffer.push({
      position: position(),
      visible: document.visibilityState === "visible",
      client_ms: lastBeat
    });
    if (now || buffer.length >= MAX_BEATS || lastBeat - lastFlush >= FLUSH || mayComplete()) flush(false);
  }

  function beatNow() {
    beat(true);
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
    media.addEventListener("play", beatNow);
    media.addEventListener("pause", beatNow);
    media.addEventListener("timeupdate", function () {
      if (Date.now() - lastBeat >= INTERVAL) beat(false);
    });
  }
  document.addEventListener("visibilitychange", beatNow);
  window.addEventListener("pagehide", function () { flush(true); });
  setInterval(function () {
    if (playing() && Date.now() - lastBeat >= INTERVAL) beat(false);
    else if (buffer.length && Date.now() - lastFlush >= FLUSH) flush(false);
  }, 1000);
  if (!media) beatNow();
})();
