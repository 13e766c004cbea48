//! wtfcb-store: where results are kept: the local SQLite cache and the remote backends behind one Store trait.

pub mod cache;
pub mod remote;
