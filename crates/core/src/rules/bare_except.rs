//! `bare-except`: python `except:` with no exception type.

use super::{NodeView, Rule, RuleMeta};
use crate::facts::field::Field;
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct BareExcept;

static META: RuleMeta = RuleMeta {
    id: "bare-except",
    category: Category::ErrorProne,
    severity: Severity::Medium,
    summary: "Python `except:` with no exception type",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::File,
    languages: &[Language::Python],
    kinds: &[
        (Language::Python, &["except_clause"]),
    ],
    doc: "What: an `except:` clause that names no exception type, unless its block re-raises (a bare `raise` among its statements: cleanup, then everything goes on up).\n\
Why: it also catches KeyboardInterrupt, SystemExit and GeneratorExit, so Ctrl-C and clean shutdown stop working and real bugs vanish silently.\n\
Example: `try: load() except: pass`.\n\
Fix: catch the exceptions you expect (`except (OSError, ValueError):`), or `except Exception:` if you must catch all errors.",
};

impl Rule for BareExcept {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn inspect(&self, view: &NodeView) -> Option<String> {
        let typed = view
            .code_children(view.node)
            .any(|c| c.kind_name() != "block");
        // `except: cleanup(); raise` lets everything through after cleaning up (ruff's E722
        // accepts it too).
        let reraises = view
            .code_children(view.node)
            .filter(|c| c.kind_name() == "block")
            .flat_map(|block| view.code_children(block))
            .any(|stmt| stmt.kind_name() == "raise_statement" && view.text(stmt).trim() == "raise");
        (!typed && !reraises)
            .then(|| "bare `except:` also catches KeyboardInterrupt and SystemExit".to_string())
    }
}
