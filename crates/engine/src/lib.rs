//! wtfcb-engine: the per-file pipeline over all files: parser worker processes, the cache tiers, parallelism.

pub mod engine;
pub mod isolate;
