//! The remote cache with real servers: an in-process HTTP cache server (GET/PUT on
//! `prefix/<key>`, as bazel-remote) with fault injection, and a real `redis-server`. A second
//! checkout with an empty local cache takes every result from the remote; a failing, lying or
//! foreign remote costs a warning or a counted rejection, never a different result.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{results_part, Project, HANDLER};

/// How the test server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    Status500,
    /// 200 with bytes that are no value of ours.
    Garbage,
    /// 200 whose body ends before its Content-Length.
    Truncated,
    /// Answers after the client's timeout.
    Slow,
    Unauthorized,
    /// 200 claiming a 64 MiB body, of which it sends a few bytes and then nothing.
    Huge,
    /// 200 with no length, then bytes that are no value, a megabyte at a time, for 64 MiB.
    Endless,
}

#[derive(Default)]
struct State {
    store: Mutex<HashMap<String, Vec<u8>>>,
    fault: Mutex<Option<Fault>>,
    gets: AtomicU64,
    puts: AtomicU64,
    /// Every `Authorization` header received, as sent.
    authorizations: Mutex<Vec<String>>,
}

/// An HTTP/1.1 cache server on a loopback port, one thread per connection, `Connection:
/// close` after each answer. Lives as long as the test process.
struct HttpServer {
    url: String,
    state: Arc<State>,
}

impl HttpServer {
    fn start() -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/cache", listener.local_addr().unwrap());
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let _ = serve(stream, &state);
                });
            }
        });
        HttpServer { url, state }
    }

    fn set_fault(&self, fault: Fault) {
        *self.state.fault.lock().unwrap() = Some(fault);
    }

    fn entries(&self) -> usize {
        self.state.store.lock().unwrap().len()
    }

    fn puts(&self) -> u64 {
        self.state.puts.load(Ordering::Relaxed)
    }

    fn requests(&self) -> u64 {
        self.state.gets.load(Ordering::Relaxed) + self.puts()
    }
}

fn serve(stream: TcpStream, state: &State) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let parts: Vec<&str> = line.split_whitespace().collect();
    let (method, path) = (parts[0].to_string(), parts[1].to_string());
    let mut length = 0usize;
    let mut authorized = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("authorization:") {
            state
                .authorizations
                .lock()
                .unwrap()
                .push(header.to_string());
        }
        if lower.starts_with("authorization: bearer ") {
            authorized = header.ends_with("Bearer letmein");
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let mut out = stream;
    let fault = state.fault.lock().unwrap().unwrap_or(Fault::None);
    let reply = |out: &mut TcpStream, status: &str, body: &[u8], claimed: usize| {
        write!(
            out,
            "HTTP/1.1 {status}\r\nContent-Length: {claimed}\r\nConnection: close\r\n\r\n"
        )?;
        out.write_all(body)?;
        out.flush()
    };
    let key = path.rsplit('/').next().unwrap_or_default().to_string();
    match fault {
        Fault::Status500 => return reply(&mut out, "500 Internal Server Error", b"", 0),
        Fault::Unauthorized if !authorized => return reply(&mut out, "401 Unauthorized", b"", 0),
        Fault::Slow => {
            std::thread::sleep(Duration::from_secs(3));
            return reply(&mut out, "404 Not Found", b"", 0);
        }
        _ => {}
    }
    if method == "DELETE" {
        state.store.lock().unwrap().remove(&key);
        return reply(&mut out, "204 No Content", b"", 0);
    }
    if method == "PUT" {
        state.puts.fetch_add(1, Ordering::Relaxed);
        state.store.lock().unwrap().insert(key, body);
        return reply(&mut out, "200 OK", b"", 0);
    }
    state.gets.fetch_add(1, Ordering::Relaxed);
    let value = state.store.lock().unwrap().get(&key).cloned();
    match (value, fault) {
        (_, Fault::Huge) => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\nwtfcbrv1",
                64 << 20
            )?;
            out.flush()?;
            std::thread::sleep(Duration::from_secs(30));
            Ok(())
        }
        (_, Fault::Endless) => {
            write!(out, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?;
            let junk = vec![b'x'; 1 << 20];
            for _ in 0..64 {
                out.write_all(&junk)?;
            }
            Ok(())
        }
        (Some(_), Fault::Garbage) => {
            let junk: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
            reply(&mut out, "200 OK", &junk, junk.len())
        }
        (Some(v), Fault::Truncated) => reply(&mut out, "200 OK", &v[..v.len() / 2], v.len()),
        (Some(v), _) => reply(&mut out, "200 OK", &v, v.len()),
        (None, _) => reply(&mut out, "404 Not Found", b"", 0),
    }
}

/// A small project with a clone group (so the remote must carry clone tokens too) and a
/// short remote timeout, written into `dir`.
fn write_project(p: &Project, files: usize) {
    std::fs::create_dir_all(p.path().join(".git")).unwrap();
    p.write("wtfcb.toml", "[cache]\nremote-timeout = 1\n");
    p.write("a.py", HANDLER);
    p.write("b.py", HANDLER.replace("create_user", "create_team"));
    for i in 0..files {
        p.write(
            &format!("m/f{i}.py"),
            format!("def f{i}(a):\n    return a + {i}\n"),
        );
    }
}

struct Run {
    code: Option<i32>,
    json: Vec<u8>,
    stderr: String,
}

/// `analyze --format json` with the remote and a local cache in `cache`, plus `env`.
fn analyze(p: &Project, remote: &str, cache: &Path, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = p.cmd();
    cmd.args([
        "analyze",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--remote-cache",
        remote,
    ])
    .arg("--cache-dir")
    .arg(cache)
    .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        json: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_slice(&run.json).unwrap()
}

fn cold(p: &Project) -> String {
    let out = p
        .cmd()
        .args([
            "analyze",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--no-cache",
        ])
        .output()
        .unwrap();
    results_part(&out.stdout)
}

/// The project copied to a second directory (another checkout of the same code).
fn second_checkout(p: &Project) -> Project {
    let q = Project::new();
    for entry in walk(p.path()) {
        let rel = entry.strip_prefix(p.path()).unwrap();
        q.write(rel.to_str().unwrap(), std::fs::read(&entry).unwrap());
    }
    std::fs::create_dir_all(q.path().join(".git")).unwrap();
    q
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let path = e.path();
        if path.is_dir() {
            if path.file_name().unwrap() != ".git" {
                out.extend(walk(&path));
            }
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_second_checkout_takes_every_result_from_the_http_remote() {
    let server = HttpServer::start();
    let p = Project::new();
    write_project(&p, 5);
    let local = tempfile::tempdir().unwrap();
    let first = analyze(&p, &server.url, local.path(), &[], &[]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(
        first
            .stderr
            .contains("0 hits, 9 misses, 9 uploads, 0 rejected, 0 errors"),
        "{}",
        first.stderr
    );
    // The report is written while the values upload: it counts them as queued.
    assert_eq!(json(&first)["run"]["cache"]["remote"]["queued"], 9);
    // Seven files, and the two project phases' states.
    assert_eq!(server.entries(), 9);
    let q = second_checkout(&p);
    age(q.path());
    let empty = tempfile::tempdir().unwrap();
    let second = analyze(&q, &server.url, empty.path(), &[], &[]);
    assert!(
        second.stderr.contains("9 hits, 0 misses, 0 uploads"),
        "{}",
        second.stderr
    );
    let report = json(&second);
    assert_eq!(report["run"]["cache"]["files_parsed"], 0);
    assert_eq!(report["run"]["cache"]["remote"]["hits"], 9);
    for phase in report["run"]["cache"]["project"].as_array().unwrap() {
        assert_eq!(phase["reused"], true, "{phase}");
        assert!(phase["reason"]
            .as_str()
            .unwrap()
            .ends_with("taken from the remote cache"));
    }
    assert_eq!(report["summary"]["duplication"]["groups"], 1);
    assert_eq!(results_part(&second.json), cold(&q));
    // The local cache now has them: a third run does not ask the remote for anything.
    let third = analyze(&q, &server.url, empty.path(), &[], &[]);
    // The files the remote served were read once, before the run, and their states kept:
    // the third run only stats them.
    assert_eq!(
        json(&third)["run"]["cache"]["stat_hits"],
        7,
        "{}",
        third.stderr
    );
    assert!(
        third.stderr.contains("0 hits, 0 misses"),
        "{}",
        third.stderr
    );
    // More remote hits than the in-memory LRU holds: every one is still taken, none parsed.
    let small = tempfile::tempdir().unwrap();
    let tight = analyze(&q, &server.url, small.path(), &["--cache-memory", "2"], &[]);
    assert_eq!(
        json(&tight)["run"]["cache"]["files_parsed"],
        0,
        "{}",
        tight.stderr
    );
    assert_eq!(results_part(&tight.json), cold(&q));
    // Without the local cache there is no remote either, and the run says so.
    let out = q
        .cmd()
        .args([
            "analyze",
            "--no-cache",
            "--fail-on",
            "never",
            "--remote-cache",
            &server.url,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not used with --no-cache"), "{stderr}");
    // `cache stats` shows the last run's remote line.
    let stats = q
        .cmd()
        .args(["cache", "stats", "--cache-dir"])
        .arg(empty.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&stats.stdout);
    assert!(text.contains("last run's remote cache http://"), "{text}");
}

#[test]
fn a_failing_or_lying_remote_costs_a_warning_and_changes_no_result() {
    let server = HttpServer::start();
    let p = Project::new();
    write_project(&p, 3);
    let filled = tempfile::tempdir().unwrap();
    analyze(&p, &server.url, filled.path(), &[], &[]);
    let expected = cold(&p);
    let refused = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/cache", l.local_addr().unwrap())
    };
    let cases = [
        (Fault::Status500, "HTTP 500"),
        (Fault::Garbage, "7 rejected"),
        (Fault::Truncated, "remote cache"),
        (Fault::Slow, "remote cache"),
        (Fault::Unauthorized, "refused the credentials"),
        (Fault::None, "refused"),
    ];
    for (fault, says) in cases {
        server.set_fault(fault);
        let url = if fault == Fault::None {
            &refused
        } else {
            &server.url
        };
        let local = tempfile::tempdir().unwrap();
        let run = analyze(&p, url, local.path(), &[], &[]);
        assert_eq!(run.code, Some(0), "{fault:?}: {}", run.stderr);
        assert_eq!(results_part(&run.json), expected, "{fault:?}");
        assert!(run.stderr.contains(says), "{fault:?}: {}", run.stderr);
        let warnings = run.stderr.matches("warning: remote cache").count();
        assert!(
            warnings <= 1,
            "{fault:?}: one warning at most: {}",
            run.stderr
        );
        if fault != Fault::Garbage {
            assert_eq!(warnings, 1, "{fault:?}: {}", run.stderr);
        }
        assert_eq!(json(&run)["run"]["cache"]["files_parsed"], 5, "{fault:?}");
    }
}

#[test]
fn signatures_decide_what_a_reader_accepts() {
    let server = HttpServer::start();
    let p = Project::new();
    write_project(&p, 2);
    let key = |k: &'static str| [("WTFCB_CACHE_SIGNING_KEY", k)];
    let local = tempfile::tempdir().unwrap();
    analyze(&p, &server.url, local.path(), &[], &key("alpha"));
    let expected = cold(&p);
    let read = |env: &[(&str, &str)]| {
        let local = tempfile::tempdir().unwrap();
        let run = analyze(
            &p,
            &server.url,
            local.path(),
            &["--remote-cache-read-only"],
            env,
        );
        assert_eq!(results_part(&run.json), expected);
        run.stderr
    };
    assert!(read(&key("alpha")).contains("6 hits, 0 misses, 0 uploads, 0 rejected"));
    assert!(read(&key("beta")).contains("0 hits, 6 misses, 0 uploads, 6 rejected"));
    // Without a key the signature cannot be checked, the checksum still is.
    assert!(read(&[]).contains("6 hits"));
    // Values of another build (its tag is bytes 8..24 of every value) are refused.
    for value in server.state.store.lock().unwrap().values_mut() {
        value[12] ^= 0xff;
    }
    assert!(read(&key("alpha")).contains("6 rejected"));
    // Unsigned values are refused by a reader with a key.
    let unsigned = HttpServer::start();
    let local = tempfile::tempdir().unwrap();
    analyze(&p, &unsigned.url, local.path(), &[], &[]);
    let local = tempfile::tempdir().unwrap();
    let run = analyze(&p, &unsigned.url, local.path(), &[], &key("alpha"));
    assert!(run.stderr.contains("0 hits, 6 misses"), "{}", run.stderr);
    assert!(run.stderr.contains("6 rejected"), "{}", run.stderr);
}

#[test]
fn read_only_never_writes_and_the_token_comes_from_the_environment() {
    let server = HttpServer::start();
    server.set_fault(Fault::Unauthorized);
    let p = Project::new();
    write_project(&p, 2);
    let local = tempfile::tempdir().unwrap();
    let token = [("WTFCB_REMOTE_CACHE_TOKEN", "letmein")];
    let run = analyze(
        &p,
        &server.url,
        local.path(),
        &["--remote-cache-read-only"],
        &token,
    );
    assert!(run.stderr.contains("(read-only)"), "{}", run.stderr);
    assert!(run.stderr.contains("0 errors"), "{}", run.stderr);
    assert_eq!(server.puts(), 0);
    let local = tempfile::tempdir().unwrap();
    let run = analyze(&p, &server.url, local.path(), &[], &token);
    assert!(
        run.stderr.contains("6 uploads, 0 rejected, 0 errors"),
        "{}",
        run.stderr
    );
    assert_eq!(server.puts(), 6);
}

#[test]
fn cache_ping_says_what_works_and_what_is_wrong() {
    let server = HttpServer::start();
    let p = Project::new();
    write_project(&p, 1);
    let ping = |url: &str, extra: &[&str], env: &[(&str, &str)]| {
        let mut cmd = p.cmd();
        cmd.args(["cache", "ping", "--remote-cache", url])
            .args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = ping(&server.url, &[], &[("WTFCB_CACHE_SIGNING_KEY", "k")]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("read back  ok: read the test value back intact"),
        "{text}"
    );
    assert!(text.contains("signing key set"), "{text}");
    assert_eq!(server.entries(), 0, "ping removes its test value");
    let (code, text) = ping(&server.url, &["--remote-cache-read-only"], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("skipped (read-only)"), "{text}");
    server.set_fault(Fault::Unauthorized);
    let (code, text) = ping(&server.url, &[], &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("WTFCB_REMOTE_CACHE_TOKEN"), "{text}");
    let refused = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("redis://{}/0", l.local_addr().unwrap())
    };
    let (code, text) = ping(&refused, &[], &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("read       FAILED: cannot connect"), "{text}");
    let out = p
        .cmd()
        .args(["cache", "ping", "--remote-cache", "ftp://x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A `redis-server` on a free loopback port, stopped when dropped.
struct Redis {
    child: std::process::Child,
    url: String,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_redis() -> Option<Redis> {
    start_redis_with(None)
}

/// A Redis on a loopback port; with `tls` (the server's certificate and key), it speaks TLS
/// only (`rediss://`).
fn start_redis_with(tls: Option<(&Path, &Path)>) -> Option<Redis> {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = std::process::Command::new("redis-server");
    command.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
    match tls {
        None => command.args(["--port", &port.to_string()]),
        Some((cert, key)) => command
            .args(["--port", "0", "--tls-port", &port.to_string()])
            .args(["--tls-auth-clients", "no", "--tls-cert-file"])
            .arg(cert)
            .arg("--tls-key-file")
            .arg(key),
    };
    let child = command.stdout(std::process::Stdio::null()).spawn();
    let child = match child {
        Ok(child) => child,
        Err(e) => {
            // `.ci/run` installs it: in CI its absence is a failure, not a skip.
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is missing in CI: {e}"
            );
            eprintln!(
                "SKIPPED: redis-server cannot be started here ({e}); install Debian's redis-server"
            );
            return None;
        }
    };
    let scheme = if tls.is_some() { "rediss" } else { "redis" };
    let redis = Redis {
        child,
        url: format!("{scheme}://127.0.0.1:{port}/0"),
    };
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(redis);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("redis-server did not listen on {port}");
}

#[test]
fn redis_serves_a_second_checkout_in_batches_of_256() {
    let Some(redis) = start_redis() else {
        return;
    };
    let p = Project::new();
    write_project(&p, 298);
    let local = tempfile::tempdir().unwrap();
    let first = analyze(
        &p,
        &redis.url,
        local.path(),
        &[],
        &[("WTFCB_CACHE_SIGNING_KEY", "k")],
    );
    // 300 files: two batches of lookups, one per project phase, then two batches of SETs.
    assert!(
        first.stderr.contains(
            "(signed): 0 hits, 302 misses, 302 uploads, 0 rejected, 0 errors, 6 round trips"
        ),
        "{}",
        first.stderr
    );
    let q = second_checkout(&p);
    let empty = tempfile::tempdir().unwrap();
    let second = analyze(
        &q,
        &redis.url,
        empty.path(),
        &[],
        &[("WTFCB_CACHE_SIGNING_KEY", "k")],
    );
    // Two batches and the two project phases' states, each a round trip for the lengths and
    // one for the values (a miss costs one: see the first run).
    assert!(
        second
            .stderr
            .contains("302 hits, 0 misses, 0 uploads, 0 rejected, 0 errors, 8 round trips"),
        "{}",
        second.stderr
    );
    assert_eq!(json(&second)["run"]["cache"]["files_parsed"], 0);
    assert_eq!(results_part(&second.json), cold(&q));
    // Issue 27: whoever can write to the cache stores values far larger than a file's result
    // may be: their lengths are read, never the values (one round trip per batch).
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).unwrap();
    let poison = vec![b'x'; 200 << 10];
    for key in keys.iter().filter(|k| !k.starts_with("wtfcb-state-")) {
        let () = redis::cmd("SET")
            .arg(key)
            .arg(&poison)
            .query(&mut conn)
            .unwrap();
    }
    let poisoned = tempfile::tempdir().unwrap();
    let third = analyze(
        &q,
        &redis.url,
        poisoned.path(),
        &["--remote-cache-read-only"],
        &[("WTFCB_CACHE_SIGNING_KEY", "k")],
    );
    assert!(
        third
            .stderr
            .contains("2 hits, 300 misses, 0 uploads, 300 rejected, 0 errors, 6 round trips"),
        "{}",
        third.stderr
    );
    assert_eq!(results_part(&third.json), cold(&q));
    // The server goes away mid-project: one warning, the same results.
    drop(redis);
    let gone = tempfile::tempdir().unwrap();
    let run = analyze(&q, "redis://127.0.0.1:1/0", gone.path(), &[], &[]);
    assert_eq!(run.code, Some(0));
    assert_eq!(
        run.stderr.matches("warning: remote cache").count(),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(results_part(&run.json), cold(&q));
}

// Issue 27: a repository's `wtfcb.toml` chose the remote (`cache.remote`) and which
// environment variable's value went to it as the bearer token (`cache.remote-token-env`), so a
// pull request could send a CI secret to any host. Neither is read from a config file now.
#[test]
fn a_project_config_chooses_neither_the_remote_nor_its_credentials() {
    let server = HttpServer::start();
    let p = Project::new();
    write_project(&p, 2);
    p.write(
        "wtfcb.toml",
        format!(
            "[cache]\nremote = \"{}\"\nremote-token-env = \"CI_SECRET\"\n",
            server.url
        ),
    );
    let local = tempfile::tempdir().unwrap();
    let out = p
        .cmd()
        .args(["analyze", "--fail-on", "never", "--cache-dir"])
        .arg(local.path())
        .env("CI_SECRET", "hunter2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(server.requests(), 0, "{stderr}");
    assert!(
        stderr.contains("`cache.remote` and `cache.remote-token-env` ignored")
            && stderr.contains("Security model"),
        "{stderr}"
    );
    // With the remote named by the user, the token still comes from the user's variable only.
    let other = tempfile::tempdir().unwrap();
    let run = analyze(
        &p,
        &server.url,
        other.path(),
        &[],
        &[
            ("CI_SECRET", "hunter2"),
            ("WTFCB_REMOTE_CACHE_TOKEN", "letmein"),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(server.requests() > 0);
    let seen = server.state.authorizations.lock().unwrap().clone();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|h| h.ends_with("Bearer letmein")),
        "{seen:?}"
    );
}

// Issue 27: a cache value was rejected only once read whole (256 keys of up to 64 MiB each per
// batch), so whoever could write to the cache could make every run hold gigabytes. A value
// larger than its file justifies is now refused by its announced size, unread: this one
// announces 64 MiB and then stalls, so reading it would cost the remote's timeout and a
// warning.
#[test]
fn a_value_larger_than_its_file_justifies_is_refused_unread() {
    let server = HttpServer::start();
    let p = Project::new();
    write_project(&p, 3);
    let expected = cold(&p);
    // Every value refused, unread, with no error and no warning.
    let refused_unread = |fault: Fault| {
        server.set_fault(fault);
        let local = tempfile::tempdir().unwrap();
        let run = analyze(
            &p,
            &server.url,
            local.path(),
            &["--remote-cache-read-only"],
            &[],
        );
        assert_eq!(run.code, Some(0), "{fault:?}: {}", run.stderr);
        assert_eq!(results_part(&run.json), expected, "{fault:?}");
        assert!(
            run.stderr
                .contains("0 hits, 7 misses, 0 uploads, 7 rejected, 0 errors"),
            "{fault:?}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("warning: remote cache"),
            "{fault:?}: {}",
            run.stderr
        );
    };
    refused_unread(Fault::Huge);
    // No length announced: the head of the body says it is no value, and no more is read.
    refused_unread(Fault::Endless);
}

/// A server that accepts connections and reads what it is sent, then answers nothing or (with
/// `trickle`) a Redis reply a byte every 100 ms; it counts the connections.
fn stalling_server(trickle: bool) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::Relaxed);
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                // A bulk reply of a megabyte, announced and then sent a byte at a time.
                if trickle && stream.write_all(b"$1048576\r\n").is_err() {
                    return;
                }
                for _ in 0..600 {
                    if trickle && stream.write_all(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
    });
    (addr.to_string(), accepted)
}

// Issue 27: the timeout was per socket read, not a deadline: Redis behind a proxy passing
// 2 bytes/s ran past 40 s, and an HTTP server that never answers cost each queued request its
// own timeout (33 s for 256 files at `remote-timeout = 1`). Now the first call past
// `remote-timeout` ends the remote's part of the run and no request starts after it.
#[test]
fn a_server_that_never_answers_costs_one_timeout() {
    let p = Project::new();
    write_project(&p, 298);
    let expected = cold(&p);
    // One run against a stalling server: its results are the local ones, with one warning.
    let stalled = |url: String| {
        let local = tempfile::tempdir().unwrap();
        let run = analyze(&p, &url, local.path(), &[], &[]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert_eq!(results_part(&run.json), expected);
        assert!(
            run.stderr.contains("no answer within remote-timeout"),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.matches("warning: remote cache").count(), 1);
    };
    let (addr, accepted) = stalling_server(false);
    stalled(format!("http://{addr}/cache"));
    // The first requests on the 8 connections, and none after the first failure.
    let connections = accepted.load(Ordering::Relaxed);
    assert!((1..=8).contains(&connections), "{connections}");
    // Redis that trickles its answer a byte at a time: one connection.
    let (addr, accepted) = stalling_server(true);
    stalled(format!("redis://{addr}/0"));
    assert_eq!(accepted.load(Ordering::Relaxed), 1);
}

/// A certificate authority and a server certificate for `localhost` it signed, made with
/// `openssl` in `dir`: (CA certificate, server certificate, server key); `None` (a skip)
/// without `openssl`, except in CI, whose `.ci/run` installs it.
fn test_certificates(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    if let Err(e) = std::process::Command::new("openssl")
        .arg("version")
        .output()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "openssl is missing in CI: {e}"
        );
        eprintln!("SKIPPED: openssl cannot be run here ({e}); install Debian's openssl");
        return None;
    }
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=wtfcb test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.crt",
        "-days",
        "2",
        "-extfile",
        "ext",
    ]);
    Some((dir.join("ca.crt"), dir.join("srv.crt"), dir.join("srv.key")))
}

// Issue 27: `rediss://` was documented, but the build lacked TLS (exit 2 at start). It speaks
// TLS with the rustls the binary links, trusting the system's certificate store
// (`SSL_CERT_FILE` names another), and refuses a server it cannot verify.
#[test]
fn rediss_serves_over_tls_and_refuses_an_unknown_issuer() {
    let certs = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = test_certificates(certs.path()) else {
        return;
    };
    let Some(redis) = start_redis_with(Some((&cert, &key))) else {
        return;
    };
    let p = Project::new();
    write_project(&p, 3);
    let trust = [("SSL_CERT_FILE", ca.to_str().unwrap())];
    let local = tempfile::tempdir().unwrap();
    let first = analyze(&p, &redis.url, local.path(), &[], &trust);
    assert!(first.stderr.contains("0 errors"), "{}", first.stderr);
    assert!(first.stderr.contains("7 uploads"), "{}", first.stderr);
    let q = second_checkout(&p);
    let empty = tempfile::tempdir().unwrap();
    let second = analyze(&q, &redis.url, empty.path(), &[], &trust);
    assert!(
        second.stderr.contains("7 hits, 0 misses"),
        "{}",
        second.stderr
    );
    assert_eq!(results_part(&second.json), cold(&q));
    // Without the CA the server's certificate does not verify: one warning, local results.
    let untrusted = tempfile::tempdir().unwrap();
    let run = analyze(&q, &redis.url, untrusted.path(), &[], &[]);
    assert_eq!(run.code, Some(0));
    assert!(run.stderr.contains("UnknownIssuer"), "{}", run.stderr);
    assert_eq!(results_part(&run.json), cold(&q));
}

/// Files older than the racy-mtime window, so that a recorded state can be trusted.
fn age(dir: &Path) {
    let touched = std::process::Command::new("find")
        .arg(dir)
        .args([
            "-type",
            "f",
            "-exec",
            "touch",
            "-d",
            "2020-01-01",
            "{}",
            "+",
        ])
        .status()
        .unwrap();
    assert!(touched.success());
}

#[test]
fn a_shared_directory_serves_a_second_checkout_and_refuses_what_was_planted() {
    let shared = tempfile::tempdir().unwrap();
    let store = shared.path().join("store");
    let url = format!("file://{}", store.display());
    let p = Project::new();
    write_project(&p, 5);
    let local = tempfile::tempdir().unwrap();
    let first = analyze(&p, &url, local.path(), &[], &[]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(
        first
            .stderr
            .contains("0 hits, 9 misses, 9 uploads, 0 rejected, 0 errors"),
        "{}",
        first.stderr
    );
    // One file per value, all named by their key; no temporary file left behind.
    let names: Vec<String> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 9, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("wtfcb-")), "{names:?}");
    let q = second_checkout(&p);
    age(q.path());
    let empty = tempfile::tempdir().unwrap();
    let second = analyze(&q, &url, empty.path(), &[], &[]);
    assert!(
        second.stderr.contains("9 hits, 0 misses, 0 uploads"),
        "{}",
        second.stderr
    );
    assert_eq!(json(&second)["run"]["cache"]["files_parsed"], 0);
    assert_eq!(results_part(&second.json), cold(&q));
    // Someone with write access to the directory replaces one value with garbage and another
    // with a FIFO: each is a rejected miss (no hang on the FIFO), the files are parsed
    // here, and the results are the same.
    let mut planted = names.iter().filter(|n| !n.starts_with("wtfcb-state-"));
    let garbage = store.join(planted.next().unwrap());
    std::fs::write(&garbage, b"wtfcbrv1 but not really a value").unwrap();
    let fifo = store.join(planted.next().unwrap());
    std::fs::remove_file(&fifo).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let r = analyze(&q, &url, tempfile::tempdir().unwrap().path(), &[], &[]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("7 hits, 2 misses"), "{}", r.stderr);
    assert!(r.stderr.contains("2 rejected, 0 errors"), "{}", r.stderr);
    assert_eq!(json(&r)["run"]["cache"]["files_parsed"], 2);
    assert_eq!(results_part(&r.json), cold(&q));
    // `cache ping` writes, reads back and removes its probe.
    let ping = q
        .cmd()
        .args(["cache", "ping", "--remote-cache", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&ping.stdout);
    assert!(ping.status.success(), "{text}");
    assert!(text.contains("read the test value back intact"), "{text}");
    assert!(!std::fs::read_dir(&store).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("ping")));
}
