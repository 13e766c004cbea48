//! A file as read: its bytes decoded to text once, with the facts about the decoding that a
//! report must show (invalid UTF-8, a byte-order mark).

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

/// Size and modification time of a file as read, from its open handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub size: u64,
    pub mtime_ns: i64,
}

/// Reads a regular file's bytes, refusing non-regular files and files over `max_size`. The
/// size is checked on the open handle, so a file that grows after the walk is caught.
pub fn read_bytes(path: &Path, max_size: u64) -> Result<Vec<u8>, ReadError> {
    read_with_stat(path, max_size).map(|(raw, _)| raw)
}

/// Like [`read_bytes`], with the handle's size and mtime when they did not change while the
/// file was read (`None`: it changed under us, so no stat can vouch for these bytes).
///
/// The file is opened non-blocking: a path swapped for a FIFO after the walk is refused by its
/// type instead of blocking the run forever in `open`.
pub fn read_with_stat(path: &Path, max_size: u64) -> Result<(Vec<u8>, Option<Stat>), ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    let before = Stat {
        size: meta.len(),
        mtime_ns: crate::fsio::mtime_ns(&meta),
    };
    if meta.len() > max_size {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit: max_size,
        });
    }
    let mut raw = Vec::with_capacity(meta.len() as usize);
    (&file)
        .take(max_size.saturating_add(1))
        .read_to_end(&mut raw)?;
    if raw.len() as u64 > max_size {
        return Err(ReadError::TooLarge {
            size: raw.len() as u64,
            limit: max_size,
        });
    }
    let after = file.metadata().ok().map(|m| Stat {
        size: m.len(),
        mtime_ns: crate::fsio::mtime_ns(&m),
    });
    let stable = after == Some(before) && before.size == raw.len() as u64;
    Ok((raw, stable.then_some(before)))
}

/// A lone CR (classic Mac line endings, or a stray one in a mixed file) becomes LF, so line
/// counts, positions and every grammar see the line break a compiler sees. CRLF is kept; the
/// length, and so every byte offset, is unchanged.
fn lone_cr_to_lf(text: &mut String) {
    // The memchr crate's search: `str::contains` reads a word at a time, 4 times the
    // instructions on a whole file.
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return;
    }
    // SAFETY: only ASCII bytes are replaced by ASCII bytes, so the text stays UTF-8.
    let bytes = unsafe { text.as_mut_vec() };
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
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
        if memchr::memchr(0, probe).is_some() {
            return Err(ReadError::Binary);
        }
        let bytes = raw.len() as u64;
        let bom = raw.starts_with(b"\xEF\xBB\xBF");
        let body = if bom { raw[3..].to_vec() } else { raw };
        let (mut text, invalid_utf8) = match String::from_utf8(body) {
            Ok(text) => (text, false),
            Err(err) => (String::from_utf8_lossy(err.as_bytes()).into_owned(), true),
        };
        lone_cr_to_lf(&mut text);
        Ok(Source {
            text,
            bytes,
            invalid_utf8,
            bom,
        })
    }
}

/// A git object's content, or its size when it is over the caller's limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blob {
    Content(Vec<u8>),
    TooLarge(u64),
}

impl Blob {
    /// Its size in bytes, read or not.
    pub fn size(&self) -> u64 {
        match self {
            Blob::Content(bytes) => bytes.len() as u64,
            Blob::TooLarge(size) => *size,
        }
    }
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
    fn lone_cr_is_a_line_break_and_crlf_is_kept() {
        let src = Source::from_bytes(b"a = 1\rb = 2\r\nc = 3\r".to_vec()).unwrap();
        assert_eq!(src.text, "a = 1\nb = 2\r\nc = 3\n");
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.py");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert!(matches!(
            read_bytes(&fifo, 1 << 20),
            Err(ReadError::NotRegular)
        ));
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
