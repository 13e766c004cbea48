//! Helpers shared by the CLI tests: the binary with a clean environment, temporary projects.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The `wtfcb` binary with a cleared environment, run in `dir`.
pub fn wtfcb(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("wtfcb").expect("binary built");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir);
    // A run inside this repository (on `fixtures/`) must check the code, not a cache that an
    // earlier build filled: it never reads or writes one.
    if dir.starts_with(env!("CARGO_MANIFEST_DIR")) {
        cmd.env("WTFCB_NO_CACHE", "1");
    }
    cmd.timeout(std::time::Duration::from_secs(120));
    cmd
}

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A throwaway project directory.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, content).expect("write");
        path
    }

    /// The import cycle pkg/app.py → pkg/models.py → pkg/views.py → pkg/app.py (the package's
    /// `__init__.py` is the caller's).
    pub fn write_cycle(&self) {
        self.write(
            "pkg/app.py",
            "from . import models\n\n\ndef run():\n    return models.X\n",
        );
        self.write("pkg/models.py", "from .views import render\n\nX = render\n");
        self.write(
            "pkg/views.py",
            "from pkg import app\n\n\ndef render():\n    return app\n",
        );
    }

    pub fn cmd(&self) -> Command {
        wtfcb(self.path())
    }
}

/// `wtfcb analyze --format json --fail-on never ARGS` in `dir`, expecting success.
pub fn analyze_json(dir: &Path, args: &[&str]) -> Value {
    let out = wtfcb(dir)
        .args(["analyze", "--format", "json", "--fail-on", "never"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON")
}

/// Runs the command, expects exit 0, and parses stdout as JSON.
pub fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("stdout is JSON")
}

/// The paths of the analyzed files in a scan report.
pub fn file_paths(report: &Value) -> Vec<String> {
    report["files"]
        .as_array()
        .expect("files array")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect()
}

/// The strings of a JSON array (`report["budget_cuts"]`, `file["imports"]` mapped by a key
/// first, ...).
pub fn strings(array: &Value) -> Vec<&str> {
    array
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect()
}

/// The record of one file in a scan report.
pub fn file<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["files"]
        .as_array()
        .expect("files array")
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in report"))
}

/// The skip reason recorded for a path, if any.
pub fn skip_reason(report: &Value, path: &str) -> Option<String> {
    report["skipped"]
        .as_array()?
        .iter()
        .find(|s| s["path"] == path)
        .map(|s| s["reason"].as_str().unwrap_or_default().to_string())
}

/// An analyze JSON report without its last field, `run` (timings and cache counters): the
/// part that must be byte-identical between runs, thread counts and cache states.
pub fn results_part(json: &[u8]) -> String {
    let text = String::from_utf8(json.to_vec()).expect("UTF-8 JSON");
    let cut = text.rfind("\n  \"run\": {").expect("a run field");
    assert!(text[..cut].contains("\"files\""), "report before run");
    text[..cut].to_string()
}

/// `git ARGS` in `dir`, with an author and committer set and no user config read.
pub fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git")
}

/// `git ARGS` that must succeed.
pub fn git_ok(dir: &Path, args: &[&str]) {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A request handler of eleven lines: copies of it (renamed or not) are clones.
pub const HANDLER: &str = "def create_user(request, store):
    if request.method != \"POST\":
        return error(405, \"method not allowed\")
    data = parse(request.body)
    if not data.get(\"name\"):
        return error(400, \"name is required\")
    if len(data[\"name\"]) > 100:
        return error(400, \"name is too long\")
    user = store.new(data[\"name\"])
    store.save(user)
    return ok(user)
";

/// The unsuppressed findings of a JSON report as `path:symbol` (the symbol empty when there is
/// none), sorted.
pub fn unsuppressed(report: &Value) -> Vec<String> {
    let mut found: Vec<String> = report["files"]
        .as_array()
        .expect("files array")
        .iter()
        .flat_map(|f| f["findings"].as_array().into_iter().flatten())
        .filter(|f| f["suppressed"] != true)
        .map(|f| {
            format!(
                "{}:{}",
                f["path"].as_str().unwrap_or(""),
                f["symbol"].as_str().unwrap_or("")
            )
        })
        .collect();
    found.sort();
    found
}
