//! Baselines: the findings a team accepts when it adopts wtfcb on existing code, kept in a
//! committed, merge-friendly file (one sorted entry per line), so that only new findings are
//! shown and gate the run.
//!
//! An entry's identity never holds a line number: rule, project-relative path, an anchor (the
//! qualified symbol for metric rules, the file itself for file-level ones, the
//! whitespace-normalised line text for pattern rules) and the occurrence among findings with
//! the same rule and anchor in that file, in line order. Inserting lines above a finding never
//! changes it, and two identical findings never share one. A metric finding whose value got
//! worse than the baselined one (cyclomatic 18 → 25) counts as new.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use wtfcb_core::findings::Finding;

/// The baseline file's layout version.
const FORMAT: u32 = 1;
/// The largest baseline read back.
const MAX_BYTES: u64 = 256 << 20;
/// The default file name, at the project root.
pub const DEFAULT_NAME: &str = "wtfcb-baseline.json";

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub anchor: String,
    /// 1 for the first finding with this rule and anchor in the file, 2 for the next, ...
    pub n: u32,
    /// The measured value, for metric rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<u32>,
}

impl Entry {
    /// What a finding must share with the entry to match it. A project rule's finding is
    /// matched by its content wherever it is reported: which copy of a clone comes first, or
    /// which file of a cycle, changes with renames elsewhere.
    fn key(&self) -> (&str, &str, &str, u32) {
        let path = if wtfcb_core::rules::is_project_rule(&self.rule) {
            ""
        } else {
            &self.path
        };
        (&self.rule, path, &self.anchor, self.n)
    }
}

/// A loaded baseline.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub entries: Vec<Entry>,
    /// The git commit HEAD was at when the baseline was written: where renames since are
    /// looked up.
    pub commit: Option<String>,
    /// What loading found wrong but survivable (duplicate entries, rules that no longer
    /// exist), for the run's warnings.
    pub warnings: Vec<String>,
}

/// The anchor of a finding: a project rule's identity (its content); its symbol for metric
/// rules (graded thresholds, `god-class`), the whole file for file-level ones, else its line
/// text with white space folded.
fn anchor(f: &Finding) -> String {
    if let Some(identity) = &f.identity {
        return identity.clone();
    }
    let metric = wtfcb_core::rules::find(&f.rule).is_some_and(|r| {
        let m = r.meta();
        m.graded || !m.thresholds.is_empty()
    });
    if metric {
        f.symbol.clone().unwrap_or_default()
    } else {
        f.snippet.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// The entries of one file's findings (unsuppressed, in line order), each with its occurrence.
pub fn entries_of(findings: &[Finding], rel_path: &str) -> Vec<Entry> {
    let mut seen: HashMap<(String, String), u32> = HashMap::new();
    let mut out = Vec::new();
    for f in findings.iter().filter(|f| !f.suppressed) {
        let anchor = anchor(f);
        let n = seen.entry((f.rule.clone(), anchor.clone())).or_insert(0);
        *n += 1;
        out.push(Entry {
            rule: f.rule.clone(),
            path: rel_path.to_string(),
            anchor,
            n: *n,
            value: f.value,
        });
    }
    out
}

/// Whether `path` may be written as a baseline: absent, or a regular file that already is one
/// (its JSON opens with the `wtfcb-baseline` key), never a link or another file.
pub fn check_overwrite(path: &Path) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("baseline {}", path.display())),
    };
    let mut head = [0u8; 64];
    let read = meta.is_file()
        && std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .is_ok_and(|n| {
                let text = String::from_utf8_lossy(&head[..n]);
                text.trim_start()
                    .strip_prefix('{')
                    .is_some_and(|t| t.trim_start().starts_with("\"wtfcb-baseline\""))
            });
    if !read {
        bail!(
            "{} exists and is not a wtfcb baseline: refusing to replace it (name another file with --baseline)",
            path.display()
        );
    }
    Ok(())
}

impl Baseline {
    /// Reads a baseline, trusting nothing: bounded size, known layout, and a clear error that
    /// names the file otherwise.
    pub fn load(path: &Path) -> anyhow::Result<Baseline> {
        let size = std::fs::metadata(path)
            .with_context(|| format!("baseline {}", path.display()))?
            .len();
        if size > MAX_BYTES {
            bail!("baseline {}: {size} bytes is too large", path.display());
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("baseline {}", path.display()))?;
        #[derive(Deserialize)]
        struct File {
            #[serde(rename = "wtfcb-baseline")]
            format: u32,
            #[serde(default)]
            commit: Option<String>,
            entries: Vec<Entry>,
        }
        let file: File = serde_json::from_str(&text).with_context(|| {
            format!(
                "baseline {} is damaged (write it again with `wtfcb baseline write`)",
                path.display()
            )
        })?;
        if file.format != FORMAT {
            bail!(
                "baseline {}: format {} (this wtfcb reads {FORMAT})",
                path.display(),
                file.format
            );
        }
        // A commit is 40 (SHA-1) or 64 (SHA-256) hex digits; anything else is not used.
        let commit = file
            .commit
            .filter(|c| matches!(c.len(), 40 | 64) && c.bytes().all(|b| b.is_ascii_hexdigit()));
        let mut warnings = Vec::new();
        let mut entries = file.entries;
        let listed = entries.len();
        entries.sort();
        entries.dedup();
        if entries.len() < listed {
            warnings.push(format!(
                "baseline {}: {} duplicate entries (each counts once)",
                path.display(),
                listed - entries.len()
            ));
        }
        let mut unknown: Vec<&str> = entries
            .iter()
            .map(|e| e.rule.as_str())
            .filter(|r| wtfcb_core::rules::find(r).is_none())
            .collect();
        unknown.dedup();
        if !unknown.is_empty() {
            warnings.push(format!(
                "baseline {}: entries for rules this wtfcb does not have ({}); `wtfcb baseline prune` drops them",
                path.display(),
                unknown.join(", ")
            ));
        }
        Ok(Baseline {
            entries,
            commit,
            warnings,
        })
    }

    /// Writes the baseline atomically, sorted, one entry per line (so merges touch lines).
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let mut entries = self.entries.clone();
        entries.sort();
        entries.dedup();
        let commit = match &self.commit {
            Some(c) => format!(", \"commit\": {}", serde_json::to_string(c)?),
            None => String::new(),
        };
        let mut text = format!("{{\"wtfcb-baseline\": {FORMAT}{commit}, \"entries\": [\n");
        for (i, e) in entries.iter().enumerate() {
            text.push_str(&serde_json::to_string(e)?);
            text.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
        }
        text.push_str("]}\n");
        wtfcb_core::fsio::write_atomically(path, text.as_bytes())
    }

    /// Marks each finding the baseline accepts as `baselined` (a metric finding that got worse
    /// stays new). `files` yields each file's project-relative path with its findings. Returns,
    /// per entry, whether some finding matched it.
    pub fn apply<'f>(
        &self,
        files: impl Iterator<Item = (&'f str, &'f mut Vec<Finding>)>,
    ) -> Vec<bool> {
        self.mark(files, |f| f.baselined = true)
    }

    /// As [`Baseline::apply`], with `accept` doing the marking.
    pub fn mark<'f>(
        &self,
        files: impl Iterator<Item = (&'f str, &'f mut Vec<Finding>)>,
        accept: impl Fn(&mut Finding),
    ) -> Vec<bool> {
        // Entries by key, each matched by one finding at most: a project rule's key holds no
        // path, so two files' findings (and two entries) can share one, and a baseline then
        // accepts exactly as many findings of that key as it lists, whatever their order.
        let owned = |(rule, path, anchor, n): (&str, &str, &str, u32)| {
            (rule.to_string(), path.to_string(), anchor.to_string(), n)
        };
        let mut index: HashMap<(String, String, String, u32), Vec<usize>> = HashMap::new();
        for (i, e) in self.entries.iter().enumerate().rev() {
            index.entry(owned(e.key())).or_default().push(i);
        }
        let mut matched = vec![false; self.entries.len()];
        for (rel, findings) in files {
            let entries = entries_of(findings, rel);
            let mut live = findings.iter_mut().filter(|f| !f.suppressed);
            for entry in entries {
                let Some(f) = live.next() else { break };
                let Some(i) = index.get_mut(&owned(entry.key())).and_then(Vec::pop) else {
                    continue;
                };
                matched[i] = true;
                let worse = matches!((entry.value, self.entries[i].value), (Some(now), Some(then)) if now > then);
                if !worse {
                    accept(f);
                }
            }
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wtfcb_core::findings::{Category, Severity};

    fn clone_finding(line: u32, identity: &str) -> Finding {
        Finding {
            rule: "duplicate-code".into(),
            category: Category::Duplication,
            severity: Severity::Low,
            message: "duplicated".into(),
            path: String::new(),
            start_line: line,
            start_column: 1,
            end_line: line + 5,
            end_column: 1,
            symbol: None,
            snippet: String::new(),
            fingerprint: String::new(),
            suppressed: false,
            value: None,
            baselined: false,
            preexisting: false,
            line_hash: String::new(),
            columns_utf16: None,
            related: Vec::new(),
            identity: Some(identity.into()),
        }
    }

    // Issue 28: a project rule's key holds no path, so the first clone group of one content
    // in two files gave two entries of one key; the index kept one, the other counted as
    // "fixed" on the very tree the baseline was written on.
    #[test]
    fn entries_sharing_a_key_are_each_matched_once() {
        let mut a = vec![clone_finding(3, "x"), clone_finding(30, "x")];
        let mut b = vec![clone_finding(7, "x")];
        let mut entries = entries_of(&a, "a.py");
        entries.extend(entries_of(&b, "b.py"));
        let baseline = Baseline {
            entries,
            commit: None,
            warnings: Vec::new(),
        };
        let matched = baseline.apply([("a.py", &mut a), ("b.py", &mut b)].into_iter());
        assert_eq!(matched, [true, true, true]);
        assert!(a.iter().chain(&b).all(|f| f.baselined));
        // One more copy than the baseline lists is new.
        let mut c = vec![clone_finding(1, "x"), clone_finding(9, "x")];
        let mut d = vec![clone_finding(1, "x")];
        let mut e = vec![clone_finding(1, "x")];
        let matched =
            baseline.apply([("c.py", &mut c), ("d.py", &mut d), ("e.py", &mut e)].into_iter());
        assert_eq!(matched, [true, true, true]);
        let accepted = c.iter().chain(&d).chain(&e).filter(|f| f.baselined).count();
        assert_eq!(accepted, 3);
    }
}
