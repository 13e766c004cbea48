//! A mutation fuzzer on stable Rust: real files in every language, mutated (byte flips,
//! truncation, splices of two files, a region repeated many times, closing brackets deleted),
//! each run through the isolated parse path and checked against the invariants every result
//! must keep. A short fixed budget runs in `cargo test`; `cargo run --release --example fuzz`
//! runs for longer and keeps what aborts or hangs a parser as a new reproduction.

use std::time::{Duration, Instant};

use wtfcb_core::facts::FileFacts;
use wtfcb_core::lang::Language;
use wtfcb_core::parse::Failure;
use wtfcb_engine::isolate::Isolation;
use wtfcb_store::cache::CachedFile;

pub use wtfcb_core::mutate::{mutate, seeds, Mutation, Seed};

/// What a fuzzing run saw.
#[derive(Debug, Default)]
pub struct Findings {
    pub inputs: u64,
    pub timed_out: u64,
    /// Inputs that made a parser abort or hang past the hard deadline: grammar bugs.
    pub crashes: Vec<(Language, Vec<u8>, String)>,
    /// Broken invariants and internal errors: wtfcb's own bugs.
    pub violations: Vec<(Language, Vec<u8>, String)>,
}

/// Checks what must hold for any input: line kinds add up, every function and class lies
/// inside the file, and the cache's encoding gives back the same facts.
pub fn check(facts: &FileFacts, text: &str) -> Result<(), String> {
    let l = &facts.lines;
    if l.code + l.comment + l.blank != l.total {
        return Err(format!("line kinds do not add up: {l:?}"));
    }
    let lines = text.lines().count() as u32;
    if l.total.abs_diff(lines) > 1 {
        return Err(format!("{} lines counted, the text has {lines}", l.total));
    }
    let last = l.total.max(1);
    for f in &facts.functions {
        if f.start_line < 1 || f.start_line > f.end_line || f.end_line > last {
            return Err(format!(
                "function {} at lines {}-{} of {last}",
                f.name, f.start_line, f.end_line
            ));
        }
        if f.code_lines > f.end_line - f.start_line + 1 || f.cyclomatic < 1 {
            return Err(format!("function {} has impossible metrics: {f:?}", f.name));
        }
    }
    for c in &facts.classes {
        if c.start_line < 1 || c.start_line > c.end_line || c.end_line > last {
            return Err(format!(
                "class {} at lines {}-{} of {last}",
                c.name, c.start_line, c.end_line
            ));
        }
    }
    let stored = CachedFile::new(0, false, facts, None, &[]);
    match CachedFile::decode(&stored.encode()) {
        Some(back)
            if back.facts.functions == facts.functions && back.facts.lines == facts.lines =>
        {
            Ok(())
        }
        _ => Err("the cache's encoding does not give the facts back".into()),
    }
}

/// Fuzzes until `inputs` inputs were tried or `time` ran out, whichever comes first.
pub fn run(
    seeds: &[Seed],
    isolation: &Isolation,
    seed: u64,
    inputs: u64,
    time: Duration,
    budget: Duration,
) -> Findings {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut found = Findings::default();
    let start = Instant::now();
    if seeds.is_empty() {
        return found;
    }
    while found.inputs < inputs && start.elapsed() < time {
        let base = &seeds[rng.usize(..seeds.len())];
        let other = &seeds[rng.usize(..seeds.len())];
        let m = Mutation::ALL[rng.usize(..Mutation::ALL.len())];
        let bytes = mutate(&mut rng, m, &base.text, &other.text);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        found.inputs += 1;
        match isolation.extract(base.language, &text, budget) {
            Ok(x) => {
                if let Err(why) = check(&x.facts, &text) {
                    found.violations.push((base.language, bytes, why));
                }
            }
            Err(Failure::TimedOut(_) | Failure::OutOfMemory(_) | Failure::Excluded(_)) => {
                found.timed_out += 1
            }
            Err(Failure::Crashed(why)) => found.crashes.push((base.language, bytes, why)),
            Err(f @ (Failure::Internal { .. } | Failure::NoTree(_))) => {
                found.violations.push((base.language, bytes, f.message()))
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_catches_a_function_outside_the_file() {
        let text = "def f():\n    return 1\n";
        let tree = wtfcb_core::parse::parse(Language::Python, text).unwrap();
        let mut facts = wtfcb_core::facts::extract(
            &tree,
            text,
            Language::Python,
            &wtfcb_core::rules::SYNTACTIC,
        );
        assert_eq!(check(&facts, text), Ok(()));
        facts.functions[0].end_line = 99;
        assert!(check(&facts, text).unwrap_err().contains("lines 1-99"));
        facts.functions[0].end_line = 2;
        facts.lines.blank += 1;
        assert!(check(&facts, text).unwrap_err().contains("add up"));
    }

    // A fixed in-process budget in `cargo test`: every language, every mutation, no panic and
    // no broken invariant (the CLI tests run the same through worker processes).
    #[test]
    fn short_in_process_fuzz_keeps_every_invariant() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/langs");
        let seeds = seeds(&dir).unwrap();
        assert_eq!(seeds.len(), 10);
        let found = run(
            &seeds,
            &Isolation::InProcess,
            42,
            300,
            Duration::from_secs(120),
            Duration::from_secs(2),
        );
        assert_eq!(found.inputs, 300);
        let shown: Vec<_> = found.violations.iter().map(|v| (v.0, &v.2)).collect();
        assert!(shown.is_empty(), "{shown:?}");
    }
}
