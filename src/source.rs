//! A file as read: its bytes decoded to text once, with the facts about the decoding that a
//! report must show (invalid UTF-8, a byte-order mark).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// How many leading bytes decide whether a file is binary (git and ripgrep look at 8 KiB too).
pub const BINARY_PROBE: usize = 8 * 1024;

/// Why a file that was listed could not be turned into text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not a regular file")]
    NotRegular,
    #[error("file is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: u64, limit: u64 },
    #[error("binary file (NUL byte in the first 8 KiB)")]
    Binary,
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// The decoded contents of one file.
#[derive(Debug, Clone)]
pub struct Source {
    /// The text that is parsed: lossily decoded, without a leading byte-order mark.
    pub text: String,
    /// Size on disk in bytes.
    pub bytes: u64,
    /// True when the file was not valid UTF-8 and bad sequences were replaced by U+FFFD.
    pub invalid_utf8: bool,
    /// True when the file started with a UTF-8 byte-order mark.
    pub bom: bool,
}

/// Reads a regular file's bytes, refusing non-regular files and files over `max_size`. The
/// size is checked on the open handle, so a file that grows after the walk is caught.
pub fn read_bytes(path: &Path, max_size: u64) -> Result<Vec<u8>, ReadError> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > max_size {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit: max_size,
        });
    }
    let mut raw = Vec::with_capacity(meta.len() as usize);
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut raw)?;
    if raw.len() as u64 > max_size {
        return Err(ReadError::TooLarge {
            size: raw.len() as u64,
            limit: max_size,
        });
    }
    Ok(raw)
}

impl Source {
    /// Reads a file once, refusing non-regular files, files over `max_size` and binary files.
    /// The size is checked on the open handle, so a file that grows after the walk is caught.
    pub fn read(path: &Path, max_size: u64) -> Result<Source, ReadError> {
        Source::from_bytes(read_bytes(path, max_size)?)
    }

    /// Decodes bytes already in memory (used by `read`, tests and benches).
    pub fn from_bytes(raw: Vec<u8>) -> Result<Source, ReadError> {
        let probe = &raw[..raw.len().min(BINARY_PROBE)];
        if probe.contains(&0) {
            return Err(ReadError::Binary);
        }
        let bytes = raw.len() as u64;
        let bom = raw.starts_with(b"\xEF\xBB\xBF");
        let body = if bom { raw[3..].to_vec() } else { raw };
        let (text, invalid_utf8) = match String::from_utf8(body) {
            Ok(text) => (text, false),
            Err(err) => (String::from_utf8_lossy(err.as_bytes()).into_owned(), true),
        };
        Ok(Source {
            text,
            bytes,
            invalid_utf8,
            bom,
        })
    }
}

/// Reads at most `n` leading bytes (for shebang detection); errors read as empty.
pub fn read_head(path: &Path, n: usize) -> Vec<u8> {
    let mut head = Vec::with_capacity(n);
    if let Ok(file) = File::open(path) {
        let _ = file.take(n as u64).read_to_end(&mut head);
    }
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_decoded_lossily_and_marked() {
        let src = Source::from_bytes(b"x = 1\n\xff\xfe = 2\n".to_vec()).unwrap();
        assert!(src.invalid_utf8);
        assert!(src.text.contains('\u{FFFD}'));
        assert_eq!(src.bytes, 13);
    }

    #[test]
    fn bom_is_stripped_and_marked() {
        let src = Source::from_bytes(b"\xEF\xBB\xBFx = 1\n".to_vec()).unwrap();
        assert!(src.bom);
        assert_eq!(src.text, "x = 1\n");
    }

    #[test]
    fn nul_in_probe_is_binary() {
        assert!(matches!(
            Source::from_bytes(b"ab\0cd".to_vec()),
            Err(ReadError::Binary)
        ));
        let mut late = vec![b'a'; BINARY_PROBE + 10];
        late[BINARY_PROBE + 5] = 0;
        assert!(Source::from_bytes(late).is_ok());
    }
}
