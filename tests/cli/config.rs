//! Configuration files: discovery, every key's effect, per-path overrides, errors that name
//! the file, line and key, and the settings fingerprint.

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::support::{json_of, Project};

const CODE: &str = "\
def handler(a, b, c, d):
    if a:
        if b:
            return c
    try:
        return d
    except Exception:
        pass
";

fn rules_found(report: &Value) -> Vec<String> {
    let mut found: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().clone())
        .map(|f| {
            format!(
                "{}:{}:{}",
                f["path"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    found
}

fn analyze(p: &Project, extra: &[&str]) -> Value {
    json_of(
        p.cmd()
            .args(["analyze", "--format", "json", "--fail-on", "never"])
            .args(extra),
    )
}

#[test]
fn config_keys_and_overrides_change_findings() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("src/app.py", CODE);
    p.write("tests/test_app.py", CODE);
    p.write("legacy/lib.py", CODE);
    let defaults = analyze(&p, &[]);
    assert_eq!(
        rules_found(&defaults),
        [
            "legacy/lib.py:broad-except:low",
            "legacy/lib.py:empty-block:low",
            "src/app.py:broad-except:low",
            "src/app.py:empty-block:low",
            "tests/test_app.py:broad-except:low",
        ]
    );
    assert!(defaults.get("config").is_none());

    p.write(
        "wtfcb.toml",
        r#"
exclude = ["legacy"]
ignore = ["empty-block"]

[rules.too-many-parameters]
thresholds = { low = 1, medium = 2, high = 3 }

[rules.broad-except]
severity = "high"

[[overrides]]
paths = ["tests/**"]
ignore = ["broad-except"]
[overrides.rules.too-many-parameters]
enabled = false
"#,
    );
    let configured = analyze(&p, &[]);
    assert_eq!(
        rules_found(&configured),
        [
            "src/app.py:broad-except:high",
            "src/app.py:too-many-parameters:high",
        ]
    );
    assert_eq!(configured["config"], "wtfcb.toml");
    assert_ne!(
        configured["settings_fingerprint"],
        defaults["settings_fingerprint"]
    );
    // Same settings, same fingerprint; and analyzing from a subdirectory finds the config.
    let from_src = json_of(p.cmd().current_dir(p.path().join("src")).args([
        "analyze",
        "--format",
        "json",
        "--fail-on",
        "never",
        ".",
    ]));
    assert_eq!(
        from_src["settings_fingerprint"],
        configured["settings_fingerprint"]
    );
    // The config's excludes apply to files named on the command line too (pre-commit).
    let named = analyze(&p, &["legacy/lib.py", "src/app.py"]);
    assert_eq!(named["summary"]["files"], 1);
    // Command-line selection wins over the config.
    let cli = analyze(&p, &["--select", "empty-block"]);
    assert_eq!(
        rules_found(&cli),
        // Test code is no place for `empty-block` (stubs and fakes are empty on purpose).
        ["src/app.py:empty-block:low"]
    );
    // fail-on from the config; the flag wins over it.
    p.write("wtfcb.toml", "fail-on = \"low\"\n");
    p.cmd().args(["analyze"]).assert().code(1);
    p.cmd()
        .args(["analyze", "--fail-on", "never"])
        .assert()
        .code(0);
}

#[test]
fn pyproject_table_and_explicit_config() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("app.py", CODE);
    p.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\n\n[tool.wtfcb]\nselect = [\"empty-block\"]\n",
    );
    assert_eq!(rules_found(&analyze(&p, &[])), ["app.py:empty-block:low"]);
    p.write("other.toml", "select = [\"broad-except\"]\n");
    let explicit = analyze(&p, &["--config", "other.toml"]);
    assert_eq!(rules_found(&explicit), ["app.py:broad-except:low"]);
    assert_eq!(explicit["config"], "other.toml");
    p.cmd()
        .args(["analyze", "--config", "missing.toml"])
        .assert()
        .code(2)
        .stderr(contains("missing.toml"));
}

#[test]
fn config_errors_name_file_line_and_key_and_exit_2() {
    let cases = [
        (
            "select = [\"ALL\"]\nbogus = true\n",
            "wtfcb.toml:2:",
            "bogus",
        ),
        (
            "[rules.complex-function]\nthresholds = { medium = \"ten\" }\n",
            "wtfcb.toml:2:",
            "medium = \"ten\"",
        ),
        (
            "\n\n[rules.no-such-rule]\nenabled = false\n",
            "wtfcb.toml:3:",
            "rules.no-such-rule",
        ),
        (
            "[rules.god-class]\nthresholds = { lines = 1 }\n",
            "wtfcb.toml:2:",
            "god-class has no threshold \"lines\"",
        ),
        (
            "[rules.bare-except]\nseverity = \"severe\"\n",
            "wtfcb.toml:2:",
            "severe",
        ),
        ("max-file-size = [1]\n", "wtfcb.toml:1:", "max-file-size"),
        (
            "[[overrides]]\nselect = [\"ALL\"]\n",
            "wtfcb.toml:1:",
            "paths",
        ),
        ("this is not toml\n", "wtfcb.toml:1:", ""),
    ];
    for (text, location, key) in cases {
        let p = Project::new();
        std::fs::create_dir(p.path().join(".git")).unwrap();
        p.write("a.py", "x = 1\n");
        p.write("wtfcb.toml", text);
        let out = p.cmd().args(["analyze"]).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains(location) && stderr.contains(key),
            "{text:?}: {stderr}"
        );
        assert!(out.get_output().stdout.is_empty());
    }
}

// Issue 9: the config found from the first path applied to every file (7 findings in one
// argument order, 4 in the other) and a second cache appeared in `tests/`. Each file now
// follows the closest config above it (replacing the root's, as in ruff), whatever the order,
// with one cache at the root: the directory of the repository's top-most config.
#[test]
fn each_file_follows_its_closest_config_whatever_the_argument_order() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("wtfcb.toml", "ignore = [\"eval-exec\"]\n");
    p.write(
        "tests/wtfcb.toml",
        "exclude = [\"fixtures\"]\n[rules.eval-exec]\nseverity = \"low\"\n[rules.bare-except]\nenabled = false\n",
    );
    let code = "eval('x')\ntry:\n    pass\nexcept:\n    pass\n";
    p.write("app/x.py", code);
    p.write("tests/test_y.py", code);
    p.write("tests/fixtures/data.py", code);
    let one = analyze(&p, &["app/x.py", "tests/test_y.py"]);
    let other = analyze(&p, &["tests/test_y.py", "app/x.py"]);
    let expected = vec![
        "app/x.py:bare-except:medium".to_string(),
        "app/x.py:empty-block:low".to_string(),
        "tests/test_y.py:eval-exec:low".to_string(),
    ];
    assert_eq!(rules_found(&one), expected);
    assert_eq!(rules_found(&other), expected);
    assert_eq!(one["settings_fingerprint"], other["settings_fingerprint"]);
    // Run on the whole tree: the nested config's exclude, relative to its own directory,
    // leaves out tests/fixtures.
    let all = analyze(&p, &[]);
    let paths = crate::support::file_paths(&all);
    assert_eq!(paths, vec!["app/x.py", "tests/test_y.py"]);
    // One cache, at the root, also when only the nested directory is named.
    analyze(&p, &["tests"]);
    assert!(p.path().join(".wtfcb-cache").is_dir());
    assert!(!p.path().join("tests/.wtfcb-cache").exists());
    // `-v` names both config files.
    p.cmd()
        .args(["analyze", "-v", "--fail-on", "never", "tests"])
        .assert()
        .success()
        .stderr(contains("wtfcb.toml, ").and(contains("tests/wtfcb.toml")));
    // `--config` makes one file apply to every file.
    let forced = analyze(&p, &["--config", "wtfcb.toml"]);
    assert!(!rules_found(&forced).iter().any(|r| r.contains("eval-exec")));
    assert!(rules_found(&forced).contains(&"tests/test_y.py:bare-except:medium".to_string()));
    // A nested config that sets a run-wide key is told it has no effect.
    p.write("tests/wtfcb.toml", "fail-on = \"low\"\n");
    p.cmd()
        .args(["analyze", "--fail-on", "never"])
        .assert()
        .success()
        .stderr(contains(
            "`fail-on` applies to a whole run and is read from the root config only",
        ));
    // A broken nested config stops the run, naming it.
    p.write("tests/wtfcb.toml", "select = [\"no-such-rule\"]\n");
    p.cmd()
        .args(["analyze"])
        .assert()
        .code(2)
        .stderr(contains("tests/wtfcb.toml"));
}

// Issue 17: an error about one threshold pointed at the table header, misspellings got no
// suggestion, and inverted or partial steps were taken silently.
#[test]
fn threshold_errors_point_at_the_threshold_and_suggest_names() {
    let p = Project::new();
    p.write("a.py", "x = 1\n");
    let error = |config: &str| -> String {
        p.write("wtfcb.toml", config);
        let out = p.cmd().arg("analyze").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{config}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = error("[rules.long-function]\nenabled = true\nthresholds = { high = 200, hgh = 3 }\n");
    assert!(
        e.contains("wtfcb.toml:3:") && e.contains("did you mean `high`?"),
        "{e}"
    );
    let e = error("[rules.long-functon]\nenabled = true\n");
    assert!(e.contains("did you mean `long-function`?"), "{e}");
    let e = error("extend-exlude = [\"x\"]\n");
    assert!(e.contains("did you mean `extend-exclude`?"), "{e}");
    let e = error("[rules.long-function]\nthresholds = { medium = 300, high = 100 }\n");
    assert!(
        e.contains("wtfcb.toml:2:") && e.contains("must be above"),
        "{e}"
    );
    // Given in part, the steps keep the default medium.
    p.write(
        "wtfcb.toml",
        "[rules.long-function]\nthresholds = { high = 200 }\n",
    );
    let body: String = (0..60).map(|i| format!("    x{i} = {i}\n")).collect();
    p.write("a.py", format!("def f():\n{body}"));
    let report = analyze(&p, &[]);
    assert_eq!(
        rules_found(&report),
        vec!["a.py:long-function:medium".to_string()]
    );
}

// Issue 17: a gitignore-style anchored exclude (`/cpp/src/arrow/vendored`) matched nothing, and
// nothing said so. It is anchored at the config's directory now, and a pattern that matches no
// file in a whole-project run is a warning (not in a run on some files, where that is normal).
#[test]
fn anchored_excludes_work_and_unmatched_ones_are_named() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("cpp/src/arrow/vendored/v.py", "eval('x')\n");
    p.write("lib/vendored/keep.py", "x = 1\n");
    p.write("a.py", "x = 1\n");
    p.write("node_modules/m/m.py", "x = 1\n");
    p.write(
        "wtfcb.toml",
        "exclude = [\"/cpp/src/arrow/vendored\", \"/vendored\", \"no_such_dir\", \"node_modules\"]\n",
    );
    let out = p
        .cmd()
        .args(["analyze", "--fail-on", "never", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        crate::support::file_paths(&report),
        vec!["a.py", "lib/vendored/keep.py"]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`no_such_dir` matches no file"), "{stderr}");
    assert!(
        stderr.contains("`/vendored` matches no file"),
        "anchored: only the top level: {stderr}"
    );
    assert!(
        !stderr.contains("`node_modules` matches"),
        "also a default exclude: {stderr}"
    );
    assert!(!stderr.contains("arrow/vendored` matches"), "{stderr}");
    let some = p
        .cmd()
        .args(["analyze", "--fail-on", "never", "a.py"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&some.stderr).contains("matches no file"));
}

// Issue 17: `test-paths` extends the built-in test conventions (which now cover C/C++'s
// `*_test.cc`, `*_unittest.cpp`, `test_*.c`), per config file.
#[test]
fn test_paths_extend_the_built_in_test_conventions() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("it/check_api.py", "assert 1 + 1 == 2\n");
    p.write("src/api.py", "assert True\n");
    p.write(
        "cpp/array_test.cc",
        "int main() { char b[4]; strcpy(b, \"x\"); return 0; }\n",
    );
    let found = |p: &Project| rules_found(&analyze(p, &["--select", "assert-outside-tests"]));
    assert_eq!(
        found(&p),
        vec![
            "it/check_api.py:assert-outside-tests:low".to_string(),
            "src/api.py:assert-outside-tests:low".to_string()
        ]
    );
    p.write("wtfcb.toml", "test-paths = [\"it/**\"]\n");
    assert_eq!(
        found(&p),
        vec!["src/api.py:assert-outside-tests:low".to_string()]
    );
    let settings = p
        .cmd()
        .args([
            "analyze",
            "--show-settings",
            "cpp/array_test.cc",
            "it/check_api.py",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&settings.stdout);
    assert_eq!(text.matches(", test code;").count(), 2, "{text}");
    p.write("wtfcb.toml", "test-paths = [\"it/[\"]\n");
    p.cmd()
        .arg("analyze")
        .assert()
        .code(2)
        .stderr(contains("test-paths"));
}

// Issue 28: the project root depended on which files were passed, which is how pre-commit
// calls wtfcb: `analyze app/m.py tests/test_m.py` beside a `tests/wtfcb.toml` took `tests/` as
// the root, applied its thresholds to `app/m.py` and reported nothing, where `analyze .`
// reports the finding. Paths under different configs have the repository's root, and each
// file's closest config applies to it alone.
#[test]
fn the_project_root_and_each_files_config_do_not_depend_on_the_paths_given() {
    let p = Project::new();
    crate::support::git_ok(p.path(), &["init", "-q"]);
    let seven = "def f(a, b, c, d, e, g, h):\n    return a\n";
    p.write("app/m.py", seven);
    p.write("tests/test_m.py", seven);
    p.write(
        "tests/wtfcb.toml",
        "[rules.too-many-parameters]\nthresholds = { low = 10, medium = 12 }\n",
    );
    let found = |args: &[&str]| -> Vec<String> {
        let args = [&["--no-cache", "--select", "too-many-parameters"][..], args].concat();
        crate::support::unsuppressed(&crate::support::analyze_json(p.path(), &args))
    };
    assert_eq!(found(&["."]), ["app/m.py:f"]);
    assert_eq!(found(&["app/m.py", "tests/test_m.py"]), ["app/m.py:f"]);
    assert_eq!(found(&["tests/test_m.py", "app/m.py"]), ["app/m.py:f"]);
}

// Issue 28: a team's existing suppressions for the checks wtfcb shares (`//nolint:gocyclo`,
// `# noqa: C901`, `eslint-disable-next-line complexity`, `rubocop:disable` regions) were
// ignored, and wtfcb turned those checks back on. They are honoured, as ruff honours flake8's
// codes, and `--no-peer-suppressions` turns them off.
#[test]
fn other_tools_suppressions_are_honoured_for_the_checks_they_name() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    let branches = |n: usize, open: &str, cond: &str, close: &str| -> String {
        (0..n)
            .map(|i| format!("{open}{}{close}", cond.replace("N", &i.to_string())))
            .collect()
    };
    p.write(
        "a.go",
        format!(
            "package a\n\n//nolint:gocyclo // legacy\nfunc F(x int) int {{\n{}\treturn 0\n}}\n\nfunc G(x int) int {{\n{}\treturn 0\n}}\n",
            branches(22, "\tif ", "x == N { return N }", "\n"),
            branches(22, "\tif ", "x == N { return N }", "\n")
        ),
    );
    p.write(
        "a.py",
        format!(
            "def f(x):  # noqa: C901\n{}    return 0\n\n\ndef g(x):  # noqa: E501\n{}    return 0\n",
            branches(22, "    if ", "x == N:\n        return N", "\n"),
            branches(22, "    if ", "x == N:\n        return N", "\n")
        ),
    );
    p.write(
        "a.js",
        format!(
            "// eslint-disable-next-line complexity -- legacy\nfunction f(x) {{\n{}  return 0;\n}}\n",
            branches(22, "  if ", "(x === N) return N;", "\n")
        ),
    );
    p.write(
        "a.rb",
        format!(
            "# rubocop:disable Metrics/CyclomaticComplexity\ndef f(x)\n{}  0\nend\n# rubocop:enable Metrics/CyclomaticComplexity\n\ndef g(x)\n{}  0\nend\n",
            branches(22, "  return N if ", "x == N", "\n"),
            branches(22, "  return N if ", "x == N", "\n")
        ),
    );
    let shown = |extra: &[&str]| -> Vec<String> {
        let args = [&["--no-cache", "--select", "complex-function"][..], extra].concat();
        crate::support::unsuppressed(&crate::support::analyze_json(p.path(), &args))
    };
    assert_eq!(shown(&[]), ["a.go:G", "a.py:g", "a.rb:g"]);
    assert_eq!(
        shown(&["--no-peer-suppressions"]),
        ["a.go:F", "a.go:G", "a.js:f", "a.py:f", "a.py:g", "a.rb:f", "a.rb:g"]
    );
    // Another tool's comment is never "unused" to wtfcb.
    let r =
        crate::support::analyze_json(p.path(), &["--no-cache", "--select", "unused-suppression"]);
    assert_eq!(rules_found(&r), Vec::<String>::new());
}

// Issue 28: tokio's `#![allow(clippy::cognitive_complexity)]` and functions marked
// `#[allow(clippy::too_many_arguments)]` got those checks back from wtfcb. Clippy's allows of
// the lints wtfcb shares suppress the matching rules: an outer attribute for its item, an inner
// one for its module (the whole file at the top).
#[test]
fn clippy_allows_suppress_the_rules_they_name() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    let params = "a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8";
    p.write(
        "src/a.rs",
        format!(
            "#[allow(clippy::too_many_arguments)]\n#[inline]\npub fn quiet({params}) -> u8 {{\n    a\n}}\n\npub fn loud({params}) -> u8 {{\n    a\n}}\n"
        ),
    );
    p.write(
        "src/b.rs",
        format!("#![allow(clippy::too_many_arguments)]\n\npub fn also_quiet({params}) -> u8 {{\n    a\n}}\n"),
    );
    let r =
        crate::support::analyze_json(p.path(), &["--no-cache", "--select", "too-many-parameters"]);
    let shown = crate::support::unsuppressed(&r);
    assert_eq!(shown, ["src/a.rs:loud"]);
}
