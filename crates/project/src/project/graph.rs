//! The import graph: every file's imports (from its facts) resolved to files of the project,
//! deterministically, per language; import cycles (Tarjan's strongly connected components);
//! fan-in and fan-out; unresolved project imports.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde::Serialize;

use super::{project_finding, state, Analyzed, Context, CrossFileRule, Inputs, ProjectRun, Reuse};
use wtfcb_core::facts::{Import, ImportKind};
use wtfcb_core::findings::Related;
use wtfcb_core::lang::Language;
use wtfcb_core::rules::RuleMeta;

/// An SCC larger than this gets its cut suggested from the shortest cycles through its first
/// this-many files only (the count is quadratic in the component's size).
const CUT_SAMPLE: usize = 200;

/// One file as the graph sees it.
pub struct Node<'a> {
    /// Project-relative path, `/`-separated.
    pub rel: &'a str,
    pub language: Language,
    pub imports: &'a [Import],
}

impl<'a> Node<'a> {
    pub fn of(record: &'a wtfcb_engine::engine::FileRecord) -> Node<'a> {
        Node {
            rel: &record.rel,
            language: record.language,
            imports: &record.facts.imports,
        }
    }
}

/// A resolved import: file `from` imports file `to` at `line`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, bincode::Encode, bincode::Decode,
)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub line: u32,
    #[serde(skip)]
    pub kind: ImportKindOrd,
}

/// [`ImportKind`] with an order, for sorting edges.
/// Whether a Rust file is the root of a crate of its own, as Cargo lays them out: `lib.rs`,
/// `main.rs`, `build.rs`, and each file directly in `tests/`, `examples/` or `benches/` (not
/// inside `src/`) or in `src/bin/` (an integration test's `mod support;` is
/// `tests/support.rs`).
fn is_rust_crate_root(rel: &str) -> bool {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    if matches!(name, "lib.rs" | "main.rs" | "build.rs") {
        return true;
    }
    let mut components = dir.rsplit('/');
    let parent = components.next().unwrap_or(dir);
    // A `tests/` module directory inside `src/` is part of its crate.
    let in_src = components.any(|c| c == "src");
    (matches!(parent, "tests" | "examples" | "benches") && !in_src)
        || dir == "src/bin"
        || dir.ends_with("/src/bin")
}

/// A Rust module declaration's specifier (see `names::rust_mod`).
fn is_rust_mod(spec: &str) -> bool {
    spec.starts_with("mod ") || spec.starts_with("#[path = ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, bincode::Encode, bincode::Decode)]
pub struct ImportKindOrd(pub u8);

impl ImportKindOrd {
    /// Rust's `mod m;`: it declares the module, and loads nothing a cycle is made of (a module
    /// and its parent may use each other).
    const DECLARES: ImportKindOrd = ImportKindOrd(4);

    fn of(node: &Node, import: &Import) -> ImportKindOrd {
        if node.language == Language::Rust && is_rust_mod(&import.specifier) {
            return Self::DECLARES;
        }
        ImportKindOrd(match import.kind {
            ImportKind::Static => 0,
            ImportKind::ReExport => 1,
            ImportKind::TypeOnly => 2,
            ImportKind::Dynamic => 3,
            ImportKind::Unused => 5,
        })
    }

    /// Whether the import loads the other file when this one loads: only those make cycles.
    pub fn loads(self) -> bool {
        self.0 <= 1
    }
}

/// Where each import went.
#[derive(Debug, Default, bincode::Encode, bincode::Decode)]
pub struct Graph {
    pub edges: Vec<Edge>,
    /// Imports of other packages: (file, specifier).
    pub external: Vec<(usize, String)>,
    /// Imports meant for the project that name no file of it: (file, specifier, line).
    pub unresolved: Vec<(usize, String, u32)>,
    /// Per file, what resolving its imports looked up in the set of files (see `Probe`):
    /// only those resolutions can change when files are added or deleted.
    pub probes: Vec<Vec<u64>>,
}

/// A lookup into the set of files that resolution made, as a digest: a path, a directory's
/// files, Java files by name, every directory (Java wildcards), the Python roots and
/// packages (which follow the `__init__.py` files).
enum Probe<'p> {
    Path(&'p str),
    Dir(&'p str),
    JavaName(&'p str),
    AnyDir,
    PythonRoots,
}

impl Probe<'_> {
    /// The digest of the tag and the text (`digest_str("path\0a/b.py")`), without building
    /// that string: resolution probes thousands of paths.
    fn digest(&self) -> u64 {
        let (tag, text) = match self {
            Probe::Path(p) => ("path\0", *p),
            Probe::Dir(d) => ("dir\0", *d),
            Probe::JavaName(n) => ("java\0", *n),
            Probe::AnyDir => ("any-dir", ""),
            Probe::PythonRoots => ("python-roots", ""),
        };
        digest_more(digest_str(tag), text)
    }

    /// What adding or deleting the file at `rel` can change the answer of.
    fn touched_by(rel: &str) -> Vec<u64> {
        let mut out = vec![
            Probe::Path(rel).digest(),
            Probe::Dir(wtfcb_core::text::dir_of(rel)).digest(),
            Probe::AnyDir.digest(),
            Probe::JavaName(rel.rsplit('/').next().unwrap_or(rel)).digest(),
        ];
        if rel == "__init__.py" || rel.ends_with("/__init__.py") {
            out.push(Probe::PythonRoots.digest());
        }
        out
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct GraphSummary {
    pub files: u64,
    /// Resolved imports between files of the project.
    pub edges: u64,
    pub external: u64,
    pub unresolved: u64,
    /// Strongly connected components of more than one file.
    pub cycles: u64,
}

/// The test directory a directory lies in, the outermost (`tests/` of `tests/test_apps/`), if
/// any: what a test run puts on the path serves the files of that tree.
fn test_tree(dir: &str) -> Option<&str> {
    let mut end = 0;
    for part in dir.split('/') {
        end += part.len() + 1;
        if matches!(part, "tests" | "test") {
            return dir.get(..end);
        }
    }
    None
}

/// An import meant for the project that names no file of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unresolved;

/// What resolution needs to know about the project besides the imports.
pub struct Resolver<'a> {
    paths: Vec<&'a str>,
    by_path: Lookup<&'a str, usize>,
    /// Files per directory (`a/b/`), for Go packages and Java wildcards.
    by_dir: Lookup<&'a str, Vec<usize>>,
    /// Java files by name (`C.java`), for suffix matching of `a.b.C`.
    java_by_name: Lookup<&'a str, Vec<usize>>,
    /// Python import roots: `""` and the parents of top-level packages (`src/`).
    python_roots: Vec<String>,
    /// Top-level Python package names, each with the roots it lives in: an import of one that
    /// fails is unresolved, from a file under one of those roots (a test helper package named
    /// like a library, Django's `tests/sphinx/`, does not make every import of the real
    /// library elsewhere unresolved).
    python_packages: HashMap<String, Vec<String>>,
    /// The dotted name of the package the project root is, if it is one (`pkg` when the
    /// analyzed directory is `pkg/` with an `__init__.py`).
    root_package: Option<String>,
    /// The project's Go modules (see `gomod`).
    go: super::gomod::GoModules,
    /// tsconfig `paths`/`baseUrl` and workspace packages.
    js: Option<&'a super::jsconfig::JsConfig>,
    /// Where `#include`s are looked up after the including file's directory.
    include_dirs: Vec<String>,
    /// The lookups of the file being resolved.
    probes: std::cell::RefCell<Vec<u64>>,
    /// The candidate paths of Python modules are built here: one buffer for the run instead
    /// of one allocation per candidate (12,000 on 222 cpython files).
    module_path: std::cell::RefCell<String>,
}

/// The maps resolution probes thousands of times a run (a relative script import up to 25
/// paths): foldhash, seeded per process as std's SipHash is, at a fraction of its cost. Only
/// looked up, never iterated, so no order depends on it.
type Lookup<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The top-most package directory (without its `/`) of the package directory `dir` (`a/b/`):
/// the last of its ancestors, itself included, each holding an `__init__.py`; `None` when that
/// chain reaches the project root, which is then a package itself. Bounded: one step per
/// component of `dir`.
fn top_package<'p>(dir: &'p str, files: &Lookup<&str, usize>) -> Option<&'p str> {
    let mut top = dir.trim_end_matches('/');
    for _ in 0..=dir.matches('/').count() {
        if top.is_empty() {
            return None;
        }
        let parent = wtfcb_core::text::dir_of(top);
        if !files.contains_key(format!("{parent}__init__.py").as_str()) {
            return Some(top);
        }
        top = parent.trim_end_matches('/');
    }
    None
}

/// The dotted name of the Python package the project root is, when it is one (it holds an
/// `__init__.py` that is analyzed): its directory's name, under those of the package
/// directories above it on disk (`pkg.sub` for a root at `pkg/sub`). Read from the file
/// system once per run; bounded by the root's path components.
pub fn python_root_package(root: &std::path::Path, nodes: &[Node]) -> Option<String> {
    if !nodes.iter().any(|n| n.rel == "__init__.py") {
        return None;
    }
    let root = std::fs::canonicalize(root).ok()?;
    let mut names = Vec::new();
    for dir in root.ancestors() {
        let name = dir.file_name()?.to_str()?;
        if !is_identifier(name) {
            break;
        }
        names.push(name.to_string());
        let parent_is_package = dir
            .parent()
            .is_some_and(|p| p.join("__init__.py").is_file());
        if !parent_is_package {
            break;
        }
    }
    if names.is_empty() {
        return None;
    }
    names.reverse();
    Some(names.join("."))
}

/// A name Python can import (ASCII identifiers; others are never a package name here).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl<'a> Resolver<'a> {
    pub fn new(
        nodes: &[Node<'a>],
        go: &super::gomod::GoModules,
        js: Option<&'a super::jsconfig::JsConfig>,
    ) -> Resolver<'a> {
        let mut by_path = Lookup::default();
        let mut by_dir: Lookup<&str, Vec<usize>> = Lookup::default();
        let mut java_by_name: Lookup<&str, Vec<usize>> = Lookup::default();
        for (i, n) in nodes.iter().enumerate() {
            by_path.insert(n.rel, i);
            by_dir
                .entry(wtfcb_core::text::dir_of(n.rel))
                .or_default()
                .push(i);
            if n.language == Language::Java {
                let name = n.rel.rsplit('/').next().unwrap_or(n.rel);
                java_by_name.entry(name).or_default().push(i);
            }
        }
        // A package's root is the parent of its top-most directory with an `__init__.py`. A
        // package that climbs to the project root itself is the root's package: its absolute
        // imports go through `root_package` (see `with_root_package`).
        let mut roots: BTreeSet<String> = BTreeSet::from([String::new()]);
        let mut packages: HashMap<String, Vec<String>> = HashMap::new();
        for n in nodes.iter().filter(|n| n.rel.ends_with("/__init__.py")) {
            if let Some(top) = top_package(wtfcb_core::text::dir_of(n.rel), &by_path) {
                let parent = wtfcb_core::text::dir_of(top);
                roots.insert(parent.to_string());
                let at = packages.entry(top[parent.len()..].to_string()).or_default();
                if !at.iter().any(|r| r == parent) {
                    at.push(parent.to_string());
                }
            }
        }
        Resolver {
            paths: nodes.iter().map(|n| n.rel).collect(),
            by_path,
            by_dir,
            java_by_name,
            python_roots: roots.into_iter().collect(),
            python_packages: packages,
            root_package: None,
            go: go.clone(),
            js,
            include_dirs: vec![String::new(), "include/".to_string()],
            probes: Default::default(),
            module_path: Default::default(),
        }
    }

    fn probe(&self, probe: Probe) {
        self.probes.borrow_mut().push(probe.digest());
    }

    fn file(&self, path: &str) -> Option<usize> {
        self.probe(Probe::Path(path));
        self.by_path.get(path).copied()
    }

    fn dir(&self, dir: &str) -> &[usize] {
        self.probe(Probe::Dir(dir));
        self.by_dir.get(dir).map_or(&[], Vec::as_slice)
    }

    fn first(&self, candidates: impl IntoIterator<Item = String>) -> Option<usize> {
        candidates.into_iter().find_map(|c| self.file(&c))
    }

    /// The files an import names: `Ok(files)` (empty for an external import) or `Err(Unresolved)`
    /// for one meant for the project that names no file of it.
    pub fn resolve(&self, node: &Node, import: &Import) -> Result<Vec<usize>, Unresolved> {
        let spec = import.specifier.as_str();
        match node.language {
            Language::Python => self.python(node.rel, import),
            Language::JavaScript | Language::TypeScript | Language::Tsx => {
                if spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == ".."
                {
                    // A bundler's resource query names the same file: `./worker.js?worker`,
                    // `./m.js?url` (Vite), `./a.txt?raw` (Vite, webpack).
                    let path = spec.split('?').next().unwrap_or(spec);
                    let base = wtfcb_core::text::normalize(&format!(
                        "{}{path}",
                        wtfcb_core::text::dir_of(node.rel)
                    ))
                    .ok_or(Unresolved)?;
                    match self.script(&base) {
                        Some(f) => Ok(vec![f]),
                        // `import './app.css'`, `import data from './data.json'`: a file
                        // wtfcb does not analyze, so it cannot tell whether it exists.
                        None if Self::is_asset(spec) => Ok(Vec::new()),
                        None => Err(Unresolved),
                    }
                } else {
                    // tsconfig `paths` and `baseUrl`, workspace packages; else a package.
                    let candidates = self.js.map(|c| c.candidates(node.rel, spec));
                    Ok(candidates
                        .into_iter()
                        .flatten()
                        .find_map(|c| self.script(&c))
                        .into_iter()
                        .collect())
                }
            }
            Language::Rust => self.rust(node.rel, spec),
            Language::Go => self.go(spec),
            Language::Java => Ok(self.java(spec)),
            Language::C | Language::Cpp => self.c(node.rel, spec),
            Language::Ruby => {
                if spec.starts_with("./") || spec.starts_with("../") {
                    let base = wtfcb_core::text::normalize(&format!(
                        "{}{spec}",
                        wtfcb_core::text::dir_of(node.rel)
                    ))
                    .ok_or(Unresolved)?;
                    self.first([format!("{base}.rb"), base.clone()])
                        .map(|f| vec![f])
                        .ok_or(Unresolved)
                } else {
                    Ok(self.first([format!("lib/{spec}.rb")]).into_iter().collect())
                }
            }
        }
    }

    fn python_module(&self, dir: &str, dotted: &str) -> Option<usize> {
        // One buffer for all candidates: resolution tries thousands of them.
        let mut path = self.module_path.borrow_mut();
        path.clear();
        path.push_str(dir);
        path.extend(dotted.chars().map(|c| if c == '.' { '/' } else { c }));
        let trimmed = path.trim_end_matches('/').len();
        path.truncate(trimmed);
        if path.is_empty() {
            return self.file(&format!("{dir}__init__.py"));
        }
        let base = path.len();
        path.push_str(".py");
        if let Some(found) = self.file(&path) {
            return Some(found);
        }
        path.truncate(base);
        path.push_str("/__init__.py");
        self.file(&path)
    }

    /// The files `module` (and `from module import names`) names under `dir`, if any.
    fn python_in(&self, dir: &str, module: &str, names: &[String]) -> Option<Vec<usize>> {
        // `from m import n` may import the submodule `m.n`.
        let subs = names.iter().filter_map(|n| {
            let dotted = if module.is_empty() {
                n.clone()
            } else {
                format!("{module}.{n}")
            };
            self.python_module(dir, &dotted)
        });
        let mut found: Vec<usize> = self
            .python_module(dir, module)
            .into_iter()
            .chain(subs)
            .collect();
        if found.is_empty() {
            return None;
        }
        found.sort_unstable();
        found.dedup();
        Some(found)
    }

    /// An absolute module path inside the package the project root is, relative to the root
    /// (`""` for the root package itself).
    fn in_root_package<'m>(&self, module: &'m str) -> Option<&'m str> {
        let package = self.root_package.as_deref()?;
        let rest = module.strip_prefix(package)?;
        if rest.is_empty() {
            Some(rest)
        } else {
            rest.strip_prefix('.')
        }
    }

    fn python(&self, rel: &str, import: &Import) -> Result<Vec<usize>, Unresolved> {
        let spec = import.specifier.as_str();
        let dots = spec.len() - spec.trim_start_matches('.').len();
        let module = &spec[dots..];
        // The directories to look in: the file's own, climbing one per extra dot; or the roots.
        // The roots are borrowed, not copied: a copy per import was 2 M of the 34 M instructions
        // resolution took on 222 cpython files.
        let own;
        let dirs: &[String] = if dots > 0 {
            let mut dir = wtfcb_core::text::dir_of(rel).to_string();
            for _ in 1..dots {
                dir = wtfcb_core::text::dir_of(dir.trim_end_matches('/')).to_string();
            }
            own = [dir];
            &own
        } else {
            self.probe(Probe::PythonRoots);
            &self.python_roots
        };
        if dots == 0 {
            if let Some(local) = self.in_root_package(module) {
                return self.python_in("", local, &import.names).ok_or(Unresolved);
            }
        }
        for dir in dirs {
            // A root inside a test directory (Django's `tests/`, whose `tests/sphinx/` helper
            // package is named like the library; Flask's `tests/test_apps/`) is on the path
            // only when the tests run: its packages are for the files of that test tree, and
            // elsewhere the name is the library's.
            if dots == 0 && test_tree(dir).is_some_and(|tree| !rel.starts_with(tree)) {
                continue;
            }
            if let Some(found) = self.python_in(dir, module, &import.names) {
                return Ok(found);
            }
        }
        let top = module.split('.').next().unwrap_or("");
        let ours = self
            .python_packages
            .get(top)
            .is_some_and(|roots| roots.iter().any(|r| rel.starts_with(r.as_str())));
        if dots > 0 || ours {
            Err(Unresolved)
        } else {
            Ok(Vec::new())
        }
    }

    /// A JavaScript or TypeScript path without its extension, or with one that TypeScript
    /// maps (`./x.js` written for `./x.ts`).
    fn script(&self, base: &str) -> Option<usize> {
        const EXTENSIONS: [&str; 9] = [
            ".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts",
        ];
        if let Some(f) = self.file(base) {
            return Some(f);
        }
        // Up to 25 candidates a specifier, each built in one buffer: with a `format!` apiece,
        // resolving the npm sample's 394 relative imports took 14 M instructions (5 M now).
        let mut candidate = String::with_capacity(base.len() + 16);
        let mut probe = |parts: &[&str]| {
            candidate.clear();
            parts.iter().for_each(|p| candidate.push_str(p));
            self.file(&candidate)
        };
        for (js, ts) in [
            (".js", ".ts"),
            (".js", ".tsx"),
            (".js", ".d.ts"),
            (".mjs", ".mts"),
            (".mjs", ".d.mts"),
            (".cjs", ".cts"),
            (".cjs", ".d.cts"),
        ] {
            if let Some(stem) = base.strip_suffix(js) {
                if let Some(f) = probe(&[stem, ts]) {
                    return Some(f);
                }
            }
        }
        let slash = if base.is_empty() { "" } else { "/" };
        EXTENSIONS
            .iter()
            .find_map(|e| probe(&[base, e]))
            .or_else(|| {
                EXTENSIONS
                    .iter()
                    .find_map(|e| probe(&[base, slash, "index", e]))
            })
    }

    /// Whether a JavaScript import names a file of another kind than script (styles, data,
    /// images, markup, components of other frameworks), which bundlers load and wtfcb does not
    /// analyze.
    fn is_asset(spec: &str) -> bool {
        const ASSETS: [&str; 48] = [
            "css", "scss", "sass", "less", "styl", "sss", "pcss", "json", "json5", "jsonc", "yaml",
            "yml", "toml", "svg", "png", "jpg", "jpeg", "gif", "webp", "avif", "ico", "bmp",
            "wasm", "html", "vue", "svelte", "txt", "md", "mdx", "xml", "csv", "graphql", "gql",
            "glsl", "wgsl", "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mov", "mp3",
            "wav", "ogg", "flac", "pdf",
        ];
        let path = spec.split(['?', '#']).next().unwrap_or(spec);
        let name = path.rsplit('/').next().unwrap_or(path);
        name.rsplit_once('.')
            .is_some_and(|(_, ext)| ASSETS.contains(&ext.to_ascii_lowercase().as_str()))
    }

    /// The directory a Rust file's child modules live in: beside `lib.rs`, `main.rs` and
    /// `mod.rs`, else in a directory named after the file.
    fn rust_children_dir(rel: &str) -> String {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if name == "mod.rs" || is_rust_crate_root(rel) {
            wtfcb_core::text::dir_of(rel).to_string()
        } else {
            format!("{}/", rel.trim_end_matches(".rs"))
        }
    }

    fn rust_module(&self, dir: &str, segments: &[&str]) -> Option<usize> {
        // The longest prefix of the path that is a module file (`a::b::Item` → `a/b.rs`).
        (1..=segments.len()).rev().find_map(|n| {
            let path = segments[..n].join("/");
            self.first([format!("{dir}{path}.rs"), format!("{dir}{path}/mod.rs")])
        })
    }

    fn rust_crate_root(&self, rel: &str) -> Option<String> {
        let mut dir = wtfcb_core::text::dir_of(rel);
        if is_rust_crate_root(rel) {
            return Some(dir.to_string());
        }
        loop {
            for root in ["lib.rs", "main.rs"] {
                if self.file(&format!("{dir}{root}")).is_some() {
                    return Some(dir.to_string());
                }
            }
            if dir.is_empty() {
                return None;
            }
            dir = wtfcb_core::text::dir_of(dir.trim_end_matches('/'));
        }
    }

    fn rust(&self, rel: &str, spec: &str) -> Result<Vec<usize>, Unresolved> {
        if let Some(rest) = spec.strip_prefix("#[path = \"") {
            // Beside the file, or under the children's directory of the inline modules it
            // is declared in (the Rust reference's `path` attribute).
            let (path, module) = rest.split_once("\"] mod ").ok_or(Unresolved)?;
            let base = match module.rsplit_once("::") {
                Some((inline, _)) => {
                    format!(
                        "{}{}/",
                        Self::rust_children_dir(rel),
                        inline.replace("::", "/")
                    )
                }
                None => wtfcb_core::text::dir_of(rel).to_string(),
            };
            let file = wtfcb_core::text::normalize(&format!("{base}{path}")).ok_or(Unresolved)?;
            return self.first([file]).map(|f| vec![f]).ok_or(Unresolved);
        }
        if let Some(module) = spec.strip_prefix("mod ") {
            let dir = Self::rust_children_dir(rel);
            let name = module.replace("::", "/");
            return self
                .first([format!("{dir}{name}.rs"), format!("{dir}{name}/mod.rs")])
                .map(|f| vec![f])
                .ok_or(Unresolved);
        }
        let path = spec.split(['{', ' ']).next().unwrap_or(spec);
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let (dir, rest) = match segments.first().copied() {
            Some("crate") => (self.rust_crate_root(rel).ok_or(Unresolved)?, &segments[1..]),
            Some("self") => (Self::rust_children_dir(rel), &segments[1..]),
            Some("super") => {
                let mut dir = wtfcb_core::text::dir_of(&Self::rust_children_dir(rel)).to_string();
                let mut rest = &segments[..];
                while rest.first() == Some(&"super") {
                    dir = wtfcb_core::text::dir_of(dir.trim_end_matches('/')).to_string();
                    rest = &rest[1..];
                }
                (dir, rest)
            }
            _ => return Ok(Vec::new()),
        };
        if rest.is_empty() {
            return Ok(Vec::new());
        }
        // A `use` of an item defined in the module file itself (`crate::Item` in `lib.rs`)
        // names no other file: not an error.
        Ok(self.rust_module(&dir, rest).into_iter().collect())
    }

    fn go(&self, spec: &str) -> Result<Vec<usize>, Unresolved> {
        let found = self.go.package_dir(spec).map(|dir| self.go_package(&dir));
        if self.go.is_go_tree() {
            // Go's own tree names every package by its directory, takes `golang.org/x/...`
            // from its `vendor/`, and has pseudo-packages (`C`, `unsafe`) without files.
            return Ok(found
                .flatten()
                .or_else(|| self.go_package(&format!("vendor/{spec}/")))
                .unwrap_or_default());
        }
        match found {
            Some(files) => files.ok_or(Unresolved),
            None => Ok(Vec::new()),
        }
    }

    /// The non-test Go files of the package in directory `dir` (`""` or ending in `/`), if it
    /// has any.
    fn go_package(&self, dir: &str) -> Option<Vec<usize>> {
        let files: Vec<usize> = self
            .dir(dir)
            .iter()
            .copied()
            .filter(|&f| {
                let p = self.paths[f];
                p.ends_with(".go") && !p.ends_with("_test.go")
            })
            .collect();
        (!files.is_empty()).then_some(files)
    }

    fn java(&self, spec: &str) -> Vec<usize> {
        let spec = spec.trim();
        let segments: Vec<&str> = spec.split('.').collect();
        if segments.last() == Some(&"*") {
            self.probe(Probe::AnyDir);
            let dir = segments[..segments.len() - 1].join("/");
            let mut found: Vec<usize> = self
                .by_dir
                .iter()
                .filter(|(d, _)| d.trim_end_matches('/').ends_with(&dir))
                .flat_map(|(_, files)| files.iter().copied())
                .collect();
            found.sort_unstable();
            return found;
        }
        // `a.b.C` or, for a static import, `a.b.C.member`.
        for n in (1..=segments.len()).rev().take(2) {
            let class = segments[n - 1];
            let suffix = format!("{}.java", segments[..n].join("/"));
            let name = format!("{class}.java");
            self.probe(Probe::JavaName(&name));
            if let Some(files) = self.java_by_name.get(name.as_str()) {
                let matches: Vec<usize> = files
                    .iter()
                    .copied()
                    .filter(|&f| {
                        let p = self.paths[f];
                        p == suffix || p.ends_with(&format!("/{suffix}"))
                    })
                    .collect();
                if !matches.is_empty() {
                    return matches;
                }
            }
        }
        Vec::new()
    }

    fn c(&self, rel: &str, spec: &str) -> Result<Vec<usize>, Unresolved> {
        let quoted = spec.starts_with('"');
        let path = spec.trim_matches(|c| matches!(c, '"' | '<' | '>'));
        let mut candidates = Vec::new();
        if quoted {
            candidates.extend(wtfcb_core::text::normalize(&format!(
                "{}{path}",
                wtfcb_core::text::dir_of(rel)
            )));
        }
        for dir in &self.include_dirs {
            candidates.extend(wtfcb_core::text::normalize(&format!("{dir}{path}")));
        }
        match self.first(candidates) {
            Some(f) => Ok(vec![f]),
            // `"x.h"` is meant for the project; `<x.h>` is a system or library header.
            None if quoted => Err(Unresolved),
            None => Ok(Vec::new()),
        }
    }
}

impl Resolver<'_> {
    /// Resolves absolute Python imports that start with `package` (the project root's own
    /// dotted name, from [`python_root_package`]) from the project root.
    pub fn with_root_package(mut self, package: Option<String>) -> Self {
        self.root_package = package;
        self
    }

    /// Looks `#include`s up in these directories (project-relative) instead of the default
    /// ones (the project root and `include/`), after the including file's own.
    pub fn with_include_dirs(mut self, dirs: &[String]) -> Self {
        if !dirs.is_empty() {
            self.include_dirs = dirs.to_vec();
        }
        self
    }
}

/// A saved graph with the imports of `changed` files resolved again (the graph numbering the
/// current files, under the same settings, as when it was saved): equal to [`build`] on the
/// current files when `changed` holds every file whose imports or lookups changed.
pub fn rebuild(
    mut graph: Graph,
    nodes: &[Node],
    resolver: &Resolver,
    changed: &HashSet<usize>,
) -> Graph {
    graph.probes.resize(nodes.len(), Vec::new());
    graph.edges.retain(|e| !changed.contains(&e.from));
    graph.external.retain(|(f, _)| !changed.contains(f));
    graph.unresolved.retain(|(f, _, _)| !changed.contains(f));
    let mut order: Vec<usize> = changed.iter().copied().collect();
    order.sort_unstable();
    for i in order {
        resolve_file(&mut graph, i, &nodes[i], resolver);
    }
    finish(graph)
}

/// A graph saved for the files `before` (paths), renumbered for `now`: what the files that are
/// still there resolved, with the files to resolve again: those whose imports changed (their
/// digest differs), the new ones, and those that looked up a path, a directory or a name that
/// an added or deleted file changes.
pub fn carry_over(
    graph: Graph,
    before: &[(String, u64)],
    now: &[(String, u64)],
) -> (Graph, HashSet<usize>) {
    let index: HashMap<&str, usize> = now
        .iter()
        .enumerate()
        .map(|(i, (rel, _))| (rel.as_str(), i))
        .collect();
    let old: HashSet<&str> = before.iter().map(|(rel, _)| rel.as_str()).collect();
    let new_of: Vec<Option<usize>> = before
        .iter()
        .map(|(rel, _)| index.get(rel.as_str()).copied())
        .collect();
    let mut touched: HashSet<u64> = HashSet::new();
    for (rel, _) in before
        .iter()
        .filter(|(rel, _)| !index.contains_key(rel.as_str()))
    {
        touched.extend(Probe::touched_by(rel));
    }
    let mut redo: HashSet<usize> = HashSet::new();
    for (i, (rel, _)) in now.iter().enumerate() {
        if !old.contains(rel.as_str()) {
            touched.extend(Probe::touched_by(rel));
            redo.insert(i);
        }
    }
    for (o, probes) in graph.probes.iter().enumerate() {
        let Some(Some(i)) = new_of.get(o) else {
            continue;
        };
        if before[o].1 != now[*i].1 || probes.iter().any(|p| touched.contains(p)) {
            redo.insert(*i);
        }
    }
    // A saved graph whose numbering does not fit its files resolves everything again.
    let fits = graph.probes.len() == before.len()
        && graph
            .edges
            .iter()
            .all(|e| e.from < before.len() && e.to < before.len())
        && graph.external.iter().all(|(f, _)| *f < before.len())
        && graph.unresolved.iter().all(|(f, _, _)| *f < before.len());
    if !fits {
        return (Graph::default(), (0..now.len()).collect());
    }
    let keep = |o: usize| new_of[o].filter(|i| !redo.contains(i));
    let mut probes = vec![Vec::new(); now.len()];
    for (o, p) in graph.probes.into_iter().enumerate() {
        if let Some(i) = keep(o) {
            probes[i] = p;
        }
    }
    let carried = Graph {
        edges: (graph.edges.iter())
            .filter_map(|e| {
                Some(Edge {
                    from: keep(e.from)?,
                    to: new_of[e.to]?,
                    ..*e
                })
            })
            .collect(),
        external: (graph.external.into_iter())
            .filter_map(|(f, spec)| Some((keep(f)?, spec)))
            .collect(),
        unresolved: (graph.unresolved.into_iter())
            .filter_map(|(f, spec, line)| Some((keep(f)?, spec, line)))
            .collect(),
        probes,
    };
    (carried, redo)
}

/// Resolves every import of every file.
pub fn build(nodes: &[Node], resolver: &Resolver) -> Graph {
    let mut graph = Graph {
        probes: vec![Vec::new(); nodes.len()],
        ..Graph::default()
    };
    for (i, node) in nodes.iter().enumerate() {
        resolve_file(&mut graph, i, node, resolver);
    }
    finish(graph)
}

/// Adds what file `i`'s imports resolve to, and what resolving them looked up.
fn resolve_file(graph: &mut Graph, i: usize, node: &Node, resolver: &Resolver) {
    resolver.probes.borrow_mut().clear();
    for import in node.imports {
        match resolver.resolve(node, import) {
            Ok(files) if files.is_empty() => {
                graph.external.push((i, import.specifier.clone()));
            }
            Ok(files) => {
                for to in files.into_iter().filter(|&t| t != i) {
                    graph.edges.push(Edge {
                        from: i,
                        to,
                        line: import.line,
                        kind: ImportKindOrd::of(node, import),
                    });
                }
            }
            Err(Unresolved) => graph
                .unresolved
                .push((i, import.specifier.clone(), import.line)),
        }
    }
    let mut probes = resolver.probes.take();
    probes.sort_unstable();
    probes.dedup();
    graph.probes[i] = probes;
}

/// Puts a graph in its one order: edges by file pair (one per pair: the first import that
/// loads the other file, else the first), the rest by file and place.
fn finish(mut graph: Graph) -> Graph {
    graph.edges.sort_by_key(|e| (e.from, e.to, e.kind, e.line));
    graph
        .edges
        .dedup_by(|a, b| (a.from, a.to) == (b.from, b.to));
    // Stable: within a file, imports stay in the order they were written.
    graph.external.sort_by_key(|(f, _)| *f);
    graph.unresolved.sort_by_key(|(f, _, _)| *f);
    graph
}

/// Strongly connected components of more than one node (Tarjan's algorithm, iterative),
/// each sorted, in order of their first node. `adjacency[v]` lists `v`'s successors.
pub fn cycles(adjacency: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adjacency.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut components = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // (node, position in its successor list)
        let mut work = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut pos)) = work.last_mut() {
            if let Some(&w) = adjacency[v].get(*pos) {
                *pos += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let component = pop_component(&mut stack, &mut on_stack, v);
                if component.len() > 1 {
                    components.push(component);
                }
            }
        }
    }
    components.sort();
    components
}

/// Pops a finished component, down to its root `v`, off Tarjan's stack; sorted.
fn pop_component(stack: &mut Vec<usize>, on_stack: &mut [bool], v: usize) -> Vec<usize> {
    let mut component = Vec::new();
    while let Some(w) = stack.pop() {
        on_stack[w] = false;
        component.push(w);
        if w == v {
            break;
        }
    }
    component.sort_unstable();
    component
}

/// The shortest cycle through `start` inside `members` (breadth-first), as its nodes from
/// `start` on.
pub fn shortest_cycle(
    adjacency: &[Vec<usize>],
    members: &HashSet<usize>,
    start: usize,
) -> Vec<usize> {
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &adjacency[v] {
            if !members.contains(&w) {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

/// The edge of a component on the most of the shortest cycles through each of its members
/// (the first CUT_SAMPLE of them): the import whose removal breaks the most of them.
pub fn suggested_cut(adjacency: &[Vec<usize>], component: &[usize]) -> (usize, usize) {
    let members: HashSet<usize> = component.iter().copied().collect();
    let mut counts: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for &start in component.iter().take(CUT_SAMPLE) {
        let cycle = shortest_cycle(adjacency, &members, start);
        for (i, &v) in cycle.iter().enumerate() {
            let w = cycle[(i + 1) % cycle.len()];
            *counts.entry((v, w)).or_default() += 1;
        }
    }
    // Most cycles first; among equals, the first edge in path order.
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map_or((component[0], component[0]), |(e, _)| e)
}

/// The tsconfig files and workspace packages that JavaScript and TypeScript files see.
fn js_config(nodes: &[Node], root: &std::path::Path) -> super::jsconfig::JsConfig {
    let dirs: std::collections::BTreeSet<&str> = nodes
        .iter()
        .filter(|n| {
            matches!(
                n.language,
                Language::JavaScript | Language::TypeScript | Language::Tsx
            )
        })
        .map(|n| wtfcb_core::text::dir_of(n.rel))
        .collect();
    if dirs.is_empty() {
        return super::jsconfig::JsConfig::default();
    }
    super::jsconfig::load(root, dirs)
}

/// FNV-1a of a string.
fn digest_str(s: &str) -> u64 {
    digest_more(0xcbf2_9ce4_8422_2325u64, s)
}

/// FNV-1a continued from `h` over `s`: `digest_more(digest_str(a), b) == digest_str(a + b)`.
fn digest_more(h: u64, s: &str) -> u64 {
    s.bytes()
        .fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A digest of what resolution reads of one file: its language and imports.
fn imports_digest(language: Language, imports: &[Import]) -> u64 {
    let mut text = format!("{}\0", language.name());
    for i in imports {
        text.push_str(&format!(
            "{}\0{:?}\0{}\0{}\n",
            i.specifier,
            i.kind,
            i.line,
            i.names.join(",")
        ));
    }
    digest_str(&text)
}

/// `unresolved-import`: an import that names no file of the project.
pub struct UnresolvedImport;

impl CrossFileRule for UnresolvedImport {
    fn meta(&self) -> &'static RuleMeta {
        &wtfcb_core::rules::unresolved_import::META
    }

    fn needs_graph(&self) -> bool {
        true
    }

    fn run(&self, files: &mut [Analyzed], inputs: &Inputs, _: &mut ProjectRun) {
        let Some(graph) = inputs.graph else { return };
        let meta = self.meta();
        for (f, spec, line) in &graph.unresolved {
            let message = format!("`{spec}` names no file of the project");
            let file = &mut files[*f];
            if let Some(finding) = project_finding(file, meta, message, (*line, *line), spec) {
                file.add(finding);
            }
        }
    }
}

/// `import-cycle`: files that import each other; the summary counts the cycles.
pub struct ImportCycle;

impl CrossFileRule for ImportCycle {
    fn meta(&self) -> &'static RuleMeta {
        &wtfcb_core::rules::import_cycle::META
    }

    fn needs_graph(&self) -> bool {
        true
    }

    fn run(&self, files: &mut [Analyzed], inputs: &Inputs, run: &mut ProjectRun) {
        let Some(graph) = inputs.graph else { return };
        let (adjacency, line_of) = loading_edges(graph, files.len());
        let components = cycles(&adjacency);
        if let Some(summary) = &mut run.summary.imports {
            summary.cycles = components.len() as u64;
        }
        for component in &components {
            report_cycle(files, &adjacency, &line_of, component);
        }
    }
}

/// What the graph says of the project, and each file's fan-in and fan-out: set whenever the
/// graph is resolved, whichever graph rules are on.
pub(super) fn summarize(files: &mut [Analyzed], graph: &Graph) -> GraphSummary {
    set_fan(files, graph);
    GraphSummary {
        files: files.len() as u64,
        edges: graph.edges.len() as u64,
        external: graph.external.len() as u64,
        unresolved: graph.unresolved.len() as u64,
        cycles: 0,
    }
}

/// The resolved graph: the saved one when no file's path, language or imports changed and
/// `go.mod` did not either; else resolved afresh (and saved).
pub(super) fn graph_of(
    nodes: &[Node],
    go: &super::gomod::GoModules,
    ctx: &Context,
    run: &mut ProjectRun,
) -> Graph {
    let js = js_config(nodes, ctx.root);
    run.warnings.extend(js.warnings.iter().cloned());
    let root_package = python_root_package(ctx.root, nodes);
    let inputs = state::Inputs {
        settings: format!(
            "graph|go.mod {:016x}|js {:016x}|include {:?}|python root {:?}",
            digest_str(&go.text),
            digest_str(&js.inputs),
            ctx.contracts.include_dirs,
            root_package
        ),
        files: nodes
            .iter()
            .map(|n| (n.rel.to_string(), imports_digest(n.language, n.imports)))
            .collect(),
    };
    match state::load::<Graph>(ctx.state_cache(), "import graph", &inputs) {
        Ok((graph, source)) => {
            run.reuse.push(Reuse {
                phase: "import graph",
                reused: true,
                reason: source.reason("no imports, files or go.mod changed"),
                ms: 0.0,
            });
            graph
        }
        Err((mut why, previous)) => {
            let resolver = Resolver::new(nodes, go, Some(&js))
                .with_include_dirs(&ctx.contracts.include_dirs)
                .with_root_package(root_package);
            // The files under the same settings resolve as before, but for the files whose
            // imports changed, the new ones, and those that looked up what an added or deleted
            // file changes: only those are resolved again.
            let graph = match previous {
                Some(previous) => {
                    let (carried, redo) =
                        carry_over(previous.result, &previous.files, &inputs.files);
                    why.reason = format!(
                        "{}; the imports of {} file(s) were resolved again, the other {} files' reused",
                        why.reason,
                        redo.len(),
                        nodes.len() - redo.len()
                    );
                    rebuild(carried, nodes, &resolver, &redo)
                }
                None => build(nodes, &resolver),
            };
            run.reuse.push(why);
            state::save(ctx.state_cache(), "import graph", inputs, &graph);
            graph
        }
    }
}

/// Per file, how many project files it imports and how many import it.
fn set_fan(files: &mut [Analyzed], graph: &Graph) {
    let mut fan_in = vec![0u32; files.len()];
    let mut fan_out = vec![0u32; files.len()];
    for e in &graph.edges {
        fan_out[e.from] += 1;
        fan_in[e.to] += 1;
    }
    for (f, file) in files.iter_mut().enumerate() {
        if let Some(m) = &mut file.record.metrics {
            m.fan_in = fan_in[f];
            m.fan_out = fan_out[f];
        }
    }
}

/// The graph of a set of analyzed files, for `wtfcb graph`.
pub struct Resolved {
    pub graph: Graph,
    /// The edges that load the other file (what cycles are made of).
    pub loading: HashSet<(usize, usize)>,
    /// Strongly connected components of more than one file.
    pub cycles: Vec<Vec<usize>>,
}

/// Resolves the imports of `records` (in their order) and finds the cycles, as the
/// `import-cycle` rule does.
pub fn of_records(
    records: &[&wtfcb_engine::engine::FileRecord],
    go: &super::gomod::GoModules,
    root: &std::path::Path,
    include_dirs: &[String],
) -> Resolved {
    let nodes: Vec<Node> = records.iter().map(|r| Node::of(r)).collect();
    let js = js_config(&nodes, root);
    let resolver = Resolver::new(&nodes, go, Some(&js))
        .with_include_dirs(include_dirs)
        .with_root_package(python_root_package(root, &nodes));
    let graph = build(&nodes, &resolver);
    let (adjacency, _) = loading_edges(&graph, nodes.len());
    let loading = adjacency
        .iter()
        .enumerate()
        .flat_map(|(v, ws)| ws.iter().map(move |&w| (v, w)))
        .collect();
    Resolved {
        cycles: cycles(&adjacency),
        loading,
        graph,
    }
}

/// The line of the import behind each edge `(from, to)`.
type LineOf = HashMap<(usize, usize), u32>;

/// The edges that load the other file when a file loads (see [`ImportKindOrd::loads`]), as
/// adjacency lists over `n` files, with the line of each.
fn loading_edges(graph: &Graph, n: usize) -> (Vec<Vec<usize>>, LineOf) {
    let mut adjacency: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut line_of = LineOf::new();
    for e in graph.edges.iter().filter(|e| e.kind.loads()) {
        adjacency[e.from].push(e.to);
        line_of.entry((e.from, e.to)).or_insert(e.line);
    }
    (adjacency, line_of)
}

fn report_cycle(
    files: &mut [Analyzed],
    adjacency: &[Vec<usize>],
    line_of: &LineOf,
    component: &[usize],
) {
    let meta = &wtfcb_core::rules::import_cycle::META;
    let members: HashSet<usize> = component.iter().copied().collect();
    let start = component[0];
    let witness = shortest_cycle(adjacency, &members, start);
    let cut = suggested_cut(adjacency, component);
    let name = |f: usize| files[f].record.path.clone();
    let mut chain: Vec<String> = witness.iter().map(|&f| name(f)).collect();
    chain.push(name(start));
    let next = |i: usize| witness[(i + 1) % witness.len()];
    let related: Vec<Related> = witness
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, &f)| {
            let line = line_of.get(&(f, next(i))).copied().unwrap_or(1);
            Related {
                path: name(f),
                rel: files[f].record.rel.clone(),
                start_line: line,
                end_line: line,
                message: format!("imports {}", name(next(i))),
                test: files[f].is_test,
            }
        })
        .collect();
    let line = line_of.get(&(start, next(0))).copied().unwrap_or(1);
    let cut_line = line_of.get(&cut).copied().unwrap_or(1);
    let others = if component.len() > witness.len() {
        format!(
            " (the cycle is part of {} files that import each other)",
            component.len()
        )
    } else {
        String::new()
    };
    let message = format!(
        "import cycle: {}{others}; cutting {} → {} (line {cut_line}) breaks the most of its cycles",
        chain.join(" → "),
        name(cut.0),
        name(cut.1),
    );
    let identity: Vec<&str> = component
        .iter()
        .map(|&f| files[f].record.rel.as_str())
        .collect();
    let file = &files[start];
    // Modules of one Rust crate may use each other at no cost (the crate compiles as one
    // unit, and cycles between crates cannot exist), and Java classes import each other
    // everywhere, legally (a class cycle loads fine): such a cycle is information, unless the
    // project chose the rule's severity itself.
    let free = |language: Language| matches!(language, Language::Rust | Language::Java);
    let rust_only = component.iter().all(|&f| free(files[f].record.language))
        && component
            .iter()
            .all(|&f| files[f].record.language == files[start].record.language);
    if let Some(mut finding) =
        project_finding(file, meta, message, (line, line), &identity.join("\n"))
    {
        if rust_only && finding.severity == meta.severity {
            finding.severity = wtfcb_core::findings::Severity::Info;
        }
        finding.related = related;
        files[start].add(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Probe digests are kept in the cache's graph state: computed without building the tagged
    // string, they must stay what they were.
    #[test]
    fn a_probe_digest_is_the_digest_of_its_tagged_text() {
        assert_eq!(Probe::Path("a/b.py").digest(), digest_str("path\0a/b.py"));
        assert_eq!(Probe::Dir("a/").digest(), digest_str("dir\0a/"));
        assert_eq!(
            Probe::JavaName("A.java").digest(),
            digest_str("java\0A.java")
        );
        assert_eq!(Probe::AnyDir.digest(), digest_str("any-dir"));
        assert_eq!(Probe::PythonRoots.digest(), digest_str("python-roots"));
        assert_eq!(digest_str(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(digest_str("a"), 0xaf63_dc4c_8601_ec8c);
    }

    fn import(spec: &str, line: u32) -> Import {
        Import {
            specifier: spec.into(),
            kind: ImportKind::Static,
            line,
            names: Vec::new(),
        }
    }

    fn py(rel: &'static str, imports: &'static [Import]) -> Node<'static> {
        Node {
            rel,
            language: Language::Python,
            imports,
        }
    }

    fn leaked(imports: Vec<Import>) -> &'static [Import] {
        Box::leak(imports.into_boxed_slice())
    }

    /// The edges (from, to) by path, sorted.
    fn edges_of(nodes: &[Node], resolver: &Resolver) -> Vec<(String, String)> {
        let graph = build(nodes, resolver);
        let mut out: Vec<(String, String)> = graph
            .edges
            .iter()
            .map(|e| (nodes[e.from].rel.to_string(), nodes[e.to].rel.to_string()))
            .collect();
        out.sort();
        out
    }

    // Issue 28: `cd pkg && wtfcb analyze .` spun forever: climbing from `sub/` to the root
    // package, the parent of `""` is `""`, whose `__init__.py` exists, so the loop never ended.
    #[test]
    fn analyzed_directory_that_is_a_package_resolves_and_terminates() {
        let none: &[Import] = &[];
        let nodes = [
            py("__init__.py", none),
            py("sub/__init__.py", none),
            py("sub/deep/__init__.py", none),
            py(
                "sub/deep/m.py",
                leaked(vec![import("pkg.sub.x", 1), import("pkg.gone", 2)]),
            ),
            py(
                "sub/x.py",
                leaked(vec![import(".deep.m", 1), import("sub.deep.m", 2)]),
            ),
        ];
        let resolver =
            Resolver::new(&nodes, &Default::default(), None).with_root_package(Some("pkg".into()));
        let graph = build(&nodes, &resolver);
        assert_eq!(
            edges_of(&nodes, &resolver),
            [
                ("sub/deep/m.py".into(), "sub/x.py".into()),
                ("sub/x.py".into(), "sub/deep/m.py".into()),
            ]
        );
        // `pkg.gone` is meant for the project (the root's own package) and names no file.
        assert_eq!(graph.unresolved.len(), 1, "{:?}", graph.unresolved);
        // Without the root's name, the package is still found from inside and nothing spins.
        let resolver = Resolver::new(&nodes, &Default::default(), None);
        assert!(edges_of(&nodes, &resolver).contains(&("sub/x.py".into(), "sub/deep/m.py".into())));
    }

    // Issue 29: Django's test helper package `tests/sphinx/` made every `import sphinx` of
    // the real library elsewhere (`docs/conf.py`) an unresolved import. A package decides what
    // is unresolved only for the files under its root.
    #[test]
    fn a_test_helper_package_does_not_shadow_a_library_elsewhere() {
        let none: &[Import] = &[];
        let nodes = [
            py("tests/sphinx/__init__.py", none),
            py("tests/sphinx/helpers.py", none),
            py(
                "docs/conf.py",
                leaked(vec![import("sphinx.ext.autodoc", 1)]),
            ),
            py(
                "tests/test_docs.py",
                leaked(vec![import("sphinx.gone", 1), import("sphinx.helpers", 2)]),
            ),
        ];
        let resolver = Resolver::new(&nodes, &Default::default(), None);
        let graph = build(&nodes, &resolver);
        let unresolved: Vec<(&str, &str)> = graph
            .unresolved
            .iter()
            .map(|(f, s, _)| (nodes[*f].rel, s.as_str()))
            .collect();
        assert_eq!(unresolved, [("tests/test_docs.py", "sphinx.gone")]);
        assert_eq!(
            edges_of(&nodes, &resolver),
            [(
                "tests/test_docs.py".into(),
                "tests/sphinx/helpers.py".into()
            )]
        );
    }

    // Issue 29: on Vite, 192 of 259 unresolved imports were styles and data (`import
    // './app.css'`, `import data from './data.json'`), and `./x.js` written for a declaration
    // file `x.d.ts` was unresolved.
    #[test]
    fn script_imports_of_assets_and_declaration_files() {
        let none: &[Import] = &[];
        let ts = |rel: &'static str, imports: &'static [Import]| Node {
            rel,
            language: Language::TypeScript,
            imports,
        };
        let nodes = [
            ts(
                "src/main.ts",
                leaked(vec![
                    import("./app.css", 1),
                    import("./data.json", 2),
                    import("./logo.svg?url", 3),
                    import("./types.js", 4),
                    import("./gone.js", 5),
                    import("./worker.js?worker", 6),
                    import("./clip.mov", 7),
                    import("./gone.js?url", 8),
                ]),
            ),
            ts("src/types.d.ts", none),
            ts("src/worker.ts", none),
        ];
        let resolver = Resolver::new(&nodes, &Default::default(), None);
        let graph = build(&nodes, &resolver);
        assert_eq!(
            edges_of(&nodes, &resolver),
            [
                ("src/main.ts".into(), "src/types.d.ts".into()),
                ("src/main.ts".into(), "src/worker.ts".into())
            ]
        );
        let unresolved: Vec<&str> = graph
            .unresolved
            .iter()
            .map(|(_, s, _)| s.as_str())
            .collect();
        assert_eq!(unresolved, ["./gone.js", "./gone.js?url"]);
    }

    #[test]
    fn analyzed_directory_inside_a_package_is_named_from_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("top/pkg/sub");
        std::fs::create_dir_all(&inner).unwrap();
        for d in ["top/pkg", "top/pkg/sub"] {
            std::fs::write(dir.path().join(d).join("__init__.py"), "").unwrap();
        }
        let none: &[Import] = &[];
        let nodes = [
            py("__init__.py", none),
            py(
                "a.py",
                leaked(vec![import("pkg.sub.b", 1), import("top.x", 2)]),
            ),
            py("b.py", none),
        ];
        // `top/` has no `__init__.py`: the root's package is `pkg.sub`.
        let package = python_root_package(&inner, &nodes);
        assert_eq!(package.as_deref(), Some("pkg.sub"));
        let resolver = Resolver::new(&nodes, &Default::default(), None).with_root_package(package);
        assert_eq!(
            edges_of(&nodes, &resolver),
            [("a.py".into(), "b.py".into())]
        );
        // A root that holds no analyzed `__init__.py` is not a package.
        assert_eq!(python_root_package(&inner, &nodes[1..]), None);
    }

    #[test]
    fn analyzed_directory_holding_several_packages() {
        let none: &[Import] = &[];
        let nodes = [
            py("one/__init__.py", none),
            py("one/a.py", leaked(vec![import("two.b", 1)])),
            py("src/two/__init__.py", none),
            py(
                "src/two/b.py",
                leaked(vec![import("one.a", 1), import("two.gone", 2)]),
            ),
            py("src/two/inner/__init__.py", none),
        ];
        let resolver = Resolver::new(&nodes, &Default::default(), None);
        let graph = build(&nodes, &resolver);
        assert_eq!(
            edges_of(&nodes, &resolver),
            [
                ("one/a.py".into(), "src/two/b.py".into()),
                ("src/two/b.py".into(), "one/a.py".into()),
            ]
        );
        assert_eq!(graph.unresolved.len(), 1);
    }

    #[test]
    fn configured_include_dirs_replace_the_defaults() {
        let main = [import("\"util.h\"", 1), import("<lib/api.h>", 2)];
        let empty: [Import; 0] = [];
        let nodes = [
            Node {
                rel: "src/main.c",
                language: Language::C,
                imports: &main,
            },
            Node {
                rel: "third_party/lib/api.h",
                language: Language::C,
                imports: &empty,
            },
            Node {
                rel: "include/util.h",
                language: Language::C,
                imports: &empty,
            },
            Node {
                rel: "src/util.h",
                language: Language::C,
                imports: &empty,
            },
        ];
        let edges = |dirs: &[String]| -> Vec<(&str, &str)> {
            let graph = build(
                &nodes,
                &Resolver::new(&nodes, &Default::default(), None).with_include_dirs(dirs),
            );
            graph
                .edges
                .iter()
                .map(|e| (nodes[e.from].rel, nodes[e.to].rel))
                .collect()
        };
        // By default: beside the file first, then the root and include/.
        assert_eq!(edges(&[]), [("src/main.c", "src/util.h")]);
        let dirs = ["third_party/".to_string(), "include/".to_string()];
        assert_eq!(
            edges(&dirs),
            [
                ("src/main.c", "third_party/lib/api.h"),
                ("src/main.c", "src/util.h")
            ]
        );
    }

    #[test]
    fn rebuilding_changed_files_equals_building_all() {
        let a1 = [import("./b", 1), import("react", 2), import("./gone", 3)];
        let a2 = [import("./c", 1), import("./b", 2), import("lodash", 3)];
        let b = [import("./a", 1)];
        let c = [import("./nope", 4), import("./a", 5)];
        let ts = |rel, imports| Node {
            rel,
            language: Language::TypeScript,
            imports,
        };
        let nodes = |a| vec![ts("a.ts", a), ts("b.ts", &b[..]), ts("c.ts", &c[..])];
        let before = nodes(&a1[..]);
        let saved = build(&before, &Resolver::new(&before, &Default::default(), None));
        let after = nodes(&a2[..]);
        let resolver = Resolver::new(&after, &Default::default(), None);
        let fresh = build(&after, &resolver);
        let rebuilt = rebuild(saved, &after, &resolver, &HashSet::from([0]));
        assert_eq!(rebuilt.edges, fresh.edges);
        assert_eq!(rebuilt.external, fresh.external);
        assert_eq!(rebuilt.unresolved, fresh.unresolved);
        assert_eq!(fresh.unresolved.len(), 1);
    }

    // tokio: `#[path = "x.rs"] mod imp;`, `mod bsd { mod poll_aio; }` and an integration
    // test's `mod support { mod io; }` left 43 imports unresolved.
    #[test]
    fn rust_module_declarations_follow_path_attributes_inline_modules_and_crate_roots() {
        let files: [(&'static str, &str); 10] = [
            ("src/lib.rs", "mod io;\nmod loom;\n"),
            ("src/io/mod.rs", "pub mod bsd {\n    mod poll_aio;\n}\n"),
            ("src/io/bsd/poll_aio.rs", ""),
            ("src/loom.rs", "cfg_x! {\n    #[path = \"loom/native.rs\"]\n    mod imp;\n}\n#[doc = \"a\"]\n// why\n#[path = \"../shared.rs\"]\nmod shared;\n"),
            ("src/loom/native.rs", ""),
            ("shared.rs", ""),
            ("tests/it.rs", "mod support {\n    pub mod io;\n}\nuse crate::support::io::f;\n"),
            ("tests/support/io.rs", ""),
            ("src/rt/tests/mod.rs", "mod a;\n"),
            ("src/rt/tests/a.rs", "use crate::io;\n"),
        ];
        let facts: Vec<&'static [Import]> = files
            .iter()
            .map(|(_, text)| {
                let tree = wtfcb_core::parse::parse(Language::Rust, text).expect("parses");
                leaked(
                    wtfcb_core::facts::extract(
                        &tree,
                        text,
                        Language::Rust,
                        &wtfcb_core::rules::SYNTACTIC,
                    )
                    .imports,
                )
            })
            .collect();
        let specs: Vec<&str> = facts[3].iter().map(|i| i.specifier.as_str()).collect();
        assert_eq!(
            specs,
            [
                "#[path = \"loom/native.rs\"] mod imp",
                "#[path = \"../shared.rs\"] mod shared"
            ]
        );
        assert_eq!(facts[1][0].specifier, "mod bsd::poll_aio");
        let nodes: Vec<Node> = files
            .iter()
            .zip(&facts)
            .map(|((rel, _), imports)| Node {
                rel,
                language: Language::Rust,
                imports,
            })
            .collect();
        let resolver = Resolver::new(&nodes, &Default::default(), None);
        let graph = build(&nodes, &resolver);
        assert!(graph.unresolved.is_empty(), "{:?}", graph.unresolved);
        let pairs = [
            ("src/io/mod.rs", "src/io/bsd/poll_aio.rs"),
            ("src/loom.rs", "src/loom/native.rs"),
            ("src/loom.rs", "shared.rs"),
            ("tests/it.rs", "tests/support/io.rs"),
            ("src/rt/tests/a.rs", "src/io/mod.rs"),
        ];
        let edges = edges_of(&nodes, &resolver);
        for (from, to) in pairs {
            assert!(
                edges.contains(&(from.to_string(), to.to_string())),
                "{from} -> {to} in {edges:?}"
            );
        }
    }

    /// Files added and deleted in every language: what carries over, with the files that
    /// looked up what changed resolved again, equals resolving everything.
    #[test]
    fn carrying_over_after_added_and_deleted_files_equals_building_all() {
        let mut py_from = import(".", 3);
        py_from.names = vec!["util".into()];
        let py = [import("pkg.models", 1), import(".helpers", 2), py_from];
        let ts = [import("./util", 1), import("./lib", 2)];
        let go = [import("example.com/m/store", 1)];
        let java = [import("com.acme.Store", 1), import("com.acme.util.*", 2)];
        let java_named = [import("com.acme.Store", 1)];
        let c = [import("\"util.h\"", 1)];
        let rs = [import("mod engine", 1), import("crate::report::write", 2)];
        let rb = [import("./helper", 1)];
        let empty: [Import; 0] = [];
        let all: Vec<(&str, Language, &[Import])> = vec![
            ("app.py", Language::Python, &py),
            ("pkg/__init__.py", Language::Python, &empty),
            ("pkg/models.py", Language::Python, &py),
            ("pkg/helpers.py", Language::Python, &empty),
            ("pkg/util.py", Language::Python, &empty),
            ("web/a.ts", Language::TypeScript, &ts),
            ("web/util.ts", Language::TypeScript, &empty),
            ("web/lib/index.ts", Language::TypeScript, &empty),
            ("main.go", Language::Go, &go),
            ("store/a.go", Language::Go, &empty),
            ("store/b.go", Language::Go, &empty),
            ("src/com/acme/App.java", Language::Java, &java),
            ("src/com/acme/Store.java", Language::Java, &empty),
            ("src/com/acme/Named.java", Language::Java, &java_named),
            ("src/com/acme/util/U.java", Language::Java, &empty),
            ("c/main.c", Language::C, &c),
            ("c/util.h", Language::C, &empty),
            ("r/lib.rs", Language::Rust, &rs),
            ("r/engine.rs", Language::Rust, &empty),
            ("r/report.rs", Language::Rust, &empty),
            ("rb/app.rb", Language::Ruby, &rb),
            ("rb/helper.rb", Language::Ruby, &empty),
        ];
        let go_mod = &super::super::gomod::GoModules::parse([(
            String::new(),
            "module example.com/m\n".to_string(),
        )]);
        let graph_of = |present: &[bool]| {
            let nodes: Vec<Node> = all
                .iter()
                .zip(present)
                .filter(|(_, p)| **p)
                .map(|((rel, language, imports), _)| Node {
                    rel,
                    language: *language,
                    imports,
                })
                .collect();
            let files: Vec<(String, u64)> = nodes
                .iter()
                .map(|n| (n.rel.to_string(), imports_digest(n.language, n.imports)))
                .collect();
            let graph = build(&nodes, &Resolver::new(&nodes, go_mod, None));
            (nodes, files, graph)
        };
        let mut rng = fastrand::Rng::with_seed(11);
        let mut present = vec![true; all.len()];
        let mut resolved_again = 0;
        for step in 0..400 {
            let (_, before, saved) = graph_of(&present);
            let flip = rng.usize(..all.len());
            present[flip] = !present[flip];
            let (nodes, now, fresh) = graph_of(&present);
            let (carried, redo) = carry_over(saved, &before, &now);
            resolved_again += redo.len();
            let resolver = Resolver::new(&nodes, go_mod, None);
            let rebuilt = rebuild(carried, &nodes, &resolver, &redo);
            let what = format!("step {step}: {} {}", all[flip].0, present[flip]);
            assert_eq!(rebuilt.edges, fresh.edges, "{what}");
            assert_eq!(rebuilt.external, fresh.external, "{what}");
            assert_eq!(rebuilt.unresolved, fresh.unresolved, "{what}");
            assert_eq!(rebuilt.probes, fresh.probes, "{what}");
        }
        // Only some files were resolved again each time.
        assert!(resolved_again < 400 * all.len() / 2, "{resolved_again}");
    }

    // `mod c;` written above `use self::c::f;` in the same file: the two imports are one
    // edge, and the one kept was the `mod` line, so the use-cycle through it was missed.
    #[test]
    fn a_use_beside_a_mod_declaration_still_makes_a_cycle() {
        let lib = [import("mod b", 1)];
        let b = [import("mod c", 1), import("self::c::f", 2)];
        let c = [import("crate::b::g", 1)];
        let nodes = [
            Node {
                rel: "src/lib.rs",
                language: Language::Rust,
                imports: &lib,
            },
            Node {
                rel: "src/b.rs",
                language: Language::Rust,
                imports: &b,
            },
            Node {
                rel: "src/b/c.rs",
                language: Language::Rust,
                imports: &c,
            },
        ];
        let graph = build(&nodes, &Resolver::new(&nodes, &Default::default(), None));
        let (adjacency, line_of) = loading_edges(&graph, nodes.len());
        assert_eq!(cycles(&adjacency), [vec![1, 2]]);
        assert_eq!(line_of[&(1, 2)], 2, "the loading import's line");
        // `mod` alone loads nothing: lib.rs is in no cycle.
        assert!(adjacency[0].is_empty());
    }

    #[test]
    fn madge_447_every_cycle_is_found() {
        // a → b → c → a, and d → f → g → d hanging off c (madge's single DFS missed the second).
        let adjacency = vec![
            vec![1],    // a
            vec![2],    // b
            vec![0, 3], // c
            vec![4],    // d
            vec![5],    // f
            vec![3],    // g
        ];
        assert_eq!(cycles(&adjacency), [vec![0, 1, 2], vec![3, 4, 5]]);
        let members: HashSet<usize> = [3, 4, 5].into();
        assert_eq!(shortest_cycle(&adjacency, &members, 3), [3, 4, 5]);
    }

    #[test]
    fn the_cut_is_the_edge_on_most_cycles() {
        // Two cycles share 0 → 1: 0 → 1 → 2 → 0 and 0 → 1 → 3 → 0.
        let adjacency = vec![vec![1], vec![2, 3], vec![0], vec![0]];
        assert_eq!(cycles(&adjacency), [vec![0, 1, 2, 3]]);
        assert_eq!(suggested_cut(&adjacency, &[0, 1, 2, 3]), (0, 1));
    }

    #[test]
    // wtfcb: ignore[long-function] -- one table of files and imports, one case per language.
    fn resolution_per_language() {
        let py_rel = [
            import(".b", 1),
            import("pkg.c", 2),
            import("os", 3),
            import(".gone", 4),
        ];
        let mut from_import = import(".", 5);
        from_import.names = vec!["c".into()];
        let py = [
            py_rel[0].clone(),
            py_rel[1].clone(),
            py_rel[2].clone(),
            py_rel[3].clone(),
            from_import,
        ];
        let js = [
            import("./util", 1),
            import("../lib", 2),
            import("react", 3),
            import("./x.js", 4),
        ];
        let rs = [
            import("mod engine", 1),
            import("crate::report::json::write", 2),
            import("std::io", 3),
        ];
        let c = [
            import("\"util.h\"", 1),
            import("<stdio.h>", 2),
            import("\"gone.h\"", 3),
        ];
        let rb = [import("./helper", 1), import("json", 2)];
        let go = [import("example.com/m/store", 1), import("fmt", 2)];
        let java = [import("com.acme.Store", 1), import("java.util.List", 2)];
        let empty: [Import; 0] = [];
        let nodes = [
            Node {
                rel: "src/pkg/__init__.py",
                language: Language::Python,
                imports: &empty,
            },
            Node {
                rel: "src/pkg/a.py",
                language: Language::Python,
                imports: &py,
            },
            Node {
                rel: "src/pkg/b.py",
                language: Language::Python,
                imports: &empty,
            },
            Node {
                rel: "src/pkg/c.py",
                language: Language::Python,
                imports: &empty,
            },
            Node {
                rel: "web/app.ts",
                language: Language::TypeScript,
                imports: &js,
            },
            Node {
                rel: "web/util.ts",
                language: Language::TypeScript,
                imports: &empty,
            },
            Node {
                rel: "lib/index.js",
                language: Language::JavaScript,
                imports: &empty,
            },
            Node {
                rel: "web/x.ts",
                language: Language::TypeScript,
                imports: &empty,
            },
            Node {
                rel: "rs/src/lib.rs",
                language: Language::Rust,
                imports: &rs,
            },
            Node {
                rel: "rs/src/engine.rs",
                language: Language::Rust,
                imports: &empty,
            },
            Node {
                rel: "rs/src/report/json.rs",
                language: Language::Rust,
                imports: &empty,
            },
            Node {
                rel: "c/main.c",
                language: Language::C,
                imports: &c,
            },
            Node {
                rel: "c/util.h",
                language: Language::C,
                imports: &empty,
            },
            Node {
                rel: "rb/app.rb",
                language: Language::Ruby,
                imports: &rb,
            },
            Node {
                rel: "rb/helper.rb",
                language: Language::Ruby,
                imports: &empty,
            },
            Node {
                rel: "main.go",
                language: Language::Go,
                imports: &go,
            },
            Node {
                rel: "store/store.go",
                language: Language::Go,
                imports: &empty,
            },
            Node {
                rel: "store/store_test.go",
                language: Language::Go,
                imports: &empty,
            },
            Node {
                rel: "j/src/main/java/com/acme/App.java",
                language: Language::Java,
                imports: &java,
            },
            Node {
                rel: "j/src/main/java/com/acme/Store.java",
                language: Language::Java,
                imports: &empty,
            },
        ];
        let go = super::super::gomod::GoModules::parse([(
            String::new(),
            "module example.com/m\n\ngo 1.22\n".to_string(),
        )]);
        let resolver = Resolver::new(&nodes, &go, None);
        let graph = build(&nodes, &resolver);
        let edges: Vec<(&str, &str)> = graph
            .edges
            .iter()
            .map(|e| (nodes[e.from].rel, nodes[e.to].rel))
            .collect();
        assert_eq!(
            edges,
            [
                ("src/pkg/a.py", "src/pkg/__init__.py"),
                ("src/pkg/a.py", "src/pkg/b.py"),
                ("src/pkg/a.py", "src/pkg/c.py"),
                ("web/app.ts", "web/util.ts"),
                ("web/app.ts", "lib/index.js"),
                ("web/app.ts", "web/x.ts"),
                ("rs/src/lib.rs", "rs/src/engine.rs"),
                ("rs/src/lib.rs", "rs/src/report/json.rs"),
                ("c/main.c", "c/util.h"),
                ("rb/app.rb", "rb/helper.rb"),
                ("main.go", "store/store.go"),
                (
                    "j/src/main/java/com/acme/App.java",
                    "j/src/main/java/com/acme/Store.java"
                ),
            ]
        );
        let unresolved: Vec<(&str, &str)> = graph
            .unresolved
            .iter()
            .map(|(f, s, _)| (nodes[*f].rel, s.as_str()))
            .collect();
        assert_eq!(
            unresolved,
            [("src/pkg/a.py", ".gone"), ("c/main.c", "\"gone.h\"")]
        );
        let external: Vec<&str> = graph.external.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            external,
            [
                "os",
                "react",
                "std::io",
                "<stdio.h>",
                "json",
                "fmt",
                "java.util.List"
            ]
        );
    }
}
