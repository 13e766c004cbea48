//! wtfcb-core: the per-file core: languages, reading, parsing, the fact pass, rules and findings, the walk.

pub mod alloc;
pub mod facts;
pub mod findings;
pub mod fsio;
pub mod lang;
pub mod mutate;
pub mod parse;
pub mod profile;
pub mod repair;
pub mod rules;
pub mod source;
pub mod text;
pub mod walk;
