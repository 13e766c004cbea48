//! CLI tests: the real `wtfcb` binary on fixtures and on temporary projects.

mod analyze;
mod config;
mod scan;
mod support;
