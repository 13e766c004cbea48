//! Build identity: a hash over every source file and the lock file (so every grammar version),
//! exported as `WTFCB_BUILD_ID`. The cache keys results by it, so a rebuilt binary whose code
//! changed never serves results computed by the old code, even with an unchanged version.

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
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut inputs = Vec::new();
    files(&root.join("src"), &mut inputs);
    inputs.push(root.join("Cargo.lock"));
    inputs.push(root.join("Cargo.toml"));
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
    walker();
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=build.rs");
}

/// The fact pass's tree walk (src/facts/walk.c), compiled against the internal headers of the
/// tree-sitter crate this build links (`DEP_TREE_SITTER_INCLUDE` is its public include
/// directory; the internal headers are in `src` beside it).
fn walker() {
    let include = PathBuf::from(
        std::env::var_os("DEP_TREE_SITTER_INCLUDE").expect("the tree-sitter crate sets it"),
    );
    let internal = include.parent().expect("a crate directory").join("src");
    cc::Build::new()
        .file("src/facts/walk.c")
        .include(&include)
        .include(&internal)
        .flag_if_supported("-std=c11")
        .define("_POSIX_C_SOURCE", "200112L")
        .define("_DEFAULT_SOURCE", None)
        .warnings(true)
        .compile("wtfcb_walk");
    println!("cargo:rerun-if-changed=src/facts/walk.c");
}
