//! `import-cycle`: files that import each other, directly or through others. A project rule:
//! it runs on the resolved import graph once all files are read (see `project::graph`).

use super::{Rule, RuleMeta};
use crate::findings::{Category, Severity};

pub struct ImportCycle;

pub static META: RuleMeta = RuleMeta {
    id: "import-cycle",
    category: Category::Design,
    severity: Severity::Medium,
    summary: "files that import each other, directly or through other files",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::Project,
    languages: &[],
    kinds: &[],
    doc: "What: a strongly connected component of the import graph with more than one file: \
every file in it reaches every other through imports. Each component is reported once, at \
the import line of its first file (by path), with one shortest cycle through it as a witness \
and the import that lies on the most cycles as the suggested one to cut. Only imports that \
load code when the file loads count: TypeScript `import type` (or every name marked `type`) and dynamic `import()` are left \
out; `mod m;` in Rust is left out (Rust allows module cycles), and a cycle of Rust modules \
alone, or of Java classes alone, is `info` unless the config gives the rule another severity \
(modules of one crate may use each other at no cost, crates cannot form cycles, and Java class \
cycles are legal and load fine).\n\
Why: files in a cycle cannot be understood, tested or loaded one without the others; in \
Python and JavaScript a cycle can leave a name undefined at import time.\n\
Example: `a.py` imports `b`, `b.py` imports `c`, `c.py` imports `a`.\n\
Fix: move what both sides need into a third module, or invert the dependency at the \
suggested cut.",
};

impl Rule for ImportCycle {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
