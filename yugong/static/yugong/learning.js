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
      if (r.status >= 500) buffer = beats.concat(buffer).slice(-MAX_BEATS); // retried with the next flush
      return r.ok ? r.json() : null;
    }).then(show).catch(function () {
      // offline: keep the beats for the next flush (the server never credits a gap twice)
      buffer = beats.concat(buffer).slice(-MAX_BEATS);
    }).then(function () {
      inFlight = false;
      if (urgent) flush(false);
    });
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

  if (media) {
    var resume = parseInt(root.getAttribute("data-resume") || "0", 10);
    media.addEventListener("loadedmetadata", function () {
      if (resume > 0 && resume < (media.duration || 0)) media.currentTime = resume;
    });
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
