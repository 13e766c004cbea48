//! `wtfcb lsp` driven by a real LSP client: the pytest-lsp suite in `tests/lsp/` (open, change,
//! pull, code lenses, hover, code actions, a cross-file finding, a grammar abort, a config
//! change, garbage, shutdown)
//! against this build's binary. pytest-lsp comes from a virtualenv this test makes under
//! `target/` (PyPI is one of the reachable registries).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A Python with pytest-lsp: installed once into `target/lsp-venv`.
fn python_with_pytest_lsp() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/lsp-venv");
    let python = venv.join("bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import pytest_lsp"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ready {
        let made = Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv)
            .status()
            .expect("python3 to make a virtualenv for pytest-lsp");
        assert!(made.success());
        let pip = Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "pytest-lsp==1.0.1",
            ])
            .status()
            .expect("pip");
        assert!(pip.success(), "installing pytest-lsp from PyPI");
    }
    python
}

#[test]
fn a_real_lsp_client_drives_the_server() {
    let python = python_with_pytest_lsp();
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp");
    let out = Command::new(python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(&suite)
        .current_dir(&suite)
        .env("WTFCB_BIN", env!("CARGO_BIN_EXE_wtfcb"))
        .output()
        .expect("pytest runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the LSP suite failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every test ran: none skipped or deselected.
    assert!(text.contains("7 passed"), "{text}");
}

/// A framed message.
fn frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

#[test]
fn garbage_gets_json_rpc_errors_a_cancelled_request_is_not_answered_and_the_server_goes_on() {
    use std::io::Write;
    let project = crate::support::Project::new();
    project.write("a.py", "x = 1\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wtfcb"))
        .arg("lsp")
        .current_dir(project.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("wtfcb lsp starts");
    let root = format!("file://{}", project.path().display());
    let mut input = String::new();
    input += &frame(&format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"capabilities":{{}},"rootUri":"{root}"}}}}"#
    ));
    input += &frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
    input += &frame("{this is not json");
    input += &frame(r#"{"no":"message"}"#);
    input += &frame(r#"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":42}"#);
    // A request cancelled before it is handled (everything here is queued before the server
    // reads its first message): `RequestCancelled`, and no answer of its own. A cancellation
    // of a request never sent changes nothing.
    let hover = format!(
        r#"{{"jsonrpc":"2.0","id":5,"method":"textDocument/hover","params":{{"textDocument":{{"uri":"{root}/a.py"}},"position":{{"line":0,"character":0}}}}}}"#
    );
    input += &frame(&hover);
    input += &frame(r#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":5}}"#);
    input += &frame(r#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":99}}"#);
    input += &frame(r#"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#);
    input += &frame(r#"{"jsonrpc":"2.0","method":"exit"}"#);
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("the server reads");
    let out = child.wait_with_output().expect("wtfcb lsp exits");
    let text = String::from_utf8_lossy(&out.stdout);
    // Each bad body has its error, with a null id; the bad parameters theirs; then the
    // shutdown is answered and the exit is clean.
    assert!(text.contains(r#""code":-32700"#), "{text}");
    assert!(text.contains(r#""code":-32600"#), "{text}");
    assert!(text.contains(r#""code":-32602"#), "{text}");
    assert!(text.contains(r#""code":-32800"#), "{text}");
    assert_eq!(text.matches(r#""id":5"#).count(), 1, "{text}");
    assert!(!text.contains(r#""id":99"#), "{text}");
    assert!(
        text.contains(r#""id":3,"jsonrpc":"2.0","result":null"#),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
}
