// Hubnity web pages: small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Filters that apply on change (the <noscript> button covers no-JS browsers).
  // Delegated, so that they keep working after a live refresh swaps the page.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches("form[data-autosubmit] select") ||
        (el.matches("input[data-autosubmit-input]") && el.value)) {
      el.form.submit();
    }
  });

  // Forms that take something away ask first (data-confirm holds the question).
  document.addEventListener("submit", function (ev) {
    var question = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) ev.preventDefault();
  });

  // Live pages (the dashboard): refetch and swap the content while visible.
  var live = document.querySelector("main[data-refresh]");
  if (live && window.DOMParser) {
    setInterval(function () {
      if (document.hidden) return;
      fetch(location.href, { credentials: "same-origin" })
        .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
          if (fresh) live.innerHTML = fresh.innerHTML;
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }, 1000 * Number(live.getAttribute("data-refresh")));
  }

  // Screenshot thumbnails open the full image in a dialog instead of a new page.
  var box = document.getElementById("lightbox");
  if (box && box.showModal) {
    document.querySelectorAll("a[data-lightbox]").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        box.querySelector("img").src = a.href;
        box.showModal();
      });
    });
    box.addEventListener("click", function (ev) { if (ev.target === box) box.close(); });
  }

  // Exports: post in the background, then poll the job until the file is ready.
  document.querySelectorAll("form[data-export]").forEach(function (form) {
    var out = form.parentElement.querySelector("[data-export-status]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = new URLSearchParams(new FormData(form));
      if (ev.submitter && ev.submitter.name) body.set(ev.submitter.name, ev.submitter.value);
      show("<span class=\"spinner\"></span> Starting the export…");
      fetch(form.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (r) {
        if (!r.ok) throw new Error("the server answered " + r.status);
        return r.json();
      }).then(function (job) { poll(job.statusUrl, 0); })
        .catch(function (err) { show(""); out.textContent = "Could not start the export: " + err.message; });
    });

    function show(html) { out.hidden = false; out.innerHTML = html; }

    function poll(url, tries) {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (job.status === "DONE") {
            show("Ready: " + job.rowCount + " rows. <a class=\"button primary\" data-testid=\"download\" href=\"" +
                 job.downloadUrl + "\" download>Download " + job.format.toUpperCase() + "</a>");
          } else if (job.status === "FAILED") {
            show("");
            out.textContent = "The export failed: " + (job.error || "unknown error");
          } else {
            show("<span class=\"spinner\"></span> " + (job.status === "RUNNING" ? "Writing rows…" : "Queued…"));
            setTimeout(function () { poll(url, tries + 1); }, Math.min(400 + tries * 200, 2000));
          }
        })
        .catch(function () { setTimeout(function () { poll(url, tries + 1); }, 2000); });
    }
  });

  // Task board: drag a card onto another column; the drop submits the card's
  // own move form for that status (the buttons do the same without JS).
  var dragged = null;
  document.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest && ev.target.closest(".taskcard[draggable=true]");
    if (!card) return;
    dragged = card;
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", card.getAttribute("data-task"));
  });
  document.addEventListener("dragend", function () {
    dragged = null;
    document.querySelectorAll(".column.dropping").forEach(function (c) { c.classList.remove("dropping"); });
  });
  function moveForm(column) {
    return dragged && column &&
      dragged.querySelector("form[data-move='" + column.getAttribute("data-status") + "']");
  }
  document.addEventListener("dragover", function (ev) {
    var column = ev.target.closest && ev.target.closest(".column[data-status]");
    if (!moveForm(column)) return;
    ev.preventDefault();
    column.classList.add("dropping");
  });
  document.addEventListener("dragleave", function (ev) {
    var column = ev.target.closest && ev.target.closest(".column[data-status]");
    if (column && !column.contains(ev.relatedTarget)) column.classList.remove("dropping");
  });
  document.addEventListener("drop", function (ev) {
    var column = ev.target.closest && ev.target.closest(".column[data-status]");
    var form = moveForm(column);
    if (!form) return;
    ev.preventDefault();
    form.submit();
  });

  // The timer bar's clock ticks (rendered by the server; this only counts on).
  var clock = document.querySelector(".timer-clock[data-since]");
  if (clock) {
    var since = Date.parse(clock.getAttribute("data-since"));
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var s = Math.max(0, Math.floor((Date.now() - since) / 1000));
      clock.textContent = Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
    };
    if (!isNaN(since)) { tick(); setInterval(tick, 1000); }
  }
})();
