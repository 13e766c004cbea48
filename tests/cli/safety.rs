//! wtfcb never touches what is not its own, keys files by their real identity, and never
//! passes hostile bytes to a terminal. Each test pins a defect an outside review reproduced.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use serde_json::Value;

use crate::support::{file, file_paths, json_of, Project};

fn project() -> Project {
    let p = Project::new();
    p.write(
        "a.py",
        "def f(x):\n    if x:\n        return 1\n    return 2\n",
    );
    p.write("b.py", "def g():\n    pass\n");
    p
}

fn analyze(p: &Project, args: &[&str]) -> (Value, String) {
    let out = p
        .cmd()
        .args(["analyze", "--format", "json", "--fail-on", "never"])
        .args(args)
        .assert()
        .success();
    let out = out.get_output();
    (
        serde_json::from_slice(&out.stdout).expect("JSON"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// `--cache-dir .` wrote `.gitignore` (`*`) and CACHEDIR.TAG into the project: git then ignored
// every new file, and backup tools skipped the directory.
#[test]
fn a_cache_dir_that_is_not_ours_is_never_written_into() {
    let p = project();
    let (report, stderr) = analyze(&p, &["--cache-dir", "."]);
    assert_eq!(file_paths(&report), ["a.py", "b.py"]);
    assert!(
        stderr.contains("non-empty directory that is not a wtfcb cache"),
        "{stderr}"
    );
    for made in [".gitignore", "CACHEDIR.TAG", "cache.db"] {
        assert!(!p.path().join(made).exists(), "{made} was written");
    }
}

#[test]
fn an_existing_empty_directory_is_used_but_never_tagged() {
    let p = project();
    std::fs::create_dir(p.path().join("c")).unwrap();
    analyze(&p, &["--cache-dir", "c"]);
    assert!(p.path().join("c/cache.db").is_file());
    assert!(!p.path().join("c/.gitignore").exists());
    assert!(!p.path().join("c/CACHEDIR.TAG").exists());
    // Now it is a wtfcb cache: the next run uses it.
    let (report, stderr) = analyze(&p, &["--cache-dir", "c"]);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(report["run"]["cache"]["files_parsed"], 0);
    // A directory wtfcb creates is tagged.
    analyze(&p, &["--cache-dir", "new"]);
    assert!(p.path().join("new/CACHEDIR.TAG").is_file());
    assert_eq!(
        std::fs::read_to_string(p.path().join("new/.gitignore")).unwrap(),
        "*\n"
    );
}

// `cache clear` and the quarantine of a broken cache removed directories recursively.
#[test]
fn user_directories_with_cache_file_names_are_never_removed() {
    let p = project();
    analyze(&p, &[]);
    let cache = p.path().join(".wtfcb-cache");
    p.write(".wtfcb-cache/cache.db.broken/keep.txt", "mine");
    // A damaged cache cannot be moved over the user's directory: no cache this run.
    std::fs::write(cache.join("cache.db"), b"not a database ".repeat(100)).unwrap();
    let _ = std::fs::remove_file(cache.join("cache.db-wal"));
    let _ = std::fs::remove_file(cache.join("cache.db-shm"));
    let (report, stderr) = analyze(&p, &[]);
    assert_eq!(file_paths(&report), ["a.py", "b.py"]);
    assert!(stderr.contains("not a file wtfcb made"), "{stderr}");
    p.cmd().args(["cache", "clear"]).assert().success();
    assert_eq!(
        std::fs::read_to_string(cache.join("cache.db.broken/keep.txt")).unwrap(),
        "mine"
    );
    assert!(!cache.join("cache.db").exists(), "our own file is cleared");

    // A directory in place of cache.db is left alone, and the run goes on uncached.
    p.write(".wtfcb-cache/cache.db/keep.txt", "mine too");
    let (report, stderr) = analyze(&p, &[]);
    assert_eq!(file_paths(&report), ["a.py", "b.py"]);
    assert!(stderr.contains("is not a regular file"), "{stderr}");
    p.cmd().args(["cache", "clear"]).assert().success();
    assert!(cache.join("cache.db/keep.txt").is_file());
}

// Another process holding the database in a write transaction made wtfcb move it aside as
// broken and delete its journal; that process's COMMIT then failed.
#[test]
fn a_locked_cache_is_left_alone() {
    let p = project();
    analyze(&p, &[]);
    let db = p.path().join(".wtfcb-cache/cache.db");
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .pragma_update(None, "journal_mode", "DELETE")
        .unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (report, stderr) = analyze(&p, &[]);
    assert_eq!(file_paths(&report), ["a.py", "b.py"]);
    assert!(stderr.contains("left as it is"), "{stderr}");
    assert!(!db.with_extension("db.broken").exists());
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    let (report, _) = analyze(&p, &[]);
    assert!(report["run"]["cache"]["hit_rate"].as_f64().unwrap() > 0.99);
}

// A value whose length prefix claimed terabytes made bincode allocate and abort the process.
#[test]
fn corrupt_cache_values_are_misses_with_a_warning() {
    let p = project();
    let (fresh, _) = analyze(&p, &["--no-cache"]);
    analyze(&p, &[]);
    let db = p.path().join(".wtfcb-cache/cache.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    // One value with a wrong checksum, one with a valid checksum over a huge length prefix.
    let mut lying = vec![0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f];
    lying.extend_from_slice(&[7; 40]);
    let mut stored = crc32fast::hash(&lying).to_le_bytes().to_vec();
    stored.extend_from_slice(&lying);
    // Per file its result and its clone tokens; per project phase its saved state, and the
    // duplicates memo.
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM results", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 7);
    conn.execute(
        "UPDATE results SET value = ?1 WHERE rowid % 2 = 0",
        [&stored],
    )
    .unwrap();
    conn.execute(
        "UPDATE results SET value = x'00112233445566' WHERE rowid % 2 = 1",
        [],
    )
    .unwrap();
    drop(conn);
    let (report, stderr) = analyze(&p, &[]);
    assert!(stderr.contains("2 cache value(s)"), "{stderr}");
    assert_eq!(report["files"], fresh["files"]);
    assert_eq!(report["run"]["cache"]["files_parsed"], 2);
    // Replaced: the next run is all hits and silent.
    let (report, stderr) = analyze(&p, &[]);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(report["run"]["cache"]["files_parsed"], 0);
}

fn set_mtime(path: &Path, secs: u64) {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

// Two checkouts sharing one --cache-dir, with the same relative path, size and mtime but other
// content: the second was served the first one's result.
#[test]
fn projects_sharing_a_cache_dir_never_share_file_states() {
    let one = Project::new();
    let two = Project::new();
    let shared = tempfile::tempdir().unwrap();
    let cache = shared.path().join("cache");
    let cache = cache.to_str().unwrap();
    one.write("m.py", "def aaa():\n    pass\n");
    two.write("m.py", "def bbb():\n    pass\n");
    set_mtime(&one.path().join("m.py"), 1_600_000_000);
    set_mtime(&two.path().join("m.py"), 1_600_000_000);
    let (r1, _) = analyze(&one, &["--cache-dir", cache]);
    let (r2, _) = analyze(&two, &["--cache-dir", cache]);
    assert_eq!(file(&r1, "m.py")["functions"][0]["name"], "aaa");
    assert_eq!(file(&r2, "m.py")["functions"][0]["name"], "bbb");
}

// `a\xff.py` and `a\xfe.py` decoded lossily to one name; with equal size and mtime the warm
// run reported each file's functions for the other.
#[test]
fn names_that_are_not_utf8_keep_their_own_results_and_are_escaped() {
    let p = Project::new();
    let name = |b: &[u8]| p.path().join(std::ffi::OsStr::from_bytes(b));
    std::fs::write(name(b"a\xff.py"), "def one():\n    pass\n").unwrap();
    std::fs::write(name(b"a\xfe.py"), "def two():\n    pass\n").unwrap();
    set_mtime(&name(b"a\xff.py"), 1_600_000_000);
    set_mtime(&name(b"a\xfe.py"), 1_600_000_000);
    for _ in 0..2 {
        let (r, _) = analyze(&p, &[]);
        assert_eq!(file_paths(&r), ["a\\xFE.py", "a\\xFF.py"]);
        assert_eq!(file(&r, "a\\xFF.py")["functions"][0]["name"], "one");
        assert_eq!(file(&r, "a\\xFE.py")["functions"][0]["name"], "two");
    }
}

// The cache's size cap deleted every entry once exceeded, on every run.
#[test]
fn the_size_cap_trims_the_cache_instead_of_emptying_it() {
    let p = Project::new();
    for i in 0..20 {
        p.write(
            &format!("f{i:02}.py"),
            format!("def f{i}():\n    return {i}\n"),
        );
    }
    p.write("wtfcb.toml", "[cache]\nmax-size = 1000\n");
    analyze(&p, &[]);
    let out = p
        .cmd()
        .args(["cache", "stats", "--format", "json"])
        .assert()
        .success();
    let stats: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let kept = stats["results"].as_u64().unwrap();
    assert!(kept > 0 && kept < 20, "kept {kept}");
}

#[test]
fn one_file_named_several_ways_is_analyzed_once() {
    let p = project();
    p.write("d/c.py", "x = 1\n");
    let r = json_of(p.cmd().args([
        "scan",
        "--format",
        "json",
        "a.py",
        "./a.py",
        "d/../a.py",
        ".",
        "d",
    ]));
    assert_eq!(file_paths(&r), ["a.py", "b.py", "d/c.py"]);
    assert_eq!(r["summary"]["total"]["files"], 3);
}

#[test]
fn a_symlink_named_on_the_command_line_is_not_followed_by_default() {
    let p = project();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.py"), "def s():\n    pass\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.py"), p.path().join("l.py")).unwrap();
    let r = json_of(p.cmd().args(["scan", "--format", "json", "l.py"]));
    assert!(file_paths(&r).is_empty());
    assert_eq!(r["skipped"][0]["reason"], "symlink (not followed)");
    let r = json_of(
        p.cmd()
            .args(["scan", "--format", "json", "--follow-links", "l.py"]),
    );
    assert_eq!(file_paths(&r), ["l.py"]);
}

// Classic Mac line endings made a file one line with a syntax error and no functions.
#[test]
fn lone_cr_line_endings_are_line_breaks() {
    let p = Project::new();
    p.write(
        "mac.py",
        "def f(x):\r    if x:\r        return 1\r    return 2\r",
    );
    p.write("mixed.rb", "def a\r\n  1\rend\ndef b\r  2\rend\r\n");
    let r = json_of(p.cmd().args(["scan", "--format", "json"]));
    let mac = file(&r, "mac.py");
    assert_eq!(mac["lines"]["total"], 4);
    assert_eq!(mac["syntax_errors"]["count"], 0);
    assert_eq!(mac["functions"][0]["end_line"], 4);
    let mixed = file(&r, "mixed.rb");
    assert_eq!(mixed["lines"]["total"], 6);
    assert_eq!(mixed["functions"].as_array().unwrap().len(), 2);
}

// Escape sequences in names and comments reached the terminal raw: colours, a cleared screen,
// a window title, a newline splitting a report line.
#[test]
fn hostile_bytes_in_names_and_comments_are_escaped_on_the_terminal() {
    let p = Project::new();
    let evil = "e\u{1b}]0;pwned\u{7}\u{1b}[2J\nx\u{202e}.py";
    p.write(
        evil,
        "# TODO \u{1b}[31mred\u{1b}[0m \u{202e}txet\ndef f():\n    pass\n",
    );
    p.write("z.py", "import os\n");
    std::fs::write(p.path().join("bad\u{1b}[1m.py"), [0xff, 0x00]).unwrap();
    let out = p
        .cmd()
        .args(["analyze", "--fail-on", "never", "-v", "--no-cache"])
        .assert()
        .success();
    let out = out.get_output();
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(!text.contains('\u{7}'), "{text}");
        assert!(!text.contains('\u{202e}'), "{text}");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("e\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\nx\\u{202e}.py"),
        "{stdout}"
    );
    assert!(stdout.contains("\\u{1b}[31mred"), "{stdout}");
    // JSON keeps the exact values.
    let (r, _) = analyze(&p, &["--no-cache"]);
    assert!(file_paths(&r).contains(&evil.to_string()));
}

// `A<A<...>>` 349,000 deep took 1.75 GB for one 1 MiB file; with -j N, N of them at once.
#[test]
fn a_file_past_the_memory_budget_is_skipped() {
    let p = project();
    let depth = 300_000;
    p.write(
        "t.cpp",
        format!("{}int{} x;\n", "A<".repeat(depth), ">".repeat(depth)),
    );
    let out = p
        .cmd()
        .args(["scan", "--format", "json", "--parse-timeout", "600"])
        .args(["--memory-per-file", "64MiB", "--no-default-excludes"])
        .assert()
        .success();
    let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(file_paths(&r), ["a.py", "b.py"]);
    assert_eq!(
        r["skipped"][0]["reason"],
        "needs more memory than the per-file budget of 64 MiB (--memory-per-file)"
    );
}

#[test]
fn absurd_sizes_are_usage_errors_that_name_the_limit() {
    let p = project();
    p.cmd()
        .args(["scan", "-j", "100000"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--jobs must be at most 256"));
    p.cmd()
        .args(["analyze", "--cache-memory", "1000000000"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--cache-memory must be between 1 and 1000000",
        ));
    p.cmd()
        .args(["analyze", "--cache-memory", "4611686018427387904"])
        .assert()
        .code(2);
}

// A pathological glob gave `error parsing pattern 0`, with no file, line or key.
#[test]
fn a_glob_that_cannot_compile_is_reported_where_it_was_written() {
    let p = project();
    let mut glob = "a".to_string();
    for _ in 0..200 {
        glob = format!("{{a,{glob}}}");
    }
    p.write("wtfcb.toml", format!("exclude = [\"{glob}\"]\n"));
    p.cmd()
        .arg("scan")
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "wtfcb.toml:1:12: `exclude`: invalid glob: cannot compile it",
        ));
}

// `wtfcb analyze /missing/path`, and a run in a directory with nothing to analyze, created a
// `.wtfcb-cache/` in the current directory.
#[test]
fn a_run_that_analyzes_nothing_leaves_nothing_on_disk() {
    let p = Project::new();
    p.cmd().args(["analyze", "missing/path"]).assert().code(2);
    p.write("notes.txt", "not code\n");
    p.cmd().args(["analyze"]).assert().success();
    let left: Vec<_> = std::fs::read_dir(p.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["notes.txt"]);
}
