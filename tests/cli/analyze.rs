//! `wtfcb analyze` and `wtfcb rules`: per-rule fixture snapshots, suppressions, selection,
//! exit codes, determinism.

use predicates::str::contains;
use serde_json::Value;

use crate::support::{analyze_json, fixtures, results_part, wtfcb, Project};

/// One line per finding: `path:line:col severity rule message [suppressed]`.
fn finding_lines(report: &Value) -> String {
    let mut lines = Vec::new();
    for file in report["files"].as_array().expect("files") {
        for f in file["findings"].as_array().expect("findings") {
            lines.push(format!(
                "{}:{}:{} {} {} {}{}",
                f["path"].as_str().unwrap(),
                f["start_line"],
                f["start_column"],
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
                if f["suppressed"] == true {
                    " [suppressed]"
                } else {
                    ""
                }
            ));
        }
    }
    lines.join("\n")
}

#[test]
fn every_rule_fixture_snapshot() {
    let rules_dir = fixtures().join("rules");
    let mut ids: Vec<String> = std::fs::read_dir(&rules_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    assert_eq!(ids.len(), wtfcb::rules::registry().len());
    for id in ids {
        let report = analyze_json(&rules_dir, &["--select", &id, &id]);
        let lines = finding_lines(&report);
        assert!(!lines.is_empty(), "fixture for {id} finds nothing");
        insta::assert_snapshot!(format!("rule_{id}"), lines);
    }
}

#[test]
fn suppressions_are_kept_marked_and_do_not_fail() {
    let dir = fixtures().join("projects/suppress");
    let report = analyze_json(&dir, &[]);
    insta::assert_snapshot!("suppressions", finding_lines(&report));
    assert_eq!(report["summary"]["suppressed"], 3);
    assert_eq!(report["summary"]["by_rule"]["too-many-parameters"], 1);
    // The one unsuppressed finding is low: failing on low exits 1, on medium 0.
    wtfcb(&dir)
        .args(["analyze", "--fail-on", "low"])
        .assert()
        .code(1);
    wtfcb(&dir)
        .args(["analyze", "--fail-on", "medium"])
        .assert()
        .code(0);
}

#[test]
fn exit_codes_follow_fail_on() {
    let p = Project::new();
    p.write("broken.py", "def f(:\n    pass\n");
    p.cmd()
        .args(["analyze"])
        .assert()
        .code(1)
        .stdout(contains("syntax-error"));
    p.cmd()
        .args(["analyze", "--fail-on", "critical"])
        .assert()
        .code(0);
    p.cmd()
        .args(["analyze", "--fail-on", "never"])
        .assert()
        .code(0);
    p.cmd()
        .args(["analyze", "--ignore", "syntax-error"])
        .assert()
        .code(0);
    p.cmd()
        .args(["analyze", "--fail-on", "sometimes"])
        .assert()
        .code(2);
    p.cmd()
        .args(["analyze", "--select", "no-such-rule"])
        .assert()
        .code(2)
        .stderr(contains("no-such-rule"));
    p.cmd().args(["analyze", "missing-dir"]).assert().code(2);
    let clean = Project::new();
    clean.write("ok.py", "def f(x):\n    return x\n");
    clean
        .cmd()
        .args(["analyze"])
        .assert()
        .code(0)
        .stdout(contains("0 findings"));
}

#[test]
fn min_severity_hides_but_fail_on_still_counts() {
    let dir = fixtures().join("rules");
    let report = analyze_json(&dir, &["--min-severity", "high", "."]);
    let lines = finding_lines(&report);
    assert!(
        lines
            .lines()
            .all(|l| l.contains(" high ") || l.contains(" critical ")),
        "{lines}"
    );
    assert!(report["summary"]["by_severity"]["info"].as_u64().unwrap() > 0);
}

#[test]
fn select_by_category() {
    let dir = fixtures().join("rules");
    let report = analyze_json(&dir, &["--select", "size", "."]);
    let rules: std::collections::BTreeSet<String> = report["summary"]["by_rule"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        ["large-file", "long-function"]
    );
}

#[test]
fn parallel_analyze_equals_sequential() {
    let run = |j: &str| {
        wtfcb(&fixtures())
            .args([
                "analyze",
                "--format",
                "json",
                "--fail-on",
                "never",
                "--no-cache",
                "-j",
                j,
                ".",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let one = results_part(&run("1"));
    assert_eq!(one, results_part(&run("2")));
    assert_eq!(one, results_part(&run("3")));
}

#[test]
fn fingerprints_survive_moving_code_down() {
    let p = Project::new();
    let body = "def f(a, b, c, d, e, g):\n    return a\n";
    p.write("m.py", body);
    let before = analyze_json(p.path(), &[]);
    p.write("m.py", format!("import os\n\n\n{body}"));
    let after = analyze_json(p.path(), &[]);
    let fp = |r: &Value| r["files"][0]["findings"][0]["fingerprint"].clone();
    assert_eq!(before["files"][0]["findings"][0]["start_line"], 1);
    assert_eq!(after["files"][0]["findings"][0]["start_line"], 4);
    assert_eq!(fp(&before), fp(&after));
}

#[test]
fn rules_lists_and_documents() {
    let out = wtfcb(&fixtures()).args(["rules"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let table: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        table.len(),
        1 + wtfcb::rules::registry().len(),
        "header + one line per rule"
    );
    assert!(text.contains("unwrap-call"), "{text}");
    // Fits a 100-column terminal.
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    // A category lists its rules; JSON has every rule with its config key.
    let out = wtfcb(&fixtures())
        .args(["rules", "security"])
        .assert()
        .success();
    let security = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(security.contains("eval-exec") && !security.contains("unwrap-call"));
    let out = wtfcb(&fixtures())
        .args(["rules", "--format", "json"])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        json.as_array().unwrap().len(),
        wtfcb::rules::registry().len()
    );
    assert_eq!(
        json[0]["config_key"],
        format!("rules.{}", json[0]["id"].as_str().unwrap())
    );
    wtfcb(&fixtures())
        .args(["rules", "complex-function"])
        .assert()
        .success()
        .stdout(contains("Fix:"))
        .stdout(contains("medium > 10, high > 20"))
        .stdout(contains("[rules.complex-function]"))
        .stdout(contains("wtfcb: ignore[complex-function]"));
    wtfcb(&fixtures())
        .args(["rules", "unwrap-call"])
        .assert()
        .success()
        .stdout(contains("Skips test code."));
    wtfcb(&fixtures()).args(["rules", "nope"]).assert().code(2);
}

// Issue 9: suppressed findings are counted but not listed unless asked for, the last line says
// why the exit code is what it is, blocking findings are marked, and hidden severities are
// counted.
#[test]
fn the_text_report_says_why_it_passed_or_failed() {
    let dir = fixtures().join("projects/suppress");
    let out = wtfcb(&dir).args(["analyze"]).assert().code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(!text.contains("(suppressed)"), "{text}");
    assert!(
        text.contains("3 suppressed (--show-suppressed lists them)"),
        "{text}"
    );
    assert!(
        text.ends_with("passed: no finding at or above high (fail-on)\n"),
        "{text}"
    );

    let out = wtfcb(&dir)
        .args(["analyze", "--show-suppressed", "--fail-on", "low"])
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(text.matches("(suppressed)").count(), 3, "{text}");
    let blocking: Vec<&str> = text.lines().filter(|l| l.starts_with('✖')).collect();
    assert_eq!(blocking.len(), 1, "{text}");
    assert!(blocking[0].contains("too-many-parameters"));
    assert!(text.ends_with("FAILED: 1 finding(s) at or above low (fail-on), marked ✖\n"));

    let out = wtfcb(&dir)
        .args(["analyze", "--min-severity", "medium", "--fail-on", "never"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("0 findings"), "{text}");
    assert!(
        text.contains("1 below --min-severity medium hidden"),
        "{text}"
    );
    assert!(text.ends_with("passed: --fail-on never\n"));
}

// The most complex functions are listed for whole trees, not for a handful of files, and never
// a function whose complexity finding is suppressed.
#[test]
fn hotspots_are_for_whole_trees_and_skip_suppressed_functions() {
    let p = Project::new();
    let branchy = |name: &str| {
        let mut body = format!("def {name}(x):\n");
        for i in 0..25 {
            body.push_str(&format!("    if x == {i}:\n        return {i}\n"));
        }
        body
    };
    p.write("a.py", branchy("loud"));
    p.write(
        "b.py",
        format!(
            "# wtfcb: ignore[complex-function, cognitive-complexity]\n{}",
            branchy("quiet")
        ),
    );
    let few = p.cmd().args(["analyze", "--fail-on", "never"]).assert();
    let text = String::from_utf8_lossy(&few.get_output().stdout).to_string();
    assert!(!text.contains("most complex functions"), "{text}");
    for i in 0..10 {
        p.write(&format!("m{i}.py"), "x = 1\n");
    }
    let many = p.cmd().args(["analyze", "--fail-on", "never"]).assert();
    let text = String::from_utf8_lossy(&many.get_output().stdout).to_string();
    assert!(text.contains("most complex functions"), "{text}");
    let hotspots = &text[text.find("most complex functions").unwrap()..];
    assert!(hotspots.contains("a.py:1 loud"), "{text}");
    assert!(!hotspots.contains("quiet"), "{text}");
    // JSON keeps the complete list for tools.
    let r = analyze_json(p.path(), &[]);
    assert!(r["summary"]["most_complex"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["function"] != "quiet"));
}

// `| grep eval-exec` lost the path: `--format concise` puts it on every line.
#[test]
fn concise_format_is_one_finding_per_line_with_its_path() {
    let dir = fixtures().join("projects/suppress");
    let out = wtfcb(&dir)
        .args([
            "analyze",
            "--format",
            "concise",
            "--show-suppressed",
            "--fail-on",
            "low",
        ])
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("app.py:")).collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines
        .contains(&"app.py:14:5: low too-many-parameters `build` takes 6 parameters (limit 5) ✖"));
    assert_eq!(
        lines.iter().filter(|l| l.ends_with("(suppressed)")).count(),
        3
    );
    // `grouped` is today's layout under its own name.
    let grouped = wtfcb(&dir)
        .args(["analyze", "--format", "grouped"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&grouped.get_output().stdout).starts_with("app.py\n"));
}

// No colour at all before (NO_COLOR and CLICOLOR_FORCE had nothing to act on); never escape
// codes in a pipe by default.
#[test]
fn colour_follows_the_flag_and_the_conventions() {
    let dir = fixtures().join("projects/suppress");
    let esc = |args: &[&str], env: &[(&str, &str)]| -> bool {
        let mut cmd = wtfcb(&dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.arg("analyze").args(args).assert().success();
        out.get_output().stdout.contains(&0x1b)
    };
    assert!(!esc(&[], &[]), "a pipe gets no colour by default");
    assert!(esc(&["--color", "always"], &[]));
    assert!(!esc(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    assert!(esc(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(esc(&[], &[("FORCE_COLOR", "1")]));
    assert!(!esc(&[], &[("NO_COLOR", "1")]));
    // JSON never carries styles.
    assert!(!esc(&["--color", "always", "--format", "json"], &[]));
    // Without colour the report is written plain, not styled and then filtered: the same text.
    let text = |args: &[&str]| {
        let out = wtfcb(&dir).arg("analyze").args(args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let styled = text(&["--color", "always"]);
    let mut stripped = String::new();
    let mut rest = styled.as_str();
    while let Some(at) = rest.find('\u{1b}') {
        stripped.push_str(&rest[..at]);
        let end = rest[at..].find('m').expect("an SGR sequence ends with m");
        rest = &rest[at + end + 1..];
    }
    stripped.push_str(rest);
    let timing = |t: &str| {
        t.lines()
            .filter(|l| !l.contains(" ms"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(timing(&text(&[])), timing(&stripped));
}

#[test]
fn completions_and_the_man_page_are_generated() {
    let p = Project::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = p.cmd().args(["completions", shell]).assert().success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(
            text.contains("analyze") && text.contains("--fail-on"),
            "{shell}"
        );
    }
    p.cmd().args(["completions", "tcsh"]).assert().code(2);
    let out = p.cmd().arg("man").assert().success();
    let roff = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(roff.contains(".TH wtfcb 1"), "{roff}");
    assert!(roff.contains("analyze"));
}

#[test]
fn statistics_and_show_files() {
    let dir = fixtures().join("projects/suppress");
    let out = wtfcb(&dir)
        .args(["analyze", "--statistics", "--fail-on", "low"])
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.starts_with("      1  too-many-parameters"), "{text}");
    assert!(text.ends_with("FAILED: 1 finding(s) at or above low (fail-on)\n"));
    let out = wtfcb(&dir)
        .args(["analyze", "--show-files"])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "app.py\n"
    );
}

// The progress bar is for terminals only: never in a pipe or a log.
#[test]
fn no_progress_bar_in_a_pipe() {
    let out = wtfcb(&fixtures().join("rules"))
        .args(["analyze", "--fail-on", "never", "-j", "1"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(!stderr.contains("ETA") && !stderr.contains('█'), "{stderr}");
}

// Issue 9: a function finding pointed at column 1 of the function's first line; it points at
// the name, and a suppression above the function's first line (its return type) still reaches.
#[test]
fn function_findings_point_at_the_name() {
    let p = Project::new();
    p.write(
        "m.c",
        "// wtfcb: ignore[too-many-parameters] -- a C callback signature\nstatic int\n  wide(int a, int b, int c, int d, int e, int f) { return a; }\n\nstatic int\n  open(int a, int b, int c, int d, int e, int f) { return a; }\n",
    );
    p.write(
        "a.py",
        "class K:\n    @staticmethod\n    def wide(a, b, c, d, e, f):\n        pass\n",
    );
    let report = analyze_json(p.path(), &["--select", "too-many-parameters"]);
    let at = |path: &str| -> Vec<(u64, u64, bool)> {
        crate::support::file(&report, path)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["start_line"].as_u64().unwrap(),
                    f["start_column"].as_u64().unwrap(),
                    f["suppressed"] == true,
                )
            })
            .collect()
    };
    assert_eq!(at("m.c"), vec![(3, 3, true), (6, 3, false)]);
    assert_eq!(at("a.py"), vec![(3, 9, false)]);
}

// A suppression above a function's decorators, attributes (doc comments among them) or template
// header reaches its findings, as one above a class's decorators or attributes reaches the
// class's: they belong to it, though the function starts at `def`/`fn` (Python's decorators
// wrap the definition, Rust's attributes and TypeScript's member decorators are siblings before
// it), with comments and blank lines among them. One above another item before it does not.
#[test]
fn suppressions_above_decorators_attributes_and_templates_reach_the_function() {
    let p = Project::new();
    let wide = "(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8) {}";
    p.write(
        "r.rs",
        format!(
            "// wtfcb: ignore[too-many-parameters] -- a\n/// Documented.\n#[inline]\n#[cfg(all(\n    unix,\n    test\n))]\nfn one{wide}\n\n\
             // wtfcb: ignore[too-many-parameters] -- b\n#[derive(Debug)]\nstruct S;\nfn two{wide}\n\n\
             // wtfcb: ignore[too-many-parameters] -- c\n#[inline]\n\n// a remark\n#[cold]\nfn three{wide}\n\n\
             // wtfcb: ignore[god-class] -- d\n#[derive(Debug)]\nstruct T {{ x: u8 }}\nimpl T {{\n    fn m(&self) {{}}\n}}\n\n\
             // wtfcb: ignore[god-class] -- e\n/// Documented.\n#[cfg(test)]\nimpl S {{\n    fn m(&self) {{}}\n}}\n"
        ),
    );
    p.write(
        "p.py",
        "# wtfcb: ignore[too-many-parameters] -- a\n@decorator\n@other(1,\n       2)\ndef one(a, b, c, d, e, f):\n    pass\n\n\n\
         # wtfcb: ignore[god-class] -- b\n@dataclass\nclass K:\n    @staticmethod\n    def two(a, b, c, d, e, f):\n        pass\n",
    );
    p.write(
        "t.cc",
        "// wtfcb: ignore[too-many-parameters] -- a\ntemplate <typename T>\ntemplate <typename U>\nU A<T>::one(U a, U b, U c, U d, U e, U f) { return a; }\n",
    );
    p.write(
        "k.ts",
        "// wtfcb: ignore[god-class] -- a\n@Component({\n  selector: \"x\",\n})\nexport class K {\n  // wtfcb: ignore[too-many-parameters] -- b\n  @log\n  @other()\n  wide(a: number, b: number, c: number, d: number, e: number, f: number) {}\n}\n",
    );
    p.write(
        "wtfcb.toml",
        "[rules.god-class]\nthresholds = { methods = 0 }\n",
    );
    let report = analyze_json(p.path(), &["--select", "too-many-parameters,god-class"]);
    let at = |path: &str| -> Vec<(String, u64, bool)> {
        crate::support::file(&report, path)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["start_line"].as_u64().unwrap(),
                    f["suppressed"] == true,
                )
            })
            .collect()
    };
    let t = |rule: &str, line: u64, suppressed: bool| (rule.to_string(), line, suppressed);
    let params = "too-many-parameters";
    assert_eq!(
        at("r.rs"),
        vec![
            t(params, 8, true),
            t(params, 13, false),
            t(params, 20, true),
            t("god-class", 25, false),
            t("god-class", 32, true),
        ]
    );
    assert_eq!(
        at("p.py"),
        vec![
            t(params, 5, true),
            t("god-class", 11, true),
            t(params, 13, false)
        ]
    );
    assert_eq!(at("t.cc"), vec![t(params, 4, true)]);
    assert_eq!(
        at("k.ts"),
        vec![t("god-class", 5, true), t(params, 9, true)]
    );
}

// Issue 9: `unused-suppression` (off by default) reports a comment, or a rule id in one, that
// silences nothing, never one that does; a blanket ignore never silences the report about itself.
#[test]
fn unused_suppressions_are_reported_only_when_asked_and_only_when_idle() {
    let p = Project::new();
    p.write(
        "a.py",
        "try:\n    pass\nexcept:  # wtfcb: ignore[bare-except, print-call]\n    pass\n\n# wtfcb: ignore\nx = 1\neval(x)  # wtfcb: ignore\n",
    );
    let lines = |args: &[&str]| -> Vec<String> {
        let report = analyze_json(p.path(), args);
        crate::support::file(&report, "a.py")["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "unused-suppression" && f["suppressed"] != true)
            .map(|f| {
                format!(
                    "{}:{} {}",
                    f["start_line"],
                    f["start_column"],
                    f["message"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert!(lines(&[]).is_empty(), "off by default");
    assert_eq!(
        lines(&["--extend-select", "unused-suppression"]),
        vec![
            "3:12 `wtfcb: ignore` silences no finding of `print-call`".to_string(),
            "6:3 `wtfcb: ignore` silences no finding".to_string(),
        ]
    );
    // A file-wide ignore of the rule silences its findings.
    p.write(
        "a.py",
        "# wtfcb: ignore-file[unused-suppression]\n# wtfcb: ignore\nx = 1\n",
    );
    assert!(lines(&["--extend-select", "unused-suppression"]).is_empty());
}

// tokio wraps functions in `cfg_rt! { ... }`: they are functions, found and measured, with
// their findings; a body that is no Rust (`quote!`) is counted, per file, and said on stderr.
#[test]
fn rust_macro_bodies_are_read_and_the_unread_ones_said() {
    let p = Project::new();
    p.write(
        "src/lib.rs",
        "cfg_rt! {\n    pub fn spawn(x: Option<u32>) -> u32 {\n        x.unwrap()\n    }\n}\nquote! { fn #name() {} }\n",
    );
    let out = p
        .cmd()
        .args(["analyze", "--format", "json", "--fail-on", "never"])
        .assert()
        .success()
        .stderr(contains("1 Rust macro body in 1 file(s) not read as code"));
    let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let file = &r["files"][0];
    assert_eq!(file["functions"][0]["name"], "spawn");
    assert_eq!(file["unread"]["macro_bodies"], 1);
    assert_eq!(file["unread"]["first_line"], 6);
    assert_eq!(r["summary"]["unread_macro_bodies"], 1);
    let rules: Vec<_> = file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"unwrap-call"), "{rules:?}");
    p.cmd()
        .args(["analyze", "-v", "--fail-on", "never"])
        .assert()
        .success()
        .stderr(contains("not read: src/lib.rs:6: 1 macro body (1 line)"));
    p.cmd()
        .args(["analyze", "-q", "--fail-on", "never"])
        .assert()
        .success()
        .stderr("");
}
