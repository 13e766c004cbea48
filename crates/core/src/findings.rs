//! Severity, Finding and the ordering every reporter relies on.

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

/// How much a finding matters. Ordered: `info` < `low` < `medium` < `high` < `critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// A severity by its name (`high`), in any case.
    pub fn parse(name: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What kind of problem a rule finds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Complexity,
    Size,
    Design,
    ErrorProne,
    Security,
    Style,
    Docs,
    Duplication,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Complexity => "complexity",
            Category::Size => "size",
            Category::Design => "design",
            Category::ErrorProne => "error-prone",
            Category::Security => "security",
            Category::Style => "style",
            Category::Docs => "docs",
            Category::Duplication => "duplication",
        }
    }
}

/// One problem found at one place. Lines and columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode)]
pub struct Finding {
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    pub message: String,
    pub path: String,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The enclosing function or class, by qualified name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// The first line of the finding, trimmed.
    pub snippet: String,
    /// Stable across edits that move code up or down: rule, path, symbol and snippet.
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
    /// The measured value, for metric rules (what a baseline compares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<u32>,
    /// Accepted by the baseline: not shown, not counted toward `--fail-on`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baselined: bool,
    /// Already present at the merge-base of `--new-since`: not shown, not counted toward
    /// `--fail-on`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preexisting: bool,
    /// GitHub code scanning's `primaryLocationLineHash` of the finding's line (see
    /// [`line_hashes`]), so uploads match alerts across runs as GitHub's own upload would.
    #[serde(default)]
    pub line_hash: String,
    /// The start and end columns counted in UTF-16 code units (what SARIF viewers count),
    /// when a line holds non-ASCII text; otherwise they equal the byte columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns_utf16: Option<[u32; 2]>,
    /// Other places the finding is about: the other copies of duplicated code, the files of
    /// an import cycle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    /// For project rules: what the finding is about, wherever it is reported (a hash of the
    /// duplicated tokens, the files of a cycle), which baselines match on instead of the path.
    #[serde(skip)]
    pub identity: Option<String>,
}

/// Another place a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, bincode::Encode, bincode::Decode)]
pub struct Related {
    pub path: String,
    /// The path relative to the project root (what SARIF and identities use).
    #[serde(skip)]
    pub rel: String,
    pub start_line: u32,
    pub end_line: u32,
    /// What is there (`copy 2 of 3`, `imports b.py`).
    pub message: String,
    /// The place is test code.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test: bool,
}

/// Puts one file's findings in report order: line, column, rule, message.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.start_line, a.start_column, &a.rule, &a.message).cmp(&(
            b.start_line,
            b.start_column,
            &b.rule,
            &b.message,
        ))
    });
}

/// A fingerprint from what identifies a finding, never its line number. White space in the
/// snippet is normalised so re-indenting keeps it.
pub fn fingerprint(rule: &str, path: &str, symbol: Option<&str>, snippet: &str) -> String {
    let mut hasher = Md5::new();
    for part in [rule, path, symbol.unwrap_or("")] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    // The snippet's words joined by one space, fed as they are found (no joined copy).
    for (i, word) in snippet.split_whitespace().enumerate() {
        if i > 0 {
            hasher.update(b" ");
        }
        hasher.update(word.as_bytes());
    }
    hasher.update([0u8]);
    short_hex(&hasher.finalize())
}

/// The first 8 bytes of a digest in hex: a fingerprint's form.
fn short_hex(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    digest
        .iter()
        .take(8)
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

/// Fills in the fingerprints of one file's findings (in their report order), from the
/// project-relative path, so they never depend on how the command was typed. Identical
/// findings (same rule, symbol and line text) are told apart by their occurrence: the second
/// gets `#2` in its hash, and so on.
pub fn set_fingerprints(findings: &mut [Finding], rel_path: &str) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for f in findings.iter_mut() {
        let base = fingerprint(&f.rule, rel_path, f.symbol.as_deref(), &f.snippet);
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        f.fingerprint = if *n == 1 {
            base
        } else {
            let snippet = format!("{}\0#{n}", f.snippet);
            fingerprint(&f.rule, rel_path, f.symbol.as_deref(), &snippet)
        };
    }
}

/// Makes one file's fingerprints unique (in report order): a fingerprint already given to an
/// earlier finding is hashed again with its occurrence (`#2`, `#3`, ...). What
/// [`set_fingerprints`] does for the per-file rules, for the findings the project phase adds
/// (two clone groups of the same content in one file shared one).
pub fn disambiguate_fingerprints(findings: &mut [Finding]) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for f in findings.iter_mut() {
        let n = seen.entry(f.fingerprint.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let mut hasher = Md5::new();
            hasher.update(f.fingerprint.as_bytes());
            hasher.update(format!("\0#{n}").as_bytes());
            f.fingerprint = short_hex(&hasher.finalize());
        }
    }
}

/// Sets each finding's `line_hash` from the text of its file.
pub fn set_line_hashes(findings: &mut [Finding], text: &str) {
    if findings.is_empty() {
        return;
    }
    let line_of = |f: &Finding| (f.start_line.max(1) - 1) as usize;
    let mut wanted: Vec<usize> = findings.iter().map(line_of).collect();
    wanted.sort_unstable();
    wanted.dedup();
    // (line, hash) of the lines with a finding and of every line that may share a hash with
    // one, in order: the ordinal (`:k`) of a line is its place among the listed lines of its
    // hash.
    let listed = candidates(text, &wanted);
    // Sorted vectors, not hash maps: a file has a few wanted lines and candidates.
    let mut hashes: Vec<u64> = listed
        .iter()
        .filter(|(line, _)| wanted.binary_search(line).is_ok())
        .map(|&(_, hash)| hash)
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    let mut seen = vec![0u32; hashes.len()];
    // (line, hash, ordinal) of each wanted line, in line order.
    let mut found: Vec<(usize, u64, u32)> = Vec::with_capacity(wanted.len());
    for &(line, hash) in &listed {
        if let Ok(at) = hashes.binary_search(&hash) {
            seen[at] += 1;
            if wanted.binary_search(&line).is_ok() {
                found.push((line, hash, seen[at]));
            }
        }
    }
    for f in findings {
        if let Ok(at) = found.binary_search_by_key(&line_of(f), |&(line, ..)| line) {
            let (_, h, n) = found[at];
            f.line_hash = format!("{h:x}:{n}");
        }
    }
}

/// Folds the first `n` units of the stream GitHub's line hash reads from byte `start` (a line's
/// start) of `text`: UTF-16 code units, spaces and tabs left out, CR and CRLF read as LF, then
/// an end-of-file mark (0xFFFF) and zeros.
#[inline(always)]
fn fold_units(text: &str, start: usize, n: usize, f: impl Fn(u64, u64) -> u64) -> u64 {
    let bytes = text.as_bytes();
    let mut acc = 0u64;
    let mut taken = 0;
    let mut at = start;
    while taken < n {
        let unit = match bytes.get(at) {
            None if at == bytes.len() => {
                at += 1;
                0xFFFF
            }
            None => 0,
            Some(b' ' | b'\t') => {
                at += 1;
                continue;
            }
            Some(b'\r') => {
                at += 1 + usize::from(bytes.get(at + 1) == Some(&b'\n'));
                u64::from(b'\n')
            }
            Some(&b) if b < 0x80 => {
                at += 1;
                u64::from(b)
            }
            // A character past ASCII (`at` is on a boundary: it moves by whole characters):
            // one unit, or two (a surrogate pair), of which only those up to `n` are read.
            Some(_) => {
                let c = text[at..].chars().next().unwrap_or_default();
                at += c.len_utf8();
                let mut pair = [0u16; 2];
                let units = c.encode_utf16(&mut pair);
                if let [high, low] = units {
                    acc = f(acc, u64::from(*high));
                    taken += 1;
                    if taken == n {
                        break;
                    }
                    u64::from(*low)
                } else {
                    u64::from(units[0])
                }
            }
        };
        acc = f(acc, unit);
        taken += 1;
    }
    acc
}

/// The (line, hash) of the `wanted` lines (sorted) and of the earlier lines that may share a
/// hash with one: those whose first eight units equal a wanted line's (two windows that differ
/// there hash alike only by a 64-bit collision). Every line's start is found, but only these
/// are hashed: a few per file instead of every character's step.
fn candidates(text: &str, wanted: &[usize]) -> Vec<(usize, u64)> {
    let bytes = text.as_bytes();
    let Some(&last) = wanted.last() else {
        return Vec::new();
    };
    // Line starts up to the last wanted line: after LF, after CRLF, after a lone CR (bytes
    // that UTF-8 never uses inside a character).
    let mut starts = Vec::with_capacity(last + 1);
    starts.push(0usize);
    for at in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        if starts.len() > last {
            break;
        }
        match bytes[at] {
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => {}
            _ => starts.push(at + 1),
        }
    }
    // Eight units a byte each: ASCII as it is, the end-of-file mark and any other unit as 0xFF
    // (equal streams still have equal keys).
    let key = |start: usize| fold_units(text, start, 8, |k, unit| (k << 8) | unit.min(0xFF));
    let hash = |start: usize| {
        fold_units(text, start, LINE_HASH_WINDOW, |h, unit| {
            h.wrapping_mul(37).wrapping_add(unit)
        })
    };
    let mut keys: Vec<u64> = wanted
        .iter()
        .filter_map(|&line| starts.get(line))
        .map(|&start| key(start))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut is_wanted = vec![false; starts.len()];
    for &line in wanted {
        if let Some(w) = is_wanted.get_mut(line) {
            *w = true;
        }
    }
    // A key's first unit is its top byte: most lines differ there, and one unit costs a few
    // instructions where eight and a search cost about a hundred.
    let mut first = [false; 256];
    for &k in &keys {
        first[(k >> 56) as usize] = true;
    }
    let maybe = |start: usize| {
        first[fold_units(text, start, 1, |_, unit| unit.min(0xFF)) as usize]
            && keys.binary_search(&key(start)).is_ok()
    };
    starts
        .iter()
        .zip(is_wanted)
        .enumerate()
        .filter(|&(_, (&start, wanted))| wanted || maybe(start))
        .map(|(line, (&start, _))| (line, hash(start)))
        .collect()
}

/// Window of the line hash: this many characters, white space left out, from each line's
/// first one on.
const LINE_HASH_WINDOW: usize = 100;

/// The hash GitHub's upload (the codeql-action) computes for every line of a file when a SARIF
/// result comes without `primaryLocationLineHash`, reproduced so wtfcb can send its own: a
/// polynomial rolling hash (base 37, wrapping 64-bit) over the next 100 UTF-16 code units
/// from the line's first one, spaces and tabs skipped, CR and CRLF read as LF, an end-of-file
/// mark (U+FFFF) then zeros past the end; written in hex with `:k` for the k-th line of the file
/// with that hash. One entry per line, plus one for the line after a final newline.
pub fn line_hashes(text: &str) -> Vec<String> {
    let mut seen: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    line_hash_values(text)
        .into_iter()
        .map(|hash| {
            let n = seen.entry(hash).or_insert(0);
            *n += 1;
            format!("{hash:x}:{n}")
        })
        .collect()
}

/// The hash of every line, in order, without the ordinal: see [`line_hashes`].
fn line_hash_values(text: &str) -> Vec<u64> {
    // ASCII text is its own UTF-16: skip the decoding.
    if text.is_ascii() {
        hash_units(text.bytes().map(u16::from), text.len())
    } else {
        hash_units(text.encode_utf16(), text.len())
    }
}

/// The rolling hash over the last `LINE_HASH_WINDOW` units, and which of them began a line.
struct Roller {
    window: [u16; LINE_HASH_WINDOW],
    starts: [bool; LINE_HASH_WINDOW],
    hash: u64,
    at: usize,
    first_mod: u64,
    out: Vec<u64>,
}

impl Roller {
    const BASE: u64 = 37;

    /// Takes in one unit; the line that began at the slot it overwrites is complete.
    #[inline(always)]
    fn step(&mut self, c: u16, line_start: bool) {
        let at = self.at;
        if std::mem::replace(&mut self.starts[at], line_start) {
            self.out.push(self.hash);
        }
        let leaving = std::mem::replace(&mut self.window[at], c);
        self.hash = self
            .hash
            .wrapping_mul(Self::BASE)
            .wrapping_add(u64::from(c))
            .wrapping_sub(self.first_mod.wrapping_mul(u64::from(leaving)));
        self.at = if at + 1 == LINE_HASH_WINDOW {
            0
        } else {
            at + 1
        };
    }
}

/// The hash of every line: a line's is known once the window has moved past its start.
fn hash_units(units: impl Iterator<Item = u16>, len: usize) -> Vec<u64> {
    const EOF: u16 = 0xFFFF;
    const NL: u16 = b'\n' as u16;
    const SPACE: u16 = b' ' as u16;
    const TAB: u16 = b'\t' as u16;
    const CR: u16 = b'\r' as u16;
    let mut roller = Roller {
        window: [0; LINE_HASH_WINDOW],
        starts: [false; LINE_HASH_WINDOW],
        hash: 0,
        at: 0,
        first_mod: (0..LINE_HASH_WINDOW).fold(1u64, |m, _| m.wrapping_mul(Roller::BASE)),
        out: Vec::with_capacity(len / 32 + 1),
    };
    let mut line_start = true;
    let mut after_cr = false;
    for unit in units.chain(std::iter::once(EOF)) {
        if unit == SPACE || unit == TAB || (after_cr && unit == NL) {
            after_cr = false;
            continue;
        }
        after_cr = unit == CR;
        let c = if after_cr { NL } else { unit };
        roller.step(c, line_start);
        line_start = c == NL;
    }
    for _ in 0..LINE_HASH_WINDOW {
        roller.step(0, false);
    }
    roller.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_and_fail_on_parse_by_name_in_any_case() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
            assert_eq!(Severity::parse(&s.as_str().to_uppercase()), Some(s));
        }
        assert_eq!(Severity::parse("never"), None);
        assert_eq!(parse_fail_on("never"), Ok(FailOn::Never));
        assert_eq!(parse_fail_on("High"), Ok(FailOn::At(Severity::High)));
        assert!(parse_fail_on("severe")
            .unwrap_err()
            .contains("got \"severe\""));
    }

    // The test vectors published with GitHub's codeql-action (src/fingerprints.test.ts).
    #[test]
    fn line_hashes_match_githubs_published_vectors() {
        assert_eq!(line_hashes(""), vec!["c129715d7a2bc9a3:1"]);
        assert_eq!(
            line_hashes(" a\nb\n  \t\tc\n d"),
            vec![
                "271789c17abda88f:1",
                "54703d4cd895b18:1",
                "180aee12dab6264:1",
                "a23a3dc5e078b07b:1"
            ]
        );
        assert_eq!(
            line_hashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End"),
            vec![
                "8b7cf3e952e7aeb2:1",
                "b1ae1287ec4718d9:1",
                "bff680108adb0fcc:1",
                "c6805c5e1288b612:1",
                "b86d3392aea1be30:1",
                "e6ceba753e1a442:1",
            ]
        );
        let trailing = vec![
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ];
        for text in [
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        ] {
            assert_eq!(line_hashes(text), trailing, "{text:?}");
        }
        assert_eq!(
            line_hashes(&"Lorem ipsum dolor sit amet.\n".repeat(10)),
            vec![
                "a7f2ff13bc495cf2:1",
                "a7f2ff13bc495cf2:2",
                "a7f2ff13bc495cf2:3",
                "a7f2ff13bc495cf2:4",
                "a7f2ff13bc495cf2:5",
                "a7f2ff13bc495cf2:6",
                "a7f2ff1481e87703:1",
                "a9cf91f7bbf1862b:1",
                "55ec222b86bcae53:1",
                "cc97dc7b1d7d8f7b:1",
                "c129715d7a2bc9a3:1"
            ]
        );
    }

    // The hashes stop at the last line with a finding; what they give for those lines must
    // be what the whole text gives.
    #[test]
    fn hashes_line_by_line_equal_the_rolling_hash() {
        let long = format!("{}\r\n  x = 1\n\n", "ab c\u{e9}\td;".repeat(40));
        for text in [
            "",
            "a",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
            &"Lorem ipsum dolor sit amet.\n".repeat(10),
            &long,
            &"x\n".repeat(300),
        ] {
            let all = line_hash_values(text);
            // Every line wanted: each is hashed on its own, from its start.
            for n in 0..all.len() + 2 {
                let wanted: Vec<usize> = (0..n).collect();
                let listed: Vec<u64> = candidates(text, &wanted).iter().map(|&(_, h)| h).collect();
                assert_eq!(listed[..], all[..n.min(all.len())], "{n} lines of {text:?}");
            }
            // A finding on every line but the last, so the hashing stops before the end.
            let mut findings: Vec<Finding> = (1..=all.len() as u32).map(eval_at).collect();
            findings.truncate(findings.len().saturating_sub(1).max(1));
            let expected = line_hashes(text);
            set_line_hashes(&mut findings, text);
            for f in &findings {
                assert_eq!(f.line_hash, expected[f.start_line as usize - 1], "{text:?}");
            }
        }
    }

    // The ASCII path hashes only the lines that can matter; it must give every line with a
    // finding what hashing the whole text gives, ordinal included.
    #[test]
    fn finding_line_hashes_equal_the_whole_text_hashes_on_random_text() {
        let mut rng = fastrand::Rng::with_seed(11);
        let pieces = [
            "x = 1", "  ", "\t", "\n", "\r\n", "\r", "if a:", "}", "", " \n", "ab", "é", "日本",
            "😀", "a😀b",
        ];
        // A surrogate pair across the end of the window and of the eight-unit key.
        let fixed = [
            format!("{}😀\n", "a".repeat(LINE_HASH_WINDOW - 1)).repeat(3),
            format!("{}😀b\r\n", "a".repeat(7)).repeat(3),
        ];
        for round in 0..400 {
            let mut text = String::new();
            for _ in 0..rng.usize(0..60) {
                text.push_str(pieces[rng.usize(..pieces.len())]);
            }
            if round % 3 == 0 {
                text = text.repeat(rng.usize(1..5));
            }
            if let Some(f) = fixed.get(round) {
                text = f.clone();
            }
            let all = line_hashes(&text);
            let mut findings: Vec<Finding> = (0..rng.usize(1..6))
                .map(|_| eval_at(rng.u32(1..=all.len() as u32 + 2)))
                .collect();
            set_line_hashes(&mut findings, &text);
            for f in &findings {
                let expected = all
                    .get(f.start_line as usize - 1)
                    .map_or("", String::as_str);
                assert_eq!(f.line_hash, expected, "line {} of {text:?}", f.start_line);
            }
        }
    }

    #[test]
    fn severities_are_ordered() {
        assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
    }

    #[test]
    fn fingerprint_ignores_indentation_but_not_symbol() {
        let a = fingerprint("r", "a.py", Some("f"), "  if x:  y");
        let b = fingerprint("r", "a.py", Some("f"), "if x: y");
        let c = fingerprint("r", "a.py", Some("g"), "if x: y");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 16);
    }

    // Two identical findings in one function shared a fingerprint, so a baseline could not
    // tell them apart.
    /// An `eval-exec` finding on `line` of `/abs/typed/a.py`.
    fn eval_at(line: u32) -> Finding {
        Finding {
            rule: "eval-exec".into(),
            category: Category::Security,
            severity: Severity::High,
            message: "eval".into(),
            path: "/abs/typed/a.py".into(),
            start_line: line,
            start_column: 1,
            end_line: line,
            end_column: 5,
            symbol: Some("f".into()),
            snippet: "eval(x)".into(),
            fingerprint: String::new(),
            suppressed: false,
            value: None,
            baselined: false,
            preexisting: false,
            line_hash: String::new(),
            columns_utf16: None,
            related: Vec::new(),
            identity: None,
        }
    }

    #[test]
    fn identical_findings_get_distinct_stable_fingerprints() {
        let finding = eval_at;
        let mut two = vec![finding(3), finding(9)];
        set_fingerprints(&mut two, "a.py");
        assert_ne!(two[0].fingerprint, two[1].fingerprint);
        // Moved down, and from another directory: the same fingerprints.
        let mut moved = vec![finding(13), finding(19)];
        moved[0].path = "a.py".into();
        set_fingerprints(&mut moved, "a.py");
        assert_eq!(moved[0].fingerprint, two[0].fingerprint);
        assert_eq!(moved[1].fingerprint, two[1].fingerprint);
    }

    #[test]
    fn finding_line_hashes_equal_the_whole_file_hashes() {
        // A line's hash covers the 100 characters from its start on, so the first lines of a
        // long repetition hash alike and carry ordinals 1, 2, 3...
        let text = "x = 1\n".repeat(60);
        let text = text.as_str();
        let all = line_hashes(text);
        let finding = eval_at;
        let mut some = vec![finding(5), finding(2), finding(5), finding(7), finding(99)];
        set_line_hashes(&mut some, text);
        let got: Vec<&str> = some.iter().map(|f| f.line_hash.as_str()).collect();
        assert_eq!(got, [&all[4], &all[1], &all[4], &all[6], ""]);
        assert!(all[4].ends_with(":5"), "{all:?}");
    }
}

/// `--fail-on`: a severity, or `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Never,
    At(Severity),
}

pub fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s == "never" {
        return Ok(FailOn::Never);
    }
    Severity::parse(s)
        .map(FailOn::At)
        .ok_or_else(|| format!("expected never, info, low, medium, high or critical, got {s:?}"))
}
