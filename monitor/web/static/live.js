// Progressive enhancement only: every page reads without it. Ticks the crisis clocks from
// the server's "now" (data-now on <body>, so an injected clock in tests and the demo holds)
// and turns "截止" into a countdown. No inline script: the CSP is default-src 'self'.
(function () {
  "use strict";
  var serverNow = Date.parse(document.body.getAttribute("data-now"));
  var loaded = Date.now();
  if (isNaN(serverNow)) { serverNow = loaded; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h + ":" + pad(m) + ":" + pad(s % 60);
  }
  function tick() {
    var now = serverNow + (Date.now() - loaded);
    var clocks = document.querySelectorAll(".clock[data-deadline]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var left = Date.parse(el.getAttribute("data-deadline")) - now;
      if (left >= 0) {
        el.textContent = "还剩 " + span(left);
        el.classList.remove("late");
      } else {
        el.textContent = "已超时 " + span(left);
        el.classList.add("late");
      }
    }
  }
  tick();
  setInterval(tick, 1000);
}());
