//! `import-contract`: an import that breaks a contract of the config's `[imports]` table
//! (`forbidden` pairs, `layers`). A project rule: it runs on the resolved import graph (see
//! `project::graph`).

use super::{Rule, RuleMeta};
use crate::findings::{Category, Severity};

pub struct ImportContract;

pub static META: RuleMeta = RuleMeta {
    id: "import-contract",
    category: Category::Design,
    severity: Severity::Medium,
    summary: "an import that the config's `[imports]` contracts (forbidden, layers) do not allow",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::Project,
    languages: &[],
    kinds: &[],
    doc: "What: an import that breaks a contract written in the config. \
`[[imports.forbidden]] from = \"src/domain\"` `to = \"src/web\"` (optional `reason`) forbids \
files under `from` to import files under `to` directly. `[imports] layers = [\"src/web\", \
\"src/service\", \"src/domain\"]` lists layers highest first: a layer may import the layers \
after it, never one before it, directly or through other files (import-linter's layers \
contract); each such chain is reported once per file of the higher layer it reaches, at its \
first import, with the rest of the chain as related places. Patterns are read as `exclude` \
patterns are, relative to the project root. Without contracts the rule finds nothing.\n\
Why: the structure a team decided on erodes one import at a time; a contract makes the \
decision checkable in CI.\n\
Example: `src/domain/order.py` imports `src/web/forms.py`.\n\
Fix: move the shared code down a layer, invert the dependency (an interface in the lower \
layer), or change the contract if the structure changed on purpose.",
};

impl Rule for ImportContract {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
