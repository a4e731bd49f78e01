// finrpa review app: small progressive enhancements. Every form and link also works without it.
(function () {
  "use strict";

  var latest = 0;  // only the newest request may replace the results

  function swapResults(url, push) {
    var results = document.getElementById("results");
    var mine = ++latest;
    var partialUrl = "/queue/rows" + url.slice(url.indexOf("?") === -1 ? url.length : url.indexOf("?"));
    results.setAttribute("aria-busy", "true");
    return fetch(partialUrl, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected || !response.ok) { window.location.href = url; return null; }
        return response.text();
      })
      .then(function (html) {
        if (html === null || mine !== latest) { return; }
        results.innerHTML = html;
        results.removeAttribute("aria-busy");
        if (push) { window.history.replaceState(null, "", url); }
        bindResults();
      })
      .catch(function () { window.location.href = url; });
  }

  function filterUrl(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value !== "") { params.append(key, value); } });
    var text = params.toString();
    return "/queue" + (text ? "?" + text : "");
  }

  function bindFilters() {
    var form = document.getElementById("filters");
    if (!form) { return; }
    var timer = null;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      swapResults(filterUrl(form), true);
    });
    function typed(target) {
      return target.tagName === "INPUT" && target.type !== "checkbox";
    }
    form.addEventListener("change", function (event) {
      if (!typed(event.target)) { swapResults(filterUrl(form), true); }
    });
    form.addEventListener("input", function (event) {
      if (!typed(event.target)) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { swapResults(filterUrl(form), true); }, 400);
    });
  }

  function bindResults() {
    document.querySelectorAll("#results a[data-partial-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        swapResults(link.getAttribute("href"), true);
      });
    });
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("#bulk input[name=item_id]").forEach(function (box) { box.checked = all.checked; });
      });
    }
  }

  function bindAutosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    bindFilters();
    bindResults();
    bindAutosubmit();
  });
})();
