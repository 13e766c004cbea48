#!/usr/bin/env python3
"""Precision of wtfcb's rules against ruff's or ESLint's reports of the same checks.

    wtfcb analyze --no-cache --fail-on never --format json ROOT > W.json
    ruff check --isolated --output-format json --config 'lint.pylint.max-args=5' \\
        --config 'lint.mccabe.max-complexity=10' --select E722,BLE001,B006,F403,S307,S102,S101,PLR0913,C901,T100,S110,SIM105,FIX,TD ROOT > R.json
    python3 scripts/precision.py ruff W.json R.json ROOT
  or
    eslint -c scripts/precision-eslint.config.mjs --no-config-lookup -f json ROOT > E.json
    python3 scripts/precision.py eslint W.json E.json ROOT

A wtfcb finding is confirmed when the peer reports a mapped check in the same file on the same
line, one before or one after (an except block: its `try` up to 40 lines above; a nesting
finding: anywhere in the function). Prints, per rule, the findings and the share confirmed.
"""
import collections
import json
import os
import sys

RUFF = {
    "bare-except": ["E722"],
    "broad-except": ["BLE001"],
    "mutable-default-argument": ["B006"],
    "star-import": ["F403"],
    "eval-exec": ["S307", "S102"],
    "assert-outside-tests": ["S101"],
    "too-many-parameters": ["PLR0913"],
    "complex-function": ["C901"],
    "debugger-statement": ["T100"],
    "todo-comment": ["TD", "FIX"],
    "empty-block": ["S110", "SIM105"],
}
ESLINT = {
    "var-declaration": ["no-var"],
    "loose-equality": ["eqeqeq"],
    "console-call": ["no-console"],
    "eval-exec": ["no-eval", "no-new-func"],
    "complex-function": ["complexity"],
    "too-many-parameters": ["max-params"],
    "deep-nesting": ["max-depth"],
    "empty-block": ["no-empty", "no-empty-function"],
    "todo-comment": ["no-warning-comments"],
    "explicit-any": ["@typescript-eslint/no-explicit-any"],
    "non-null-assertion": ["@typescript-eslint/no-non-null-assertion"],
    "debugger-statement": ["no-debugger"],
}


def rel(path, root):
    return os.path.relpath(os.path.abspath(path), root)


def peer_lines(peer, report, root):
    lines = collections.defaultdict(set)
    if peer == "ruff":
        for d in report:
            if d["code"]:
                key = rel(d["filename"], root)
                lines[(key, d["code"])].add(d["location"]["row"])
                lines[(key, d["code"].rstrip("0123456789"))].add(d["location"]["row"])
    else:
        for f in report:
            for m in f["messages"]:
                if not m.get("fatal"):
                    lines[(rel(f["filePath"], root), m.get("ruleId"))].add(m["line"])
    return lines


def window(rule, finding, peer):
    start = finding["start_line"]
    if rule == "empty-block" and peer == "ruff":
        return range(start - 40, start + 2)
    if rule == "deep-nesting":
        return range(start - 1, finding["end_line"] + 1)
    return range(start - 1, start + 2)


def main():
    peer, wtfcb, other, root = sys.argv[1], sys.argv[2], sys.argv[3], os.path.abspath(sys.argv[4])
    mapping = RUFF if peer == "ruff" else ESLINT
    lines = peer_lines(peer, json.load(open(other)), root)
    report = json.load(open(wtfcb))
    for rule, codes in mapping.items():
        total = confirmed = 0
        for record in report["files"]:
            path = rel(record["path"], root)
            for f in record.get("findings") or []:
                if f["rule"] != rule or f.get("suppressed"):
                    continue
                if peer == "ruff" and rule == "empty-block" and "except" not in f["message"]:
                    continue
                total += 1
                seen = set().union(*(lines.get((path, c), set()) for c in codes))
                confirmed += any(line in seen for line in window(rule, f, peer))
        share = 100 * confirmed / total if total else 0
        print(f"{rule:26} {total:6} findings, {confirmed:6} confirmed by {peer} ({share:.1f}%)")


if __name__ == "__main__":
    main()
