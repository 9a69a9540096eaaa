// pgbook serve's live-reload script: injected into pages by `pgbook serve` only.
// It listens to /__pgbook/events, reloads the page when a build has written new files, and
// shows the latest build's problems (from /__pgbook/status) in an overlay. Everything from the
// server is inserted as text, never as HTML.
(function () {
  "use strict";
  var loadedAt = null;

  function overlay() {
    var box = document.getElementById("pgbook-overlay");
    if (!box) {
      box = document.createElement("div");
      box.id = "pgbook-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText =
        "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:99999;" +
        "background:#2b0d0d;color:#fdd;border-top:3px solid #e55;padding:12px 16px;margin:0;" +
        "font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;";
      document.body.appendChild(box);
    }
    return box;
  }

  function add(parent, tag, text, css) {
    var node = document.createElement(tag);
    node.textContent = text;
    if (css) node.style.cssText = css;
    parent.appendChild(node);
    return node;
  }

  function show(status) {
    var old = document.getElementById("pgbook-overlay");
    if (status.ok) {
      if (old) old.remove();
      return;
    }
    var box = overlay();
    box.textContent = "";
    var count = status.problems.length;
    add(box, "strong", "pgbook: " + count + (count === 1 ? " problem" : " problems") +
      " in the last build", "display:block;margin-bottom:8px;color:#f88");
    status.problems.forEach(function (problem) {
      var item = add(box, "div", "", "margin:0 0 12px 0");
      item.className = "pgbook-problem";
      var message = problem.message;
      if (problem.location) {
        // Broken links only warn: the build went through.
        var label = (problem.severity === "warning" ? "warning: " : "") + problem.location;
        add(item, "div", label, "font-weight:bold;color:#fff");
        // The first message line repeats the location; show it once.
        if (message.indexOf(problem.location + ": ") === 0) {
          message = message.slice(problem.location.length + 2);
        }
      }
      add(item, "pre", message, "white-space:pre-wrap;margin:4px 0");
      if (problem.diff) {
        add(item, "pre", problem.diff,
          "white-space:pre-wrap;margin:4px 0;padding:6px;background:#1a0808;color:#fcc");
      }
    });
  }

  function refresh() {
    return fetch("/__pgbook/status", { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (loadedAt === null) loadedAt = status.generation;
        show(status);
        return status;
      })
      .catch(function () {});
  }

  function listen() {
    var source = new EventSource("/__pgbook/events");
    source.onopen = function () { document.documentElement.dataset.pgbookLive = "connected"; };
    // A build that finished between this page's load and the stream's start still reloads it.
    source.addEventListener("hello", function (event) {
      if (loadedAt !== null && Number(event.data) > loadedAt) location.reload();
    });
    source.addEventListener("reload", function () { location.reload(); });
  }

  refresh().then(listen);
})();
