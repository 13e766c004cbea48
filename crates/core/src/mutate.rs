//! Inputs for fuzzing: real files in every language (the seeds) and the ways they are
//! damaged (byte flips, truncation, splices of two files, a region repeated many times,
//! closing brackets deleted). Deterministic for a seed, bounded in size; `fuzz` runs them
//! through the isolated parse path, and the fact pass's tests through both of its walks.

use std::path::{Path, PathBuf};

use crate::lang::Language;

/// A seed file: its language and bytes.
#[derive(Debug, Clone)]
pub struct Seed {
    pub language: Language,
    pub text: Vec<u8>,
}

/// Every file under `dir` whose extension names a language.
pub fn seeds(dir: &Path) -> std::io::Result<Vec<Seed>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    let mut seeds = Vec::new();
    for path in paths {
        if let Some(language) = Language::from_path(&path) {
            seeds.push(Seed {
                language,
                text: std::fs::read(&path)?,
            });
        }
    }
    Ok(seeds)
}

/// One way of damaging an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    FlipBytes,
    Truncate,
    Splice,
    RepeatRegion,
    DeleteClosers,
}

impl Mutation {
    pub const ALL: [Mutation; 5] = [
        Mutation::FlipBytes,
        Mutation::Truncate,
        Mutation::Splice,
        Mutation::RepeatRegion,
        Mutation::DeleteClosers,
    ];
}

/// Applies `m` to `text` (`other` is a second file for splices). Output stays under 1 MiB.
pub fn mutate(rng: &mut fastrand::Rng, m: Mutation, text: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    if out.is_empty() {
        return other.to_vec();
    }
    match m {
        Mutation::FlipBytes => {
            for _ in 0..rng.usize(1..=8) {
                let i = rng.usize(..out.len());
                out[i] = match rng.u8(..4) {
                    0 => out[i] ^ (1 << rng.u8(..8)),
                    1 => *b"{}()[]<>\"'`\\/\n\r\t#;:"
                        .get(rng.usize(..20))
                        .unwrap_or(&b' '),
                    _ => rng.u8(..),
                };
            }
        }
        Mutation::Truncate => out.truncate(rng.usize(..out.len())),
        Mutation::Splice => {
            let cut = rng.usize(..=out.len());
            out.truncate(cut);
            let from = rng.usize(..=other.len());
            out.extend_from_slice(&other[from..]);
        }
        Mutation::RepeatRegion => {
            let start = rng.usize(..out.len());
            let end = (start + rng.usize(1..=64)).min(out.len());
            let region = out[start..end].to_vec();
            let times = rng.usize(2..=(200_000 / region.len().max(1)).clamp(2, 5_000));
            let mut grown = out[..end].to_vec();
            for _ in 0..times {
                grown.extend_from_slice(&region);
            }
            grown.extend_from_slice(&out[end..]);
            out = grown;
        }
        Mutation::DeleteClosers => {
            let keep = rng.u8(..3) != 0;
            out.retain(|b| keep && !matches!(b, b'}' | b')' | b']') || !keep && *b != b'}');
        }
    }
    out.truncate(1 << 20);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_deterministic_and_bounded() {
        let text = b"fn main() { if x { y(); } }\n".repeat(10);
        for m in Mutation::ALL {
            let a = mutate(
                &mut fastrand::Rng::with_seed(7),
                m,
                &text,
                b"def f(): pass\n",
            );
            let b = mutate(
                &mut fastrand::Rng::with_seed(7),
                m,
                &text,
                b"def f(): pass\n",
            );
            assert_eq!(a, b, "{m:?}");
            assert!(a.len() <= 1 << 20);
        }
        let closers = mutate(
            &mut fastrand::Rng::with_seed(1),
            Mutation::DeleteClosers,
            &text,
            b"",
        );
        assert!(!closers.contains(&b'}'));
    }
}
