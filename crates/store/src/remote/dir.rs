//! A shared directory (`file:///path`): one file per key, for a cache on a network file
//! system or a volume that CI jobs mount in turn, where one SQLite file would not do (SQLite
//! over NFS is unsafe under concurrent writers; a file per key written by rename is not).
//! Writes go to a new temporary file in the directory, renamed over the key's file, so a
//! reader sees a whole value or none; reads are bounded by the key's limit and refuse what is
//! not a regular file (a FIFO or device planted under a key's name). Nothing expires here:
//! prune by age with `find DIR -name 'wtfcb-*' -mtime +30 -delete`.

use std::io::Write;
use std::path::PathBuf;

use wtfcb_core::source::{read_bytes, ReadError};

use super::{Call, Fetched, RemoteOptions, Store};

pub struct Dir {
    dir: PathBuf,
}

/// Opens the backend for `file://` URLs: the rest is the directory (made on the first write
/// if missing; a path that is something else is a usage error).
pub fn open(opts: &RemoteOptions) -> Result<Box<dyn Store>, String> {
    let url = opts.url.trim();
    let path = url.strip_prefix("file://").unwrap_or(url);
    if path.is_empty() {
        return Err(format!(
            "--remote-cache {url}: expected file:///path/to/dir"
        ));
    }
    let dir = PathBuf::from(path);
    if dir.exists() && !dir.is_dir() {
        return Err(format!("--remote-cache {url}: not a directory"));
    }
    Ok(Box::new(Dir { dir }))
}

/// Whether a key is one wtfcb makes (`wtfcb-` and hex digits, dashes and letters): no key
/// names a path outside the directory.
fn plain(key: &str) -> bool {
    key.starts_with("wtfcb-") && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Dir {
    fn path(&self, key: &str) -> Result<PathBuf, String> {
        if !plain(key) {
            return Err(format!("refused key {key:?}"));
        }
        Ok(self.dir.join(key))
    }

    fn get(&self, key: &str, limit: usize) -> Result<Fetched, String> {
        match read_bytes(&self.path(key)?, limit as u64) {
            Ok(bytes) if bytes.is_empty() => Ok(Fetched::Missing),
            Ok(bytes) => Ok(Fetched::Value(bytes)),
            Err(ReadError::TooLarge { .. } | ReadError::NotRegular) => Ok(Fetched::TooLarge),
            Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Fetched::Missing)
            }
            Err(e) => Err(format!("reading {key} in {}: {e}", self.dir.display())),
        }
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), String> {
        let target = self.path(key)?;
        let written = || -> std::io::Result<()> {
            let mut tmp = tempfile::Builder::new()
                .prefix(".wtfcb-tmp-")
                .tempfile_in(&self.dir)?;
            tmp.write_all(value)?;
            tmp.persist(&target).map_err(|e| e.error)?;
            Ok(())
        };
        written().map_err(|e| format!("writing {key} in {}: {e}", self.dir.display()))
    }
}

impl Store for Dir {
    fn get_many(
        &self,
        wanted: &[(String, usize)],
        call: &Call,
        sink: &mut dyn FnMut(Vec<(usize, Fetched)>),
    ) -> Result<(), String> {
        for chunk in super::chunks_by(wanted, |(_, limit)| *limit) {
            call.left()?;
            call.round_trips(chunk.len());
            let mut got = Vec::with_capacity(chunk.len());
            for i in chunk {
                let (key, limit) = &wanted[i];
                got.push((i, self.get(key, *limit)?));
            }
            sink(got);
        }
        Ok(())
    }

    fn put_many(&self, items: &[(String, Vec<u8>)], call: &Call) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("creating {}: {e}", self.dir.display()))?;
        call.round_trips(items.len());
        for (key, value) in items {
            call.left()?;
            self.put(key, value)?;
        }
        Ok(())
    }

    fn delete(&self, key: &str, _: &Call) -> Result<(), String> {
        match std::fs::remove_file(self.path(key)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("removing {key}: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_directory() {
        assert!(plain("wtfcb-0123abcd"));
        assert!(plain("wtfcb-state-0123"));
        assert!(plain("wtfcb-ping-00ff"));
        for bad in [
            "wtfcb-../x",
            "wtfcb-a/b",
            "../wtfcb-a",
            "other",
            "wtfcb-a.b",
            "",
        ] {
            assert!(!plain(bad), "{bad}");
        }
    }
}
