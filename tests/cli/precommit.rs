//! The real `pre-commit` drives wtfcb as a hook on a temporary git repository: a commit that
//! adds a high finding is blocked, a clean one passes. `pre-commit` comes from PATH, else from
//! a virtualenv this test makes under `target/` (PyPI is one of the reachable registries).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::git;

/// A `pre-commit` executable: on PATH, or installed once into `target/pre-commit-venv`.
fn pre_commit() -> PathBuf {
    if Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return PathBuf::from("pre-commit");
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pre-commit-venv");
    let exe = venv.join("bin/pre-commit");
    if !exe.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 to make a virtualenv for pre-commit");
        assert!(made.success());
        let pip = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "pre-commit"])
            .status()
            .expect("pip");
        assert!(pip.success(), "installing pre-commit from PyPI");
    }
    exe
}

#[test]
fn a_precommit_hook_blocks_a_high_finding_and_passes_clean_code() {
    let pre_commit = pre_commit();
    let repo = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let dir = repo.path();
    assert!(git(dir, &["init", "-q"]).status.success());
    let binary = assert_cmd::cargo::cargo_bin("wtfcb");
    // The hook as a project would write it for a local binary; the published hook differs
    // only in `repo:` and `language: rust` (see .pre-commit-hooks.yaml).
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n- repo: local\n  hooks:\n  - id: wtfcb\n    name: wtfcb\n    entry: {} analyze\n    language: system\n    types_or: [python, javascript, ts, rust, go, java, c, c++, ruby]\n    require_serial: true\n",
            binary.display()
        ),
    )
    .unwrap();
    let env_path = std::env::var_os("PATH").unwrap_or_default();
    let run = |args: &[&str]| {
        Command::new(&pre_commit)
            .args(args)
            .current_dir(dir)
            .env("PRE_COMMIT_HOME", home.path())
            .env("PATH", &env_path)
            .output()
            .expect("pre-commit")
    };
    assert!(run(&["install"]).status.success());
    assert!(git(dir, &["add", ".pre-commit-config.yaml"])
        .status
        .success());
    std::fs::write(dir.join("ok.py"), "def f(x):\n    return x\n").unwrap();
    assert!(git(dir, &["add", "ok.py"]).status.success());
    let clean = git(dir, &["commit", "-q", "-m", "clean"]);
    assert!(
        clean.status.success(),
        "{}{}",
        String::from_utf8_lossy(&clean.stdout),
        String::from_utf8_lossy(&clean.stderr)
    );
    let mut branchy = String::from("def g(x):\n");
    for i in 0..25 {
        branchy.push_str(&format!("    if x == {i}:\n        return {i}\n"));
    }
    std::fs::write(dir.join("bad.py"), branchy).unwrap();
    assert!(git(dir, &["add", "bad.py"]).status.success());
    let blocked = git(dir, &["commit", "-q", "-m", "complex"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&blocked.stdout),
        String::from_utf8_lossy(&blocked.stderr)
    );
    assert!(!blocked.status.success(), "{said}");
    assert!(said.contains("complex-function"), "{said}");
    assert!(said.contains("FAILED: "), "{said}");

    // Adopted on legacy code: the file's findings go to a committed baseline, and a commit
    // that only touches the legacy file passes...
    std::fs::write(
        dir.join("wtfcb.toml"),
        "baseline = \"wtfcb-baseline.json\"\n",
    )
    .unwrap();
    let wrote = Command::new(&binary)
        .args(["baseline", "write"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        wrote.status.success(),
        "{}",
        String::from_utf8_lossy(&wrote.stderr)
    );
    assert!(git(dir, &["add", "-A"]).status.success());
    assert!(git(dir, &["commit", "-q", "--no-verify", "-m", "legacy"])
        .status
        .success());
    let legacy = std::fs::read_to_string(dir.join("bad.py")).unwrap();
    std::fs::write(dir.join("bad.py"), format!("# a comment fix\n{legacy}")).unwrap();
    assert!(git(dir, &["add", "bad.py"]).status.success());
    let touched = git(dir, &["commit", "-q", "-m", "comment"]);
    assert!(
        touched.status.success(),
        "{}{}",
        String::from_utf8_lossy(&touched.stdout),
        String::from_utf8_lossy(&touched.stderr)
    );
    // ...while a new high finding in it is still blocked.
    std::fs::write(
        dir.join("bad.py"),
        format!("{legacy}\n\ndef run(code):\n    return eval(code)\n"),
    )
    .unwrap();
    assert!(git(dir, &["add", "bad.py"]).status.success());
    let new_finding = git(dir, &["commit", "-q", "-m", "eval"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&new_finding.stdout),
        String::from_utf8_lossy(&new_finding.stderr)
    );
    assert!(!new_finding.status.success(), "{said}");
    assert!(said.contains("eval-exec"), "{said}");
}
