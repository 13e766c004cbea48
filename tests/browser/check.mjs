// Drives headless Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: no
// port, no WebSocket, no npm package) to check a wtfcb HTML report the way a user meets it.
// Usage: node check.mjs CHROMIUM REPORT.html SCREENSHOT.png [page]
// Prints one JSON object with what it saw; the Rust test decides what passes.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

// A fourth argument `page` checks any page (errors, requests, text) without the report's checks;
// `live` opens a running `--serve` page (an http:// address) and waits until its run is done.
const [chromiumPath, reportPath, screenshotPath, mode] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "wtfcb-chromium-"));
const browser = spawn(chromiumPath, [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--no-first-run", "--no-default-browser-check", "--disable-extensions",
  "--remote-debugging-pipe", `--user-data-dir=${profile}`, "--window-size=1280,900", "about:blank",
], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
let stderr = "";
browser.stderr.on("data", (d) => { stderr += d; });

const toBrowser = browser.stdio[3];
const fromBrowser = browser.stdio[4];
let nextId = 1;
const pending = new Map();
const listeners = [];
let buffer = Buffer.alloc(0);
fromBrowser.on("data", (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  let end;
  while ((end = buffer.indexOf(0)) >= 0) {
    const message = JSON.parse(buffer.subarray(0, end).toString("utf8"));
    buffer = buffer.subarray(end + 1);
    if (message.id && pending.has(message.id)) {
      const { ok, fail } = pending.get(message.id);
      pending.delete(message.id);
      message.error ? fail(new Error(JSON.stringify(message.error))) : ok(message.result);
    } else if (message.method) {
      listeners.forEach((l) => l(message));
    }
  }
});
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const message = { id, method, params };
  if (sessionId) { message.sessionId = sessionId; }
  toBrowser.write(JSON.stringify(message) + "\0");
  return new Promise((ok, fail) => pending.set(id, { ok, fail }));
}
function once(method) {
  return new Promise((ok) => listeners.push((m) => { if (m.method === method) { ok(m); } }));
}

let report;
const seen = { consoleErrors: [], exceptions: [], requests: [], dialogs: 0, logErrors: [] };
const url = reportPath.startsWith("http://") ? reportPath : pathToFileURL(resolve(reportPath)).href;
// The live page's one connection: its event stream, on the server that served it.
const own = (u) => mode === "live" && new URL(u).origin === new URL(url).origin && new URL(u).pathname === "/events";
const timeout = setTimeout(() => { console.log(JSON.stringify({ error: "timeout", stderr })); process.exit(2); }, 60000);
try {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  listeners.push((m) => {
    if (m.sessionId !== sessionId) { return; }
    if (m.method === "Runtime.consoleAPICalled" && (m.params.type === "error" || m.params.type === "warning")) {
      seen.consoleErrors.push(m.params.args.map((a) => a.value ?? a.description).join(" "));
    } else if (m.method === "Runtime.exceptionThrown") {
      seen.exceptions.push(m.params.exceptionDetails.text + " " + (m.params.exceptionDetails.exception?.description ?? ""));
    } else if (m.method === "Log.entryAdded" && (m.params.entry.level === "error" || m.params.entry.source === "security")) {
      seen.logErrors.push(m.params.entry.text);
    } else if (m.method === "Network.requestWillBeSent") {
      if (m.params.request.url !== url && !own(m.params.request.url)) { seen.requests.push(m.params.request.url); }
    } else if (m.method === "Page.javascriptDialogOpening") {
      seen.dialogs++;
      send("Page.handleJavaScriptDialog", { accept: true }, sessionId);
    }
  });
  for (const domain of ["Runtime", "Log", "Network", "Page"]) { await send(`${domain}.enable`, {}, sessionId); }
  const loaded = new Promise((ok) => listeners.push((m) => { if (m.sessionId === sessionId && m.method === "Page.loadEventFired") { ok(); } }));
  await send("Page.navigate", { url }, sessionId);
  await loaded;
  const evaluate = async (expression) => {
    const r = await send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true }, sessionId);
    if (r.exceptionDetails) { throw new Error(r.exceptionDetails.text + " in " + expression); }
    return r.result.value;
  };
  const live = `(async () => {
    const root = document.documentElement;
    for (let i = 0; i < 1000 && root.getAttribute("data-state") !== "done"; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const result = {};
    for (const a of root.getAttributeNames()) {
      if (a.startsWith("data-result-")) { result[a.slice(12)] = root.getAttribute(a); }
    }
    return { done: root.getAttribute("data-state") === "done", seen: window.wtfcbSeen, result,
      failuresShown: document.querySelectorAll("#failures tr").length,
      slowestShown: document.querySelectorAll("#slowest tr").length,
      timelinePoints: document.querySelectorAll("#rss polyline").length,
      text: document.body.innerText, scripts: document.querySelectorAll("script").length };
  })()`;
  const result = mode === "live" ? await evaluate(live) : mode === "page" ? await evaluate(`({ text: document.body.innerText, svgs: document.querySelectorAll("svg").length, scripts: document.querySelectorAll("script").length })`) : await evaluate(`(async () => {
    for (let i = 0; i < 600 && document.documentElement.getAttribute("data-ready") !== "1"; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const nav = performance.getEntriesByType("navigation")[0];
    const paint = performance.getEntriesByType("paint").map((p) => p.startTime);
    const rows = () => Array.from(document.querySelectorAll("#findings-body tr"));
    const visible = () => rows().filter((r) => !r.hidden);
    const out = {
      ready: document.documentElement.getAttribute("data-ready") === "1",
      domContentLoadedMs: nav ? nav.domContentLoadedEventEnd : null,
      firstPaintMs: paint.length ? Math.max(...paint) : null,
      readyMs: Number(document.documentElement.getAttribute("data-ready-ms")),
      rows: rows().length,
      images: document.images.length,
      scriptsInBody: document.querySelectorAll("script").length,
      text: document.body.innerText,
    };
    const ruleCells = () => visible().map((r) => r.cells[1].innerText);
    document.querySelector('#findings th[data-key="rule"] button').click();
    const byRule = ruleCells();
    out.sortedByRule = byRule.every((r, i) => i === 0 || byRule[i - 1].localeCompare(r, "en") <= 0 || byRule[i - 1] <= r);
    document.querySelector('#findings th[data-key="rule"] button').click();
    const desc = ruleCells();
    out.sortToggles = desc.join("|") === byRule.slice().reverse().join("|") || desc[0] >= desc[desc.length - 1];
    const sev = document.getElementById("f-severity");
    sev.value = "3"; // high and above (ranks: info 0 … critical 4)
    sev.dispatchEvent(new Event("change"));
    out.highOrAbove = visible().length;
    out.highOrAboveAllHigh = visible().every((r) => /high|critical/.test(r.cells[0].innerText));
    sev.value = ""; sev.dispatchEvent(new Event("change"));
    const path = document.getElementById("f-path");
    path.value = "ops"; path.dispatchEvent(new Event("input"));
    out.pathFiltered = visible().length;
    out.pathFilterHolds = visible().every((r) => r.cells[2].innerText.includes("ops"));
    out.countShown = document.getElementById("findings-count").textContent;
    path.value = ""; path.dispatchEvent(new Event("input"));
    const files = JSON.parse(document.getElementById("wtfcb-data").textContent).files;
    const withFunctions = files.findIndex((f) => f[3].length > 0);
    const d = document.querySelector('details[data-file="' + withFunctions + '"]');
    d.open = true;
    await new Promise((r) => setTimeout(r, 50));
    out.drillDownRows = d.querySelectorAll("tbody tr").length;
    return out;
  })()`);
  const shot = await send("Page.captureScreenshot", { format: "png" }, sessionId);
  writeFileSync(screenshotPath, Buffer.from(shot.data, "base64"));
  report = { ...result, ...seen };
} catch (e) {
  report = { error: String(e), stderr };
} finally {
  clearTimeout(timeout);
  const exited = new Promise((ok) => browser.once("exit", ok));
  browser.kill("SIGKILL");
  await exited;
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {
    // A helper process may still be writing its profile; the directory is in tmp.
  }
}
// Exit only once the (possibly large) answer is written: exiting at once can cut a pipe short.
process.stdout.write(JSON.stringify(report) + "\n", () => process.exit(0));
