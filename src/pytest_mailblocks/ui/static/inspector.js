// mailblocks inspector: confirm dangerous forms, open journal rows, follow the
// journal live. Plain JS; every value shown comes as HTML the server escaped.
"use strict";

document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// Copy buttons: a base URL (data-copy) or the code of the snippet the button heads.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.copy");
  if (!button) return;
  var figure = button.closest("figure");
  var text = button.getAttribute("data-copy");
  if (text === null && figure) text = figure.querySelector("pre").textContent;
  copy(text || "").then(function () {
    button.textContent = "Copied";
    button.classList.add("copied");
    window.setTimeout(function () { button.textContent = "Copy"; button.classList.remove("copied"); }, 1500);
  }, function () { button.textContent = "Select and copy"; });
});

function copy(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  // an address that is not loopback (an --allow-host name over http): the older way
  var area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  var done = document.execCommand("copy");
  area.remove();
  return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

(function journal() {
  var table = document.getElementById("journal");
  if (!table) return;
  var body = table.tBodies[0];
  var since = Number(table.getAttribute("data-since")) || 0;
  var limit = Number(table.getAttribute("data-limit")) || 200;
  var paused = false;
  var pauseButton = document.getElementById("pause");
  var label = document.getElementById("live-label");
  var filter = document.getElementById("journal-filter");
  document.getElementById("live-state").hidden = false;

  function toggle(row) {
    var next = row.nextElementSibling;
    if (next && next.classList.contains("detail")) {
      next.remove();
      row.classList.remove("open");
      return;
    }
    var link = row.querySelector("a.open");
    var detail = document.createElement("tr");
    detail.className = "detail";
    var cell = document.createElement("td");
    cell.colSpan = row.cells.length;
    cell.textContent = "loading…";
    detail.appendChild(cell);
    row.after(detail);
    row.classList.add("open");
    fetch(link.getAttribute("href") + "?fragment=1", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error(r.status + " " + r.statusText)); })
      .then(function (html) { cell.innerHTML = html; })  // server-rendered, autoescaped
      .catch(function (err) { cell.textContent = "could not load: " + err.message; });
  }

  body.addEventListener("click", function (event) {
    var row = event.target.closest("tr.entry");
    if (!row || event.target.closest("tr.detail")) return;
    if (event.target.closest("a") && (event.ctrlKey || event.metaKey || event.shiftKey)) return;
    event.preventDefault();
    toggle(row);
  });

  pauseButton.addEventListener("click", function () {
    paused = !paused;
    pauseButton.textContent = paused ? "Resume" : "Pause";
    pauseButton.setAttribute("aria-pressed", String(paused));
    label.textContent = paused ? "paused" : "live";
    label.classList.toggle("paused", paused);
  });

  function poll() {
    // each turn of the poll, paused or not, counted on the table (tests wait on it, not on time)
    table.setAttribute("data-turns", String((Number(table.getAttribute("data-turns")) || 0) + 1));
    if (paused || document.hidden) return schedule();
    var params = new URLSearchParams(new FormData(filter));
    params.set("since", String(since));
    fetch(table.getAttribute("data-rows") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        since = Number(r.headers.get("X-Journal-Last")) || since;
        counted(r.headers);
        return r.text();
      })
      .then(function (html) {
        if (html.trim()) {
          var holder = document.createElement("tbody");
          holder.innerHTML = html;  // server-rendered, autoescaped
          var rows = Array.prototype.slice.call(holder.rows);
          rows.reverse().forEach(function (row) { row.classList.add("fresh"); body.insertBefore(row, body.firstChild); });
          var empty = document.getElementById("journal-empty");
          if (empty) empty.remove();
          while (body.querySelectorAll("tr.entry").length > limit) {
            var last = body.lastElementChild;
            if (last.classList.contains("detail")) last.previousElementSibling.remove();
            last.remove();
          }
        }
        label.textContent = "live";
        schedule();
      })
      .catch(function () { label.textContent = "offline"; schedule(); });
  }

  // the count line: requests since the last clear, those kept, their numbers
  function counted(headers) {
    var n = {};
    ["total", "kept", "first", "last"].forEach(function (name) {
      n[name] = headers.get("X-Journal-Count-" + name.charAt(0).toUpperCase() + name.slice(1));
    });
    if (n.total === null) return;
    document.querySelectorAll("#journal-count [data-count]").forEach(function (el) {
      var name = el.getAttribute("data-count");
      if (name in n) el.textContent = n[name];
      else if (name === "plural") el.hidden = n.total === "1";
      else if (name === "dropped") el.hidden = n.kept === n.total;
      else if (name === "numbered") el.hidden = n.kept === "0";
    });
  }

  function schedule() { window.setTimeout(poll, 1000); }
  schedule();
})();
