//! The Go modules of a project, as `go` sees them: the nearest `go.mod` above a directory owns
//! it, and an import path belongs to the module whose path is its longest prefix. A repository
//! of several modules (a `go.mod` below the root, joined or not by `go.work`), and a `replace`
//! to a local directory (with or without a `go.mod` there), resolve inside the project. Go's own
//! tree (`module std`, and `module cmd` in `cmd/`) names its packages by their directories.

use std::collections::BTreeMap;
use std::path::Path;

/// Each module's path and directory (project-relative, `""` or ending in `/`).
#[derive(Debug, Default, Clone)]
pub struct GoModules {
    /// (module path, directory), longest path first.
    modules: Vec<(String, String)>,
    /// The `go.mod` files read, by directory: what a saved graph is keyed by.
    pub text: String,
}

/// The most `go.mod` files read, and the most bytes of each.
const MAX_MODULES: usize = 4096;
const MAX_GO_MOD_BYTES: u64 = 1 << 20;

impl GoModules {
    /// The `go.mod` files at or above the given project-relative directories (those holding Go
    /// files), up to the root; each directory is looked at once.
    pub fn read<'a>(root: &Path, dirs: impl IntoIterator<Item = &'a str>) -> GoModules {
        let mut seen = std::collections::HashSet::new();
        let mut found: BTreeMap<String, String> = BTreeMap::new();
        for dir in dirs {
            let mut d = dir.to_string();
            while seen.insert(d.clone()) && found.len() < MAX_MODULES {
                let at = root.join(&d).join("go.mod");
                if let Ok(bytes) = wtfcb_core::source::read_bytes(&at, MAX_GO_MOD_BYTES) {
                    found.insert(d.clone(), String::from_utf8_lossy(&bytes).into_owned());
                }
                if d.is_empty() {
                    break;
                }
                let trimmed = &d[..d.len() - 1];
                d = trimmed
                    .rfind('/')
                    .map_or(String::new(), |i| trimmed[..=i].to_string());
            }
        }
        GoModules::parse(found)
    }

    /// The `go.mod` files that own the Go files among `files` (project-relative paths and
    /// their languages): none is read without Go files.
    pub fn of_files<'a>(
        root: &Path,
        files: impl IntoIterator<Item = (&'a str, wtfcb_core::lang::Language)>,
    ) -> GoModules {
        let dirs: std::collections::BTreeSet<&str> = files
            .into_iter()
            .filter(|(_, language)| *language == wtfcb_core::lang::Language::Go)
            .map(|(rel, _)| wtfcb_core::text::dir_of(rel))
            .collect();
        GoModules::read(root, dirs)
    }

    /// The modules of `go.mod` texts by directory.
    pub fn parse(files: impl IntoIterator<Item = (String, String)>) -> GoModules {
        let mut out = GoModules::default();
        for (dir, text) in files {
            out.text.push_str(&format!("{dir}\0{text}\0"));
            let module = text.lines().find_map(|l| {
                let path = l.trim().strip_prefix("module")?;
                (path.starts_with(char::is_whitespace))
                    .then(|| path.trim().trim_matches('"').to_string())
            });
            if let Some(module) = module.filter(|m| !m.is_empty()) {
                out.modules.push((module, dir.clone()));
            }
            // `replace example.com/x => ./x`: a module the project holds in a directory of its
            // own, whether or not that directory has a `go.mod`.
            for (path, target) in local_replacements(&text) {
                if let Some(target) = wtfcb_core::text::normalize(&format!("{dir}{target}")) {
                    let target = if target.is_empty() {
                        target
                    } else {
                        format!("{target}/")
                    };
                    if !out.modules.iter().any(|(m, _)| *m == path) {
                        out.modules.push((path, target));
                    }
                }
            }
        }
        out.modules
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        out
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// The project-relative directory of the package an import path names, when a module of
    /// the project holds it (`""` or ending in `/`).
    pub fn package_dir(&self, spec: &str) -> Option<String> {
        self.modules.iter().find_map(|(module, dir)| {
            let rest = if matches!(module.as_str(), "std" | "cmd") {
                // Go's own tree: `cmd/go` is `cmd/go/` under `src/`, `fmt` is `fmt/`.
                let own = spec == module || spec.starts_with(&format!("{module}/"));
                if module == "std" || own {
                    let rest = if module == "cmd" {
                        spec.strip_prefix("cmd")?.trim_start_matches('/')
                    } else {
                        spec
                    };
                    return Some(join(dir, rest));
                }
                return None;
            } else if spec == module {
                ""
            } else {
                spec.strip_prefix(module.as_str())?.strip_prefix('/')?
            };
            let target = join(dir, rest);
            // The nearest `go.mod` above a directory owns it: `tools/` with a `go.mod` of its
            // own is no package of the root module.
            (self.owner(&target) == Some(dir.as_str())).then_some(target)
        })
    }

    /// The directory of the module that owns a directory: the deepest module directory above
    /// it.
    fn owner(&self, target: &str) -> Option<&str> {
        self.modules
            .iter()
            .map(|(_, dir)| dir.as_str())
            .filter(|dir| target.starts_with(dir))
            .max_by_key(|dir| dir.len())
    }

    /// Whether the project is Go's own tree, where `golang.org/x/...` comes from `vendor/`.
    pub fn is_go_tree(&self) -> bool {
        self.modules.iter().any(|(m, _)| m == "std")
    }
}

/// The `replace` directives of a `go.mod` whose target is a local directory (`./x`, `../y`):
/// (module path, directory relative to the `go.mod`), in the one-line and the block form.
fn local_replacements(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text
        .lines()
        .map(|l| l.split("//").next().unwrap_or("").trim())
    {
        let body = if in_block {
            if line == ")" {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("replace") {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        let Some((from, to)) = body.split_once("=>") else {
            continue;
        };
        let (from, to) = (from.split_whitespace().next(), to.split_whitespace().next());
        if let (Some(from), Some(to)) = (from, to) {
            if to.starts_with("./") || to.starts_with("../") {
                out.push((from.to_string(), to.trim_end_matches('/').to_string()));
            }
        }
        if out.len() >= MAX_MODULES {
            break;
        }
    }
    out
}

fn join(dir: &str, rest: &str) -> String {
    if rest.is_empty() {
        dir.to_string()
    } else {
        format!("{dir}{rest}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 29: a `go.mod` in a subdirectory (monorepos; Prometheus's
    // `documentation/examples/remote_storage`) was taken as part of the root module.
    #[test]
    fn the_longest_module_path_owns_an_import() {
        let go = GoModules::parse([
            (
                "".to_string(),
                "module example.com/m\n\ngo 1.21\n".to_string(),
            ),
            (
                "tools/gen/".to_string(),
                "// a tool\nmodule example.com/m/tools/gen\n".to_string(),
            ),
            (
                "lib/".to_string(),
                "module \"example.com/lib\"\n".to_string(),
            ),
        ]);
        assert_eq!(go.package_dir("example.com/m"), Some(String::new()));
        assert_eq!(
            go.package_dir("example.com/m/api/v1"),
            Some("api/v1/".into())
        );
        assert_eq!(
            go.package_dir("example.com/m/tools/gen/x"),
            Some("tools/gen/x/".into())
        );
        assert_eq!(go.package_dir("example.com/lib/y"), Some("lib/y/".into()));
        assert_eq!(go.package_dir("example.com/mx"), None);
        assert_eq!(go.package_dir("fmt"), None);
        // `replace` to a local directory, with or without a `go.mod` there; not to a version.
        let replaced = GoModules::parse([(
            "app/".to_string(),
            "module example.com/app\n\nreplace example.com/shared => ../shared\n\nreplace (\n\texample.com/gen v1.0.0 => ./internal/gen // vendored\n\texample.com/far => example.com/fork v1.2.0\n)\n".to_string(),
        )]);
        assert_eq!(
            replaced.package_dir("example.com/shared/log"),
            Some("shared/log/".into())
        );
        assert_eq!(
            replaced.package_dir("example.com/gen"),
            Some("app/internal/gen/".into())
        );
        assert_eq!(replaced.package_dir("example.com/far/x"), None);
        let tree = GoModules::parse([
            ("".to_string(), "module std\n".to_string()),
            ("cmd/".to_string(), "module cmd\n".to_string()),
        ]);
        assert_eq!(tree.package_dir("fmt"), Some("fmt/".into()));
        assert_eq!(
            tree.package_dir("cmd/go/internal/work"),
            Some("cmd/go/internal/work/".into())
        );
        assert!(tree.is_go_tree());
    }
}
