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
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) return;
      if (credited) credited.textContent = String(data.credited_seconds);
      if (!status) return;
      if (data.course_completed) status.textContent = root.getAttribute("data-msg-course-done");
      else if (data.lesson_completed) status.textContent = root.getAttribute("data-msg-done");
      else if (data.other_session) status.textContent = root.getAttribute("data-msg-other");
      else status.textContent = "";
    }).catch(function () { /* the next beat retries; the server never credits a gap twice */ });
  }

  function playing() {
    return media ? !media.paused && !media.ended : true;
  }

  if (media) {
    var resume = parseInt(root.getAttribute("data-resume") || "0", 10);
    media.addEventListener("loadedmetadata", function () {
      if (resume > 0 && resume < (media.duration || 0)) media.currentTime = resume;
    });
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
