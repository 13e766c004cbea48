//! Files wtfcb writes for the user (baselines, saved benches): written whole or not at all.

use std::path::Path;

use anyhow::Context;

/// Writes `contents` to a temporary file beside `path`, then renames it into place, so a reader
/// never sees half a file and a failed write leaves the old one. Creates missing parent
/// directories; removes the temporary file when the rename fails.
pub fn write_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::Error::new(e).context(format!("writing {}", path.display()))
    })
}

/// Modification time in nanoseconds since the epoch (0 if the platform has none).
pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Reads at most `n` leading bytes (for shebang detection); errors read as empty.
pub fn read_head(path: &Path, n: usize) -> Vec<u8> {
    let mut head = Vec::with_capacity(n);
    if let Ok(file) = std::fs::File::open(path) {
        use std::io::Read;
        let _ = file.take(n as u64).read_to_end(&mut head);
    }
    head
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_whole_files_into_new_directories_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/out.json");
        super::write_atomically(&path, b"one").unwrap();
        super::write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["out.json"]);
    }
}
