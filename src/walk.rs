//! Which files a run looks at: the `ignore` walker (built on walkdir) with git's ignore rules,
//! include/exclude globs, hidden and symlink policy, sorted, with a reason for each skip.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::lang::Language;
use crate::source;

/// What the user asked to walk and how.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub no_ignore: bool,
    pub hidden: bool,
    pub follow_links: bool,
    pub max_file_size: u64,
    /// The project root (canonical): where the config file or `.git` is. Paths relative to
    /// it name files in overrides and in the cache.
    pub project_root: Option<PathBuf>,
    /// Globs from the config file, matched against project-relative paths; the excludes
    /// also apply to files named on the command line.
    pub project_include: Vec<String>,
    pub project_exclude: Vec<String>,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            include: Vec::new(),
            exclude: Vec::new(),
            no_ignore: false,
            hidden: false,
            follow_links: false,
            max_file_size: 1024 * 1024,
            project_root: None,
            project_include: Vec::new(),
            project_exclude: Vec::new(),
        }
    }
}

/// A file to read and parse.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// The path as shown in reports (`./` stripped).
    pub display: String,
    /// The path to open.
    pub path: PathBuf,
    pub language: Language,
    /// The path relative to the project root (`/`-separated), or `display` outside it.
    pub rel: String,
    /// Size and modification time (ns since the epoch) as the walk saw them.
    pub size: u64,
    pub mtime_ns: i64,
    /// Device and inode: the file's identity, however its path was typed.
    pub identity: (u64, u64),
}

impl Candidate {
    /// A `.h` file: C or C++, decided by its content once it is read.
    pub fn is_header(&self) -> bool {
        self.language == Language::C && self.path.extension().is_some_and(|e| e == "h")
    }
}

/// A file that was seen and deliberately not analyzed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// A problem with one path that did not stop the run (unreadable, vanished, symlink loop).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub path: String,
    pub message: String,
    /// The file's analysis failed (a parser crashed or hung, an internal error), as opposed
    /// to a problem of the file system: the run exits 2.
    #[serde(skip)]
    pub analysis_failed: bool,
}

#[derive(Debug, Default)]
pub struct WalkResult {
    pub files: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<Diagnostic>,
    /// Regular files of languages wtfcb does not parse (not listed one by one).
    pub other_files: usize,
}

/// Compiled include/exclude globs. A glob without `/` matches a name at any depth, as in
/// `.gitignore`; one with `/` matches the path relative to the walked root.
#[derive(Clone)]
struct Filters {
    include: Option<GlobSet>,
    exclude: GlobSet,
    project_include: Option<GlobSet>,
    project_exclude: GlobSet,
}

/// The globs a user pattern stands for: without `/` it matches a name at any depth, and a
/// directory pattern also covers everything under it.
pub fn glob_variants(pattern: &str) -> [String; 2] {
    let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
    let full = if trimmed.contains('/') {
        trimmed.to_string()
    } else {
        format!("**/{trimmed}")
    };
    let under = format!("{full}/**");
    [full, under]
}

/// Compiles one user pattern the way the walk will (its variants, down to the regex), so a
/// pattern that cannot be compiled is reported where it was written.
pub fn check_glob(pattern: &str) -> Result<(), String> {
    let mut builder = GlobSetBuilder::new();
    for glob in glob_variants(pattern) {
        builder.add(Glob::new(&glob).map_err(|e| e.to_string())?);
    }
    builder
        .build()
        .map(|_| ())
        .map_err(|e| format!("cannot compile it: {e}"))
}

fn glob_set(patterns: &[String]) -> anyhow::Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        check_glob(pattern).map_err(|e| anyhow::anyhow!("invalid glob {pattern:?}: {e}"))?;
        for glob in glob_variants(pattern) {
            builder.add(Glob::new(&glob).with_context(|| format!("invalid glob {pattern:?}"))?);
        }
    }
    Ok(builder.build()?)
}

impl Filters {
    fn new(opts: &WalkOptions) -> anyhow::Result<Filters> {
        let include = if opts.include.is_empty() {
            None
        } else {
            Some(glob_set(&opts.include)?)
        };
        let project_include = if opts.project_include.is_empty() {
            None
        } else {
            Some(glob_set(&opts.project_include)?)
        };
        Ok(Filters {
            include,
            exclude: glob_set(&opts.exclude)?,
            project_include,
            project_exclude: glob_set(&opts.project_exclude)?,
        })
    }

    /// `rel` is relative to the walked root, `project_rel` to the project root.
    fn excluded(&self, rel: &Path, project_rel: Option<&Path>) -> bool {
        (!rel.as_os_str().is_empty() && self.exclude.is_match(rel))
            || project_rel
                .is_some_and(|p| !p.as_os_str().is_empty() && self.project_exclude.is_match(p))
    }

    fn included(&self, rel: &Path, project_rel: Option<&Path>) -> bool {
        self.include.as_ref().is_none_or(|set| set.is_match(rel))
            && match (&self.project_include, project_rel) {
                (Some(set), Some(p)) => set.is_match(p),
                _ => true,
            }
    }
}

/// A relative path with `/` separators, as stored and matched.
fn slash_path(p: &Path) -> String {
    let parts: Vec<_> = p.components().map(|c| path_text(c.as_os_str())).collect();
    parts.join("/")
}

/// A name as text, losslessly: bytes that are not UTF-8 become `\xHH` and a backslash becomes
/// `\\`, so two different names never read the same (a lossy decoding turned `a\xff.py` and
/// `a\xfe.py` into one name, and the cache mixed up their results).
pub fn path_text(name: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    let bytes = name.as_bytes();
    if !bytes.contains(&b'\\') {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return text.to_string();
        }
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Modification time in nanoseconds since the epoch (0 if the platform has none).
pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

/// The path as a user reads it: `./src/a.py` becomes `src/a.py`.
pub fn display_path(path: &Path) -> String {
    let shown = path.strip_prefix(".").unwrap_or(path);
    let text = path_text(shown.as_os_str());
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

/// The language of a file by extension, else by shebang for files without an extension.
fn detect_language(path: &Path) -> Option<Language> {
    match path.extension() {
        Some(_) => Language::from_path(path),
        None => Language::from_shebang(&source::read_head(path, 256)),
    }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

fn error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            error_message(err)
        }
        ignore::Error::Loop { ancestor, .. } => {
            format!("symlink loop back to {}", display_path(ancestor))
        }
        other => other.to_string(),
    }
}

/// Walks every path. A path that does not exist is an error for the whole run (the user typed
/// it); everything found below it that cannot be used is a skip or a diagnostic.
pub fn walk(paths: &[PathBuf], opts: &WalkOptions) -> anyhow::Result<WalkResult> {
    for path in paths {
        if let Err(err) = std::fs::metadata(path) {
            bail!("{}: {}", path.display(), err);
        }
    }
    let filters = Filters::new(opts)?;
    let mut out = WalkResult::default();
    for root in paths {
        walk_root(root, opts, &filters, &mut out);
    }
    out.files.sort();
    // `scan . src`, `scan a.py ./a.py d/../a.py`: one file, reached by several paths, is
    // analyzed once, under the first of its names in sorted order.
    let mut seen = std::collections::HashSet::new();
    out.files.retain(|c| seen.insert(c.identity));
    out.files.dedup_by(|a, b| a.path == b.path);
    out.skipped.sort();
    out.skipped.dedup();
    out.errors.sort();
    out.errors.dedup();
    Ok(out)
}

// wtfcb: ignore[complex-function, cognitive-complexity, long-function] -- the walk's one loop: each skip rule in turn; to be split by rule.
fn walk_root(root: &Path, opts: &WalkOptions, filters: &Filters, out: &mut WalkResult) {
    let respect = !opts.no_ignore;
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(!opts.hidden)
        .parents(respect)
        .ignore(respect)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .require_git(false)
        .follow_links(opts.follow_links);
    let show_hidden = opts.hidden;
    let walk_root = root.to_path_buf();
    let prune = filters.clone();
    // Where the walked root sits in the project: `src` for `wtfcb analyze src`.
    let base: Option<PathBuf> = opts.project_root.as_ref().and_then(|project| {
        let canonical = std::fs::canonicalize(root).ok()?;
        canonical.strip_prefix(project).ok().map(Path::to_path_buf)
    });
    let project_rel = move |rel: &Path| {
        base.as_ref().map(|b| {
            if rel.as_os_str().is_empty() {
                b.clone()
            } else {
                b.join(rel)
            }
        })
    };
    let prune_rel = project_rel.clone();
    builder.filter_entry(move |entry| {
        if entry.depth() == 0 {
            return true;
        }
        if !show_hidden && entry.file_name() == ".git" {
            return false;
        }
        let rel = entry
            .path()
            .strip_prefix(&walk_root)
            .unwrap_or(entry.path());
        !prune.excluded(rel, prune_rel(rel).as_deref())
    });

    for result in builder.build() {
        let entry = match result {
            Ok(entry) => entry,
            Err(err) => {
                let path = error_path(&err)
                    .map(display_path)
                    .unwrap_or_else(|| display_path(root));
                out.errors.push(Diagnostic {
                    path,
                    message: error_message(&err),
                    analysis_failed: false,
                });
                continue;
            }
        };
        let path = entry.path();
        let explicit = entry.depth() == 0;
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            continue;
        }
        // A symlink to a file named on the command line follows the walk's rule too: only with
        // --follow-links (the walker itself always resolves its roots).
        if explicit
            && !opts.follow_links
            && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        {
            out.skipped.push(Skipped {
                path: display_path(path),
                reason: "symlink (not followed)".into(),
            });
            continue;
        }
        let display = display_path(path);
        let rel = path.strip_prefix(root).unwrap_or(path);
        let in_project = project_rel(rel);
        // Excluded entries were pruned by `filter_entry`; an explicit file is always taken,
        // unless the project's config excludes it.
        if explicit && filters.excluded(Path::new(""), in_project.as_deref()) {
            continue;
        }
        if !explicit && !filters.included(rel, in_project.as_deref()) {
            continue;
        }
        if file_type.is_symlink() {
            // Only reached without --follow-links: the walker reports links as links.
            out.skipped.push(Skipped {
                path: display,
                reason: "symlink (not followed)".into(),
            });
            continue;
        }
        if !file_type.is_file() {
            out.skipped.push(Skipped {
                path: display,
                reason: "not a regular file (FIFO, socket or device)".into(),
            });
            continue;
        }
        let Some(language) = detect_language(path) else {
            if explicit {
                out.skipped.push(Skipped {
                    path: display,
                    reason: "unsupported language".into(),
                });
            } else {
                out.other_files += 1;
            }
            continue;
        };
        match entry.metadata() {
            Ok(meta) if meta.len() > opts.max_file_size => out.skipped.push(Skipped {
                path: display,
                reason: format!(
                    "too large ({} bytes > --max-file-size {})",
                    meta.len(),
                    opts.max_file_size
                ),
            }),
            Ok(meta) => out.files.push(Candidate {
                rel: in_project
                    .map(|p| slash_path(&p))
                    .unwrap_or_else(|| display.clone()),
                display,
                path: path.to_path_buf(),
                language,
                size: meta.len(),
                mtime_ns: mtime_ns(&meta),
                identity: (meta.dev(), meta.ino()),
            }),
            Err(err) => out.errors.push(Diagnostic {
                path: display,
                message: error_message(&err),
                analysis_failed: false,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_utf8_stay_distinct() {
        use std::os::unix::ffi::OsStrExt;
        let name = |b: &[u8]| path_text(std::ffi::OsStr::from_bytes(b));
        assert_eq!(name(b"a\xff.py"), "a\\xFF.py");
        assert_ne!(name(b"a\xff.py"), name(b"a\xfe.py"));
        // A literal backslash cannot pose as an escape.
        assert_eq!(name(b"a\\xFF.py"), "a\\\\xFF.py");
        assert_eq!(name("caf\u{e9}.py".as_bytes()), "caf\u{e9}.py");
    }

    #[test]
    fn display_strips_dot_prefix() {
        assert_eq!(display_path(Path::new("./src/a.py")), "src/a.py");
        assert_eq!(display_path(Path::new(".")), ".");
        assert_eq!(display_path(Path::new("src/a.py")), "src/a.py");
    }

    #[test]
    fn globs_without_slash_match_at_any_depth() {
        let set = glob_set(&["vendor".to_string(), "*.min.js".to_string()]).unwrap();
        assert!(set.is_match("vendor"));
        assert!(set.is_match("a/vendor/x.js"));
        assert!(set.is_match("web/app.min.js"));
        assert!(!set.is_match("web/app.js"));
        let rooted = glob_set(&["src/gen/**".to_string()]).unwrap();
        assert!(rooted.is_match("src/gen/a.rs"));
        assert!(!rooted.is_match("lib/src/gen/a.rs"));
    }
}
