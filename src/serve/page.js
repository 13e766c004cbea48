"use strict";
// The live page of `wtfcb analyze --serve`: every value is set as text (never as markup),
// charts are drawn with SVG elements, and the only connection is the event stream back to
// the server that served the page, with the token the page was opened with.
const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const token = new URLSearchParams(location.search).get("token") || "";
const svgNs = "http://www.w3.org/2000/svg";
const colours = ["#0969da", "#cf222e", "#1a7f37", "#8250df"];
// What the page saw, for whoever drives it in a test: the file counts in order.
window.wtfcbSeen = [];

function text(id, value) {
  const el = $(id);
  if (el) { el.textContent = String(value); }
}

function fill(tbody, items, cells) {
  const trs = items.map((item) => {
    const tr = document.createElement("tr");
    cells(item).forEach((cell, i) => {
      const td = document.createElement("td");
      td.textContent = String(cell);
      if (/^-?[0-9][0-9.,]*$/.test(String(cell))) { td.className = "num"; }
      tr.appendChild(td);
    });
    return tr;
  });
  $(tbody).replaceChildren(...trs);
}

function svgEl(name, attrs) {
  const el = document.createElementNS(svgNs, name);
  Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, String(v)));
  return el;
}

// Lines of [x, y] points in one SVG, scaled to fit, with the largest value written.
function chart(id, series) {
  const svg = $(id);
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p[0]));
  const maxY = Math.max(1, ...all.map((p) => p[1]));
  const children = [svgEl("line", { x1: 40, y1: 180, x2: 590, y2: 180, stroke: "#57606a" })];
  const top = svgEl("text", { x: 0, y: 14 });
  top.textContent = String(Math.round(maxY * 10) / 10);
  children.push(top);
  series.forEach((s, i) => {
    const points = s.points.map((p) => `${(40 + p[0] / maxX * 550).toFixed(1)},${(180 - p[1] / maxY * 165).toFixed(1)}`).join(" ");
    const line = svgEl("polyline", { points, fill: "none", stroke: colours[i % colours.length], "stroke-width": 2 });
    const title = svgEl("title", {});
    title.textContent = s.name;
    line.appendChild(title);
    children.push(line);
  });
  svg.replaceChildren(...children);
  const legend = $(id + "-legend");
  if (legend) {
    legend.replaceChildren(...series.map((s, i) => {
      const last = s.points.length ? s.points[s.points.length - 1][1] : 0;
      const span = document.createElement("span");
      span.style.color = colours[i % colours.length];
      span.textContent = `■ ${s.name}: ${last}  `;
      return span;
    }));
  }
}

function renderBench(bench) {
  $("bench-section").hidden = false;
  fill("bench", bench.runs || [], (r) => [r.name, r.median_ms, r.min_ms, r.max_ms, r.files_per_second]);
  const saved = bench.saved || [];
  const names = Array.from(new Set(saved.flatMap((s) => s.runs.map((r) => r.name))));
  chart("saved", names.map((name) => ({
    name,
    points: saved.map((s, i) => [i, (s.runs.find((r) => r.name === name) || { median_ms: 0 }).median_ms]),
  })));
}

function render(s) {
  text("kind", s.kind);
  text("stage", s.stage);
  text("elapsed", (s.elapsed_ms / 1000).toFixed(1) + " s");
  text("done", s.done);
  text("total", s.total);
  text("analyzed", s.analyzed);
  text("skipped", s.skipped);
  text("failed", s.failed);
  $("progress").style.width = (s.total ? Math.min(100, 100 * s.done / s.total) : 0) + "%";
  if (s.cache) {
    text("hits", s.cache.hits);
    text("parsed", s.cache.parsed);
    text("remote", s.cache.remote_hits);
  }
  fill("phases", Object.entries(s.phases_ms), ([name, ms]) => [name, ms.toFixed(1)]);
  fill("slowest", s.slowest, (f) => [f.ms.toFixed(1), f.path]);
  fill("failures", s.failures, (f) => [f.path, f.message]);
  const t = s.timeline;
  // A bench's children are the runs it measures; an analysis's, its parser processes.
  const others = s.kind === "bench" ? "measured runs" : "parser processes";
  chart("rss", [
    { name: "wtfcb", points: t.map((p) => [p.t_ms, p.rss_mib]) },
    { name: others, points: t.map((p) => [p.t_ms, p.parsers_rss_mib]) },
  ]);
  chart("cpu", [
    { name: "wtfcb", points: t.slice(1).map((p) => [p.t_ms, p.cpu_percent]) },
    { name: others, points: t.slice(1).map((p) => [p.t_ms, p.parsers_cpu_percent]) },
  ]);
  if (s.bench) { renderBench(s.bench); }
  if (s.result) {
    $("result-section").hidden = false;
    fill("result", Object.entries(s.result), ([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v]);
    Object.entries(s.result).forEach(([k, v]) => { if (typeof v !== "object") { root.setAttribute("data-result-" + k, String(v)); } });
    root.setAttribute("data-state", "done");
  }
  window.wtfcbSeen.push(s.done);
  root.setAttribute("data-seq", String(s.seq));
}

const source = new EventSource("/events?token=" + encodeURIComponent(token));
source.addEventListener("open", () => { text("connection", "connected"); $("connection").className = ""; });
source.addEventListener("state", (e) => render(JSON.parse(e.data)));
source.addEventListener("error", () => {
  text("connection", root.getAttribute("data-state") === "done" ? "the run is done; the server has stopped" : "connection lost");
  $("connection").className = "lost";
  if (root.getAttribute("data-state") === "done") { source.close(); }
});
