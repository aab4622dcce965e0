/* subpipe report: filter and sort the findings tables (no libraries, no network). */
(function () {
  "use strict";
  var RANK = { error: 0, warning: 1, info: 2 };

  function key(row, column) {
    var value = row.getAttribute("data-" + column) || "";
    if (column === "severity") { return RANK.hasOwnProperty(value) ? RANK[value] : 9; }
    if (column === "cue" || column === "start" || column === "seconds" || column === "confidence") {
      var n = parseFloat(value);
      return isNaN(n) ? Infinity : n;
    }
    return value.toLowerCase();
  }

  function sortable(table) {
    var tbody = table.tBodies[0];
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      th.addEventListener("click", function () {
        var column = th.getAttribute("data-sort");
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th[data-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(tbody.rows);
        rows.forEach(function (row, i) { row.setAttribute("data-order", String(i)); });
        rows.sort(function (a, b) {
          var x = key(a, column), y = key(b, column);
          if (x < y) { return ascending ? -1 : 1; }
          if (x > y) { return ascending ? 1 : -1; }
          return parseInt(a.getAttribute("data-order"), 10) - parseInt(b.getAttribute("data-order"), 10);
        });
        rows.forEach(function (row) { tbody.appendChild(row); });
      });
    });
  }

  function filterable(box) {
    var rows = Array.prototype.slice.call(box.querySelectorAll("table.findings tbody tr"));
    var severities = box.querySelectorAll("input[data-filter-severity]");
    var rule = box.querySelector("select[data-filter-rule]");
    var shown = box.querySelector("[data-shown]");
    function apply() {
      var on = {};
      severities.forEach(function (input) { on[input.getAttribute("data-filter-severity")] = input.checked; });
      var wanted = rule ? rule.value : "";
      var count = 0;
      rows.forEach(function (row) {
        var visible = on[row.getAttribute("data-severity")] !== false &&
          (wanted === "" || row.getAttribute("data-rule") === wanted);
        row.hidden = !visible;
        if (visible) { count += 1; }
      });
      if (shown) { shown.textContent = count + " of " + rows.length + " shown"; }
    }
    severities.forEach(function (input) { input.addEventListener("change", apply); });
    if (rule) { rule.addEventListener("change", apply); }
    apply();
  }

  document.querySelectorAll("table.sortable").forEach(sortable);
  document.querySelectorAll("[data-findings]").forEach(filterable);
}());
