//! The cache: cold, warm and uncached runs agree byte for byte; counters show what was read
//! and parsed; settings changes invalidate exactly the affected files; damaged, unwritable and
//! concurrently used caches never break a run.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use predicates::str::contains;
use serde_json::Value;

use crate::support::{results_part, Project};

/// A small mixed project with a git root; every file's mtime is an hour old, so the stat
/// check trusts it (files written in the last 2 s are re-hashed on purpose).
fn project() -> Project {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write(
        "src/app.py",
        "def f(a, b=[]):\n    try:\n        return a\n    except:\n        pass\n",
    );
    p.write("src/util.py", "def g(x):\n    return x if x else 0\n");
    p.write("src/copy.py", "def g(x):\n    return x if x else 0\n");
    p.write(
        "web/main.js",
        "var a = 1;\nif (a == 2) { console.log(a); }\n",
    );
    p.write(
        "svc/main.go",
        "package main\n\nfunc main() {\n\tpanic(1)\n}\n",
    );
    p.write("tests/test_app.py", "def test_f():\n    assert 1\n");
    age_all(p.path(), 3600);
    p
}

fn set_age(path: &Path, seconds: u64) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(seconds))
        .unwrap();
}

fn age_all(dir: &Path, seconds: u64) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == ".git" || name == ".wtfcb-cache" {
            continue;
        }
        if path.is_dir() {
            age_all(&path, seconds);
        } else {
            set_age(&path, seconds);
        }
    }
}

/// Runs analyze in JSON; returns (results part, run.cache counters).
fn analyze(p: &Project, extra: &[&str]) -> (String, Value, String) {
    let out = p
        .cmd()
        .args(["analyze", "--format", "json", "--fail-on", "never"])
        .args(extra)
        .assert()
        .success();
    let output = out.get_output();
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    (
        results_part(&output.stdout),
        report["run"]["cache"].clone(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn counts(cache: &Value) -> [u64; 5] {
    [
        "files_seen",
        "stat_hits",
        "hash_hits",
        "misses",
        "files_parsed",
    ]
    .map(|k| {
        cache[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k} in {cache}"))
    })
}

#[test]
fn cold_warm_and_uncached_agree_and_counters_show_the_work() {
    let p = project();
    let (uncached, none, _) = analyze(&p, &["--no-cache"]);
    assert!(none.is_null());
    assert!(!p.path().join(".wtfcb-cache").exists());

    let (cold, c, stderr) = analyze(&p, &[]);
    assert_eq!(cold, uncached, "cold == uncached, byte for byte");
    // Two files have the same content: the second is a hash hit within the run... or a miss,
    // depending on which thread gets there first; either way 6 seen, nothing trusted by stat.
    let [seen, stat, hash, miss, parsed] = counts(&c);
    assert_eq!((seen, stat), (6, 0), "{c}");
    assert_eq!(hash + miss, 6);
    assert_eq!(parsed, miss);
    assert!(stderr.is_empty(), "{stderr}");
    let dir = p.path().join(".wtfcb-cache");
    assert!(dir.join("CACHEDIR.TAG").is_file() && dir.join("cache.db").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
        "*\n"
    );

    let (warm, c, _) = analyze(&p, &[]);
    assert_eq!(warm, uncached, "warm == uncached, byte for byte");
    assert_eq!(counts(&c), [6, 6, 0, 0, 0], "{c}");
    assert_eq!(c["hit_rate"], 1.0);

    // --verify-hashes reads and hashes every file, and still parses none.
    let (verified, c, _) = analyze(&p, &["--verify-hashes"]);
    assert_eq!(verified, uncached);
    assert_eq!(counts(&c), [6, 0, 6, 0, 0], "{c}");

    // `cache stats` reports the last run.
    p.cmd()
        .args(["cache", "stats"])
        .assert()
        .success()
        .stdout(contains("0 stat hits, 6 hash hits"))
        .stdout(contains("file states"));
}

#[test]
fn edits_touches_and_renames() {
    let p = project();
    analyze(&p, &[]);
    // Edit one file: exactly that file is read and parsed.
    p.write("src/util.py", "def g(x):\n    return x\n");
    set_age(&p.path().join("src/util.py"), 1800);
    let (edited, c, _) = analyze(&p, &[]);
    assert_eq!(counts(&c), [6, 5, 0, 1, 1], "{c}");
    assert_eq!(edited, analyze(&p, &["--no-cache"]).0);

    // Touch without a content change: re-hashed, not parsed; then trusted again.
    set_age(&p.path().join("web/main.js"), 900);
    let (_, c, _) = analyze(&p, &[]);
    assert_eq!(counts(&c), [6, 5, 1, 0, 0], "{c}");
    let (_, c, _) = analyze(&p, &[]);
    assert_eq!(counts(&c), [6, 6, 0, 0, 0], "{c}");

    // A rename is a hit: the content's result is reused under the new path.
    std::fs::rename(p.path().join("svc/main.go"), p.path().join("svc/server.go")).unwrap();
    let (renamed, c, _) = analyze(&p, &[]);
    assert_eq!(counts(&c), [6, 5, 1, 0, 0], "{c}");
    assert!(renamed.contains("svc/server.go") && !renamed.contains("svc/main.go"));
    assert_eq!(renamed, analyze(&p, &["--no-cache"]).0);

    // A file changed within 2 s of being read is never trusted by its mtime alone: same size,
    // and the old mtime put back, so only the racy rule can tell (the old test changed the
    // size too, and never reached the rule).
    let app = p.path().join("src/app.py");
    p.write("src/app.py", "def f():\n    pass\n");
    let mtime = std::fs::metadata(&app).unwrap().modified().unwrap();
    analyze(&p, &[]);
    p.write("src/app.py", "def g():\n    pass\n");
    std::fs::File::options()
        .write(true)
        .open(&app)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let (racy, c, _) = analyze(&p, &[]);
    assert!(racy.contains("\"name\": \"g\""), "{racy}");
    assert_eq!(racy, analyze(&p, &["--no-cache"]).0);
    assert_eq!(
        counts(&c)[1],
        5,
        "only the racy file lost its stat hit: {c}"
    );
}

// Hits refresh `last_seen` (at most daily), so entries and file states in daily use never age
// out; before, file states were refreshed only when they changed, and were pruned after 30
// days however often they were used.
#[test]
fn entries_in_daily_use_never_age_out() {
    let p = project();
    analyze(&p, &[]);
    let db = p.path().join(".wtfcb-cache/cache.db");
    let forty_days_ago = now_s() - 40 * 86_400;
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE results SET last_seen = ?1", [forty_days_ago])
        .unwrap();
    conn.execute(
        "UPDATE files SET last_seen = ?1, written_ns = mtime_ns + 10000000000",
        [forty_days_ago],
    )
    .unwrap();
    drop(conn);
    let (_, c, _) = analyze(&p, &[]);
    assert_eq!(counts(&c)[1], 6, "{c}");
    // Still all there: the next run is all stat hits, nothing parsed.
    let (_, c, _) = analyze(&p, &[]);
    assert_eq!(counts(&c), [6, 6, 0, 0, 0], "{c}");
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn settings_changes_invalidate_exactly_the_affected_files() {
    let p = project();
    analyze(&p, &[]);
    // Sequential, so the two identical files are always a miss then a hit from memory.
    let misses = |p: &Project| counts(&analyze(p, &["-j", "1"]).1)[3];
    // A Python-only rule's severity: the four Python files, three distinct contents.
    p.write("wtfcb.toml", "[rules.bare-except]\nseverity = \"high\"\n");
    assert_eq!(misses(&p), 3);
    assert_eq!(misses(&p), 0);
    // A JavaScript-only rule switched off: the one JS file.
    p.write(
        "wtfcb.toml",
        "[rules.bare-except]\nseverity = \"high\"\n[rules.var-declaration]\nenabled = false\n",
    );
    assert_eq!(misses(&p), 1);
    // A threshold of a rule for every language: every file.
    p.write(
        "wtfcb.toml",
        "[rules.bare-except]\nseverity = \"high\"\n[rules.var-declaration]\nenabled = false\n\
         [rules.complex-function]\nthresholds = { medium = 3 }\n",
    );
    assert_eq!(misses(&p), 5);
    // A per-path override: only the files it matches.
    let with_override = format!(
        "{}[[overrides]]\npaths = [\"svc/**\"]\nignore = [\"panic-call\"]\n",
        std::fs::read_to_string(p.path().join("wtfcb.toml")).unwrap()
    );
    p.write("wtfcb.toml", &with_override);
    assert_eq!(misses(&p), 1);
    // Selecting rules on the command line changes the key too.
    assert_eq!(
        counts(&analyze(&p, &["-j", "1", "--ignore", "todo-comment"]).1)[3],
        5
    );
    let (cached, _, _) = analyze(&p, &[]);
    assert_eq!(cached, analyze(&p, &["--no-cache"]).0);
}

#[test]
fn damaged_caches_are_moved_aside_and_rebuilt() {
    let p = project();
    let expected = analyze(&p, &["--no-cache"]).0;
    let dir = p.path().join(".wtfcb-cache");
    let db = dir.join("cache.db");
    let reset = |make: &dyn Fn()| {
        let _ = std::fs::remove_dir_all(&dir);
        analyze(&p, &[]);
        let _ = std::fs::remove_file(dir.join("cache.db-wal"));
        let _ = std::fs::remove_file(dir.join("cache.db-shm"));
        make();
    };
    let garbage =
        || std::fs::write(&db, b"this is not a database, just text ".repeat(200)).unwrap();
    let truncated = || {
        let len = std::fs::metadata(&db).unwrap().len();
        std::fs::File::options()
            .write(true)
            .open(&db)
            .unwrap()
            .set_len(len / 2)
            .unwrap();
    };
    let zero = || std::fs::write(&db, b"").unwrap();
    let newer = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    };
    let dropped_table = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("DROP TABLE IF EXISTS runs").unwrap();
        conn.pragma_update(None, "user_version", wtfcb::cache::SCHEMA_VERSION)
            .unwrap();
    };
    let cases: [(&str, &dyn Fn(), bool); 5] = [
        ("garbage", &garbage, true),
        ("truncated", &truncated, false),
        ("zero-byte", &zero, false),
        ("newer schema", &newer, true),
        // Valid SQLite with a damaged layout: before the fix, every later run warned and
        // saved nothing, forever.
        ("dropped table", &dropped_table, true),
    ];
    for (name, make, warns) in cases {
        reset(make);
        let (out, _, stderr) = analyze(&p, &[]);
        assert_eq!(out, expected, "{name}: results must not change");
        if warns {
            assert_eq!(
                stderr.matches("wtfcb: warning").count(),
                1,
                "{name}: one warning: {stderr}"
            );
            assert!(stderr.contains("rebuilding"), "{name}: {stderr}");
        }
        // Whatever happened, the next runs work, and the one after is all hits.
        let (again, _, _) = analyze(&p, &[]);
        assert_eq!(again, expected, "{name}");
        let (_, c, stderr) = analyze(&p, &[]);
        assert_eq!(counts(&c)[1], 6, "{name}: {c} {stderr}");
        assert!(stderr.is_empty(), "{name}: {stderr}");
    }
}

#[test]
fn unwritable_cache_directory_gives_one_warning_and_an_uncached_run() {
    use std::os::unix::fs::PermissionsExt;
    let p = project();
    let expected = analyze(&p, &["--no-cache"]).0;
    let dir = p.path().join("ro-cache");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes anywhere; then this case cannot be produced, but the run must still work.
    let root = std::fs::write(dir.join("probe"), b"").is_ok();
    let (out, c, stderr) = analyze(&p, &["--cache-dir", dir.to_str().unwrap()]);
    assert_eq!(out, expected);
    if !root {
        assert!(c.is_null(), "{c}");
        assert_eq!(stderr.matches("wtfcb: warning").count(), 1, "{stderr}");
        assert!(stderr.contains("without the cache"), "{stderr}");
    }
    // A file where the directory should be.
    let file = p.write("not-a-dir", "x");
    let (out, _, stderr) = analyze(&p, &["--cache-dir", file.to_str().unwrap()]);
    assert_eq!(out, expected);
    assert_eq!(stderr.matches("wtfcb: warning").count(), 1, "{stderr}");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn concurrent_processes_all_succeed_and_leave_a_valid_cache() {
    let p = project();
    for i in 0..40 {
        p.write(
            &format!("gen/m{i}.py"),
            format!("def f{i}(a):\n    if a:\n        return {i}\n    return 0\n"),
        );
    }
    age_all(p.path(), 3600);
    let expected = analyze(&p, &["--no-cache"]).0;
    for n in [2, 4] {
        let _ = std::fs::remove_dir_all(p.path().join(".wtfcb-cache"));
        let children: Vec<_> = (0..n)
            .map(|_| {
                std::process::Command::new(assert_cmd::cargo::cargo_bin("wtfcb"))
                    .current_dir(p.path())
                    .args(["analyze", "--format", "json", "--fail-on", "never"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(results_part(&out.stdout), expected);
            assert!(
                out.stderr.is_empty(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let (warm, c, _) = analyze(&p, &[]);
        assert_eq!(warm, expected);
        assert_eq!(counts(&c)[3], 0, "{n} processes left a complete cache: {c}");
    }
}

#[test]
fn a_process_killed_at_any_moment_leaves_a_usable_cache() {
    let p = project();
    for i in 0..300 {
        p.write(
            &format!("gen/m{i}.py"),
            format!("def f{i}(a, b):\n    for x in a:\n        if x and b:\n            return {i}\n    return 0\n").repeat(20),
        );
    }
    age_all(p.path(), 3600);
    let expected = analyze(&p, &["--no-cache"]).0;
    for delay_ms in [5, 20, 60, 120, 250, 500] {
        let _ = std::fs::remove_dir_all(p.path().join(".wtfcb-cache"));
        for _ in 0..2 {
            let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("wtfcb"))
                .current_dir(p.path())
                .args(["analyze", "--fail-on", "never", "-j", "1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay_ms));
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
        let (out, _, stderr) = analyze(&p, &[]);
        assert_eq!(out, expected, "after kill at {delay_ms}ms");
        assert!(!stderr.contains("error"), "{stderr}");
        let (_, c, _) = analyze(&p, &[]);
        assert_eq!(counts(&c)[3], 0, "after kill at {delay_ms}ms: {c}");
    }
}

#[test]
fn fresh_checkout_elsewhere_hits_by_hash_then_by_stat() {
    let p = project();
    analyze(&p, &[]);
    // Copy the tree, cache included, to another place (a checkout a minute ago): every
    // mtime is new, so each file is hashed once, found, and not parsed...
    let other = Project::new();
    copy_tree(p.path(), other.path());
    age_all(other.path(), 60);
    let (_, c, _) = analyze(&other, &[]);
    assert_eq!(counts(&c), [6, 0, 6, 0, 0], "{c}");
    // ...and from then on trusted by size and mtime.
    let (_, c, _) = analyze(&other, &[]);
    assert_eq!(counts(&c), [6, 6, 0, 0, 0], "{c}");
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn cache_clear_and_prune() {
    let p = project();
    p.cmd()
        .args(["cache", "stats"])
        .assert()
        .success()
        .stdout(contains("no cache"));
    analyze(&p, &[]);
    p.cmd()
        .args(["cache", "prune"])
        .assert()
        .success()
        .stdout(contains("pruned 0 results"));
    // A zero size cap prunes every result.
    p.write("wtfcb.toml", "[cache]\nmax-size = 0\n");
    p.cmd()
        .args(["cache", "prune"])
        .assert()
        .success()
        // Five results, their clone tokens, the two project phases' saved states and the
        // duplicates memo.
        .stdout(contains("pruned 13 results"));
    p.cmd()
        .args(["cache", "clear"])
        .assert()
        .success()
        .stdout(contains("removed"));
    assert!(!p.path().join(".wtfcb-cache/cache.db").exists());
    std::fs::remove_file(p.path().join("wtfcb.toml")).unwrap();
    let (_, c, _) = analyze(&p, &["--cache-dir", "elsewhere"]);
    assert_eq!(counts(&c)[1], 0);
    assert!(p.path().join("elsewhere/cache.db").exists());
    let stats = p
        .cmd()
        .args(["cache", "stats", "--format", "json"])
        .env("WTFCB_CACHE_DIR", "elsewhere")
        .assert()
        .success();
    let stats: Value = serde_json::from_slice(&stats.get_output().stdout).unwrap();
    // Five results, their clone tokens, the two project phases' saved states and the
    // duplicates memo.
    assert_eq!(stats["results"], 13, "{stats}");
    assert_eq!(stats["last_run"]["files_seen"], 6);
    // The last run's write time is recorded, not left at its placeholder.
    assert!(
        stats["last_run"]["write_ms"].as_f64().unwrap() > 0.0,
        "{stats}"
    );
}

// Files with syntax errors were parsed again on every warm run (7 in cpython, 13 in the npm
// corpus): their result is as deterministic as any other.
#[test]
fn files_with_syntax_errors_are_cached_too() {
    let p = project();
    p.write("src/broken.py", "def f(:\n    return (\n");
    let (cold, _, _) = analyze(&p, &[]);
    let (warm, c, _) = analyze(&p, &[]);
    assert_eq!(cold, warm);
    assert!(warm.contains("src/broken.py"));
    assert_eq!(counts(&c)[4], 0, "nothing parsed: {c}");
}

// A result cached by a `--no-default-excludes` run was served to a default run, so a
// generated file the default run leaves out came back from the cache (cached ≠ fresh).
#[test]
fn a_result_cached_with_all_content_never_serves_a_default_run() {
    let p = crate::support::Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write(
        "pb.py",
        "# Generated by the protocol buffer compiler.  DO NOT EDIT!\nx = 1\n",
    );
    p.write("a.py", "y = 2\n");
    let paths = |args: &[&str]| {
        let r = crate::support::json_of(
            p.cmd()
                .args(["analyze", "--format", "json", "--fail-on", "never"])
                .args(args),
        );
        crate::support::file_paths(&r)
    };
    assert_eq!(paths(&["--no-default-excludes"]), ["a.py", "pb.py"]);
    assert_eq!(paths(&[]), ["a.py"]);
    assert_eq!(paths(&["--no-cache"]), ["a.py"]);
}
