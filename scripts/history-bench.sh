#!/usr/bin/env bash
# Times `wtfcb history` on a repository the way README's table does: cold (an empty cache),
# again (nothing new), and after one new commit; in a throwaway clone (the new commit is made
# there, with git's plumbing, never in REPO) and with a throwaway cache directory.
# Usage: scripts/history-bench.sh REPO [N] [PATH...]   (N: --last, default 1000)
set -euo pipefail
repo=$(cd "$1" && pwd); shift
n=${1:-1000}; [ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/target/release/wtfcb"
[ -x "$bin" ] || (cd "$here" && cargo build --release --locked -q)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
git clone -q --no-checkout "$repo" "$work/clone"
cd "$work/clone"
run() {
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %M KB peak RSS" \
    "$bin" history --first-parent --last "$n" --cache-dir "$work/cache" --format json \
    -o "$work/report.json" "$@" 2>&1 | grep -v '^wtfcb: warning' | tail -1
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['run']; print('  ', {k: r[k] for k in ('commits','file_versions','analyzed','from_store','cross_file_computed')})" "$work/report.json"
}
run "cold" "$@"
run "again" "$@"
# One new commit: the first Python file (or any file) of HEAD with a line appended.
file=$(git ls-tree -r --name-only HEAD | awk '/\.py$/ && !f { f = $0 } END { print f }')
{ git cat-file -p "HEAD:$file"; echo "# one more line"; } > "$work/changed"
blob=$(git hash-object -w "$work/changed")
export GIT_INDEX_FILE="$work/index" GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com \
  GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
git read-tree HEAD
git update-index --cacheinfo "100644,$blob,$file"
commit=$(git commit-tree "$(git write-tree)" -p HEAD -m "one more line")
git update-ref HEAD "$commit"
unset GIT_INDEX_FILE
run "after one new commit ($file)" "$@"
