//! Incremental analysis: an in-memory LRU over a SQLite store, keyed by the MD5 of each file's
//! content and an analyzer fingerprint, plus a file-state table (path → size, mtime, MD5) so an
//! unchanged file is not even read.
//!
//! The cache never changes a result and is never fatal: a corrupt, foreign or newer cache file
//! is moved aside and rebuilt with one warning; an unwritable directory means one warning and an
//! uncached run. Fresh results go to SQLite on a writer thread of their own while the run goes
//! on (see [`Sink`]); the files' states and the run's record follow in one transaction at the
//! end.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lru::LruCache;
use md5::{Digest, Md5};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use wtfcb_core::facts::{FileFacts, FileMetrics};
use wtfcb_core::findings::{set_fingerprints, Finding};
use wtfcb_core::lang::Language;
use wtfcb_core::parse::Failure;
use wtfcb_core::source::Stat;
use wtfcb_core::walk::Candidate;

/// The SQLite schema (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 2;
/// The layout of a cached value; part of the analyzer fingerprint.
const VALUE_FORMAT: u32 = 4;
/// The cache's file name inside its directory.
pub const DB_NAME: &str = "cache.db";
/// A file modified this close to when its state was recorded is re-hashed (git's racy case).
const RACY_NS: i64 = 2_000_000_000;
/// Hits refresh an entry's `last_seen` at most this often.
const TOUCH_AFTER_S: i64 = 86_400;
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

pub type Digest16 = [u8; 16];

/// Where the cache lives and how it behaves.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    pub dir: PathBuf,
    /// Entries the in-memory LRU holds.
    pub memory_entries: usize,
    /// Hash every file, trusting no stored size and mtime.
    pub verify_hashes: bool,
    pub max_age_days: u32,
    pub max_size: u64,
    /// The project's identity: the MD5 of its canonical root path. File states are kept per
    /// project, so a cache directory shared by two checkouts never mixes them up.
    pub project: Digest16,
    /// The shared remote tier, if any.
    pub remote: Option<crate::remote::RemoteOptions>,
}

impl CacheOptions {
    pub fn new(dir: PathBuf) -> CacheOptions {
        CacheOptions {
            dir,
            memory_entries: 16_384,
            verify_hashes: false,
            max_age_days: 30,
            max_size: 1024 * 1024 * 1024,
            project: [0; 16],
            remote: None,
        }
    }

    /// Sets the project identity from its root directory.
    pub fn for_project(mut self, root: &Path) -> CacheOptions {
        use std::os::unix::ffi::OsStrExt;
        let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        self.project = content_md5(canonical.as_os_str().as_bytes());
        self
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_NAME)
    }
}

/// One file's analysis as stored: everything but its path (identical files share an entry,
/// and a renamed file still hits). Findings are stored without path and fingerprint, which
/// are filled in for the path being analyzed.
#[derive(Debug, Clone, bincode::Encode, bincode::Decode)]
pub struct CachedFile {
    pub bytes: u64,
    pub invalid_utf8: bool,
    pub facts: FileFacts,
    pub metrics: Option<FileMetrics>,
    pub findings: Vec<Finding>,
    /// A `.h` file whose content showed C++ (see `Language::of_header`).
    pub cpp_header: bool,
}

impl CachedFile {
    pub fn new(
        bytes: u64,
        invalid_utf8: bool,
        facts: &FileFacts,
        metrics: Option<&FileMetrics>,
        findings: &[Finding],
    ) -> CachedFile {
        CachedFile {
            bytes,
            invalid_utf8,
            // The tokens are stored apart (see `Cache::put_tokens`).
            facts: FileFacts {
                tokens: wtfcb_core::facts::Tokens::default(),
                ..facts.clone()
            },
            metrics: metrics.cloned(),
            cpp_header: false,
            findings: findings
                .iter()
                .map(|f| Finding {
                    path: String::new(),
                    fingerprint: String::new(),
                    ..f.clone()
                })
                .collect(),
        }
    }

    /// The findings as they are for `path`.
    pub fn findings_for(&self, path: &str, rel: &str) -> Vec<Finding> {
        let mut findings: Vec<Finding> = self
            .findings
            .iter()
            .map(|f| Finding {
                path: path.to_string(),
                ..f.clone()
            })
            .collect();
        set_fingerprints(&mut findings, rel);
        findings
    }

    /// The stored form: a CRC-32 of the payload, then the payload (bincode).
    pub fn encode(&self) -> Vec<u8> {
        encode_value(self)
    }

    /// Decodes a stored value, trusting nothing: the checksum must match, every length is
    /// bounded by the decoder's limit, and the payload must be consumed exactly.
    pub fn decode(bytes: &[u8]) -> Option<CachedFile> {
        decode_value(bytes)
    }
}

/// Any stored value: a CRC-32 of the payload, then the payload (bincode).
pub fn encode_value<T: bincode::Encode>(value: &T) -> Vec<u8> {
    framed(&bincode::encode_to_vec(value, value_config()).unwrap_or_default())
}

/// A payload with its CRC-32 before it, as every stored value is.
fn framed(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 4);
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload of a [`framed`] value, if its checksum matches.
fn unframed(bytes: &[u8]) -> Option<&[u8]> {
    let (sum, payload) = bytes.split_first_chunk::<4>()?;
    (crc32fast::hash(payload) == u32::from_le_bytes(*sum)).then_some(payload)
}

/// Decodes what [`encode_value`] wrote: `None` unless the checksum matches, every length is
/// within the decoder's limit and the payload is consumed exactly.
pub fn decode_value<T: bincode::Decode<()>>(bytes: &[u8]) -> Option<T> {
    let payload = unframed(bytes)?;
    match bincode::decode_from_slice(payload, value_config()) {
        Ok((value, used)) if used == payload.len() => Some(value),
        _ => None,
    }
}

/// The key of a file's clone tokens, stored beside its result (see [`Cache::put_tokens`]).
fn tokens_key(key: &Digest16) -> Digest16 {
    let mut h = Md5::new();
    h.update(b"clone-tokens\0");
    h.update(key);
    h.finalize().into()
}

/// The decoder's limit: no stored value may make it allocate more than this.
const MAX_VALUE_BYTES: usize = 256 << 20;

fn value_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_VALUE_BYTES>()
}

/// Writes result rows (values by content and key), seen `now`.
fn insert_results<V: AsRef<[u8]>>(
    tx: &rusqlite::Transaction,
    rows: &[(Digest16, Digest16, V)],
    now: i64,
) -> rusqlite::Result<()> {
    let mut put = tx.prepare_cached(
        "INSERT OR REPLACE INTO results (md5, key, value, size, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (md5, key, value) in rows {
        let value = value.as_ref();
        put.execute(params![&md5[..], &key[..], value, value.len() as i64, now])?;
    }
    Ok(())
}

/// A fresh entry for the `results` table: content, key, encoded value.
type Row = (Digest16, Digest16, Arc<[u8]>);

/// Entries by content and key.
type ByKey<V> = HashMap<(Digest16, Digest16), V>;

/// A writer thread's transaction holds at most about this many bytes of values, so the rows
/// reach SQLite (and its WAL is checkpointed) in steps while files are still being parsed.
const SINK_BATCH_BYTES: usize = 2 << 20;

/// Fresh rows on their way to SQLite while the run goes on. A cold run's values are tens of
/// megabytes (20 MB on cpython); written at the end they were most of the run's serial part.
struct Sink {
    rows: Sender<Row>,
    thread: std::thread::JoinHandle<SinkOutcome>,
}

/// Whether the writer thread runs: not before the first row, nor when it could not be started
/// (the rows then wait for `finish`).
enum SinkState {
    NotStarted,
    Running(Sink),
    Unavailable,
}

/// What a writer thread did: the distinct rows it committed, and the error that stopped it.
struct SinkOutcome {
    written: u64,
    error: Option<rusqlite::Error>,
}

/// The writer thread: commits the rows it receives in transactions of about
/// [`SINK_BATCH_BYTES`] (the last one when every sender is gone), until a write fails (then it
/// stops; the rows still coming are dropped with the channel, and `finish` reports the error).
fn drain(db: &Path, rows: Receiver<Row>) -> SinkOutcome {
    let mut committed = HashSet::new();
    let error = write_batches(db, &rows, &mut committed).err();
    SinkOutcome {
        written: committed.len() as u64,
        error,
    }
}

/// [`drain`]'s loop: the keys of the rows committed go into `committed`.
fn write_batches(
    db: &Path,
    rows: &Receiver<Row>,
    committed: &mut HashSet<(Digest16, Digest16)>,
) -> rusqlite::Result<()> {
    let mut conn = open_writer(db)?;
    let mut batch: Vec<Row> = Vec::new();
    let mut open = true;
    while open {
        // A transaction per row, as the rows come, rewrote the same index pages thousands of
        // times (0.8 s more CPU on cpython): a batch waits until it is full or the run ends.
        let mut bytes = 0;
        while bytes < SINK_BATCH_BYTES {
            let Ok(row) = rows.recv() else {
                open = false;
                break;
            };
            bytes += row.2.len();
            batch.push(row);
        }
        if batch.is_empty() {
            break;
        }
        // In key order, the batch's inserts walk the index once, left to right. (The sort is
        // stable: of a key given twice, the later value is inserted last and stands.)
        batch.sort_by_key(|r| (r.0, r.1));
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        insert_results(&tx, &batch, now_s())?;
        tx.commit()?;
        committed.extend(batch.drain(..).map(|(md5, key, _)| (md5, key)));
    }
    Ok(())
}

/// Why the end of a run could not write the cache.
enum Failed {
    Sqlite(rusqlite::Error),
    /// The writer thread panicked.
    Panicked,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Sqlite(err) => err.fmt(f),
            Failed::Panicked => f.write_str("its writer thread stopped"),
        }
    }
}

/// A second connection to a cache `connect` has opened (and brought to the current schema).
fn open_writer(db: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(db)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// The remote's key of a result: the content and the result key (which holds the build and
/// the settings).
pub fn remote_key(md5: &Digest16, key: &Digest16) -> String {
    let mut h = Md5::new();
    h.update(b"wtfcb-remote\0");
    h.update(md5);
    h.update(key);
    format!("wtfcb-{}", wtfcb_core::text::hex(&h.finalize()))
}

/// The largest value a file's result may take on the remote, sealed or unpacked: linear in the
/// file's size (64 bytes per byte of source, plus 64 KiB), so a poisoned remote cannot make a
/// run hold more per file than its source justifies. On the benchmark corpora no file's value
/// took more than 11 bytes per byte of source, plus 100.
pub fn file_value_limit(size: u64) -> usize {
    size.saturating_mul(64)
        .saturating_add(64 << 10)
        .min(crate::remote::MAX_VALUE as u64) as usize
}

/// The largest value a project phase's saved state may take on the remote, for a project of
/// `files` files: 1 MiB and 16 KiB per file (the corpora's states took 0.8 to 1.8 KiB per file).
pub fn state_value_limit(files: usize) -> usize {
    files
        .saturating_mul(16 << 10)
        .saturating_add(1 << 20)
        .min(crate::remote::MAX_VALUE)
}

/// A result and its clone tokens as the remote stores them (see [`crate::remote::seal`]).
pub fn seal_result(
    key: &str,
    value: &CachedFile,
    tokens: &wtfcb_core::facts::Tokens,
    signing_key: Option<&[u8]>,
) -> Vec<u8> {
    crate::remote::seal_bytes(key, &encode_value(&(value, tokens)), signing_key)
}

/// A result and its tokens back from their sealed form, once every check passed.
pub fn open_result(
    key: &str,
    sealed: &[u8],
    signing_key: Option<&[u8]>,
) -> Result<(CachedFile, wtfcb_core::facts::Tokens), crate::remote::Reject> {
    let payload = crate::remote::open_bytes(key, sealed, signing_key, crate::remote::MAX_VALUE)?;
    decode_value(&payload).ok_or(crate::remote::Reject::Damaged)
}

/// A result the remote served, checked: the result decoded, and the result and its tokens as
/// the local cache stores them (see [`encode_value`]), cut from the remote's payload without
/// encoding them again.
pub struct RemoteResult {
    pub value: CachedFile,
    result_row: Arc<[u8]>,
    tokens_row: Arc<[u8]>,
}

/// Reads a payload of [`seal_result`] (a checksum, then a result and its tokens, one after the
/// other): `None` unless the checksum matches and both decode, each within the decoder's limits,
/// and together consume the payload exactly. The tokens are decoded to check them, then
/// dropped: a run that finds its project phases' states needs only their bytes, for later runs.
fn remote_result(bytes: &[u8]) -> Option<RemoteResult> {
    let payload = unframed(bytes)?;
    let (value, cut) = bincode::decode_from_slice::<CachedFile, _>(payload, value_config()).ok()?;
    let (result, tokens) = payload.split_at(cut);
    match bincode::decode_from_slice::<wtfcb_core::facts::Tokens, _>(tokens, value_config()) {
        Ok((_, used)) if used == tokens.len() => Some(RemoteResult {
            value,
            result_row: framed(result).into(),
            tokens_row: framed(tokens).into(),
        }),
        _ => None,
    }
}

/// Where the last run's remote counters are kept, for `cache stats`.
const REMOTE_STATS_FILE: &str = "remote-last.json";

/// Keeps what the remote did in this run for `wtfcb cache stats` (a warning on failure).
pub fn save_remote_stats(dir: &Path, stats: &crate::remote::RemoteStats) -> Option<String> {
    let text = serde_json::to_vec_pretty(stats).unwrap_or_default();
    wtfcb_core::fsio::write_atomically(&dir.join(REMOTE_STATS_FILE), &text)
        .err()
        .map(|e| {
            format!(
                "could not record the remote cache's counters in {}: {e}",
                dir.display()
            )
        })
}

fn load_remote_stats(dir: &Path) -> Option<crate::remote::RemoteStats> {
    let bytes = wtfcb_core::source::read_bytes(&dir.join(REMOTE_STATS_FILE), 64 << 10).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// What the cache did in one run: the JSON report's `run.cache` and `-v`'s cache line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CacheStats {
    pub dir: String,
    pub files_seen: u64,
    /// Size and mtime matched the stored state: not read at all.
    pub stat_hits: u64,
    /// Read and hashed, and the content's result was stored.
    pub hash_hits: u64,
    pub misses: u64,
    pub files_parsed: u64,
    /// Files not parsed because their content crashed or timed out a parser before.
    #[serde(skip_serializing_if = "is_zero")]
    pub known_failures: u64,
    pub entries_written: u64,
    /// Hits / files seen.
    pub hit_rate: f64,
    /// Time spent looking results up (summed over threads) and writing at the end.
    pub read_ms: f64,
    pub write_ms: f64,
    /// What each project phase reused or recomputed, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub project: Vec<Reuse>,
    /// What the remote tier did (its uploads still under way when the report is written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<crate::remote::RemoteStats>,
}

/// What a project phase did with its saved state, for `run.cache.project` and `-v`.
#[derive(Debug, Clone, Serialize)]
pub struct Reuse {
    pub phase: &'static str,
    pub reused: bool,
    /// Why it was reused or recomputed.
    pub reason: String,
    /// Wall time of the whole analysis, its findings included.
    pub ms: f64,
}

#[derive(Debug, Clone, Copy)]
struct FileState {
    size: i64,
    mtime_ns: i64,
    md5: Digest16,
    written_ns: i64,
    last_seen: i64,
}

struct NewState {
    path: String,
    size: i64,
    mtime_ns: i64,
    md5: Digest16,
    /// When the file was read: a state is trusted only once its mtime lies clearly before.
    read_ns: i64,
}

/// A file whose parse crashed or ran out of time, remembered by content so that later runs
/// do not meet the same parser failure again (an edit changes the MD5 and retries it).
#[derive(Debug, Clone)]
struct KnownFailure {
    timed_out: bool,
    budget_ms: u64,
    message: String,
}

#[derive(Default)]
struct Counters {
    seen: AtomicU64,
    stat_hits: AtomicU64,
    hash_hits: AtomicU64,
    misses: AtomicU64,
    parsed: AtomicU64,
    failures: AtomicU64,
    bad_values: AtomicU64,
    /// Lookups that went to SQLite (the LRU did not have them).
    db_reads: AtomicU64,
    read_ns: AtomicU64,
}

/// See [`Cache::live`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveCounts {
    pub hits: u64,
    pub misses: u64,
    pub parsed: u64,
    /// Results the remote tier supplied.
    pub remote_hits: u64,
}

/// How a file's lookup ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    StatHit,
    HashHit,
    Miss,
}

/// An open cache for one run.
pub struct Cache {
    opts: CacheOptions,
    db: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    states: HashMap<String, FileState>,
    lru: Mutex<LruCache<(Digest16, Digest16), Arc<CachedFile>>>,
    /// The writer thread fresh rows go to, started by the first of them.
    sink: Mutex<SinkState>,
    /// Fresh rows for `finish` to write, when no writer thread could be started.
    new_results: Mutex<Vec<Row>>,
    /// Clone tokens stored in this run, by (content, tokens key): a file with the same content
    /// met later in the run reads them from here, whether or not they are in SQLite yet.
    new_tokens: Mutex<ByKey<Arc<[u8]>>>,
    /// Results the remote served this run, encoded, by (content, key) (see
    /// [`Cache::adopt_many`]).
    adopted: Mutex<ByKey<Arc<[u8]>>>,
    new_states: Mutex<Vec<NewState>>,
    touched: Mutex<Vec<(Digest16, Digest16)>>,
    /// File states served by a stat hit whose `last_seen` is over a day old.
    touched_states: Mutex<Vec<String>>,
    failures: HashMap<(Digest16, Digest16), KnownFailure>,
    new_failures: Mutex<Vec<(Digest16, Digest16, KnownFailure)>>,
    counters: Counters,
    /// Set when a read failed in a way that suggests corruption.
    broken: AtomicBool,
    analyzer: Digest16,
    remote: Option<Arc<crate::remote::Remote>>,
    /// Content hashes of files read before the run to ask the remote (see
    /// `engine::prefetch_remote`), by project-relative path.
    prefetched: Mutex<HashMap<String, Digest16>>,
    /// Fresh results sealed for the remote, written after the report.
    uploads: Mutex<Vec<(String, Vec<u8>)>>,
    /// How many were handed to the upload.
    queued: AtomicU64,
}

/// The remote's writes of one run, under way while the report is written.
pub struct Upload {
    remote: Arc<crate::remote::Remote>,
    /// `None` when no thread could be started: the writes were done before the report.
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Upload {
    /// Waits for the writes; what the remote did in the whole run, and its warning if it
    /// failed.
    pub fn join(self) -> (crate::remote::RemoteStats, Option<String>) {
        if let Some(thread) = self.thread {
            let _ = thread.join();
        }
        self.remote.finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

fn digest_of(blob: &[u8]) -> Option<Digest16> {
    blob.try_into().ok()
}

/// MD5 of a file's content.
pub fn content_md5(bytes: &[u8]) -> Digest16 {
    Md5::digest(bytes).into()
}

/// The identity of this build: a hash over every source file and the lock file, made by
/// `build.rs`. Part of every result key.
pub const BUILD_ID: &str = env!("WTFCB_BUILD_ID");

/// What every result depends on besides the settings: the build (so a rebuilt binary with a
/// changed rule never serves an old result, even under the same version), the value format
/// and the grammars (their ABI, node kinds and fields).
fn analyzer_fingerprint() -> Digest16 {
    analyzer_fingerprint_of(BUILD_ID)
}

fn analyzer_fingerprint_of(build: &str) -> Digest16 {
    let mut h = Md5::new();
    h.update(format!(
        "wtfcb {} build {build} value {VALUE_FORMAT} schema {SCHEMA_VERSION}",
        env!("CARGO_PKG_VERSION")
    ));
    for lang in Language::ALL {
        let g = lang.grammar();
        h.update(format!(
            "|{} abi {} kinds {} fields {}",
            lang.name(),
            g.abi_version(),
            g.node_kind_count(),
            g.field_count()
        ));
    }
    h.finalize().into()
}

/// A cache problem that is reported and survived.
#[derive(Debug, thiserror::Error)]
enum OpenError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("it was written by a newer wtfcb (schema {0}, this one reads {SCHEMA_VERSION})")]
    Newer(i32),
    #[error("its tables are damaged ({0})")]
    Schema(String),
}

impl OpenError {
    /// Only a file that is not a database, or one whose content or layout is damaged, is moved
    /// aside; a busy or locked one belongs to another process and is left alone.
    fn is_damage(&self) -> bool {
        match self {
            OpenError::Sqlite(e) => is_corruption(e),
            OpenError::Newer(_) | OpenError::Schema(_) => true,
        }
    }
}

fn connect(db: &Path) -> Result<Connection, OpenError> {
    let conn = Connection::open(db)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(OpenError::Newer(version));
    }
    if version < SCHEMA_VERSION {
        // Only a new file can change its page size and auto_vacuum; they must come before any
        // table. A page of 16 KiB holds most files' clone tokens (11 KB on average on
        // cpython) without a chain of overflow pages, and a run writes a quarter as many
        // pages: a second checkout of cpython from a remote waited 100-150 ms for the writer
        // thread at its end instead of 170-250 ms.
        conn.pragma_update(None, "page_size", 16384)?;
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    if version < SCHEMA_VERSION {
        // An older layout is dropped, not converted: the cache is only an optimisation.
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE;
             DROP TABLE IF EXISTS results; DROP TABLE IF EXISTS files;
             DROP TABLE IF EXISTS runs; DROP TABLE IF EXISTS failures;
             {SCHEMA}
             PRAGMA user_version = {SCHEMA_VERSION};
             COMMIT;"
        ))?;
    }
    check_schema(&conn)?;
    Ok(conn)
}

/// The tables, as created. `files` is keyed by project (the MD5 of the canonical project root)
/// and project-relative path, so two projects sharing a cache directory never share states.
const SCHEMA: &str = "
    CREATE TABLE results (
        md5 BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,
        size INTEGER NOT NULL, last_seen INTEGER NOT NULL,
        PRIMARY KEY (md5, key));
    CREATE INDEX results_age ON results (last_seen, size);
    CREATE TABLE files (
        project BLOB NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL, md5 BLOB NOT NULL, written_ns INTEGER NOT NULL,
        last_seen INTEGER NOT NULL, PRIMARY KEY (project, path));
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY, at INTEGER NOT NULL, files INTEGER NOT NULL,
        stat_hits INTEGER NOT NULL, hash_hits INTEGER NOT NULL,
        misses INTEGER NOT NULL, parsed INTEGER NOT NULL,
        written INTEGER NOT NULL, read_ms REAL NOT NULL, write_ms REAL NOT NULL);
    CREATE TABLE failures (
        md5 BLOB NOT NULL, key BLOB NOT NULL, timed_out INTEGER NOT NULL,
        budget_ms INTEGER NOT NULL, message TEXT NOT NULL, last_seen INTEGER NOT NULL,
        PRIMARY KEY (md5, key));";

/// Every table and column this version reads, so a damaged layout (a dropped table, say) is
/// found at open time and rebuilt rather than failing every write forever.
fn check_schema(conn: &Connection) -> Result<(), OpenError> {
    for query in [
        // Counting reads every page of the tables' smallest index: damage shows here, not
        // mid-run.
        "SELECT (SELECT count(*) FROM results), (SELECT count(*) FROM files), (SELECT count(*) FROM failures)",
        "SELECT md5, key, value, size, last_seen FROM results LIMIT 0",
        "SELECT project, path, size, mtime_ns, md5, written_ns, last_seen FROM files LIMIT 0",
        "SELECT id, at, files, stat_hits, hash_hits, misses, parsed, written, read_ms, write_ms FROM runs LIMIT 0",
        "SELECT md5, key, timed_out, budget_ms, message, last_seen FROM failures LIMIT 0",
    ] {
        conn.prepare(query)
            .and_then(|mut stmt| stmt.query([]).map(|_| ()))
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                    OpenError::Sqlite(e)
                }
                _ => OpenError::Schema(e.to_string()),
            })?;
    }
    Ok(())
}

fn load_states(
    conn: &Connection,
    project: &Digest16,
) -> rusqlite::Result<HashMap<String, FileState>> {
    let mut stmt = conn.prepare(
        "SELECT path, size, mtime_ns, md5, written_ns, last_seen FROM files WHERE project = ?1",
    )?;
    let rows = stmt.query_map([&project[..]], |r| {
        let md5: Vec<u8> = r.get(3)?;
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            md5,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    let mut states = HashMap::new();
    for row in rows {
        let (path, size, mtime_ns, md5, written_ns, last_seen) = row?;
        if let Some(md5) = digest_of(&md5) {
            states.insert(
                path,
                FileState {
                    size,
                    mtime_ns,
                    md5,
                    written_ns,
                    last_seen,
                },
            );
        }
    }
    Ok(states)
}

fn load_failures(
    conn: &Connection,
) -> rusqlite::Result<HashMap<(Digest16, Digest16), KnownFailure>> {
    let mut stmt = conn.prepare("SELECT md5, key, timed_out, budget_ms, message FROM failures")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut failures = HashMap::new();
    for row in rows {
        let (md5, key, timed_out, budget_ms, message) = row?;
        if let (Some(md5), Some(key)) = (digest_of(&md5), digest_of(&key)) {
            failures.insert(
                (md5, key),
                KnownFailure {
                    timed_out,
                    budget_ms: budget_ms.max(0) as u64,
                    message,
                },
            );
        }
    }
    Ok(failures)
}

/// Is `path` a regular file (not a directory, not a symlink, not missing)?
fn is_plain_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Removes `path` if it is a regular file; anything else there (a user's directory, a link)
/// is left alone. Never removes a directory.
fn remove_plain_file(path: &Path) -> std::io::Result<bool> {
    if is_plain_file(path) {
        std::fs::remove_file(path)?;
        return Ok(true);
    }
    Ok(false)
}

/// Moves a damaged cache file (and its WAL files) aside, keeping one copy for inspection.
/// Only regular files are moved or replaced: a directory or link of that name is not ours.
fn quarantine(db: &Path) -> std::io::Result<PathBuf> {
    let aside = db.with_extension("db.broken");
    if std::fs::symlink_metadata(&aside).is_ok() && !remove_plain_file(&aside)? {
        return Err(std::io::Error::other(format!(
            "{} exists and is not a file wtfcb made",
            aside.display()
        )));
    }
    if !is_plain_file(db) {
        return Err(std::io::Error::other(format!(
            "{} is not a regular file",
            db.display()
        )));
    }
    std::fs::rename(db, &aside)?;
    for ext in ["db-wal", "db-shm"] {
        let _ = remove_plain_file(&db.with_extension(ext));
    }
    Ok(aside)
}

const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
                   # This file is a cache directory tag created by wtfcb.\n\
                   # For information about cache directory tags see https://bford.info/cachedir/\n";

/// Whether `dir` holds a wtfcb cache: our tag, or our database file.
fn is_wtfcb_cache(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("CACHEDIR.TAG")).is_ok_and(|t| t.contains("created by wtfcb"))
        || is_plain_file(&dir.join(DB_NAME))
}

/// Makes the cache directory ready. A directory wtfcb creates is tagged (CACHEDIR.TAG for
/// backup tools, a `.gitignore` of `*` for git); an existing one is used only when it is
/// empty or already a wtfcb cache, and is never tagged, so `--cache-dir .` or `$HOME` can
/// never make git or a backup tool ignore a user's files.
fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Built beside its place and renamed into it, so a concurrent run sees either no
            // directory or a tagged one, never an untagged one it would refuse.
            let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
            if let Some(parent) = parent {
                std::fs::create_dir_all(parent)?;
            }
            let name = dir.file_name().unwrap_or_default().to_string_lossy();
            let staging = dir.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
            std::fs::create_dir(&staging)?;
            let built = std::fs::write(staging.join("CACHEDIR.TAG"), TAG)
                .and_then(|()| std::fs::write(staging.join(".gitignore"), "*\n"))
                .and_then(|()| std::fs::rename(&staging, dir));
            if built.is_err() {
                // Another run made it first (or the rename failed): drop our staging copy.
                for made in ["CACHEDIR.TAG", ".gitignore"] {
                    let _ = remove_plain_file(&staging.join(made));
                }
                let _ = std::fs::remove_dir(&staging);
            }
            if is_wtfcb_cache(dir) || built.is_ok() {
                Ok(())
            } else {
                built
            }
        }
        Err(e) => Err(e),
        Ok(_) if !dir.is_dir() => Err(std::io::Error::other("not a directory")),
        Ok(_) => {
            let empty = std::fs::read_dir(dir)?.next().is_none();
            if empty || is_wtfcb_cache(dir) {
                Ok(())
            } else {
                Err(std::io::Error::other(
                    "it is a non-empty directory that is not a wtfcb cache, so wtfcb will not write into it; name an empty or new directory",
                ))
            }
        }
    }
}

impl Cache {
    /// Opens (creating or repairing) the cache. `None` means an uncached run; `warnings` says
    /// why, or what was repaired.
    pub fn open(opts: CacheOptions, warnings: &mut Vec<String>) -> Option<Cache> {
        let dir = opts.dir.clone();
        if let Err(err) = prepare_dir(&dir) {
            warnings.push(format!(
                "cache directory {} is not usable ({err}); running without the cache",
                dir.display()
            ));
            return None;
        }
        let db = opts.db_path();
        if std::fs::symlink_metadata(&db).is_ok() && !is_plain_file(&db) {
            warnings.push(format!(
                "{} is not a regular file, so it is not a wtfcb cache; running without the cache",
                db.display()
            ));
            return None;
        }
        let open = |db: &Path| {
            connect(db).and_then(|c| Ok(((load_states(&c, &opts.project)?, load_failures(&c)?), c)))
        };
        let ((states, failures), conn) = match open(&db) {
            Ok(ok) => ok,
            Err(first) if !first.is_damage() => {
                warnings.push(format!(
                    "cache {} could not be opened ({first}); it is left as it is, and this run goes without the cache",
                    db.display()
                ));
                return None;
            }
            Err(first) => {
                if !writable(&dir) {
                    warnings.push(format!(
                        "cache directory {} is not writable ({first}); running without the cache",
                        dir.display()
                    ));
                    return None;
                }
                let moved = match quarantine(&db) {
                    Ok(aside) => format!("moved to {}", aside.display()),
                    Err(err) => format!("could not be moved aside: {err}"),
                };
                warnings.push(format!(
                    "cache {} is unusable ({first}); {moved}; rebuilding it",
                    db.display()
                ));
                match open(&db) {
                    Ok(ok) => ok,
                    Err(err) => {
                        warnings.push(format!(
                            "cache {} could not be rebuilt ({err}); running without the cache",
                            db.display()
                        ));
                        return None;
                    }
                }
            }
        };
        Some(Cache {
            db,
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            states,
            // Grown on demand and trimmed by hand: `LruCache::new` would reserve room for every
            // entry up front.
            lru: Mutex::new(LruCache::unbounded()),
            sink: Mutex::new(SinkState::NotStarted),
            new_results: Mutex::new(Vec::new()),
            new_tokens: Mutex::new(HashMap::new()),
            adopted: Mutex::new(HashMap::new()),
            new_states: Mutex::new(Vec::new()),
            touched: Mutex::new(Vec::new()),
            touched_states: Mutex::new(Vec::new()),
            failures,
            new_failures: Mutex::new(Vec::new()),
            counters: Counters::default(),
            broken: AtomicBool::new(false),
            analyzer: analyzer_fingerprint(),
            remote: opts
                .remote
                .clone()
                .and_then(|r| crate::remote::Remote::new(r).ok())
                .map(Arc::new),
            uploads: Mutex::new(Vec::new()),
            queued: AtomicU64::new(0),
            prefetched: Mutex::new(HashMap::new()),
            opts,
        })
    }

    /// The result key of a file: the analyzer, the file's effective rule settings, whether it
    /// is test code (some rules skip tests) and its language.
    pub fn key(&self, profile_fingerprint: &str, is_test: bool, language: Language) -> Digest16 {
        let mut h = Md5::new();
        h.update(self.analyzer);
        h.update(profile_fingerprint.as_bytes());
        h.update([u8::from(is_test)]);
        h.update(language.name().as_bytes());
        h.finalize().into()
    }

    /// The stored MD5 of a file whose size and mtime are unchanged (and not racily close to
    /// when they were recorded), so it need not be read.
    pub fn trusted_md5(&self, c: &Candidate) -> Option<Digest16> {
        self.counters.seen.fetch_add(1, Ordering::Relaxed);
        let s = self.trusted_state(c)?;
        // A state in daily use must not age out: refresh it at most once a day.
        if now_s() - s.last_seen > TOUCH_AFTER_S {
            lock(&self.touched_states).push(c.rel.clone());
        }
        Some(s.md5)
    }

    /// The recorded state of a file whose size and mtime are unchanged and settled: nothing
    /// counted, nothing refreshed.
    fn trusted_state(&self, c: &Candidate) -> Option<&FileState> {
        if self.opts.verify_hashes {
            return None;
        }
        let s = self.states.get(&c.rel)?;
        let same = s.size == c.size as i64 && s.mtime_ns == c.mtime_ns;
        let settled = s.written_ns.saturating_sub(s.mtime_ns) > RACY_NS;
        (same && settled).then_some(s)
    }

    fn reader(&self) -> rusqlite::Result<Connection> {
        if let Some(conn) = lock(&self.readers).pop() {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.db,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    }

    /// How many lookups went to SQLite so far (benches check that they measure what they say).
    pub fn db_reads(&self) -> u64 {
        self.counters.db_reads.load(Ordering::Relaxed)
    }

    fn read_row(&self, md5: &Digest16, key: &Digest16) -> rusqlite::Result<Option<(Vec<u8>, i64)>> {
        self.counters.db_reads.fetch_add(1, Ordering::Relaxed);
        let conn = self.reader()?;
        let row = conn
            .prepare_cached("SELECT value, last_seen FROM results WHERE md5 = ?1 AND key = ?2")?
            .query_row(params![&md5[..], &key[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional();
        lock(&self.readers).push(conn);
        row
    }

    /// The stored result for this content and key, from memory or SQLite.
    pub fn get(&self, md5: &Digest16, key: &Digest16) -> Option<Arc<CachedFile>> {
        let start = Instant::now();
        let found = self.lookup(md5, key);
        self.counters
            .read_ns
            .fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        found
    }

    fn lookup(&self, md5: &Digest16, key: &Digest16) -> Option<Arc<CachedFile>> {
        if let Some(hit) = lock(&self.lru).get(&(*md5, *key)) {
            return Some(Arc::clone(hit));
        }
        // A value the remote served this run (it may not be in SQLite yet).
        let adopted = lock(&self.adopted).get(&(*md5, *key)).cloned();
        if let Some(value) = adopted {
            return self.decoded((*md5, *key), &value);
        }
        let (value, last_seen) = match self.read_row(md5, key) {
            Ok(row) => row?,
            Err(e) => {
                // Busy is not broken: only real damage may get the file moved aside.
                if is_corruption(&e) {
                    self.broken.store(true, Ordering::Relaxed);
                }
                return None;
            }
        };
        let cached = self.decoded((*md5, *key), &value)?;
        if now_s() - last_seen > TOUCH_AFTER_S {
            // The tokens stored beside the result age with it.
            let mut touched = lock(&self.touched);
            touched.push((*md5, *key));
            touched.push((*md5, tokens_key(key)));
        }
        Some(cached)
    }

    /// A stored result decoded and remembered in the LRU; a value that does not decode is
    /// counted (and the file is analyzed afresh).
    fn decoded(&self, slot: (Digest16, Digest16), value: &[u8]) -> Option<Arc<CachedFile>> {
        let Some(cached) = CachedFile::decode(value).map(Arc::new) else {
            self.counters.bad_values.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        self.remember(slot, Arc::clone(&cached));
        Some(cached)
    }

    /// Stores a file's clone tokens beside its result: they are read only when a project
    /// phase must recompute, so a warm run never decodes them otherwise. Their text hashes
    /// (two thirds of the size) come along: `--duplicates exact` compares them and Type-2
    /// detection checks that copies read alike.
    pub fn put_tokens(&self, md5: Digest16, key: Digest16, tokens: &wtfcb_core::facts::Tokens) {
        let key = tokens_key(&key);
        let value: Arc<[u8]> = encode_value(tokens).into();
        lock(&self.new_tokens).insert((md5, key), Arc::clone(&value));
        self.queue((md5, key, value));
    }

    /// Hands a fresh row to the writer thread (starting it the first time), or keeps it for
    /// `finish` when there is none.
    fn queue(&self, row: Row) {
        let mut sink = lock(&self.sink);
        if let SinkState::NotStarted = *sink {
            let (rows, receiver) = channel();
            let db = self.db.clone();
            *sink = match std::thread::Builder::new()
                .name("wtfcb-cache-write".into())
                .spawn(move || drain(&db, receiver))
            {
                Ok(thread) => SinkState::Running(Sink { rows, thread }),
                Err(_) => SinkState::Unavailable,
            };
        }
        match &*sink {
            // A send fails only once the thread has stopped on an error, which `finish`
            // reports; the row is not needed for this run's results.
            SinkState::Running(s) => drop(s.rows.send(row)),
            _ => lock(&self.new_results).push(row),
        }
    }

    /// The clone tokens stored beside a result, if they are there and intact.
    pub fn get_tokens(&self, md5: &Digest16, key: &Digest16) -> Option<wtfcb_core::facts::Tokens> {
        let slot = (*md5, tokens_key(key));
        let pending = lock(&self.new_tokens).get(&slot).cloned();
        let value = match pending {
            Some(bytes) => bytes,
            None => self.read_row(md5, &slot.1).ok()??.0.into(),
        };
        let tokens = decode_value(&value);
        if tokens.is_none() {
            self.counters.bad_values.fetch_add(1, Ordering::Relaxed);
        }
        tokens
    }

    /// The key of a project phase's saved state: this project, this analyzer, this phase.
    fn state_key(&self, phase: &str) -> Digest16 {
        let mut h = Md5::new();
        h.update(b"project-phase\0");
        h.update(self.analyzer);
        h.update(phase.as_bytes());
        h.finalize().into()
    }

    /// What a project phase saved in an earlier run of this project (see `project`).
    pub fn get_state(&self, phase: &str) -> Option<Vec<u8>> {
        let (value, _) = self
            .read_row(&self.opts.project, &self.state_key(phase))
            .ok()??;
        Some(value)
    }

    /// The remote's key of a project phase's state computed from inputs with this root.
    fn remote_state_key(&self, phase: &str, root: &Digest16) -> String {
        let mut h = Md5::new();
        h.update(b"wtfcb-remote-state\0");
        h.update(self.analyzer);
        h.update(phase.as_bytes());
        h.update([0]);
        h.update(root);
        format!("wtfcb-state-{}", wtfcb_core::text::hex(&h.finalize()))
    }

    /// A project phase's state another checkout saved on the remote for the same inputs, of a
    /// project of `files` files (a lookup; `None` without a remote).
    pub fn remote_state(&self, phase: &str, root: &Digest16, files: usize) -> Option<Vec<u8>> {
        let remote = self.remote.as_ref()?;
        let key = self.remote_state_key(phase, root);
        let limit = state_value_limit(files);
        remote.get_many_with(&[(key, limit)], Some).pop().flatten()
    }

    /// Offers a project phase's state to the remote, under its inputs' root.
    pub fn offer_remote_state(&self, phase: &str, root: &Digest16, value: &[u8]) {
        if let Some(remote) = self.remote.as_ref().filter(|r| !r.read_only()) {
            let key = self.remote_state_key(phase, root);
            let sealed = remote.seal_bytes(&key, value);
            lock(&self.uploads).push((key, sealed));
        }
    }

    /// Saves a project phase's state (written with the run's other entries).
    pub fn put_state(&self, phase: &str, value: Vec<u8>) {
        let key = self.state_key(phase);
        self.queue((self.opts.project, key, value.into()));
    }

    fn remember(&self, key: (Digest16, Digest16), value: Arc<CachedFile>) {
        let mut lru = lock(&self.lru);
        lru.put(key, value);
        while lru.len() > self.opts.memory_entries.max(1) {
            lru.pop_lru();
        }
    }

    /// The counters so far, for a live view of a run (`finish` gives the final ones).
    pub fn live(&self) -> LiveCounts {
        let c = &self.counters;
        LiveCounts {
            hits: c.stat_hits.load(Ordering::Relaxed) + c.hash_hits.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
            parsed: c.parsed.load(Ordering::Relaxed),
            remote_hits: self.remote.as_ref().map_or(0, |r| r.hits()),
        }
    }

    pub fn count(&self, lookup: Lookup) {
        let counter = match lookup {
            Lookup::StatHit => &self.counters.stat_hits,
            Lookup::HashHit => &self.counters.hash_hits,
            Lookup::Miss => &self.counters.misses,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// How this content failed before, if it did under a budget at least as generous as
    /// `budget` (a timeout under a smaller budget says nothing about a larger one).
    pub fn known_failure(
        &self,
        md5: &Digest16,
        key: &Digest16,
        budget: Duration,
    ) -> Option<Failure> {
        let known = self.failures.get(&(*md5, *key))?;
        let failure = if known.timed_out {
            if known.budget_ms < budget.as_millis() as u64 {
                return None;
            }
            Failure::TimedOut(budget)
        } else {
            Failure::Crashed(known.message.clone())
        };
        self.counters.failures.fetch_add(1, Ordering::Relaxed);
        Some(failure)
    }

    /// Remembers a parser crash or timeout for this content (other failures are retried).
    pub fn put_failure(&self, md5: Digest16, key: Digest16, failure: &Failure, budget: Duration) {
        let known = match failure {
            Failure::TimedOut(_) => KnownFailure {
                timed_out: true,
                budget_ms: budget.as_millis() as u64,
                message: String::new(),
            },
            Failure::Crashed(message) => KnownFailure {
                timed_out: false,
                budget_ms: budget.as_millis() as u64,
                message: message.clone(),
            },
            Failure::Internal { .. }
            | Failure::NoTree(_)
            | Failure::OutOfMemory(_)
            | Failure::Excluded(_) => return,
        };
        lock(&self.new_failures).push((md5, key, known));
    }

    pub fn count_parsed(&self) {
        self.counters.parsed.fetch_add(1, Ordering::Relaxed);
    }

    /// Records the size, mtime and MD5 of a file as read (`stat` from the open handle, `None`
    /// when the file changed while it was read: then nothing vouches for the bytes hashed).
    pub fn note_state(&self, c: &Candidate, md5: Digest16, stat: Option<Stat>, read_ns: i64) {
        let Some(stat) = stat else {
            return;
        };
        let unchanged = self.states.get(&c.rel).is_some_and(|s| {
            s.size == stat.size as i64
                && s.mtime_ns == stat.mtime_ns
                && s.md5 == md5
                && s.written_ns.saturating_sub(s.mtime_ns) > RACY_NS
        });
        if !unchanged {
            lock(&self.new_states).push(NewState {
                path: c.rel.clone(),
                size: stat.size as i64,
                mtime_ns: stat.mtime_ns,
                md5,
                read_ns,
            });
        }
    }

    /// Whether the run has a remote tier.
    pub fn has_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// The results and tokens the remote has for `wanted` (keys from [`remote_key`], each with
    /// its [`file_value_limit`]), in order; misses without a remote.
    pub fn remote_results(&self, wanted: &[(String, usize)]) -> Vec<Option<RemoteResult>> {
        match &self.remote {
            Some(remote) => remote.get_many_with(wanted, |payload| remote_result(&payload)),
            None => wanted.iter().map(|_| None).collect(),
        }
    }

    /// Seals a fresh result and its tokens for the remote (nothing without a writable one).
    pub fn offer_remote(
        &self,
        md5: &Digest16,
        key: &Digest16,
        value: &CachedFile,
        tokens: &wtfcb_core::facts::Tokens,
    ) {
        if let Some(remote) = self.remote.as_ref().filter(|r| !r.read_only()) {
            let remote_key = remote_key(md5, key);
            let sealed = remote.seal_bytes(&remote_key, &encode_value(&(value, tokens)));
            lock(&self.uploads).push((remote_key, sealed));
        }
    }

    /// Takes the results the remote had into the local cache. Each goes to the writer thread
    /// as a fresh result does, and is kept here, encoded as it is stored, until the run ends:
    /// a run with more of them than the in-memory LRU holds finds every one, whether or not
    /// it has reached SQLite yet. (Written in one transaction before the run, as they were,
    /// they kept cpython's second checkout waiting 0.36 s of its 1.1 s.)
    pub fn adopt_many(&self, values: Vec<(Digest16, Digest16, RemoteResult)>) {
        let values: Vec<_> = values
            .into_iter()
            .map(|(md5, key, r)| (md5, key, tokens_key(&key), r))
            .collect();
        {
            let mut adopted = lock(&self.adopted);
            let mut tokens = lock(&self.new_tokens);
            for (md5, key, tokens_key, r) in &values {
                adopted.insert((*md5, *key), Arc::clone(&r.result_row));
                tokens.insert((*md5, *tokens_key), Arc::clone(&r.tokens_row));
            }
        }
        // The first of them are served decoded too.
        let room = self.opts.memory_entries;
        for (i, (md5, key, tokens_key, r)) in values.into_iter().enumerate() {
            self.queue((md5, key, r.result_row));
            self.queue((md5, tokens_key, r.tokens_row));
            if i < room {
                self.remember((md5, key), Arc::new(r.value));
            }
        }
    }

    /// Whether a result for this content and key is here (memory, this run, or SQLite),
    /// without decoding it.
    pub fn has(&self, md5: &Digest16, key: &Digest16) -> bool {
        if lock(&self.lru).contains(&(*md5, *key))
            || lock(&self.adopted).contains_key(&(*md5, *key))
        {
            return true;
        }
        self.reader()
            .and_then(|conn| {
                let found = conn
                    .prepare_cached("SELECT 1 FROM results WHERE md5 = ?1 AND key = ?2")?
                    .query_row(params![&md5[..], &key[..]], |_| Ok(()))
                    .optional()
                    .map(|r| r.is_some());
                lock(&self.readers).push(conn);
                found
            })
            .unwrap_or(false)
    }

    /// Remembers the content hash of a file read before the run.
    pub fn note_prefetched(&self, rel: &str, md5: Digest16) {
        lock(&self.prefetched).insert(rel.to_string(), md5);
    }

    /// The content hash of a file read before the run, if it was.
    pub fn prefetched(&self, rel: &str) -> Option<Digest16> {
        lock(&self.prefetched).get(rel).copied()
    }

    /// The stored MD5 of an unchanged file (as [`Cache::trusted_md5`]), for a look before the
    /// run: not counted as seen, its state not refreshed.
    pub fn peek_md5(&self, c: &Candidate) -> Option<Digest16> {
        self.trusted_state(c).map(|s| s.md5)
    }

    /// Starts writing the run's fresh results to the remote, in batches, on a thread of its
    /// own; `None` without a remote.
    pub fn start_upload(&self) -> Option<Upload> {
        let remote = Arc::clone(self.remote.as_ref()?);
        let items = std::mem::take(&mut *lock(&self.uploads));
        self.queued.store(items.len() as u64, Ordering::Relaxed);
        let writer = Arc::clone(&remote);
        let items = Arc::new(items);
        let queued = Arc::clone(&items);
        let thread = std::thread::Builder::new()
            .name("wtfcb-upload".into())
            .spawn(move || writer.put_many(&queued))
            .map_err(|_| remote.put_many(&items))
            .ok();
        Some(Upload { remote, thread })
    }

    /// Sends a new result to the writer thread, and serves it from memory meanwhile.
    pub fn put(&self, md5: Digest16, key: Digest16, value: CachedFile) {
        let encoded = value.encode();
        self.remember((md5, key), Arc::new(value));
        self.queue((md5, key, encoded.into()));
    }

    /// Waits for the writer thread, then writes what is left (file states, refreshed entries,
    /// the run's record) in one transaction, and prunes. Never fails: a problem becomes a
    /// warning.
    pub fn finish(self, warnings: &mut Vec<String>) -> CacheStats {
        let start = Instant::now();
        let sunk = match std::mem::replace(&mut *lock(&self.sink), SinkState::Unavailable) {
            SinkState::Running(Sink { rows, thread }) => {
                drop(rows);
                Some(thread.join())
            }
            _ => None,
        };
        let (sunk_rows, sink_error) = match sunk {
            None => (0, None),
            Some(Ok(o)) => (o.written, o.error.map(Failed::Sqlite)),
            Some(Err(_)) => (0, Some(Failed::Panicked)),
        };
        let mut results = std::mem::take(&mut *lock(&self.new_results));
        // Identical files share one entry; of a key given twice, the last value stands.
        results.reverse();
        results.sort_by_key(|r| (r.0, r.1));
        results.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let written = sunk_rows + results.len() as u64;
        let bad = self.counters.bad_values.load(Ordering::Relaxed);
        if bad > 0 {
            warnings.push(format!(
                "{bad} cache value(s) in {} failed their checksum or did not decode; those files were analyzed afresh and their entries replaced",
                self.db.display()
            ));
        }
        let mut stats = self.stats();
        stats.entries_written = written;
        let broken = self.broken.load(Ordering::Relaxed);
        let db = self.db.clone();
        let opts = self.opts.clone();
        let outcome = match sink_error {
            Some(failed) => Err(failed),
            None => {
                let mut conn = lock(&self.writer);
                self.write(&mut conn, &results, written, &stats)
                    .and_then(|run| {
                        prune(&conn, &opts)?;
                        // The run's own row learns how long writing it took (for `cache stats`).
                        let ms = start.elapsed().as_secs_f64() * 1e3;
                        conn.execute(
                            "UPDATE runs SET write_ms = ?1 WHERE id = ?2",
                            params![ms, run],
                        )?;
                        Ok(())
                    })
                    .map_err(Failed::Sqlite)
            }
        };
        drop(self);
        if let Err(err) = outcome {
            // What the writer thread committed before is there (and sound: each row is keyed
            // by its content); the rest of the run, file states included, is not.
            let saved = sunk_rows;
            let unsaved = if saved == 0 {
                "were not saved"
            } else {
                "were not all saved"
            };
            warnings.push(format!(
                "could not write the cache {} ({err}); results are correct but {unsaved}",
                db.display()
            ));
            stats.entries_written = saved;
            let corrupt = matches!(&err, Failed::Sqlite(e) if is_corruption(e));
            if broken || corrupt {
                if let Ok(aside) = quarantine(&db) {
                    warnings.push(format!(
                        "the damaged cache was moved to {}; the next run rebuilds it",
                        aside.display()
                    ));
                    stats.entries_written = 0;
                }
            }
        }
        stats.write_ms = start.elapsed().as_secs_f64() * 1e3;
        stats
    }

    fn stats(&self) -> CacheStats {
        let c = &self.counters;
        let seen = c.seen.load(Ordering::Relaxed);
        let (stat, hash) = (
            c.stat_hits.load(Ordering::Relaxed),
            c.hash_hits.load(Ordering::Relaxed),
        );
        CacheStats {
            dir: self.opts.dir.display().to_string(),
            files_seen: seen,
            stat_hits: stat,
            hash_hits: hash,
            misses: c.misses.load(Ordering::Relaxed),
            files_parsed: c.parsed.load(Ordering::Relaxed),
            known_failures: c.failures.load(Ordering::Relaxed),
            entries_written: 0,
            hit_rate: hit_rate(seen, stat + hash),
            read_ms: c.read_ns.load(Ordering::Relaxed) as f64 / 1e6,
            write_ms: 0.0,
            project: Vec::new(),
            remote: self.remote.as_ref().map(|r| {
                let mut stats = r.finish().0;
                stats.queued = self.queued.load(Ordering::Relaxed);
                stats
            }),
        }
    }

    fn write(
        &self,
        conn: &mut Connection,
        results: &[Row],
        written: u64,
        stats: &CacheStats,
    ) -> rusqlite::Result<i64> {
        let states = std::mem::take(&mut *lock(&self.new_states));
        let touched = std::mem::take(&mut *lock(&self.touched));
        let now = now_s();
        let run;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            insert_results(&tx, results, now)?;
            let mut state = tx.prepare_cached(
                "INSERT OR REPLACE INTO files
                     (project, path, size, mtime_ns, md5, written_ns, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for s in &states {
                state.execute(params![
                    &self.opts.project[..],
                    s.path,
                    s.size,
                    s.mtime_ns,
                    &s.md5[..],
                    s.read_ns,
                    now
                ])?;
            }
            let mut fail = tx.prepare_cached(
                "INSERT OR REPLACE INTO failures (md5, key, timed_out, budget_ms, message, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (md5, key, f) in std::mem::take(&mut *lock(&self.new_failures)) {
                fail.execute(params![
                    &md5[..],
                    &key[..],
                    f.timed_out,
                    f.budget_ms as i64,
                    f.message,
                    now
                ])?;
            }
            let mut touch =
                tx.prepare_cached("UPDATE results SET last_seen = ?3 WHERE md5 = ?1 AND key = ?2")?;
            let mut touch_state = tx.prepare_cached(
                "UPDATE files SET last_seen = ?3 WHERE project = ?1 AND path = ?2",
            )?;
            for path in std::mem::take(&mut *lock(&self.touched_states)) {
                touch_state.execute(params![&self.opts.project[..], path, now])?;
            }
            for (md5, key) in &touched {
                touch.execute(params![&md5[..], &key[..], now])?;
            }
            tx.execute(
                "INSERT INTO runs (at, files, stat_hits, hash_hits, misses, parsed, written,
                                   read_ms, write_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)",
                params![
                    now,
                    stats.files_seen as i64,
                    stats.stat_hits as i64,
                    stats.hash_hits as i64,
                    stats.misses as i64,
                    stats.files_parsed as i64,
                    written as i64,
                    stats.read_ms
                ],
            )?;
            run = tx.last_insert_rowid();
            tx.execute(
                "DELETE FROM runs WHERE id NOT IN (SELECT id FROM runs ORDER BY id DESC LIMIT 20)",
                [],
            )?;
        }
        tx.commit()?;
        Ok(run)
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Hits / files seen, to four decimals (0 when nothing was seen).
fn hit_rate(seen: u64, hits: u64) -> f64 {
    if seen == 0 {
        0.0
    } else {
        (hits as f64 / seen as f64 * 1e4).round() / 1e4
    }
}

fn is_corruption(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".wtfcb-write-probe-{}", std::process::id()));
    let ok = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

/// What `prune` removed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pruned {
    pub results: u64,
    pub files: u64,
}

/// Removes entries unseen for `max_age_days`, then the least recently seen entries until the
/// stored values fit in `max_size`.
fn prune(conn: &Connection, opts: &CacheOptions) -> rusqlite::Result<Pruned> {
    let cutoff = now_s() - i64::from(opts.max_age_days) * 86_400;
    let mut pruned = Pruned {
        results: conn.execute("DELETE FROM results WHERE last_seen < ?1", [cutoff])? as u64,
        files: conn.execute("DELETE FROM files WHERE last_seen < ?1", [cutoff])? as u64,
    };
    conn.execute("DELETE FROM failures WHERE last_seen < ?1", [cutoff])?;
    // SQLite answers this from the covering (last_seen, size) index, not the value pages.
    let total: i64 = conn.query_row("SELECT coalesce(sum(size), 0) FROM results", [], |r| {
        r.get(0)
    })?;
    if total as u64 > opts.max_size {
        // Keep the most recently seen entries that fit; entries seen at the same second are
        // ordered by rowid, so one run's entries are trimmed, not all dropped at once.
        let mut doomed = Vec::new();
        {
            let mut stmt = conn
                .prepare("SELECT rowid, size FROM results ORDER BY last_seen DESC, rowid DESC")?;
            let mut rows = stmt.query([])?;
            let mut sum = 0u64;
            while let Some(row) = rows.next()? {
                let (rowid, size): (i64, i64) = (row.get(0)?, row.get(1)?);
                sum += size.max(0) as u64;
                if sum > opts.max_size {
                    doomed.push(rowid);
                }
            }
        }
        let mut delete = conn.prepare("DELETE FROM results WHERE rowid = ?1")?;
        for rowid in doomed {
            pruned.results += delete.execute([rowid])? as u64;
        }
    }
    if pruned.results + pruned.files > 0 {
        conn.execute_batch("PRAGMA incremental_vacuum;")?;
    }
    Ok(pruned)
}

/// `wtfcb cache stats`: what is stored and how the last run went.
#[derive(Debug, Clone, Serialize)]
pub struct StoreStats {
    pub path: String,
    pub results: u64,
    pub files: u64,
    pub bytes: u64,
    pub last_run: Option<CacheStats>,
}

/// Reads the cache's statistics without changing it (`None`: there is no cache).
pub fn store_stats(opts: &CacheOptions) -> anyhow::Result<Option<StoreStats>> {
    let db = opts.db_path();
    if !db.is_file() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let (results, files): (i64, i64) = conn.query_row(
        "SELECT (SELECT count(*) FROM results), (SELECT count(*) FROM files)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let last_run = conn
        .query_row(
            "SELECT files, stat_hits, hash_hits, misses, parsed, written, read_ms, write_ms
             FROM runs ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                let seen: i64 = r.get(0)?;
                let (stat, hash): (i64, i64) = (r.get(1)?, r.get(2)?);
                Ok(CacheStats {
                    dir: opts.dir.display().to_string(),
                    files_seen: seen as u64,
                    stat_hits: stat as u64,
                    hash_hits: hash as u64,
                    misses: r.get::<_, i64>(3)? as u64,
                    files_parsed: r.get::<_, i64>(4)? as u64,
                    known_failures: 0,
                    entries_written: r.get::<_, i64>(5)? as u64,
                    hit_rate: hit_rate(seen as u64, (stat + hash) as u64),
                    read_ms: r.get(6)?,
                    write_ms: r.get(7)?,
                    project: Vec::new(),
                    remote: load_remote_stats(&opts.dir),
                })
            },
        )
        .optional()?;
    let bytes = ["db", "db-wal"]
        .iter()
        .filter_map(|ext| std::fs::metadata(db.with_extension(ext)).ok())
        .map(|m| m.len())
        .sum();
    Ok(Some(StoreStats {
        path: db.display().to_string(),
        results: results as u64,
        files: files as u64,
        bytes,
        last_run,
    }))
}

/// `wtfcb cache clear`: removes the cache files (the directory and its tag stay).
pub fn clear(opts: &CacheOptions) -> anyhow::Result<bool> {
    let db = opts.db_path();
    let mut removed = false;
    for ext in ["db", "db-wal", "db-shm", "db.broken"] {
        removed |= remove_plain_file(&db.with_extension(ext))?;
    }
    Ok(removed)
}

/// `wtfcb cache prune`: applies the age and size limits now.
pub fn prune_now(opts: &CacheOptions) -> anyhow::Result<Option<Pruned>> {
    let db = opts.db_path();
    if !db.is_file() {
        return Ok(None);
    }
    let conn = connect(&db)?;
    Ok(Some(prune(&conn, opts)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::{Reject, MAX_VALUE};

    fn open_in(dir: &Path) -> Cache {
        let mut warnings = Vec::new();
        let cache = Cache::open(CacheOptions::new(dir.to_path_buf()), &mut warnings)
            .expect("a cache in a fresh directory");
        assert!(warnings.is_empty(), "{warnings:?}");
        cache
    }

    /// The facts of a small Python file of five lines, its clone tokens included.
    fn python_facts() -> FileFacts {
        let src = "def f(a):\n    return a + 1\n\n\nx = f(2)\n";
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&wtfcb_core::lang::Language::Python.grammar())
            .unwrap();
        let tree = parser.parse(src, None).unwrap();
        wtfcb_core::facts::extract(
            &tree,
            src,
            wtfcb_core::lang::Language::Python,
            &wtfcb_core::rules::SYNTACTIC,
        )
    }

    fn rows_in(db: &Path) -> i64 {
        Connection::open(db)
            .unwrap()
            .query_row("SELECT count(*) FROM results", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn fresh_rows_reach_sqlite_before_the_end_and_the_last_value_of_a_key_stands() {
        let dir = tempfile::tempdir().unwrap();
        let cache = open_in(dir.path());
        let db = cache.db.clone();
        // Two values of one key fill a batch, which the writer thread commits while the run
        // goes on (everything was written by `finish` before): wait for it, boundedly.
        let half = SINK_BATCH_BYTES / 2 + 1;
        cache.put_state("graph", vec![1; half]);
        cache.put_state("graph", vec![2; half]);
        let mut waited = 0;
        while rows_in(&db) < 1 {
            assert!(waited < 3000, "rows still not in SQLite after 30 s");
            std::thread::sleep(Duration::from_millis(10));
            waited += 1;
        }
        // Less than a batch: written when the run ends.
        cache.put_state("duplicates", b"other".to_vec());
        let mut warnings = Vec::new();
        let stats = cache.finish(&mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(stats.entries_written, 2, "one row per key");
        assert_eq!(rows_in(&db), 2);
        let again = open_in(dir.path());
        assert_eq!(again.get_state("graph"), Some(vec![2; half]));
        assert_eq!(
            again.get_state("duplicates").as_deref(),
            Some(&b"other"[..])
        );
    }

    #[test]
    fn a_failed_background_write_is_one_warning_and_the_run_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let cache = open_in(dir.path());
        // Sound SQLite, but the writer thread's inserts are refused, and only they: the end
        // of the run (states, the run's record, pruning) writes no result here, so the one
        // warning must come from the writer thread's error (with the table dropped instead,
        // pruning failed too and the test passed with that error ignored).
        Connection::open(&cache.db)
            .unwrap()
            .execute_batch(
                "CREATE TRIGGER refuse BEFORE INSERT ON results
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
            )
            .unwrap();
        for i in 0..50u8 {
            cache.put_state(&format!("phase {i}"), vec![i; 100]);
        }
        let mut warnings = Vec::new();
        let stats = cache.finish(&mut warnings);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("could not write the cache")
                && warnings[0].contains("refused by the test")
                && warnings[0].ends_with("were not saved"),
            "{warnings:?}"
        );
        assert_eq!(stats.entries_written, 0);
    }

    #[test]
    fn values_from_the_remote_are_served_from_memory_and_saved_by_the_writer_thread() {
        let dir = tempfile::tempdir().unwrap();
        let mut warnings = Vec::new();
        let mut opts = CacheOptions::new(dir.path().to_path_buf());
        // Fewer than the values adopted: the LRU alone cannot serve them all.
        opts.memory_entries = 2;
        let cache = Cache::open(opts, &mut warnings).expect("a cache in a fresh directory");
        let db = cache.db.clone();
        let values: Vec<_> = (0..10u8)
            .map(|i| {
                let facts = FileFacts {
                    tokens_digest: u64::from(i),
                    ..Default::default()
                };
                let value = CachedFile::new(u64::from(i), false, &facts, None, &[]);
                let tokens = wtfcb_core::facts::Tokens::default();
                let payload = encode_value(&(&value, &tokens));
                ([i; 16], [7; 16], remote_result(&payload).expect("decodes"))
            })
            .collect();
        cache.adopt_many(values);
        for i in 0..10u8 {
            let got = cache
                .get(&[i; 16], &[7; 16])
                .expect("every adopted value is served");
            assert_eq!(got.bytes, u64::from(i));
            assert!(cache.get_tokens(&[i; 16], &[7; 16]).is_some());
            assert!(cache.has(&[i; 16], &[7; 16]));
        }
        // Nothing waited for SQLite, and nothing was read from it: every value came from
        // memory (before, the values were written in one transaction and read back from it).
        assert_eq!(cache.db_reads(), 0);
        let stats = cache.finish(&mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        // A result and its tokens per value, all saved for the next run.
        assert_eq!(stats.entries_written, 20);
        assert_eq!(rows_in(&db), 20);
        let again = open_in(dir.path());
        assert_eq!(again.get(&[9; 16], &[7; 16]).map(|v| v.bytes), Some(9));
    }

    #[test]
    fn a_remote_payload_is_cut_into_the_rows_the_local_cache_stores_and_checked_whole() {
        let facts = python_facts();
        let value = CachedFile::new(42, false, &facts, None, &[]);
        let payload = encode_value(&(&value, &facts.tokens));
        let r = remote_result(&payload).expect("a sound payload decodes");
        // The rows are what encoding each part would store, byte for byte.
        assert_eq!(&r.result_row[..], &value.encode()[..]);
        assert_eq!(&r.tokens_row[..], &encode_value(&facts.tokens)[..]);
        assert_eq!(r.value.encode(), value.encode());
        // A checksum that does not match, a byte too many, tokens cut short: refused.
        let mut bad = payload.clone();
        bad[0] ^= 1;
        assert!(remote_result(&bad).is_none());
        let mut longer = payload[4..].to_vec();
        longer.push(0);
        assert!(remote_result(&framed(&longer)).is_none());
        let shorter = &payload[4..payload.len() - 1];
        assert!(remote_result(&framed(shorter)).is_none());
        // A result alone (no tokens after it) is no remote value.
        assert!(remote_result(&value.encode()).is_none());
    }

    #[test]
    fn a_new_cache_file_has_pages_of_16_kib() {
        let dir = tempfile::tempdir().unwrap();
        let cache = open_in(dir.path());
        let db = cache.db.clone();
        cache.finish(&mut Vec::new());
        let size: i64 = Connection::open(&db)
            .unwrap()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(size, 16384);
    }

    #[test]
    fn remote_values_are_bounded_by_what_they_stand_for() {
        assert_eq!(file_value_limit(0), 64 << 10);
        assert_eq!(file_value_limit(1000), 64_000 + (64 << 10));
        assert_eq!(file_value_limit(u64::MAX), MAX_VALUE);
        assert_eq!(state_value_limit(0), 1 << 20);
        assert_eq!(state_value_limit(usize::MAX), MAX_VALUE);
        // Keys: one per content and result key, never shared.
        assert_ne!(
            remote_key(&[1; 16], &[2; 16]),
            remote_key(&[2; 16], &[1; 16])
        );
        assert!(remote_key(&[0; 16], &[0; 16]).starts_with("wtfcb-"));
    }

    #[test]
    fn a_sealed_result_opens_whole_under_its_key_only() {
        let facts = FileFacts {
            tokens_digest: 7,
            ..Default::default()
        };
        let value = CachedFile::new(42, false, &facts, None, &[]);
        let tokens = wtfcb_core::facts::Tokens::default();
        let sealed = seal_result("k1", &value, &tokens, Some(b"secret"));
        let (back, _) = open_result("k1", &sealed, Some(b"secret")).expect("opens");
        assert_eq!(back.bytes, 42);
        assert_eq!(back.encode(), value.encode());
        assert_eq!(
            open_result("k2", &sealed, Some(b"secret")).err(),
            Some(Reject::BadSignature)
        );
        // A good envelope around a payload that is no result is damaged, not a panic.
        let junk = crate::remote::seal_bytes("k1", b"not a result", None);
        assert_eq!(open_result("k1", &junk, None).err(), Some(Reject::Damaged));
    }

    #[test]
    fn tokens_round_trip_packed_and_damage_is_refused() {
        let t = python_facts().tokens;
        let bytes = encode_value(&t);
        let back: wtfcb_core::facts::Tokens = decode_value(&bytes).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.line_of(back.len() - 1), 5);
        // A line table that points past the tokens does not decode (checksum recomputed).
        let payload = bincode::encode_to_vec(
            (&t.kinds, Vec::<u8>::new(), vec![0u8, 1, 200, 1]),
            bincode::config::standard(),
        )
        .unwrap();
        let mut forged = crc32fast::hash(&payload).to_le_bytes().to_vec();
        forged.extend_from_slice(&payload);
        assert!(decode_value::<wtfcb_core::facts::Tokens>(&forged).is_none());
    }
}
