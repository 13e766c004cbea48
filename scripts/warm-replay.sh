#!/usr/bin/env bash
# How often the first analysis of a file that the next commit touches finds it in the cache,
# with and without predictive warming, replayed over a repository's last N first-parent
# commits (a benchmark, not a test):
#
#   bash scripts/warm-replay.sh REPO [N] [WTFCB]
#
# For each commit C_i in order, a scratch worktree is checked out at C_i. The files the next
# commit C_i+1 touches (those that exist at C_i, in a language wtfcb reads) are then "opened":
# analyzed through the cache, which counts how many were there already. Two caches are kept:
# without warming, the cache holds only what earlier steps opened; with warming,
# `wtfcb cache warm` runs on the checkout first (the recently modified files are the ones the
# checkout rewrote; there is no branch: the replay walks the main line). REPO is not changed.
set -euo pipefail
repo=$1
n=${2:-200}
wtfcb=$(realpath "${3:-target/release/wtfcb}")
work=$(mktemp -d /tmp/wtfcb-warm-replay.XXXXXX)
trap 'git -C "$repo" worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
mapfile -t commits < <(git -C "$repo" rev-list --first-parent --reverse -n "$((n + 1))" HEAD)
git -C "$repo" worktree add --detach -q "$work/tree" "${commits[0]}"
cold_seen=0 cold_hit=0 warm_seen=0 warm_hit=0
count() { # cache-dir files... -> "seen parsed"
  local dir=$1; shift
  WTFCB_CACHE_DIR=$dir "$wtfcb" analyze --quiet --fail-on never --format json "$@" 2>/dev/null |
    python3 -c 'import json,sys; c=json.load(sys.stdin)["run"]["cache"] or {}; print(c.get("files_seen", 0), c.get("files_parsed", 0))'
}
for ((i = 0; i < ${#commits[@]} - 1; i++)); do
  git -C "$work/tree" checkout -q --detach "${commits[$i]}"
  mapfile -t touched < <(git -C "$repo" diff-tree --no-commit-id --name-only -r "${commits[$i+1]}" |
    while read -r f; do [ -f "$work/tree/$f" ] && echo "$f"; done)
  (cd "$work/tree" && WTFCB_CACHE_DIR="$work/warm-cache" "$wtfcb" cache warm >/dev/null 2>&1 || true)
  [ ${#touched[@]} -eq 0 ] && continue
  read -r seen parsed < <(cd "$work/tree" && count "$work/cold-cache" "${touched[@]}") || continue
  cold_seen=$((cold_seen + seen)) cold_hit=$((cold_hit + seen - parsed))
  read -r seen parsed < <(cd "$work/tree" && count "$work/warm-cache" "${touched[@]}") || continue
  warm_seen=$((warm_seen + seen)) warm_hit=$((warm_hit + seen - parsed))
done
echo "$((${#commits[@]} - 1)) commits of $(basename "$repo"): files the next commit touches, found in the cache at first analysis:"
echo "  without warming: $cold_hit of $cold_seen"
echo "  with warming:    $warm_hit of $warm_seen"
