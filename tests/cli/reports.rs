//! Reports for CI and for people: every format from one run, SARIF against the official
//! schema and GitHub's limits, escaping of hostile names, determinism, and the HTML report in a
//! real headless browser.

use std::path::Path;

use serde_json::Value;

use crate::support::Project;

/// A project with findings of several severities, a suppressed one, and names that attack
/// every format: HTML and script tags, a table pipe, a CSV formula, C++'s `operator<`, a
/// workflow-command separator, non-ASCII text before a finding (UTF-16 columns).
pub(crate) fn hostile() -> Project {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("</script><script>alert(1)</script>.py", "eval('x')\n");
    p.write(
        "<img src=x onerror=alert(1)>.js",
        "function f(a) { return eval(a); }\n",
    );
    p.write(
        "ops.cpp",
        "struct V { int x; };\nbool operator<(V a, V b) {\n  char buf[8];\n  strcpy(buf, \"x\");\n  return a.x < b.x;\n}\n",
    );
    p.write(
        "pipe|and,colon:=SUM(1).py",
        "é = 1; eval('ü')  # wtfcb: ignore[eval-exec]\n\n\neval('2')\n",
    );
    let mut branchy = String::from("def branchy(x):\n");
    for i in 0..22 {
        branchy.push_str(&format!("    if x == {i}:\n        return {i}\n"));
    }
    p.write("src/complex.py", branchy);
    p
}

fn run(p: &Project, args: &[&str]) -> (Vec<u8>, i32) {
    let out = p
        .cmd()
        .args(["analyze", "--no-cache", "--fail-on", "never"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, out.status.code().unwrap())
}

/// The official SARIF 2.1.0 schema, from `../shared/schemas` beside the repository: CI has
/// it (its absence there is a failure); a clone with nothing beside it skips the validation,
/// saying so, and still runs every other check.
fn sarif_schema() -> Option<Value> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/sarif-schema-2.1.0.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "the official SARIF schema is missing in CI: {}: {e}",
                path.display()
            );
            eprintln!("SKIPPED: schema validation ({} not found)", path.display());
            None
        }
    }
}

#[test]
fn sarif_validates_and_meets_githubs_requirements() {
    let p = hostile();
    let (stdout, _) = run(&p, &["--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&stdout).unwrap();
    if let Some(schema) = sarif_schema() {
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // GitHub rejects empty strings anywhere in an upload.
    fn no_empty_strings(v: &Value, at: &str) {
        match v {
            Value::String(s) => assert!(!s.is_empty(), "empty string at {at}"),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| no_empty_strings(x, &format!("{at}/{i}"))),
            Value::Object(o) => o
                .iter()
                .for_each(|(k, x)| no_empty_strings(x, &format!("{at}/{k}"))),
            _ => {}
        }
    }
    no_empty_strings(&sarif, "");
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "wtfcb");
    assert!(driver["semanticVersion"].is_string() && driver["informationUri"].is_string());
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), wtfcb::rules::registry().len());
    for rule in rules {
        for key in ["shortDescription", "fullDescription"] {
            let text = rule[key]["text"].as_str().unwrap();
            assert!(!text.is_empty() && text.len() <= 1024, "{rule}");
        }
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
        assert!(!rule["help"]["markdown"].as_str().unwrap().is_empty());
        assert!(rule["properties"]["tags"].as_array().unwrap().len() <= 10);
    }
    assert_eq!(run["automationDetails"]["id"], "wtfcb/");
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let rule_index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[rule_index]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains("://") && !uri.contains('<'),
            "{uri}"
        );
        assert!(r["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap()
            .contains(':'));
        assert!(r["partialFingerprints"]["wtfcb/v1"].is_string());
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
    }
    // The suppressed eval is a result with an in-source suppression; the high complexity an
    // error; the non-ASCII line's column is counted in UTF-16 units.
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        suppressed[0]["locations"][0]["physicalLocation"]["region"]["startColumn"],
        8
    );
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "complex-function" && r["level"] == "error"));
    // Only security rules carry a security-severity.
    for rule in rules {
        let security = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "security");
        assert_eq!(
            rule["properties"].get("security-severity").is_some(),
            security,
            "{}",
            rule["id"]
        );
    }
}

#[test]
fn every_format_escapes_hostile_names() {
    let p = hostile();
    for format in [
        "text", "concise", "markdown", "html", "github", "csv", "gitlab", "jsonl",
    ] {
        let (stdout, _) = run(&p, &["--format", format]);
        let text = String::from_utf8(stdout).unwrap();
        match format {
            "html" => {
                assert!(!text.contains("<img src=x"), "{format}");
                assert!(!text.contains("<script>alert"), "{format}");
                assert!(
                    text.contains("&lt;img src=x onerror=alert(1)&gt;.js"),
                    "{format}"
                );
                assert_eq!(
                    text.matches("<script").count(),
                    2,
                    "the data block and the one script"
                );
            }
            "markdown" => {
                assert!(
                    !text.contains("<img src=x") && !text.contains("<script>"),
                    "{format}"
                );
                // In the HTML summary line the name is HTML-escaped text; in tables, `|` is escaped.
                assert!(
                    text.contains("<code>pipe&#124;and,colon:=SUM(1).py</code>"),
                    "{text}"
                );
                assert!(
                    text.contains("&lt;img src=x onerror=alert(1)&gt;.js"),
                    "{text}"
                );
            }
            "github" => {
                assert!(
                    text.contains("file=pipe|and%2Ccolon%3A=SUM(1).py"),
                    "{text}"
                );
            }
            "csv" => {
                // Quoted by RFC 4180 where needed; the path is data, not a formula.
                assert!(text.contains("\"pipe|and,colon:=SUM(1).py\""), "{text}");
                let mut reader = csv::Reader::from_reader(text.as_bytes());
                let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
                assert!(rows.iter().all(|r| r.len() == 13));
            }
            "gitlab" | "jsonl" => {
                for line in text
                    .lines()
                    .filter(|l| format == "jsonl" || l.starts_with('['))
                {
                    let _: Value =
                        serde_json::from_str(if format == "jsonl" { line } else { &text }).unwrap();
                }
            }
            _ => assert!(!text.contains('\u{1b}'), "no escape codes in a pipe"),
        }
    }
}

#[test]
fn reports_from_one_run_are_written_atomically_and_match_stdout() {
    let p = hostile();
    let out = p.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let (stdout, _) = run(
        &p,
        &[
            "--format",
            "json",
            "--report",
            &format!("sarif:{}", out.join("r.sarif").display()),
            "-o",
            &out.join("r.html").display().to_string(),
            "-o",
            &out.join("r.md").display().to_string(),
            "-o",
            &out.join("gl.gitlab.json").display().to_string(),
            "-o",
            &out.join("f.functions.csv").display().to_string(),
        ],
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "f.functions.csv",
            "gl.gitlab.json",
            "r.html",
            "r.md",
            "r.sarif"
        ],
        "no temporary files left"
    );
    let (sarif, _) = run(&p, &["--format", "sarif"]);
    assert_eq!(std::fs::read(out.join("r.sarif")).unwrap(), sarif);
    let json: Value = serde_json::from_slice(&stdout).unwrap();
    let gitlab: Value =
        serde_json::from_slice(&std::fs::read(out.join("gl.gitlab.json")).unwrap()).unwrap();
    let unsuppressed = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap())
        .filter(|f| f["suppressed"] != true)
        .count();
    assert_eq!(gitlab.as_array().unwrap().len(), unsuppressed);
    let fingerprints: std::collections::HashSet<&str> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(
        fingerprints.len(),
        unsuppressed,
        "GitLab needs a unique fingerprint per finding"
    );
    // A format the name does not tell is an error, before anything runs.
    p.cmd()
        .args(["analyze", "-o", "report.xyz"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot tell the format"));
}

#[test]
fn every_format_is_the_same_at_any_thread_count_and_from_the_cache() {
    let p = hostile();
    for format in wtfcb::report::formats::names() {
        let once = |args: &[&str]| {
            let out = p
                .cmd()
                .args(["analyze", "--fail-on", "never", "--format", format])
                .args(args)
                .output()
                .unwrap();
            out.stdout
        };
        let base = once(&["--no-cache", "-j1"]);
        if format == "json" {
            continue; // its `run` section holds timings; the JSON tests compare `results_part`
        }
        assert_eq!(base, once(&["--no-cache", "-j2"]), "{format}: -j1 vs -j2");
        let cold = once(&["-j2"]);
        let warm = once(&["-j2"]);
        assert_eq!(base, cold, "{format}: cold cache");
        assert_eq!(base, warm, "{format}: warm cache");
    }
}

/// Every format on one fixture project, with the version and the page's style and script
/// (tested in the browser test) left out.
#[test]
fn every_format_snapshot() {
    let dir = crate::support::fixtures().join("projects/reports");
    for format in wtfcb::report::formats::names() {
        if format == "json" {
            continue; // covered by the JSON tests, with its timings
        }
        let out = crate::support::wtfcb(&dir)
            .args(["analyze", "--fail-on", "never", "--format", format])
            .output()
            .unwrap();
        let mut text = String::from_utf8(out.stdout)
            .unwrap()
            .replace(env!("CARGO_PKG_VERSION"), "[version]");
        if format == "html" {
            for (open, close) in [
                ("<style>", "</style>"),
                ("<script>", "</script>"),
                ("script-src 'sha256-", "'"),
            ] {
                if let (Some(a), Some(b)) = (text.find(open), text.rfind(close)) {
                    let b = text[a + open.len()..]
                        .find(close)
                        .map_or(b, |i| a + open.len() + i);
                    text.replace_range(a + open.len()..b, "[redacted]");
                }
            }
            text = text.replace("><", ">\n<");
        }
        insta::assert_snapshot!(format!("format_{format}"), text);
    }
}

// GitHub accepts at most 25,000 results per upload: a project with 40,000 findings keeps the
// 25,000 most severe, says so, and stays valid.
#[test]
fn sarif_keeps_the_most_severe_results_within_githubs_limits() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    // 400 files × (50 high evals + 50 low `var`s) in JavaScript.
    let mut body = String::new();
    for i in 0..50 {
        body.push_str(&format!("var v{i} = eval('{i}');\n"));
    }
    for i in 0..400 {
        p.write(&format!("m{i:03}.js"), &body);
    }
    let out = p
        .cmd()
        .args([
            "analyze",
            "--no-cache",
            "--fail-on",
            "never",
            "--select",
            "eval-exec,var-declaration",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kept the 25000 most severe of 40000 results"),
        "{stderr}"
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 25_000);
    assert_eq!(run["properties"]["wtfcb/dropped"], 15_000);
    // All 20,000 errors are kept; the notes fill the rest.
    assert_eq!(
        results.iter().filter(|r| r["level"] == "error").count(),
        20_000
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &out.stdout).unwrap();
    assert!(gz.finish().unwrap().len() <= 10 << 20);
    if let Some(schema) = sarif_schema() {
        let validator = jsonschema::validator_for(&schema).unwrap();
        assert!(validator.is_valid(&sarif));
    }
}

// Issue 27: a name with line breaks ended the `<details>` HTML block of the markdown report,
// and a pull-request comment then rendered the rest of the name as a heading, a link and a
// mention.
#[test]
fn markdown_keeps_a_name_with_line_breaks_inside_its_code_element() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    let name =
        "a\n\n# All checks passed, merge away\n\n[Approve](https:evil.example) @octocat\n\nx.py";
    p.write(name, "eval('x')\n");
    let (stdout, _) = run(&p, &["--format", "markdown"]);
    let text = String::from_utf8(stdout).unwrap();
    assert!(
        text.contains("<code>a\\n\\n# All checks passed, merge away\\n\\n[Approve](https:evil.example) @octocat\\n\\nx.py</code>"),
        "{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("# All checks")),
        "{text}"
    );
}

// Issue 28: cross-file findings (clone groups, import cycles) carried no
// `primaryLocationLineHash`, so GitHub computed one from the line alone and merged the alerts
// of two clone groups that start on equal lines.
#[test]
fn sarif_gives_every_cross_file_result_its_own_line_hash() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    let body = |k: &str| {
        let mut s = String::from("import b\n\n");
        s.push_str(&format!("def f_{k}(items):\n"));
        for i in 0..12 {
            s.push_str(&format!(
                "    if items[{i}] > {i}:\n        items.append({i} * 2)\n"
            ));
        }
        s.push_str("    return items\n");
        s
    };
    // Two clone groups (a/c and d/e) whose copies start on equal lines, and a cycle a <-> b.
    p.write("a.py", body("x"));
    p.write("c.py", body("y"));
    p.write("b.py", "import a\n");
    let other = body("z")
        .replace("> ", ">= ")
        .replace("import b", "import os");
    p.write("d.py", &other);
    p.write("e.py", other.replace("f_z", "g_z"));
    let out = p
        .cmd()
        .args([
            "analyze",
            "--no-cache",
            "--fail-on",
            "never",
            "--format",
            "sarif",
        ])
        .args(["--select", "duplicate-code,import-cycle"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["duplicate-code", "import-cycle"].into_iter().collect(),
        "{results:#?}"
    );
    let hashes: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
        })
        .collect();
    let distinct: std::collections::BTreeSet<&str> = hashes.iter().copied().collect();
    assert_eq!(distinct.len(), hashes.len(), "{hashes:?}");
    assert!(hashes.iter().all(|h| h.contains(':')), "{hashes:?}");
}
