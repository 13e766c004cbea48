//! A parser that aborts, hangs or panics costs its own file, never the run: hostile files from
//! `tests/hostile/` beside ordinary ones, through scan and analyze, uncached, cold and warm,
//! on one and two threads; and faults that only debug builds inject, to prove the mechanism
//! without depending on today's grammar bugs.

use serde_json::Value;

use crate::support::{file_paths, fixtures, results_part, skip_reason, Project};

/// Ordinary files, and the reproductions of grammar aborts and hangs, in one tree.
fn hostile_project() -> Project {
    let p = Project::new();
    for name in ["python.py", "ruby.rb", "typescript.ts"] {
        p.write(
            &format!("ok/{name}"),
            std::fs::read(fixtures().join("langs").join(name)).unwrap(),
        );
    }
    for name in [
        "loop.ts",
        "loop.tsx",
        "heredoc-256.rb",
        "heredoc-1019.rb",
        "deep-indent.py",
    ] {
        p.write(
            &format!("bad/{name}"),
            std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/hostile")
                    .join(name),
            )
            .unwrap(),
        );
    }
    p
}

const ORDINARY: [&str; 3] = ["ok/python.py", "ok/ruby.rb", "ok/typescript.ts"];
const ABORTING: [&str; 3] = [
    "bad/deep-indent.py",
    "bad/heredoc-1019.rb",
    "bad/heredoc-256.rb",
];
const HANGING: [&str; 2] = ["bad/loop.ts", "bad/loop.tsx"];

fn error_of(report: &Value, path: &str) -> Option<String> {
    report["errors"]
        .as_array()?
        .iter()
        .find(|e| e["path"] == path)
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
}

/// Exit 2, every ordinary file analyzed, every bad file named with its reason.
fn assert_isolated(out: &assert_cmd::assert::Assert) -> Value {
    assert_eq!(out.get_output().status.code(), Some(2), "{out:?}");
    let report: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON report");
    assert_eq!(file_paths(&report), ORDINARY, "{report:#}");
    for path in ABORTING {
        let message = error_of(&report, path).unwrap_or_else(|| panic!("{path} not in errors"));
        assert!(message.starts_with("parser aborted (SIGABRT)"), "{message}");
        assert!(message.contains("Assertion"), "{message}");
    }
    for path in HANGING {
        let reason = skip_reason(&report, path).unwrap_or_else(|| panic!("{path} not skipped"));
        assert!(reason.contains("did not finish within 1 s"), "{reason}");
    }
    assert_eq!(report["summary"]["analysis_failures"], ABORTING.len());
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("wtfcb: error: bad/heredoc-256.rb: parser aborted"),
        "{stderr}"
    );
    assert!(
        stderr.contains("3 file(s) could not be analyzed"),
        "{stderr}"
    );
    report
}

#[test]
fn aborting_and_hanging_grammars_cost_only_their_file() {
    let p = hostile_project();
    let mut results = Vec::new();
    for jobs in ["1", "2"] {
        // The reproductions have long lines: they would read as minified and be left out.
        let base = [
            "--format",
            "json",
            "--parse-timeout",
            "1",
            "--no-default-excludes",
            "-j",
            jobs,
        ];
        assert_isolated(&p.cmd().arg("scan").args(base).assert());
        let out = p.cmd().arg("analyze").args(base).arg("--no-cache").assert();
        assert_isolated(&out);
        results.push(results_part(&out.get_output().stdout));

        // Cold, then warm: the failures are remembered by content and not parsed again.
        let cache = format!("{}/cache-{jobs}", p.path().display());
        let cached = |p: &Project| {
            p.cmd()
                .arg("analyze")
                .args(base)
                .args(["--cache-dir", &cache])
                .assert()
        };
        let cold = cached(&p);
        let report = assert_isolated(&cold);
        assert_eq!(report["run"]["cache"]["files_parsed"], ORDINARY.len());
        results.push(results_part(&cold.get_output().stdout));
        let warm = cached(&p);
        let report = assert_isolated(&warm);
        let c = &report["run"]["cache"];
        assert_eq!(c["files_parsed"], 0, "{c}");
        assert_eq!(c["known_failures"], ABORTING.len() + HANGING.len(), "{c}");
        // Nothing to parse: no worker process was started.
        assert_eq!(report["run"]["parser_processes"], 0);
        results.push(results_part(&warm.get_output().stdout));
    }
    // Uncached, cold and warm, on one thread or two: the same report.
    assert!(results.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn an_edited_file_that_crashed_before_is_tried_again() {
    let p = hostile_project();
    let run = |p: &Project| {
        p.cmd()
            .args(["analyze", "--format", "json", "--parse-timeout", "1"])
            .arg("--no-default-excludes")
            .args(["--cache-dir", "cache", "bad/heredoc-256.rb", "ok"])
            .assert()
    };
    let first = run(&p).code(2);
    let report: Value = serde_json::from_slice(&first.get_output().stdout).unwrap();
    assert!(error_of(&report, "bad/heredoc-256.rb").is_some());
    p.write("bad/heredoc-256.rb", "x = <<A\nbody\nA\n");
    let second = run(&p).success();
    let report: Value = serde_json::from_slice(&second.get_output().stdout).unwrap();
    assert!(file_paths(&report).contains(&"bad/heredoc-256.rb".to_string()));
    assert_eq!(report["run"]["cache"]["files_parsed"], 1);
}

/// Faults injected by debug builds when `WTFCB_TEST_FAULTS=1`: an abort, a loop that no
/// cancellation reaches (like one inside an external scanner) and a panic.
fn fault_project() -> Project {
    let p = Project::new();
    p.write("a_abort.py", "# WTFCB-TEST-FAULT-ABORT\nx = 1\n");
    p.write("b_spin.py", "# WTFCB-TEST-FAULT-SPIN\nx = 1\n");
    p.write("c_panic.py", "# WTFCB-TEST-FAULT-PANIC\nx = 1\n");
    p.write("d_ok.py", "def f(x):\n    return x\n");
    p
}

#[test]
fn injected_abort_spin_and_panic_each_cost_one_file() {
    let p = fault_project();
    for jobs in ["1", "2"] {
        let out = p
            .cmd()
            .env("WTFCB_TEST_FAULTS", "1")
            .args(["analyze", "--format", "json", "--no-cache"])
            .args(["--parse-timeout", "0.5", "-j", jobs])
            .assert()
            .code(2);
        let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(file_paths(&report), ["d_ok.py"]);
        let abort = error_of(&report, "a_abort.py").unwrap();
        assert!(
            abort.contains("parser aborted (SIGABRT): test fault"),
            "{abort}"
        );
        // Budget 0.5 s, cancellation never fires: killed at 1.5 x budget + 1 s.
        let spin = error_of(&report, "b_spin.py").unwrap();
        assert_eq!(spin, "parser did not finish within 1.8 s and was stopped");
        let panic = error_of(&report, "c_panic.py").unwrap();
        assert_eq!(
            panic,
            "internal error in parse: test fault: panicking as asked; please report"
        );
        assert_eq!(report["summary"]["analysis_failures"], 3);
        // The abort and the kill each cost a worker (a survivor may serve both other files).
        let started = report["run"]["parser_processes"].as_u64().unwrap();
        assert!(started >= 2, "{started}");
    }
}

#[test]
fn a_panic_in_process_is_caught_too() {
    let p = fault_project();
    std::fs::remove_file(p.path().join("a_abort.py")).unwrap();
    std::fs::remove_file(p.path().join("b_spin.py")).unwrap();
    let out = p
        .cmd()
        .env("WTFCB_TEST_FAULTS", "1")
        .args(["scan", "--format", "json", "--in-process"])
        .assert()
        .code(2);
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(file_paths(&report), ["d_ok.py"]);
    assert!(error_of(&report, "c_panic.py")
        .unwrap()
        .starts_with("internal error in parse"));
}

#[test]
fn faults_are_inert_without_the_switch() {
    let p = fault_project();
    let out = p
        .cmd()
        .args(["scan", "--format", "json"])
        .assert()
        .success();
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(file_paths(&report).len(), 4);
}

// tree-sitter's error recovery is quadratic on `,-` repeated: 8 KB took 12 s before the
// budget; 1 MiB of it would take hours.
#[test]
fn quadratic_parse_of_a_large_file_ends_at_its_budget() {
    let p = Project::new();
    p.write("q.py", ",-".repeat(512 * 1024));
    let out = p
        .cmd()
        .args(["scan", "--format", "json", "--parse-timeout", "0.5"])
        .arg("--no-default-excludes")
        .assert()
        .success();
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(skip_reason(&report, "q.py")
        .unwrap()
        .contains("did not finish within 0.5 s"));
}

#[test]
fn parse_timeout_is_validated() {
    let p = Project::new();
    p.cmd()
        .args(["scan", "--parse-timeout", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--parse-timeout must be between"));
    p.write("wtfcb.toml", "parse-timeout = -1\n");
    p.cmd()
        .arg("scan")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("wtfcb.toml:1:17"));
}

// The mutation fuzzer's short fixed budget through real worker processes: no internal error,
// no broken invariant; a grammar crash or hang it meets is survived and counted.
#[test]
fn short_fuzz_through_worker_processes_keeps_every_invariant() {
    use wtfcb::isolate::{Isolation, Workers};
    let seeds = wtfcb::fuzz::seeds(&fixtures().join("langs")).unwrap();
    let exe = assert_cmd::cargo::cargo_bin("wtfcb");
    let isolation = Isolation::Processes(Workers::new(exe));
    let found = wtfcb::fuzz::run(
        &seeds,
        &isolation,
        7,
        300,
        std::time::Duration::from_secs(300),
        std::time::Duration::from_secs(2),
    );
    assert_eq!(found.inputs, 300);
    let shown: Vec<_> = found.violations.iter().map(|v| (v.0, &v.2)).collect();
    assert!(shown.is_empty(), "{shown:?}");
    assert!(isolation.warning().is_none());
}

// Issue 27: the first parser process that could not start (EMFILE under `ulimit -n`, EAGAIN
// under `ulimit -u`) switched the rest of the run to in-process parsing, and the next grammar
// that aborted then killed the whole run (exit 134, no report). Isolation is never dropped: a
// refused start lowers the number of workers, or, with none running, stops the run with one
// error naming the cause.
#[test]
fn too_few_descriptors_lower_the_workers_or_stop_the_run_never_drop_isolation() {
    let p = fault_project();
    let bin = assert_cmd::cargo::cargo_bin("wtfcb");
    let mut kept_going = 0;
    for limit in [12, 16, 20, 24, 28, 32, 48, 64] {
        let out = std::process::Command::new("sh")
            .args(["-c", "ulimit -n \"$1\" && shift && exec \"$@\"", "sh"])
            .arg(limit.to_string())
            .arg(&bin)
            .args(["analyze", "--format", "json", "--no-cache", "-j", "4"])
            .args(["--parse-timeout", "0.5"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("WTFCB_TEST_FAULTS", "1")
            .current_dir(p.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "-n {limit}: {stderr}");
        assert!(!stderr.contains("in-process,"), "-n {limit}: {stderr}");
        assert!(!stderr.contains("panicked"), "-n {limit}: {stderr}");
        match serde_json::from_slice::<Value>(&out.stdout) {
            // The run went on: the abort cost its own file only.
            Ok(report) => {
                kept_going += 1;
                let abort = error_of(&report, "a_abort.py").unwrap();
                assert!(abort.contains("parser aborted (SIGABRT)"), "{abort}");
                // The ordinary file is analyzed, or (descriptors ran out for it) says why.
                let ok =
                    file_paths(&report) == ["d_ok.py"] || error_of(&report, "d_ok.py").is_some();
                assert!(ok, "-n {limit}: {report:#}");
            }
            Err(_) => {
                let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error:")).collect();
                assert_eq!(errors.len(), 1, "-n {limit}: {stderr}");
                assert!(errors[0].contains("cannot start"), "-n {limit}: {stderr}");
            }
        }
    }
    assert!(kept_going > 0, "no limit let the run go on");
}

/// A large file is parsed in pieces, one tree alive at a time (`WTFCB_PIECE_BYTES` makes
/// the fixtures large): in a parser process and in process, the report is the whole parse's.
#[test]
fn files_parsed_in_pieces_report_what_whole_files_do() {
    let langs = fixtures().join("langs");
    let run = |pieces: Option<&str>, extra: &[&str]| {
        let mut cmd = crate::support::wtfcb(&langs);
        if let Some(bytes) = pieces {
            cmd.env("WTFCB_PIECE_BYTES", bytes);
        }
        let out = cmd
            .args([
                "analyze",
                "--format",
                "json",
                "--fail-on",
                "never",
                "-j",
                "1",
            ])
            .args(extra)
            .assert()
            .code(0);
        results_part(&out.get_output().stdout)
    };
    let whole = run(None, &[]);
    assert!(whole.contains("\"functions\""), "{whole}");
    assert_eq!(run(Some("16"), &[]), whole);
    assert_eq!(run(Some("16"), &["--in-process"]), whole);
}
