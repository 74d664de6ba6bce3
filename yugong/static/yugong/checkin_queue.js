// Offline-tolerant check-in at the venue (/activities/console/<id>/checkin/).
//
// Each scan (camera or typed) gets an id made on this phone and goes into a queue kept in
// localStorage, then the queue is sent to data-sync-url. The server records every scan under its
// id, so a queue sent twice (the answer lost on a bad connection) changes nothing; scans made
// offline stay queued and are sent when the phone is back online, every 15 s and on the next visit.
// Without JavaScript the form posts one code at a time as before.
(function () {
  "use strict";

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
    return "s" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function setup(form) {
    var key = "yg-checkin-queue-" + form.dataset.activity;
    var field = form.elements.namedItem("token");
    var status = document.querySelector("[data-queue-status]");
    var results = document.querySelector("[data-queue-results]");
    var syncing = false;
    if (!field || !form.dataset.syncUrl) { return; }

    function load() {
      try { return JSON.parse(window.localStorage.getItem(key) || "[]"); } catch (e) { return []; }
    }
    function save(queue) { window.localStorage.setItem(key, JSON.stringify(queue)); }
    function show() {
      var n = load().length;
      form.dataset.queued = String(n);
      if (status) { status.textContent = n ? form.dataset.msgQueued.replace("%(n)s", String(n)) : ""; }
    }
    function report(r) {
      if (!results) { return; }
      var li = document.createElement("li");
      var text = r.result === "checked_in" ? form.dataset.msgCheckedIn
        : r.result === "again" ? form.dataset.msgAgain : (r.message || form.dataset.msgRefused);
      li.textContent = (r.signup ? "#" + r.signup + " · " : "") + text;
      li.className = r.result === "refused" ? "has-text-danger" : "has-text-success";
      li.dataset.result = r.result;
      results.insertBefore(li, results.firstChild);
    }
    function sync() {
      var queue = load();
      if (!queue.length || syncing) { show(); return; }
      syncing = true;
      window.fetch(form.dataset.syncUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ scans: queue }),
      }).then(function (resp) {
        if (!resp.ok) { throw new Error(String(resp.status)); }
        return resp.json();
      }).then(function (answers) {
        var done = {};
        answers.forEach(function (r) { done[r.client_id] = true; report(r); });
        save(load().filter(function (s) { return !done[s.client_id]; }));
      }).catch(function () {
        // offline or unreachable: the scans stay queued for the next try
      }).then(function () {
        syncing = false;
        show();
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var token = (field.value || "").trim();
      if (!token) { return; }
      var queue = load();
      queue.push({ client_id: newId(), token: token, scanned_at: new Date().toISOString() });
      save(queue);
      field.value = "";
      show();
      sync();
    });
    window.addEventListener("online", sync);
    window.setInterval(sync, 15000);
    sync();
  }

  document.querySelectorAll("form[data-checkin-queue]").forEach(setup);
})();
