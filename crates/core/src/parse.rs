//! tree-sitter parsing with one `Parser` per language per worker thread, created on first use,
//! under a time budget: tree-sitter's progress callback cancels a parse that runs past it.

use std::cell::RefCell;
use std::time::{Duration, Instant};

pub use tree_sitter::Tree;
use tree_sitter::{ParseOptions, ParseState, Parser, Point};

use crate::lang::Language;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("cannot load the {0} grammar: {1}")]
    Grammar(&'static str, String),
    #[error("the {0} parser gave up on this file")]
    NoTree(&'static str),
    #[error("parse cancelled: it did not finish within {}", seconds(*.0))]
    TimedOut(Duration),
}

/// `1.5 s`, `10 s`: how budgets are written in messages.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// How long one file may take to parse: `per_mib` for each MiB of source, never less than
/// `per_mib` itself (a small file that takes seconds is as broken as a large one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseBudget {
    pub per_mib: Duration,
}

impl ParseBudget {
    /// The default: 5 s per MiB. cpython's files parse at 5-9 MB/s on one core here, so this
    /// is 25 to 45 times what ordinary code needs.
    pub const DEFAULT: ParseBudget = ParseBudget {
        per_mib: Duration::from_secs(5),
    };

    pub fn for_size(self, bytes: usize) -> Duration {
        let mib = (bytes as f64 / (1024.0 * 1024.0)).max(1.0);
        self.per_mib.mul_f64(mib)
    }
}

/// Validates a parse budget in seconds per MiB (`--parse-timeout`, `parse-timeout`).
pub fn budget_seconds(secs: f64, what: &str) -> anyhow::Result<Duration> {
    if !(0.01..=3600.0).contains(&secs) {
        anyhow::bail!("{what} must be between 0.01 and 3600 seconds, got {secs}");
    }
    Ok(Duration::from_secs_f64(secs))
}

impl Default for ParseBudget {
    fn default() -> Self {
        ParseBudget::DEFAULT
    }
}

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; Language::ALL.len()]> =
        const { RefCell::new([const { None }; Language::ALL.len()]) };
}

/// Parses `text` with this thread's parser for `lang`, cancelling it after `budget`.
///
/// When the tree has errors and the text holds valid syntax the grammar is known to reject
/// (see [`crate::repair`]), the same-length rewrite is parsed too, within the same budget, and
/// its tree is kept if it has fewer errors: read the facts from `text` itself, at the same
/// offsets. A C or C++ tree that still has errors gets one more try, its conditional groups
/// rewritten ([`crate::repair::rewrite_conditionals`]).
pub fn parse_within(lang: Language, text: &str, budget: Duration) -> Result<Tree, ParseError> {
    faults::inject(text);
    let deadline = Instant::now() + budget;
    let tree = parse_by(lang, text, None, deadline, budget)?;
    // A class with an export macro (`class ARROW_EXPORT Foo { public: ... };`) parses without
    // an error, as a function `Foo` of type `class ARROW_EXPORT` with a label in its body:
    // the rewrite runs for it too, and wins a tie.
    let hidden_class = crate::repair::hides_a_class(lang, text);
    if !tree.root_node().has_error() && !hidden_class {
        return Ok(tree);
    }
    let mut best_errors = error_nodes(&tree);
    let (mut best, mut best_text) = (tree, std::borrow::Cow::Borrowed(text));
    if let Some(fixed) = crate::repair::rewrite_with_tree(lang, text, &best) {
        let old = edited(&best, text, &fixed);
        if let Ok(better) = parse_by(lang, &fixed, old.as_ref(), deadline, budget) {
            let errors = error_nodes(&better);
            if errors < best_errors || (hidden_class && errors == best_errors) {
                (best, best_errors, best_text) = (better, errors, fixed.into());
            }
        }
    }
    // A C or C++ text that still has errors: its conditional groups, last (they drop code).
    if best_errors == 0 {
        return Ok(best);
    }
    let Some(fixed) = crate::repair::rewrite_conditionals(lang, &best_text, &best) else {
        return Ok(best);
    };
    let old = edited(&best, &best_text, &fixed);
    match parse_by(lang, &fixed, old.as_ref(), deadline, budget) {
        Ok(better) if error_nodes(&better) < best_errors => Ok(better),
        _ => Ok(best),
    }
}

/// At most this many edits tell a tree of a rewrite: each edit visits the children before it
/// of every node on its way down, so a file of 25,000 top-level declarations, each with a
/// macro blanked, would cost quadratic time. A rewrite with more runs of changed bytes is
/// parsed afresh, as all were before (merging runs into spans covered most of such a file,
/// and the reuse then cost more time and memory than it saved).
const MAX_EDITS: usize = 1024;

/// `tree` (of `before`) told where `after`, a same-length rewrite of it, differs: one edit a
/// run of changed bytes, so the parse of `after` reuses every subtree the rewrite did not
/// touch instead of parsing the whole file again (the repairs' second parse was a fifth of all
/// parsing on C++ samples). Rows and columns are counted in each text (a rewrite may blank a
/// line end). `None` past [`MAX_EDITS`] runs.
fn edited(tree: &Tree, before: &str, after: &str) -> Option<Tree> {
    let (a, b) = (before.as_bytes(), after.as_bytes());
    let end = a.len().min(b.len());
    // (row, column) in `before` and in `after` at byte `at`.
    let (mut old_at, mut new_at) = (Point::new(0, 0), Point::new(0, 0));
    let mut runs: Vec<tree_sitter::InputEdit> = Vec::new();
    let mut at = 0;
    while at < end {
        // Equal bytes move both positions alike; they are skipped 16 at a time and counted
        // with memchr, not stepped through one by one.
        let same = at + common_prefix(&a[at..end], &b[at..end]);
        old_at = advance(old_at, &a[at..same]);
        new_at = advance(new_at, &b[at..same]);
        at = same;
        if at == end {
            break;
        }
        let (start, start_position) = (at, old_at);
        while at < end && a[at] != b[at] {
            at += 1;
        }
        old_at = advance(old_at, &a[start..at]);
        new_at = advance(new_at, &b[start..at]);
        if runs.len() == MAX_EDITS {
            return None;
        }
        runs.push(tree_sitter::InputEdit {
            start_byte: start,
            old_end_byte: at,
            new_end_byte: at,
            start_position,
            old_end_position: old_at,
            new_end_position: new_at,
        });
    }
    let mut tree = tree.clone();
    for edit in &runs {
        tree.edit(edit);
    }
    Some(tree)
}

/// How many leading bytes `a` and `b` share.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 16;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + CHUNK <= len && a[at..at + CHUNK] == b[at..at + CHUNK] {
        at += CHUNK;
    }
    while at < len && a[at] == b[at] {
        at += 1;
    }
    at
}

/// The position after `bytes`, which start at `from`: a row per newline, and the column
/// counted in bytes from the last one (as tree-sitter counts them).
fn advance(from: Point, bytes: &[u8]) -> Point {
    match memchr::memrchr(b'\n', bytes) {
        Some(last) => Point::new(
            from.row + crate::text::count_newlines(bytes),
            bytes.len() - last - 1,
        ),
        None => Point::new(from.row, from.column + bytes.len()),
    }
}

/// Error and missing nodes in a tree (subtrees without errors are not entered).
fn error_nodes(tree: &Tree) -> usize {
    let mut count = 0;
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            count += 1;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor).filter(|c| c.has_error()));
    }
    count
}

/// Parses `text` with this thread's parser for `lang` (made on first use and kept), or, under a
/// scratch heap ([`crate::alloc::Scratch`]), with a parser made for this parse alone.
fn parse_by(
    lang: Language,
    text: &str,
    old: Option<&Tree>,
    deadline: Instant,
    budget: Duration,
) -> Result<Tree, ParseError> {
    with_parser(lang, &mut |parser| {
        parse_with(parser, lang, text, old, deadline, budget)
    })
}

/// Runs `run` with this thread's parser for `lang` (made on first use and kept), or, under a
/// scratch heap ([`crate::alloc::Scratch`]), with a parser made for this call alone.
fn with_parser<T>(
    lang: Language,
    run: &mut dyn FnMut(&mut Parser) -> Result<T, ParseError>,
) -> Result<T, ParseError> {
    let new_parser = || {
        let mut parser = Parser::new();
        parser
            .set_language(&lang.grammar())
            .map_err(|e| ParseError::Grammar(lang.name(), e.to_string()))?;
        Ok(parser)
    };
    if crate::alloc::Scratch::active() {
        // Under a scratch heap a kept parser's buffers would grow into the heap and dangle
        // once it is freed: parse with a parser made in it, and forget that parser (its
        // memory goes with the heap; the parse already destroyed its external scanner, whose
        // memory is the C allocator's).
        let mut parser = new_parser()?;
        let out = run(&mut parser);
        std::mem::forget(parser);
        return out;
    }
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[lang.index()];
        if slot.is_none() {
            *slot = Some(new_parser()?);
        }
        let parser = slot.as_mut().ok_or(ParseError::NoTree(lang.name()))?;
        run(parser)
    })
}

/// Parses the bytes `range` of `text` alone, where they are (every node keeps its offset, line
/// and column in `text`), as `lang` reads a file of just them; with `terminate`, a `;` is read
/// after the range's last byte, so an expression alone reads as a statement. `None` when the
/// parse fails or `deadline` passes; the parse may stop at its first error (the tree would
/// then be `None`, or have errors).
pub fn parse_part(
    lang: Language,
    text: &str,
    range: tree_sitter::Range,
    terminate: bool,
    deadline: Instant,
) -> Option<Tree> {
    parse_range(lang, text, range, terminate, deadline)
        .ok()
        .and_then(|parsed| parsed.tree)
}

/// What a parse of one range of a text gave: its tree, `None` when the parse gave up (at its
/// first error, or at the deadline: then `timed_out`).
struct RangeParse {
    tree: Option<Tree>,
    timed_out: bool,
}

/// Parses the bytes `range` of `text` alone, where they are, giving up at the first error or
/// once `deadline` passes (a part is kept only whole; see [`parse_part`] and
/// [`parse_piece`]); with `terminate`, a `;` is read after the range's last byte.
fn parse_range(
    lang: Language,
    text: &str,
    range: tree_sitter::Range,
    terminate: bool,
    deadline: Instant,
) -> Result<RangeParse, ParseError> {
    let end = range.end_byte.min(text.len());
    let gave_up = |timed_out| RangeParse {
        tree: None,
        timed_out,
    };
    if range.start_byte > end {
        return Ok(gave_up(false));
    }
    if Instant::now() >= deadline {
        return Ok(gave_up(true));
    }
    let mut part = range;
    if terminate {
        part.end_byte = end + 1;
        part.end_point.column += 1;
    }
    let bytes = text.as_bytes();
    let mut read = |offset: usize, _: tree_sitter::Point| -> &[u8] {
        if offset < end {
            &bytes[offset..end]
        } else if terminate && offset == end {
            b";"
        } else {
            &[]
        }
    };
    let mut run = |parser: &mut Parser| {
        parser
            .set_included_ranges(&[part])
            .map_err(|_| ParseError::NoTree(lang.name()))?;
        let mut timed_out = false;
        let mut give_up = |state: &ParseState| {
            timed_out = Instant::now() >= deadline;
            timed_out || state.has_error()
        };
        let tree = parser.parse_with_options(
            &mut read,
            None,
            Some(ParseOptions::new().progress_callback(&mut give_up)),
        );
        if tree.is_none() {
            parser.reset();
        }
        // Back to whole documents for the next parse on this thread.
        let _ = parser.set_included_ranges(&[]);
        Ok(RangeParse { tree, timed_out })
    };
    with_parser(lang, &mut run)
}

/// Where a large file is cut into pieces to parse one at a time ([`piece_starts`]): about
/// this many bytes a piece, for files over four times as large (so a file within the default
/// `--max-file-size` of 1 MiB is parsed whole). `WTFCB_PIECE_BYTES` sets it (at least 1), for
/// tests that cut small files.
pub fn piece_bytes() -> usize {
    use std::sync::OnceLock;
    static BYTES: OnceLock<usize> = OnceLock::new();
    *BYTES.get_or_init(|| {
        std::env::var("WTFCB_PIECE_BYTES")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(256 * 1024)
    })
}

/// Where a piece starts: its byte offset and its line (0-based) in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PieceStart {
    pub byte: usize,
    pub row: usize,
}

/// What a line must start with for a piece to start there: words that open a top-level item
/// of the language (and are rarely the first word of a line of prose in a docstring or a
/// comment, where a cut would leave the piece before it unfinished), or `None`: any letter
/// or `_` (C and C++, whose definitions start with a type's name).
fn piece_openers(lang: Language) -> Option<&'static [&'static str]> {
    let words: &'static [&'static str] = match lang {
        Language::Python => &["def ", "class ", "async def ", "import ", "from ", "@"],
        Language::JavaScript | Language::TypeScript | Language::Tsx => &[
            "function ",
            "async function ",
            "export ",
            "import ",
            "class ",
            "const ",
            "let ",
            "var ",
            "interface ",
            "type ",
            "declare ",
            "enum ",
            "namespace ",
            "abstract class ",
            "@",
        ],
        Language::Rust => &[
            "fn ",
            "pub ",
            "impl",
            "struct ",
            "enum ",
            "mod ",
            "use ",
            "trait ",
            "const ",
            "static ",
            "type ",
            "unsafe ",
            "extern ",
            "async fn ",
            "macro_rules!",
            "#[",
        ],
        Language::Go => &["func ", "type ", "var ", "const ", "import "],
        Language::Java => &[
            "public ",
            "class ",
            "final ",
            "abstract ",
            "interface ",
            "enum ",
            "record ",
            "import ",
            "@",
        ],
        Language::Ruby => &["def ", "class ", "module ", "require ", "require_relative "],
        Language::C | Language::Cpp => return None,
    };
    Some(words)
}

/// The places after the first `size` bytes, then each at least `size` bytes past the last,
/// where `text` can be cut into pieces that parse alone as they parse in the file: a line
/// that starts at column 0 with a word that opens a top-level item ([`piece_openers`]), after
/// a blank line, where the last line before the blanks does not start with `#`, `@` or `/`
/// nor end with `*/` (attributes, decorators, directives and comments stay with what they
/// precede). Nothing is cut after a line `__END__` (Ruby's data section). A cut inside a
/// multi-line string or comment, a block or a bracket leaves the piece before it unfinished,
/// which its parse finds: see [`parse_piece`]. One pass over the text.
pub fn piece_starts(lang: Language, text: &str, size: usize) -> Vec<PieceStart> {
    let openers = piece_openers(lang);
    let opens = |line: &[u8]| match openers {
        Some(words) => words.iter().any(|w| line.starts_with(w.as_bytes())),
        None => matches!(line[0], b'a'..=b'z' | b'A'..=b'Z' | b'_'),
    };
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let (mut at, mut row) = (0usize, 0usize);
    // Whether a blank line came since the last line with text, and whether that line lets
    // what follows be cut from it.
    let (mut blank_before, mut may_follow) = (false, false);
    let mut next_cut = size;
    while at < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        let line = &bytes[at..end];
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        if body.iter().all(|b| matches!(b, b' ' | b'\t' | 0x0b | 0x0c)) {
            blank_before = true;
        } else {
            if body == b"__END__" {
                break;
            }
            if at >= next_cut && blank_before && may_follow && opens(body) {
                starts.push(PieceStart { byte: at, row });
                next_cut = at + size;
            }
            let trimmed = body.trim_ascii_end();
            may_follow = !matches!(body[0], b'#' | b'@' | b'/') && !trimmed.ends_with(b"*/");
            blank_before = false;
        }
        at = end + 1;
        row += 1;
    }
    starts
}

/// Parses the piece `start..end` of `text` where it stands (its nodes keep their offsets,
/// lines and columns in `text`), as `lang` reads a file of just those bytes. `Ok(None)` when
/// the piece has a syntax error: the parse stops at its first one, and the caller parses the
/// file whole, which recovers from errors and repairs what it can. An error when the
/// deadline passes.
pub fn parse_piece(
    lang: Language,
    text: &str,
    start: PieceStart,
    end: usize,
    deadline: Instant,
    budget: Duration,
) -> Result<Option<Tree>, ParseError> {
    let end = end.min(text.len());
    // The end's position: the rows in the piece, and the end's column.
    let piece = &text.as_bytes()[start.byte.min(end)..end];
    let rows = crate::text::count_newlines(piece);
    let column = piece.len() - memchr::memrchr(b'\n', piece).map_or(0, |i| i + 1);
    let range = tree_sitter::Range {
        start_byte: start.byte,
        end_byte: end,
        start_point: tree_sitter::Point::new(start.row, 0),
        end_point: tree_sitter::Point::new(start.row + rows, column),
    };
    match parse_range(lang, text, range, false, deadline)? {
        RangeParse {
            tree: Some(tree), ..
        } if !tree.root_node().has_error() => Ok(Some(tree)),
        RangeParse {
            timed_out: true, ..
        } => Err(ParseError::TimedOut(budget)),
        _ => Ok(None),
    }
}

/// One parse with `parser`, cancelled once `deadline` passes.
fn parse_with(
    parser: &mut Parser,
    lang: Language,
    text: &str,
    old: Option<&Tree>,
    deadline: Instant,
    budget: Duration,
) -> Result<Tree, ParseError> {
    let mut timed_out = false;
    // Called by tree-sitter every 100 parse operations; returning true cancels.
    let mut over_budget = |_: &ParseState| {
        timed_out = Instant::now() >= deadline;
        timed_out
    };
    let bytes = text.as_bytes();
    let tree = parser.parse_with_options(
        &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
        old,
        Some(ParseOptions::new().progress_callback(&mut over_budget)),
    );
    match tree {
        Some(tree) => Ok(tree),
        None => {
            // A cancelled parse leaves its state behind for a resumed call; drop it.
            parser.reset();
            Err(if timed_out {
                ParseError::TimedOut(budget)
            } else {
                ParseError::NoTree(lang.name())
            })
        }
    }
}

/// The grammar's own tree for `text`, without any rewrite (for tests of the rewrites).
/// Why a file has no facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The parse ran past its budget and was cancelled: the file is skipped.
    TimedOut(Duration),
    /// The parser ended its process, or stayed silent past the hard deadline and was killed.
    Crashed(String),
    /// A panic in wtfcb's own code.
    Internal {
        phase: &'static str,
        message: String,
    },
    /// tree-sitter returned no tree, or the grammar did not load.
    NoTree(String),
    /// The parser process ran out of its per-file memory budget (bytes).
    OutOfMemory(u64),
    /// Left out before parsing: the content reads as generated or minified.
    Excluded(String),
}

impl Failure {
    /// The text for the report's `skipped` or `errors` entry.
    pub fn message(&self) -> String {
        match self {
            Failure::TimedOut(budget) => format!(
                "parse cancelled: it did not finish within {} (--parse-timeout)",
                seconds(*budget)
            ),
            Failure::Crashed(reason) => reason.clone(),
            Failure::Internal { phase, message } => {
                format!("internal error in {phase}: {message}; please report")
            }
            Failure::NoTree(reason) => reason.clone(),
            Failure::Excluded(reason) => reason.clone(),
            Failure::OutOfMemory(limit) => format!(
                "needs more memory than the per-file budget of {} MiB (--memory-per-file)",
                limit >> 20
            ),
        }
    }

    /// A timeout is a skip (the file is not analyzed, by a limit the user set); the rest are
    /// failures of the analysis, which make the run exit 2.
    pub fn is_skip(&self) -> bool {
        matches!(
            self,
            Failure::TimedOut(_) | Failure::OutOfMemory(_) | Failure::Excluded(_)
        )
    }
}

#[cfg(test)]
pub fn parse_raw(lang: Language, text: &str) -> Tree {
    let budget = ParseBudget::DEFAULT.for_size(text.len());
    parse_by(lang, text, None, Instant::now() + budget, budget).expect("parse")
}

/// Parses `text` under the default budget for its size.
pub fn parse(lang: Language, text: &str) -> Result<Tree, ParseError> {
    // Unit tests run on debug builds, often on a loaded machine: a megabyte that parses in a
    // second can take more than the budget there, and no test may hang on the clock. Tests of
    // the budget itself call `parse_within`.
    #[cfg(test)]
    let budget = Duration::from_secs(3600);
    #[cfg(not(test))]
    let budget = ParseBudget::DEFAULT.for_size(text.len());
    parse_within(lang, text, budget)
}

/// Faults that only debug builds can inject, so tests can prove that a parser which aborts,
/// spins or panics costs one file and not the run, without depending on today's grammar bugs.
/// They act only when `WTFCB_TEST_FAULTS=1` is set and the text holds a marker.
pub mod faults {
    pub const ABORT: &str = "WTFCB-TEST-FAULT-ABORT";
    pub const SPIN: &str = "WTFCB-TEST-FAULT-SPIN";
    pub const PANIC: &str = "WTFCB-TEST-FAULT-PANIC";

    #[cfg(debug_assertions)]
    pub fn inject(text: &str) {
        use std::sync::OnceLock;
        static ON: OnceLock<bool> = OnceLock::new();
        if !*ON.get_or_init(|| std::env::var_os("WTFCB_TEST_FAULTS").is_some_and(|v| v == "1")) {
            return;
        }
        if text.contains(ABORT) {
            eprintln!("test fault: aborting as asked");
            std::process::abort();
        }
        if text.contains(PANIC) {
            panic!("test fault: panicking as asked");
        }
        if text.contains(SPIN) {
            // Like a loop inside an external scanner: no progress callback ever fires.
            loop {
                std::hint::spin_loop();
            }
        }
    }

    #[cfg(not(debug_assertions))]
    #[inline(always)]
    pub fn inject(_: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node of a tree in preorder: kind, span, positions, and whether it is an error or
    /// missing.
    fn nodes(tree: &Tree) -> Vec<(u16, usize, usize, Point, Point, bool, bool)> {
        let mut out = Vec::new();
        let mut cursor = tree.walk();
        'walk: loop {
            let n = cursor.node();
            out.push((
                n.kind_id(),
                n.start_byte(),
                n.end_byte(),
                n.start_position(),
                n.end_position(),
                n.is_error(),
                n.is_missing(),
            ));
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            while cursor.goto_parent() {
                if cursor.goto_next_sibling() {
                    continue 'walk;
                }
            }
            return out;
        }
    }

    // The repairs' second parse reuses the first tree, told where the rewrite changed bytes:
    // it must read what a fresh parse of the rewrite reads. Random runs of ASCII bytes, line
    // ends included, become spaces in every language's fixture.
    // The edits' positions and runs, against stepping through the bytes one at a time.
    #[test]
    fn positions_and_shared_prefixes_match_a_byte_by_byte_count() {
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..2000 {
            let len = rng.usize(0..80);
            let a: Vec<u8> = (0..len).map(|_| *rng.choice(b"ab \n").unwrap()).collect();
            let mut b = a.clone();
            if len > 0 && rng.bool() {
                b[rng.usize(0..len)] = b'x';
            }
            let from = Point::new(rng.usize(0..5), rng.usize(0..9));
            let mut stepped = from;
            for &byte in &a {
                stepped = if byte == b'\n' {
                    Point::new(stepped.row + 1, 0)
                } else {
                    Point::new(stepped.row, stepped.column + 1)
                };
            }
            assert_eq!(
                advance(from, &a),
                stepped,
                "{:?}",
                String::from_utf8_lossy(&a)
            );
            let naive = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            assert_eq!(common_prefix(&a, &b), naive);
        }
    }

    #[test]
    fn a_reparse_told_of_the_rewrite_equals_a_fresh_parse() {
        let budget = Duration::from_secs(60);
        let parse = |lang, text: &str, old: Option<&Tree>| {
            parse_by(lang, text, old, Instant::now() + budget, budget).expect("parse")
        };
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for lang in Language::ALL {
            let file = match lang {
                Language::Python => "python.py",
                Language::JavaScript => "javascript.js",
                Language::TypeScript => "typescript.ts",
                Language::Tsx => "tsx.tsx",
                Language::Rust => "rust.rs",
                Language::Go => "go.go",
                Language::Java => "java.java",
                Language::C => "c.c",
                Language::Cpp => "cpp.cpp",
                Language::Ruby => "ruby.rb",
            };
            let path = format!("{}/../../fixtures/langs/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).expect("fixture");
            let first = parse(lang, &text, None);
            for round in 0..12 {
                let mut bytes = text.clone().into_bytes();
                for _ in 0..1 + round % 4 {
                    let at = (next() % bytes.len() as u64) as usize;
                    let len = (next() % 12) as usize;
                    for b in bytes.iter_mut().skip(at).take(len) {
                        if b.is_ascii() {
                            *b = b' ';
                        }
                    }
                }
                // Only ASCII bytes, whole characters, were replaced.
                let after = String::from_utf8(bytes).expect("UTF-8");
                let fresh = parse(lang, &after, None);
                let old = edited(&first, &text, &after);
                let reused = parse(lang, &after, old.as_ref());
                assert_eq!(nodes(&fresh), nodes(&reused), "{file}, round {round}");
            }
        }
        // Up to MAX_EDITS runs, the same tree again; past them, a fresh parse.
        let declarations = |n: usize| -> String {
            (0..n)
                .map(|i| format!("ARROW_EXPORT int f{i}(int a);\n"))
                .collect()
        };
        let text = declarations(MAX_EDITS);
        let after = text.replace("ARROW_EXPORT", "            ");
        let first = parse(Language::Cpp, &text, None);
        let old = edited(&first, &text, &after).expect("MAX_EDITS runs");
        let reused = parse(Language::Cpp, &after, Some(&old));
        assert_eq!(nodes(&parse(Language::Cpp, &after, None)), nodes(&reused));
        let text = declarations(MAX_EDITS + 1);
        let after = text.replace("ARROW_EXPORT", "            ");
        let first = parse(Language::Cpp, &text, None);
        assert!(edited(&first, &text, &after).is_none());
    }

    #[test]
    fn pieces_start_at_a_name_after_a_blank_line() {
        let at = |text: &str, size: usize| -> Vec<(usize, usize)> {
            piece_starts(Language::C, text, size)
                .iter()
                .map(|p| (p.byte, p.row))
                .collect()
        };
        let text = "a = 1\n\nb = 2\n\n\ndef f():\n    pass\n\n    x\n\n_c = 3\n";
        assert_eq!(at(text, 1), [(7, 2), (15, 5), (41, 10)]);
        // Each at least `size` bytes past the last, and never the first line.
        assert_eq!(at(text, 8), [(15, 5), (41, 10)]);
        assert_eq!(at(text, 1000), []);
        // Not before an operator, a bracket or a string, nor where no blank line comes first.
        assert_eq!(at("a\n\n(b)\n\n\"s\"\n\n+c\nd\n", 1), []);
        // Not after a decorator, an attribute, a directive or a comment, even with blank lines.
        let kept = "x\n\n@dec\n\ndef f(): pass\n\n#[test]\n\nfn t() {}\n\n// note\n\nfn u() {}\n\n/* a */\n\nfn v() {}\n";
        assert_eq!(at(kept, 1), []);
        // Blank lines may hold white space and carriage returns.
        assert_eq!(at("a\r\n \t\r\nb\r\n", 1), [(7, 2)]);
        // Where the language says what opens an item, only there: not at prose in a
        // docstring, and before a decorator rather than between it and its function.
        let python = "x = 1\n\nclass A:\n    \"\"\"Doc.\n\nProse at column 0.\n\"\"\"\n\n@dec\n\ndef f():\n    pass\n";
        let starts = piece_starts(Language::Python, python, 1);
        let lines: Vec<&str> = starts
            .iter()
            .map(|p| python[p.byte..].lines().next().unwrap())
            .collect();
        assert_eq!(lines, ["class A:", "@dec"]);
        assert_eq!(starts.iter().map(|p| p.row).collect::<Vec<_>>(), [2, 8]);
        // Nothing after Ruby's data section.
        assert_eq!(at("a\n\nb\n__END__\n\nc\n", 1), [(3, 2)]);
    }

    #[test]
    fn every_language_parses_a_trivial_file() {
        for lang in Language::ALL {
            let tree = parse(lang, "").unwrap();
            assert_eq!(tree.root_node().child_count(), 0, "{lang:?}");
        }
    }

    #[test]
    fn budget_grows_with_size_from_a_floor() {
        let b = ParseBudget {
            per_mib: Duration::from_secs(4),
        };
        assert_eq!(b.for_size(0), Duration::from_secs(4));
        assert_eq!(b.for_size(1024 * 1024), Duration::from_secs(4));
        assert_eq!(b.for_size(3 * 1024 * 1024), Duration::from_secs(12));
    }

    // tree-sitter's error recovery on `,-` repeated is quadratic in the file's length: without
    // a budget, 64 KiB of it takes minutes.
    #[test]
    fn quadratic_recovery_is_cancelled_at_the_budget() {
        let text = ",-".repeat(32 * 1024);
        let err = parse_within(Language::Python, &text, Duration::from_millis(300)).unwrap_err();
        assert!(matches!(err, ParseError::TimedOut(_)), "{err}");
        // The parser is usable again afterwards.
        let tree = parse(Language::Python, "x = 1\n").unwrap();
        assert!(!tree.root_node().has_error());
    }
}
