//! wtfcb-project: the cross-file analyses on cached facts: duplicates, the import graph, contracts.

pub mod project;
