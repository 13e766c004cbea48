//! Baselines: adopt wtfcb on legacy code, see only what is new.

use serde_json::Value;

use crate::support::Project;

fn branchy(name: &str, branches: usize) -> String {
    let mut body = format!("def {name}(x):\n");
    for i in 0..branches {
        body.push_str(&format!("    if x == {i}:\n        return {i}\n"));
    }
    body
}

fn report(p: &Project, extra: &[&str]) -> (Value, i32) {
    let out = p
        .cmd()
        .args(["analyze", "--format", "json", "--no-cache"])
        .args(extra)
        .output()
        .unwrap();
    (
        serde_json::from_slice(&out.stdout).expect("JSON"),
        out.status.code().unwrap_or(-1),
    )
}

fn shown(r: &Value) -> Vec<String> {
    r["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().iter())
        .filter(|x| x["baselined"] != true && x["suppressed"] != true)
        .map(|x| format!("{} {}", x["rule"].as_str().unwrap(), x["start_line"]))
        .collect()
}

#[test]
fn a_baseline_hides_legacy_findings_and_shows_what_is_new() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    let legacy = format!(
        "{}\ndef other():\n    eval('1')\n    eval('1')\n",
        branchy("loud", 25)
    );
    p.write("legacy.py", &legacy);
    p.write("old/kept.py", "def k(a, b, c, d, e, f, g):\n    return a\n");
    let (before, code) = report(&p, &[]);
    assert_eq!(code, 1);
    assert!(shown(&before).len() >= 5);

    p.cmd().args(["baseline", "write"]).assert().success();
    let written = std::fs::read_to_string(p.path().join("wtfcb-baseline.json")).unwrap();
    // One sorted entry per line, no line numbers in identities.
    let lines: Vec<&str> = written.lines().collect();
    assert!(lines[0].starts_with("{\"wtfcb-baseline\": 1"));
    assert!(written.lines().all(|l| !l.contains("start_line")));
    let mut entries: Vec<&str> = lines[1..lines.len() - 1].to_vec();
    let sorted = {
        let mut s = entries.clone();
        s.sort();
        s
    };
    assert_eq!(entries, sorted);
    entries.dedup();

    // With the baseline (named in the config): nothing shown, exit 0.
    p.write("wtfcb.toml", "baseline = \"wtfcb-baseline.json\"\n");
    let (r, code) = report(&p, &[]);
    assert_eq!(shown(&r), Vec::<String>::new());
    assert_eq!(code, 0);
    assert!(r["summary"]["baselined"].as_u64().unwrap() >= 5);

    // Ten lines inserted above everything: still nothing new.
    p.write("legacy.py", format!("{}{legacy}", "# moved\n".repeat(10)));
    let (r, code) = report(&p, &[]);
    assert_eq!(shown(&r), Vec::<String>::new(), "{r}");
    assert_eq!(code, 0);

    // A new function with a bare except, and a third identical eval: exactly those are new.
    p.write(
        "legacy.py",
        format!(
            "{}{legacy}\ndef fresh():\n    try:\n        pass\n    except:\n        pass\n    eval('1')\n",
            "# moved\n".repeat(10)
        ),
    );
    let (r, code) = report(&p, &["--fail-on", "high"]);
    let new = shown(&r);
    assert!(new.iter().any(|f| f.starts_with("bare-except")), "{new:?}");
    assert_eq!(
        new.iter().filter(|f| f.starts_with("eval-exec")).count(),
        1,
        "{new:?}"
    );
    assert!(
        !new.iter().any(|f| f.starts_with("complex-function")),
        "{new:?}"
    );
    assert_eq!(code, 1);

    // A baselined function that got worse is new again.
    p.write("legacy.py", branchy("loud", 30));
    let (r, _) = report(&p, &[]);
    let new = shown(&r);
    assert!(
        new.iter().any(|f| f.starts_with("complex-function")),
        "{new:?}"
    );
    // ... and the two evals are gone: fixed since the baseline.
    assert!(r["summary"]["baseline_fixed"].as_u64().unwrap() >= 2);
    let text = p.cmd().args(["analyze", "--no-cache"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.contains("fixed since (run `wtfcb baseline prune`)"),
        "{text}"
    );

    // Prune drops what matches nothing; a stale baseline never fails a run by itself.
    p.write("legacy.py", "x = 1\n");
    let out = p.cmd().args(["baseline", "prune"]).assert().success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("dropped"));
    let pruned = std::fs::read_to_string(p.path().join("wtfcb-baseline.json")).unwrap();
    assert!(!pruned.contains("legacy.py"));
    assert!(pruned.contains("old/kept.py"));
}

#[test]
fn a_damaged_baseline_is_an_error_that_names_it() {
    let p = Project::new();
    p.write("a.py", "x = 1\n");
    p.write("b.json", "{ not json");
    p.cmd()
        .args(["analyze", "--baseline", "b.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("baseline b.json is damaged"));
    p.cmd()
        .args(["analyze", "--baseline", "missing.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing.json"));
}

// Issue 9: a file renamed after the baseline was written kept no accepted findings: every one
// of them came back as new. The baseline records HEAD; renames git reports since then, and
// files sharing 85% of their lines with a baselined file that disappeared, keep them.
#[test]
fn renamed_files_keep_their_baselined_findings() {
    use crate::support::git_ok;
    let p = Project::new();
    git_ok(p.path(), &["init", "-q"]);
    let legacy = format!("{}\ndef other():\n    eval('1')\n", branchy("loud", 25));
    p.write("legacy.py", &legacy);
    p.write("moved.py", legacy.replace("loud", "quiet"));
    p.write("gone.py", "eval('gone')\n");
    git_ok(p.path(), &["add", "-A"]);
    git_ok(p.path(), &["commit", "-q", "-m", "legacy"]);
    p.cmd().args(["baseline", "write"]).assert().success();
    let written = std::fs::read_to_string(p.path().join("wtfcb-baseline.json")).unwrap();
    assert!(
        written.starts_with("{\"wtfcb-baseline\": 1, \"commit\": \""),
        "{written}"
    );
    // A `git mv` with 12 lines inserted at the top (under 85% shared lines, so only git's
    // rename detection pairs it); a plain `mv` (git sees a deletion and an
    // untracked file) with one line changed; a new file that only shares an eval line.
    git_ok(p.path(), &["mv", "legacy.py", "renamed.py"]);
    let imports: String = (0..12).map(|i| format!("import m{i}\n")).collect();
    p.write("renamed.py", format!("{imports}\n{legacy}"));
    std::fs::rename(p.path().join("moved.py"), p.path().join("elsewhere.py")).unwrap();
    let edited = legacy
        .replace("loud", "quiet")
        .replace("return 3", "return 33");
    p.write("elsewhere.py", &edited);
    std::fs::remove_file(p.path().join("gone.py")).unwrap();
    p.write("fresh.py", "x = 1\neval('gone')\n");
    let (after, code) = report(&p, &["--baseline", "wtfcb-baseline.json"]);
    assert_eq!(
        shown(&after),
        vec!["eval-exec 2"],
        "only fresh.py's eval is new"
    );
    assert_eq!(code, 1);
    // Without the recorded commit nothing is followed: the renamed files' findings are new.
    let no_commit = written.replacen(
        &written[..written.find(", \"entries\"").unwrap()],
        "{\"wtfcb-baseline\": 1",
        1,
    );
    p.write("wtfcb-baseline.json", no_commit);
    let (after, _) = report(&p, &["--baseline", "wtfcb-baseline.json"]);
    assert!(shown(&after).len() > 1, "{:?}", shown(&after));
}

// Issue 9, bad input: a hand-edited baseline with duplicate entries and entries for a rule
// wtfcb no longer has is used, with a warning for each, and never counts a duplicate twice.
#[test]
fn duplicate_and_unknown_rule_entries_are_warnings() {
    let p = Project::new();
    p.write("a.py", "eval('1')\n");
    let entry = r#"{"rule":"eval-exec","path":"a.py","anchor":"eval('1')","n":1}"#;
    p.write(
        "b.json",
        format!(
            "{{\"wtfcb-baseline\": 1, \"entries\": [\n{entry},\n{entry},\n{}\n]}}\n",
            r#"{"rule":"retired-rule","path":"a.py","anchor":"x","n":1}"#
        ),
    );
    let out = p
        .cmd()
        .args([
            "analyze",
            "--no-cache",
            "--format",
            "json",
            "--baseline",
            "b.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 duplicate entries (each counts once)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rules this wtfcb does not have (retired-rule)"),
        "{stderr}"
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["baselined"], 1);
    assert_eq!(
        r["summary"]["baseline_fixed"], 1,
        "only the retired rule's entry"
    );
}

// Issue 27: a repository's `baseline = "../notes.txt"` made `baseline write` (and `prune`)
// replace a file outside the project; `--baseline` over a file that is no baseline replaced
// it too. A config's baseline must be inside the project, and only a baseline is replaced.
#[test]
fn a_baseline_write_replaces_nothing_but_a_baseline_inside_the_project() {
    let outer = tempfile::tempdir().unwrap();
    let notes = outer.path().join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();
    // The project inside `outer`: a sibling of notes.txt.
    let root = outer.path().join("proj");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join("m.py"), branchy("f", 30)).unwrap();
    std::fs::write(root.join("wtfcb.toml"), "baseline = \"../notes.txt\"\n").unwrap();
    for action in ["write", "prune"] {
        let out = crate::support::wtfcb(&root)
            .args(["baseline", action, "--no-cache"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{action}: {stderr}");
        assert!(stderr.contains("outside the project"), "{stderr}");
    }
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");
    // Named by the user, a file that is not a baseline is not replaced either.
    std::fs::write(root.join("wtfcb.toml"), "").unwrap();
    let out = crate::support::wtfcb(&root)
        .args(["baseline", "write", "--no-cache", "--baseline"])
        .arg(&notes)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a wtfcb baseline"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");
    // A baseline inside the project is written, and written again.
    std::fs::write(root.join("wtfcb.toml"), "baseline = \"ci/base.json\"\n").unwrap();
    std::fs::create_dir(root.join("ci")).unwrap();
    for _ in 0..2 {
        crate::support::wtfcb(&root)
            .args(["baseline", "write", "--no-cache"])
            .assert()
            .success();
    }
    assert!(std::fs::read_to_string(root.join("ci/base.json"))
        .unwrap()
        .starts_with("{\"wtfcb-baseline\""));
}

/// One per-file rule, so that no clone group ties the files' entries together.
const ONE: &str = "complex-function";

// Issue 28: `baseline prune PATH` dropped every other file's entries (9,747 of 9,882 on
// Prometheus), and a run over one staged file called them "fixed since". A run speaks only for
// the files it analyzed, and for files gone from under the paths it was given.
#[test]
fn a_run_over_some_files_prunes_and_counts_as_fixed_only_those() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("a.py", branchy("a", 30));
    p.write("b.py", branchy("b", 30));
    p.write("c.py", branchy("c", 30));
    p.cmd()
        .args(["baseline", "write", "--no-cache", "--select", ONE])
        .assert()
        .success();
    let entries = |p: &Project| -> Vec<String> {
        let text = std::fs::read_to_string(p.path().join("wtfcb-baseline.json")).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let mut paths: Vec<String> = v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_string())
            .collect();
        paths.sort();
        paths.dedup();
        paths
    };
    assert_eq!(entries(&p), ["a.py", "b.py", "c.py"]);
    // a.py is fixed; a run over a.py alone counts its entries, and nobody else's, as fixed.
    p.write("a.py", "def a(x):\n    return x\n");
    let (r, _) = report(
        &p,
        &["--select", ONE, "--baseline", "wtfcb-baseline.json", "a.py"],
    );
    let fixed = r["summary"]["baseline_fixed"].as_u64().unwrap();
    let (whole, _) = report(&p, &["--select", ONE, "--baseline", "wtfcb-baseline.json"]);
    assert_eq!(whole["summary"]["baseline_fixed"], fixed);
    assert_eq!(fixed, 1);
    let (other, _) = report(
        &p,
        &["--select", ONE, "--baseline", "wtfcb-baseline.json", "b.py"],
    );
    // (0 is left out of the JSON.)
    assert_eq!(other["summary"]["baseline_fixed"].as_u64().unwrap_or(0), 0);
    // Pruning b.py alone keeps every other file's entries, a.py's fixed ones too.
    p.cmd()
        .args(["baseline", "prune", "--no-cache", "--select", ONE, "b.py"])
        .assert()
        .success();
    assert_eq!(entries(&p), ["a.py", "b.py", "c.py"]);
    // A deleted file under the given path is gone: pruning the project drops it and a.py's.
    std::fs::remove_file(p.path().join("c.py")).unwrap();
    p.cmd()
        .args(["baseline", "prune", "--no-cache", "--select", ONE, "."])
        .assert()
        .success();
    assert_eq!(entries(&p), ["b.py"]);
}

// Issue 28: on real trees a baseline did not accept the tree it was written on ("5 fixed since"
// on cpython, one `duplicate-code` finding new on Django): two clone groups of one content
// shared an identity and a fingerprint, and the baseline kept one entry per identity. Written
// and read back on this repository's own code (real code, its fixtures' clones and cycles
// included), a baseline accepts every finding and misses none, and every fingerprint is unique.
#[test]
fn a_baseline_accepts_exactly_the_tree_it_was_written_on() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("base.json");
    crate::support::wtfcb(root)
        .args([
            "baseline",
            "write",
            "-q",
            "src",
            "fixtures",
            "tests",
            "--baseline",
        ])
        .arg(&baseline)
        .assert()
        .success();
    let out = crate::support::wtfcb(root)
        .args([
            "analyze",
            "--format",
            "json",
            "--fail-on",
            "low",
            "src",
            "fixtures",
            "tests",
        ])
        .arg("--baseline")
        .arg(&baseline)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        r["summary"]["baselined"].as_u64().unwrap() > 100,
        "{}",
        r["summary"]
    );
    assert_eq!(shown(&r), Vec::<String>::new());
    assert_eq!(r["summary"]["baseline_fixed"].as_u64().unwrap_or(0), 0);
    let mut fingerprints: Vec<&str> = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().iter())
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    let all = fingerprints.len();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), all);
}
