//! Exact reuse of project-phase results between runs. Each phase names what its result
//! depends on: its settings and, per file, a digest of the facts it reads (clone tokens for
//! duplicates, imports for the graph). A Merkle-style root over these decides: equal to the
//! saved root, the saved result is the result; otherwise the phase recomputes, and the saved
//! list of files says why (content changed, new or deleted files, settings or resolver inputs).

use md5::{Digest, Md5};
use wtfcb_store::cache::Reuse;

use wtfcb_store::cache::{self, Cache, Digest16};

/// A phase's inputs: its settings and, per file in order, its path and fact digest.
pub struct Inputs {
    pub settings: String,
    pub files: Vec<(String, u64)>,
}

impl Inputs {
    fn root(&self) -> Digest16 {
        let mut h = Md5::new();
        h.update(self.settings.as_bytes());
        h.update([0]);
        for (rel, digest) in &self.files {
            h.update(rel.as_bytes());
            h.update([0]);
            h.update(digest.to_le_bytes());
        }
        h.finalize().into()
    }
}

#[derive(bincode::Encode, bincode::Decode)]
struct Saved<R> {
    root: Digest16,
    settings: String,
    files: Vec<(String, u64)>,
    result: R,
}

/// The result an earlier run saved under the same settings, with the files (and their
/// digests) it was computed from: what a phase that can update part of its result starts from.
pub struct Previous<R> {
    pub files: Vec<(String, u64)>,
    pub result: R,
}

/// Why a phase recomputes, and the saved result when only files changed.
pub type Recompute<R> = (Reuse, Option<Previous<R>>);

/// Where a reused result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// This project's own saved state.
    Local,
    /// Another checkout's, for exactly these inputs, from the remote cache.
    Remote,
}

impl Source {
    /// `reason`, or that it came from the remote.
    pub fn reason(self, reason: &str) -> String {
        match self {
            Source::Local => reason.to_string(),
            Source::Remote => format!("{reason}: taken from the remote cache"),
        }
    }
}

/// The saved result when nothing the phase depends on changed; else why not, and the saved
/// result when only files changed (not the settings).
pub fn load<R: bincode::Decode<()>>(
    cache: Option<&Cache>,
    phase: &'static str,
    inputs: &Inputs,
) -> Result<(R, Source), Recompute<R>> {
    let recompute = |reason: String| Reuse {
        phase,
        reused: false,
        reason,
        ms: 0.0,
    };
    let Some(cache) = cache else {
        return Err((recompute("no cache".into()), None));
    };
    // Another checkout's result for exactly these inputs, from the remote.
    let from_remote = || {
        let root = inputs.root();
        let bytes = cache.remote_state(phase, &root, inputs.files.len())?;
        let saved = cache::decode_value::<Saved<R>>(&bytes).filter(|saved| saved.root == root)?;
        // Kept locally: the next run of this checkout needs no round trip.
        cache.put_state(phase, bytes);
        Some(saved)
    };
    let Some(bytes) = cache.get_state(phase) else {
        if let Some(saved) = from_remote() {
            return Ok((saved.result, Source::Remote));
        }
        return Err((recompute("no saved result for this project".into()), None));
    };
    let Some(saved) = cache::decode_value::<Saved<R>>(&bytes) else {
        return Err((recompute("the saved result did not decode".into()), None));
    };
    if saved.root == inputs.root() {
        return Ok((saved.result, Source::Local));
    }
    if let Some(remote) = from_remote() {
        return Ok((remote.result, Source::Remote));
    }
    if saved.settings != inputs.settings {
        let why = recompute(format!("{phase} settings or resolver inputs changed"));
        return Err((why, None));
    }
    let why = recompute(differences(&saved.files, &inputs.files));
    let previous = Previous {
        files: saved.files,
        result: saved.result,
    };
    Err((why, Some(previous)))
}

/// Saves a phase's result under its inputs' root.
pub fn save<R: bincode::Encode>(
    cache: Option<&Cache>,
    phase: &'static str,
    inputs: Inputs,
    result: R,
) {
    if let Some(cache) = cache {
        let root = inputs.root();
        let saved = Saved {
            root,
            settings: inputs.settings,
            files: inputs.files,
            result,
        };
        let bytes = cache::encode_value(&saved);
        cache.offer_remote_state(phase, &root, &bytes);
        cache.put_state(phase, bytes);
    }
}

/// A value a phase keeps beside its result for itself (not shared with the remote), e.g. what
/// lets it recompute part of the result: `None` when absent or undecodable.
pub fn load_aux<R: bincode::Decode<()>>(cache: Option<&Cache>, name: &str) -> Option<R> {
    cache::decode_value(&cache?.get_state(name)?)
}

/// Saves what [`load_aux`] reads.
pub fn save_aux<R: bincode::Encode>(cache: Option<&Cache>, name: &str, value: &R) {
    if let Some(cache) = cache {
        cache.put_state(name, cache::encode_value(value));
    }
}

/// `2 changed (a.py, b.py), 1 new (c.py), 1 deleted (d.py)`.
fn differences(before: &[(String, u64)], now: &[(String, u64)]) -> String {
    let old: std::collections::HashMap<&str, u64> =
        before.iter().map(|(r, d)| (r.as_str(), *d)).collect();
    let new: std::collections::HashSet<&str> = now.iter().map(|(r, _)| r.as_str()).collect();
    let changed: Vec<&str> = now
        .iter()
        .filter(|(r, d)| old.get(r.as_str()).is_some_and(|o| o != d))
        .map(|(r, _)| r.as_str())
        .collect();
    let added: Vec<&str> = now
        .iter()
        .filter(|(r, _)| !old.contains_key(r.as_str()))
        .map(|(r, _)| r.as_str())
        .collect();
    let deleted: Vec<&str> = before
        .iter()
        .filter(|(r, _)| !new.contains(r.as_str()))
        .map(|(r, _)| r.as_str())
        .collect();
    let part = |n: &str, list: &[&str]| {
        let shown: Vec<&str> = list.iter().take(3).copied().collect();
        let more = if list.len() > 3 { ", ..." } else { "" };
        format!("{} {n} ({}{more})", list.len(), shown.join(", "))
    };
    let parts: Vec<String> = [
        ("changed", &changed),
        ("new", &added),
        ("deleted", &deleted),
    ]
    .into_iter()
    .filter(|(_, l)| !l.is_empty())
    .map(|(n, l)| part(n, l))
    .collect();
    if parts.is_empty() {
        "the order of files changed".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_what_changed() {
        let before = vec![("a.py".into(), 1), ("b.py".into(), 2), ("d.py".into(), 4)];
        let now = vec![("a.py".into(), 1), ("b.py".into(), 3), ("c.py".into(), 5)];
        assert_eq!(
            differences(&before, &now),
            "1 changed (b.py), 1 new (c.py), 1 deleted (d.py)"
        );
    }
}
