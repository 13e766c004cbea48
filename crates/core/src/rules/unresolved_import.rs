//! `unresolved-import`: an import that should name a file of the project and names none.
//! A project rule, off by default (see `project::graph`).

use super::{Rule, RuleMeta};
use crate::findings::{Category, Severity};

pub struct UnresolvedImport;

pub static META: RuleMeta = RuleMeta {
    id: "unresolved-import",
    category: Category::ErrorProne,
    severity: Severity::Low,
    summary: "a relative or project import that names no file of the project",
    thresholds: &[],
    graded: false,
    on_by_default: false,
    skips_tests: false,
    scope: super::Scope::Project,
    languages: &[],
    kinds: &[],
    doc: "What: an import that is meant to name a file of the project (a relative Python or \
JavaScript import, a Rust `mod m;` or `crate::` path, a quoted C `#include`, a Ruby \
`require_relative`, a Go import under the module of `go.mod`) for which no file was found \
among the analyzed files. Imports of other packages are external and never reported.\n\
Why: the import fails at run time or build time, or it names a file that the run left out \
(an exclude, a size limit), so the import graph is incomplete there.\n\
Example: `from .util import x` in a package without `util.py`.\n\
Fix: correct the path, or add the missing file to the analysis.",
};

impl Rule for UnresolvedImport {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
