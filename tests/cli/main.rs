//! CLI tests: the real `wtfcb` binary on fixtures and on temporary projects.

mod analyze;
mod baseline;
mod bench;
mod browser;
mod cache;
mod config;
mod core;
mod history;
mod isolation;
mod lsp;
mod newcode;
mod precommit;
mod project;
#[cfg(feature = "remote")]
mod remote;
mod reports;
mod safety;
mod scan;
mod serve;
mod shard;
mod support;
mod warm;
mod watch;
