//! The allocators and the allocation profile: a global allocator that forwards to mimalloc and,
//! only while profiling is on, counts bytes and allocations per phase and tracks the live heap
//! and its peak. Off, each allocation pays one relaxed atomic load and a branch.
//!
//! tree-sitter's C core allocates through mimalloc too once [`install`] has run (the binary
//! calls it first thing): a parse allocates and frees millions of small nodes, and mimalloc
//! serves them in fewer instructions and less time than glibc's malloc (README, "Speed").
//! Rust's allocations on mimalloc instead of glibc's malloc took 8 M off the npm sample's 608 M
//! instructions (`scripts/instructions.sh`). mimalloc commits a new arena (1 GiB of address space) eagerly by default
//! where the system overcommits, and with transparent huge pages that doubled the main
//! process's peak RSS; [`configure`] makes that lazy before mimalloc starts (+7 MiB of peak
//! RSS over glibc's malloc on cpython and on the crates corpus). Parser processes are started
//! with mimalloc's default back (see `isolate`): their arena serves one parse after another.
//!
//! Phases are a thread-local tag set by [`phase`] around each stage of a file's work, so the
//! counts of parallel threads land in the right phase. Parse and facts run in the parser
//! processes, which count their own jobs and send the numbers back with each answer.

use std::alloc::{GlobalAlloc, Layout};

use libmimalloc_sys as mi;
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
    /// The heap tree-sitter allocates from on this thread while a [`Scratch`] lives (null:
    /// mimalloc's default heap), and the bytes counted into it while profiling.
    static SCRATCH: Cell<*mut mi::mi_heap_t> = const { Cell::new(std::ptr::null_mut()) };
    static SCRATCH_LIVE: Cell<usize> = const { Cell::new(0) };
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

/// The largest alignment every block of mimalloc's plain `mi_malloc` has (its
/// `MI_MAX_ALIGN_SIZE`); a layout asking for more takes the aligned calls.
const PLAIN_ALIGN: usize = 16;

/// A new block for `layout` from `plain` (mimalloc's call for the alignment every block has) or
/// `aligned`, counted while profiling.
///
/// # Safety
/// As `GlobalAlloc::alloc`; `plain` and `aligned` are a pair of mimalloc's calls.
#[inline(always)]
unsafe fn counted(
    layout: Layout,
    plain: unsafe extern "C" fn(usize) -> *mut std::ffi::c_void,
    aligned: unsafe extern "C" fn(usize, usize) -> *mut std::ffi::c_void,
) -> *mut u8 {
    let (size, align) = (layout.size(), layout.align());
    let p = unsafe {
        if align <= PLAIN_ALIGN {
            plain(size)
        } else {
            aligned(size, align)
        }
    };
    if ENABLED.load(Ordering::Relaxed) && !p.is_null() {
        record(size);
    }
    p.cast()
}

// SAFETY: every call is forwarded to mimalloc with the layout's size and alignment (the aligned
// calls past 16 bytes); the counting touches only atomics and a const thread-local, and never
// allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { counted(layout, mi::mi_malloc, mi::mi_malloc_aligned) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { counted(layout, mi::mi_zalloc, mi::mi_zalloc_aligned) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mi::mi_free(ptr.cast()) };
        if ENABLED.load(Ordering::Relaxed) {
            release(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe {
            if layout.align() <= PLAIN_ALIGN {
                mi::mi_realloc(ptr.cast(), new_size)
            } else {
                mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align())
            }
        };
        if ENABLED.load(Ordering::Relaxed) && !p.is_null() {
            release(layout.size());
            record(new_size);
        }
        p.cast()
    }
}

// tree-sitter's core allocates with C `malloc` unless told otherwise: [`install`] points it at
// these wrappers, which allocate with mimalloc and, while profiling, count what they hand out
// by its usable size.
/// What tree-sitter's own allocator does when memory runs out, and what the supervisor
/// recognises as a parse over its memory budget: say so on stderr and abort. tree-sitter never
/// checks for a null block.
fn starved(p: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void {
    if p.is_null() && size > 0 {
        const MESSAGE: &[u8] = b"tree-sitter failed to allocate memory\n";
        // SAFETY: writes a static buffer to stderr, then ends the process without unwinding.
        unsafe {
            libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
            libc::abort();
        }
    }
    p
}

fn scratch() -> *mut mi::mi_heap_t {
    SCRATCH.try_with(Cell::get).unwrap_or(std::ptr::null_mut())
}

/// Counts a block tree-sitter got, while profiling.
fn got(p: *mut std::ffi::c_void, heap: *mut mi::mi_heap_t) {
    if !p.is_null() && enabled() {
        let size = unsafe { mi::mi_usable_size(p) };
        record(size);
        if !heap.is_null() {
            let _ = SCRATCH_LIVE.try_with(|l| l.set(l.get() + size));
        }
    }
}

/// Counts a block tree-sitter gives back, while profiling.
fn gave(ptr: *mut std::ffi::c_void) {
    if !ptr.is_null() && enabled() {
        let size = unsafe { mi::mi_usable_size(ptr) };
        release(size);
        if !scratch().is_null() {
            let _ = SCRATCH_LIVE.try_with(|l| l.set(l.get().saturating_sub(size)));
        }
    }
}

unsafe extern "C" fn ts_malloc(size: usize) -> *mut std::ffi::c_void {
    let heap = scratch();
    let p = if heap.is_null() {
        unsafe { mi::mi_malloc(size) }
    } else {
        unsafe { mi::mi_heap_malloc(heap, size) }
    };
    got(starved(p, size), heap);
    p
}

unsafe extern "C" fn ts_calloc(n: usize, size: usize) -> *mut std::ffi::c_void {
    let heap = scratch();
    let p = if heap.is_null() {
        unsafe { mi::mi_calloc(n, size) }
    } else {
        unsafe { mi::mi_heap_calloc(heap, n, size) }
    };
    got(starved(p, n.saturating_mul(size)), heap);
    p
}

unsafe extern "C" fn ts_realloc(ptr: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void {
    gave(ptr);
    let heap = scratch();
    let p = if heap.is_null() {
        unsafe { mi::mi_realloc(ptr, size) }
    } else {
        unsafe { mi::mi_heap_realloc(heap, ptr, size) }
    };
    got(starved(p, size), heap);
    p
}

unsafe extern "C" fn ts_free(ptr: *mut std::ffi::c_void) {
    gave(ptr);
    unsafe { mi::mi_free(ptr) }
}

extern "C" {
    // In mimalloc's library, not declared by `libmimalloc-sys`.
    fn mi_option_set_default(option: mi::mi_option_t, value: std::ffi::c_long);
}

/// `mi_option_arena_eager_commit` in mimalloc 2's `mi_option_t`.
const ARENA_EAGER_COMMIT: mi::mi_option_t = 4;

/// Sets mimalloc's defaults (an environment variable `MIMALLOC_...` still wins): arenas are
/// committed as they are used. The binary runs it from `.init_array` ahead of mimalloc's own
/// constructor, before anything allocates: the first arena is made by the first allocation,
/// and an option set later would not reach it.
pub extern "C" fn configure() {
    // SAFETY: writes one entry of mimalloc's static option table; nothing else runs yet.
    unsafe { mi_option_set_default(ARENA_EAGER_COMMIT, 0) };
}

/// Set once [`install`] has pointed tree-sitter at the hooks above.
static HOOKED: std::sync::Once = std::sync::Once::new();

/// A heap of its own for everything tree-sitter allocates on this thread while the guard
/// lives, freed whole when it drops: mimalloc returns the heap's pages at once, where deleting
/// a tree visits each of its nodes again (3% of a cold run's CPU time on cpython by `perf`,
/// against 1.3% of its instructions by callgrind). Parser processes take one per job.
pub struct Scratch {
    heap: *mut mi::mi_heap_t,
}

impl Scratch {
    /// Starts a scratch heap on this thread, or `None` when mimalloc cannot make one (or one
    /// is already active here).
    ///
    /// # Safety
    /// Nothing tree-sitter allocates while the guard lives may be used after it drops (no
    /// tree, node, cursor or parser made under it may outlive it), and no tree-sitter object
    /// made before it may be used under it (a parser's buffers would grow into the heap).
    /// [`crate::parse`] keeps to this: under a scratch heap it parses with a parser of its own
    /// and forgets it, and [`crate::isolate`] forgets the tree.
    pub unsafe fn enter() -> Option<Scratch> {
        // Without the hooks tree-sitter allocates with C's malloc, never from the heap, and a
        // forgotten tree would leak.
        if !scratch().is_null() || !HOOKED.is_completed() {
            return None;
        }
        // SAFETY: a fresh heap, used only through the hooks above on this thread.
        let heap = unsafe { mi::mi_heap_new() };
        if heap.is_null() {
            return None;
        }
        SCRATCH.set(heap);
        SCRATCH_LIVE.set(0);
        Some(Scratch { heap })
    }

    /// Whether tree-sitter allocates from a scratch heap on this thread now.
    pub fn active() -> bool {
        !scratch().is_null()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        SCRATCH.set(std::ptr::null_mut());
        if enabled() {
            release(SCRATCH_LIVE.replace(0));
        }
        // SAFETY: the heap was made by `enter` and, by its contract, nothing in it is used
        // any more.
        unsafe { mi::mi_heap_destroy(self.heap) };
    }
}

/// Set by the `wtfcb` binary: the process ends when the command returns.
static EXITS_AFTER_RUN: AtomicBool = AtomicBool::new(false);

/// Says that the process ends when the command returns, so what the command leaves behind
/// need not be freed piece by piece: the system takes it back at once.
pub fn exits_after_run() {
    EXITS_AFTER_RUN.store(true, Ordering::Relaxed);
}

/// Drops a command's last big value, or leaves it for the system to take back when the
/// process ends right after (freeing the records of a large run takes about 1% of its CPU).
pub fn discard<T>(value: T) {
    if EXITS_AFTER_RUN.load(Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

/// Makes mimalloc set up this thread's heap and reserve its first arena now.
pub fn warm_up() {
    // SAFETY: a block from mimalloc, returned to it.
    unsafe { mi::mi_free(mi::mi_malloc(64)) };
}

/// Points tree-sitter's allocations at mimalloc, counted while profiling.
///
/// # Safety
/// Call it before anything in the process has created a tree-sitter object: a block that
/// glibc's malloc handed out must never reach `mi_free`. The binary calls it first thing in
/// `main`; library code and tests that never call it keep tree-sitter on the C allocator.
pub unsafe fn install() {
    HOOKED.call_once(|| unsafe {
        tree_sitter::set_allocator(
            Some(ts_malloc),
            Some(ts_calloc),
            Some(ts_realloc),
            Some(ts_free),
        );
    });
}

/// Starts counting (from zero), tree-sitter's allocations included once [`install`] has run.
pub fn enable() {
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
