//! tree-sitter parsing with one `Parser` per language per worker thread, created on first use.

use std::cell::RefCell;

use tree_sitter::{Parser, Tree};

use crate::lang::Language;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("cannot load the {0} grammar: {1}")]
    Grammar(&'static str, String),
    #[error("the {0} parser gave up on this file")]
    NoTree(&'static str),
}

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 10]> = RefCell::new(Default::default());
}

/// Parses `text` with this thread's parser for `lang`.
pub fn parse(lang: Language, text: &str) -> Result<Tree, ParseError> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[lang.index()];
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&lang.grammar())
                .map_err(|e| ParseError::Grammar(lang.name(), e.to_string()))?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut().ok_or(ParseError::NoTree(lang.name()))?;
        parser
            .parse(text, None)
            .ok_or(ParseError::NoTree(lang.name()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_parses_a_trivial_file() {
        for lang in Language::ALL {
            let tree = parse(lang, "").unwrap();
            assert_eq!(tree.root_node().child_count(), 0, "{lang:?}");
        }
    }
}
