//! An HTTP cache server (`http(s)://host/prefix`): `GET`/`PUT`/`DELETE` on `prefix/<key>`, the
//! layout of bazel-remote's and nginx WebDAV's caches. Plain HTTP has no batch request: a batch
//! is up to [`CONNECTIONS`] requests at once.

use std::io::Read;

use super::seal::{plausible_head, HEAD};
use super::{chunks_by, Call, Fetched, RemoteOptions, Store};

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
    Ok(Box::new(Http {
        agent: config.into(),
        base: Base::of(opts.url.trim()),
        token: opts.token.clone(),
        token_env: opts.token_env.clone(),
    }))
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
    fn get_many(
        &self,
        wanted: &[(String, usize)],
        call: &Call,
        sink: &mut dyn FnMut(Vec<(usize, Fetched)>),
    ) -> Result<(), String> {
        for chunk in chunks_by(wanted, |(_, limit)| *limit) {
            if call.is_down() {
                return Ok(());
            }
            call.round_trips(chunk.len());
            let results: Vec<Result<Fetched, String>> =
                parallel(&chunk, |&i| self.get(&wanted[i], call));
            let mut got = Vec::with_capacity(chunk.len());
            for (i, r) in chunk.into_iter().zip(results) {
                got.push((i, r?));
            }
            sink(got);
        }
        Ok(())
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
