//! Other tools' suppression comments for the checks wtfcb shares with them: golangci-lint's
//! `//nolint`, ruff's and flake8's `# noqa`, ESLint's `eslint-disable` family and RuboCop's
//! `rubocop:disable`, read as suppressions of the wtfcb rules they stand for, as ruff honours
//! flake8's codes. A team that already silenced a check does not get it back from wtfcb.
//! `--no-peer-suppressions` turns them off.

use super::Suppression;
use crate::lang::Language;

/// Each peer check and the wtfcb rules it stands for.
const GO: &[(&str, &[&str])] = &[
    ("gocyclo", &["complex-function"]),
    ("cyclop", &["complex-function"]),
    ("gocognit", &["cognitive-complexity"]),
    ("errcheck", &["ignored-error"]),
    ("funlen", &["long-function"]),
    ("nestif", &["deep-nesting"]),
    ("godox", &["todo-comment"]),
];

const PYTHON: &[(&str, &[&str])] = &[
    ("C901", &["complex-function"]),
    ("PLR0912", &["complex-function"]),
    ("PLR0913", &["too-many-parameters"]),
    ("PLR0917", &["too-many-parameters"]),
    ("PLR0915", &["long-function"]),
    ("S307", &["eval-exec"]),
    ("S102", &["eval-exec"]),
    ("E722", &["bare-except"]),
    ("BLE001", &["broad-except"]),
    ("T201", &["print-call"]),
    ("T203", &["print-call"]),
    ("T100", &["debugger-statement"]),
    ("B006", &["mutable-default-argument"]),
    ("F403", &["star-import"]),
    ("S101", &["assert-outside-tests"]),
    ("FIX002", &["todo-comment"]),
];

const SCRIPT: &[(&str, &[&str])] = &[
    ("complexity", &["complex-function"]),
    ("sonarjs/cognitive-complexity", &["cognitive-complexity"]),
    ("max-params", &["too-many-parameters"]),
    ("@typescript-eslint/max-params", &["too-many-parameters"]),
    ("max-lines-per-function", &["long-function"]),
    ("max-depth", &["deep-nesting"]),
    ("max-lines", &["large-file"]),
    ("no-eval", &["eval-exec"]),
    ("no-new-func", &["eval-exec"]),
    ("no-implied-eval", &["eval-exec"]),
    ("no-console", &["console-call"]),
    ("no-debugger", &["debugger-statement"]),
    ("eqeqeq", &["loose-equality"]),
    ("no-var", &["var-declaration"]),
    ("@typescript-eslint/no-explicit-any", &["explicit-any"]),
    (
        "@typescript-eslint/no-non-null-assertion",
        &["non-null-assertion"],
    ),
    ("no-empty", &["empty-block"]),
    ("no-empty-function", &["empty-block"]),
    ("@typescript-eslint/no-empty-function", &["empty-block"]),
    ("no-warning-comments", &["todo-comment"]),
];

const RUBY: &[(&str, &[&str])] = &[
    ("Metrics/CyclomaticComplexity", &["complex-function"]),
    ("Metrics/PerceivedComplexity", &["cognitive-complexity"]),
    ("Metrics/ParameterLists", &["too-many-parameters"]),
    ("Metrics/MethodLength", &["long-function"]),
    ("Metrics/ClassLength", &["god-class"]),
    ("Metrics/ModuleLength", &["god-class"]),
    ("Metrics/BlockNesting", &["deep-nesting"]),
    ("Security/Eval", &["eval-exec"]),
    ("Lint/Debugger", &["debugger-statement"]),
    ("Lint/SuppressedException", &["empty-block"]),
    ("Style/EvalWithLocation", &["eval-exec"]),
];

/// Clippy's lints that are checks of wtfcb's, as `#[allow(clippy::...)]` names them.
const CLIPPY: &[(&str, &[&str])] = &[
    ("clippy::cognitive_complexity", &["cognitive-complexity"]),
    ("clippy::too_many_arguments", &["too-many-parameters"]),
    ("clippy::too_many_lines", &["long-function"]),
    ("clippy::excessive_nesting", &["deep-nesting"]),
    ("clippy::unwrap_used", &["unwrap-call"]),
    ("clippy::panic", &["panic-call"]),
    ("clippy::todo", &["todo-macro"]),
];

/// A Rust `#[allow(clippy::...)]` or `#[expect(...)]` naming checks of wtfcb's: a suppression
/// of the item it stands on (to the end of that item), or, as an inner attribute
/// (`#![allow(...)]`) of the module file, of the whole file.
pub fn rust_attribute(node: tree_sitter::Node, src: &str) -> Option<Suppression> {
    use crate::facts::field::Field;
    let text = src.get(node.byte_range())?;
    if !text.contains("clippy::") {
        return None;
    }
    let inner = text.trim_start_matches(['#', '!', '[', ' ']);
    let list = inner
        .strip_prefix("allow(")
        .or_else(|| inner.strip_prefix("expect("))?;
    let list = &list[..list.find(')')?];
    let mut rules: Vec<String> = list
        .split(',')
        .map(|l| l.split_whitespace().collect::<String>())
        .flat_map(|lint| {
            CLIPPY
                .iter()
                .filter(move |(peer, _)| *peer == lint)
                .flat_map(|(_, ours)| ours.iter().map(|r| r.to_string()))
        })
        .collect();
    if rules.is_empty() {
        return None;
    }
    rules.sort();
    rules.dedup();
    let line = node.start_position().row as u32 + 1;
    let mut s = Suppression {
        line,
        column: node.start_position().column as u32 + 1,
        file_wide: false,
        rules,
        peer: true,
        until: 0,
    };
    if node.kind_name() == "inner_attribute_item" {
        match node.parent() {
            Some(p) if p.kind_name() != "source_file" => {
                s.line = p.start_position().row as u32 + 1;
                s.until = p.end_position().row as u32 + 1;
            }
            _ => s.file_wide = true,
        }
        return Some(s);
    }
    // The item the attribute stands on: the next sibling that is neither an attribute nor a
    // comment.
    let mut next = node.next_named_sibling();
    while let Some(n) = next {
        if !matches!(
            n.kind_name(),
            "attribute_item" | "line_comment" | "block_comment"
        ) {
            break;
        }
        next = n.next_named_sibling();
    }
    s.until = next.map_or(line, |n| n.end_position().row as u32 + 1);
    Some(s)
}

/// The peer checks of a language and what each stands for (for the README's table and tests).
pub fn table(lang: Language) -> &'static [(&'static str, &'static [&'static str])] {
    match lang {
        Language::Go => GO,
        Language::Python => PYTHON,
        Language::JavaScript | Language::TypeScript | Language::Tsx => SCRIPT,
        Language::Ruby => RUBY,
        Language::Rust => CLIPPY,
        Language::Java | Language::C | Language::Cpp => &[],
    }
}

/// What a peer directive reaches.
pub enum Reach {
    /// Its own line and the next (`//nolint` above a declaration, `eslint-disable-next-line`).
    Line,
    /// From its line to the end of the file, or to the matching enable comment (a region).
    Region,
    /// The whole file (`# flake8: noqa`, `# ruff: noqa: F403`).
    File,
}

/// The marker a comment of `lang` must hold for [`parse`] to find anything: one substring
/// search per comment, no more.
pub fn marker(lang: Language) -> Option<&'static str> {
    match lang {
        Language::Go => Some("nolint"),
        Language::Python => Some("noqa"),
        Language::JavaScript | Language::TypeScript | Language::Tsx => Some("eslint-"),
        Language::Ruby => Some("rubocop:"),
        Language::Rust | Language::Java | Language::C | Language::Cpp => None,
    }
}

/// Whether a comment holds its language's peer marker (see [`marker`]), found by a searcher
/// built once per language and process rather than once per comment.
pub fn mentions_marker(lang: Language, comment: &[u8]) -> bool {
    type Finders = [Option<memchr::memmem::Finder<'static>>; Language::ALL.len()];
    static FINDERS: std::sync::OnceLock<Finders> = std::sync::OnceLock::new();
    let finders =
        FINDERS.get_or_init(|| Language::ALL.map(|l| marker(l).map(memchr::memmem::Finder::new)));
    finders[lang.index()]
        .as_ref()
        .is_some_and(|f| f.find(comment).is_some())
}

/// The wtfcb rules a list of peer codes stands for; `None` when it names none of them (then
/// the comment silences nothing of wtfcb's), `Some(empty)` for "every check".
fn rules_of(lang: Language, codes: &[&str]) -> Option<Vec<String>> {
    if codes.is_empty() || codes.iter().any(|c| c.eq_ignore_ascii_case("all")) {
        return Some(Vec::new());
    }
    let mut rules: Vec<String> = codes
        .iter()
        .flat_map(|code| {
            table(lang)
                .iter()
                .filter(move |(peer, _)| peer.eq_ignore_ascii_case(code))
                .flat_map(|(_, ours)| ours.iter().map(|r| r.to_string()))
        })
        .collect();
    rules.sort();
    rules.dedup();
    (!rules.is_empty()).then_some(rules)
}

/// The codes a comment lists (split at commas and white space, a block comment's end left out).
fn codes_in(list: &str) -> Vec<String> {
    list.split([',', ' ', '\t'])
        .map(|c| c.trim().trim_end_matches("*/").trim())
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// What a directive says: its codes, its reach, and whether it closes a region.
type Said = (Vec<String>, Reach, bool);

/// golangci-lint: `//nolint`, `//nolint:a,b // why`; `before` is the comment up to the marker.
fn go(before: &str, rest: &str) -> Option<Said> {
    if !before.trim_end().ends_with("//") {
        return None;
    }
    match rest.strip_prefix(':') {
        Some(list) => {
            let list = list.split("//").next().unwrap_or("");
            let list = list.split_whitespace().next().unwrap_or("");
            Some((codes_in(list), Reach::Line, false))
        }
        None if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
            Some((Vec::new(), Reach::Line, false))
        }
        None => None,
    }
}

/// ruff and flake8: `# noqa`, `# noqa: C901, PLR0913`; for the whole file, `# flake8: noqa`
/// and `# ruff: noqa` (with or without codes).
fn python(before: &str, rest: &str) -> Option<Said> {
    let head = before.trim_end();
    let file_level = ["flake8:", "ruff:"].iter().find_map(|tool| {
        let hash = head.strip_suffix(tool)?.trim_end();
        hash.ends_with('#').then_some(())
    });
    if file_level.is_some() {
        let codes = match rest.trim_start().strip_prefix(':') {
            Some(list) => codes_in(list.split('#').next().unwrap_or("")),
            // Every check of the peer's, so every rule of wtfcb's that stands for one (not
            // those the peer has no check for, such as duplicate code).
            None if rest.trim().is_empty() => PYTHON.iter().map(|(c, _)| c.to_string()).collect(),
            None => return None,
        };
        return Some((codes, Reach::File, false));
    }
    if !head.ends_with('#') {
        return None;
    }
    match rest.trim_start().strip_prefix(':') {
        Some(list) => Some((
            codes_in(list.split('#').next().unwrap_or("")),
            Reach::Line,
            false,
        )),
        None if rest.trim().is_empty() => Some((Vec::new(), Reach::Line, false)),
        None => None,
    }
}

/// ESLint: `eslint-disable-next-line`, `eslint-disable-line`, `eslint-disable` ...
/// `eslint-enable`, each with an optional list and `-- why`.
fn script(rest: &str) -> Option<Said> {
    let forms = [
        ("disable-next-line", Reach::Line, false),
        ("disable-line", Reach::Line, false),
        ("disable", Reach::Region, false),
        ("enable", Reach::Region, true),
    ];
    let (list, reach, enable) = forms
        .into_iter()
        .find_map(|(form, reach, enable)| Some((rest.strip_prefix(form)?, reach, enable)))?;
    if !(list.is_empty() || list.starts_with(char::is_whitespace)) {
        return None;
    }
    Some((
        codes_in(list.split("--").next().unwrap_or("")),
        reach,
        enable,
    ))
}

/// RuboCop: `rubocop:disable A/B, C/D` (or `todo`), `rubocop:enable ...`: a region when the
/// comment has a line of its own, else its line.
fn ruby(rest: &str, own_line: bool) -> Option<Said> {
    let (enable, list) = [("disable", false), ("todo", false), ("enable", true)]
        .into_iter()
        .find_map(|(form, enable)| Some((enable, rest.strip_prefix(form)?)))?;
    let reach = if own_line { Reach::Region } else { Reach::Line };
    Some((codes_in(list), reach, enable))
}

/// A peer directive in one comment line (`line`, at 1-based row `row`); `own_line` says the
/// comment is the first thing on its line (RuboCop then disables a region). An `enable`
/// directive comes back with `true`, to close a region.
pub fn parse(
    lang: Language,
    line: &str,
    row: u32,
    own_line: bool,
) -> Option<(Suppression, Reach, bool)> {
    let marker = marker(lang)?;
    let at = line.find(marker)?;
    let (before, rest) = (&line[..at], &line[at + marker.len()..]);
    let (codes, reach, enable) = match lang {
        Language::Go => go(before, rest)?,
        Language::Python => python(before, rest)?,
        Language::JavaScript | Language::TypeScript | Language::Tsx => script(rest)?,
        Language::Ruby => ruby(rest, own_line)?,
        Language::Rust | Language::Java | Language::C | Language::Cpp => return None,
    };
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    let rules = rules_of(lang, &codes)?;
    Some((
        Suppression {
            line: row,
            column: (at + 1) as u32,
            file_wide: matches!(reach, Reach::File),
            rules,
            peer: true,
            until: 0,
        },
        reach,
        enable,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(lang: Language, line: &str) -> Option<Vec<String>> {
        parse(lang, line, 1, true).map(|(s, _, _)| s.rules)
    }

    #[test]
    fn each_peer_comment_reads_as_the_rules_it_stands_for() {
        let none: Vec<String> = Vec::new();
        assert_eq!(
            rules(Language::Go, "//nolint:gocyclo,errcheck // legacy"),
            Some(vec!["complex-function".into(), "ignored-error".into()])
        );
        assert_eq!(rules(Language::Go, "//nolint"), Some(none.clone()));
        assert_eq!(
            rules(Language::Go, "//nolint:lll"),
            None,
            "no check of ours"
        );
        assert_eq!(rules(Language::Go, "// see nolinting"), None);
        assert_eq!(
            rules(Language::Python, "# noqa: C901, PLR0913"),
            Some(vec![
                "complex-function".into(),
                "too-many-parameters".into()
            ])
        );
        assert_eq!(rules(Language::Python, "# noqa"), Some(none.clone()));
        assert_eq!(rules(Language::Python, "# noqa: E501"), None);
        // File-level forms (asyncio's `__init__.py` says `# flake8: noqa`).
        let file = |line: &str| parse(Language::Python, line, 3, true).map(|(s, _, _)| s);
        let all = file("# flake8: noqa").unwrap();
        assert!(all.file_wide && all.rules.contains(&"star-import".to_string()));
        assert!(!all.rules.contains(&"duplicate-code".to_string()));
        let star = file("# ruff: noqa: F403").unwrap();
        assert!(star.file_wide);
        assert_eq!(star.rules, ["star-import"]);
        assert!(file("# flake8: noqa-ish").is_none());
        assert_eq!(
            rules(
                Language::JavaScript,
                "// eslint-disable-next-line complexity, max-params -- legacy"
            ),
            Some(vec![
                "complex-function".into(),
                "too-many-parameters".into()
            ])
        );
        assert_eq!(
            rules(Language::TypeScript, "/* eslint-disable */"),
            Some(none.clone())
        );
        assert_eq!(rules(Language::Tsx, "// eslint-disabled"), None);
        assert_eq!(
            rules(
                Language::Ruby,
                "# rubocop:disable Metrics/CyclomaticComplexity, Metrics/MethodLength"
            ),
            Some(vec!["complex-function".into(), "long-function".into()])
        );
        assert_eq!(rules(Language::Ruby, "# rubocop:disable all"), Some(none));
        assert!(parse(
            Language::Ruby,
            "# rubocop:enable Metrics/MethodLength",
            9,
            true
        )
        .is_some_and(|(_, _, enable)| enable));
        assert_eq!(rules(Language::Rust, "// nolint"), None);
    }

    #[test]
    fn every_peer_check_stands_for_rules_that_exist() {
        for lang in Language::ALL {
            for (peer, ours) in table(lang) {
                for id in *ours {
                    assert!(crate::rules::find(id).is_some(), "{peer} → {id}");
                }
            }
        }
    }
}
