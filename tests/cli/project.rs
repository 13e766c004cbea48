//! The project phase through the CLI: duplicate code and import cycles found across files,
//! reported once with their other places (JSON, SARIF), suppressed and baselined like any
//! finding, and recomputed from cached facts so that warm runs after edits equal cold ones.

use std::path::Path;

use serde_json::Value;

use crate::support::{results_part, Project, HANDLER};

/// The handler with other names and messages: a Type-2 copy.
fn renamed() -> String {
    HANDLER
        .replace("create_user", "create_team")
        .replace("request", "req")
        .replace("user", "team")
        .replace("name is", "title is")
}

/// A project with a clone across two files (a third file holds a near miss), a cycle
/// app → models → views → app, and a git root.
fn project() -> Project {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("pkg/__init__.py", "");
    p.write("pkg/users.py", format!("import os\n\n\n{HANDLER}"));
    p.write("pkg/teams.py", renamed());
    let near = HANDLER
        .replace("!=", "==")
        .replace("405,", "405 + 1,")
        .replace("> 100", "< 100")
        .replace("store.new(", "store.new(-");
    p.write("pkg/near.py", near);
    p.write_cycle();
    p
}

fn analyze(dir: &Path, args: &[&str]) -> (Vec<u8>, Value) {
    let out = crate::support::wtfcb(dir)
        .args(["analyze", "--format", "json", "--fail-on", "never"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = serde_json::from_slice(&out.stdout).unwrap();
    (out.stdout, json)
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().into_iter().flatten())
        .filter(|x| x["rule"] == rule)
        .collect()
}

fn places(finding: &Value) -> Vec<String> {
    let mut out = vec![format!(
        "{}:{}",
        finding["path"].as_str().unwrap(),
        finding["start_line"]
    )];
    for r in finding["related"].as_array().into_iter().flatten() {
        out.push(format!(
            "{}:{}",
            r["path"].as_str().unwrap(),
            r["start_line"]
        ));
    }
    out
}

#[test]
fn a_clone_across_files_is_one_finding_with_its_other_copy() {
    let p = project();
    let (_, report) = analyze(p.path(), &["--no-cache"]);
    let clones = findings(&report, "duplicate-code");
    assert_eq!(clones.len(), 1, "{clones:#?}");
    // The first place by path is the one reported; the near miss (other operators) is none.
    assert_eq!(places(clones[0]), ["pkg/teams.py:1", "pkg/users.py:4"]);
    assert_eq!(clones[0]["category"], "duplication");
    assert_eq!(clones[0]["value"], 11, "the copy's lines");
    let summary = &report["summary"]["duplication"];
    assert_eq!(summary["groups"], 1);
    assert_eq!(summary["duplicated_lines"], 22);
    let users = crate::support::file(&report, "pkg/users.py");
    assert_eq!(users["metrics"]["duplicated_lines"], 11);
    // `--duplicates exact`: the renamed copy is no Type-1 clone.
    let (_, exact) = analyze(p.path(), &["--no-cache", "--duplicates", "exact"]);
    assert!(findings(&exact, "duplicate-code").is_empty());
    assert_eq!(exact["summary"]["duplication"]["mode"], "exact");
}

#[test]
fn an_import_cycle_is_reported_once_with_its_witness() {
    let p = project();
    let (_, report) = analyze(p.path(), &["--no-cache"]);
    let cycles = findings(&report, "import-cycle");
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    assert_eq!(
        places(cycles[0]),
        ["pkg/app.py:1", "pkg/models.py:1", "pkg/views.py:1"]
    );
    let message = cycles[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("import cycle: pkg/app.py → pkg/models.py → pkg/views.py → pkg/app.py"),
        "{message}"
    );
    let imports = &report["summary"]["imports"];
    assert_eq!(imports["cycles"], 1);
    let models = crate::support::file(&report, "pkg/models.py");
    assert_eq!(models["metrics"]["fan_in"], 1);
    assert_eq!(models["metrics"]["fan_out"], 1);
}

#[test]
fn project_findings_are_suppressed_and_baselined_like_any_other() {
    let p = project();
    p.write(
        "pkg/teams.py",
        format!(
            "# wtfcb: ignore[duplicate-code] -- kept apart on purpose\n{}",
            renamed()
        ),
    );
    p.write("pkg/app.py", "from . import models  # wtfcb: ignore[import-cycle]\n\n\ndef run():\n    return models.X\n");
    let (_, report) = analyze(p.path(), &["--no-cache"]);
    // The clone's first place moved one line down, under the comment.
    let clones = findings(&report, "duplicate-code");
    assert_eq!(clones.len(), 1);
    assert_eq!(clones[0]["suppressed"], true);
    assert_eq!(findings(&report, "import-cycle")[0]["suppressed"], true);
    assert_eq!(report["summary"]["suppressed"], 2);

    // A baseline accepts both, and keeps accepting the clone when its first copy is renamed
    // (the finding then stands at the other copy).
    let p = project();
    p.cmd()
        .args(["baseline", "write", "--no-cache"])
        .assert()
        .success();
    std::fs::rename(
        p.path().join("pkg/teams.py"),
        p.path().join("pkg/zteams.py"),
    )
    .unwrap();
    let (_, report) = analyze(
        p.path(),
        &["--no-cache", "--baseline", "wtfcb-baseline.json"],
    );
    let clones = findings(&report, "duplicate-code");
    assert_eq!(places(clones[0])[0], "pkg/users.py:4");
    assert_eq!(clones[0]["baselined"], true);
    assert_eq!(findings(&report, "import-cycle")[0]["baselined"], true);
}

#[test]
fn sarif_carries_the_other_places_as_related_locations() {
    let p = project();
    let out = p
        .cmd()
        .args([
            "analyze",
            "--no-cache",
            "--format",
            "sarif",
            "--fail-on",
            "never",
            ".",
        ])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let clone = results
        .iter()
        .find(|r| r["ruleId"] == "duplicate-code")
        .expect("a duplicate-code result");
    let related = clone["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(
        related[0]["physicalLocation"]["artifactLocation"]["uri"],
        "pkg/users.py"
    );
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 4);
    assert_eq!(related[0]["message"]["text"], "copy 2 of 2");
}

/// After each edit, a warm run (cache from the runs before) equals a cold one, byte for byte,
/// and only the edited files are parsed again.
#[test]
fn warm_runs_after_edits_equal_cold_runs() {
    let p = project();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap().to_string();
    let check = |step: &str, parsed: u64| {
        let (warm, report) = analyze(p.path(), &["--cache-dir", &cache_dir]);
        let (cold, _) = analyze(p.path(), &["--no-cache"]);
        assert_eq!(results_part(&warm), results_part(&cold), "after {step}");
        assert_eq!(
            report["run"]["cache"]["files_parsed"], parsed,
            "files parsed after {step}"
        );
        report
    };
    let reuse = |report: &Value| -> Vec<String> {
        report["run"]["cache"]["project"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let how = if r["reused"] == true {
                    "reused"
                } else {
                    "recomputed"
                };
                format!(
                    "{} {how}: {}",
                    r["phase"].as_str().unwrap(),
                    r["reason"].as_str().unwrap()
                )
            })
            .collect()
    };
    let first = check("the first run", 7);
    assert_eq!(findings(&first, "duplicate-code").len(), 1);
    assert_eq!(
        reuse(&first),
        [
            "duplicates recomputed: no saved result for this project",
            "import graph recomputed: no saved result for this project"
        ]
    );
    // Nothing changed: both phases are reused.
    let again = check("nothing changed", 0);
    assert_eq!(
        reuse(&again),
        [
            "duplicates reused: no clone tokens and no settings changed",
            "import graph reused: no imports, files or go.mod changed"
        ]
    );
    // A comment written on a blank line changes no token and moves none: both still reused.
    p.write(
        "pkg/users.py",
        format!("import os\n\n# A comment.\n{HANDLER}"),
    );
    let comment = check("a comment edit", 1);
    assert_eq!(reuse(&comment), reuse(&again));
    // Edit a function body in one copy: the clone is gone, and the other file's finding
    // (which pointed at it) with it, though that file was not parsed again.
    p.write(
        "pkg/teams.py",
        renamed()
            .replace("parse(req.body)", "parse(req.body, 1)")
            .replace("> 100", ">= 100"),
    );
    let report = check("breaking the clone", 1);
    assert!(findings(&report, "duplicate-code").is_empty());
    // The edit was inside a function body: the import graph is reused, the clones are not.
    assert_eq!(
        reuse(&report),
        [
            "duplicates recomputed: 1 changed (pkg/teams.py); 1 of 7 files fingerprinted, 1 of 1 shared hashes compared again, 0 of 0 groups built again, the rest reused",
            "import graph reused: no imports, files or go.mod changed"
        ]
    );
    // Create a clone in a new file.
    p.write("pkg/copy.py", HANDLER);
    let report = check("adding a copy", 1);
    assert_eq!(
        places(findings(&report, "duplicate-code")[0]),
        ["pkg/copy.py:1", "pkg/users.py:4"]
    );
    // Only the new file is resolved: no other file looked its path up.
    assert_eq!(
        reuse(&report)[1],
        "import graph recomputed: 1 new (pkg/copy.py); the imports of 1 file(s) were resolved again, the other 7 files' reused"
    );
    // Delete a file of the cycle: the cycle is gone.
    std::fs::remove_file(p.path().join("pkg/views.py")).unwrap();
    let report = check("deleting a file of the cycle", 0);
    assert!(findings(&report, "import-cycle").is_empty());
    // The files that imported it looked its path up: they are resolved again.
    assert_eq!(
        reuse(&report)[1],
        "import graph recomputed: 1 deleted (pkg/views.py); the imports of 1 file(s) were resolved again, the other 6 files' reused"
    );
    // An import edit closes a new cycle.
    p.write("pkg/models.py", "from . import app\n\nX = 1\n");
    let report = check("adding an import", 1);
    // The same files: only the edited one's imports are resolved again.
    assert_eq!(
        reuse(&report)[1],
        "import graph recomputed: 1 changed (pkg/models.py); the imports of 1 file(s) were resolved again, the other 6 files' reused"
    );
    assert_eq!(
        places(findings(&report, "import-cycle")[0]),
        ["pkg/app.py:1", "pkg/models.py:1"]
    );
    // Rename a file of the cycle.
    std::fs::rename(p.path().join("pkg/models.py"), p.path().join("pkg/data.py")).unwrap();
    p.write(
        "pkg/app.py",
        "from . import data\n\n\ndef run():\n    return data.X\n",
    );
    let report = check("renaming a file", 1);
    assert_eq!(
        places(findings(&report, "import-cycle")[0]),
        ["pkg/app.py:1", "pkg/data.py:1"]
    );
}

#[test]
fn graph_prints_dot_that_graphviz_renders_and_json_with_the_cycles() {
    let p = project();
    // A name that needs escaping in DOT.
    p.write("pkg/we\"ird.py", "from . import app\n");
    let out = p.cmd().args(["graph", "--no-cache", "."]).output().unwrap();
    assert!(out.status.success());
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(dot.starts_with("digraph imports {"), "{dot}");
    assert!(
        dot.contains("\"pkg/app.py\" -> \"pkg/models.py\" [label=\"1\", color=red];"),
        "{dot}"
    );
    assert!(
        dot.contains("\"pkg/we\\\"ird.py\" -> \"pkg/app.py\""),
        "{dot}"
    );
    // Graphviz reads it (CI installs it; a machine without it skips this part).
    if let Ok(mut child) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(dot.as_bytes())
            .unwrap();
        let svg = child.wait_with_output().unwrap();
        assert!(svg.status.success(), "Graphviz rejected the DOT");
        assert!(String::from_utf8_lossy(&svg.stdout).contains("<svg"));
    }
    let out = p
        .cmd()
        .args(["graph", "--no-cache", "--format", "json", "."])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["cycles"],
        serde_json::json!([["pkg/app.py", "pkg/models.py", "pkg/views.py"]])
    );
    let external: Vec<&str> = json["external"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["specifier"].as_str().unwrap())
        .collect();
    assert_eq!(external, ["os"]);
}

/// `wtfcb graph --format json --level LEVEL .` in `p`, expecting success.
fn graph_json(p: &Project, level: &str) -> Value {
    let out = p
        .cmd()
        .args([
            "graph",
            "--no-cache",
            "--format",
            "json",
            "--level",
            level,
            ".",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A graph's edges as (from, to).
fn graph_edges(json: &Value) -> Vec<(String, String)> {
    json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().into(),
                e["to"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// Issue 29: Django's `tests/sphinx/` helper package is named like the library: from the docs,
/// `sphinx` is the library (external); from the tests, the helper; and a test tree's own roots
/// (Flask's `tests/test_apps/`) still serve its tests.
#[test]
fn a_test_package_named_like_a_library_serves_only_its_test_tree() {
    let p = Project::new();
    p.write("django/__init__.py", "");
    p.write("django/utils.py", "import sphinx.util\n");
    p.write("docs/conf.py", "from sphinx import addnodes\n");
    p.write("tests/sphinx/__init__.py", "");
    p.write("tests/sphinx/test_roles.py", "from sphinx import helpers\n");
    p.write("tests/sphinx/helpers.py", "");
    p.write("tests/test_apps/blueprintapp/__init__.py", "");
    p.write("tests/test_blueprints.py", "import blueprintapp\n");
    let json = graph_json(&p, "file");
    let edges = graph_edges(&json);
    let edge = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert!(
        edges.contains(&edge(
            "tests/sphinx/test_roles.py",
            "tests/sphinx/helpers.py"
        )),
        "{edges:?}"
    );
    assert!(
        edges.contains(&edge(
            "tests/test_blueprints.py",
            "tests/test_apps/blueprintapp/__init__.py"
        )),
        "{edges:?}"
    );
    assert!(
        !edges.iter().any(|(from, _)| from == "docs/conf.py"),
        "{edges:?}"
    );
    let external: Vec<(&str, &str)> = json["external"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap(),
                e["specifier"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        external,
        [
            ("django/utils.py", "sphinx.util"),
            ("docs/conf.py", "sphinx")
        ]
    );
    assert_eq!(json["unresolved"], serde_json::json!([]));
}

/// Issue 29: with `--level package`, Python packages are dotted names; a name two trees use
/// is told apart by where each tree starts; a directory that is no package stays a directory.
#[test]
fn python_packages_are_dotted_names() {
    let p = Project::new();
    p.write("pkg/__init__.py", "");
    p.write("pkg/sub/__init__.py", "");
    p.write("pkg/sub/m.py", "import pkg\n");
    p.write("tests/fixtures/pkg/__init__.py", "");
    p.write("scripts/run.py", "from pkg.sub import m\n");
    let json = graph_json(&p, "package");
    assert_eq!(
        json["files"],
        serde_json::json!(["pkg (./)", "pkg (tests/fixtures/)", "pkg.sub", "scripts/"])
    );
    let edge = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        graph_edges(&json),
        [edge("pkg.sub", "pkg (./)"), edge("scripts/", "pkg.sub")]
    );
}

/// Issue 29: with `--level package`, Rust files are grouped by module, named as code names it
/// (`my_app::store`), not by directory.
#[test]
fn rust_packages_are_modules_named_by_their_crate() {
    let p = Project::new();
    p.write(
        "Cargo.toml",
        "[package]\nname = \"my-app\"\nversion = \"0.1.0\"\n",
    );
    p.write("src/lib.rs", "pub mod store;\npub mod web;\n");
    p.write("src/store/mod.rs", "pub mod disk;\npub fn open() {}\n");
    p.write(
        "src/store/disk.rs",
        "pub fn read() { crate::web::serve(); }\n",
    );
    p.write(
        "src/web.rs",
        "use crate::store::disk;\npub fn serve() { disk::read(); }\n",
    );
    p.write(
        "tests/it.rs",
        "#[test]\nfn t() { my_app::store::open(); }\n",
    );
    p.write(
        "tools/gen/Cargo.toml",
        "[package]\nname = \"gen\"\nversion = \"0.1.0\"\n",
    );
    p.write("tools/gen/src/main.rs", "fn main() {}\n");
    let json = graph_json(&p, "package");
    assert_eq!(
        json["files"],
        serde_json::json!(["gen", "my_app", "my_app tests/", "my_app::store"])
    );
    // `web.rs` is in the crate root's module; it and `store` import each other.
    assert_eq!(
        json["cycles"],
        serde_json::json!([["my_app", "my_app::store"]])
    );
}

/// tsconfig `paths` and workspace packages resolve; editing tsconfig recomputes the graph
/// (and says why), and the warm result equals a cold one.
#[test]
fn tsconfig_paths_and_workspace_packages_resolve_and_invalidate_the_graph() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write(
        "tsconfig.json",
        "{\n  // paths as a monorepo writes them\n  \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"@app/*\": [\"src/app/*\"] }, },\n}\n",
    );
    p.write(
        "packages/ui/package.json",
        "{\"name\": \"@acme/ui\", \"main\": \"src/index.ts\"}",
    );
    p.write("packages/ui/src/index.ts", "export const ui = 1;\n");
    p.write(
        "src/app/a.ts",
        "import { b } from \"@app/b\";\nexport const a = 1;\nexport const twice = () => b * 2;\n",
    );
    p.write(
        "src/app/b.ts",
        "import { a } from \"@app/a\";\nimport { ui } from \"@acme/ui\";\nexport const b = a + ui;\n",
    );
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap().to_string();
    let (_, report) = analyze(p.path(), &["--cache-dir", &cache_dir]);
    assert_eq!(
        places(findings(&report, "import-cycle")[0]),
        ["src/app/a.ts:1", "src/app/b.ts:1"]
    );
    let ui = crate::support::file(&report, "packages/ui/src/index.ts");
    assert_eq!(ui["metrics"]["fan_in"], 1, "@acme/ui resolves to its main");
    // Point the alias elsewhere: no file changed, the graph must still be recomputed.
    p.write(
        "tsconfig.json",
        "{ \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"@app/*\": [\"lib/*\"] } } }",
    );
    let (warm, report) = analyze(p.path(), &["--cache-dir", &cache_dir]);
    let (cold, _) = analyze(p.path(), &["--no-cache"]);
    assert_eq!(results_part(&warm), results_part(&cold));
    assert!(findings(&report, "import-cycle").is_empty());
    let graph = report["run"]["cache"]["project"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["phase"] == "import graph")
        .unwrap()
        .clone();
    assert_eq!(graph["reused"], false);
    assert_eq!(
        graph["reason"],
        "import graph settings or resolver inputs changed"
    );
}

/// Random sequences of edits (seeded, so a failure replays): files added, deleted and
/// renamed, imports added, bodies edited, tsconfig paths changed, clones made and broken.
/// After every step the warm run equals a cold one: JSON without its `run` section, and every
/// other format byte for byte.
#[test]
fn random_edit_sequences_keep_warm_runs_equal_to_cold_runs() {
    for seed in [7u64, 1009] {
        let mut rng = fastrand::Rng::with_seed(seed);
        let p = Project::new();
        std::fs::create_dir(p.path().join(".git")).unwrap();
        p.write("pkg/__init__.py", "");
        p.write(
            "tsconfig.json",
            "{ \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"@w/*\": [\"web/*\"] } } }",
        );
        let mut files: Vec<String> = Vec::new();
        let body = |rng: &mut fastrand::Rng| -> String {
            // A handler with random operators: some pairs of files are clones, some not.
            let op = ["!=", "=="][rng.usize(..2)];
            let cmp = [">", "<"][rng.usize(..2)];
            HANDLER
                .replace("!=", op)
                .replace("> 100", &format!("{cmp} 100"))
        };
        for i in 0..6 {
            let rel = format!("pkg/m{i}.py");
            p.write(&rel, body(&mut rng));
            files.push(rel);
        }
        p.write(
            "web/a.ts",
            "import { b } from \"@w/b\";\nexport const a = 1;\n",
        );
        p.write(
            "web/b.ts",
            "import { a } from \"./a\";\nexport const b = a;\n",
        );
        let cache = tempfile::tempdir().unwrap();
        let cache_dir = cache.path().to_str().unwrap().to_string();
        for step in 0..24 {
            let what = rng.usize(..7);
            match what {
                0 => {
                    let rel = format!("pkg/n{step}.py");
                    p.write(&rel, body(&mut rng));
                    files.push(rel);
                }
                1 if files.len() > 2 => {
                    let rel = files.remove(rng.usize(..files.len()));
                    std::fs::remove_file(p.path().join(&rel)).unwrap();
                }
                2 => {
                    let i = rng.usize(..files.len());
                    let to = format!("pkg/r{step}.py");
                    std::fs::rename(p.path().join(&files[i]), p.path().join(&to)).unwrap();
                    files[i] = to;
                }
                3 => {
                    let (a, b) = (rng.usize(..files.len()), rng.usize(..files.len()));
                    let target = files[b].trim_start_matches("pkg/").trim_end_matches(".py");
                    let path = p.path().join(&files[a]);
                    let text = std::fs::read_to_string(&path).unwrap();
                    std::fs::write(&path, format!("from . import {target}\n{text}")).unwrap();
                }
                4 => {
                    let i = rng.usize(..files.len());
                    let path = p.path().join(&files[i]);
                    let text = std::fs::read_to_string(&path).unwrap();
                    std::fs::write(&path, text.replacen("405", &format!("{}", 400 + step), 1))
                        .unwrap();
                }
                5 => {
                    let target = ["web/*", "lib/*"][rng.usize(..2)];
                    p.write(
                        "tsconfig.json",
                        format!("{{ \"compilerOptions\": {{ \"baseUrl\": \".\", \"paths\": {{ \"@w/*\": [\"{target}\"] }} }} }}"),
                    );
                }
                _ => {
                    // Make a clone of one file, or break one by changing an operator.
                    let i = rng.usize(..files.len());
                    let path = p.path().join(&files[i]);
                    let text = std::fs::read_to_string(&path).unwrap();
                    if rng.bool() {
                        let rel = format!("pkg/c{step}.py");
                        p.write(&rel, &text);
                        files.push(rel);
                    } else {
                        std::fs::write(
                            &path,
                            text.replacen(" + ", " - ", 1).replacen("not ", "", 1),
                        )
                        .unwrap();
                    }
                }
            }
            let (warm, _) = analyze(p.path(), &["--cache-dir", &cache_dir]);
            let (cold, _) = analyze(p.path(), &["--no-cache"]);
            assert_eq!(
                results_part(&warm),
                results_part(&cold),
                "seed {seed}, step {step} (edit {what})"
            );
            if step % 6 == 5 {
                for format in wtfcb::report::formats::names()
                    .into_iter()
                    .filter(|f| *f != "json")
                {
                    let run = |args: &[&str]| {
                        p.cmd()
                            .args(["analyze", "--fail-on", "never", "--format", format])
                            .args(args)
                            .arg(".")
                            .output()
                            .unwrap()
                            .stdout
                    };
                    assert_eq!(
                        run(&["--cache-dir", &cache_dir]),
                        run(&["--no-cache"]),
                        "seed {seed}, step {step}: {format}"
                    );
                }
            }
        }
    }
}

/// Two files with one content in a cold run: the second is served from the first's entry,
/// and its clone tokens from those the run has not written yet.
#[test]
fn identical_files_in_one_cold_run_are_one_clone_group() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("a.py", HANDLER);
    p.write("b.py", HANDLER);
    let cache = tempfile::tempdir().unwrap();
    let out = p
        .cmd()
        .args([
            "analyze",
            "-j1",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--cache-dir",
        ])
        .arg(cache.path())
        .arg(".")
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["run"]["cache"]["files_parsed"], 1);
    assert_eq!(
        places(findings(&report, "duplicate-code")[0]),
        ["a.py:1", "b.py:1"]
    );
    let (cold, _) = analyze(p.path(), &["--no-cache"]);
    assert_eq!(results_part(&out.stdout), results_part(&cold));
}

#[test]
fn unused_suppression_judges_the_project_rules_after_they_ran() {
    let p = project();
    // The cycle is reported once, at its first file's import: the blanket ignore there is
    // used. Idle: an ignore of the cycle at another of its imports (the finding is not
    // there), one on a line outside any cycle, and a duplicate-code id beside a used
    // bare-except id.
    p.write(
        "pkg/app.py",
        "from . import models  # wtfcb: ignore\n\n\ndef run():\n    return models.X\n",
    );
    p.write(
        "pkg/views.py",
        "from pkg import app  # wtfcb: ignore[import-cycle]\n\n\ndef render():\n    return app\n",
    );
    p.write(
        "pkg/lone.py",
        "import os  # wtfcb: ignore[import-cycle]\n\n\ndef f():\n    try:\n        return os.sep\n    except:  # wtfcb: ignore[bare-except, duplicate-code]\n        pass\n",
    );
    let (_, report) = analyze(
        p.path(),
        &["--no-cache", "--extend-select", "unused-suppression"],
    );
    let unused: Vec<String> = findings(&report, "unused-suppression")
        .iter()
        .map(|f| {
            format!(
                "{}:{} {}",
                f["path"].as_str().unwrap(),
                f["start_line"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        unused,
        [
            "pkg/lone.py:1 `wtfcb: ignore` silences no finding of `import-cycle`",
            "pkg/lone.py:7 `wtfcb: ignore` silences no finding of `duplicate-code`",
            "pkg/views.py:1 `wtfcb: ignore` silences no finding of `import-cycle`",
        ],
        "{unused:#?}"
    );
    // Cached and cold agree.
    let cache = tempfile::tempdir().unwrap();
    let args = [
        "--extend-select",
        "unused-suppression",
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ];
    let (first, _) = analyze(p.path(), &args);
    let (second, _) = analyze(p.path(), &args);
    assert_eq!(results_part(&first), results_part(&second));
}

// Issue 28: from inside a package (`cd pkg && wtfcb analyze .`), resolving the package roots
// climbed from `sub/` to the analyzed directory and then forever; `graph` and the import-cycle
// rule spun the same way. The cycle inside the package is found under its own name.
#[test]
fn analyzing_a_package_from_inside_it_ends_and_finds_its_cycle() {
    let p = Project::new();
    p.write("pkg/__init__.py", "");
    p.write_cycle();
    p.write("pkg/sub/__init__.py", "from pkg import views\n");
    let inside = p.path().join("pkg");
    let (_, report) = analyze(&inside, &["--no-cache"]);
    let cycles = findings(&report, "import-cycle");
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    assert_eq!(places(cycles[0]), ["app.py:1", "models.py:1", "views.py:1"]);
    crate::support::wtfcb(&inside)
        .args(["graph", "--format", "json", "--no-cache", "."])
        .assert()
        .success();
    crate::support::wtfcb(&inside.join("sub"))
        .args(["analyze", "--no-cache", "--select", "import-cycle", "."])
        .assert()
        .success();
}

// Issue 28: tokio's `import-cycle` findings were `medium` for modules of one crate using each
// other, which costs nothing in Rust (crates cannot form cycles). A cycle of Rust modules alone
// is `info`, unless the config gives the rule another severity; other languages' stay.
#[test]
fn a_cycle_of_rust_modules_is_information() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("src/lib.rs", "mod a;\nmod b;\n");
    p.write("src/a.rs", "use crate::b::g;\npub fn f() { g() }\n");
    p.write("src/b.rs", "use crate::a::f;\npub fn g() { f() }\n");
    let (_, report) = analyze(p.path(), &["--no-cache"]);
    let cycles = findings(&report, "import-cycle");
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    assert_eq!(cycles[0]["severity"], "info");
    p.write("wtfcb.toml", "[rules.import-cycle]\nseverity = \"high\"\n");
    let (_, report) = analyze(p.path(), &["--no-cache"]);
    assert_eq!(findings(&report, "import-cycle")[0]["severity"], "high");
}

// Issue 28: Java `import-cycle` findings were `medium` for class cycles, which are legal and
// everywhere in Java (12 of Spring Boot's 14). A cycle of Java classes alone is `info`.
#[test]
fn a_cycle_of_java_classes_is_information() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write(
        "src/com/acme/A.java",
        "package com.acme;\n\nimport com.acme.util.B;\n\npublic class A { B b; }\n",
    );
    p.write(
        "src/com/acme/util/B.java",
        "package com.acme.util;\n\nimport com.acme.A;\n\npublic class B { A a; }\n",
    );
    let (_, report) = analyze(p.path(), &["--no-cache"]);
    let cycles = findings(&report, "import-cycle");
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    assert_eq!(cycles[0]["severity"], "info");
}

// Issue 28: in 12 of Spring Boot's 14 Java cycles one import was named only in Javadoc
// (`{@link ...}`), which loads nothing; and TypeScript erases an import whose names are used
// only as types (Redux's `store.ts` and its middleware), so neither closes a cycle. The same
// files with the name used in code still do.
#[test]
fn imports_named_only_in_docs_or_types_close_no_cycle() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write(
        "src/com/acme/A.java",
        "package com.acme;\n\nimport com.acme.util.B;\n\npublic class A { B b; }\n",
    );
    let b = |body: &str| {
        format!("package com.acme.util;\n\nimport com.acme.A;\n\n/** Made for {{@link A}}. */\npublic class B {{ {body} }}\n")
    };
    p.write("src/com/acme/util/B.java", b("int n;"));
    p.write(
        "web/store.ts",
        "import { logger } from './middleware';\nexport const store = { use: [logger] };\nexport type RootState = { n: number };\n",
    );
    let middleware = |body: &str| {
        format!("import {{ RootState, store }} from './store';\nimport * as S from './store';\n{body}\n")
    };
    p.write(
        "web/middleware.ts",
        middleware("export function logger(s: RootState, t: S.RootState, u: typeof store): number { return s.n + t.n; }"),
    );
    let (_, report) = analyze(p.path(), &["--no-cache", "--select", "import-cycle"]);
    assert!(
        findings(&report, "import-cycle").is_empty(),
        "{:#?}",
        findings(&report, "import-cycle")
    );
    p.write("src/com/acme/util/B.java", b("A a;"));
    p.write(
        "web/middleware.ts",
        middleware(
            "export function logger(s: RootState): number { return s.n + store.use.length; }",
        ),
    );
    let (_, report) = analyze(p.path(), &["--no-cache", "--select", "import-cycle"]);
    let cycles: Vec<Vec<String>> = findings(&report, "import-cycle")
        .iter()
        .map(|f| places(f))
        .collect();
    assert_eq!(cycles.len(), 2, "{cycles:#?}");
}

// Issue 28: `duplicate-code` was most of the default findings (Django 5,646 of 7,610; 43% on
// cpython), mostly copies between tests, which is how tests are written. Test code is not
// compared, as in Sonar; the same copies in application code still are.
#[test]
fn copies_in_test_code_are_not_duplicate_code() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("tests/test_a.py", crate::support::HANDLER);
    p.write("tests/test_b.py", crate::support::HANDLER);
    let (_, report) = analyze(p.path(), &["--no-cache"]);
    assert!(findings(&report, "duplicate-code").is_empty());
    p.write("app/a.py", crate::support::HANDLER);
    p.write("app/b.py", crate::support::HANDLER);
    let (_, report) = analyze(p.path(), &["--no-cache"]);
    let clones = findings(&report, "duplicate-code");
    assert_eq!(clones.len(), 1, "{clones:#?}");
    assert_eq!(places(clones[0]), ["app/a.py:1", "app/b.py:1"]);
}

// Issue 28: on Prometheus, 342 of 693 `ignored-error` findings dropped a value whose callee
// (declared in another file of the package) returns no `error`, and a bare call that drops
// one was never seen. The callee's declaration decides now: in the package, in another
// package of the module, or in Go's standard library.
#[test]
fn ignored_error_follows_the_callees_signature_across_files() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("go.mod", "module example.com/m\n\ngo 1.19\n");
    p.write(
        "store/decl.go",
        "package store\n\ntype S struct{}\n\nfunc load() (int, error) { return 1, nil }\n\nfunc pair() (int, string) { return 1, \"\" }\n\nfunc (s *S) Close() error { return nil }\n",
    );
    p.write(
        "util/save.go",
        "package util\n\nfunc Save() error { return nil }\n\nfunc Name() string { return \"\" }\n",
    );
    p.write(
        "store/use.go",
        "package store\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n\t\"sync\"\n\n\t\"example.com/m/util\"\n)\n\nfunc Use(s *S, mu *sync.Mutex) int {\n\tv, _ := load()\n\ta, _ := pair()\n\tload()\n\ts.Close()\n\tos.Remove(\"x\")\n\tb, _, _ := strings.Cut(\"a=b\", \"=\")\n\tfmt.Println(b)\n\tdefer s.Close()\n\t_ = load()\n\tmu.Lock()\n\tutil.Save()\n\tutil.Name()\n\treturn v + a\n}\n",
    );
    let (_, report) = analyze(p.path(), &["--no-cache", "--select", "ignored-error"]);
    let found: Vec<String> = findings(&report, "ignored-error")
        .iter()
        .map(|f| format!("{} {}", f["start_line"], f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            "13 the error result of `load(...)` is assigned to `_`",
            "15 the error returned by `load(...)` is not checked",
            "16 the error returned by `s.Close(...)` is not checked",
            "17 the error returned by `os.Remove(...)` is not checked",
            "23 the error returned by `util.Save(...)` is not checked",
        ]
    );
}

// Issue 28: tokio's `lib.rs` has `#![allow(clippy::cognitive_complexity)]`, which holds for the
// whole crate, and wtfcb reported the metric in its modules anyway (40 findings). A crate
// root's allow now covers the crate's files (not a binary's `main.rs` beside the library).
#[test]
fn a_crate_roots_clippy_allow_covers_the_crate() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write(
        "Cargo.toml",
        "[package]\nname = \"k\"\nversion = \"0.1.0\"\n",
    );
    p.write(
        "src/lib.rs",
        "#![allow(clippy::cognitive_complexity)]\n\npub mod deep;\n",
    );
    let tangled = |name: &str| {
        let mut body = format!("pub fn {name}(v: &[i32]) -> i32 {{\n    let mut n = 0;\n");
        for i in 0..6 {
            body.push_str(&format!(
                "    for x in v {{\n        if *x > {i} {{\n            if *x % 2 == 0 {{ n += 1; }} else {{ n -= 1; }}\n        }}\n    }}\n"
            ));
        }
        body.push_str("    n\n}\n");
        body
    };
    p.write("src/deep.rs", tangled("deep"));
    p.write(
        "src/main.rs",
        format!("{}\nfn main() {{}}\n", tangled("run")),
    );
    let shown = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--no-cache", "--select", "cognitive-complexity"];
        all.extend_from_slice(args);
        let (_, report) = analyze(p.path(), &all);
        findings(&report, "cognitive-complexity")
            .iter()
            .filter(|f| f["suppressed"] != true)
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(shown(&[]), ["src/main.rs"]);
    assert_eq!(
        shown(&["--no-peer-suppressions"]),
        ["src/deep.rs", "src/main.rs"]
    );
}

// Issue 29: Go's own tree (`module std`) resolved none of its imports, since its packages
// carry no module prefix; and a `//go:build ignore` generator in a package directory (Go's
// `internal/goarch/gengoarch.go`) closed cycles the build never sees.
#[test]
fn go_std_layout_resolves_and_ignored_generators_close_no_cycle() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("go.mod", "module std\n\ngo 1.19\n");
    p.write(
        "errors/errors.go",
        "package errors\n\nimport \"internal/arch\"\n\nvar A = arch.Name\n",
    );
    p.write(
        "internal/arch/arch.go",
        "package arch\n\nimport \"golang.org/x/text\"\n\nvar Name = text.S\n",
    );
    p.write(
        "internal/arch/gen.go",
        "// Generator for arch.go.\n\n//go:build ignore\n\npackage main\n\nimport \"errors\"\n\nvar _ = errors.A\n",
    );
    p.write(
        "vendor/golang.org/x/text/text.go",
        "package text\n\nvar S = \"s\"\n",
    );
    let (_, report) = analyze(p.path(), &["--no-cache", "--select", "import-cycle"]);
    let imports = &report["summary"]["imports"];
    // errors → the two files of internal/arch, gen.go → errors (which loads nothing); the
    // vendored package is left out of the walk by default, so external.
    assert_eq!(imports["edges"], 3, "{imports}");
    assert_eq!(imports["external"], 1, "{imports}");
    assert_eq!(imports["unresolved"], 0, "{imports}");
    assert!(
        findings(&report, "import-cycle").is_empty(),
        "{:#?}",
        findings(&report, "import-cycle")
    );
}

// Issue 29: the Go graph was file-level: 10,870 DOT edges for Prometheus's 971 files, one from
// each importing file to every file of the package. Go's unit is the package, so by default
// its nodes are packages (directories); `--level file` gives the files back.
#[test]
fn graph_shows_go_packages_by_default() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write("go.mod", "module example.com/m\n");
    p.write(
        "api/a.go",
        "package api\n\nimport \"example.com/m/store\"\n\nvar A = store.X\n",
    );
    p.write(
        "api/b.go",
        "package api\n\nimport \"example.com/m/store\"\n\nvar B = store.Y\n",
    );
    p.write("store/x.go", "package store\n\nvar X = 1\n");
    p.write("store/y.go", "package store\n\nvar Y = 2\n");
    p.write("tool.py", "import os\n");
    let graph = |level: &[&str]| -> Value {
        let out = p
            .cmd()
            .args(["graph", "--no-cache", "--format", "json"])
            .args(level)
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let packages = graph(&[]);
    assert_eq!(packages["level"], "package");
    assert_eq!(
        packages["files"],
        serde_json::json!(["api/", "store/", "tool.py"])
    );
    let edges: Vec<(&str, &str)> = packages["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(edges, [("api/", "store/")]);
    let files = graph(&["--level", "file"]);
    assert_eq!(files["level"], "file");
    assert_eq!(files["edges"].as_array().unwrap().len(), 4);
}
