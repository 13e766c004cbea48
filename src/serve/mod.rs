//! `--serve`: a page on 127.0.0.1 that shows a run as it happens, updated by server-sent
//! events. Only this machine can reach it (the socket is bound to the loopback address, on a
//! port the system picks), only with the random token printed at the start (every request
//! without it is refused), only under the host names `127.0.0.1` and `localhost` (a page from
//! elsewhere cannot rebind a name to it), GET only, every request head bounded, every
//! connection timed, at most [`MAX_CONNECTIONS`] at once. The server stops when the run ends,
//! or at Ctrl-C with `--serve-keep`.

mod live;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context as _;

pub use live::{Live, State};

/// Connections served at once; more are refused with 503.
pub const MAX_CONNECTIONS: usize = 32;
/// A request head larger than this is refused.
const MAX_HEAD: usize = 8192;
/// How often an event stream looks for a new state, and the sampler takes one.
const TICK: Duration = Duration::from_millis(200);
const SAMPLE: Duration = Duration::from_millis(250);

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("../../crates/report/src/report/html/report.css");

/// A running server.
pub struct Server {
    port: u16,
    token: String,
    stop: Arc<AtomicBool>,
    live: Arc<Live>,
    threads: Vec<JoinHandle<()>>,
    streams: Arc<AtomicUsize>,
}

/// 128 random bits from the kernel, as hex.
fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("--serve: no randomness for the page's token (/dev/urandom)")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equal without telling, by its timing, how much of a guess was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The page's Content-Security-Policy: its one script by hash, connections to itself only
/// (the event stream), nothing else loaded.
fn policy() -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(SCRIPT.as_bytes());
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

fn page() -> String {
    PAGE.replace("{{CSP}}", &policy())
        .replace("{{STYLE}}", STYLE)
        .replace("{{SCRIPT}}", SCRIPT)
}

/// What a connection needs of the server.
#[derive(Clone)]
struct Shared {
    port: u16,
    token: String,
    stop: Arc<AtomicBool>,
    live: Arc<Live>,
    connections: Arc<AtomicUsize>,
    streams: Arc<AtomicUsize>,
}

/// A request as far as this server reads it.
struct Request {
    method: String,
    path: String,
    token: Option<String>,
    host: Option<String>,
}

fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(Some(head))
}

fn parse(head: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?, first.next()?);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let token = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .map(str::to_string);
    let host = lines.take_while(|l| !l.is_empty()).find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("host")
            .then(|| value.trim().to_string())
    });
    Some(Request {
        method: method.to_string(),
        path: path.to_string(),
        token,
        host,
    })
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    csp: Option<&str>,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\nX-Frame-Options: DENY\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(csp) = csp {
        head.push_str(&format!("Content-Security-Policy: {csp}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

/// Sends a state whenever it changed (and a comment now and then, so that a proxy or the
/// browser keeps the stream open) until the server stops or the page goes away.
fn events(stream: &mut TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: keep-alive\r\n\r\n",
    )?;
    let (mut sent, mut quiet) = (u64::MAX, Instant::now());
    shared.streams.fetch_add(1, Ordering::SeqCst);
    let result = loop {
        let seq = shared.live.seq();
        if seq != sent {
            let state = shared.live.snapshot();
            let json = serde_json::to_string(&state).unwrap_or_else(|_| "{}".into());
            if let Err(e) =
                write!(stream, "event: state\ndata: {json}\n\n").and_then(|()| stream.flush())
            {
                break Err(e);
            }
            sent = seq;
            quiet = Instant::now();
        } else if quiet.elapsed() > Duration::from_secs(10) {
            if let Err(e) = stream.write_all(b": still here\n\n") {
                break Err(e);
            }
            quiet = Instant::now();
        }
        if shared.stop.load(Ordering::SeqCst) {
            break Ok(());
        }
        std::thread::sleep(TICK);
    };
    shared.streams.fetch_sub(1, Ordering::SeqCst);
    result
}

fn serve(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let Some(request) = read_head(&mut stream)?.and_then(|head| parse(&head)) else {
        return respond(
            &mut stream,
            "400 Bad Request",
            "text/plain",
            b"bad request\n",
            None,
        );
    };
    if request.method != "GET" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"GET only\n",
            None,
        );
    }
    let port = shared.port;
    let host_ok = request
        .host
        .as_deref()
        .is_some_and(|h| h == format!("127.0.0.1:{port}") || h == format!("localhost:{port}"));
    let token_ok = request
        .token
        .as_deref()
        .is_some_and(|t| same(t.as_bytes(), shared.token.as_bytes()));
    if !host_ok || !token_ok {
        return respond(
            &mut stream,
            "403 Forbidden",
            "text/plain",
            b"forbidden: open the address wtfcb printed, with its token\n",
            None,
        );
    }
    match request.path.as_str() {
        "/" => respond(
            &mut stream,
            "200 OK",
            "text/html; charset=utf-8",
            page().as_bytes(),
            Some(&policy()),
        ),
        "/state" => {
            let json = serde_json::to_vec(&shared.live.snapshot()).unwrap_or_default();
            respond(&mut stream, "200 OK", "application/json", &json, None)
        }
        "/events" => events(&mut stream, shared),
        _ => respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            None,
        ),
    }
}

fn accept_loop(listener: TcpListener, shared: Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                if shared.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                    shared.connections.fetch_sub(1, Ordering::SeqCst);
                    let mut stream = stream;
                    let _ = respond(
                        &mut stream,
                        "503 Service Unavailable",
                        "text/plain",
                        b"busy\n",
                        None,
                    );
                    continue;
                }
                let mine = shared.clone();
                let spawned = std::thread::Builder::new()
                    .name("wtfcb-serve".into())
                    .spawn(move || {
                        let _ = serve(stream, &mine);
                        mine.connections.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    // No thread for it: the connection went with the closure, and its place
                    // is given back (else 32 refused threads would refuse every page).
                    shared.connections.fetch_sub(1, Ordering::SeqCst);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(25))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(25)),
        }
    }
}

impl Server {
    /// Binds 127.0.0.1 on a free port and starts serving `live`, with a sampler of this
    /// process and its parser processes.
    pub fn start(live: Arc<Live>) -> anyhow::Result<Server> {
        let listener =
            TcpListener::bind(("127.0.0.1", 0)).context("--serve: cannot listen on 127.0.0.1")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let token = random_token()?;
        let stop = Arc::new(AtomicBool::new(false));
        let streams = Arc::new(AtomicUsize::new(0));
        let shared = Shared {
            port,
            token: token.clone(),
            stop: Arc::clone(&stop),
            live: Arc::clone(&live),
            connections: Arc::new(AtomicUsize::new(0)),
            streams: Arc::clone(&streams),
        };
        let mut threads = Vec::new();
        threads.push(
            std::thread::Builder::new()
                .name("wtfcb-serve".into())
                .spawn(move || accept_loop(listener, shared))
                .context("--serve: cannot start the server's thread")?,
        );
        let (sampled, stop_sampling) = (Arc::clone(&live), Arc::clone(&stop));
        threads.push(
            std::thread::Builder::new()
                .name("wtfcb-serve-sampler".into())
                .spawn(move || {
                    let mut probe = wtfcb_core::profile::Probe::new(std::process::id(), true);
                    while !stop_sampling.load(Ordering::SeqCst) {
                        if let Some(sample) = probe.sample() {
                            sampled.sample(&sample);
                        }
                        std::thread::sleep(SAMPLE);
                    }
                })
                .context("--serve: cannot start the sampler's thread")?,
        );
        Ok(Server {
            port,
            token,
            stop,
            live,
            threads,
            streams,
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/?token={}", self.port, self.token)
    }

    pub fn live(&self) -> &Arc<Live> {
        &self.live
    }

    /// Stops serving, once the pages that watch have been sent the last state; with `keep`,
    /// only at Ctrl-C.
    pub fn stop(self, keep: bool, err: &mut dyn Write) {
        if keep {
            crate::signals::catch();
            let _ = writeln!(
                err,
                "wtfcb: the run is done; {} stays up until Ctrl-C",
                self.url()
            );
            while !crate::signals::stopped() {
                std::thread::sleep(TICK);
            }
        } else {
            // An open event stream sends the last state within a tick.
            if self.streams.load(Ordering::SeqCst) > 0 {
                std::thread::sleep(TICK * 3);
            }
        }
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_read_no_further_than_needed() {
        let r = parse(
            b"GET /events?x=1&token=abc HTTP/1.1\r\nHost: 127.0.0.1:9\r\nAccept: */*\r\n\r\n",
        )
        .unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/events"));
        assert_eq!(r.token.as_deref(), Some("abc"));
        assert_eq!(r.host.as_deref(), Some("127.0.0.1:9"));
        assert!(parse(b"\xff\xfe\r\n\r\n").is_none());
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
    }

    #[test]
    fn the_page_allows_its_own_script_and_nothing_else() {
        let page = page();
        assert!(page.contains(SCRIPT));
        let csp = policy();
        assert!(csp.starts_with("default-src 'none'; script-src 'sha256-"));
        assert!(csp.contains("connect-src 'self'"));
        assert!(!page.contains("{{"));
    }
}
