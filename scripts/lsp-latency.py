#!/usr/bin/env python3
"""How long `wtfcb lsp` takes from a `didChange` to the diagnostics of that version, and
whether its memory stays flat over many edits (a benchmark, not a test).

    python3 scripts/lsp-latency.py [--bin target/release/wtfcb] [--edits 500] [--rss-edits 10000]

It makes a temporary workspace with a 2,000-line Python file and a 2,000-line TypeScript file,
starts the server over stdio (plain JSON-RPC, no client library), opens each file, and sends
edits one at a time (a character typed, then deleted), waiting for the diagnostics published
for each version. It prints the latency's median, 95th percentile and maximum per file, then
the server's resident memory (VmRSS, the server process; its parser processes are separate)
every 1,000 edits of a long session on the Python file.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time


def repeated(block: list, lines: int) -> str:
    """`block` repeated, each copy numbered, cut to `lines` lines."""
    out = []
    n = 0
    while len(out) < lines:
        out.extend(line.format(n=n) for line in block)
        n += 1
    return "\n".join(out[:lines]) + "\n"


def python_source(lines: int) -> str:
    block = [
        "def handler_{n}(request, retries=3):",
        "    total = 0",
        "    for attempt in range(retries):",
        "        if request.ok and attempt > 0:",
        "            total += attempt",
        "        elif request.failed:",
        "            try:",
        "                request.retry()",
        "            except ValueError:",
        "                return None",
        "        else:",
        "            total -= 1",
        "    while total > 10:",
        "        total //= 2",
        "    return total",
        "",
        "",
        "# handler {n} ends here",
        "X_{n} = handler_{n}",
        "",
    ]
    return repeated(block, lines)


def typescript_source(lines: int) -> str:
    block = [
        "export function handler{n}(request: Request, retries = 3): number {{",
        "  let total = 0;",
        "  for (let attempt = 0; attempt < retries; attempt++) {{",
        "    if (request.ok && attempt > 0) {{",
        "      total += attempt;",
        "    }} else if (request.failed) {{",
        "      try {{",
        "        request.retry();",
        "      }} catch (e) {{",
        "        return -1;",
        "      }}",
        "    }} else {{",
        "      total -= 1;",
        "    }}",
        "  }}",
        "  while (total > 10) total = Math.floor(total / 2);",
        "  return total;",
        "}}",
        "// handler {n} ends here",
        "",
    ]
    return repeated(block, lines)


class Server:
    def __init__(self, binary: str, root: pathlib.Path):
        self.proc = subprocess.Popen(
            [binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.next_id = 0
        self.request("initialize", {"capabilities": {}, "rootUri": root.as_uri(), "processId": os.getpid()})
        self.notify("initialized", {})

    def send(self, message: dict):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self) -> dict:
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def request(self, method: str, params) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.next_id and "method" not in m:
                return m

    def notify(self, method: str, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_diagnostics(self, uri: str, version: int):
        while True:
            m = self.read()
            if m.get("method") == "window/workDoneProgress/create" and "id" in m:
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})
            if m.get("method") == "textDocument/publishDiagnostics":
                p = m["params"]
                if p["uri"] == uri and p.get("version") == version:
                    return p

    def rss_kib(self) -> int:
        for line in pathlib.Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=30)


def edit(server: Server, uri: str, version: int, line: int):
    # Odd versions type a character at the start of the line, even ones delete it.
    if version % 2:
        change = {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": "#"}
    else:
        change = {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}}, "text": ""}
    server.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
    )


def session(server: Server, path: pathlib.Path, language: str, edits: int, on_edit=None):
    uri = path.as_uri()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": path.read_text()}},
    )
    server.wait_diagnostics(uri, 1)
    latencies = []
    for i in range(edits):
        version = i + 2
        start = time.perf_counter()
        edit(server, uri, version, 1000)
        server.wait_diagnostics(uri, version)
        latencies.append((time.perf_counter() - start) * 1000)
        if on_edit:
            on_edit(i + 1)
    return latencies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/wtfcb")
    ap.add_argument("--edits", type=int, default=500)
    ap.add_argument("--rss-edits", type=int, default=10000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="wtfcb-lsp-bench-") as tmp:
        root = pathlib.Path(tmp)
        py = root / "handlers.py"
        ts = root / "handlers.ts"
        py.write_text(python_source(2000))
        ts.write_text(typescript_source(2000))
        server = Server(args.bin, root)
        for path, language in [(py, "python"), (ts, "typescript")]:
            lat = sorted(session(server, path, language, args.edits))
            p95 = lat[int(len(lat) * 0.95) - 1]
            print(
                f"{path.name}: {args.edits} edits, didChange -> diagnostics: "
                f"median {statistics.median(lat):.1f} ms, p95 {p95:.1f} ms, max {lat[-1]:.1f} ms"
            )
        server.stop()
        if args.rss_edits:
            server = Server(args.bin, root)
            samples = []
            session(
                server,
                py,
                "python",
                args.rss_edits,
                lambda n: samples.append((n, server.rss_kib())) if n % 1000 == 0 or n == 1 else None,
            )
            print("server RSS over a session on handlers.py: " + ", ".join(f"{n} edits {kib / 1024:.1f} MiB" for n, kib in samples))
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
