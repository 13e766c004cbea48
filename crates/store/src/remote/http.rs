//! An HTTP cache server (`http(s)://host/prefix`): `GET`/`PUT`/`DELETE` on `prefix/<key>`, the
//! layout of bazel-remote's and nginx WebDAV's caches. Plain HTTP has no batch request: a batch
//! is up to [`CONNECTIONS`] requests at once.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Condvar, Mutex};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use super::seal::{plausible_head, HEAD};
use super::{lock, Call, Fetched, RemoteOptions, Store, IN_FLIGHT};

/// Requests served at once.
const CONNECTIONS: usize = 8;

pub struct Http {
    agent: ureq::Agent,
    base: Base,
    token: Option<String>,
    token_env: String,
}

/// Opens the backend for `http://` and `https://` URLs (no network yet).
pub fn open(opts: &RemoteOptions) -> Result<Box<dyn Store>, String> {
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(opts.connect_timeout))
        .timeout_global(Some(opts.timeout))
        .http_status_as_error(false)
        .max_idle_connections_per_host(CONNECTIONS)
        .build();
    let agent = ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::new(),
        Resolved::<DefaultResolver>::default(),
    );
    Ok(Box::new(Http {
        agent,
        base: Base::of(opts.url.trim()),
        token: opts.token.clone(),
        token_env: opts.token_env.clone(),
    }))
}

/// ureq resolves the host before every request, even one that an open connection will
/// serve, and with a timeout it does so on a thread of its own: on cpython's 1,750 values that
/// was a thread and a `getaddrinfo` per request, most of the client's time. This resolver asks
/// once per host and port and answers from memory for the rest of the run.
#[derive(Debug, Default)]
struct Resolved<R = DefaultResolver> {
    known: Mutex<Vec<(String, ResolvedSocketAddrs)>>,
    system: R,
}

impl<R: Resolver> Resolver for Resolved<R> {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        let host = format!("{}|{authority}", uri.scheme_str().unwrap_or_default());
        if let Some((_, addrs)) = lock(&self.known).iter().find(|(h, _)| *h == host) {
            return Ok(addrs.clone());
        }
        let addrs = self.system.resolve(uri, config, timeout)?;
        lock(&self.known).push((host, addrs.clone()));
        Ok(addrs)
    }
}

/// Where an HTTP remote's values live: the URL's path, with each key appended as one more
/// path segment, and its query (a SAS token, a version) kept after the key, so that no two keys
/// share one URL. A fragment is never sent.
#[derive(Debug)]
pub(crate) struct Base {
    path: String,
    query: Option<String>,
}

impl Base {
    pub(crate) fn of(url: &str) -> Base {
        let url = url.split('#').next().unwrap_or(url);
        let (path, query) = match url.split_once('?') {
            Some((path, query)) => (path, Some(query.to_string())),
            None => (url, None),
        };
        Base {
            path: path.trim_end_matches('/').to_string(),
            query: query.filter(|q| !q.is_empty()),
        }
    }

    pub(crate) fn key(&self, key: &str) -> String {
        match &self.query {
            Some(query) => format!("{}/{key}?{query}", self.path),
            None => format!("{}/{key}", self.path),
        }
    }
}

impl Store for Http {
    /// Up to [`CONNECTIONS`] requests at once, from the first key to the last: each thread
    /// takes the next key as soon as it has handed over its last value (no thread waits for
    /// the slowest request of a group), and the values go to `sink` on this thread as they
    /// arrive. A thread reserves a key's limit before its request, so that values fetched and
    /// not yet checked never add up to more than [`IN_FLIGHT`] bytes (or one value).
    fn get_many(
        &self,
        wanted: &[(String, usize)],
        call: &Call,
        sink: &mut dyn FnMut(Vec<(usize, Fetched)>),
    ) -> Result<(), String> {
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let budget = Budget::new(IN_FLIGHT);
        let (sender, arrived) = channel::<(usize, Result<Fetched, String>)>();
        let fetch = |sender: Sender<(usize, Result<Fetched, String>)>| loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= wanted.len() || stop.load(Ordering::Relaxed) || call.is_down() {
                return;
            }
            budget.take(wanted[i].1);
            if stop.load(Ordering::Relaxed) {
                budget.give(wanted[i].1);
                return;
            }
            call.round_trips(1);
            let fetched = self.get(&wanted[i], call);
            if sender.send((i, fetched)).is_err() {
                budget.give(wanted[i].1);
                return;
            }
        };
        std::thread::scope(|s| {
            let threads = wanted.len().min(CONNECTIONS);
            let started = (0..threads)
                .filter(|_| {
                    let sender = sender.clone();
                    std::thread::Builder::new()
                        .name("wtfcb-remote-get".into())
                        .spawn_scoped(s, || fetch(sender))
                        .is_ok()
                })
                .count();
            drop(sender);
            if started == 0 {
                // No thread could start: one request at a time on this one.
                for (i, key) in wanted.iter().enumerate() {
                    if call.is_down() {
                        break;
                    }
                    call.round_trips(1);
                    sink(vec![(i, self.get(key, call)?)]);
                }
                return Ok(());
            }
            // However this thread leaves (a panic in `sink` too), no request thread is left
            // waiting for room that would never be given back.
            let _release = Release(&budget, &stop);
            let mut failed = None;
            while let Ok(first) = arrived.recv() {
                let mut got = Vec::new();
                let mut reserved = 0;
                for (i, fetched) in std::iter::once(first).chain(arrived.try_iter()) {
                    reserved += wanted[i].1;
                    match fetched {
                        Ok(fetched) => got.push((i, fetched)),
                        Err(e) => {
                            // No request starts after the first failure.
                            stop.store(true, Ordering::Relaxed);
                            failed.get_or_insert(e);
                        }
                    }
                }
                if failed.is_none() {
                    sink(got);
                }
                budget.give(reserved);
            }
            failed.map_or(Ok(()), Err)
        })
    }

    fn put_many(&self, items: &[(String, Vec<u8>)], call: &Call) -> Result<(), String> {
        call.round_trips(items.len());
        let results = parallel(items, |(key, value)| self.put(key, value, call));
        results.into_iter().collect()
    }

    /// Best effort: an HTTP cache may not allow `DELETE`.
    fn delete(&self, key: &str, call: &Call) -> Result<(), String> {
        let request = self
            .agent
            .delete(&self.base.key(key))
            .config()
            .timeout_global(Some(call.left()?))
            .build();
        self.authorized(request)
            .call()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

impl Http {
    /// One `GET`, bounded by the run's deadline and the key's limit.
    fn get(&self, (key, limit): &(String, usize), call: &Call) -> Result<Fetched, String> {
        // After the first failure no request waits.
        if call.is_down() {
            return Ok(Fetched::Missing);
        }
        let request = self
            .agent
            .get(&self.base.key(key))
            .config()
            .timeout_global(Some(call.left()?))
            .build();
        let response = self.authorized(request).call().map_err(|e| match e {
            ureq::Error::Timeout(_) => call.out_of_time(),
            e => e.to_string(),
        })?;
        match response.status().as_u16() {
            200 => read_body(response.into_body(), key, *limit),
            404 => Ok(Fetched::Missing),
            401 | 403 => Err(format!(
                "HTTP {} on GET: the server refused the credentials (set ${} to a token it accepts)",
                response.status().as_u16(),
                self.token_env
            )),
            code => Err(format!("HTTP {code} on GET {key}")),
        }
    }

    fn put(&self, key: &str, value: &[u8], call: &Call) -> Result<(), String> {
        if call.is_down() {
            return Ok(());
        }
        let request = self
            .agent
            .put(&self.base.key(key))
            .config()
            .timeout_global(Some(call.left()?))
            .build()
            .header("Content-Type", "application/octet-stream");
        let response = self.authorized(request).send(value).map_err(|e| match e {
            ureq::Error::Timeout(_) => call.out_of_time(),
            e => e.to_string(),
        })?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            401 | 403 => Err(format!(
                "HTTP {} on PUT: the server refused to store (credentials in ${}, or use --remote-cache-read-only)",
                response.status().as_u16(),
                self.token_env
            )),
            code => Err(format!("HTTP {code} on PUT {key}")),
        }
    }

    /// The request with the bearer token, when there is one.
    fn authorized<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(token) => request.header("Authorization", &format!("Bearer {token}")),
            None => request,
        }
    }
}

/// A `200`'s body, read no further than the key's limit: the head first, so that a body that
/// is no value of this build (garbage, another layout or build, an unpacked length past the
/// limit) is not read on.
fn read_body(mut body: ureq::Body, key: &str, limit: usize) -> Result<Fetched, String> {
    if body.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(Fetched::TooLarge);
    }
    let announced = body.content_length().unwrap_or(0) as usize;
    let mut reader = body.as_reader().take(limit as u64 + 1);
    let mut bytes = vec![0u8; HEAD];
    if let Err(e) = reader.read_exact(&mut bytes) {
        return match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Ok(Fetched::TooLarge),
            _ => Err(format!("reading {key}: {e}")),
        };
    }
    if !plausible_head(&bytes, limit) {
        return Ok(Fetched::TooLarge);
    }
    bytes.reserve(announced.min(limit).saturating_sub(HEAD));
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading {key}: {e}"))?;
    Ok(if bytes.len() > limit {
        Fetched::TooLarge
    } else {
        Fetched::Value(bytes)
    })
}

/// Runs `f` over `items` on up to [`CONNECTIONS`] threads, results in order.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = items.len().clamp(1, CONNECTIONS);
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        // A part whose thread cannot start runs on this one.
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                std::thread::Builder::new()
                    .spawn_scoped(s, || part.iter().map(&f).collect::<Vec<R>>())
                    .map_err(|_| part)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h {
                Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                Err(part) => part.iter().map(&f).collect(),
            })
            .collect()
    })
}

/// Bytes that values fetched and not yet checked may take, reserved before each request by
/// the key's limit and given back once `sink` has had the value.
struct Budget {
    room: Mutex<Room>,
    freed: Condvar,
    most: usize,
}

/// What [`Budget`] guards.
struct Room {
    held: usize,
    /// Set when the reader stops: nothing waits for room any more.
    closed: bool,
}

impl Budget {
    fn new(most: usize) -> Budget {
        Budget {
            room: Mutex::new(Room {
                held: 0,
                closed: false,
            }),
            freed: Condvar::new(),
            most,
        }
    }

    /// Reserves `bytes`, waiting until they fit; one value alone always fits.
    fn take(&self, bytes: usize) {
        let mut room = lock(&self.room);
        while room.held > 0 && room.held.saturating_add(bytes) > self.most && !room.closed {
            room = self.freed.wait(room).unwrap_or_else(|e| e.into_inner());
        }
        room.held += bytes;
    }

    fn give(&self, bytes: usize) {
        let mut room = lock(&self.room);
        room.held = room.held.saturating_sub(bytes);
        self.freed.notify_all();
    }

    /// Lets every waiting thread go, and any later one through.
    fn close(&self) {
        lock(&self.room).closed = true;
        self.freed.notify_all();
    }
}

/// Stops the request threads and lets every waiting one go, when the reader leaves.
struct Release<'a>(&'a Budget, &'a AtomicBool);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.1.store(true, Ordering::Relaxed);
        self.0.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// A keep-alive HTTP/1.1 server on loopback: every `GET` is answered with `body` (`500` for
    /// the request numbered `fails`, counting from 1). Returns its URL and its request count.
    fn server(body: &'static [u8], fails: Option<u64>) -> (String, Arc<AtomicU64>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/cache", listener.local_addr().unwrap());
        let count = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&count);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let count = Arc::clone(&counted);
                std::thread::spawn(move || answer(stream, body, fails, &count));
            }
        });
        (url, count)
    }

    fn answer(stream: TcpStream, body: &[u8], fails: Option<u64>, count: &AtomicU64) {
        let Ok(read) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(read);
        let mut out = stream;
        // A line without its line break; `None` once the client has gone.
        let mut next_line = || {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(n) if n > 0 => Some(line.trim().to_string()),
                _ => None,
            }
        };
        loop {
            // The request line, then the headers up to the blank line (a GET has no body).
            let Some(request) = next_line() else {
                return;
            };
            if request.is_empty() {
                continue;
            }
            loop {
                match next_line() {
                    None => return,
                    Some(header) if header.is_empty() => break,
                    Some(_) => {}
                }
            }
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            let status = if Some(n) == fails {
                "500 Oops"
            } else {
                "200 OK"
            };
            let body = if Some(n) == fails { &[][..] } else { body };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            if out
                .write_all(head.as_bytes())
                .and_then(|_| out.write_all(body))
                .is_err()
            {
                return;
            }
        }
    }

    fn backend(url: &str) -> Box<dyn Store> {
        open(&RemoteOptions {
            url: url.to_string(),
            read_only: true,
            token_env: "WTFCB_REMOTE_CACHE_TOKEN".into(),
            token: None,
            signing_key: None,
            ttl: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(30),
        })
        .unwrap()
    }

    /// Runs `f` with a call bounded by 30 s.
    fn with_call<T>(f: impl FnOnce(&Call) -> T) -> T {
        let down = AtomicBool::new(false);
        let round_trips = AtomicU64::new(0);
        f(&Call {
            deadline: Instant::now() + Duration::from_secs(30),
            timeout: Duration::from_secs(30),
            down: &down,
            round_trips: &round_trips,
        })
    }

    #[test]
    fn a_lookup_holds_no_more_values_than_its_budget_and_hears_of_every_key() {
        let (url, requests) = server(b"no value of ours", None);
        let store = backend(&url);
        // Each value may take half the budget: at most two may be fetched and not yet read.
        let wanted: Vec<(String, usize)> =
            (0..40).map(|i| (format!("k{i}"), IN_FLIGHT / 2)).collect();
        let mut heard = vec![0; wanted.len()];
        let mut read = 0u64;
        with_call(|call| {
            store.get_many(&wanted, call, &mut |chunk| {
                let asked = requests.load(Ordering::SeqCst);
                assert!(
                    asked <= read + 2,
                    "{asked} requests with {read} values read"
                );
                for (i, fetched) in chunk {
                    // Shorter than an envelope's head: refused unread.
                    assert_eq!(fetched, Fetched::TooLarge);
                    heard[i] += 1;
                    read += 1;
                }
            })
        })
        .unwrap();
        assert!(heard.iter().all(|&n| n == 1), "{heard:?}");
        assert_eq!(requests.load(Ordering::SeqCst), 40);
    }

    #[test]
    fn a_failed_request_ends_the_lookup_with_its_error() {
        let (url, requests) = server(b"x", Some(5));
        let store = backend(&url);
        let wanted: Vec<(String, usize)> = (0..200).map(|i| (format!("k{i}"), 1000)).collect();
        let err = with_call(|call| store.get_many(&wanted, call, &mut |_| ())).unwrap_err();
        assert!(err.contains("HTTP 500"), "{err}");
        // No request starts after the failure is known; those under way finish.
        let asked = requests.load(Ordering::SeqCst);
        assert!(asked < 5 + 2 * CONNECTIONS as u64, "{asked} requests");
    }

    #[test]
    fn a_reader_that_panics_leaves_no_request_thread_waiting() {
        let (url, _) = server(b"x", None);
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let store = backend(&url);
            // One value at a time: the request threads wait for the reader to give room back.
            let wanted: Vec<(String, usize)> =
                (0..50).map(|i| (format!("k{i}"), IN_FLIGHT)).collect();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                with_call(|call| store.get_many(&wanted, call, &mut |_| panic!("reader failed")))
            }));
            done.send(outcome.is_err()).unwrap();
        });
        let panicked = finished
            .recv_timeout(Duration::from_secs(60))
            .expect("the lookup returned instead of waiting forever");
        assert!(panicked);
    }

    #[derive(Debug, Default)]
    struct Counting(AtomicU64);

    impl Resolver for Counting {
        fn resolve(
            &self,
            _: &ureq::http::Uri,
            _: &ureq::config::Config,
            _: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            let mut addrs = self.empty();
            addrs.push(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                1000 + n as u16,
            )));
            Ok(addrs)
        }
    }

    #[test]
    fn a_host_is_resolved_once_per_run() {
        let resolver = Resolved::<Counting>::default();
        let config = ureq::config::Config::default();
        let timeout = || NextTimeout {
            after: ureq::unversioned::transport::time::Duration::from_secs(5),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        let resolve = |url: &str| {
            let uri: ureq::http::Uri = url.parse().unwrap();
            resolver.resolve(&uri, &config, timeout()).unwrap()[0]
        };
        let first = resolve("http://cache.example:8080/wtfcb/a");
        assert_eq!(resolve("http://cache.example:8080/wtfcb/b"), first);
        // Another port or scheme is another host.
        assert_ne!(resolve("http://cache.example:8081/wtfcb/a"), first);
        assert_ne!(resolve("https://cache.example:8080/wtfcb/a"), first);
        assert_eq!(resolver.system.0.load(Ordering::SeqCst), 3);
    }
}
