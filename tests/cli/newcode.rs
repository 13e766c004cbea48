//! New-code gating with git: `--new-since REF` shows and gates only findings that were not at
//! the merge-base; `--staged` analyzes the index.

use serde_json::Value;

use crate::support::{git_ok, Project, HANDLER};

const OLD: &str = "def old():\n    try:\n        pass\n    except:\n        pass\n";

/// A repository with one commit on `main` holding `OLD` in `a.py` and an `eval` in `b.py`.
fn repo() -> Project {
    let p = Project::new();
    git_ok(p.path(), &["init", "-q", "-b", "main"]);
    p.write("a.py", OLD);
    p.write("b.py", "eval('1')\n");
    git_ok(p.path(), &["add", "-A"]);
    git_ok(p.path(), &["commit", "-q", "-m", "base"]);
    p
}

/// The shown (not hidden) findings as `path:line rule`.
fn shown(report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for file in report["files"].as_array().unwrap() {
        for f in file["findings"].as_array().unwrap() {
            if f["suppressed"] != true && f["baselined"] != true && f["preexisting"] != true {
                out.push(format!(
                    "{}:{} {}",
                    f["path"].as_str().unwrap(),
                    f["start_line"],
                    f["rule"].as_str().unwrap()
                ));
            }
        }
    }
    out
}

fn json(p: &Project, args: &[&str]) -> (Value, i32) {
    let out = p
        .cmd()
        .args(["analyze", "--no-cache", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (report, code)
}

#[test]
fn only_findings_new_since_the_merge_base_are_shown_and_gate() {
    let p = repo();
    // Lines inserted above, a second identical handler, the file with the eval renamed, and
    // a new untracked file with an eval of its own.
    p.write("a.py", format!("import os\n\n\n{OLD}\n\ndef new():\n    try:\n        pass\n    except:\n        pass\n"));
    git_ok(p.path(), &["mv", "b.py", "c.py"]);
    p.write("d.py", "eval('2')\n");
    let (report, code) = json(&p, &["--new-since", "main"]);
    assert_eq!(
        shown(&report),
        vec![
            "a.py:14 bare-except",
            "a.py:14 empty-block",
            "d.py:1 eval-exec"
        ]
    );
    assert_eq!(report["summary"]["new_since"]["reference"], "main");
    assert_eq!(report["summary"]["new_since"]["preexisting"], 3);
    assert_eq!(report["summary"]["by_severity"]["high"], 1);
    assert_eq!(code, 1, "the new eval fails the run");
    // Without the new eval, nothing at or above high is new: exit 0.
    std::fs::remove_file(p.path().join("d.py")).unwrap();
    let (report, code) = json(&p, &["--new-since", "main", "--fail-on", "medium"]);
    assert_eq!(code, 1, "the new bare except is medium");
    assert_eq!(report["summary"]["by_severity"]["high"], 0);
    let text = p
        .cmd()
        .args(["analyze", "--no-cache", "--new-since", "main"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("3 already at main (merge-base "),
        "{stdout}"
    );
}

// The comparison is with the merge-base, not the tip of REF: a finding that `main` fixed after
// the branch started is still old on the branch.
#[test]
fn the_base_is_the_merge_base_not_the_tip() {
    let p = repo();
    git_ok(p.path(), &["checkout", "-q", "-b", "feature"]);
    p.write("e.py", "x = 1\n");
    git_ok(p.path(), &["add", "-A"]);
    git_ok(p.path(), &["commit", "-q", "-m", "feature"]);
    git_ok(p.path(), &["checkout", "-q", "main"]);
    p.write("b.py", "print('fixed')\n");
    git_ok(p.path(), &["commit", "-q", "-am", "fix on main"]);
    git_ok(p.path(), &["checkout", "-q", "feature"]);
    let (report, code) = json(&p, &["--new-since", "main"]);
    assert!(shown(&report).is_empty(), "{:?}", shown(&report));
    assert_eq!(code, 0);
}

// A metric finding whose value got worse since the base is new, like with a baseline.
#[test]
fn a_metric_that_got_worse_is_new() {
    let p = repo();
    let branches = |n: usize| {
        let mut body = String::from("def f(x):\n");
        for i in 0..n {
            body.push_str(&format!("    if x == {i}:\n        return {i}\n"));
        }
        body.push_str("    return -1\n");
        body
    };
    p.write("m.py", branches(12));
    git_ok(p.path(), &["add", "-A"]);
    git_ok(p.path(), &["commit", "-q", "-m", "complex"]);
    let (report, _) = json(&p, &["--new-since", "HEAD"]);
    assert!(shown(&report).is_empty());
    p.write("m.py", branches(14));
    let (report, _) = json(&p, &["--new-since", "HEAD"]);
    assert_eq!(shown(&report), vec!["m.py:1 complex-function"]);
}

#[test]
fn a_bad_reference_or_no_repository_is_exit_2_and_writes_nothing() {
    let p = repo();
    let out = p
        .cmd()
        .args(["analyze", "--new-since", "no-such-branch", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`no-such-branch` names no commit"),
        "{stderr}"
    );
    assert!(!p.path().join(".wtfcb-cache").exists());
    let plain = Project::new();
    plain.write("a.py", OLD);
    for flag in [&["--new-since", "HEAD"][..], &["--staged"]] {
        let out = plain.cmd().arg("analyze").args(flag).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("needs a git repository"), "{stderr}");
        assert!(!plain.path().join(".wtfcb-cache").exists());
    }
}

#[test]
fn staged_analyzes_the_index_not_the_working_tree() {
    let p = repo();
    // Staged: a new eval. Not staged: the fix of it, and an untracked file.
    p.write("b.py", "eval('1')\neval('2')\n");
    git_ok(p.path(), &["add", "b.py"]);
    p.write("b.py", "print('fixed')\n");
    p.write("u.py", "eval('u')\n");
    let (report, code) = json(&p, &["--staged", "--select", "eval-exec"]);
    assert_eq!(shown(&report), vec!["b.py:1 eval-exec", "b.py:2 eval-exec"]);
    assert_eq!(code, 1);
    assert!(report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["path"] == "u.py"
            && s["reason"]
                .as_str()
                .unwrap()
                .contains("not in the git index")));
    // With --new-since HEAD, only the staged addition is new.
    let (report, _) = json(
        &p,
        &["--staged", "--new-since", "HEAD", "--select", "eval-exec"],
    );
    assert_eq!(shown(&report), vec!["b.py:2 eval-exec"]);
    // And the cache never records the index's content as the working tree's.
    let cached = p
        .cmd()
        .args([
            "analyze",
            "--format",
            "json",
            "--select",
            "eval-exec",
            "--staged",
        ])
        .output()
        .unwrap();
    assert_eq!(cached.status.code(), Some(1));
    let (worktree, code) = json(&p, &["--select", "eval-exec"]);
    assert_eq!(shown(&worktree), vec!["u.py:1 eval-exec"]);
    assert_eq!(code, 1);
    let after = p
        .cmd()
        .args(["analyze", "--format", "json", "--select", "eval-exec"])
        .output()
        .unwrap();
    let after: Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(shown(&after), vec!["u.py:1 eval-exec"]);
}

/// The shown findings of one rule.
fn shown_of(report: &Value, rule: &str) -> Vec<String> {
    shown(report)
        .into_iter()
        .filter(|f| f.ends_with(rule))
        .collect()
}

#[test]
fn clones_and_cycles_are_new_only_when_the_change_made_them() {
    let p = Project::new();
    git_ok(p.path(), &["init", "-q", "-b", "main"]);
    // A clone between a.py (its first copy, where it is reported) and b.py, and a cycle.
    p.write("a.py", HANDLER);
    p.write("b.py", HANDLER.replace("create_user", "create_team"));
    p.write("pkg/__init__.py", "");
    p.write("pkg/x.py", "from pkg import y\n");
    p.write("pkg/y.py", "from pkg import x\n");
    git_ok(p.path(), &["add", "-A"]);
    git_ok(p.path(), &["commit", "-q", "-m", "base"]);
    // Editing the files of an old clone and an old cycle elsewhere makes neither new.
    p.write("a.py", format!("{HANDLER}\n\ndef other():\n    return 1\n"));
    p.write("pkg/x.py", "from pkg import y\n\nZ = 1\n");
    let (report, _) = json(&p, &["--new-since", "main", "--fail-on", "never"]);
    assert_eq!(report["summary"]["duplication"]["groups"], 1);
    assert_eq!(report["summary"]["imports"]["cycles"], 1);
    assert!(
        shown_of(&report, "duplicate-code").is_empty(),
        "{:?}",
        shown(&report)
    );
    assert!(
        shown_of(&report, "import-cycle").is_empty(),
        "{:?}",
        shown(&report)
    );
    git_ok(p.path(), &["commit", "-qam", "edits"]);
    // A new file copying other code of a.py makes a new clone, reported in the unchanged
    // a.py; new imports close a new cycle. A third copy of the old handler joins the old
    // group: its finding (the same code duplicated) stays old, the copy is among its places.
    let helper = "def summarize(rows, limit, scale):\n    total = 0\n    seen = set()\n    for row in rows:\n        if row.key in seen:\n            continue\n        seen.add(row.key)\n        if row.value > limit:\n            total += row.value * scale\n        elif row.value < -limit:\n            total -= row.value // scale\n        else:\n            total -= row.value\n    return total, len(seen)\n";
    p.write(
        "a.py",
        format!("{HANDLER}\n\ndef other():\n    return 1\n\n\n{helper}"),
    );
    git_ok(p.path(), &["commit", "-qam", "helper"]);
    p.write(
        "c.py",
        format!(
            "{}\n\n{}",
            HANDLER.replace("create_user", "create_org"),
            helper.replace("summarize", "tally")
        ),
    );
    p.write("pkg/z.py", "from pkg import w\n");
    p.write("pkg/w.py", "from pkg import z\n");
    let (report, code) = json(&p, &["--new-since", "main", "--fail-on", "low"]);
    assert_eq!(
        report["summary"]["duplication"]["groups"],
        2,
        "{:?}",
        shown(&report)
    );
    assert_eq!(
        shown_of(&report, "duplicate-code"),
        ["a.py:18 duplicate-code"]
    );
    assert_eq!(
        shown_of(&report, "import-cycle").len(),
        1,
        "{:?}",
        shown(&report)
    );
    assert_eq!(code, 1);
}

// Issue 27: `--staged` compared lossily decoded names (a backslash or bytes that are not UTF-8
// made a file "not in the git index", so the gate passed), read a name with a newline from the
// working tree, and read `0:a.py` as `a.py`'s stage-0 entry (revision syntax). Staged content
// is now read by object id, for git's exact names.
#[test]
fn staged_reads_every_name_from_the_index_by_object_id() {
    use std::os::unix::ffi::OsStrExt;
    let p = repo();
    let names: [&[u8]; 4] = [b"back\\slash.py", b"\xff.py", b"0:a.py", b"nl\nx.py"];
    for name in names {
        let path = p.path().join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(&path, "x = 1\n").unwrap();
    }
    git_ok(p.path(), &["add", "-A"]);
    git_ok(p.path(), &["commit", "-q", "-m", "names"]);
    let path = |name: &[u8]| p.path().join(std::ffi::OsStr::from_bytes(name));
    for name in names {
        std::fs::write(path(name), "eval('staged')\n").unwrap();
    }
    git_ok(p.path(), &["add", "-A"]);
    for name in names {
        std::fs::write(path(name), "x = 2\n").unwrap();
    }
    let (report, code) = json(&p, &["--staged", "--select", "eval-exec"]);
    let mut found = shown(&report);
    found.sort();
    assert_eq!(
        found,
        [
            "0:a.py:1 eval-exec",
            "\\xFF.py:1 eval-exec",
            "b.py:1 eval-exec",
            "back\\\\slash.py:1 eval-exec",
            "nl\nx.py:1 eval-exec",
        ],
        "{report:#}"
    );
    assert_eq!(code, 1);
    // Against HEAD, every staged eval is new, and b.py's is not.
    let (report, _) = json(
        &p,
        &["--staged", "--new-since", "HEAD", "--select", "eval-exec"],
    );
    assert_eq!(shown(&report).len(), 4, "{report:#}");
}

// Issue 27: with a submodule holding a finding, a branch that only adds a file reported the
// submodule's untouched finding as new (exit 1): files in a submodule whose commit did not
// move are unchanged, as `git diff` says; in one that moved, they are compared with its old
// commit.
#[test]
fn a_submodule_that_did_not_move_adds_no_new_finding() {
    let lib = Project::new();
    git_ok(lib.path(), &["init", "-q", "-b", "main"]);
    lib.write("x.py", "eval('lib')\n");
    git_ok(lib.path(), &["add", "-A"]);
    git_ok(lib.path(), &["commit", "-q", "-m", "lib"]);
    let p = repo();
    let url = lib.path().to_str().unwrap();
    git_ok(
        p.path(),
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            url,
            "sub",
        ],
    );
    git_ok(p.path(), &["commit", "-q", "-m", "sub"]);
    git_ok(p.path(), &["checkout", "-q", "-b", "feature"]);
    p.write("c.py", "x = 1\n");
    git_ok(p.path(), &["add", "-A"]);
    git_ok(p.path(), &["commit", "-q", "-m", "c"]);
    let (report, code) = json(&p, &["--new-since", "main", "--select", "eval-exec"]);
    assert!(shown(&report).is_empty(), "{report:#}");
    assert_eq!(code, 0);
    // The submodule moves to a commit that adds a second eval: only that one is new.
    let sub = p.path().join("sub");
    std::fs::write(sub.join("y.py"), "eval('new')\n").unwrap();
    git_ok(&sub, &["add", "-A"]);
    git_ok(&sub, &["commit", "-q", "-m", "y"]);
    git_ok(p.path(), &["add", "-A"]);
    git_ok(p.path(), &["commit", "-q", "-m", "bump"]);
    let (report, code) = json(&p, &["--new-since", "main", "--select", "eval-exec"]);
    assert_eq!(shown(&report), ["sub/y.py:1 eval-exec"], "{report:#}");
    assert_eq!(code, 1);
}

// Issue 28: with `--new-since` or `--staged` the "most complex functions" list covered the
// whole project, and test functions led it (tokio's first was a test). Test code never leads
// it, and a run about a change lists what the change touched.
#[test]
fn the_most_complex_list_covers_what_the_run_is_about() {
    let p = repo();
    let branchy = |name: &str, n: usize| -> String {
        let body: String = (0..n)
            .map(|i| format!("    if x == {i}:\n        return {i}\n"))
            .collect();
        format!("def {name}(x):\n{body}    return -1\n")
    };
    for i in 0..10 {
        p.write(&format!("m{i}.py"), branchy(&format!("f{i}"), 2 + i));
    }
    p.write("tests/test_big.py", branchy("test_big", 40));
    git_ok(p.path(), &["add", "-A"]);
    git_ok(p.path(), &["commit", "-q", "-m", "more"]);
    let listed = |args: &[&str]| -> Vec<String> {
        let (r, _) = json(&p, args);
        r["summary"]["most_complex"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["function"].as_str().unwrap().to_string())
            .collect()
    };
    let all = listed(&["--fail-on", "never"]);
    assert_eq!(all.first().map(String::as_str), Some("f9"), "{all:?}");
    assert!(!all.iter().any(|f| f == "test_big"), "{all:?}");
    p.write("m1.py", branchy("f1", 5));
    assert_eq!(
        listed(&["--fail-on", "never", "--new-since", "HEAD"]),
        ["f1"]
    );
    git_ok(p.path(), &["add", "m1.py"]);
    assert_eq!(listed(&["--fail-on", "never", "--staged"]), ["f1"]);
}
