#!/usr/bin/env bash
# Instruction counts of `analyze` against the tree-sitter parse floor, under callgrind: the
# load of a shared machine changes wall time, never the instructions a run executes.
#
#   usage: scripts/instructions.sh [CORPORA] [NAME...]
#
# CORPORA is what ../shared/corpora/build.sh built (default /tmp/corpora); NAME picks samples
# (default: all that exist). Each sample is fixed: every Kth file, by sorted path, of one
# corpus's files in its languages, up to a file count:
#
#   python  cpython/**/*.py                                         every 8th,  at most 300
#   npm     npm/**/*.{js,mjs,cjs,ts}                                 every 20th, at most 300
#   cpp     crates/librocksdb-sys-*/rocksdb/**/*.{cc,h}             every 8th,  at most 200
#   go      $GOROOT/src/**/*.go (go env GOROOT, else /usr/share/go*) every 40th, at most 300
#
# For each sample it runs, each under callgrind, one at a time (-j1), no cache:
#   floor    examples/walkfloor: the files `analyze` analyzes (listed from its JSON report),
#            each parsed with the grammar wtfcb gives it, nothing else
#   analyze  wtfcb analyze --in-process -j1 --no-cache --format json
# and prints the instructions of: the floor's whole process and its parse; analyze's whole
# process, its parse (in `ts_parser_parse_with_options`), its fact pass (in
# `wtfcb_core::facts::extract`: the syntactic rules run inside it, and so would the parses of
# Rust macro bodies, which none of these samples has) and the rest (walk, reading, rules on
# facts, the cross-file phase, the report); analyze's total as a multiple of the floor's; and the ten
# functions the fact pass spends most in (self cost). A measured run that did not analyze
# every file of the sample is named on stderr, and the script then exits 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpora=${1:-/tmp/corpora}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(python npm cpp go)
command -v valgrind >/dev/null || { echo "valgrind is needed (Debian: valgrind)" >&2; exit 2; }

(cd "$root" && cargo build -q --profile profiling --bin wtfcb --example walkfloor)
bin=$root/target/profiling/wtfcb
floor=$root/target/profiling/examples/walkfloor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# sample NAME DIR REGEX EVERY MAX: copies the sample into $work/NAME, lists it in $work/NAME.list.
sample() {
  local name=$1 dir=$2 regex=$3 every=$4 max=$5
  mkdir -p "$work/$name"
  # Whole lists between the steps: a reader that stops early must not fail the pipeline.
  (cd "$dir" && find . -type f) | { grep -E "$regex" || true; } | LC_ALL=C sort > "$work/$name.all"
  awk -v k="$every" -v m="$max" 'NR % k == 1 { print; if (++n >= m) exit }' "$work/$name.all" \
    > "$work/$name.rel"
  while IFS= read -r rel; do
    mkdir -p "$work/$name/$(dirname "$rel")"
    cp "$dir/$rel" "$work/$name/$rel"
  done < "$work/$name.rel"
  # The floor parses what `analyze` parses: not the files it leaves out (vendored, minified,
  # generated, build output) nor those it skips.
  # (Exit 2, a file whose analysis failed, still writes the report.)
  { "$bin" analyze --no-cache --quiet --format json --fail-on never "$work/$name" || true; } |
    analyzed > "$work/$name.list"
}

# analyzed: the paths of the files a JSON report on stdin analyzed, one a line.
analyzed() {
  python3 -c 'import json, sys; [print(f["path"]) for f in json.load(sys.stdin)["files"]]'
}

# total FILE: the instructions a callgrind output file counted.
total() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }

# grind OUT TOGGLE CMD...: callgrind, collecting everything or (TOGGLE) only inside it; the
# command's output goes to OUT.stdout.
grind() {
  local out=$1 toggle=$2
  shift 2
  local opts=(--tool=callgrind --callgrind-out-file="$out")
  [ -n "$toggle" ] && opts+=(--toggle-collect="$toggle")
  valgrind "${opts[@]}" "$@" > "$out.stdout" 2> "$out.log" || true
  [ -s "$out" ] || { echo "callgrind wrote nothing: see $out.log" >&2; cat "$out.log" >&2; exit 2; }
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
millions() { awk -v a="$1" 'BEGIN { printf "%.1f M", a / 1e6 }'; }

incomplete=0
for name in "${names[@]}"; do
  case "$name" in
    python) dir=$corpora/cpython; regex='\.py$'; every=8; max=300 ;;
    npm) dir=$corpora/npm; regex='\.(js|mjs|cjs|ts)$'; every=20; max=300 ;;
    cpp)
      dir=$(ls -d "$corpora"/crates/librocksdb-sys-*/rocksdb 2>/dev/null | head -n 1 || true)
      regex='\.(cc|h)$'; every=8; max=200 ;;
    go)
      dir=$( (command -v go >/dev/null && go env GOROOT 2>/dev/null) || ls -d /usr/share/go* 2>/dev/null | head -n 1 || true)
      dir=${dir:+$dir/src}; regex='\.go$'; every=40; max=300 ;;
    *) echo "unknown sample: $name" >&2; exit 2 ;;
  esac
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "== $name: no corpus at ${dir:-(none)}, skipped"
    continue
  fi
  sample "$name" "$dir" "$regex" "$every" "$max"
  files=$(wc -l < "$work/$name.list")
  sampled=$(wc -l < "$work/$name.rel")
  bytes=$(tr '\n' '\0' < "$work/$name.list" | xargs -0 cat | wc -c)
  # Under callgrind a parse runs some 50 times slower, more on a loaded machine: the parse
  # budget (wall time, 5 s per MiB by default) is set to its most, an hour a MiB, or a file it
  # cut short would count fewer instructions than its analysis takes.
  run=(analyze --in-process -j1 --no-cache --quiet --format json --fail-on never
    --parse-timeout 3600 "$work/$name")
  grind "$work/floor.out" "" "$floor" "@$work/$name.list" 1 1 parse
  grind "$work/floor-parse.out" ts_parser_parse_with_options "$floor" "@$work/$name.list" 1 1 parse
  grind "$work/all.out" "" "$bin" "${run[@]}"
  grind "$work/parse.out" ts_parser_parse_with_options "$bin" "${run[@]}"
  grind "$work/facts.out" 'wtfcb_core::facts::extract::extract' "$bin" "${run[@]}"
  # Each measured run must have analyzed every file of the sample: one it skipped (a parse
  # cut short by its budget, a memory cap) would count fewer instructions than its analysis.
  for out in all parse facts; do
    if ! analyzed < "$work/$out.out.stdout" | cmp -s - "$work/$name.list"; then
      echo "== $name: the $out run did not analyze every file of the sample: its figures below are not comparable" >&2
      incomplete=1
    fi
  done
  f_all=$(total "$work/floor.out"); f_parse=$(total "$work/floor-parse.out")
  a_all=$(total "$work/all.out"); a_parse=$(total "$work/parse.out"); a_facts=$(total "$work/facts.out")
  rest=$((a_all - a_parse - a_facts))
  echo "== $name: $files files analyzed ($sampled sampled), $bytes bytes, from $dir"
  printf '  %-34s %12s\n' "floor, whole process" "$(millions "$f_all")"
  printf '  %-34s %12s\n' "floor, parse" "$(millions "$f_parse")"
  printf '  %-34s %12s  %sx the floor\n' "analyze, whole process" "$(millions "$a_all")" "$(ratio "$a_all" "$f_all")"
  printf '  %-34s %12s  %sx the floor'"'"'s parse\n' "analyze, parse" "$(millions "$a_parse")" "$(ratio "$a_parse" "$f_parse")"
  printf '  %-34s %12s  %sx its parse\n' "analyze, fact pass (rules inside)" "$(millions "$a_facts")" "$(ratio "$a_facts" "$a_parse")"
  printf '  %-34s %12s  %sx its parse\n' "analyze, the rest" "$(millions "$rest")" "$(ratio "$rest" "$a_parse")"
  echo "  the fact pass's top ten functions (self instructions, inlined code summed in):"
  callgrind_annotate --inclusive=no "$work/facts.out" > "$work/facts.txt" 2> /dev/null || true
  awk -v all="$a_facts" '
      /file:function/ { table = 1; next }
      table == 1 && /^-+$/ { table = 2; next }
      table == 2 && NF == 0 { exit }
      table == 2 && $1 ~ /^[0-9,]+$/ {
        n = $1; gsub(/,/, "", n)
        f = $0; sub(/ \[[^]]*\]$/, "", f); sub(/^ *[0-9,]+ +\([^)]*\) +/, "", f); sub(/^[^:]*:/, "", f)
        cost[f] += n
      }
      END { for (f in cost) printf "%14.1f M  %5.1f%%  %s\n", cost[f] / 1e6, 100 * cost[f] / all, f }' \
    "$work/facts.txt" | sort -rn | awk 'NR <= 10 { print "  " $0 }' | cut -c1-120
  rm -f "$work"/*.out "$work"/*.out.log "$work"/*.out.stdout "$work/facts.txt"
done
exit "$incomplete"
