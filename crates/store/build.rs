//! Build identity: a hash over every source file of every crate of the workspace, every
//! manifest and build script, and the lock file (so every grammar version), exported as
//! `WTFCB_BUILD_ID`. The cache keys results by it, so a rebuilt binary whose code changed in
//! any crate (a rule, the fact pass, the settings that choose what runs) never serves results
//! computed by the old code, even with an unchanged version.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// 64-bit FNV-1a, twice with different offsets: stable across toolchains, no dependencies.
fn fnv(state: &mut [u64; 2], bytes: &[u8]) {
    for &b in bytes {
        for (i, h) in state.iter_mut().enumerate() {
            *h ^= u64::from(b) + i as u64;
            *h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest
        .parent()
        .and_then(Path::parent)
        .expect("crates/store in a workspace")
        .to_path_buf();
    let mut inputs = Vec::new();
    let mut watched = vec![root.join("src")];
    files(&root.join("src"), &mut inputs);
    for name in ["Cargo.lock", "Cargo.toml"] {
        inputs.push(root.join(name));
        watched.push(root.join(name));
    }
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("the workspace's crates")
        .flatten()
        .map(|e| e.path())
        .collect();
    crates.sort();
    for dir in crates {
        files(&dir.join("src"), &mut inputs);
        for name in ["Cargo.toml", "build.rs"] {
            inputs.push(dir.join(name));
        }
        watched.push(dir);
    }
    inputs.sort();
    let mut state = [0xcbf2_9ce4_8422_2325, 0x8422_2325_cbf2_9ce4];
    for path in &inputs {
        let rel = path.strip_prefix(&root).unwrap_or(path);
        fnv(&mut state, rel.to_string_lossy().as_bytes());
        fnv(&mut state, &[0]);
        fnv(&mut state, &std::fs::read(path).unwrap_or_default());
        fnv(&mut state, &[0]);
    }
    println!(
        "cargo:rustc-env=WTFCB_BUILD_ID={:016x}{:016x}",
        state[0], state[1]
    );
    for path in watched {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
