//! `analyze --serve`: the live page in a real browser while a run is under way (it sees the
//! files advance and a failure as it happens, and ends with the report's numbers), and a
//! server that refuses whoever lacks the token or comes under another host name.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::Project;

/// The status line of a raw request to the server.
fn status_of(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_string()
}

/// The address `--serve` printed first on stderr: the URL, its port and its token.
fn live_address(stderr: &mut impl BufRead) -> (String, u16, String) {
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("wtfcb: live at ")
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let rest = url.strip_prefix("http://127.0.0.1:").unwrap();
    let (port, token) = rest.split_once("/?token=").unwrap();
    (url.clone(), port.parse().unwrap(), token.to_string())
}

#[test]
fn the_live_page_follows_a_run_and_ends_with_its_report() {
    let Some(chromium) = crate::browser::chromium_or_skip() else {
        return;
    };
    let p = Project::new();
    for i in 0..30 {
        p.write(
            &format!("m{i:02}.py"),
            format!("def f{i}(x):\n    if x:\n        return {i}\n    return 0\n"),
        );
    }
    // Debug builds' injected faults: a parser that never finishes costs 1.8 s a file here,
    // which keeps the run going while the browser watches.
    for name in ["m05_spin.py", "m15_spin.py", "m25_spin.py"] {
        p.write(name, "# WTFCB-TEST-FAULT-SPIN\nx = 1\n");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_wtfcb"))
        .current_dir(p.path())
        .env("WTFCB_TEST_FAULTS", "1")
        .args([
            "analyze",
            "--serve",
            "--no-cache",
            "-j",
            "1",
            "--parse-timeout",
            "0.5",
        ])
        .args(["--format", "json", "--fail-on", "never"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (url, port, token) = live_address(&mut stderr);
    let token = token.as_str();
    assert_eq!(token.len(), 32);
    // Without the token, with a wrong one, or under another name: refused.
    let host = format!("Host: 127.0.0.1:{port}\r\n");
    assert!(status_of(port, &format!("GET /state HTTP/1.1\r\n{host}\r\n")).contains("403"));
    assert!(status_of(
        port,
        &format!("GET /state?token={}0 HTTP/1.1\r\n{host}\r\n", &token[1..])
    )
    .contains("403"));
    assert!(status_of(
        port,
        &format!("GET /state?token={token} HTTP/1.1\r\nHost: attacker.example:{port}\r\n\r\n")
    )
    .contains("403"));
    assert!(status_of(
        port,
        &format!("POST /state?token={token} HTTP/1.1\r\n{host}\r\n")
    )
    .contains("405"));
    assert!(status_of(
        port,
        &format!("GET /state?token={token} HTTP/1.1\r\n{host}\r\n")
    )
    .contains("200"));

    let screenshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/live-page-test.png");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check.mjs");
    let page = Command::new("node")
        .arg(&script)
        .arg(&chromium)
        .arg(&url)
        .arg(&screenshot)
        .arg("live")
        .output()
        .expect("node");
    let mut report = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut report)
        .unwrap();
    let mut rest_of_stderr = String::new();
    stderr.read_to_string(&mut rest_of_stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(2),
        "three analysis failures: {rest_of_stderr}"
    );
    let seen: Value = serde_json::from_slice(&page.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&page.stderr));
    });
    assert!(seen.get("error").is_none(), "{seen}");
    assert_eq!(seen["done"], true, "{seen}");
    let report: Value = serde_json::from_slice(&report).unwrap();
    let summary = &report["summary"];
    // The page saw the run under way: some file counts strictly between none and all.
    let total = 33;
    let counts: Vec<u64> = seen["seen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(counts.iter().any(|&n| n > 0 && n < total), "{counts:?}");
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
    assert_eq!(*counts.last().unwrap(), total);
    // Its last numbers are the report's.
    let result = &seen["result"];
    for key in ["files", "functions", "analysis_failures", "errors"] {
        assert_eq!(
            result[key].as_str().unwrap(),
            summary[key].to_string(),
            "{key}"
        );
    }
    let findings: u64 = summary["by_severity"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(result["findings"].as_str().unwrap(), findings.to_string());
    assert_eq!(summary["analysis_failures"], 3);
    assert_eq!(seen["failuresShown"], 3);
    assert!(seen["slowestShown"].as_u64().unwrap() > 0);
    assert_eq!(seen["timelinePoints"], 2, "wtfcb and its parser processes");
    assert_eq!(seen["scripts"], 1);
    for key in ["requests", "consoleErrors", "exceptions", "logErrors"] {
        assert_eq!(seen[key].as_array().unwrap().len(), 0, "{key}: {seen}");
    }
    // The run is over: so is the server.
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

/// The body of a raw GET with the token and the right host.
fn get_state(port: u16, token: &str) -> Value {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET /state?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (_, body) = answer.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap()
}

#[test]
fn bench_serve_shows_saved_runs_and_its_own_and_stays_until_interrupted() {
    let p = Project::new();
    for i in 0..10 {
        p.write(
            &format!("proj/m{i}.py"),
            format!("def f{i}(x):\n    return x\n"),
        );
    }
    let saved = tempfile::tempdir().unwrap();
    let bench = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wtfcb"));
        cmd.current_dir(p.path())
            .env("WTFCB_BENCH_DIR", saved.path())
            .args([
                "bench",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--parallel",
                "1",
                "--format",
                "json",
            ])
            .args(extra)
            .arg("proj");
        cmd
    };
    assert!(bench(&["--save", "first"])
        .output()
        .unwrap()
        .status
        .success());
    let mut child = bench(&["--serve", "--serve-keep"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (_, port, token) = live_address(&mut stderr);
    let token = token.as_str();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let state = loop {
        let state = get_state(port, token);
        if state["stage"] == "done" {
            break state;
        }
        assert!(std::time::Instant::now() < deadline, "{state}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    // Kept up after the bench, until interrupted.
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(get_state(port, token)["stage"], "done");
    // SAFETY: a signal to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let mut report = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut report)
        .unwrap();
    assert!(child.wait().unwrap().success());
    let report: Value = serde_json::from_slice(&report).unwrap();
    let scenarios: Vec<String> = report["projects"][0]["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{} (-j {})", s["name"].as_str().unwrap(), s["jobs"]))
        .collect();
    let live: Vec<String> = state["bench"]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(live, scenarios);
    let earlier = state["bench"]["saved"].as_array().unwrap();
    assert_eq!(earlier.len(), 1);
    assert_eq!(earlier[0]["name"], "first");
    assert_eq!(
        earlier[0]["runs"].as_array().unwrap().len(),
        scenarios.len()
    );
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}
