//! `ignored-error` on the facts of every Go file: a dropped call result is an error when the
//! callee's declaration says so. The callee is found by name in the calling file's package (the
//! Go files of its directory), in an imported package of the project (by the module path of
//! `go.mod`), or in Go's standard library (`facts/go_std_errors.txt`). A call wtfcb cannot
//! place (a method of another package's type, a function of a package outside the project)
//! is not reported: the rule reports only errors it can see.

use std::collections::HashMap;

use super::{project_finding, Analyzed, CrossFileRule, Inputs, ProjectRun};
use wtfcb_core::facts::golang::{std_returns_error, Callee, GoDrop};
use wtfcb_core::rules::RuleMeta;

/// What one package declares: per function name, and per method name, whether its last
/// result is `error` (for a method, whether every method of that name in the package says so).
#[derive(Default)]
struct Declared {
    funcs: HashMap<String, bool>,
    methods: HashMap<String, bool>,
}

/// `ignored-error`: Go calls that drop an error their callee's declaration returns.
pub struct IgnoredError;

impl CrossFileRule for IgnoredError {
    fn meta(&self) -> &'static RuleMeta {
        &wtfcb_core::rules::ignored_error::META
    }

    fn needs_graph(&self) -> bool {
        false
    }

    fn run(&self, files: &mut [Analyzed], inputs: &Inputs, _: &mut ProjectRun) {
        run(files, inputs.go);
    }
}

/// Adds the findings of `ignored-error` to the Go files that drop an error.
pub fn run(files: &mut [Analyzed], go: &super::gomod::GoModules) {
    let meta = &wtfcb_core::rules::ignored_error::META;
    let mut packages: HashMap<String, Declared> = HashMap::new();
    for file in files.iter() {
        let go = &file.record.facts.go;
        if go.funcs.is_empty() {
            continue;
        }
        let package = packages
            .entry(wtfcb_core::text::dir_of(&file.record.rel).to_string())
            .or_default();
        for f in &go.funcs {
            if f.method {
                let all = package.methods.entry(f.name.clone()).or_insert(true);
                *all &= f.error_last;
            } else {
                package.funcs.insert(f.name.clone(), f.error_last);
            }
        }
    }
    for file in files.iter_mut() {
        if file.record.facts.go.drops.is_empty() {
            continue;
        }
        let own = wtfcb_core::text::dir_of(&file.record.rel).to_string();
        let found: Vec<(String, GoDrop)> = file
            .record
            .facts
            .go
            .drops
            .iter()
            .filter(|d| returns_error(d, &own, &packages, go))
            .map(|d| {
                let message = if d.bare {
                    format!("the error returned by `{}(...)` is not checked", d.text)
                } else {
                    format!("the error result of `{}(...)` is assigned to `_`", d.text)
                };
                (message, d.clone())
            })
            .collect();
        for (message, drop) in found {
            let identity = format!("{}:{}", file.record.rel, drop.text);
            let span = (drop.start.line, drop.end.line);
            if let Some(mut finding) = project_finding(file, meta, message, span, &identity) {
                finding.start_column = drop.start.column;
                finding.end_column = drop.end.column;
                file.add(finding);
            }
        }
    }
}

/// Method names a call through a field or a value of another package's type most often means
/// as a method without an error (`sync.Once.Do`, `sync.Mutex.Unlock`, `sync.WaitGroup.Add`),
/// or as one errcheck accepts (`bytes.Buffer.Write*`, `strings.Builder.Write*`,
/// `hash.Hash.Write`): a method of the package by the same name does not make them errors.
const NO_ERROR_METHODS: [&str; 11] = [
    "Add",
    "Do",
    "Done",
    "Lock",
    "RLock",
    "RUnlock",
    "Unlock",
    "Write",
    "WriteByte",
    "WriteRune",
    "WriteString",
];

/// Whether a dropped call returns an error, as far as the project and the standard library
/// tell. errcheck's default exclusions hold, widened where wtfcb cannot see types: `fmt.Print*`
/// and `fmt.Fprint*` (errcheck accepts the latter to `os.Stderr`, a `*bytes.Buffer` or a
/// `*strings.Builder`, which wtfcb cannot tell from other writers), and the methods of
/// [`NO_ERROR_METHODS`].
fn returns_error(
    drop: &GoDrop,
    own: &str,
    packages: &HashMap<String, Declared>,
    go: &super::gomod::GoModules,
) -> bool {
    match &drop.callee {
        Callee::Local(name) => packages
            .get(own)
            .and_then(|p| p.funcs.get(name))
            .copied()
            .unwrap_or(false),
        Callee::Method(name) if NO_ERROR_METHODS.contains(&name.as_str()) => false,
        Callee::Method(name) => packages
            .get(own)
            .and_then(|p| p.methods.get(name))
            .copied()
            .unwrap_or(false),
        Callee::Package { path, name } => {
            if path == "fmt" && (name.starts_with("Print") || name.starts_with("Fprint")) {
                return false;
            }
            let in_project = go.package_dir(path).and_then(|dir| packages.get(&dir));
            match in_project {
                Some(p) => p.funcs.get(name).copied().unwrap_or(false),
                None => std_returns_error(path, name),
            }
        }
    }
}
