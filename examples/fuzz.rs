//! Long mutation-fuzzing runs: `cargo run --release --example fuzz -- --minutes 10`.
//!
//! Mutates the files of `fixtures/langs/` (or `--seeds DIR`), parses each input in supervised
//! worker processes (this binary re-executes itself as the worker) and checks every result's
//! invariants. Inputs that abort or hang a parser are written to `--keep DIR` (default
//! `target/fuzz-found/`) as reproductions to add to `tests/hostile/` and report upstream;
//! broken invariants are wtfcb's own bugs and make the run exit 1.

use std::path::PathBuf;
use std::time::Duration;

use wtfcb::fuzz;
use wtfcb::isolate::{self, Isolation, Workers};

fn main() -> std::process::ExitCode {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == isolate::WORKER_ARG)
    {
        return std::process::ExitCode::from(isolate::worker_main());
    }
    let mut minutes = 1.0f64;
    let mut seed = 1u64;
    let mut seeds_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/langs"));
    let mut keep = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/fuzz-found"));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        match arg.as_str() {
            "--minutes" => minutes = value().parse().unwrap_or(minutes),
            "--seed" => seed = value().parse().unwrap_or(seed),
            "--seeds" => seeds_dir = PathBuf::from(value()),
            "--keep" => keep = PathBuf::from(value()),
            other => {
                eprintln!(
                    "usage: fuzz [--minutes M] [--seed N] [--seeds DIR] [--keep DIR] (got {other})"
                );
                return std::process::ExitCode::from(2);
            }
        }
    }
    let seeds = match fuzz::seeds(&seeds_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("fuzz: {}: {e}", seeds_dir.display());
            return std::process::ExitCode::from(2);
        }
    };
    let exe = std::env::current_exe().expect("own path");
    let isolation = Isolation::Processes(Workers::new(exe));
    let found = fuzz::run(
        &seeds,
        &isolation,
        seed,
        u64::MAX,
        Duration::from_secs_f64(minutes * 60.0),
        Duration::from_secs(5),
    );
    println!(
        "{} inputs from {} seeds (seed {seed}): {} timed out, {} parser crashes, {} violations",
        found.inputs,
        seeds.len(),
        found.timed_out,
        found.crashes.len(),
        found.violations.len()
    );
    let _ = std::fs::create_dir_all(&keep);
    for (kind, list) in [("crash", &found.crashes), ("violation", &found.violations)] {
        for (i, (lang, bytes, why)) in list.iter().enumerate() {
            let path = keep.join(format!("{kind}-{seed}-{i}.{}", lang.extension()));
            let _ = std::fs::write(&path, bytes);
            println!("{kind}: {}: {why}", path.display());
        }
    }
    std::process::ExitCode::from(u8::from(!found.violations.is_empty()))
}
