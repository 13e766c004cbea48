//! `wtfcb history`: the project at each commit, read from git's objects: numbers that equal
//! `analyze` on the same tree, identities that follow renames, churn that equals git's, a
//! second run that analyzes only new blobs and equals a cold one, nothing written into the
//! repository, and bad repositories met with a message.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::{git, git_ok, Project};

fn commit(p: &Project, message: &str) {
    git_ok(p.path(), &["add", "-A"]);
    git_ok(p.path(), &["commit", "-qm", message]);
}

fn history(p: &Project, args: &[&str]) -> (Value, String) {
    let out = p
        .cmd()
        .args(["history", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

/// Everything but the run's own numbers (time, what came from where).
fn without_run(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("run");
    v
}

const SIMPLE: &str = "def f(x):\n    if x:\n        return 1\n    return 0\n";
const NESTED: &str = "def f(x, y):\n    if x:\n        for i in y:\n            if i:\n                return i\n    return 0\n\n\ndef g():\n    return 2\n";

/// Five commits: files added (and some left out by the walk), one made more complex, one
/// renamed with an edit, one deleted.
fn five_commits() -> Project {
    let p = Project::new();
    git_ok(p.path(), &["init", "-q", "-b", "main"]);
    p.write("a.py", SIMPLE);
    p.write("b.py", "def h():\n    return 3\n");
    p.write("notes.txt", "not code\n");
    p.write("node_modules/dep/index.js", "function x() { return 1 }\n");
    commit(&p, "one");
    p.write("a.py", NESTED);
    commit(&p, "two: f grows");
    std::fs::create_dir_all(p.path().join("pkg")).unwrap();
    git_ok(p.path(), &["mv", "a.py", "pkg/a2.py"]);
    p.write("pkg/a2.py", format!("{NESTED}\n\ndef k():\n    return 4\n"));
    commit(&p, "three: moved");
    std::fs::remove_file(p.path().join("b.py")).unwrap();
    commit(&p, "four: b gone");
    p.write("README.md", "# docs only\n");
    commit(&p, "five: docs");
    p
}

/// A tree of the `.git` directory: path → (size, mtime), to prove nothing was written.
fn git_dir_state(dir: &Path) -> BTreeMap<String, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.join(".git")];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                out.insert(
                    entry.path().display().to_string(),
                    (meta.len(), meta.modified().unwrap()),
                );
            }
        }
    }
    out
}

#[test]
fn every_commit_is_measured_and_the_last_equals_analyze() {
    let p = five_commits();
    let before = git_dir_state(p.path());
    let (report, _) = history(&p, &["--last", "10"]);
    assert_eq!(before, git_dir_state(p.path()), "nothing written into .git");
    let status = git(p.path(), &["status", "--porcelain"]);
    assert!(
        status.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    let commits = report["commits"].as_array().unwrap();
    let subjects: Vec<&str> = commits
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "one",
            "two: f grows",
            "three: moved",
            "four: b gone",
            "five: docs"
        ]
    );
    let column =
        |key: &str| -> Vec<u64> { commits.iter().map(|c| c[key].as_u64().unwrap()).collect() };
    // notes.txt, README.md and node_modules/ are not analyzed, as the walk leaves them out.
    assert_eq!(column("files"), [2, 2, 2, 1, 1]);
    assert_eq!(column("functions"), [2, 3, 4, 3, 3]);
    assert_eq!(column("changed_files"), [0, 1, 1, 1, 0]);
    let max_cognitive: Vec<u64> = commits
        .iter()
        .map(|c| c["cognitive"]["max"].as_u64().unwrap())
        .collect();
    assert_eq!(max_cognitive, [1, 6, 6, 6, 6]);

    // The last commit is the working tree: `analyze` agrees on every per-file number.
    let analyzed = crate::support::analyze_json(p.path(), &["--no-cache"]);
    let last = commits.last().unwrap();
    let summary = &analyzed["summary"];
    assert_eq!(last["files"], summary["files"]);
    assert_eq!(last["functions"], summary["functions"]);
    let code_lines: u64 = analyzed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["lines"]["code"].as_u64().unwrap())
        .sum();
    assert_eq!(last["code_lines"], code_lines);
    let per_file_findings = analyzed["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap())
        .filter(|f| f["suppressed"] != true)
        .filter(|f| !["duplicate-code", "import-cycle"].contains(&f["rule"].as_str().unwrap()))
        .count() as u64;
    let total: u64 = last["findings"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, per_file_findings);
    assert!(
        last["cross_file"].is_object(),
        "the last commit is always sampled"
    );

    // The renamed file is one file: three commits, its lines as git counts them.
    let hotspots = report["hotspots"].as_array().unwrap();
    let moved = hotspots.iter().find(|h| h["path"] == "pkg/a2.py").unwrap();
    assert_eq!(moved["commits"], 3);
    let numstat = git(
        p.path(),
        &[
            "log",
            "--numstat",
            "--format=",
            "-M",
            "--",
            "a.py",
            "pkg/a2.py",
        ],
    );
    let (mut added, mut deleted) = (0, 0);
    for line in String::from_utf8_lossy(&numstat.stdout)
        .lines()
        .filter(|l| !l.is_empty())
    {
        let mut f = line.split('\t');
        added += f.next().unwrap().parse::<u64>().unwrap();
        deleted += f.next().unwrap().parse::<u64>().unwrap();
    }
    assert_eq!(
        (
            moved["lines_added"].as_u64().unwrap(),
            moved["lines_deleted"].as_u64().unwrap()
        ),
        (added, deleted)
    );
    assert!(moved.get("authors").is_none(), "authors only when asked");
    // `f` grew and is reported once, under its file's current path.
    let worse = report["worsened"].as_array().unwrap();
    assert_eq!(worse.len(), 1, "{worse:?}");
    assert_eq!(worse[0]["path"], "pkg/a2.py");
    assert_eq!(worse[0]["name"], "f");
    assert_eq!(
        (
            worse[0]["cognitive_before"].as_u64(),
            worse[0]["cognitive_after"].as_u64()
        ),
        (Some(1), Some(6))
    );
    // b.py's series ends with its deletion.
    let files = report["files"].as_array().unwrap();
    let b = files.iter().find(|f| f["path"] == "b.py").unwrap();
    let last_point = b["points"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (
            last_point["commit"].as_u64(),
            last_point["present"].as_bool()
        ),
        (Some(3), Some(false))
    );
}

#[test]
fn a_second_run_after_one_commit_analyzes_only_its_blobs_and_equals_a_cold_run() {
    let p = five_commits();
    let (first, _) = history(&p, &["--last", "10"]);
    assert_eq!(first["run"]["analyzed"], first["run"]["file_versions"]);
    p.write("pkg/a2.py", format!("{NESTED}\n\ndef k():\n    return 5\n"));
    p.write("c.py", "def c():\n    return 6\n");
    commit(&p, "six");
    let (warm, _) = history(&p, &["--last", "10"]);
    assert_eq!(warm["run"]["analyzed"], 2, "{}", warm["run"]);
    assert_eq!(warm["run"]["from_store"], first["run"]["file_versions"]);
    assert_eq!(
        warm["run"]["cross_file_computed"], 1,
        "only the new last commit"
    );
    let (cold, _) = history(&p, &["--last", "10", "--no-cache"]);
    assert_eq!(without_run(warm.clone()), without_run(cold.clone()));
    // One thread or two: the same report.
    let (one, _) = history(&p, &["--last", "10", "--no-cache", "-j", "1"]);
    assert_eq!(without_run(one), without_run(cold));
    // CSV: a header and one row per commit.
    let out = p
        .cmd()
        .args(["history", "--format", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 7, "{text}");
    assert!(text.starts_with("commit,time,subject,files,"));
    // Hotspots: a header and one row per file the range changed, with authors when asked.
    let out = p
        .cmd()
        .args(["history", "--format", "csv-hotspots", "--authors"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "path,score,commits,lines_added,lines_deleted,cyclomatic,max_cognitive,code_lines,authors"
    );
    assert!(rows[1].starts_with("pkg/a2.py,"), "{text}");
    assert!(rows[1].ends_with(",1"), "one author: {text}");
    assert_eq!(rows.len(), 3, "pkg/a2.py and c.py: {text}");
}

#[test]
fn paths_ranges_and_renames_in_bulk() {
    let p = Project::new();
    git_ok(p.path(), &["init", "-q", "-b", "main"]);
    for i in 0..60 {
        p.write(
            &format!("old/m{i}.py"),
            format!("def f{i}(x):\n    return x + {i}\n"),
        );
    }
    p.write("other/o.py", "def o():\n    return 0\n");
    commit(&p, "base");
    git_ok(p.path(), &["tag", "base"]);
    // A rename storm: every file of `old/` moves at once.
    git_ok(p.path(), &["mv", "old", "new"]);
    commit(&p, "storm");
    let (report, _) = history(&p, &["new", "old", "--since", "base"]);
    let commits = report["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 1);
    assert_eq!(commits[0]["files"], 60);
    assert_eq!(report["paths"], serde_json::json!(["new", "old"]));
    // The storm commit started from its whole tree (the base is outside the range) ...
    let (both, _) = history(&p, &["new", "old", "--last", "2"]);
    let c = both["commits"].as_array().unwrap();
    assert_eq!(
        (c[0]["files"].as_u64(), c[1]["files"].as_u64()),
        (Some(60), Some(60))
    );
    // ... and within the range, each moved file kept its identity: 60 series, 2 points each.
    let files = both["files"].as_array().unwrap();
    assert_eq!(files.len(), 60);
    assert!(files
        .iter()
        .all(|f| f["path"].as_str().unwrap().starts_with("new/")));
    assert!(files
        .iter()
        .all(|f| f["points"].as_array().unwrap().len() == 2));
    let (from_to, _) = history(&p, &["--from", "base", "--to", "HEAD"]);
    assert_eq!(from_to["commits"].as_array().unwrap().len(), 1);
    // From inside a directory, without a path: that directory, as `analyze` takes it.
    let out = crate::support::wtfcb(&p.path().join("other"))
        .args(["history", "--format", "json", "--last", "2"])
        .output()
        .unwrap();
    let inside: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(inside["paths"], serde_json::json!(["other"]));
    assert_eq!(inside["commits"][1]["files"], 1);
}

#[test]
fn bad_repositories_and_references_get_a_message() {
    let p = Project::new();
    p.write("a.py", SIMPLE);
    let out = p.cmd().args(["history"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("history needs a git repository"), "{err}");

    git_ok(p.path(), &["init", "-q", "-b", "main"]);
    let out = p.cmd().args(["history"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "no commits yet");
    commit(&p, "one");
    let out = p
        .cmd()
        .args(["history", "--since", "no-such-ref"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-ref"));

    // A blob lost from the object store: its file is left out, with a warning.
    p.write("b.py", "def lost():\n    return 1\n");
    commit(&p, "two");
    let blob = git(p.path(), &["rev-parse", "HEAD:b.py"]);
    let blob = String::from_utf8_lossy(&blob.stdout).trim().to_string();
    std::fs::remove_file(
        p.path()
            .join(".git/objects")
            .join(&blob[..2])
            .join(&blob[2..]),
    )
    .unwrap();
    let (report, stderr) = history(&p, &["--no-cache"]);
    assert!(stderr.contains("missing from the repository"), "{stderr}");
    assert_eq!(report["run"]["missing"], 1);
    assert_eq!(report["commits"][1]["files"], 1);
}

#[test]
fn a_file_that_aborts_its_parser_costs_that_file_version_only() {
    let p = Project::new();
    git_ok(p.path(), &["init", "-q", "-b", "main"]);
    p.write("ok.py", SIMPLE);
    commit(&p, "one");
    p.write("bad.py", "# WTFCB-TEST-FAULT-ABORT\nx = 1\n");
    commit(&p, "two");
    let out = p
        .cmd()
        .env("WTFCB_TEST_FAULTS", "1")
        .args(["history", "--format", "json", "--no-cache"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("analysis failed: bad.py"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["run"]["failed"], 1);
    let last = &report["commits"][1];
    assert_eq!(
        (last["files"].as_u64(), last["files_failed"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn a_damaged_history_store_is_rebuilt_not_trusted() {
    let p = five_commits();
    let (first, _) = history(&p, &[]);
    let store = p.path().join(".wtfcb-cache/history/blobs-v1.jsonl");
    let text = std::fs::read_to_string(&store).unwrap();
    // Change a stored value without fixing its checksum: a lie the store must not believe.
    let forged = text.replacen("\"cyclomatic\":", "\"cyclomatic\":9", 1);
    assert_ne!(forged, text);
    std::fs::write(&store, forged).unwrap();
    let (again, stderr) = history(&p, &[]);
    assert!(stderr.contains("1 damaged entry skipped"), "{stderr}");
    assert_eq!(again["run"]["analyzed"], 1);
    assert_eq!(without_run(first), without_run(again));
}

#[test]
fn the_dashboard_is_one_page_without_script_and_shows_hostile_names_as_text() {
    let Some(chromium) = crate::browser::chromium_or_skip() else {
        return;
    };
    let p = Project::new();
    git_ok(p.path(), &["init", "-q", "-b", "main"]);
    let names = [
        "<img src=x onerror=alert(1)>.py",
        "\"><svg onload=alert(2)>.py",
    ];
    for name in names {
        p.write(name, SIMPLE);
    }
    commit(&p, "<script>alert(3)</script>");
    for name in names {
        p.write(name, NESTED);
    }
    commit(&p, "two");
    let html = p.path().join("history.html");
    let out = p
        .cmd()
        .args(["history", "--format", "html", "-o"])
        .arg(&html)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let screenshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/history-dashboard-test.png");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check.mjs");
    let out = std::process::Command::new("node")
        .arg(&script)
        .arg(&chromium)
        .arg(&html)
        .arg(&screenshot)
        .arg("page")
        .output()
        .expect("node");
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    assert!(seen.get("error").is_none(), "{seen}");
    let text = seen["text"].as_str().unwrap();
    for name in names {
        assert!(text.contains(name), "{name} shown as text");
    }
    assert!(text.contains("Functions that got worse"));
    assert_eq!(seen["scripts"], 0);
    assert_eq!(seen["dialogs"], 0, "nothing from a name ran");
    assert!(seen["svgs"].as_u64().unwrap() >= 6, "{seen}");
    for key in ["requests", "consoleErrors", "exceptions", "logErrors"] {
        assert_eq!(seen[key].as_array().unwrap().len(), 0, "{key}: {seen}");
    }
    assert!(std::fs::metadata(&screenshot).unwrap().len() > 1000);
}

#[test]
fn a_shallow_clone_is_read_to_its_boundary_with_a_warning() {
    let origin = five_commits();
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git_ok(
        clones.path(),
        &["clone", "-q", "--depth", "2", &url, "shallow"],
    );
    let shallow = clones.path().join("shallow");
    let out = crate::support::wtfcb(&shallow)
        .args(["history", "--format", "json", "--last", "10"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the repository is shallow"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let commits = report["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 2);
    // The boundary commit is read whole: the tree as it was there.
    assert_eq!(commits[0]["files"], 1);
    assert_eq!(commits[1]["subject"], "five: docs");
}
