//! What `history` keeps between runs, in the cache directory's `history/`: each analyzed
//! blob's summary (by blob id, path and settings) and each sampled commit's cross-file
//! numbers (by commit id and settings), as lines appended to two files. A second run over a
//! range that grew by one commit analyzes only that commit's new blobs.
//!
//! Nothing read back is trusted: a file larger than [`MAX_FILE`] is not read, a line longer
//! than [`MAX_LINE`] or whose checksum, key or JSON does not verify is skipped (and counted in
//! one warning), and the run goes on with what verified.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A stored file is not read beyond this size (it is rebuilt instead).
pub const MAX_FILE: u64 = 2 << 30;
/// A stored line is not decoded beyond this length.
pub const MAX_LINE: usize = 64 << 20;

/// What `history` needs of one file at one content: its size, functions and findings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    pub code_lines: u32,
    pub functions: Vec<FunctionSummary>,
    /// Findings that are not suppressed, by rule, with the rule's severity.
    pub findings: Vec<(String, wtfcb_core::findings::Severity, u32)>,
    /// Why the file was left out of the numbers (generated, minified, too large), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Why its analysis failed (a grammar aborted or hung), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionSummary {
    pub name: String,
    pub cyclomatic: u32,
    pub cognitive: u32,
    pub lines: u32,
}

/// A sampled commit's cross-file numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CrossSummary {
    pub duplicated_lines: u64,
    pub code_lines: u64,
    /// `duplicated_lines / code_lines` in percent.
    pub duplicated_percent: f64,
    /// Import cycles (strongly connected components of more than one file).
    pub import_cycles: u64,
    pub import_edges: u64,
}

pub type Key = [u8; 16];

/// One appended file of keyed values.
struct Table<V> {
    path: Option<PathBuf>,
    values: HashMap<Key, V>,
    added: Vec<Key>,
}

/// The history store; without a cache directory it keeps nothing on disk.
pub struct Store {
    blobs: Table<FileSummary>,
    commits: Table<CrossSummary>,
    churn: Table<Churn>,
}

pub use super::log::Churn;

impl Store {
    /// Reads what an earlier run kept under `dir` (`<cache dir>/history`), or starts empty.
    pub fn open(dir: Option<&Path>, warnings: &mut Vec<String>) -> Store {
        Store {
            blobs: Table::open(dir.map(|d| d.join("blobs-v1.jsonl")), warnings),
            commits: Table::open(dir.map(|d| d.join("commits-v1.jsonl")), warnings),
            churn: Table::open(dir.map(|d| d.join("churn-v1.jsonl")), warnings),
        }
    }

    pub fn blob(&self, key: &Key) -> Option<&FileSummary> {
        self.blobs.values.get(key)
    }

    pub fn put_blob(&mut self, key: Key, summary: FileSummary) {
        self.blobs.put(key, summary);
    }

    pub fn commit(&self, key: &Key) -> Option<&CrossSummary> {
        self.commits.values.get(key)
    }

    pub fn put_commit(&mut self, key: Key, summary: CrossSummary) {
        self.commits.put(key, summary);
    }

    pub fn churn(&self, key: &Key) -> Option<&Churn> {
        self.churn.values.get(key)
    }

    pub fn put_churn(&mut self, key: Key, churn: Churn) {
        self.churn.put(key, churn);
    }

    /// How many blob summaries were read back from an earlier run.
    pub fn blobs_kept(&self) -> usize {
        self.blobs.values.len() - self.blobs.added.len()
    }

    /// Appends what this run added; a failure is a warning (the next run analyzes again).
    pub fn save(&mut self, warnings: &mut Vec<String>) {
        self.blobs.save(warnings);
        self.commits.save(warnings);
        self.churn.save(warnings);
    }
}

/// `<key hex> <checksum hex> <json>`: the line for one value.
fn line<V: Serialize>(key: &Key, value: &V) -> Option<String> {
    let json = serde_json::to_string(value).ok()?;
    Some(format!(
        "{} {:016x} {json}\n",
        wtfcb_core::text::hex(key),
        wtfcb_core::text::fnv64(json.as_bytes())
    ))
}

/// The key and value of a stored line, if it verifies.
fn parse_line<V: DeserializeOwned>(line: &[u8]) -> Option<(Key, V)> {
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\n');
    let (key_hex, rest) = line.split_once(' ')?;
    let (sum, json) = rest.split_once(' ')?;
    if key_hex.len() != 32 || sum.len() != 16 {
        return None;
    }
    let mut key = [0u8; 16];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(key_hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    if u64::from_str_radix(sum, 16).ok()? != wtfcb_core::text::fnv64(json.as_bytes()) {
        return None;
    }
    Some((key, serde_json::from_str(json).ok()?))
}

impl<V: Serialize + DeserializeOwned> Table<V> {
    fn open(path: Option<PathBuf>, warnings: &mut Vec<String>) -> Table<V> {
        let mut table = Table {
            path,
            values: HashMap::new(),
            added: Vec::new(),
        };
        if let Some(path) = table.path.clone() {
            table.read(&path, warnings);
        }
        table
    }

    fn read(&mut self, path: &Path, warnings: &mut Vec<String>) {
        let Ok(file) = std::fs::File::open(path) else {
            return;
        };
        if file.metadata().is_ok_and(|m| m.len() > MAX_FILE) {
            warnings.push(format!(
                "history store {} is larger than {MAX_FILE} bytes: not read (delete it to reclaim the space)",
                path.display()
            ));
            return;
        }
        let mut reader = BufReader::new(file.take(MAX_FILE));
        let (mut bad, mut buf) = (0u64, Vec::new());
        loop {
            buf.clear();
            // One line, read no further than the bound.
            match (&mut reader)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut buf)
            {
                Ok(0) => break,
                Ok(_) if buf.len() > MAX_LINE => {
                    bad += 1;
                    if !skip_line(&mut reader) {
                        break;
                    }
                }
                Ok(_) => match parse_line::<V>(&buf) {
                    Some((key, value)) if buf.ends_with(b"\n") => {
                        self.values.insert(key, value);
                    }
                    _ => bad += 1,
                },
                Err(_) => {
                    bad += 1;
                    break;
                }
            }
        }
        if bad > 0 {
            warnings.push(format!(
                "history store {}: {bad} damaged entr{} skipped (analyzed again)",
                wtfcb_core::text::tty(&path.display().to_string()),
                if bad == 1 { "y" } else { "ies" }
            ));
        }
    }

    fn put(&mut self, key: Key, value: V) {
        if self.values.insert(key, value).is_none() {
            self.added.push(key);
        }
    }

    fn save(&mut self, warnings: &mut Vec<String>) {
        let Some(path) = &self.path else {
            return;
        };
        if self.added.is_empty() {
            return;
        }
        let mut text = String::new();
        for key in &self.added {
            if let Some(line) = self.values.get(key).and_then(|v| line(key, v)) {
                text.push_str(&line);
            }
        }
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?;
                file.write_all(text.as_bytes())
            });
        match written {
            Ok(()) => self.added.clear(),
            Err(e) => warnings.push(format!("history store {} not written: {e}", path.display())),
        }
    }
}

/// Reads past the rest of an overlong line; false at the end of the file.
fn skip_line(reader: &mut impl BufRead) -> bool {
    loop {
        let (done, used) = match reader.fill_buf() {
            Ok([]) | Err(_) => return false,
            Ok(buf) => match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (true, i + 1),
                None => (false, buf.len()),
            },
        };
        reader.consume(used);
        if done {
            return true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(lines: u32) -> FileSummary {
        FileSummary {
            code_lines: lines,
            functions: vec![FunctionSummary {
                name: "f".into(),
                cyclomatic: 2,
                cognitive: 1,
                lines: 3,
            }],
            ..FileSummary::default()
        }
    }

    #[test]
    fn kept_values_come_back_and_damaged_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut warnings = Vec::new();
        let mut store = Store::open(Some(dir.path()), &mut warnings);
        store.put_blob([1; 16], summary(10));
        store.put_blob([2; 16], summary(20));
        store.put_commit([3; 16], CrossSummary::default());
        store.save(&mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        let again = Store::open(Some(dir.path()), &mut warnings);
        assert_eq!(again.blob(&[1; 16]), Some(&summary(10)));
        assert_eq!(again.blobs_kept(), 2);
        assert!(again.commit(&[3; 16]).is_some());

        // Flip one byte of the first value, cut the last line short, add garbage.
        let path = dir.path().join("blobs-v1.jsonl");
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.iter().position(|&b| b == b'{').unwrap() + 3;
        bytes[at] ^= 0x20;
        bytes.truncate(bytes.len() - 2);
        bytes.extend_from_slice(b"\nnot a line\n\xff\xfe\n");
        std::fs::write(&path, bytes).unwrap();
        let mut warnings = Vec::new();
        let damaged = Store::open(Some(dir.path()), &mut warnings);
        assert_eq!(damaged.blobs_kept(), 0);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("4 damaged entries"), "{warnings:?}");
    }

    #[test]
    fn an_overlong_line_is_skipped_without_reading_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blobs-v1.jsonl");
        let good = line(&[7; 16], &summary(1)).unwrap();
        let mut bytes = vec![b'x'; MAX_LINE + 10];
        bytes.push(b'\n');
        bytes.extend_from_slice(good.as_bytes());
        std::fs::write(&path, bytes).unwrap();
        let mut warnings = Vec::new();
        let store = Store::open(Some(dir.path()), &mut warnings);
        assert_eq!(store.blob(&[7; 16]), Some(&summary(1)));
        assert_eq!(warnings.len(), 1);
    }
}
