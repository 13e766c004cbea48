//! The shared remote cache: a second tier behind the in-memory LRU and the local SQLite file,
//! on a Redis server (`redis://host:port/db`, pipelined GETRANGE and SET with a TTL) or an
//! HTTP cache server (`http(s)://host/prefix`, GET/PUT on `prefix/<key>`, bazel-remote's
//! layout). Nothing read from it is trusted: every value is length-bounded, checksummed,
//! bound to its key and this build, and, with `WTFCB_CACHE_SIGNING_KEY`, signed with
//! HMAC-SHA256; anything else is a counted miss. A failing remote costs one warning: the run
//! goes on locally, with the same results.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{KeyInit, Mac};
use md5::{Digest, Md5};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache::{decode_value, encode_value, CachedFile, Digest16};
use crate::facts::Tokens;

/// Keys looked up or written per round trip.
pub const BATCH: usize = 256;

/// Requests an HTTP remote serves at once (plain HTTP has no batch request).
const HTTP_CONNECTIONS: usize = 8;

/// The largest value a remote may hand back (compressed), and the largest it may unpack to.
const MAX_VALUE: usize = 64 << 20;

/// Bytes of values one lookup reads before they are checked and dropped (a single value up to
/// its own limit is still read whole).
const IN_FLIGHT: usize = 32 << 20;

/// The largest value a file's result may take on the remote, sealed or unpacked: linear in the
/// file's size (64 bytes per byte of source, plus 64 KiB), so a poisoned remote cannot make a
/// run hold more per file than its source justifies. On the benchmark corpora no file's value
/// took more than 11 bytes per byte of source, plus 100.
pub fn file_value_limit(size: u64) -> usize {
    size.saturating_mul(64)
        .saturating_add(64 << 10)
        .min(MAX_VALUE as u64) as usize
}

/// The largest value a project phase's saved state may take on the remote, for a project of
/// `files` files: 1 MiB and 16 KiB per file (the corpora's states took 0.8 to 1.8 KiB per file).
pub fn state_value_limit(files: usize) -> usize {
    files
        .saturating_mul(16 << 10)
        .saturating_add(1 << 20)
        .min(MAX_VALUE)
}

/// What a lookup found for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fetched {
    Missing,
    /// More bytes than the key's limit: not read, counted as rejected.
    TooLarge,
    Value(Vec<u8>),
}

/// What every value starts with (the layout's version is its last byte).
const MAGIC: &[u8; 8] = b"wtfcbrv1";

/// The environment variable holding the signing key.
pub const SIGNING_KEY_ENV: &str = "WTFCB_CACHE_SIGNING_KEY";

/// The environment variable holding the bearer token (HTTP) or password (Redis): the only
/// source of the credential (a config file cannot name another; see README "Security model").
pub const DEFAULT_TOKEN_ENV: &str = "WTFCB_REMOTE_CACHE_TOKEN";

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

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
            crate::text::tty(&self.url),
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

enum Backend {
    Http {
        agent: ureq::Agent,
        base: HttpBase,
    },
    Redis {
        client: Box<redis::Client>,
        conn: Mutex<Option<redis::Connection>>,
    },
}

/// A connection to the remote, shared by the run's threads.
pub struct Remote {
    backend: Backend,
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

/// Where an HTTP remote's values live: the URL's path, with each key appended as one more
/// path segment, and its query (a SAS token, a version) kept after the key, so that no two keys
/// share one URL. A fragment is never sent.
#[derive(Debug)]
struct HttpBase {
    path: String,
    query: Option<String>,
}

impl HttpBase {
    fn of(url: &str) -> HttpBase {
        let url = url.split('#').next().unwrap_or(url);
        let (path, query) = match url.split_once('?') {
            Some((path, query)) => (path, Some(query.to_string())),
            None => (url, None),
        };
        HttpBase {
            path: path.trim_end_matches('/').to_string(),
            query: query.filter(|q| !q.is_empty()),
        }
    }

    fn key(&self, key: &str) -> String {
        match &self.query {
            Some(query) => format!("{}/{key}?{query}", self.path),
            None => format!("{}/{key}", self.path),
        }
    }
}

/// Why a value was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    Damaged,
    ForeignBuild,
    Unsigned,
    BadSignature,
}

impl Remote {
    /// Checks the URL (no network yet): an unusable one is a usage error.
    pub fn new(opts: RemoteOptions) -> Result<Remote, String> {
        let url = opts.url.trim();
        let backend = if url.starts_with("redis://") || url.starts_with("rediss://") {
            let mut info: redis::ConnectionInfo = url.parse().map_err(|e: redis::RedisError| {
                format!(
                    "--remote-cache {}: {}",
                    redact(url),
                    redact_text(&e.to_string())
                )
            })?;
            if let Some(token) = &opts.token {
                if info.redis_settings().password().is_none() {
                    let settings = info.redis_settings().clone().set_password(token.clone());
                    info = info.set_redis_settings(settings);
                }
            }
            let client = redis::Client::open(info).map_err(|e| {
                format!(
                    "--remote-cache {}: {}",
                    redact(url),
                    redact_text(&e.to_string())
                )
            })?;
            Backend::Redis {
                client: Box::new(client),
                conn: Mutex::new(None),
            }
        } else if url.starts_with("http://") || url.starts_with("https://") {
            let config = ureq::Agent::config_builder()
                .timeout_connect(Some(opts.connect_timeout))
                .timeout_global(Some(opts.timeout))
                .http_status_as_error(false)
                .max_idle_connections_per_host(HTTP_CONNECTIONS)
                .build();
            Backend::Http {
                agent: config.into(),
                base: HttpBase::of(url),
            }
        } else {
            return Err(format!(
                "--remote-cache {}: expected redis://host:port/db or http(s)://host/prefix",
                redact(url)
            ));
        };
        Ok(Remote {
            backend,
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

    /// The remote's key of a result: the content and the result key (which holds the build and
    /// the settings).
    pub fn key_of(md5: &Digest16, key: &Digest16) -> String {
        let mut h = Md5::new();
        h.update(b"wtfcb-remote\0");
        h.update(md5);
        h.update(key);
        format!("wtfcb-{}", crate::text::hex(&h.finalize()))
    }

    /// The values of `wanted` (each key with the most bytes its value may take: see
    /// [`file_value_limit`]) that are there and pass every check, in order; a miss for each
    /// that is not, and for all once the remote has failed.
    pub fn get_many(&self, wanted: &[(String, usize)]) -> Vec<Option<(CachedFile, Tokens)>> {
        self.get_many_with(wanted, |payload| {
            decode_value::<(CachedFile, Tokens)>(&payload)
        })
    }

    /// As [`Remote::get_many`], for values of any kind: `decode` reads the checked payload.
    /// At most [`IN_FLIGHT`] bytes of values (or one value) are held before they are checked.
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
            let result = self.fetch(batch, &mut |chunk: Vec<(usize, Fetched)>| {
                let opened: Vec<(usize, Option<Result<T, Reject>>)> = chunk
                    .into_par_iter()
                    .map(|(i, fetched)| {
                        let (key, limit) = &batch[i];
                        let value = match fetched {
                            Fetched::Missing => None,
                            Fetched::TooLarge => Some(Err(Reject::Damaged)),
                            Fetched::Value(v) => Some(
                                open_bytes(key, &v, self.opts.signing_key.as_deref(), *limit)
                                    .and_then(|payload| decode(payload).ok_or(Reject::Damaged)),
                            ),
                        };
                        (i, value)
                    })
                    .collect();
                for (i, value) in opened {
                    seen[i] = true;
                    match value {
                        Some(Ok(value)) => {
                            self.hits.fetch_add(1, Ordering::Relaxed);
                            found[base + i] = Some(value);
                        }
                        Some(Err(_)) => {
                            self.rejected.fetch_add(1, Ordering::Relaxed);
                            self.misses.fetch_add(1, Ordering::Relaxed);
                        }
                        None => {
                            self.misses.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
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

    /// When the remote's time is up: now plus what is left of `remote-timeout`, which bounds
    /// the time the whole run waits on the remote (every call, connecting included).
    fn deadline(&self) -> Result<Instant, String> {
        let spent = Duration::from_nanos(self.ns.load(Ordering::Relaxed));
        match self.opts.timeout.checked_sub(spent) {
            Some(left) if !left.is_zero() => Ok(Instant::now() + left),
            _ => Err(self.out_of_time()),
        }
    }

    fn out_of_time(&self) -> String {
        format!(
            "no answer within remote-timeout ({} s for all of the run's requests)",
            self.opts.timeout.as_secs_f64()
        )
    }

    /// Writes values (sealed with [`Remote::seal`]) in batches; nothing when read-only or down.
    pub fn put_many(&self, items: &[(String, Vec<u8>)]) {
        if self.opts.read_only {
            return;
        }
        for batch in items.chunks(BATCH) {
            if self.down.load(Ordering::Relaxed) {
                return;
            }
            let start = Instant::now();
            let result = self.store(batch);
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

    /// Looks `wanted` up and hands what it found to `sink` a chunk at a time (indices into
    /// `wanted`), never holding more than [`IN_FLIGHT`] bytes of values (or one value) at once;
    /// a value past its key's limit is not read. Redis: one round trip for the lengths, then
    /// the values that are there; HTTP: one request per key on up to 8 connections.
    fn fetch(
        &self,
        wanted: &[(String, usize)],
        sink: &mut dyn FnMut(Vec<(usize, Fetched)>),
    ) -> Result<(), String> {
        let deadline = self.deadline()?;
        match &self.backend {
            Backend::Redis { .. } => self.fetch_redis(wanted, deadline, sink),
            Backend::Http { agent, base } => {
                for chunk in chunks_by(wanted, |(_, limit)| *limit) {
                    if self.down.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    self.round_trips
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    let results: Vec<Result<Fetched, String>> = parallel(&chunk, |&i| {
                        self.http_get(agent, base, &wanted[i], deadline)
                    });
                    let mut got = Vec::with_capacity(chunk.len());
                    for (i, r) in chunk.into_iter().zip(results) {
                        got.push((i, r?));
                    }
                    sink(got);
                }
                Ok(())
            }
        }
    }

    fn fetch_redis(
        &self,
        wanted: &[(String, usize)],
        deadline: Instant,
        sink: &mut dyn FnMut(Vec<(usize, Fetched)>),
    ) -> Result<(), String> {
        // The lengths first (a missing key has 0): a value past its limit is never read.
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        let keys: Vec<String> = wanted.iter().map(|(k, _)| k.clone()).collect();
        let lengths = self.with_redis(deadline, move |conn| {
            let mut pipe = redis::pipe();
            for key in &keys {
                pipe.cmd("STRLEN").arg(key);
            }
            pipe.query::<Vec<u64>>(conn)
        })?;
        if lengths.len() != wanted.len() {
            return Err(format!(
                "{} lookups answered {} lengths",
                wanted.len(),
                lengths.len()
            ));
        }
        let mut absent = Vec::new();
        let mut present = Vec::new();
        for (i, (&len, (_, limit))) in lengths.iter().zip(wanted).enumerate() {
            match len {
                0 => absent.push((i, Fetched::Missing)),
                n if n > *limit as u64 => absent.push((i, Fetched::TooLarge)),
                n => present.push((i, n as usize)),
            }
        }
        sink(absent);
        for chunk in chunks_by(&present, |(_, len)| *len) {
            // `GETRANGE` up to the length just read: a value rewritten meanwhile is read no
            // further (and then fails its checks).
            let ranges: Vec<(String, usize)> = chunk
                .iter()
                .map(|&j| (wanted[present[j].0].0.clone(), present[j].1))
                .collect();
            self.round_trips.fetch_add(1, Ordering::Relaxed);
            let values = self.with_redis(deadline, move |conn| {
                let mut pipe = redis::pipe();
                for (key, len) in &ranges {
                    pipe.cmd("GETRANGE").arg(key).arg(0).arg(len - 1);
                }
                pipe.query::<Vec<Vec<u8>>>(conn)
            })?;
            if values.len() != chunk.len() {
                return Err(format!(
                    "{} lookups answered {} values",
                    chunk.len(),
                    values.len()
                ));
            }
            sink(
                chunk
                    .iter()
                    .zip(values)
                    .map(|(&j, v)| {
                        let value = if v.is_empty() {
                            Fetched::Missing
                        } else {
                            Fetched::Value(v)
                        };
                        (present[j].0, value)
                    })
                    .collect(),
            );
        }
        Ok(())
    }

    /// One `GET`, bounded by the run's deadline and the key's limit.
    fn http_get(
        &self,
        agent: &ureq::Agent,
        base: &HttpBase,
        (key, limit): &(String, usize),
        deadline: Instant,
    ) -> Result<Fetched, String> {
        // After the first failure no request waits.
        if self.down.load(Ordering::Relaxed) {
            return Ok(Fetched::Missing);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.out_of_time());
        }
        let request = agent
            .get(&base.key(key))
            .config()
            .timeout_global(Some(left))
            .build();
        let response = self.authorized(request).call().map_err(|e| match e {
            ureq::Error::Timeout(_) => self.out_of_time(),
            e => e.to_string(),
        })?;
        match response.status().as_u16() {
            200 => {
                let mut body = response.into_body();
                if body.content_length().is_some_and(|n| n > *limit as u64) {
                    return Ok(Fetched::TooLarge);
                }
                let announced = body.content_length().unwrap_or(0) as usize;
                let mut reader = body.as_reader().take(*limit as u64 + 1);
                // The head first: a body that is no value of this build (garbage, another
                // layout or build, an unpacked length past the limit) is not read further.
                let mut bytes = vec![0u8; HEAD];
                if let Err(e) = reader.read_exact(&mut bytes) {
                    return match e.kind() {
                        std::io::ErrorKind::UnexpectedEof => Ok(Fetched::TooLarge),
                        _ => Err(format!("reading {key}: {e}")),
                    };
                }
                if !plausible_head(&bytes, *limit) {
                    return Ok(Fetched::TooLarge);
                }
                bytes.reserve(announced.min(*limit).saturating_sub(HEAD));
                reader
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("reading {key}: {e}"))?;
                Ok(if bytes.len() > *limit {
                    Fetched::TooLarge
                } else {
                    Fetched::Value(bytes)
                })
            }
            404 => Ok(Fetched::Missing),
            401 | 403 => Err(format!(
                "HTTP {} on GET: the server refused the credentials (set ${} to a token it accepts)",
                response.status().as_u16(),
                self.opts.token_env
            )),
            code => Err(format!("HTTP {code} on GET {key}")),
        }
    }

    /// Every value of `keys` (up to [`MAX_VALUE`] each), in order: for `cache ping`.
    fn fetch_all(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        let wanted: Vec<(String, usize)> = keys.iter().map(|k| (k.clone(), MAX_VALUE)).collect();
        let mut out = vec![None; keys.len()];
        self.fetch(&wanted, &mut |chunk| {
            for (i, fetched) in chunk {
                if let Fetched::Value(v) = fetched {
                    out[i] = Some(v);
                }
            }
        })?;
        Ok(out)
    }

    fn store(&self, items: &[(String, Vec<u8>)]) -> Result<(), String> {
        let deadline = self.deadline()?;
        match &self.backend {
            Backend::Redis { .. } => {
                self.round_trips.fetch_add(1, Ordering::Relaxed);
                let ttl = self.opts.ttl.as_secs().max(1);
                let items = items.to_vec();
                self.with_redis(deadline, move |conn| {
                    let mut pipe = redis::pipe();
                    for (key, value) in &items {
                        pipe.cmd("SET")
                            .arg(key)
                            .arg(value)
                            .arg("EX")
                            .arg(ttl)
                            .ignore();
                    }
                    pipe.query::<()>(conn)
                })
            }
            Backend::Http { agent, base } => {
                self.round_trips
                    .fetch_add(items.len() as u64, Ordering::Relaxed);
                let results = parallel(items, |(key, value)| {
                    if self.down.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(self.out_of_time());
                    }
                    let request = agent
                        .put(&base.key(key))
                        .config()
                        .timeout_global(Some(left))
                        .build()
                        .header("Content-Type", "application/octet-stream");
                    let response =
                        self.authorized(request)
                            .send(&value[..])
                            .map_err(|e| match e {
                                ureq::Error::Timeout(_) => self.out_of_time(),
                                e => e.to_string(),
                            })?;
                    match response.status().as_u16() {
                        200..=299 => Ok(()),
                        401 | 403 => Err(format!(
                            "HTTP {} on PUT: the server refused to store (credentials in ${}, or use --remote-cache-read-only)",
                            response.status().as_u16(),
                            self.opts.token_env
                        )),
                        code => Err(format!("HTTP {code} on PUT {key}")),
                    }
                });
                results.into_iter().collect()
            }
        }
    }

    /// The request with the bearer token, when there is one.
    fn authorized<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.opts.token {
            Some(token) => request.header("Authorization", &format!("Bearer {token}")),
            None => request,
        }
    }

    /// Runs a Redis command on the shared connection (connecting first), on a thread of its
    /// own that the run waits for until `deadline` only: a server that trickles its answer a
    /// byte at a time stalls nothing past it. A connection that failed or was given up on is
    /// not reused.
    fn with_redis<T: Send + 'static>(
        &self,
        deadline: Instant,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T> + Send + 'static,
    ) -> Result<T, String> {
        let Backend::Redis { client, conn } = &self.backend else {
            unreachable!("with_redis on an HTTP remote");
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.out_of_time());
        }
        let taken = lock(conn).take();
        let client = (**client).clone();
        let connect = self.opts.connect_timeout.min(left);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("wtfcb-redis".into())
            .spawn(move || {
                let run = || -> Result<(T, redis::Connection), String> {
                    let mut c = match taken {
                        Some(c) => c,
                        None => client
                            .get_connection_with_timeout(connect)
                            .map_err(|e| format!("cannot connect: {e}"))?,
                    };
                    // Each read and write is bounded too, so a given-up thread ends.
                    c.set_read_timeout(Some(left))
                        .and_then(|()| c.set_write_timeout(Some(left)))
                        .map_err(|e| e.to_string())?;
                    let value = f(&mut c).map_err(|e| e.to_string())?;
                    Ok((value, c))
                };
                let _ = tx.send(run());
            })
            .map_err(|e| format!("cannot start a thread for the remote: {e}"))?;
        match rx.recv_timeout(left) {
            Ok(Ok((value, c))) => {
                *lock(conn) = Some(c);
                Ok(value)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(self.out_of_time()),
        }
    }

    /// A value as stored on the remote: magic, this build, whether it is signed, the unpacked
    /// length, the gzip'd payload, and (signed) an HMAC-SHA256 over the key and all of that.
    pub fn seal(&self, key: &str, value: &CachedFile, tokens: &Tokens) -> Vec<u8> {
        seal(key, value, tokens, self.opts.signing_key.as_deref())
    }

    /// Seals any payload (a project phase's saved state).
    pub fn seal_bytes(&self, key: &str, payload: &[u8]) -> Vec<u8> {
        seal_bytes(key, payload, self.opts.signing_key.as_deref())
    }

    fn open(&self, key: &str, sealed: &[u8]) -> Result<(CachedFile, Tokens), Reject> {
        open(key, sealed, self.opts.signing_key.as_deref())
    }

    /// `wtfcb cache ping`: each check and how it went; `Err` at the first that failed.
    pub fn ping(&self) -> Vec<(String, Result<String, String>)> {
        let mut steps = Vec::new();
        let probe = format!("wtfcb-ping-{:016x}", fastrand::u64(..));
        let start = Instant::now();
        let read = self.fetch_all(std::slice::from_ref(&probe));
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
        let value = seal(
            &probe,
            &CachedFile::new(0, false, &Default::default(), None, &[]),
            &Tokens::default(),
            self.opts.signing_key.as_deref(),
        );
        let wrote = self.store(&[(probe.clone(), value)]);
        let wrote_ok = wrote.is_ok();
        steps.push(("write".into(), wrote.map(|()| "stored a test value".into())));
        if wrote_ok {
            let back = self
                .fetch_all(std::slice::from_ref(&probe))
                .and_then(|mut v| {
                    v.pop()
                        .flatten()
                        .ok_or("the test value was not there".into())
                })
                .and_then(|bytes| {
                    self.open(&probe, &bytes)
                        .map(|_| "read the test value back intact".to_string())
                        .map_err(|r| format!("the test value came back {r:?}"))
                });
            steps.push(("read back".into(), back));
            self.forget(&probe);
        }
        steps
    }

    /// Removes a test value (best effort: an HTTP cache may not allow `DELETE`; the value is a
    /// few dozen bytes under a key nothing else reads).
    fn forget(&self, key: &str) {
        match &self.backend {
            Backend::Redis { .. } => {
                let key = key.to_string();
                let deadline = Instant::now() + self.opts.timeout;
                let _ = self.with_redis(deadline, move |conn| {
                    redis::cmd("DEL").arg(&key).query::<i64>(conn)
                });
            }
            Backend::Http { agent, base } => {
                let _ = self.authorized(agent.delete(&base.key(key))).call();
            }
        }
    }
}

/// Indices of `items` in runs whose `size`s add up to at most [`IN_FLIGHT`] (a run holds at
/// least one item, whatever its size).
fn chunks_by<T>(items: &[T], size: impl Fn(&T) -> usize) -> Vec<Vec<usize>> {
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

/// Runs `f` over `items` on up to [`HTTP_CONNECTIONS`] threads, results in order.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = items.len().clamp(1, HTTP_CONNECTIONS);
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// This build's identity as values carry it.
fn build_tag() -> Digest16 {
    Md5::digest(format!("{}|{}", env!("CARGO_PKG_VERSION"), crate::cache::BUILD_ID).as_bytes())
        .into()
}

fn mac(signing_key: &[u8], key: &str, body: &[u8]) -> [u8; 32] {
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(signing_key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    m.update(&(key.len() as u32).to_le_bytes());
    m.update(key.as_bytes());
    m.update(body);
    m.finalize().into_bytes().into()
}

pub fn seal(key: &str, value: &CachedFile, tokens: &Tokens, signing_key: Option<&[u8]>) -> Vec<u8> {
    seal_bytes(key, &encode_value(&(value, tokens)), signing_key)
}

pub fn open(
    key: &str,
    sealed: &[u8],
    signing_key: Option<&[u8]>,
) -> Result<(CachedFile, Tokens), Reject> {
    let payload = open_bytes(key, sealed, signing_key, MAX_VALUE)?;
    decode_value::<(CachedFile, Tokens)>(&payload).ok_or(Reject::Damaged)
}

/// The sealed form of any payload (see [`Remote::seal`]).
pub fn seal_bytes(key: &str, payload: &[u8], signing_key: Option<&[u8]>) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(payload.len() / 3 + 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&build_tag());
    out.push(u8::from(signing_key.is_some()));
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
    let _ = gz.write_all(payload);
    let mut out = gz.finish().unwrap_or_default();
    if let Some(k) = signing_key {
        let tag = mac(k, key, &out);
        out.extend_from_slice(&tag);
    }
    out
}

/// The payload of a sealed value, once every check passed.
/// A sealed value's head: magic and layout, build tag, signed flag, unpacked length.
const HEAD: usize = 8 + 16 + 1 + 4;

/// Whether a value starting with `head` (at least [`HEAD`] bytes) may be one of this build's
/// of at most `limit` bytes unpacked: what is checked before the rest is read.
fn plausible_head(head: &[u8], limit: usize) -> bool {
    head.len() >= HEAD
        && &head[..8] == MAGIC
        && head[8..24] == build_tag()
        && head[24] <= 1
        && u32::from_le_bytes([head[25], head[26], head[27], head[28]]) as usize
            <= limit.min(MAX_VALUE)
}

/// `limit`: the most bytes the value may take, sealed or unpacked (at most [`MAX_VALUE`]).
pub fn open_bytes(
    key: &str,
    sealed: &[u8],
    signing_key: Option<&[u8]>,
    limit: usize,
) -> Result<Vec<u8>, Reject> {
    let limit = limit.min(MAX_VALUE);
    if sealed.len() < HEAD || sealed.len() > limit || &sealed[..8] != MAGIC {
        return Err(Reject::Damaged);
    }
    if sealed[8..24] != build_tag() {
        return Err(Reject::ForeignBuild);
    }
    let signed = match sealed[24] {
        0 => false,
        1 => true,
        _ => return Err(Reject::Damaged),
    };
    let body = match (signing_key, signed) {
        (Some(_), false) => return Err(Reject::Unsigned),
        (Some(k), true) => {
            if sealed.len() < HEAD + 32 {
                return Err(Reject::Damaged);
            }
            let (body, tag) = sealed.split_at(sealed.len() - 32);
            let mut m = <HmacSha256 as KeyInit>::new_from_slice(k)
                .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
            m.update(&(key.len() as u32).to_le_bytes());
            m.update(key.as_bytes());
            m.update(body);
            m.verify_slice(tag).map_err(|_| Reject::BadSignature)?;
            body
        }
        // Without a key a signature cannot be checked; the checksum still is.
        (None, true) => sealed
            .get(..sealed.len().saturating_sub(32))
            .ok_or(Reject::Damaged)?,
        (None, false) => sealed,
    };
    if body.len() < HEAD {
        return Err(Reject::Damaged);
    }
    let len = u32::from_le_bytes([body[25], body[26], body[27], body[28]]) as usize;
    if len > limit {
        return Err(Reject::Damaged);
    }
    let mut payload = Vec::with_capacity(len.min(1 << 20));
    flate2::read::GzDecoder::new(&body[HEAD..])
        .take(len as u64 + 1)
        .read_to_end(&mut payload)
        .map_err(|_| Reject::Damaged)?;
    if payload.len() != len {
        return Err(Reject::Damaged);
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (CachedFile, Tokens) {
        let facts = crate::facts::FileFacts {
            tokens_digest: 7,
            ..Default::default()
        };
        (
            CachedFile::new(42, false, &facts, None, &[]),
            Tokens::default(),
        )
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // Test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(b"Jefe").unwrap();
        m.update(b"what do ya want for nothing?");
        let tag: [u8; 32] = m.finalize().into_bytes().into();
        assert_eq!(
            crate::text::hex(&tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn sealed_values_open_only_under_their_key_build_and_signature() {
        let (value, tokens) = sample();
        let plain = seal("k1", &value, &tokens, None);
        assert_eq!(open("k1", &plain, None).unwrap().0.bytes, 42);
        // A signing key rejects unsigned values.
        assert_eq!(
            open("k1", &plain, Some(b"s")).unwrap_err(),
            Reject::Unsigned
        );
        let signed = seal("k1", &value, &tokens, Some(b"secret"));
        assert_eq!(open("k1", &signed, Some(b"secret")).unwrap().0.bytes, 42);
        assert_eq!(
            open("k1", &signed, Some(b"other")).unwrap_err(),
            Reject::BadSignature
        );
        // A signed value copied under another key does not verify there.
        assert_eq!(
            open("k2", &signed, Some(b"secret")).unwrap_err(),
            Reject::BadSignature
        );
        // Every flipped byte and every truncation is rejected, never a panic.
        for at in 0..signed.len() {
            let mut bad = signed.clone();
            bad[at] ^= 0x40;
            assert!(open("k1", &bad, Some(b"secret")).is_err(), "byte {at}");
            assert!(
                open("k1", &signed[..at], Some(b"secret")).is_err(),
                "cut at {at}"
            );
        }
        for at in 0..plain.len() {
            let _ = open("k1", &plain[..at], None);
            let mut bad = plain.clone();
            bad[at] ^= 0x01;
            let _ = open("k1", &bad, None);
        }
        // Another build's value.
        let mut foreign = plain.clone();
        foreign[10] ^= 0xff;
        assert_eq!(
            open("k1", &foreign, None).unwrap_err(),
            Reject::ForeignBuild
        );
    }

    #[test]
    fn values_are_bounded_by_what_they_stand_for_and_read_in_bounded_chunks() {
        assert_eq!(file_value_limit(0), 64 << 10);
        assert_eq!(file_value_limit(1000), 64_000 + (64 << 10));
        assert_eq!(file_value_limit(u64::MAX), MAX_VALUE);
        assert_eq!(state_value_limit(0), 1 << 20);
        assert_eq!(state_value_limit(usize::MAX), MAX_VALUE);
        let sizes = [IN_FLIGHT, 1, IN_FLIGHT - 1, 1, 5, MAX_VALUE];
        let chunks = chunks_by(&sizes, |n| *n);
        assert_eq!(chunks, [vec![0], vec![1, 2], vec![3, 4], vec![5]]);
        for chunk in &chunks {
            let total: usize = chunk.iter().map(|&i| sizes[i]).sum();
            assert!(chunk.len() == 1 || total <= IN_FLIGHT);
        }
        assert!(chunks_by(&[] as &[usize], |n| *n).is_empty());
        // A sealed value past its key's limit, or one that unpacks past it, is refused.
        let (value, tokens) = sample();
        let sealed = seal("k", &value, &tokens, None);
        assert!(open_bytes("k", &sealed, None, sealed.len()).is_ok());
        assert_eq!(
            open_bytes("k", &sealed, None, sealed.len() - 1),
            Err(Reject::Damaged)
        );
        let big = seal_bytes("k", &vec![0u8; 100_000], None);
        assert!(big.len() < 1000);
        assert_eq!(open_bytes("k", &big, None, 50_000), Err(Reject::Damaged));
        assert_eq!(
            open_bytes("k", &big, None, 100_000).map(|p| p.len()),
            Ok(100_000)
        );
        // The head alone says whether the rest is worth reading.
        assert!(plausible_head(&big, 100_000));
        assert!(!plausible_head(&big, 99_999), "unpacks past the limit");
        assert!(!plausible_head(&[0u8; 64], MAX_VALUE), "garbage");
        let mut foreign = big.clone();
        foreign[12] ^= 1;
        assert!(!plausible_head(&foreign, 100_000), "another build");
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
        // Keys stay path segments whatever the URL carries.
        let base = HttpBase::of("http://h/wtfcb/?v=1#x");
        assert_eq!(base.key("k1"), "http://h/wtfcb/k1?v=1");
        assert_ne!(base.key("k1"), base.key("k2"));
        assert_eq!(HttpBase::of("http://h/c").key("k"), "http://h/c/k");
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
        assert!(Remote::new(opts("ftp://x")).is_err());
        assert!(Remote::new(opts("http://127.0.0.1:1/x")).is_ok());
        assert!(Remote::new(opts("redis://127.0.0.1:1/0")).is_ok());
        assert!(!format!("{:?}", opts("redis://:pw@h/0")).contains("pw"));
    }
}
