//! `wtfcb scan`: counts on fixtures, discovery rules, and every kind of bad input.

use std::collections::BTreeMap;
use std::process::Stdio;

use predicates::str::contains;

use crate::support::{file, file_paths, fixtures, json_of, skip_reason, wtfcb, Project};

/// Each fixture states its expected counts in a header comment (`expect: lines=.. code=..`).
#[test]
fn language_fixtures_match_their_stated_counts() {
    let report = json_of(wtfcb(&fixtures()).args(["scan", "--format", "json", "langs"]));
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 10, "one fixture per language");
    for f in files {
        let path = f["path"].as_str().unwrap();
        let text = std::fs::read_to_string(fixtures().join(path)).unwrap();
        let header = text.lines().next().unwrap();
        let expected: BTreeMap<&str, u64> = header
            .split_whitespace()
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k, v.trim_end_matches("*/").parse().unwrap()))
            .collect();
        let got: BTreeMap<&str, u64> = [
            ("lines", f["lines"]["total"].as_u64().unwrap()),
            ("code", f["lines"]["code"].as_u64().unwrap()),
            ("comment", f["lines"]["comment"].as_u64().unwrap()),
            ("blank", f["lines"]["blank"].as_u64().unwrap()),
            ("functions", f["functions"].as_array().unwrap().len() as u64),
            ("classes", f["classes"].as_array().unwrap().len() as u64),
        ]
        .into_iter()
        .collect();
        assert_eq!(got, expected, "{path}");
        assert_eq!(f["syntax_errors"]["count"], 0, "{path}");
    }
}

#[test]
fn table_snapshot_of_fixtures() {
    let out = wtfcb(&fixtures())
        .args(["scan", "langs"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!("scan_table_langs", stdout);
}

#[test]
fn parallel_output_equals_sequential_output() {
    let one = wtfcb(&fixtures())
        .args(["scan", "--format", "json", "-j1", "."])
        .assert()
        .success();
    let two = wtfcb(&fixtures())
        .args(["scan", "--format", "json", "-j2", "."])
        .assert()
        .success();
    let four = wtfcb(&fixtures())
        .args(["scan", "--format", "json", "-j4", "."])
        .assert()
        .success();
    assert_eq!(one.get_output().stdout, two.get_output().stdout);
    assert_eq!(one.get_output().stdout, four.get_output().stdout);
}

#[test]
fn honours_gitignore_nested_ignore_and_git_exclude() {
    let p = Project::new();
    p.write(".gitignore", "out/\n*.gen.py\n");
    p.write("sub/.gitignore", "local.py\n");
    p.write(".ignore", "scratch.py\n");
    p.write(".git/info/exclude", "secret.py\n");
    for f in [
        "a.py",
        "out/b.py",
        "x.gen.py",
        "sub/local.py",
        "sub/kept.py",
        "scratch.py",
        "secret.py",
        ".hidden/h.py",
    ] {
        p.write(f, "x = 1\n");
    }
    let report = json_of(p.cmd().args(["scan", "--format", "json"]));
    assert_eq!(file_paths(&report), ["a.py", "sub/kept.py"]);

    let all = json_of(p.cmd().args(["scan", "--format", "json", "--no-ignore"]));
    assert_eq!(
        file_paths(&all),
        [
            "a.py",
            "out/b.py",
            "scratch.py",
            "secret.py",
            "sub/kept.py",
            "sub/local.py",
            "x.gen.py"
        ]
    );
    let hidden = json_of(p.cmd().args(["scan", "--format", "json", "--hidden"]));
    assert_eq!(file_paths(&hidden), [".hidden/h.py", "a.py", "sub/kept.py"]);
}

#[test]
fn include_and_exclude_globs() {
    let p = Project::new();
    for f in [
        "src/a.py",
        "src/b.js",
        "src/gen/c.py",
        "vendor/d.py",
        "e.py",
    ] {
        p.write(f, "x = 1\n");
    }
    let report = json_of(p.cmd().args([
        "scan",
        "--format",
        "json",
        "--exclude",
        "vendor",
        "--exclude",
        "src/gen",
    ]));
    assert_eq!(file_paths(&report), ["e.py", "src/a.py", "src/b.js"]);
    let report = json_of(p.cmd().args([
        "scan",
        "--format",
        "json",
        "--include",
        "*.py",
        "--exclude",
        "vendor",
    ]));
    assert_eq!(file_paths(&report), ["e.py", "src/a.py", "src/gen/c.py"]);
}

#[test]
fn explicit_files_and_shebangs() {
    let p = Project::new();
    p.write("tool", "#!/usr/bin/env python3\nprint('hi')\n");
    p.write("notes.txt", "hello\n");
    p.write("b.rs", "fn main() {}\n");
    let report = json_of(p.cmd().args([
        "scan",
        "--format",
        "json",
        "b.rs",
        "tool",
        "notes.txt",
        "b.rs",
    ]));
    assert_eq!(file_paths(&report), ["b.rs", "tool"]);
    assert_eq!(file(&report, "tool")["language"], "python");
    assert_eq!(
        skip_reason(&report, "notes.txt").as_deref(),
        Some("unsupported language")
    );
}

#[test]
fn missing_path_is_a_usage_error() {
    let p = Project::new();
    p.cmd()
        .args(["scan", "does-not-exist"])
        .assert()
        .code(2)
        .stderr(contains("does-not-exist"));
    p.cmd().args(["scan", "--bogus-flag"]).assert().code(2);
    p.cmd()
        .args(["scan", "--max-file-size", "huge"])
        .assert()
        .code(2)
        .stderr(contains("max-file-size"));
}

#[test]
fn empty_comment_only_bom_crlf_and_no_trailing_newline() {
    let p = Project::new();
    p.write("empty.py", "");
    p.write("comments.js", "// one\n/* two\n   three */\n");
    p.write("bom.py", b"\xEF\xBB\xBFdef f():\n    return 1\n");
    p.write("crlf.c", "int a;\r\n\r\n// c\r\nint b;\r\n");
    p.write("tail.rb", "x = 1\ny = 2");
    let r = json_of(p.cmd().args(["scan", "--format", "json"]));
    let lines = |path: &str| {
        let l = &file(&r, path)["lines"];
        [&l["total"], &l["code"], &l["comment"], &l["blank"]].map(|v| v.as_u64().unwrap())
    };
    assert_eq!(lines("empty.py"), [0, 0, 0, 0]);
    assert_eq!(lines("comments.js"), [3, 0, 3, 0]);
    assert_eq!(lines("bom.py"), [2, 2, 0, 0]);
    assert_eq!(file(&r, "bom.py")["functions"][0]["name"], "f");
    assert_eq!(file(&r, "bom.py")["syntax_errors"]["count"], 0);
    assert_eq!(lines("crlf.c"), [4, 2, 1, 1]);
    assert_eq!(lines("tail.rb"), [2, 2, 0, 0]);
}

#[test]
fn invalid_utf8_is_counted_and_marked() {
    let p = Project::new();
    p.write("latin1.py", b"# caf\xe9\nname = '\xe9t\xe9'\n");
    let r = json_of(p.cmd().args(["scan", "--format", "json"]));
    let f = file(&r, "latin1.py");
    assert_eq!(f["invalid_utf8"], true);
    assert_eq!(f["lines"]["total"], 2);
    assert_eq!(r["summary"]["files_with_invalid_utf8"], 1);
}

#[test]
fn binary_files_are_skipped() {
    let p = Project::new();
    p.write("blob.py", b"x = 1\n\0\0\x01\x02");
    let r = json_of(p.cmd().args(["scan", "--format", "json"]));
    assert!(file_paths(&r).is_empty());
    assert!(skip_reason(&r, "blob.py").unwrap().contains("binary"));
}

#[test]
fn syntax_errors_are_counted_and_the_file_kept() {
    let p = Project::new();
    p.write(
        "broken.py",
        "def ok():\n    return 1\n\ndef broken(:\n    pass\n",
    );
    let r = json_of(p.cmd().args(["scan", "--format", "json"]));
    let f = file(&r, "broken.py");
    assert!(f["syntax_errors"]["count"].as_u64().unwrap() >= 1);
    assert_eq!(f["syntax_errors"]["first"]["line"], 4);
    assert_eq!(r["summary"]["files_with_syntax_errors"], 1);
    p.cmd()
        .args(["scan"])
        .assert()
        .success()
        .stdout(contains("1 file(s) with syntax errors"));
}

#[test]
fn ten_megabyte_minified_line_is_skipped_by_default_and_parsed_when_allowed() {
    let p = Project::new();
    let chunk = "var a=function(b){return b&&b.c?b.c(1,2):[3,4]};";
    let mut body = String::with_capacity(10 * 1024 * 1024 + chunk.len());
    while body.len() < 10 * 1024 * 1024 {
        body.push_str(chunk);
    }
    p.write("app.js", &body);
    let r = json_of(p.cmd().args(["scan", "--format", "json"]));
    assert!(skip_reason(&r, "app.js").unwrap().contains("too large"));
    // Allowed by size, it reads as minified: a default exclude.
    let r = json_of(
        p.cmd()
            .args(["scan", "--format", "json", "--max-file-size", "16MiB"]),
    );
    assert!(skip_reason(&r, "app.js").unwrap().starts_with("minified"));
    let r = json_of(p.cmd().args([
        "scan",
        "--format",
        "json",
        "--max-file-size",
        "16MiB",
        "--no-default-excludes",
    ]));
    let f = file(&r, "app.js");
    assert_eq!(f["lines"]["total"], 1);
    assert_eq!(f["lines"]["code"], 1);
    assert_eq!(f["syntax_errors"]["count"], 0);
}

#[test]
fn five_thousand_deep_nesting_does_not_crash() {
    let p = Project::new();
    let depth = 5_000;
    p.write(
        "deep.py",
        format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth)),
    );
    p.write(
        "deep.js",
        format!("let x = {}1{};\n", "[".repeat(depth), "]".repeat(depth)),
    );
    p.write(
        "deep.c",
        format!(
            "int f() {{ {} return 1; {} }}\n",
            "{".repeat(depth),
            "}".repeat(depth)
        ),
    );
    p.write(
        "deep.rb",
        format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth)),
    );
    // One-line nesting reads as minified; analyze it anyway.
    let r = json_of(
        p.cmd()
            .args(["scan", "--format", "json", "--no-default-excludes"]),
    );
    assert_eq!(file_paths(&r), ["deep.c", "deep.js", "deep.py", "deep.rb"]);
    assert_eq!(file(&r, "deep.c")["functions"][0]["name"], "f");
}

#[cfg(unix)]
#[test]
fn symlink_loop_under_follow_links_is_reported_not_fatal() {
    let p = Project::new();
    p.write("pkg/a.py", "x = 1\n");
    std::os::unix::fs::symlink("..", p.path().join("pkg/loop")).unwrap();
    std::os::unix::fs::symlink("a.py", p.path().join("pkg/link.py")).unwrap();
    let plain = json_of(p.cmd().args(["scan", "--format", "json"]));
    assert_eq!(file_paths(&plain), ["pkg/a.py"]);
    assert!(skip_reason(&plain, "pkg/link.py")
        .unwrap()
        .contains("symlink"));

    let out = p
        .cmd()
        .args(["scan", "--format", "json", "--follow-links"])
        .assert()
        .success();
    let r: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    // The link and its target are one file (same device and inode): analyzed once.
    assert_eq!(file_paths(&r), ["pkg/a.py"]);
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("symlink loop"));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("symlink loop"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn fifo_is_skipped_without_hanging() {
    let p = Project::new();
    p.write("a.py", "x = 1\n");
    let fifo = p.path().join("pipe.py");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let r = json_of(p.cmd().args(["scan", "--format", "json"]));
    assert_eq!(file_paths(&r), ["a.py"]);
    assert!(skip_reason(&r, "pipe.py")
        .unwrap()
        .contains("not a regular file"));
    // Named explicitly, it is still not opened.
    let r = json_of(p.cmd().args(["scan", "--format", "json", "pipe.py"]));
    assert!(skip_reason(&r, "pipe.py")
        .unwrap()
        .contains("not a regular file"));
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_warning_and_the_run_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::new();
    p.write("a.py", "x = 1\n");
    let locked = p.write("locked.py", "y = 2\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads mode-000 files, so there a dangling link followed with --follow-links is the
    // path that cannot be read.
    if std::fs::read(&locked).is_ok() {
        std::fs::remove_file(&locked).unwrap();
        std::os::unix::fs::symlink("nowhere.py", &locked).unwrap();
    }
    let out = p
        .cmd()
        .args(["scan", "--format", "json", "--follow-links"])
        .assert()
        .success()
        .stderr(contains("warning: locked.py"));
    let r: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(file_paths(&r), ["a.py"]);
    assert_eq!(r["errors"][0]["path"], "locked.py");
}

#[test]
fn verbose_lists_skips_and_quiet_prints_none() {
    let p = Project::new();
    p.write("blob.py", b"\0\0");
    p.write("a.py", "x = 1\n");
    p.cmd()
        .args(["scan", "-v"])
        .assert()
        .success()
        .stderr(contains("skipped blob.py: binary"));
    p.cmd()
        .args(["scan"])
        .assert()
        .success()
        .stderr(contains("1 file(s) skipped"));
    p.cmd().args(["scan", "-q"]).assert().success().stderr("");
}

#[test]
fn closed_stdout_pipe_is_not_an_error() {
    let p = Project::new();
    for i in 0..300 {
        p.write(&format!("m{i}.py"), "def f(a, b):\n    return a + b\n");
    }
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("wtfcb"))
        .args(["scan", "--format", "json"])
        .current_dir(p.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// Issue 17: a warm `scan` re-parsed everything. It uses the cache now (its own entries, with
// no rule run): the second scan parses nothing unchanged, with the same output.
#[test]
fn scan_uses_the_cache() {
    let p = crate::support::Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write(
        "a.py",
        "def f(x):\n    if x:\n        return 1\n    return 0\n",
    );
    p.write("b.js", "function g(y) { return y ? [y] : []; }\n");
    let scan = |args: &[&str]| {
        let out = p.cmd().arg("scan").args(args).arg("-v").output().unwrap();
        assert!(out.status.success());
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (cold, cold_err) = scan(&["--format", "json"]);
    assert!(cold_err.contains("2 misses, 2 parsed"), "{cold_err}");
    let (warm, warm_err) = scan(&["--format", "json"]);
    assert!(warm_err.contains(" 0 parsed"), "{warm_err}");
    assert_eq!(cold, warm);
    let (uncached, _) = scan(&["--format", "json", "--no-cache"]);
    assert_eq!(cold, uncached);
    assert!(!warm.contains("\"findings\""), "scan lists no findings");
    // A new file is parsed, the others are not.
    p.write("c.py", "x = 1\n");
    let (_, err) = scan(&[]);
    assert!(err.contains(" 1 parsed"), "{err}");
}

// Issue 29: on Go's own tree the `go/build` and `cmd/dist` packages (975 files) vanished: a
// directory named like build output was left out by its name alone. One that holds files git
// tracks is source and is walked; untracked output by that name is still left out.
#[test]
fn a_directory_named_like_build_output_that_git_tracks_is_source() {
    let p = crate::support::Project::new();
    crate::support::git_ok(p.path(), &["init", "-q"]);
    p.write("go/build/build.go", "package build\n\nfunc Import() {}\n");
    p.write("cmd/dist/main.go", "package main\n\nfunc main() {}\n");
    crate::support::git_ok(p.path(), &["add", "-A"]);
    p.write("target/debug/out.rs", "fn generated() {}\n");
    let report = crate::support::json_of(p.cmd().args(["scan", "--format", "json", "--no-cache"]));
    assert_eq!(
        crate::support::file_paths(&report),
        ["cmd/dist/main.go", "go/build/build.go"]
    );
}

// A generator's name or a library's banner in another script, cut for the message inside a
// character, ended the whole run with a panic (exit 101).
#[test]
fn marker_lines_in_any_script_skip_the_file_and_the_run_goes_on() {
    let p = Project::new();
    p.write(
        "gen.c",
        format!("// automatically generated by {}\nint x;\n", "é".repeat(40)),
    );
    p.write(
        "lib.js",
        format!("/*! Lödash v1.2.3 {} */\nx();\n", "ö".repeat(60)),
    );
    p.write("app.py", "x = 1\n");
    let out = p
        .cmd()
        .args(["analyze", "-v", "--format", "json"])
        .assert()
        .code(0)
        .stderr(contains(
            "skipped gen.c: generated (`automatically generated by éé",
        ))
        .stderr(contains("skipped lib.js: vendored"));
    let r: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(file_paths(&r), ["app.py"]);
}

// Spring Boot's jquery-1.7.2.js gave 56 `high` findings: a library copied in is vendored,
// known by a version in its name or by its banner, and `--no-default-excludes` reads it.
// Compiled output with a source map trailer (Angular's `esm2022/*.mjs`) is left out too; the
// cache keeps the two runs apart (a result read with every file must not serve a default run).
#[test]
fn vendored_libraries_are_skipped_with_their_reason() {
    let p = Project::new();
    p.write("static/jquery-1.7.2.js", "var jQuery = 1;\n");
    p.write(
        "static/chart.js",
        "/*!\n * Chart.js v4.6.2\n */\nvar Chart = 1;\n",
    );
    p.write(
        "esm/core.mjs",
        "export function f(a) { return a ? 1 : 2; }\n//# sourceMappingURL=core.mjs.map\n",
    );
    p.write("app.js", "var app = 1;\n");
    let all = [
        "app.js",
        "esm/core.mjs",
        "static/chart.js",
        "static/jquery-1.7.2.js",
    ];
    for (args, expected) in [
        (&["analyze", "--no-default-excludes"][..], &all[..]),
        (&["analyze", "-v"][..], &["app.js"][..]),
        (&["analyze", "--no-default-excludes"][..], &all[..]),
    ] {
        let out = p
            .cmd()
            .args(args)
            .args(["--format", "json"])
            .assert()
            .success();
        let out = if args.contains(&"-v") {
            out.stderr(contains(
                "skipped static/jquery-1.7.2.js: excluded by default: vendored",
            ))
            .stderr(contains(
                "skipped static/chart.js: vendored (a library's banner",
            ))
            .stderr(contains(
                "skipped esm/core.mjs: compiled (a source map trailer",
            ))
        } else {
            out
        };
        let r: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(file_paths(&r), expected);
    }
}
