//! Small helpers on text that every layer uses: terminal-safe text, hexadecimal, project-
//! relative paths, newline counts. The lowest layer: it imports nothing of the crate.

/// Text from input (file names, comments, names in code) made safe for a terminal: every
/// control character (C0, DEL, C1: escape sequences, BEL, a newline that would split a report
/// line) and every bidirectional override or isolate (which reorder what a reader sees) is
/// written as a visible escape, `\n`, `\t`, `\r` or `\u{..}`, as git and ripgrep do for
/// names. Machine formats (JSON) keep exact values instead.
pub fn tty(text: &str) -> std::borrow::Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
    // Printable ASCII throughout (most text) needs no look at characters.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// FNV-1a (64 bits) of `bytes`: a cheap, stable hash for checksums and line identities (not
/// for anything an attacker may choose to collide).
pub fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Lower-case hexadecimal of `bytes`, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The directory part of a `/`-separated path, with its `/` (`""` for a file at the root).
pub fn dir_of(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..=i])
}

/// As [`normalize`], for a directory: `""` or ending in `/`.
pub fn normalize_dir(path: &str) -> Option<String> {
    let n = normalize(path)?;
    Some(if n.is_empty() { n } else { format!("{n}/") })
}

/// `a/b/../c/./d` → `a/c/d`; `None` when it climbs above the root.
pub fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The longest prefix of `s` of at most `max` bytes that ends at a character boundary (a
/// slice at a byte count alone panics inside a character).
pub fn prefix(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// How many `\n` bytes `bytes` holds. Counted in blocks of 64 whose sums fit a byte, which the
/// compiler turns into vector compares: several times faster than a byte-at-a-time filter.
pub fn count_newlines(bytes: &[u8]) -> usize {
    let blocks = bytes.chunks_exact(64);
    let rest = blocks.remainder();
    let in_blocks: usize = blocks
        .map(|block| {
            let n: u8 = block.iter().map(|&b| u8::from(b == b'\n')).sum();
            usize::from(n)
        })
        .sum();
    in_blocks + rest.iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_end_at_a_character() {
        assert_eq!(prefix("aé", 2), "a");
        assert_eq!(prefix("aé", 3), "aé");
        assert_eq!(prefix("abc", 10), "abc");
        assert_eq!(prefix("€uro", 2), "");
        assert_eq!(prefix("", 0), "");
    }

    #[test]
    fn control_and_bidi_characters_never_reach_the_terminal() {
        assert_eq!(tty("src/a.py"), "src/a.py");
        assert_eq!(
            tty("a\u{1b}]0;owned\u{7}b\nc\u{202e}d\u{9b}"),
            "a\\u{1b}]0;owned\\u{7}b\\nc\\u{202e}d\\u{9b}"
        );
    }

    #[test]
    fn newlines_are_counted_in_blocks_and_in_the_rest() {
        // Every length around the 64-byte blocks, every place, and blocks of nothing but
        // newlines (the largest per-block sum).
        for len in [0usize, 1, 63, 64, 65, 127, 128, 129, 300] {
            let all = vec![b'\n'; len];
            assert_eq!(count_newlines(&all), len);
            for at in 0..len {
                let mut one = vec![b'a'; len];
                one[at] = b'\n';
                assert_eq!(count_newlines(&one), 1, "{len} {at}");
            }
        }
    }

    #[test]
    fn paths_are_normalised_within_the_root() {
        assert_eq!(normalize("a/b/../c/./d").as_deref(), Some("a/c/d"));
        assert_eq!(normalize("a/../../x"), None);
        assert_eq!(normalize_dir("a/b/..").as_deref(), Some("a/"));
        assert_eq!(normalize_dir(".").as_deref(), Some(""));
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}
