//! wtfcb-report: the report model and its formats, and baselines.

pub mod baseline;
pub mod report;
