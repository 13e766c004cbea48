"use strict";
// wtfcb: ignore[long-function] -- the page's one script, a module in a closure: each part is a named function inside.
(function () {
  // The data block is parsed on first use, not before the first paint.
  var parsed = null;
  function data() {
    if (!parsed) { parsed = JSON.parse(document.getElementById("wtfcb-data").textContent); }
    return parsed;
  }
  var SEVERITIES = ["info", "low", "medium", "high", "critical"];
  var body = document.getElementById("findings-body");
  var total = Number(body.getAttribute("data-total"));
  var rows = Array.prototype.slice.call(body.rows);
  var count = document.getElementById("findings-count");
  var sevSel = document.getElementById("f-severity");
  var ruleSel = document.getElementById("f-rule");
  var pathIn = document.getElementById("f-path");
  function cell(tr, cls, text, code) {
    var td = tr.insertCell();
    if (cls) { td.className = cls; }
    var inner = td;
    if (code) { inner = document.createElement("code"); td.appendChild(inner); }
    inner.textContent = text;
    return td;
  }
  // A row built from the data, as the page's own rows are written (text only, never markup).
  function buildRow(i) {
    var f = data().findings[i];
    var tr = document.createElement("tr");
    tr.setAttribute("data-i", String(i));
    var sev = document.createElement("span");
    sev.className = "sev " + SEVERITIES[f[0]];
    sev.textContent = SEVERITIES[f[0]];
    tr.insertCell().appendChild(sev);
    cell(tr, "", f[1], true);
    cell(tr, "path", data().files[f[2]][0] + ":" + f[3]);
    var msg = cell(tr, "", f[4]);
    if (f[6]) { var pre = document.createElement("pre"); pre.className = "src"; pre.textContent = f[6]; msg.appendChild(pre); }
    cell(tr, "hide-narrow", f[5], true);
    return tr;
  }
  function renderMore(n) {
    var frag = document.createDocumentFragment();
    var end = Math.min(total, rows.length + n);
    for (var i = rows.length; i < end; i++) { var tr = buildRow(i); rows.push(tr); frag.appendChild(tr); }
    body.appendChild(frag);
    if (rows.length >= total) {
      var more = document.getElementById("findings-more");
      if (more) { more.remove(); }
    }
  }
  function ensureAll() { if (rows.length < total) { renderMore(total - rows.length); } }
  function filtering() { return sevSel.value !== "" || ruleSel.value !== "" || pathIn.value !== ""; }
  function apply() {
    ensureAll();
    var minSev = sevSel.value === "" ? -1 : Number(sevSel.value);
    var rule = ruleSel.value, text = pathIn.value.toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var f = data().findings[Number(row.getAttribute("data-i"))];
      var path = data().files[f[2]][0].toLowerCase();
      var ok = f[0] >= minSev && (rule === "" || f[1] === rule) && (text === "" || path.indexOf(text) >= 0);
      row.hidden = !ok;
      if (ok) { shown++; }
    });
    count.textContent = String(shown);
  }
  var keys = {
    severity: function (f) { return -f[0]; },
    rule: function (f) { return f[1]; },
    path: function (f) { return data().files[f[2]][0] + "\u0000" + String(1e9 + f[3]); },
    message: function (f) { return f[4]; }
  };
  var current = "severity", ascending = true;
  function sortBy(key) {
    ensureAll();
    ascending = key === current ? !ascending : true;
    current = key;
    var k = keys[key], all = data().findings;
    rows.sort(function (a, b) {
      var ia = Number(a.getAttribute("data-i")), ib = Number(b.getAttribute("data-i"));
      var x = k(all[ia]), y = k(all[ib]), c = x < y ? -1 : x > y ? 1 : 0;
      if (c === 0) { c = ia - ib; }
      return ascending ? c : -c;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
    document.querySelectorAll("#findings th").forEach(function (th) {
      if (th.hasAttribute("data-key")) {
        th.setAttribute("aria-sort", th.getAttribute("data-key") === key ? (ascending ? "ascending" : "descending") : "none");
      }
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
      var file = data().files[Number(d.getAttribute("data-file"))];
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
  // The rest of the findings, a chunk per task after the first paint; then the page is ready.
  function step() {
    renderMore(2000);
    if (filtering()) { apply(); }
    if (rows.length < total) { setTimeout(step, 0); return; }
    document.documentElement.setAttribute("data-ready", "1");
  }
  requestAnimationFrame(function () {
    document.documentElement.setAttribute("data-ready-ms", String(Math.round(performance.now())));
    setTimeout(step, 0);
  });
})();
