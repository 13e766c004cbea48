//! `wtfcb bench`: counts in its JSON are right, and the measured tree is left untouched.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::{json_of, strings, Project};

/// Every file under `dir` with its bytes (mtime included), to prove nothing changed.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let meta = std::fs::metadata(&path).unwrap();
                out.insert(
                    path.display().to_string(),
                    (std::fs::read(&path).unwrap(), meta.modified().unwrap()),
                );
            }
        }
    }
    out
}

fn scenario<'a>(project: &'a Value, name: &str) -> &'a Value {
    project["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}

#[test]
fn bench_counts_are_right_and_the_tree_is_untouched() {
    let p = Project::new();
    p.write(
        "a.py",
        "def f(a):\n    if a:\n        return 1\n    return 2\n",
    );
    p.write("b.js", "function g(x) { return x ? 1 : 2; }\n");
    p.write("lib/c.go", "package lib\n\nfunc H() int { return 1 }\n");
    p.write("lib/d.rs", "fn k() -> u8 { 1 }\n");
    let before = snapshot(p.path());
    let out_dir = tempfile::tempdir().unwrap();
    let report = json_of(p.cmd().args([
        "bench",
        ".",
        "--parallel",
        "1",
        "--parallel",
        "2",
        "--cache",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--format",
        "json",
        "--output",
        out_dir.path().to_str().unwrap(),
    ]));
    assert_eq!(
        snapshot(p.path()),
        before,
        "bench must not touch the user's tree"
    );
    assert!(!p.path().join(".wtfcb-cache").exists());

    let project = &report["projects"][0];
    assert_eq!(project["files"], 4);
    let names: Vec<&str> = project["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "sequential",
            "parallel 1",
            "parallel 2",
            "cache cold",
            "cache warm",
            "cache one-change",
            "cache fresh-checkout"
        ]
    );
    for s in project["scenarios"].as_array().unwrap() {
        let run = &s["runs"][0];
        assert_eq!(run["files"], 4, "{}", s["name"]);
        assert!(run["peak_rss_bytes"].as_u64().unwrap() > 1024 * 1024, "{s}");
        assert!(s["median_s"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(scenario(project, "sequential")["jobs"], 1);
    assert_eq!(scenario(project, "sequential")["speedup"], 1.0);
    assert_speedups(project);
    assert_eq!(
        scenario(project, "cache cold")["runs"][0]["files_parsed"],
        4
    );
    assert_eq!(scenario(project, "cache warm")["hit_rate"], 1.0);
    assert_eq!(
        scenario(project, "cache warm")["runs"][0]["files_parsed"],
        0
    );
    assert_eq!(
        scenario(project, "cache one-change")["runs"][0]["files_parsed"],
        1
    );
    assert_eq!(
        scenario(project, "cache fresh-checkout")["runs"][0]["files_parsed"],
        0
    );
    assert_eq!(scenario(project, "cache fresh-checkout")["hit_rate"], 1.0);
    assert!(!project["recommendations"].as_array().unwrap().is_empty());

    let md = std::fs::read_to_string(out_dir.path().join("bench.md")).unwrap();
    assert!(md.contains("| cache warm |"), "{md}");
    // bench.html: the scenarios as a chart with their numbers, self-contained, no script.
    let html = std::fs::read_to_string(out_dir.path().join("bench.html")).unwrap();
    assert!(
        html.contains("<svg") && html.contains("cache warm"),
        "{html}"
    );
    assert!(html.contains("default-src 'none'") && !html.contains("<script"));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(out_dir.path().join("bench.json")).unwrap()).unwrap();
    assert_eq!(saved["projects"][0]["files"], 4);
}

#[test]
fn generate_writes_the_same_project_every_time() {
    let p = Project::new();
    for dir in ["one", "two"] {
        p.cmd()
            .args(["bench", "--generate", dir, "--files", "40"])
            .assert()
            .success();
    }
    let strip = |snap: BTreeMap<String, (Vec<u8>, std::time::SystemTime)>, dir: &str| {
        snap.into_iter()
            .map(|(k, (bytes, _))| (k.replacen(dir, "", 1), bytes))
            .collect::<BTreeMap<_, _>>()
    };
    let one = strip(
        snapshot(&p.path().join("one")),
        &p.path().join("one").display().to_string(),
    );
    let two = strip(
        snapshot(&p.path().join("two")),
        &p.path().join("two").display().to_string(),
    );
    assert_eq!(one.len(), 40);
    assert_eq!(one, two);
    let scan = json_of(p.cmd().args(["scan", "one", "--format", "json"]));
    assert_eq!(scan["summary"]["total"]["files"], 40, "{}", scan["summary"]);
    assert_eq!(scan["summary"]["files_with_syntax_errors"], 0);
    assert!(scan["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["syntax_errors"]["count"] == 0));
}

/// Speedups are baseline / this (a faster run is above 1), and a cache scenario is compared
/// with the uncached run at its own -j, never with -j1.
fn assert_speedups(project: &serde_json::Value) {
    for (name, against) in [
        ("parallel 2", "sequential"),
        ("cache warm", "parallel 2"),
        ("cache cold", "parallel 2"),
    ] {
        let s = scenario(project, name);
        assert_eq!(s["speedup_against"], against, "{name}");
        let base = scenario(project, against)["median_s"].as_f64().unwrap();
        let expected = base / s["median_s"].as_f64().unwrap();
        assert!(
            (s["speedup"].as_f64().unwrap() - expected).abs() < 1e-9,
            "{name}"
        );
    }
}

// The edit scenarios ran on a copy that lost the parent `.gitignore` and config: 4 files were
// analyzed there against 1 in the other scenarios of the same project.
#[test]
fn edit_scenarios_see_the_same_files_and_settings_as_the_others() {
    let p = Project::new();
    std::fs::create_dir(p.path().join(".git")).unwrap();
    p.write(".gitignore", "generated/\n");
    p.write("wtfcb.toml", "exclude = [\"sub/vendor/**\"]\n");
    p.write("sub/a.py", "def f():\n    pass\n");
    p.write("sub/generated/g.py", "def g():\n    pass\n");
    p.write("sub/vendor/v.py", "def v():\n    pass\n");
    let report = json_of(p.cmd().args([
        "bench",
        "sub",
        "--parallel",
        "1",
        "--cache",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--format",
        "json",
    ]));
    for s in report["projects"][0]["scenarios"].as_array().unwrap() {
        assert_eq!(s["runs"][0]["files"], 1, "{}", s["name"]);
    }
}

#[test]
fn bench_usage_errors_exit_2() {
    let p = Project::new();
    p.cmd().args(["bench", "--runs", "0"]).assert().code(2);
    p.cmd().args(["bench", "--parallel", "0"]).assert().code(2);
    p.cmd()
        .args(["bench", "missing-dir", "--runs", "1"])
        .assert()
        .code(2);
    p.cmd().args(["bench", "--files", "3"]).assert().code(2);
    p.cmd().args(["bench", "--budget", "-1"]).assert().code(2);
    p.cmd().args(["bench", "--budget", "inf"]).assert().code(2);
}

// `--save` keeps a run; `--compare` sets a new run against it and exits 1 on a regression. The
// saved timings are doctored so the verdicts do not depend on this machine's noise.
#[test]
fn save_and_compare_gate_on_regressions() {
    let p = Project::new();
    p.write("a.py", "def f(x):\n    return x\n");
    let store = tempfile::tempdir().unwrap();
    let bench = |extra: &[&str]| {
        let mut cmd = p.cmd();
        cmd.env("WTFCB_BENCH_DIR", store.path()).args([
            "bench",
            ".",
            "--parallel",
            "1",
            "--runs",
            "1",
            "--warmup",
            "0",
        ]);
        cmd.args(extra);
        cmd
    };
    bench(&["--save", "base"]).assert().success();
    let saved_path = store.path().join("base.json");
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&saved_path).unwrap()).unwrap();
    let names: Vec<&str> = saved["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scenario"].as_str().unwrap())
        .collect();
    // `-j` at all cores (the default) is always measured too.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut expected = vec!["sequential".to_string(), "parallel 1".to_string()];
    if cores > 1 {
        expected.push(format!("parallel {cores}"));
    }
    assert_eq!(names, expected);

    let doctor = |seconds: f64| {
        let mut s = saved.clone();
        for sc in s["scenarios"].as_array_mut().unwrap() {
            for k in ["median_s", "min_s", "max_s"] {
                sc[k] = serde_json::json!(seconds);
            }
        }
        std::fs::write(&saved_path, serde_json::to_vec(&s).unwrap()).unwrap();
    };
    // Saved as impossibly fast: every scenario is now a regression.
    doctor(1e-6);
    bench(&["--compare", "base"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("REGRESSION"))
        .stdout(predicates::str::contains(format!(
            "{} regression(s)",
            expected.len()
        )));
    // Saved as very slow: improvements, exit 0; JSON carries the comparison.
    doctor(1e3);
    let out = bench(&["--compare", "base", "--format", "json"])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["comparison"]["regressions"], 0);
    assert_eq!(report["comparison"]["deltas"][0]["verdict"], "improvement");
    // A missing or garbled saved run fails before measuring.
    bench(&["--compare", "nope"]).assert().code(2);
    std::fs::write(&saved_path, "garbage").unwrap();
    bench(&["--compare", "base"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a saved bench"));
}

// Issue 17: `--parallel 4` on a 2-core machine recommended `-j 4` without measuring the
// default (`-j` = cores), and a poor warm speedup was blamed on a guess.
#[test]
fn the_default_jobs_are_always_measured_and_causes_are_measured() {
    let p = Project::new();
    p.write("a.py", "def f(x):\n    return x\n");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let report = json_of(p.cmd().args([
        "bench",
        ".",
        "--parallel",
        "7",
        "--cache",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--format",
        "json",
    ]));
    let project = &report["projects"][0];
    let names: Vec<&str> = project["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&format!("parallel {cores}").as_str()),
        "{names:?}"
    );
    assert!(names.contains(&"parallel 7"), "{names:?}");
    let advice = strings(&project["recommendations"]);
    assert!(
        advice.iter().all(|a| !a.contains("dominate small trees")),
        "{advice:?}"
    );
    // The serial part of the fastest cold run, and what Amdahl's law makes of it.
    assert!(
        advice.iter().any(|a| a.contains("serial part")
            && a.contains("Amdahl's law allows at most")
            && a.contains("on 8 cores")),
        "{advice:?}"
    );
}

// The default bench on a 38.8 MB tree took 205 s: `--budget` fits the plan to a time limit and
// says what it left out; nothing is recommended from a scenario that did not run.
#[test]
fn the_budget_cuts_runs_and_skips_scenarios_and_says_so() {
    let p = Project::new();
    p.write("a.py", "def f(x):\n    return x\n");
    let run = |budget: &str| {
        json_of(p.cmd().args([
            "bench",
            ".",
            "--parallel",
            "1",
            "--cache",
            "--runs",
            "3",
            "--warmup",
            "0",
            "--budget",
            budget,
            "--format",
            "json",
        ]))
    };
    // Far too short for anything but the first run.
    let tight = run("0.001");
    let project = &tight["projects"][0];
    let scenarios = project["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 1, "{scenarios:?}");
    assert_eq!(scenarios[0]["runs"].as_array().unwrap().len(), 1);
    let cuts = strings(&project["budget_cuts"]);
    assert!(
        cuts.iter().any(|c| c.contains("sequential: 1 of 3 runs")),
        "{cuts:?}"
    );
    assert!(
        cuts.iter().any(|c| c.starts_with("cache warm: skipped")),
        "{cuts:?}"
    );
    let advice = strings(&project["recommendations"]);
    assert!(
        advice.contains(
            &"the cache scenarios did not fit in --budget: raise it to see what the cache buys"
        ),
        "{advice:?}"
    );
    // No limit: every scenario, every run.
    let free = run("0");
    let project = &free["projects"][0];
    assert!(project["budget_cuts"].as_array().unwrap().is_empty());
    for s in project["scenarios"].as_array().unwrap() {
        assert_eq!(s["runs"].as_array().unwrap().len(), 3, "{}", s["name"]);
    }
    // And the text report names the cuts.
    let text = p
        .cmd()
        .args([
            "bench", ".", "--runs", "2", "--warmup", "0", "--budget", "0.001",
        ])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&text.get_output().stdout).into_owned();
    assert!(
        stdout.contains("budget: sequential: 1 of 2 runs"),
        "{stdout}"
    );
}
