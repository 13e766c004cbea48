//! Facts that depend on the whole command: project-relative identities, header languages.

use serde_json::Value;

use crate::support::{analyze_json, file, Project};

/// The rule ids of one file's findings, in report order.
fn rules_of(report: &Value, path: &str) -> Vec<String> {
    file(report, path)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

// `wtfcb analyze /home/me/test/proj` treated every file as test code: the path as typed
// has a `test` directory in it.
#[test]
fn test_code_is_detected_from_the_project_relative_path() {
    let p = Project::new();
    p.write("test/proj/wtfcb.toml", "");
    p.write("test/proj/a.py", "def f(x):\n    assert x\n");
    p.write("test/proj/tests/t.py", "def g(x):\n    assert x\n");
    let root = p.path().join("test/proj");
    let r = analyze_json(p.path(), &[root.to_str().unwrap()]);
    let rules = |suffix: &str| {
        let files = r["files"].as_array().unwrap();
        let f = files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(suffix))
            .unwrap();
        rules_of(&r, f["path"].as_str().unwrap())
    };
    assert!(rules("/proj/a.py").contains(&"assert-outside-tests".to_string()));
    assert!(!rules("/proj/tests/t.py").contains(&"assert-outside-tests".to_string()));
}

// Fingerprints come from the project-relative path, never from how the path was typed.
#[test]
fn fingerprints_do_not_depend_on_how_the_path_was_typed() {
    let p = Project::new();
    p.write("wtfcb.toml", "");
    p.write("src/a.py", "def f():\n    eval('1')\n    eval('1')\n");
    let fps = |arg: &str| -> Vec<String> {
        let r = analyze_json(p.path(), &["--no-cache", arg]);
        r["files"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "eval-exec")
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let relative = fps("src/a.py");
    let absolute = fps(p.path().join("src/a.py").to_str().unwrap());
    assert_eq!(relative.len(), 2);
    assert_ne!(
        relative[0], relative[1],
        "identical findings, distinct fingerprints"
    );
    assert_eq!(relative, absolute);
}

// `.h` files were always C: C++ headers came out as syntax errors and `<anonymous>` functions.
#[test]
fn a_cpp_header_is_parsed_as_cpp_cached_or_not() {
    let p = Project::new();
    p.write(
        "a.h",
        "namespace n {\nclass Foo {\n public:\n  int get(int x) const { if (x) { return 1; } return 0; }\n};\n}\n",
    );
    p.write(
        "b.h",
        "int add(int a, int b);\nstatic inline int one(void) { return 1; }\n",
    );
    for args in [&["--no-cache"][..], &[], &[]] {
        let r = analyze_json(p.path(), args);
        let a = file(&r, "a.h");
        assert_eq!(a["language"], "cpp");
        assert_eq!(a["syntax_errors"]["count"], 0);
        assert_eq!(a["functions"][0]["qualified_name"], "n::Foo::get");
        assert_eq!(a["functions"][0]["cyclomatic"], 2);
        assert_eq!(file(&r, "b.h")["language"], "c");
    }
}

// Valid code the newest grammars reject came out as high syntax errors: TypeScript 5.0
// `export type *`, reserved-word JSX attributes in `.jsx`, Ruby's `def !@`.
#[test]
fn valid_syntax_the_grammars_reject_is_parsed_and_named_as_written() {
    let p = Project::new();
    p.write(
        "a.ts",
        "export type * as HttpProxy from 'http-proxy-3';\nexport type * from './x';\nexport * from './y';\n",
    );
    p.write(
        "b.jsx",
        "export function Field({ id }) {\n  if (!id) return null;\n  return <label for={id} class=\"a\">x</label>;\n}\n",
    );
    p.write(
        "c.rb",
        "class Flag\n  def !@\n    @on ? false : true\n  end\n\n  def self.!@\n  end\nend\n",
    );
    for args in [&["--no-cache"][..], &[], &[]] {
        let r = analyze_json(p.path(), args);
        for name in ["a.ts", "b.jsx", "c.rb"] {
            assert_eq!(file(&r, name)["syntax_errors"]["count"], 0, "{name}");
        }
        let kinds: Vec<&str> = file(&r, "a.ts")["imports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["type-only", "type-only", "re-export"]);
        let b = file(&r, "b.jsx");
        assert_eq!(b["functions"][0]["name"], "Field");
        assert_eq!(b["functions"][0]["cyclomatic"], 2);
        let names: Vec<&str> = file(&r, "c.rb")["functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["qualified_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Flag#!@", "Flag.!@"]);
        assert_eq!(file(&r, "c.rb")["functions"][0]["cyclomatic"], 2);
    }
}

fn scan_paths(p: &Project, args: &[&str]) -> Vec<String> {
    let out = p
        .cmd()
        .args(["scan", "--format", "json"])
        .args(args)
        .assert()
        .success();
    let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    crate::support::file_paths(&r)
}

// Mutating the walk's ignore rules (parent `.gitignore`, `require_git`) left the suite green.
#[test]
fn gitignore_applies_from_parents_and_without_a_git_directory() {
    let p = Project::new();
    p.write(".gitignore", "sub/skip.py\ngen/\n");
    p.write("sub/keep.py", "x = 1\n");
    p.write("sub/skip.py", "x = 1\n");
    p.write("gen/out.py", "x = 1\n");
    // No `.git` anywhere: `.gitignore` still counts (as ripgrep's require_git(false)).
    assert_eq!(scan_paths(&p, &[]), ["sub/keep.py"]);
    // Walking `sub` alone, the parent's `.gitignore` still applies.
    assert_eq!(scan_paths(&p, &["sub"]), ["sub/keep.py"]);
    assert_eq!(
        scan_paths(&p, &["--no-ignore"]),
        ["gen/out.py", "sub/keep.py", "sub/skip.py"]
    );
}

// The size limit is inclusive: a file of exactly the limit is read, one byte more is not; the
// config's `max-file-size` applies like the flag.
#[test]
fn the_size_limit_is_inclusive_and_the_config_sets_it() {
    let p = Project::new();
    p.write("at.py", "x = 10\n");
    p.write("over.py", "x = 100\n");
    assert_eq!(scan_paths(&p, &["--max-file-size", "7"]), ["at.py"]);
    p.write("wtfcb.toml", "max-file-size = 7\n");
    assert_eq!(scan_paths(&p, &[]), ["at.py"]);
}

// `ignore-file` reaches the whole file, not only the lines next to it.
#[test]
fn an_ignore_file_comment_reaches_every_line() {
    let p = Project::new();
    let far = "\n".repeat(40);
    p.write(
        "a.py",
        format!("# wtfcb: ignore-file[eval-exec]\n{far}def f():\n    eval('1')\n"),
    );
    let r = analyze_json(p.path(), &["--no-cache"]);
    let f = &r["files"][0]["findings"];
    let eval: Vec<&Value> = f
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule"] == "eval-exec")
        .collect();
    assert_eq!(eval.len(), 1);
    assert_eq!(eval[0]["suppressed"], true);
}

// `unwrap-call` skips `#[cfg(test)]` code only, not `#[cfg(not(test))]`.
#[test]
fn cfg_not_test_is_not_test_code() {
    let p = Project::new();
    p.write(
        "src/lib.rs",
        "#[cfg(not(test))]\nmod real { fn f(x: Option<u8>) -> u8 { x.unwrap() } }\n\
         #[cfg(test)]\nmod tests { fn g(x: Option<u8>) -> u8 { x.unwrap() } }\n",
    );
    let r = analyze_json(p.path(), &["--no-cache"]);
    let unwraps: Vec<u64> = r["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule"] == "unwrap-call")
        .map(|x| x["start_line"].as_u64().unwrap())
        .collect();
    assert_eq!(unwraps, [2]);
}

// The cache key holds whether a file is test code: identical content in and out of `tests/`
// must keep its own findings, cold and warm.
#[test]
fn identical_files_in_and_out_of_tests_keep_their_own_findings() {
    let p = Project::new();
    p.write("wtfcb.toml", "");
    let body = "def f(x):\n    assert x\n";
    p.write("src/a.py", body);
    p.write("tests/a.py", body);
    for _ in 0..2 {
        let r = analyze_json(p.path(), &["-j", "1"]);
        let flagged = |path: &str| rules_of(&r, path).contains(&"assert-outside-tests".into());
        assert!(flagged("src/a.py"));
        assert!(!flagged("tests/a.py"));
    }
}

// Identical findings in two files differ by path in their fingerprints.
#[test]
fn fingerprints_include_the_path() {
    let p = Project::new();
    p.write("wtfcb.toml", "");
    p.write("a.py", "eval('1')\n");
    p.write("b.py", "eval('1')\n");
    let r = analyze_json(p.path(), &["--no-cache"]);
    let fp = |path: &str| file(&r, path)["findings"][0]["fingerprint"].clone();
    assert_ne!(fp("a.py"), fp("b.py"));
}

// `--profile` counts allocations per phase through the binary's global allocator, and
// tree-sitter's through its allocator hooks, in the parser processes too.
#[test]
fn the_profile_counts_allocations_per_phase() {
    let p = Project::new();
    p.write(
        "a.py",
        "def f(x):\n    if x:\n        return [x] * 3\n    return None\n",
    );
    p.write("b.js", "function g(y) { return y ? [y] : []; }\n");
    for mode in [&[][..], &["--in-process"][..]] {
        let out = p.path().join("profile.json");
        p.cmd()
            .args([
                "analyze",
                "--no-cache",
                "--fail-on",
                "never",
                "--profile-out",
            ])
            .arg(&out)
            .args(mode)
            .assert()
            .success();
        let profile: Value =
            serde_json::from_slice(&std::fs::read(&out).unwrap()).expect("profile JSON");
        // The same profile as a page of charts when the name ends in `.html`.
        let page = p.path().join("profile.html");
        p.cmd()
            .args([
                "analyze",
                "--no-cache",
                "--fail-on",
                "never",
                "--profile-out",
            ])
            .arg(&page)
            .args(mode)
            .assert()
            .success();
        let page = std::fs::read_to_string(&page).unwrap();
        assert!(
            page.contains("Time per phase") && page.contains("<svg"),
            "{page}"
        );
        assert!(!page.contains("<script"));
        // The serial part is a share of the run's CPU, and the projection follows from it.
        let scaling = &profile["scaling"];
        let share = scaling["serial_share"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&share), "{scaling}");
        let eight = scaling["speedup_8"].as_f64().unwrap();
        assert!(
            (eight - 1.0 / (share + (1.0 - share) / 8.0)).abs() < 1e-9,
            "{scaling}"
        );
        assert!(scaling["cpu_ms"].as_f64().unwrap() > 0.0, "{scaling}");
        assert!(profile["run"]["phases_ms"]["files"].as_f64().unwrap() > 0.0);
        let allocs = &profile["allocations"];
        let phase = |name: &str| -> (u64, u64) {
            allocs["phases"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["phase"] == name)
                .map_or((0, 0), |p| {
                    (
                        p["bytes"].as_u64().unwrap(),
                        p["allocations"].as_u64().unwrap(),
                    )
                })
        };
        for name in ["walk", "read", "parse", "facts", "rules"] {
            let (bytes, count) = phase(name);
            assert!(bytes > 0 && count > 0, "{mode:?} {name}: {allocs}");
        }
        assert!(allocs["peak_live_bytes"].as_u64().unwrap() > 0);
        if mode.is_empty() {
            assert!(allocs["parser_peak_live_bytes"].as_u64().unwrap() > 0);
        }
    }
}

// Default excludes (issue 9): dependencies, vendored code and build output, `*.min.js`, and
// content that reads as generated or minified are left out, each with its reason.
#[test]
fn default_excludes_leave_out_vendored_built_and_generated_code() {
    let p = Project::new();
    p.write("src/app.py", "x = 1\n");
    for dir in [
        "node_modules/pkg",
        "vendor",
        "third_party",
        ".venv/lib",
        "build",
        "dist",
    ] {
        p.write(&format!("{dir}/m.py"), "y = 2\n");
    }
    p.write("static/jquery.min.js", "var a=1;\n");
    p.write("src/pb.py", "# @generated by protoc\nz = 3\n");
    p.write("src/bundle.js", format!("{};\n", "a=b+c;".repeat(1000)));
    let out = p
        .cmd()
        .args(["scan", "--format", "json"])
        .assert()
        .success();
    let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(crate::support::file_paths(&r), ["src/app.py"]);
    let reason = |path: &str| crate::support::skip_reason(&r, path).unwrap_or_default();
    // (`.venv` is hidden, so the walk never enters it anyway.)
    for dir in [
        "node_modules/",
        "vendor/",
        "third_party/",
        "build/",
        "dist/",
    ] {
        assert!(reason(dir).starts_with("excluded by default"), "{dir}");
    }
    assert!(reason("static/jquery.min.js").contains("minified"));
    assert!(reason("src/pb.py").starts_with("generated"));
    assert!(reason("src/bundle.js").starts_with("minified"));
    // Everything, on request.
    let all = scan_paths(&p, &["--no-default-excludes"]);
    assert_eq!(all.len(), 9, "{all:?}");
    // The config's `exclude` replaces the directory list (content detection stays);
    // `extend-exclude` adds to the defaults.
    p.write("wtfcb.toml", "exclude = [\"dist\"]\n");
    let replaced = scan_paths(&p, &[]);
    assert!(
        replaced.contains(&"vendor/m.py".to_string()),
        "{replaced:?}"
    );
    assert!(!replaced.contains(&"dist/m.py".to_string()));
    assert!(!replaced.contains(&"src/pb.py".to_string()));
    p.write("wtfcb.toml", "extend-exclude = [\"src/pb.py\"]\n");
    assert_eq!(scan_paths(&p, &[]), ["src/app.py"]);
}

// Issue 9: size and design rules are off in test code (174 of Django's 231 god-class findings
// were TestCase classes), and Rust benches and examples are test-like for unwrap-call.
#[test]
fn test_code_is_spared_the_size_rules() {
    let p = Project::new();
    p.write("wtfcb.toml", "");
    let params = "def f(a, b, c, d, e, g, h):\n    return a\n";
    p.write("src/m.py", params);
    p.write("tests/test_m.py", params);
    p.write(
        "benches/b.rs",
        "fn main() { let x: Option<u8> = None; x.unwrap(); }\n",
    );
    p.write(
        "src/lib.rs",
        "fn k() { let x: Option<u8> = None; x.unwrap(); }\n",
    );
    let r = analyze_json(p.path(), &["--no-cache"]);
    let rules = |path: &str| rules_of(&r, path);
    assert!(rules("src/m.py").contains(&"too-many-parameters".to_string()));
    assert!(!rules("tests/test_m.py").contains(&"too-many-parameters".to_string()));
    assert!(rules("src/lib.rs").contains(&"unwrap-call".to_string()));
    assert!(!rules("benches/b.rs").contains(&"unwrap-call".to_string()));
}

// A typo in a suppression silenced nothing, silently.
#[test]
fn a_suppression_naming_no_rule_is_a_warning_with_its_place() {
    let p = Project::new();
    p.write("a.py", "x = 1\n\n# wtfcb: ignore[evl-exec]\neval('1')\n");
    p.cmd()
        .args(["analyze", "--fail-on", "never", "--no-cache"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "warning: a.py:3: `wtfcb: ignore` names no rule `evl-exec`",
        ));
}

// `--show-settings`: where a file's settings come from and what every rule does to it.
#[test]
fn show_settings_explains_each_file() {
    let p = Project::new();
    p.write("a.py", "x = 1\n");
    p.write("tests/t.py", "y = 2\n");
    p.write(
        "wtfcb.toml",
        "[rules.complex-function]\nthresholds = { medium = 3, high = 9 }\n[rules.bare-except]\nenabled = false\n",
    );
    let out = p
        .cmd()
        .args(["analyze", "--show-settings"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("wtfcb.toml"), "{text}");
    assert!(text.contains("a.py (Python; settings "), "{text}");
    assert!(
        text.contains("tests/t.py (Python, test code; settings "),
        "{text}"
    );
    let a = &text[text.find("a.py (").unwrap()..text.find("tests/t.py (").unwrap()];
    assert!(a.contains("bare-except              off"), "{a}");
    assert!(a.contains("medium > 3"), "{a}");
    assert!(!a.contains("unwrap-call"), "only Python's rules: {a}");
    let t = &text[text.find("tests/t.py (").unwrap()..];
    assert!(
        t.contains("assert-outside-tests     silent here (skips test code)"),
        "{t}"
    );
}
