//! Configuration files: discovery, every key's effect, per-path overrides, errors that name
//! the file, line and key, and the settings fingerprint.

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
            "tests/test_app.py:empty-block:low",
        ]
    );
    assert!(defaults.get("config").is_none());

    p.write(
        "wtfcb.toml",
        r#"
exclude = ["legacy"]
ignore = ["empty-block"]

[rules.too-many-parameters]
thresholds = { low = 2, high = 3 }

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
        [
            "src/app.py:empty-block:low",
            "tests/test_app.py:empty-block:low"
        ]
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
            "wtfcb.toml:1:",
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
