//! The HTML report in a real browser: headless Chromium driven over the DevTools protocol on a
//! pipe by `tests/browser/check.mjs` (Node, no packages). `.ci/run` installs Debian's
//! `chromium`; without it the test is skipped locally and fails in CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn chromium() -> Option<PathBuf> {
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find_map(|name| {
        let out = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    })
}

/// Chromium, or `None` (and the test skipped) on a machine without it: never in CI, where
/// `.ci/run` installs it.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium (.ci/run installs it)"
        );
        eprintln!("skipped: no chromium on PATH");
    }
    found
}

#[test]
fn the_html_report_works_in_a_real_browser_and_cannot_be_attacked() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    // The reports tests' project: names that attack every format, several severities.
    let p = crate::reports::hostile();
    let html = p.path().join("report.html");
    let json = p
        .cmd()
        .args([
            "analyze",
            "--no-cache",
            "--fail-on",
            "never",
            "--format",
            "json",
            "-o",
        ])
        .arg(&html)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let findings = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap())
        .filter(|f| f["suppressed"] != true)
        .count();
    let high = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap())
        .filter(|f| f["suppressed"] != true)
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .count();
    assert!(findings > high && high > 0);
    let screenshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/html-report-test.png");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check.mjs");
    let out = Command::new("node")
        .arg(&script)
        .arg(&chromium)
        .arg(&html)
        .arg(&screenshot)
        .output()
        .expect("node");
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(seen.get("error").is_none(), "{seen}");
    assert_eq!(
        seen["ready"], true,
        "the script ran (its CSP hash is right): {seen}"
    );
    assert_eq!(seen["rows"], findings, "one row per finding");
    assert_eq!(seen["sortedByRule"], true);
    assert_eq!(seen["sortToggles"], true);
    assert_eq!(seen["highOrAbove"], high, "filtering by severity");
    assert_eq!(seen["highOrAboveAllHigh"], true);
    assert_eq!(seen["pathFilterHolds"], true);
    assert!(seen["pathFiltered"].as_u64().unwrap() < findings as u64);
    assert!(
        seen["drillDownRows"].as_u64().unwrap() > 0,
        "a file's functions"
    );
    // Nothing from the input became markup, nothing loaded, nothing complained.
    let text = seen["text"].as_str().unwrap();
    for name in [
        "</script><script>alert(1)</script>.py",
        "<img src=x onerror=alert(1)>.js",
        "operator<",
    ] {
        assert!(text.contains(name), "{name} shown as text");
    }
    assert_eq!(seen["images"], 0);
    assert_eq!(seen["dialogs"], 0, "no script from a file name ran");
    assert_eq!(seen["scriptsInBody"], 2);
    for key in ["requests", "consoleErrors", "exceptions", "logErrors"] {
        assert_eq!(seen[key].as_array().unwrap().len(), 0, "{key}: {seen}");
    }
    assert!(std::fs::metadata(&screenshot).unwrap().len() > 1000);
}
