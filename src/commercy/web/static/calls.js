/* The agent's screen: keyboard shortcuts and the live stream of the order being called.
   No inline script (the CSP): this file is the page's only code besides htmx. */
(function () {
  "use strict";
  var source = null;

  function stop() {
    if (source) {
      source.close();
      source = null;
    }
  }

  function watch() {
    stop();
    var panel = document.getElementById("order-panel");
    if (!panel || !panel.dataset.events) return;
    source = new EventSource(panel.dataset.events);
    source.addEventListener("changed", function (event) {
      stop();
      var data = JSON.parse(event.data);
      var query = "?changed=" + encodeURIComponent(data.reason) +
        "&orderNumber=" + encodeURIComponent(data.orderNumber);
      htmx.ajax("GET", "/app/calls/work" + query, { target: "#work", swap: "outerHTML" });
    });
    source.addEventListener("signedout", function () {
      stop();
      window.location.assign("/app/login");
    });
  }

  // The page's own changes move the order's version on: stop listening while one is sent.
  document.addEventListener("htmx:beforeRequest", stop);
  document.addEventListener("htmx:afterSettle", watch);
  document.addEventListener("DOMContentLoaded", watch);
  window.addEventListener("pagehide", stop);

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    var target = event.target;
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var key = (event.key || "").toLowerCase();
    if (!/^[a-z]$/.test(key)) return;
    var button = document.querySelector('#work [data-shortcut="' + key + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });
})();
