"use strict";
(function () {
  var data = JSON.parse(document.getElementById("wtfcb-data").textContent);
  var body = document.getElementById("findings-body");
  var rows = Array.prototype.slice.call(body.rows);
  var count = document.getElementById("findings-count");
  var sevSel = document.getElementById("f-severity");
  var ruleSel = document.getElementById("f-rule");
  var pathIn = document.getElementById("f-path");
  var rules = {};
  data.findings.forEach(function (f) { rules[f[1]] = true; });
  Object.keys(rules).sort().forEach(function (r) {
    var o = document.createElement("option"); o.value = r; o.textContent = r; ruleSel.appendChild(o);
  });
  function apply() {
    var minSev = sevSel.value === "" ? -1 : Number(sevSel.value);
    var rule = ruleSel.value, text = pathIn.value.toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var f = data.findings[Number(row.getAttribute("data-i"))];
      var path = data.files[f[2]][0].toLowerCase();
      var ok = f[0] >= minSev && (rule === "" || f[1] === rule) && (text === "" || path.indexOf(text) >= 0);
      row.hidden = !ok;
      if (ok) { shown++; }
    });
    count.textContent = String(shown);
  }
  var keys = {
    severity: function (f) { return -f[0]; },
    rule: function (f) { return f[1]; },
    path: function (f) { return data.files[f[2]][0] + "\u0000" + String(1e9 + f[3]); },
    message: function (f) { return f[4]; }
  };
  var current = "severity", ascending = true;
  function sortBy(key) {
    ascending = key === current ? !ascending : true;
    current = key;
    var k = keys[key];
    rows.sort(function (a, b) {
      var fa = data.findings[Number(a.getAttribute("data-i"))], fb = data.findings[Number(b.getAttribute("data-i"))];
      var x = k(fa), y = k(fb), c = x < y ? -1 : x > y ? 1 : 0;
      if (c === 0) { c = Number(a.getAttribute("data-i")) - Number(b.getAttribute("data-i")); }
      return ascending ? c : -c;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
    document.querySelectorAll("#findings th").forEach(function (th) {
      th.setAttribute("aria-sort", th.getAttribute("data-key") === key ? (ascending ? "ascending" : "descending") : "none");
    });
  }
  document.querySelectorAll("#findings th button").forEach(function (b) {
    b.addEventListener("click", function () { sortBy(b.parentNode.getAttribute("data-key")); });
  });
  [sevSel, ruleSel].forEach(function (e) { e.addEventListener("change", apply); });
  pathIn.addEventListener("input", apply);
  // Per-file drill-down, built when first opened.
  document.querySelectorAll("details[data-file]").forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (!d.open || d.getAttribute("data-built")) { return; }
      d.setAttribute("data-built", "1");
      var file = data.files[Number(d.getAttribute("data-file"))];
      var table = document.createElement("table");
      var head = table.createTHead().insertRow();
      ["function", "line", "cyclomatic", "cognitive", "nesting", "parameters", "code lines", "returns"].forEach(function (h, i) {
        var th = document.createElement("th"); th.textContent = h; if (i > 0) { th.className = "num"; } head.appendChild(th);
      });
      var tb = table.createTBody();
      file[3].forEach(function (fn) {
        var tr = tb.insertRow();
        fn.forEach(function (v, i) { var td = tr.insertCell(); td.textContent = String(v); if (i > 0) { td.className = "num"; } });
      });
      var wrap = document.createElement("div"); wrap.className = "scroll"; wrap.appendChild(table);
      d.appendChild(wrap);
    });
  });
  document.documentElement.setAttribute("data-ready", "1");
})();
