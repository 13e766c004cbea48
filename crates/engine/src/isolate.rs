//! Parsing and fact extraction, isolated so that one file can only cost itself.
//!
//! Grammars are third-party C: some abort the process on hostile input (a failed `assert`), some
//! loop inside an external scanner where tree-sitter's cancellation never fires. A panic guard
//! cannot catch either, so by default every parse runs in a worker process: the binary
//! re-executes itself with [`WORKER_ARG`], reads jobs (language, budget, text) on stdin and
//! answers with the file's facts on stdout. The supervisor side ([`Workers`]) waits for each
//! answer with a deadline; a worker that dies or overruns it costs the file it was on, is
//! replaced, and the run goes on. Rules run in the calling process on the returned facts.
//!
//! Cache hits never reach this module, so a warm run starts no worker at all.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::ExitStatusExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use wtfcb_core::alloc::{self, Phase};
use wtfcb_core::facts::{self, FileFacts};
use wtfcb_core::lang::Language;
use wtfcb_core::parse::{self, seconds, Failure, ParseError};

/// The first argument that turns the `wtfcb` binary into a parse worker.
pub const WORKER_ARG: &str = "__wtfcb-parse-worker";

/// The largest source text a job may carry, and the largest answer the supervisor accepts.
/// Both far exceed what `--max-file-size` lets through; they only bound a corrupt frame.
const MAX_TEXT: u64 = 1 << 31;
const MAX_ANSWER: u64 = 1 << 31;

/// How long past its parse budget a worker may stay silent before it is killed: the parse
/// itself is cancelled at the budget, so only a loop the cancellation cannot reach (or a fact
/// pass gone wrong) gets here.
fn hard_deadline(budget: Duration) -> Duration {
    budget.mul_f64(1.5) + Duration::from_secs(1)
}

/// A file's facts, and what producing them cost.
#[derive(Debug)]
pub struct Extracted {
    pub facts: FileFacts,
    pub parse_time: Duration,
    pub facts_time: Duration,
}

/// What one job allocated in a parser process (while profiling).
#[derive(Debug, Clone, Copy, Default)]
struct JobAllocs {
    parse: (u64, u64),
    facts: (u64, u64),
    peak: u64,
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-text payload".into())
}

/// Runs `f`, turning a panic into an internal error of `phase`.
pub fn guarded<T>(phase: &'static str, f: impl FnOnce() -> T) -> Result<T, Failure> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| Failure::Internal {
        phase,
        message: panic_message(payload.as_ref()),
    })
}

/// Parses and extracts facts in this process (a panic is caught; an abort or a loop is not).
pub fn extract_here(lang: Language, text: &str, budget: Duration) -> Result<Extracted, Failure> {
    let start = Instant::now();
    let piece = parse::piece_bytes();
    let mut left = budget;
    if text.len() > piece.saturating_mul(4) {
        if let Some(done) = guarded("parse", || in_pieces(lang, text, piece, budget))? {
            return done;
        }
        // A piece with a syntax error: the whole file, in what is left of the budget.
        left = budget.saturating_sub(start.elapsed());
    }
    let parsing = alloc::phase(Phase::Parse);
    let tree = match guarded("parse", || parse::parse_within(lang, text, left))? {
        Ok(tree) => tree,
        Err(ParseError::TimedOut(_)) => return Err(Failure::TimedOut(budget)),
        Err(err) => return Err(Failure::NoTree(err.to_string())),
    };
    let parsed = Instant::now();
    drop(parsing);
    let _facts = alloc::phase(Phase::Facts);
    let facts = guarded("facts", || {
        let facts = facts::extract(&tree, text, lang, &wtfcb_core::rules::SYNTACTIC);
        if alloc::Scratch::active() {
            // Its memory goes with the scratch heap, at once.
            std::mem::forget(tree);
        } else {
            // Dropping a big tree is real work; count it with the pass that needed the tree.
            drop(tree);
        }
        facts
    })?;
    Ok(Extracted {
        facts,
        parse_time: parsed - start,
        facts_time: parsed.elapsed(),
    })
}

/// [`extract_here`] for a file over four pieces' size: cut where [`parse::piece_starts`] says,
/// each piece parsed alone and its facts read before the next is parsed, so only one piece's
/// tree is in memory at a time (a tree takes about 47 times its source's size on Python).
/// `None` when a piece has a syntax error even joined to the next one: the whole file is
/// parsed then, with error recovery and repairs, as a smaller file would be. A file whose
/// macros hide a class (see [`parse::parse_within`]) is parsed whole too.
fn in_pieces(
    lang: Language,
    text: &str,
    piece: usize,
    budget: Duration,
) -> Option<Result<Extracted, Failure>> {
    if wtfcb_core::repair::hides_a_class(lang, text) {
        return None;
    }
    parse::faults::inject(text);
    let start = Instant::now();
    let deadline = start + budget;
    let cuts = parse::piece_starts(lang, text, piece);
    let mut from = parse::PieceStart { byte: 0, row: 0 };
    let mut parse_time = Duration::ZERO;
    let mut next = || -> Result<Option<parse::Tree>, Option<Failure>> {
        if from.byte >= text.len() {
            return Ok(None);
        }
        let _parsing = alloc::phase(Phase::Parse);
        let began = Instant::now();
        let out = next_piece(lang, text, &cuts, &mut from, piece, deadline, budget);
        parse_time += began.elapsed();
        out
    };
    let facts = {
        let _facts = alloc::phase(Phase::Facts);
        facts::extract::extract_pieces(text, lang, &wtfcb_core::rules::SYNTACTIC, &mut next)
    };
    match facts {
        Ok(facts) => Some(Ok(Extracted {
            facts,
            parse_time,
            facts_time: start.elapsed().saturating_sub(parse_time),
        })),
        Err(Some(failure)) => Some(Err(failure)),
        Err(None) => None,
    }
}

/// The tree of the piece that starts at `from`, which moves to the start of the next. A cut
/// inside a construct (a long comment or string, a block) leaves the piece before it
/// unfinished: the piece is tried again up to the first cut past twice, four and eight times
/// its size while that is at most half the file, so the work stays within 15 pieces' parses
/// and the file's size before the caller gives up on pieces (`Err(None)`: a syntax error
/// the whole parse must recover from).
fn next_piece(
    lang: Language,
    text: &str,
    cuts: &[parse::PieceStart],
    from: &mut parse::PieceStart,
    piece: usize,
    deadline: Instant,
    budget: Duration,
) -> Result<Option<parse::Tree>, Option<Failure>> {
    for grow in 0..4 {
        let reach = from.byte.saturating_add(piece << grow);
        let cut = cuts.partition_point(|c| c.byte < reach);
        let end = cuts.get(cut).map_or(text.len(), |c| c.byte);
        match parse::parse_piece(lang, text, *from, end, deadline, budget) {
            Ok(Some(tree)) => {
                *from = cuts.get(cut).copied().unwrap_or(parse::PieceStart {
                    byte: text.len(),
                    row: 0,
                });
                return Ok(Some(tree));
            }
            // Growing past half the file would cost about what the whole parse does.
            Ok(None) if end < text.len() && (end - from.byte) * 2 <= text.len() => continue,
            Ok(None) => break,
            Err(ParseError::TimedOut(_)) => return Err(Some(Failure::TimedOut(budget))),
            Err(err) => return Err(Some(Failure::NoTree(err.to_string()))),
        }
    }
    Err(None)
}

/// Where parsing happens.
pub enum Isolation {
    /// In the calling thread: no process start-up, no copies, but a grammar that aborts or
    /// loops takes the run down with it.
    InProcess,
    /// In supervised worker processes.
    Processes(Workers),
}

impl Isolation {
    /// Worker processes running this same binary, each job limited to its memory budget; an
    /// error when the binary cannot be located (isolation is never dropped silently: the user
    /// may choose `--in-process`).
    pub fn processes(memory: MemoryBudget) -> Result<Isolation, String> {
        let exe = std::env::current_exe()
            .or_else(|err| invoked_as().ok_or(err))
            .map_err(|err| {
                format!(
                    "cannot locate the wtfcb binary to start parser processes ({err}); run with --in-process to parse without isolation"
                )
            })?;
        Ok(Isolation::Processes(
            Workers::new(exe).with_memory_limit(memory),
        ))
    }

    /// Why the run cannot go on: not even one parser process could be started.
    pub fn fatal(&self) -> Option<String> {
        match self {
            Isolation::InProcess => None,
            Isolation::Processes(w) => w.fatal.get().cloned(),
        }
    }

    pub fn extract(
        &self,
        lang: Language,
        text: &str,
        budget: Duration,
    ) -> Result<Extracted, Failure> {
        match self {
            Isolation::InProcess => {
                // SAFETY: every tree-sitter object of the job is made and dropped (or
                // forgotten) inside `extract_here`, under this heap, as in a parser process;
                // the thread's kept parsers are not used under it.
                let scratch = unsafe { alloc::Scratch::enter() };
                let out = extract_here(lang, text, budget);
                drop(scratch);
                out
            }
            Isolation::Processes(workers) => workers.extract(lang, text, budget),
        }
    }

    /// A warning for the run's end, if fewer parser processes than threads could be started.
    pub fn warning(&self) -> Option<String> {
        match self {
            Isolation::InProcess => None,
            Isolation::Processes(w) => w.lowered.get().cloned(),
        }
    }

    /// The largest live heap one parse reached in a parser process (0 in-process or when not
    /// profiling: in-process parses count toward the main process's peak).
    pub fn parser_peak(&self) -> u64 {
        match self {
            Isolation::InProcess => 0,
            Isolation::Processes(w) => w.alloc_peak.load(Ordering::Relaxed),
        }
    }

    /// Worker processes started (0 in-process): each start past the first per thread is one
    /// replaced after a failure.
    pub fn workers_started(&self) -> u64 {
        match self {
            Isolation::InProcess => 0,
            Isolation::Processes(w) => w.started.load(Ordering::Relaxed),
        }
    }
}

/// The binary as it was started (`argv[0]`, looked up in `PATH` when it names no directory),
/// for when `/proc/self/exe` cannot be read (a sandbox without `/proc`).
fn invoked_as() -> Option<PathBuf> {
    let arg0 = PathBuf::from(std::env::args_os().next()?);
    if arg0.components().count() > 1 {
        return arg0.is_file().then_some(arg0);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&arg0))
        .find(|candidate| candidate.is_file())
}

/// How much memory one file's parse may take in a worker process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemoryBudget {
    /// Bytes per MiB of source, and at least this much (0: no limit).
    pub per_mib: u64,
    /// Never more than this (so that every thread's worker at its budget still fits).
    pub cap: u64,
}

impl MemoryBudget {
    /// The budget of a file of `bytes` bytes (0: no limit).
    pub fn for_size(self, bytes: usize) -> u64 {
        if self.per_mib == 0 {
            return 0;
        }
        let mib = (bytes as u64).div_ceil(1 << 20).max(1);
        self.per_mib.saturating_mul(mib).min(self.cap.max(1 << 20))
    }
}

/// A pool of worker processes, one per thread that needs one, reused across files.
pub struct Workers {
    exe: PathBuf,
    memory: MemoryBudget,
    idle: Mutex<Vec<Worker>>,
    /// Signalled when a worker is put back, or one is gone.
    returned: Condvar,
    /// Workers alive: started and neither killed nor dead.
    live: AtomicUsize,
    /// Set when a start failed while others were alive: the run goes on with those.
    lowered: OnceLock<String>,
    /// Set when no worker could be started at all: the run stops with this error.
    fatal: OnceLock<String>,
    started: AtomicU64,
    /// Largest live heap one parse reached in a worker (while profiling).
    alloc_peak: AtomicU64,
}

impl Workers {
    pub fn new(exe: PathBuf) -> Workers {
        Workers {
            exe,
            memory: MemoryBudget::default(),
            idle: Mutex::new(Vec::new()),
            returned: Condvar::new(),
            live: AtomicUsize::new(0),
            lowered: OnceLock::new(),
            fatal: OnceLock::new(),
            started: AtomicU64::new(0),
            alloc_peak: AtomicU64::new(0),
        }
    }

    /// Limits each job's worker to its memory budget beyond what the worker maps at start-up.
    pub fn with_memory_limit(mut self, memory: MemoryBudget) -> Workers {
        self.memory = memory;
        self
    }

    /// An idle worker, else a new one; when no more can be started (EAGAIN, EMFILE), the
    /// next one another thread puts back: the run goes on with fewer workers, never without
    /// isolation. An error only when none is alive and none can be started.
    fn take(&self) -> Result<Worker, String> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(worker) = idle.pop() {
                return Ok(worker);
            }
            if let Some(fatal) = self.fatal.get() {
                return Err(fatal.clone());
            }
            let live = self.live.load(Ordering::Relaxed);
            if self.lowered.get().is_none() || live == 0 {
                drop(idle);
                match Worker::spawn(&self.exe) {
                    Ok(worker) => {
                        self.started.fetch_add(1, Ordering::Relaxed);
                        self.live.fetch_add(1, Ordering::Relaxed);
                        return Ok(worker);
                    }
                    Err(err) => self.start_failed(&err),
                }
                idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // Bounded: each wait ends when a worker is put back or gone, or after 50 ms.
            idle = self
                .returned
                .wait_timeout(idle, Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn start_failed(&self, err: &io::Error) {
        let live = self.live.load(Ordering::Relaxed);
        let what = format!(
            "cannot start a parser process from {} ({err})",
            self.exe.display()
        );
        if live == 0 {
            let _ = self.fatal.set(format!(
                "{what}, and none is running: lower -j or raise the limits (ulimit -n, ulimit -u), or run with --in-process to parse without isolation"
            ));
        } else {
            let _ = self.lowered.set(format!(
                "{what}: the run went on with the {live} that were running"
            ));
        }
        self.returned.notify_all();
    }

    /// A worker is put back for the next job.
    fn put_back(&self, worker: Worker) {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(worker);
        self.returned.notify_one();
    }

    /// A worker is gone (killed, or dead): a waiting thread may start its replacement.
    fn gone(&self) {
        self.live.fetch_sub(1, Ordering::Relaxed);
        // Taken and released so that no waiter misses the news between its check and its wait.
        drop(self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        self.returned.notify_all();
    }

    pub fn extract(
        &self,
        lang: Language,
        text: &str,
        budget: Duration,
    ) -> Result<Extracted, Failure> {
        let mut worker = self.take().map_err(|message| Failure::Internal {
            phase: "parser process",
            message,
        })?;
        let deadline = hard_deadline(budget);
        let memory = self.memory.for_size(text.len());
        match worker.job(lang, text, budget, memory, Instant::now() + deadline) {
            Ok((answer, allocs)) => {
                alloc::add(Phase::Parse, allocs.parse.0, allocs.parse.1);
                alloc::add(Phase::Facts, allocs.facts.0, allocs.facts.1);
                self.alloc_peak.fetch_max(allocs.peak, Ordering::Relaxed);
                self.put_back(worker);
                answer
            }
            // The worker is gone or unusable: it is not returned to the pool.
            Err(JobError::Silent) => {
                worker.kill();
                self.gone();
                Err(Failure::Crashed(format!(
                    "parser did not finish within {} and was stopped",
                    seconds(deadline)
                )))
            }
            Err(JobError::Died) => {
                let failure = worker.death(memory);
                self.gone();
                Err(failure)
            }
            Err(JobError::Garbled(what)) => {
                worker.kill();
                self.gone();
                Err(Failure::Internal {
                    phase: "parser process",
                    message: what,
                })
            }
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for mut worker in self
            .idle
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            worker.kill();
        }
    }
}

enum JobError {
    /// No answer before the deadline.
    Silent,
    /// The pipe closed: the process died.
    Died,
    /// An answer that does not decode.
    Garbled(String),
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    stderr: ChildStderr,
}

/// A job's header: language, parse budget (ms), memory budget (bytes), text length.
const HEAD: usize = 25;

/// An answer's header: tag, parse and facts times (ns), payload length, then (while
/// profiling) parse bytes and allocations, facts bytes and allocations, peak live heap.
const ANSWER: usize = 65;

/// Set in a worker's environment when the parent profiles allocations.
const PROFILE_ALLOC_ENV: &str = "WTFCB_PROFILE_ALLOC";

/// Answer tags.
const OK: u8 = 0;
const TIMED_OUT: u8 = 1;
const INTERNAL: u8 = 2;
const NO_TREE: u8 = 3;

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<{ MAX_ANSWER as usize }>()
}

impl Worker {
    fn spawn(exe: &std::path::Path) -> io::Result<Worker> {
        let mut child = Worker::command(exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other("worker pipes missing"));
        };
        Ok(Worker {
            child,
            stdin,
            stdout,
            stderr,
        })
    }

    /// The command that starts a worker: the binary, its argument and its environment.
    fn command(exe: &std::path::Path) -> Command {
        let mut command = Command::new(exe);
        // Parses allocate through mimalloc (see `alloc`), which by default reserves 1 GiB of
        // address space for its first arena: more than the worker's address-space cap
        // (`limit_memory`) may allow. A 64 MiB arena, reserved before the cap is measured
        // (`alloc::warm_up`), keeps freed pages for the next file (without an arena mimalloc
        // unmaps and faults them in again: six times the page faults, 0.6 s of system time on
        // cpython); what a parse needs past it the cap counts as before.
        if std::env::var_os("MIMALLOC_ARENA_RESERVE").is_none() {
            command.env("MIMALLOC_ARENA_RESERVE", "64MiB");
        }
        // And that arena committed whole, as mimalloc does by default: the binary makes arenas
        // lazy (`alloc::configure`, for the main process's peak RSS), and a lazy arena gives
        // freed pages back, to fault them in again for the next file (a cold cpython run:
        // 24,900-25,700 page faults, against 17,400-17,800 with this).
        if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
            command.env("MIMALLOC_ARENA_EAGER_COMMIT", "2");
        }
        if alloc::enabled() {
            command.env(PROFILE_ALLOC_ENV, "1");
        }
        command.arg(WORKER_ARG);
        command
    }

    fn job(
        &mut self,
        lang: Language,
        text: &str,
        budget: Duration,
        memory: u64,
        deadline: Instant,
    ) -> Result<(Result<Extracted, Failure>, JobAllocs), JobError> {
        let mut head = [0u8; HEAD];
        head[0] = lang.index() as u8;
        head[1..9].copy_from_slice(&(budget.as_millis() as u64).to_le_bytes());
        head[9..17].copy_from_slice(&memory.to_le_bytes());
        head[17..25].copy_from_slice(&(text.len() as u64).to_le_bytes());
        // The worker reads its whole job before it starts, so these writes cannot block on a
        // busy worker; a dead one makes them fail (SIGPIPE is ignored by Rust programs).
        if self.stdin.write_all(&head).is_err()
            || self.stdin.write_all(text.as_bytes()).is_err()
            || self.stdin.flush().is_err()
        {
            return Err(JobError::Died);
        }
        let mut answer = [0u8; ANSWER];
        read_by(&mut self.stdout, &mut answer, deadline)?;
        let word = |i: usize| u64::from_le_bytes(answer[i..i + 8].try_into().unwrap_or_default());
        let (parse_ns, facts_ns, len) = (word(1), word(9), word(17));
        let allocs = JobAllocs {
            parse: (word(25), word(33)),
            facts: (word(41), word(49)),
            peak: word(57),
        };
        if len > MAX_ANSWER {
            return Err(JobError::Garbled(format!("answer of {len} bytes")));
        }
        let mut payload = vec![0u8; len as usize];
        read_by(&mut self.stdout, &mut payload, deadline)?;
        let text_of = |p: Vec<u8>| String::from_utf8_lossy(&p).into_owned();
        let result = match answer[0] {
            OK => {
                let (facts, _) =
                    bincode::decode_from_slice::<FileFacts, _>(&payload, bincode_config())
                        .map_err(|e| JobError::Garbled(format!("undecodable facts: {e}")))?;
                Ok(Extracted {
                    facts,
                    parse_time: Duration::from_nanos(parse_ns),
                    facts_time: Duration::from_nanos(facts_ns),
                })
            }
            TIMED_OUT => Err(Failure::TimedOut(budget)),
            INTERNAL => {
                let text = text_of(payload);
                let (phase, message) = text.split_once('\n').unwrap_or(("parse", &text));
                Err(Failure::Internal {
                    phase: if phase == "facts" { "facts" } else { "parse" },
                    message: message.to_string(),
                })
            }
            NO_TREE => Err(Failure::NoTree(text_of(payload))),
            tag => return Err(JobError::Garbled(format!("unknown answer tag {tag}"))),
        };
        Ok((result, allocs))
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Why a worker whose pipe closed is gone: its signal or exit code, and the last line it
    /// wrote to stderr (an assertion's text, say); or its memory budget, when an allocation
    /// failed under it.
    fn death(mut self, memory: u64) -> Failure {
        let status = self.child.wait();
        let mut said = Vec::new();
        let _ = (&mut self.stderr).take(64 * 1024).read_to_end(&mut said);
        let last = String::from_utf8_lossy(&said)
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim().chars().take(400).collect::<String>());
        let how = match status {
            Ok(s) => match s.signal() {
                Some(libc::SIGABRT) => "parser aborted (SIGABRT)".to_string(),
                Some(libc::SIGKILL) => "parser was killed (SIGKILL; out of memory?)".to_string(),
                Some(libc::SIGSEGV) => "parser crashed (SIGSEGV)".to_string(),
                Some(sig) => format!("parser ended by signal {sig}"),
                None => format!("parser process exited with {s}"),
            },
            Err(err) => format!("parser process lost ({err})"),
        };
        let starved = String::from_utf8_lossy(&said).lines().any(|l| {
            l.contains("failed to allocate")
                || l.contains("failed to reallocate")
                || l.contains("memory allocation of")
        });
        if starved && memory > 0 {
            return Failure::OutOfMemory(memory);
        }
        Failure::Crashed(match last {
            Some(line) => format!("{how}: {line}"),
            None => how,
        })
    }
}

/// Fills `buf` from `from`, waiting no later than `deadline`.
fn read_by(from: &mut ChildStdout, buf: &mut [u8], deadline: Instant) -> Result<(), JobError> {
    let mut filled = 0;
    while filled < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(JobError::Silent);
        }
        let mut pfd = libc::pollfd {
            fd: from.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd, owned by this frame.
        let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
        if ready < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(JobError::Died);
        }
        if ready == 0 {
            continue;
        }
        // Readable or hung up: this read does not block.
        match from.read(&mut buf[filled..]) {
            Ok(0) => return Err(JobError::Died),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(JobError::Died),
        }
    }
    Ok(())
}

/// Address space this process maps before any job (bytes).
fn mapped_now() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmSize:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Caps this process's address space (the soft limit, so a later job may raise it again) at
/// `base` plus `budget` bytes: a file that needs more fails an allocation, and with it this
/// worker, instead of exhausting the machine. `budget` 0 lifts the cap.
fn limit_memory(base: u64, budget: u64) {
    let cap = if budget == 0 {
        libc::RLIM_INFINITY
    } else {
        base.saturating_add(budget) as libc::rlim_t
    };
    let limit = libc::rlimit {
        rlim_cur: cap,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: a valid rlimit for this process; on failure the old limit stays.
    unsafe {
        libc::setrlimit(libc::RLIMIT_AS, &limit);
    }
}

/// The worker's side: answer jobs until stdin closes. Returns the process exit code.
pub fn worker_main() -> u8 {
    // Panics are answered as internal errors; their default report would fill stderr.
    std::panic::set_hook(Box::new(|_| {}));
    // The parse allocator's arena is part of the baseline, not of the first file's budget.
    alloc::warm_up();
    let base = mapped_now();
    let mut limit = 0;
    if std::env::var_os(PROFILE_ALLOC_ENV).is_some_and(|v| v == "1") {
        alloc::enable();
    }
    let mut input = io::stdin().lock();
    let mut output = io::BufWriter::new(io::stdout().lock());
    loop {
        let mut head = [0u8; HEAD];
        if input.read_exact(&mut head).is_err() {
            return 0;
        }
        let word = |i: usize| u64::from_le_bytes(head[i..i + 8].try_into().unwrap_or_default());
        let (budget, memory, len) = (Duration::from_millis(word(1)), word(9), word(17));
        if memory != limit {
            limit_memory(base, memory);
            limit = memory;
        }
        let Some(&lang) = Language::ALL.get(head[0] as usize) else {
            return 2;
        };
        if len > MAX_TEXT {
            return 2;
        }
        let mut raw = vec![0u8; len as usize];
        if input.read_exact(&mut raw).is_err() {
            return 2;
        }
        let text = String::from_utf8(raw)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let before = (alloc::counts(Phase::Parse), alloc::counts(Phase::Facts));
        let live = alloc::live();
        alloc::reset_peak();
        // SAFETY: every tree-sitter object of the job is made and dropped (or forgotten)
        // inside `extract_here`, under this heap, and this process parses nothing else.
        let scratch = unsafe { alloc::Scratch::enter() };
        let extracted = extract_here(lang, &text, budget);
        drop(scratch);
        let (tag, parse_ns, facts_ns, payload) = match extracted {
            Ok(x) => match bincode::encode_to_vec(&x.facts, bincode_config()) {
                Ok(bytes) => (
                    OK,
                    x.parse_time.as_nanos() as u64,
                    x.facts_time.as_nanos() as u64,
                    bytes,
                ),
                Err(e) => (INTERNAL, 0, 0, format!("facts\nencoding: {e}").into_bytes()),
            },
            Err(Failure::TimedOut(_)) => (TIMED_OUT, 0, 0, Vec::new()),
            Err(Failure::Internal { phase, message }) => {
                (INTERNAL, 0, 0, format!("{phase}\n{message}").into_bytes())
            }
            Err(Failure::NoTree(reason) | Failure::Crashed(reason)) => {
                (NO_TREE, 0, 0, reason.into_bytes())
            }
            Err(f @ (Failure::OutOfMemory(_) | Failure::Excluded(_))) => {
                (NO_TREE, 0, 0, f.message().into_bytes())
            }
        };
        let (parse, facts) = (alloc::counts(Phase::Parse), alloc::counts(Phase::Facts));
        let peak = (alloc::peak_live() as i64 - live).max(0) as u64;
        let mut answer = [0u8; ANSWER];
        answer[0] = tag;
        for (i, word) in [
            parse_ns,
            facts_ns,
            payload.len() as u64,
            parse.0 - before.0 .0,
            parse.1 - before.0 .1,
            facts.0 - before.1 .0,
            facts.1 - before.1 .1,
            peak,
        ]
        .into_iter()
        .enumerate()
        {
            answer[1 + 8 * i..9 + 8 * i].copy_from_slice(&word.to_le_bytes());
        }
        if output.write_all(&answer).is_err()
            || output.write_all(&payload).is_err()
            || output.flush().is_err()
        {
            return 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A parser process keeps its freed pages for the next file: a 64 MiB arena, committed
    // whole, unless the user's environment says otherwise (which the child inherits).
    #[test]
    fn a_worker_keeps_an_arena_committed_for_its_parses() {
        let command = Worker::command(std::path::Path::new("wtfcb"));
        let envs: Vec<_> = command.get_envs().collect();
        for (name, value) in [
            ("MIMALLOC_ARENA_RESERVE", "64MiB"),
            ("MIMALLOC_ARENA_EAGER_COMMIT", "2"),
        ] {
            if std::env::var_os(name).is_none() {
                let set = envs.iter().find(|(n, _)| *n == name).and_then(|(_, v)| *v);
                assert_eq!(set, Some(std::ffi::OsStr::new(value)), "{name}");
            }
        }
        assert_eq!(command.get_args().collect::<Vec<_>>(), [WORKER_ARG]);
    }

    #[test]
    fn a_panic_is_an_internal_error_of_its_phase() {
        let err = guarded("rules", || -> u32 { panic!("boom {}", 7) }).unwrap_err();
        assert_eq!(
            err.message(),
            "internal error in rules: boom 7; please report"
        );
        assert!(!err.is_skip());
    }

    #[test]
    fn in_process_extraction_matches_the_facts_pass() {
        let text = "def f(x):\n    if x:\n        return 1\n";
        let got = extract_here(Language::Python, text, Duration::from_secs(5)).unwrap();
        let tree = parse::parse(Language::Python, text).unwrap();
        assert_eq!(
            got.facts,
            facts::extract(&tree, text, Language::Python, &wtfcb_core::rules::SYNTACTIC)
        );
        assert_eq!(got.facts.functions[0].cyclomatic, 2);
    }

    /// Every fixture in every language, and texts cut where a piece cannot stand alone, read
    /// in pieces of a few bytes: the facts equal the whole parse's, and most files were read
    /// in pieces (not all fell back to the whole parse).
    #[test]
    fn pieces_read_the_same_facts_as_the_whole_file() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut texts: Vec<(Language, String, String)> = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("fixtures").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let (Some(lang), Ok(text)) =
                    (Language::from_path(&path), std::fs::read_to_string(&path))
                {
                    texts.push((lang, path.display().to_string(), text));
                }
            }
        }
        let hard = [
            // Cut before `else`, inside a docstring and a bracket: joined to what follows.
            (Language::Python, "if x:\n    pass\n\nelse:\n    pass\n\nd = \"\"\"\n\nabc\n\ndef g(): pass\n\"\"\"\n\nx = [\n\ny\n]\n\ndef f(a):\n    return a\n"),
            // A decorator, an attribute and a comment before a blank line stay with what follows.
            (Language::Python, "import os\n\n@dec\n\ndef f():\n    pass\n\n# note\n\ndef g():\n    if a:\n        return 1\n"),
            (Language::Rust, "use a::b;\n\n#[test]\n\nfn t() { if a { b() } }\n\n/* one\n\ntwo */\n\nfn u() {}\n"),
            (Language::JavaScript, "let a = b\n\nfoo(1)\n\nconst t = `\n\nx`\n\nfunction f() { return a ? 1 : 2 }\n"),
            (Language::Ruby, "def a\n  1\nend\n\n__END__\n\ndef b\n"),
        ];
        texts.extend(
            hard.iter()
                .map(|(l, t)| (*l, "hard".to_string(), t.to_string())),
        );
        let budget = Duration::from_secs(3600);
        let mut pieced = 0;
        for (lang, name, text) in &texts {
            let whole = {
                let tree = parse::parse(*lang, text).unwrap();
                facts::extract(&tree, text, *lang, &wtfcb_core::rules::SYNTACTIC)
            };
            if let Some(got) = in_pieces(*lang, text, 16, budget) {
                let got = got.unwrap_or_else(|f| panic!("{name}: {}", f.message()));
                assert_eq!(got.facts, whole, "{name}");
                pieced += 1;
            }
        }
        assert!(
            pieced * 2 > texts.len(),
            "{pieced} of {} read in pieces",
            texts.len()
        );
    }

    #[test]
    fn memory_budget_scales_with_size_up_to_the_cap() {
        let b = MemoryBudget {
            per_mib: 100 << 20,
            cap: 250 << 20,
        };
        assert_eq!(b.for_size(10), 100 << 20);
        assert_eq!(b.for_size(2 << 20), 200 << 20);
        assert_eq!(b.for_size(9 << 20), 250 << 20);
        assert_eq!(MemoryBudget::default().for_size(9 << 20), 0);
    }

    // Issue 27: the first failed start (EAGAIN, EMFILE, a missing binary) switched the rest of
    // the run to in-process parsing, so the next grammar that aborted killed the run. Isolation
    // is never dropped: with no worker at all the run stops with an error naming the cause.
    #[test]
    fn a_worker_that_cannot_start_stops_the_run_instead_of_dropping_isolation() {
        let iso = Isolation::Processes(Workers::new(PathBuf::from("/nonexistent/wtfcb")));
        let got = iso.extract(Language::Python, "x = 1\n", Duration::from_secs(5));
        assert!(
            matches!(&got, Err(Failure::Internal { message, .. }) if message.contains("/nonexistent/wtfcb")),
            "{:?}",
            got.err()
        );
        let fatal = iso.fatal().unwrap();
        assert!(fatal.contains("--in-process"), "{fatal}");
        assert!(iso.warning().is_none());
        // Every later file fails at once, without another start.
        assert!(iso
            .extract(Language::Python, "y = 2\n", Duration::from_secs(5))
            .is_err());
    }
}
