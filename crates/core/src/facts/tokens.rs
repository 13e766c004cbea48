//! How clone detection reads a file: its leaf tokens, normalised by kind, with comments,
//! import statements and data tables (long runs of literals) left out. Collected during the
//! single pass (see `extract`), stored with the file's facts.

use crate::facts::field::Field;
use std::sync::OnceLock;

use tree_sitter::Node;

use super::Tokens;
use crate::lang::Language;

/// The normalised kind every identifier shares (Type-2 clones differ only in names).
pub const IDENTIFIER: u8 = u8::MAX;
/// The normalised kind of the rare leaf kinds past the first 254 of a grammar (named kinds
/// late in its symbol table, which are almost never leaves).
pub const OVERFLOW: u8 = u8::MAX - 1;

/// A data table is a run of at least this many literal and punctuation tokens in a row.
const DATA_RUN: usize = 40;

/// What a leaf token of one node kind is, for clone detection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Class {
    /// The normalised kind: [`IDENTIFIER`] for names, else a number of the grammar's own,
    /// one per keyword, operator and literal kind (see [`classes`]).
    pub norm: u8,
    /// A literal, or punctuation that separates literals: what a data table is made of.
    pub data: bool,
    /// A string literal: one token whatever its parts (quotes, fragments, escapes), so that
    /// `""` and `"x"` are the same kind and a run of strings is not a run of many tokens.
    pub string: bool,
    /// A literal value (a number, a string, `true`, `None`): what Type-2 copies may change.
    pub literal: bool,
}

/// The grammar whose kind names number a language's tokens. JavaScript, TypeScript and TSX
/// share TSX's (a superset of the others), C and C++ share C++'s, so a copy from a `.js` file
/// into a `.ts` one, or from C into C++, is found.
pub fn family(lang: Language) -> Language {
    match lang {
        Language::JavaScript | Language::TypeScript | Language::Tsx => Language::Tsx,
        Language::C | Language::Cpp => Language::Cpp,
        Language::Python | Language::Rust | Language::Go | Language::Java | Language::Ruby => lang,
    }
}

/// Per node kind id of a language, its token class (built once per process). Kinds are
/// numbered in one byte by name, in the order of the language family's grammar (see
/// [`family`]): its anonymous kinds (keywords, operators, punctuation: at most 196 in any
/// grammar here) first, then its named kinds in symbol order, where the named tokens
/// (numbers, strings) come before the rules; the few past 254 share [`OVERFLOW`].
pub fn classes(lang: Language) -> &'static [Class] {
    static TABLES: [OnceLock<Vec<Class>>; Language::ALL.len()] =
        [const { OnceLock::new() }; Language::ALL.len()];
    TABLES[lang.index()].get_or_init(|| {
        let numbers = family_numbers(family(lang));
        let grammar = lang.grammar();
        (0..grammar.node_kind_count() as u16)
            .map(|id| {
                let kind = grammar.node_kind_for_id(id).unwrap_or("");
                let named = grammar.node_kind_is_named(id);
                let number = numbers.get(&(named, kind)).copied().unwrap_or(OVERFLOW);
                classify(kind, named, number)
            })
            .collect()
    })
}

/// Per normalised kind of a language's family, whether it is a name or a literal value: the
/// tokens whose text tells a copy from code of the same shape (see `clones::names_alike`).
pub fn named_or_literal(lang: Language) -> &'static [bool; 256] {
    static TABLES: [OnceLock<[bool; 256]>; Language::ALL.len()] =
        [const { OnceLock::new() }; Language::ALL.len()];
    let base = family(lang);
    TABLES[base.index()].get_or_init(|| {
        let mut table = [false; 256];
        table[usize::from(IDENTIFIER)] = true;
        for class in classes(base).iter().filter(|c| c.literal) {
            table[usize::from(class.norm)] = true;
        }
        table[usize::from(OVERFLOW)] = false;
        table
    })
}

/// The number of each (named, kind name) of a family's grammar (built once per process: the
/// languages of a family share it).
fn family_numbers(base: Language) -> &'static std::collections::HashMap<(bool, &'static str), u8> {
    static TABLES: [OnceLock<std::collections::HashMap<(bool, &'static str), u8>>;
        Language::ALL.len()] = [const { OnceLock::new() }; Language::ALL.len()];
    TABLES[base.index()].get_or_init(|| numbers_of(base))
}

fn numbers_of(base: Language) -> std::collections::HashMap<(bool, &'static str), u8> {
    let grammar = base.grammar();
    let count = grammar.node_kind_count() as u16;
    let visible = |id: &u16| grammar.node_kind_is_visible(*id);
    let anonymous = (0..count)
        .filter(visible)
        .filter(|&id| !grammar.node_kind_is_named(id));
    let named = (0..count)
        .filter(visible)
        .filter(|&id| grammar.node_kind_is_named(id));
    let mut numbers = std::collections::HashMap::new();
    let mut next = 0u8;
    for id in anonymous.chain(named) {
        let kind = grammar.node_kind_for_id(id).unwrap_or("");
        let named = grammar.node_kind_is_named(id);
        let key = (named, kind);
        if numbers.contains_key(&key) || is_identifier(kind, named) {
            continue; // An alias of a kind already numbered, or an identifier.
        }
        numbers.insert(key, next);
        next = next.saturating_add(1).min(OVERFLOW);
    }
    numbers
}

/// Whether a kind is a name: the tokens clone detection reads as one kind, `IDENTIFIER`.
fn is_identifier(kind: &str, named: bool) -> bool {
    const NAMES: [&str; 8] = [
        "name",
        "constant",
        "self",
        "this",
        "super",
        "instance_variable",
        "class_variable",
        "global_variable",
    ];
    named && (kind.ends_with("identifier") || NAMES.contains(&kind))
}

/// The words whose presence in a named kind's name, in any case, makes it a literal.
const LITERALS: [&str; 14] = [
    "string", "integer", "float", "number", "char", "literal", "escape", "heredoc", "rune", "true",
    "false", "null", "nil", "none",
];

/// Whether `kind` holds one of [`LITERALS`] in any case of its letters. Compared only where a
/// byte is one a literal word starts with: lowering a copy and a substring search per word
/// cost about 2,000 instructions a kind, times every kind of each grammar.
fn names_a_literal(kind: &str) -> bool {
    // Per byte, the words of `LITERALS` that start with it (bit i for word i).
    const STARTS: [u16; 256] = {
        let mut starts = [0u16; 256];
        let mut i = 0;
        while i < LITERALS.len() {
            starts[LITERALS[i].as_bytes()[0] as usize] |= 1 << i;
            i += 1;
        }
        starts
    };
    let bytes = kind.as_bytes();
    (0..bytes.len()).any(|at| {
        let mut words = STARTS[usize::from(bytes[at].to_ascii_lowercase())];
        while words != 0 {
            let word = LITERALS[words.trailing_zeros() as usize].as_bytes();
            if bytes
                .get(at..at + word.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(word))
            {
                return true;
            }
            words &= words - 1;
        }
        false
    })
}

/// The class of one kind; `number` is its number unless it is an identifier.
fn classify(kind: &str, named: bool, number: u8) -> Class {
    const SEPARATORS: [&str; 13] = [
        ",", ";", ":", "(", ")", "[", "]", "{", "}", "\"", "'", "-", "`",
    ];
    const STRINGS: [&str; 10] = [
        "string",
        "string_literal",
        "interpreted_string_literal",
        "raw_string_literal",
        "template_string",
        "char_literal",
        "character_literal",
        "text_block",
        "concatenated_string",
        "heredoc_body",
    ];
    if is_identifier(kind, named) {
        return Class {
            norm: IDENTIFIER,
            data: false,
            string: false,
            literal: false,
        };
    }
    let literal = named && names_a_literal(kind);
    Class {
        norm: number,
        data: literal || (!named && SEPARATORS.contains(&kind)),
        string: named && STRINGS.contains(&kind),
        literal: literal || (named && STRINGS.contains(&kind)),
    }
}

/// Whether a node is an import, `use`, `#include` or re-export statement, whose tokens are
/// not clone material (identical import blocks are not duplicated logic).
pub fn is_import_statement(node: Node) -> bool {
    match node.kind_name() {
        "export_statement" => node.field("source").is_some(),
        "mod_item" => node.field("body").is_none(),
        _ => true,
    }
}

impl Tokens {
    /// Appends a leaf token; a data table that the token ends is dropped first.
    pub fn push(&mut self, class: Class, text: &str, line: u32) {
        if class.data {
            self.data_run += 1;
        } else {
            self.drop_data_tables();
        }
        if self.lines.last().is_none_or(|&(_, l)| l < line) {
            self.lines.push((self.kinds.len() as u32, line));
        }
        self.kinds.push(class.norm);
        self.texts.push(text_hash(text));
    }

    /// Drops the data table the tokens end with, if they do; called at the end of the file.
    pub fn drop_data_tables(&mut self) {
        if self.data_run >= DATA_RUN {
            let keep = self.kinds.len() - self.data_run;
            self.kinds.truncate(keep);
            self.texts.truncate(keep);
            while self.lines.last().is_some_and(|&(i, _)| i as usize >= keep) {
                self.lines.pop();
            }
        }
        self.data_run = 0;
    }

    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// A 64-bit digest of the kinds, texts and lines (FNV-1a over their bytes).
    pub fn digest(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |b: u8| {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        };
        for &k in &self.kinds {
            eat(k);
        }
        for t in &self.texts {
            t.to_le_bytes().into_iter().for_each(&mut eat);
        }
        for (i, l) in &self.lines {
            i.to_le_bytes().into_iter().for_each(&mut eat);
            l.to_le_bytes().into_iter().for_each(&mut eat);
        }
        h
    }

    /// The line token `i` starts on.
    pub fn line_of(&self, i: usize) -> u32 {
        let at = self
            .lines
            .partition_point(|&(first, _)| first as usize <= i);
        at.checked_sub(1).map_or(0, |at| self.lines[at].1)
    }

    /// Token `i` as compared: its kind, or with `exact` its kind and text hash.
    #[inline]
    pub fn value(&self, i: usize, exact: bool) -> u32 {
        let kind = u32::from(self.kinds[i]) << 16;
        if exact {
            kind | u32::from(self.texts.get(i).copied().unwrap_or(0))
        } else {
            kind
        }
    }

    /// Keeps what a run needs in memory: nothing when no clone detection runs, else the
    /// kinds, the text hashes (both modes read them) and the lines.
    pub fn retain(&mut self, need: Need) {
        match need {
            Need::Nothing => *self = Tokens::default(),
            Need::All => {
                self.kinds.shrink_to_fit();
                self.texts.shrink_to_fit();
                self.lines.shrink_to_fit();
            }
        }
    }
}

/// What of the tokens a run keeps in memory (see [`Tokens::retain`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Need {
    Nothing,
    #[default]
    All,
}

/// Stored packed: the kinds as bytes, the texts as little-endian byte pairs, the line table
/// as varint deltas (about 3 bytes a token and 2 a line, where plain bincode took 5 and 6).
impl bincode::Encode for Tokens {
    fn encode<E: bincode::enc::Encoder>(
        &self,
        encoder: &mut E,
    ) -> Result<(), bincode::error::EncodeError> {
        let texts: Vec<u8> = self.texts.iter().flat_map(|t| t.to_le_bytes()).collect();
        let mut lines = Vec::with_capacity(self.lines.len() * 2);
        let mut last = (0u32, 0u32);
        for &(i, l) in &self.lines {
            put_varint(&mut lines, i.wrapping_sub(last.0));
            put_varint(&mut lines, l.wrapping_sub(last.1));
            last = (i, l);
        }
        bincode::Encode::encode(&(&self.kinds, &texts, &lines), encoder)
    }
}

impl<Context> bincode::Decode<Context> for Tokens {
    fn decode<D: bincode::de::Decoder<Context = Context>>(
        decoder: &mut D,
    ) -> Result<Self, bincode::error::DecodeError> {
        let bad = |what: &'static str| bincode::error::DecodeError::Other(what);
        let (kinds, texts, packed): (Vec<u8>, Vec<u8>, Vec<u8>) = bincode::Decode::decode(decoder)?;
        if !texts.is_empty() && texts.len() != kinds.len() * 2 {
            return Err(bad("clone tokens: texts do not match kinds"));
        }
        let texts = texts
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        let mut lines = Vec::new();
        let mut at = 0;
        let mut last: Option<(u32, u32)> = None;
        while at < packed.len() {
            let di = take_varint(&packed, &mut at).ok_or(bad("clone tokens: bad line table"))?;
            let dl = take_varint(&packed, &mut at).ok_or(bad("clone tokens: bad line table"))?;
            let (i, l) = match last {
                None => (di, dl),
                Some((i, l)) => (
                    i.checked_add(di)
                        .ok_or(bad("clone tokens: bad line table"))?,
                    l.checked_add(dl)
                        .ok_or(bad("clone tokens: bad line table"))?,
                ),
            };
            // Strictly increasing, inside the tokens: what `line_of` relies on.
            if last.is_some() && (di == 0 || dl == 0) || i as usize >= kinds.len() {
                return Err(bad("clone tokens: bad line table"));
            }
            lines.push((i, l));
            last = Some((i, l));
        }
        if lines.first().is_some_and(|&(i, _)| i != 0) || (lines.is_empty() && !kinds.is_empty()) {
            return Err(bad("clone tokens: bad line table"));
        }
        Ok(Tokens {
            kinds,
            texts,
            lines,
            data_run: 0,
        })
    }
}

bincode::impl_borrow_decode!(Tokens);

fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn take_varint(bytes: &[u8], at: &mut usize) -> Option<u32> {
    let mut v: u32 = 0;
    for shift in (0..35).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        v |= u32::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// 16 bits of FNV-1a over the text (folded): what tells `a` from `b` in `--duplicates exact`.
fn text_hash(text: &str) -> u16 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in text.as_bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h ^ (h >> 16)) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    // The search by first letters finds what lowering the name and searching it for each word
    // finds, on every kind name of every grammar and on names in other cases.
    #[test]
    fn literal_words_are_found_in_any_case_as_a_substring_search_finds_them() {
        let slow = |kind: &str| {
            let lower = kind.to_ascii_lowercase();
            LITERALS.iter().any(|l| lower.contains(l))
        };
        let mut kinds: Vec<String> = [
            "",
            "n",
            "nul",
            "NULL",
            "xNoNex",
            "StringLit",
            "é_true",
            "rune",
        ]
        .map(String::from)
        .to_vec();
        for lang in Language::ALL {
            let grammar = lang.grammar();
            for id in 0..grammar.node_kind_count() as u16 {
                let kind = grammar.node_kind_for_id(id).unwrap_or("");
                kinds.push(kind.to_string());
                kinds.push(kind.to_ascii_uppercase());
            }
        }
        let mut literal = 0;
        for kind in &kinds {
            assert_eq!(names_a_literal(kind), slow(kind), "{kind:?}");
            literal += usize::from(slow(kind));
        }
        assert!(
            literal > 100 && literal < kinds.len(),
            "{literal} of {}",
            kinds.len()
        );
    }

    // Every kind of every grammar: a name reads as `IDENTIFIER`; any other visible kind has the
    // number of its family's kind of the same name, one number per name (up to `OVERFLOW`).
    #[test]
    fn kinds_are_numbered_once_per_name_across_a_family() {
        for lang in Language::ALL {
            let grammar = lang.grammar();
            let numbers = family_numbers(family(lang));
            let mut seen: std::collections::HashMap<u8, (bool, &str)> = Default::default();
            for (id, class) in classes(lang).iter().enumerate() {
                let id = u16::try_from(id).expect("a kind id");
                let kind = grammar.node_kind_for_id(id).unwrap_or("");
                let named = grammar.node_kind_is_named(id);
                assert_eq!(
                    class.norm == IDENTIFIER,
                    is_identifier(kind, named),
                    "{kind}"
                );
                if class.norm == IDENTIFIER || class.norm == OVERFLOW {
                    continue;
                }
                let name = (named, kind);
                assert_eq!(*seen.entry(class.norm).or_insert(name), name, "{lang:?}");
                assert_eq!(numbers.get(&name), Some(&class.norm), "{kind}");
            }
            assert!(seen.len() > 20, "{lang:?} numbers its kinds");
        }
    }
}
