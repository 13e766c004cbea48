//! `ignored-error`: a Go call whose error result is dropped. A project rule: whether a call
//! returns an error is known only once its callee's package is read (see
//! `project::go_errors`, on the facts `facts::golang` collects).

use super::{Rule, RuleMeta};
use crate::findings::{Category, Severity};
use crate::lang::Language;

pub struct IgnoredError;

pub static META: RuleMeta = RuleMeta {
    id: "ignored-error",
    category: Category::ErrorProne,
    severity: Severity::Medium,
    summary: "Go call whose error result is dropped: a bare call, or `v, _ :=`",
    thresholds: &[],
    graded: false,
    on_by_default: true,
    skips_tests: false,
    scope: super::Scope::Project,
    languages: &[Language::Go],
    kinds: &[],
    doc: "What: a call whose last result is an `error`, either as a statement of its own (`os.Remove(p)`) or assigned with `_` as its last target (`n, _ := strconv.Atoi(s)`). The callee's declaration decides: a function or method of the calling file's package (every method of that name in the package must return an error last), a function of an imported package of the project (by `go.mod`'s module path), or a function of Go's standard library (a table made from Go 1.19's source). A call it cannot place (a method of another package's type, a package outside the project) is not reported. As errcheck does by default, `fmt.Print*`, a lone `_ = f()` (a discard in plain sight) and `defer`/`go` calls are accepted; wider than errcheck (wtfcb sees no types, so cannot tell a `*bytes.Buffer` or a `sync.Once` from other values), so are every `fmt.Fprint*` and the methods `Write`, `WriteString`, `WriteByte`, `WriteRune`, `Do`, `Lock`, `Unlock`, `RLock`, `RUnlock`, `Add` and `Done`; unlike errcheck's defaults, `v, _ := f()` is reported (errcheck's `-blank`).\n\
Why: an ignored error lets the program continue with a zero value as if all went well.\n\
Example: `n, _ := strconv.Atoi(s)`; `os.Remove(tmp)`.\n\
Fix: check the error (`if err != nil { return err }`), or assign it to `_` alone and comment why it cannot fail.",
};

impl Rule for IgnoredError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
