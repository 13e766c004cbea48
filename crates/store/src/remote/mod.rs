//! The shared remote cache: a second tier behind the in-memory LRU and the local SQLite file.
//! A backend is a [`Store`] of sealed bytes (one module each, one line in [`BACKENDS`]): a
//! Redis server (`redis://host:port/db`, [`redis`]) or an HTTP cache server
//! (`http(s)://host/prefix`, bazel-remote's layout, [`http`]), both behind the `remote`
//! feature, or a shared directory (`file:///path`, [`dir`]). [`Remote`] holds one of them and does what every backend needs alike: the run's
//! deadline, the first failure that ends the remote's part in the run, the counters, and the
//! envelope ([`seal`]). Nothing read from a remote is trusted: every value is length-bounded,
//! checksummed, bound to its key and this build, and, with `WTFCB_CACHE_SIGNING_KEY`, signed
//! with HMAC-SHA256; anything else is a counted miss. A failing remote costs one warning: the
//! run goes on locally, with the same results. What a value holds is the cache's business: this
//! module knows bytes only.

mod dir;
#[cfg(feature = "remote")]
mod http;
#[cfg(feature = "remote")]
mod redis;
pub mod seal;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use seal::{open_bytes, seal_bytes, Reject, MAX_VALUE};

/// Keys looked up or written per round trip.
pub const BATCH: usize = 256;

/// Bytes of values one lookup reads before they are checked and dropped (a single value up to
/// its own limit is still read whole).
pub(crate) const IN_FLIGHT: usize = 32 << 20;

/// What a lookup found for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Missing,
    /// More bytes than the key's limit: not read, counted as rejected.
    TooLarge,
    Value(Vec<u8>),
}

/// A backend: sealed values under string keys. Every call is bounded by `call` (its deadline,
/// and whether the remote is already down) and counts its round trips there; an `Err` is the
/// remote failing (it ends the remote's part in the run), not a missing value.
pub trait Store: Send + Sync {
    /// Looks `wanted` up (each key with the most bytes its value may take) and hands what it
    /// found to `sink` a chunk at a time, as indices into `wanted`, holding at most
    /// [`IN_FLIGHT`] bytes of values (or one value) at once; a value past its key's limit is
    /// not read (`Fetched::TooLarge`). A key `sink` never hears of is a miss.
    fn get_many(
        &self,
        wanted: &[(String, usize)],
        call: &Call,
        sink: &mut dyn FnMut(Vec<(usize, Fetched)>),
    ) -> Result<(), String>;

    /// Stores sealed values (at most [`BATCH`] a call).
    fn put_many(&self, items: &[(String, Vec<u8>)], call: &Call) -> Result<(), String>;

    /// Removes one value (`cache ping`'s probe); a backend that cannot may do nothing.
    fn delete(&self, key: &str, call: &Call) -> Result<(), String>;
}

/// Opens the backend for a URL; each knows its own schemes.
type Open = fn(&RemoteOptions) -> Result<Box<dyn Store>, String>;

/// The backends: URL prefixes, how to open one, and the URL's shape for messages.
pub const BACKENDS: &[(&[&str], Open, &str)] = &[
    #[cfg(feature = "remote")]
    (
        &["redis://", "rediss://"],
        redis::open,
        "redis://host:port/db",
    ),
    #[cfg(feature = "remote")]
    (
        &["http://", "https://"],
        http::open,
        "http(s)://host/prefix",
    ),
    (&["file://"], dir::open, "file:///path/to/dir"),
];

/// What bounds one call on a backend, and where it counts its round trips.
pub struct Call<'a> {
    pub deadline: Instant,
    timeout: Duration,
    down: &'a AtomicBool,
    round_trips: &'a AtomicU64,
}

impl Call<'_> {
    /// What is left until the deadline; the remote's time is up when nothing is.
    pub fn left(&self) -> Result<Duration, String> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.out_of_time());
        }
        Ok(left)
    }

    /// Whether an earlier call failed: no request starts after that.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    pub fn round_trips(&self, n: usize) {
        self.round_trips.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn out_of_time(&self) -> String {
        out_of_time(self.timeout)
    }
}

fn out_of_time(timeout: Duration) -> String {
    format!(
        "no answer within remote-timeout ({} s for all of the run's requests)",
        timeout.as_secs_f64()
    )
}

/// The environment variable holding the signing key.
pub const SIGNING_KEY_ENV: &str = "WTFCB_CACHE_SIGNING_KEY";

/// The environment variable holding the bearer token (HTTP) or password (Redis): the only
/// source of the credential (a config file cannot name another; see README "Security model").
pub const DEFAULT_TOKEN_ENV: &str = "WTFCB_REMOTE_CACHE_TOKEN";

/// How to reach the remote, from `--remote-cache`, the config and the environment.
#[derive(Clone)]
pub struct RemoteOptions {
    pub url: String,
    pub read_only: bool,
    /// The name of the environment variable with the token (never the token on the command
    /// line), and its value when set.
    pub token_env: String,
    pub token: Option<String>,
    pub signing_key: Option<Vec<u8>>,
    /// How long Redis keeps a value (HTTP servers decide themselves).
    pub ttl: Duration,
    pub connect_timeout: Duration,
    pub timeout: Duration,
}

impl std::fmt::Debug for RemoteOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        // Never the token or the key.
        f.debug_struct("RemoteOptions")
            .field("url", &redact(&self.url))
            .field("read_only", &self.read_only)
            .field("signed", &self.signing_key.is_some())
            .finish()
    }
}

/// The URL without its secrets: the user-info (`redis://:secret@host` → `redis://***@host`),
/// every query value (an Azure SAS `?sv=1&sig=abc` → `?sv=***&sig=***`) and the fragment.
pub fn redact(url: &str) -> String {
    let Some(scheme) = url.find("://") else {
        return url.to_string();
    };
    let after = scheme + 3;
    let authority_end = url[after..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after + i);
    let mut out = String::with_capacity(url.len());
    out.push_str(&url[..after]);
    match url[after..authority_end].rfind('@') {
        Some(at) => {
            out.push_str("***");
            out.push_str(&url[after + at..authority_end]);
        }
        None => out.push_str(&url[after..authority_end]),
    }
    let rest = &url[authority_end..];
    let (before_fragment, fragment) = match rest.find('#') {
        Some(i) => (&rest[..i], Some(())),
        None => (rest, None),
    };
    match before_fragment.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let hidden: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) => format!("{name}=***"),
                    None if pair.is_empty() => String::new(),
                    None => "***".to_string(),
                })
                .collect();
            out.push_str(&hidden.join("&"));
        }
        None => out.push_str(before_fragment),
    }
    if fragment.is_some() {
        out.push_str("#***");
    }
    out
}

/// `text` with every URL in it (`scheme://...` up to white space or a quote) redacted as
/// [`redact`] does: for messages that quote a config line, an error or an argument.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("://") {
        let sep = search + found;
        let start = text[..sep]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let end = text[sep..]
            .find(|c: char| c.is_whitespace() || c.is_control() || "\"'`<>".contains(c))
            .map_or(text.len(), |i| sep + i);
        if start < sep && start >= done {
            out.push_str(&text[done..start]);
            out.push_str(&redact(&text[start..end]));
            done = end;
        }
        search = end.max(sep + 3);
    }
    out.push_str(&text[done..]);
    out
}

/// What the remote did in one run: the stderr line, `run.cache.remote` in JSON, and what
/// `wtfcb cache stats` shows of the last run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RemoteStats {
    pub url: String,
    pub read_only: bool,
    pub signed: bool,
    pub hits: u64,
    pub misses: u64,
    pub uploads: u64,
    /// Values handed to the upload, which goes on while the report is written: a report's
    /// `uploads` counts those done by then, the stderr line and `cache stats` all of them.
    #[serde(default)]
    pub queued: u64,
    /// Values that failed their checks (damaged, unsigned or badly signed, another build's).
    pub rejected: u64,
    pub errors: u64,
    pub round_trips: u64,
    pub ms: f64,
}

impl RemoteStats {
    pub fn line(&self) -> String {
        format!(
            "remote cache {}{}{}: {} hits, {} misses, {} uploads, {} rejected, {} errors, {} round trips, {:.0} ms",
            wtfcb_core::text::tty(&self.url),
            if self.read_only { " (read-only)" } else { "" },
            if self.signed { " (signed)" } else { "" },
            self.hits,
            self.misses,
            self.uploads,
            self.rejected,
            self.errors,
            self.round_trips,
            self.ms
        )
    }
}

/// A connection to the remote, shared by the run's threads.
pub struct Remote {
    store: Box<dyn Store>,
    opts: RemoteOptions,
    /// Set at the first failure: the rest of the run does without the remote.
    down: AtomicBool,
    first_error: Mutex<Option<String>>,
    hits: AtomicU64,
    misses: AtomicU64,
    uploads: AtomicU64,
    rejected: AtomicU64,
    errors: AtomicU64,
    round_trips: AtomicU64,
    ns: AtomicU64,
}

impl Remote {
    /// Checks the URL and opens its backend (no network yet): an unusable URL is a usage
    /// error.
    pub fn new(opts: RemoteOptions) -> Result<Remote, String> {
        let url = opts.url.trim();
        let Some((_, open, _)) = BACKENDS
            .iter()
            .find(|(schemes, ..)| schemes.iter().any(|s| url.starts_with(s)))
        else {
            let shapes: Vec<&str> = BACKENDS.iter().map(|(.., shape)| *shape).collect();
            return Err(format!(
                "--remote-cache {}: expected {}",
                redact(url),
                shapes.join(" or ")
            ));
        };
        let store = open(&opts)?;
        Ok(Remote {
            store,
            opts,
            down: AtomicBool::new(false),
            first_error: Mutex::new(None),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            uploads: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            round_trips: AtomicU64::new(0),
            ns: AtomicU64::new(0),
        })
    }

    pub fn read_only(&self) -> bool {
        self.opts.read_only
    }

    /// The checked payloads of `wanted` (each key with the most bytes its value may take),
    /// read by `decode`, in order: a miss for each that is not there, fails a check or does
    /// not decode, and for all once the remote has failed. At most [`IN_FLIGHT`] bytes of
    /// values (or one value) are held before they are checked.
    pub fn get_many_with<T: Send>(
        &self,
        wanted: &[(String, usize)],
        decode: impl Fn(Vec<u8>) -> Option<T> + Sync,
    ) -> Vec<Option<T>> {
        let mut found: Vec<Option<T>> = Vec::with_capacity(wanted.len());
        for batch in wanted.chunks(BATCH) {
            let base = found.len();
            found.extend(batch.iter().map(|_| None));
            if self.down.load(Ordering::Relaxed) {
                self.misses.fetch_add(batch.len() as u64, Ordering::Relaxed);
                continue;
            }
            let mut seen = vec![false; batch.len()];
            let start = Instant::now();
            // Checking and decoding is the costly part: on every core, a chunk at a time.
            let result = self.call().and_then(|call| {
                self.store.get_many(batch, &call, &mut |chunk| {
                    let opened: Vec<(usize, Option<Result<T, Reject>>)> = chunk
                        .into_par_iter()
                        .map(|(i, fetched)| (i, self.open(&batch[i], fetched, &decode)))
                        .collect();
                    for (i, value) in opened {
                        seen[i] = true;
                        found[base + i] = self.count(value);
                    }
                })
            });
            self.ns
                .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
            if let Err(e) = result {
                self.fail(e);
            }
            let unseen = seen.iter().filter(|s| !**s).count();
            self.misses.fetch_add(unseen as u64, Ordering::Relaxed);
        }
        found
    }

    /// A fetched value's payload, checked and decoded; `None` when it was not there.
    fn open<T>(
        &self,
        (key, limit): &(String, usize),
        fetched: Fetched,
        decode: &impl Fn(Vec<u8>) -> Option<T>,
    ) -> Option<Result<T, Reject>> {
        match fetched {
            Fetched::Missing => None,
            Fetched::TooLarge => Some(Err(Reject::Damaged)),
            Fetched::Value(v) => Some(
                open_bytes(key, &v, self.opts.signing_key.as_deref(), *limit)
                    .and_then(|payload| decode(payload).ok_or(Reject::Damaged)),
            ),
        }
    }

    /// Counts one looked-up value; the value when it is good.
    fn count<T>(&self, value: Option<Result<T, Reject>>) -> Option<T> {
        match value {
            Some(Ok(value)) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(value)
            }
            Some(Err(_)) => {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// The bounds of the next call: the run's deadline is now plus what is left of
    /// `remote-timeout`, which bounds the time the whole run waits on the remote (every call,
    /// connecting included).
    fn call(&self) -> Result<Call<'_>, String> {
        let spent = Duration::from_nanos(self.ns.load(Ordering::Relaxed));
        match self.opts.timeout.checked_sub(spent) {
            Some(left) if !left.is_zero() => Ok(Call {
                deadline: Instant::now() + left,
                timeout: self.opts.timeout,
                down: &self.down,
                round_trips: &self.round_trips,
            }),
            _ => Err(out_of_time(self.opts.timeout)),
        }
    }

    /// Writes sealed values (see [`Remote::seal_bytes`]) in batches; nothing when read-only or
    /// down.
    pub fn put_many(&self, items: &[(String, Vec<u8>)]) {
        if self.opts.read_only {
            return;
        }
        for batch in items.chunks(BATCH) {
            if self.down.load(Ordering::Relaxed) {
                return;
            }
            let start = Instant::now();
            let result = self
                .call()
                .and_then(|call| self.store.put_many(batch, &call));
            self.ns
                .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
            match result {
                Ok(()) => {
                    self.uploads
                        .fetch_add(batch.len() as u64, Ordering::Relaxed);
                }
                Err(e) => self.fail(e),
            }
        }
    }

    /// The run's counters; the first failure, if any, as a warning.
    /// Results supplied so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    pub fn finish(&self) -> (RemoteStats, Option<String>) {
        let stats = RemoteStats {
            url: redact(&self.opts.url),
            read_only: self.opts.read_only,
            signed: self.opts.signing_key.is_some(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            uploads: self.uploads.load(Ordering::Relaxed),
            queued: 0,
            rejected: self.rejected.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            round_trips: self.round_trips.load(Ordering::Relaxed),
            ms: self.ns.load(Ordering::Relaxed) as f64 / 1e6,
        };
        let warning = lock(&self.first_error).clone().map(|e| {
            format!(
                "remote cache {}: {e}; this run went on with the local cache only",
                redact(&self.opts.url)
            )
        });
        (stats, warning)
    }

    fn fail(&self, error: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.down.store(true, Ordering::Relaxed);
        lock(&self.first_error).get_or_insert_with(|| redact_text(&error));
    }

    /// Seals a payload for this remote (signed when the run has a signing key).
    pub fn seal_bytes(&self, key: &str, payload: &[u8]) -> Vec<u8> {
        seal_bytes(key, payload, self.opts.signing_key.as_deref())
    }

    /// `wtfcb cache ping`: each check and how it went; `Err` at the first that failed.
    pub fn ping(&self) -> Vec<(String, Result<String, String>)> {
        let mut steps = Vec::new();
        let probe = format!("wtfcb-ping-{:016x}", fastrand::u64(..));
        let start = Instant::now();
        let read = self.fetch_raw(&probe);
        let ok = read.is_ok();
        steps.push((
            "read".to_string(),
            read.map(|_| format!("answered in {:.0} ms", start.elapsed().as_secs_f64() * 1e3)),
        ));
        if !ok {
            return steps;
        }
        if self.opts.read_only {
            steps.push(("write".into(), Ok("skipped (read-only)".into())));
            return steps;
        }
        let payload = b"wtfcb cache ping";
        let value = self.seal_bytes(&probe, payload);
        let wrote = self
            .call()
            .and_then(|call| self.store.put_many(&[(probe.clone(), value)], &call));
        let wrote_ok = wrote.is_ok();
        steps.push(("write".into(), wrote.map(|()| "stored a test value".into())));
        if wrote_ok {
            let back = self
                .fetch_raw(&probe)
                .and_then(|v| v.ok_or("the test value was not there".into()))
                .and_then(|bytes| {
                    open_bytes(&probe, &bytes, self.opts.signing_key.as_deref(), MAX_VALUE)
                        .map_err(|r| format!("the test value came back {r:?}"))
                        .and_then(|p| match p == payload {
                            true => Ok("read the test value back intact".to_string()),
                            false => Err("the test value came back changed".to_string()),
                        })
                });
            steps.push(("read back".into(), back));
            // Best effort: the value is a few dozen bytes under a key nothing else reads.
            let _ = self
                .call()
                .and_then(|call| self.store.delete(&probe, &call));
        }
        steps
    }

    /// One key's raw value (up to [`MAX_VALUE`]): for `cache ping`.
    fn fetch_raw(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let call = self.call()?;
        let mut out = None;
        let wanted = [(key.to_string(), MAX_VALUE)];
        self.store.get_many(&wanted, &call, &mut |chunk| {
            for (_, fetched) in chunk {
                if let Fetched::Value(v) = fetched {
                    out = Some(v);
                }
            }
        })?;
        Ok(out)
    }
}

/// Indices of `items` in runs whose `size`s add up to at most [`IN_FLIGHT`] (a run holds at
/// least one item, whatever its size).
pub(crate) fn chunks_by<T>(items: &[T], size: impl Fn(&T) -> usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut bytes = 0usize;
    for (i, item) in items.iter().enumerate() {
        let n = size(item);
        match out.last_mut() {
            Some(run) if bytes.saturating_add(n) <= IN_FLIGHT => {
                run.push(i);
                bytes += n;
            }
            _ => {
                out.push(vec![i]);
                bytes = n;
            }
        }
    }
    out
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_read_values_in_bounded_chunks() {
        let sizes = [IN_FLIGHT, 1, IN_FLIGHT - 1, 1, 5, MAX_VALUE];
        let chunks = chunks_by(&sizes, |n| *n);
        assert_eq!(chunks, [vec![0], vec![1, 2], vec![3, 4], vec![5]]);
        for chunk in &chunks {
            let total: usize = chunk.iter().map(|&i| sizes[i]).sum();
            assert!(chunk.len() == 1 || total <= IN_FLIGHT);
        }
        assert!(chunks_by(&[] as &[usize], |n| *n).is_empty());
    }

    #[test]
    fn urls_are_checked_and_passwords_never_shown() {
        assert_eq!(
            redact("redis://:hunter2@cache:6379/0"),
            "redis://***@cache:6379/0"
        );
        assert_eq!(redact("http://cache/wtfcb"), "http://cache/wtfcb");
        // Issue 27: a SAS token in the query, and user-info only in the authority.
        assert_eq!(
            redact("https://acct.blob/c?sv=2022&sig=s3cret%3D#frag"),
            "https://acct.blob/c?sv=***&sig=***#***"
        );
        assert_eq!(redact("http://h/p?token"), "http://h/p?***");
        assert_eq!(redact("http://h/a@b"), "http://h/a@b");
        assert_eq!(redact("redis://u:p@h:1/0?x=@y"), "redis://***@h:1/0?x=***");
        assert_eq!(
            redact_text("  |   remote = \"redis://:pw@h/0\", other = \"https://x/y?sig=k\""),
            "  |   remote = \"redis://***@h/0\", other = \"https://x/y?sig=***\""
        );
        assert_eq!(redact_text("no url :// here"), "no url :// here");
        assert_eq!(redact_text("a://b c://d"), "a://b c://d");
        let opts = |url: &str| RemoteOptions {
            url: url.into(),
            read_only: false,
            token_env: DEFAULT_TOKEN_ENV.into(),
            token: None,
            signing_key: None,
            ttl: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
        };
        let refused = Remote::new(opts("ftp://x")).err().unwrap_or_default();
        assert!(refused.starts_with("--remote-cache ftp://x: "), "{refused}");
        assert!(!format!("{:?}", opts("redis://:pw@h/0")).contains("pw"));
        #[cfg(feature = "remote")]
        {
            assert!(refused.ends_with(
                "expected redis://host:port/db or http(s)://host/prefix or file:///path/to/dir"
            ));
            assert!(Remote::new(opts("http://127.0.0.1:1/x")).is_ok());
            assert!(Remote::new(opts("redis://127.0.0.1:1/0")).is_ok());
            // Keys stay path segments whatever the URL carries.
            let base = http::Base::of("http://h/wtfcb/?v=1#x");
            assert_eq!(base.key("k1"), "http://h/wtfcb/k1?v=1");
            assert_ne!(base.key("k1"), base.key("k2"));
            assert_eq!(http::Base::of("http://h/c").key("k"), "http://h/c/k");
        }
        #[cfg(not(feature = "remote"))]
        assert!(
            refused.ends_with("expected file:///path/to/dir"),
            "{refused}"
        );
        assert!(Remote::new(opts("file:///tmp/wtfcb-x")).is_ok());
        assert!(Remote::new(opts("file://")).is_err());
    }
}
