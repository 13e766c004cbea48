//! The allocation profile: a global allocator that forwards to the system allocator and, only
//! while profiling is on, counts bytes and allocations per phase and tracks the live heap and
//! its peak. Off, each allocation pays one relaxed atomic load and a branch.
//!
//! Phases are a thread-local tag set by [`phase`] around each stage of a file's work, so the
//! counts of parallel threads land in the right phase. Parse and facts run in the parser
//! processes, which count their own jobs and send the numbers back with each answer.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use serde::Serialize;

/// What a thread is doing, for the allocation counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    Other = 0,
    Walk,
    Cache,
    Read,
    Parse,
    Facts,
    Rules,
    Report,
}

const PHASES: usize = 8;
const NAMES: [&str; PHASES] = [
    "other", "walk", "cache", "read", "parse", "facts", "rules", "report",
];

static ENABLED: AtomicBool = AtomicBool::new(false);
static BYTES: [AtomicU64; PHASES] = [const { AtomicU64::new(0) }; PHASES];
static COUNT: [AtomicU64; PHASES] = [const { AtomicU64::new(0) }; PHASES];
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

thread_local! {
    // Const-initialised and without a destructor: safe to touch from inside the allocator.
    static CURRENT: Cell<u8> = const { Cell::new(0) };
}

/// The counting allocator; the `wtfcb` binary installs it as `#[global_allocator]`.
pub struct Counting;

fn record(size: usize) {
    let phase = CURRENT.try_with(Cell::get).unwrap_or(0) as usize;
    BYTES[phase].fetch_add(size as u64, Ordering::Relaxed);
    COUNT[phase].fetch_add(1, Ordering::Relaxed);
    let live = LIVE.fetch_add(size as i64, Ordering::Relaxed) + size as i64;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn release(size: usize) {
    LIVE.fetch_sub(size as i64, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counting touches only atomics and
// a const thread-local, and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if ENABLED.load(Ordering::Relaxed) && !p.is_null() {
            record(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if ENABLED.load(Ordering::Relaxed) && !p.is_null() {
            record(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if ENABLED.load(Ordering::Relaxed) {
            release(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if ENABLED.load(Ordering::Relaxed) && !p.is_null() {
            release(layout.size());
            record(new_size);
        }
        p
    }
}

// tree-sitter's core allocates with C `malloc`, past Rust's global allocator: while profiling,
// it is pointed at these wrappers, which call the same libc functions (so blocks from before
// and after mix safely) and count what they hand out by its usable size.
unsafe extern "C" fn ts_malloc(size: usize) -> *mut std::ffi::c_void {
    let p = unsafe { libc::malloc(size) };
    if !p.is_null() && enabled() {
        record(unsafe { libc::malloc_usable_size(p) });
    }
    p
}

unsafe extern "C" fn ts_calloc(n: usize, size: usize) -> *mut std::ffi::c_void {
    let p = unsafe { libc::calloc(n, size) };
    if !p.is_null() && enabled() {
        record(unsafe { libc::malloc_usable_size(p) });
    }
    p
}

unsafe extern "C" fn ts_realloc(ptr: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void {
    let old = if ptr.is_null() {
        0
    } else {
        unsafe { libc::malloc_usable_size(ptr) }
    };
    let p = unsafe { libc::realloc(ptr, size) };
    if !p.is_null() && enabled() {
        release(old);
        record(unsafe { libc::malloc_usable_size(p) });
    }
    p
}

unsafe extern "C" fn ts_free(ptr: *mut std::ffi::c_void) {
    if !ptr.is_null() && enabled() {
        release(unsafe { libc::malloc_usable_size(ptr) });
    }
    unsafe { libc::free(ptr) }
}

/// Starts counting (from zero), tree-sitter's allocations included.
pub fn enable() {
    static HOOKED: std::sync::Once = std::sync::Once::new();
    // SAFETY: the wrappers call the allocator tree-sitter uses by default, so memory allocated
    // before the switch is freed correctly after it.
    HOOKED.call_once(|| unsafe {
        tree_sitter::set_allocator(
            Some(ts_malloc),
            Some(ts_calloc),
            Some(ts_realloc),
            Some(ts_free),
        );
    });
    for i in 0..PHASES {
        BYTES[i].store(0, Ordering::Relaxed);
        COUNT[i].store(0, Ordering::Relaxed);
    }
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    ENABLED.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Tags this thread's allocations with `p` until the guard is dropped.
pub fn phase(p: Phase) -> PhaseGuard {
    let before = CURRENT.try_with(|c| c.replace(p as u8)).unwrap_or(0);
    PhaseGuard(before)
}

/// Switches this thread's phase (inside a [`phase`] guard, which restores the one before).
pub fn set_phase(p: Phase) {
    let _ = CURRENT.try_with(|c| c.set(p as u8));
}

pub struct PhaseGuard(u8);

impl Drop for PhaseGuard {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.0));
    }
}

/// Bytes and allocations counted for one phase.
pub fn counts(p: Phase) -> (u64, u64) {
    (
        BYTES[p as usize].load(Ordering::Relaxed),
        COUNT[p as usize].load(Ordering::Relaxed),
    )
}

/// Adds what a parser process counted for one job.
pub fn add(p: Phase, bytes: u64, count: u64) {
    BYTES[p as usize].fetch_add(bytes, Ordering::Relaxed);
    COUNT[p as usize].fetch_add(count, Ordering::Relaxed);
}

/// Highest live heap since counting started (this process).
pub fn peak_live() -> u64 {
    PEAK.load(Ordering::Relaxed).max(0) as u64
}

/// One phase's allocations, as the profile reports them.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseAllocs {
    pub phase: &'static str,
    pub bytes: u64,
    pub allocations: u64,
}

/// The allocation profile of a run.
#[derive(Debug, Clone, Serialize)]
pub struct AllocProfile {
    pub phases: Vec<PhaseAllocs>,
    /// Peak live heap of the main process (allocations made after profiling started).
    pub peak_live_bytes: u64,
    /// Largest peak live heap of any one parse in a parser process.
    pub parser_peak_live_bytes: u64,
}

/// What was counted so far; `parser_peak` comes from the parser processes' answers.
pub fn snapshot(parser_peak: u64) -> AllocProfile {
    AllocProfile {
        phases: (0..PHASES)
            .map(|i| PhaseAllocs {
                phase: NAMES[i],
                bytes: BYTES[i].load(Ordering::Relaxed),
                allocations: COUNT[i].load(Ordering::Relaxed),
            })
            .filter(|p| p.allocations > 0)
            .collect(),
        peak_live_bytes: peak_live(),
        parser_peak_live_bytes: parser_peak,
    }
}

/// Resets the peak to the current live heap (a parser process does this before each job).
pub fn reset_peak() {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Live heap now, relative to when counting started.
pub fn live() -> i64 {
    LIVE.load(Ordering::Relaxed)
}
