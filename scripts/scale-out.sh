#!/usr/bin/env bash
# Measures wtfcb past one machine on a corpus, side by side in one sitting, and prints a
# Markdown table: a cold run; a second checkout with an empty local cache and a warm remote
# (Redis on loopback, and an HTTP cache server), unsigned and signed; 4 shards as 4 processes
# of this machine plus `merge`, against one unsharded run (CPU time). Needs redis-server and
# python3. Usage: scripts/scale-out.sh CORPUS [JOBS]
set -euo pipefail
CORPUS=$(realpath "${1:?usage: scripts/scale-out.sh CORPUS [JOBS]}")
JOBS=${2:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
W="$ROOT/target/release/wtfcb"
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >/dev/null &
HTTP_PORT=$(free_port)
mkdir -p "$WORK/http"
# The HTTP cache server: nginx with WebDAV PUT when it is installed, else a Python one (about
# ten times slower per request).
if command -v nginx >/dev/null 2>&1; then
  HTTP_SERVER=nginx
  mkdir -p "$WORK/nginx"
  # Its workers run as another user.
  chmod 755 "$WORK"; chmod 777 "$WORK/http"
  cat > "$WORK/nginx/nginx.conf" <<CONF
daemon off;
worker_processes auto;
error_log $WORK/nginx/error.log;
pid $WORK/nginx/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    location /wtfcb/ {
      alias $WORK/http/;
      dav_methods PUT;
      client_max_body_size 64m;
    }
  }
}
CONF
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
else
HTTP_SERVER=python
python3 - "$HTTP_PORT" "$WORK/http" <<'PY' &
import http.server, os, sys
root = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def path_of(self): return os.path.join(root, os.path.basename(self.path))
    def do_GET(self):
        try:
            data = open(self.path_of(), "rb").read()
        except OSError:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        self.send_response(200); self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
    def do_PUT(self):
        data = self.rfile.read(int(self.headers["Content-Length"]))
        with open(self.path_of(), "wb") as f: f.write(data)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
fi
sleep 1

# Runs a command; prints "wall cpu" in seconds (the children's CPU time included).
measure() {
  python3 - "$@" <<'PY'
import os, subprocess, sys, time
start = time.perf_counter(); before = os.times()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=open(os.environ.get("ERR", "/dev/null"), "w"))
after = os.times(); wall = time.perf_counter() - start
cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
print(f"{wall:.2f} {cpu:.2f}")
PY
}

cp -r "$CORPUS" "$WORK/checkout2"
cd "$CORPUS"
echo "HTTP cache server: $HTTP_SERVER"
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }
echo "| run | wall s | CPU s | remote |"
echo "|---|---|---|---|"
# Medians of three: the machine may be shared and noisy.
median3() { python3 -c 'import sys; v=sorted(map(float, sys.argv[1:])); print(v[1])' "$@"; }
walls=(); cpus=()
for k in 1 2 3; do
  read -r wall cpu < <(measure "$W" analyze --no-cache -j"$JOBS" --fail-on never .)
  walls+=("$wall"); cpus+=("$cpu")
done
COLD=$(median3 "${walls[@]}")
row "cold, no cache (median of 3)" "$COLD" "$(median3 "${cpus[@]}")" "-"
for remote in "redis://127.0.0.1:$REDIS_PORT/0" "http://127.0.0.1:$HTTP_PORT/wtfcb"; do
  for signed in "" "signed"; do
    if [ -n "$signed" ]; then export WTFCB_CACHE_SIGNING_KEY=scale-out-key; else unset WTFCB_CACHE_SIGNING_KEY; fi
    redis-cli -p "$REDIS_PORT" flushall >/dev/null; rm -f "$WORK"/http/*
    rm -rf "$WORK/c1" "$WORK/c2"
    read -r wall cpu < <(ERR="$WORK/fill.err" measure "$W" analyze -j"$JOBS" --cache-dir "$WORK/c1" --remote-cache "$remote" --fail-on never .)
    row "cold, filling the remote ${signed}" "$wall" "$cpu" "$(grep '^wtfcb: remote cache' "$WORK/fill.err" | sed 's/^wtfcb: remote cache [^:]*://')"
    if [ "${remote%%:*}" = http ]; then
      keys=$(find "$WORK/http" -type f | wc -l)
      bytes=$(find "$WORK/http" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
      row "values on the HTTP server ${signed}" "-" "-" "$keys values, $bytes bytes (about $((bytes / (keys > 0 ? keys : 1))) bytes a value)"
    fi
    walls=(); cpus=()
    for k in 1 2 3; do
      rm -rf "$WORK/c2"
      (cd "$WORK/checkout2" && ERR="$WORK/read.err" measure "$W" analyze -j"$JOBS" --cache-dir "$WORK/c2" --remote-cache "$remote" --fail-on never .) > "$WORK/read.t"
      read -r wall cpu < "$WORK/read.t"
      walls+=("$wall"); cpus+=("$cpu")
    done
    wall=$(median3 "${walls[@]}")
    row "second checkout, empty local cache, warm remote ${signed} (median of 3: $(python3 -c "print(f'{$wall/$COLD*100:.0f}% of cold')"))" "$wall" "$(median3 "${cpus[@]}")" "$(grep '^wtfcb: remote cache' "$WORK/read.err" | sed 's/^wtfcb: remote cache [^:]*://')"
  done
done
unset WTFCB_CACHE_SIGNING_KEY
read -r wall cpu < <(measure "$W" analyze --no-cache -j"$JOBS" --fail-on never .)
ONE=$cpu
row "unsharded run" "$wall" "$cpu" "-"
total=0
for i in 1 2 3 4; do
  read -r wall cpu < <(measure bash -c "'$W' analyze --no-cache -j$JOBS --shard $i/4 --format part . > '$WORK/part-$i.wtfcb'")
  row "shard $i/4" "$wall" "$cpu" "-"
  total=$(python3 -c "print($total + $cpu)")
done
read -r wall cpu < <(measure "$W" merge "$WORK"/part-*.wtfcb --no-cache --fail-on never)
row "merge of 4 parts ($(du -ch "$WORK"/part-*.wtfcb | tail -1 | cut -f1))" "$wall" "$cpu" "-"
total=$(python3 -c "print(f'{$total + $cpu:.2f}')")
row "4 shards + merge: $(python3 -c "print(f'{$total/$ONE:.2f}x')") the CPU of one run" "-" "$total" "-"
