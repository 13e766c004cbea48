//! `wtfcb watch`: the first analysis, then one per change, through the cache; a burst of
//! changes is one analysis (or very few), never one per file; SIGINT stops it cleanly (exit 0).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::support::Project;

/// The next JSON line, waiting at most a minute (a stuck watch fails the test, never hangs it).
fn next(lines: &mpsc::Receiver<String>) -> Value {
    let line = lines
        .recv_timeout(Duration::from_secs(60))
        .expect("a line from wtfcb watch within a minute");
    serde_json::from_str(&line).expect("a JSON line")
}

#[test]
fn watch_reports_new_and_fixed_findings_and_a_burst_as_one_analysis() {
    let project = Project::new();
    project.write("pkg/a.py", "def a():\n    return 1\n");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("wtfcb"))
        .args(["watch", "--format", "jsonl", "--debounce-ms", "300", "."])
        .current_dir(project.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("wtfcb watch starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let start = next(&lines);
    assert_eq!(start["event"], "start");
    assert_eq!(start["files"], 1);

    project.write(
        "pkg/b.py",
        "def b():\n    try:\n        return 1\n    except:\n        return 2\n",
    );
    let added = next(&lines);
    assert_eq!(added["event"], "change");
    assert_eq!(added["new"][0]["rule"], "bare-except");
    assert_eq!(added["new"][0]["path"], "pkg/b.py");
    // Only the new file was parsed: the other came from the cache.
    assert_eq!(added["parsed"], 1);

    // 40 files at once: far fewer analyses than files (each waits for 300 ms of quiet).
    for i in 0..40 {
        project.write(&format!("pkg/m{i}.py"), format!("x{i} = {i}\n"));
    }
    let mut analyses = 0;
    loop {
        let change = next(&lines);
        analyses += 1;
        if change["files"] == 42 {
            break;
        }
    }
    assert!(analyses <= 3, "{analyses} analyses for one burst");

    std::fs::remove_file(project.path().join("pkg/b.py")).unwrap();
    let removed = loop {
        let change = next(&lines);
        if change["files"] == 41 {
            break change;
        }
    };
    assert_eq!(removed["fixed"][0]["rule"], "bare-except");
    assert_eq!(removed["parsed"], 0);

    // SIGINT: the watch ends after its analysis, exit 0.
    // SAFETY: a signal to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = child.wait().expect("wtfcb watch exits");
    assert_eq!(status.code(), Some(0));
}
