#!/usr/bin/env python3
"""Recall of jscpd's clone pairs in wtfcb's duplicate-code findings.

    jscpd --min-tokens 50 --min-lines 6 --reporters json --output OUT ROOT   (run from CWD)
    wtfcb analyze --no-cache --fail-on never --format json --select duplicate-code ROOT > W.json
    python3 scripts/jscpd-recall.py OUT/jscpd-report.json W.json ROOT [MISSES]

A jscpd pair counts as found when one wtfcb finding has a place (its own or a related one)
overlapping each of the pair's two places. Pairs with a place in test code (which wtfcb does
not compare) or in a file wtfcb did not analyze are left out. Prints the recall and the first
MISSES missed pairs (default 5). jscpd's paths are read relative to the current directory.
"""
import json
import os
import sys

TEST_DIRS = {"test", "tests", "testing", "__tests__", "spec", "testdata"}


def rel(path, root):
    if not os.path.isabs(path):
        path = os.path.join(os.getcwd(), path)
    return os.path.relpath(os.path.normpath(path), root)


def is_test(path):
    parts = path.split("/")
    name = parts[-1]
    return (
        any(p in TEST_DIRS for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith(("_test.py", "_test.go", "_test.rb", "_spec.rb", "Test.java", "Tests.java"))
        or ".test." in name
        or ".spec." in name
        or name == "conftest.py"
    )


def main():
    jscpd = json.load(open(sys.argv[1]))
    wtfcb = json.load(open(sys.argv[2]))
    root = os.path.abspath(sys.argv[3])
    shown = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    places = {}
    analyzed = set()
    for n, record in enumerate(wtfcb["files"]):
        analyzed.add(rel(record["path"], root))
        for f in record.get("findings") or []:
            if f["rule"] != "duplicate-code":
                continue
            group = [(f["path"], f["start_line"], f["end_line"])]
            group += [(r["path"], r["start_line"], r["end_line"]) for r in f.get("related", [])]
            for path, start, end in group:
                places.setdefault(rel(path, root), []).append((start, end, (n, id(f))))

    def groups_at(path, start, end):
        return {g for (s, e, g) in places.get(path, []) if s <= end and start <= e}

    total = found = 0
    missed = []
    for pair in jscpd["duplicates"]:
        a, b = pair["firstFile"], pair["secondFile"]
        pa, pb = rel(a["name"], root), rel(b["name"], root)
        if is_test(pa) or is_test(pb) or pa not in analyzed or pb not in analyzed:
            continue
        total += 1
        if groups_at(pa, a["start"], a["end"]) & groups_at(pb, b["start"], b["end"]):
            found += 1
        else:
            missed.append((pa, a["start"], a["end"], pb, b["start"], b["end"]))
    print(f"jscpd pairs outside tests {total}, in one wtfcb finding {found}, "
          f"recall {100 * found / max(total, 1):.1f}%")
    for m in missed[:shown]:
        print(*m)


if __name__ == "__main__":
    main()
