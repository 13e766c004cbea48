//! A Redis server (`redis://host:port/db`, `rediss://` over TLS): pipelined `STRLEN` then
//! `GETRANGE` up to the length read, `SET` with a TTL, `DEL`. Every command runs on a thread
//! of its own that the run waits for only until its deadline.

use std::sync::Mutex;
use std::time::Duration;

use super::{chunks_by, lock, redact, redact_text, Call, Fetched, RemoteOptions, Store};

pub struct Redis {
    client: redis::Client,
    conn: Mutex<Option<redis::Connection>>,
    /// How long a value is kept.
    ttl: Duration,
    connect_timeout: Duration,
}

/// Opens the backend for `redis://` and `rediss://` URLs (no network yet); the token, when
/// set, is the password unless the URL has one.
pub fn open(opts: &RemoteOptions) -> Result<Box<dyn Store>, String> {
    let url = opts.url.trim();
    let problem = |e: redis::RedisError| {
        format!(
            "--remote-cache {}: {}",
            redact(url),
            redact_text(&e.to_string())
        )
    };
    let mut info: redis::ConnectionInfo = url.parse().map_err(problem)?;
    if let Some(token) = &opts.token {
        if info.redis_settings().password().is_none() {
            let settings = info.redis_settings().clone().set_password(token.clone());
            info = info.set_redis_settings(settings);
        }
    }
    let client = redis::Client::open(info).map_err(problem)?;
    Ok(Box::new(Redis {
        client,
        conn: Mutex::new(None),
        ttl: opts.ttl,
        connect_timeout: opts.connect_timeout,
    }))
}

impl Store for Redis {
    fn get_many(
        &self,
        wanted: &[(String, usize)],
        call: &Call,
        sink: &mut dyn FnMut(Vec<(usize, Fetched)>),
    ) -> Result<(), String> {
        // The lengths first (a missing key has 0): a value past its limit is never read.
        call.round_trips(1);
        let keys: Vec<String> = wanted.iter().map(|(k, _)| k.clone()).collect();
        let lengths = self.run(call, move |conn| {
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
            call.round_trips(1);
            let values = self.run(call, move |conn| {
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
            let got = chunk.iter().zip(values).map(|(&j, v)| {
                let value = if v.is_empty() {
                    Fetched::Missing
                } else {
                    Fetched::Value(v)
                };
                (present[j].0, value)
            });
            sink(got.collect());
        }
        Ok(())
    }

    fn put_many(&self, items: &[(String, Vec<u8>)], call: &Call) -> Result<(), String> {
        call.round_trips(1);
        let ttl = self.ttl.as_secs().max(1);
        let items = items.to_vec();
        self.run(call, move |conn| {
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

    fn delete(&self, key: &str, call: &Call) -> Result<(), String> {
        let key = key.to_string();
        self.run(call, move |conn| {
            redis::cmd("DEL").arg(&key).query::<i64>(conn)
        })
        .map(|_| ())
    }
}

impl Redis {
    /// Runs a command on the shared connection (connecting first), on a thread of its own
    /// that the run waits for until the call's deadline only: a server that trickles its answer
    /// a byte at a time stalls nothing past it. A connection that failed or was given up on is
    /// not reused.
    fn run<T: Send + 'static>(
        &self,
        call: &Call,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T> + Send + 'static,
    ) -> Result<T, String> {
        let left = call.left()?;
        let taken = lock(&self.conn).take();
        let client = self.client.clone();
        let connect = self.connect_timeout.min(left);
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
                *lock(&self.conn) = Some(c);
                Ok(value)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(call.out_of_time()),
        }
    }
}
