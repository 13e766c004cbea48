//! What `--new-since`, `--staged` and baseline renames need from git, asked of the `git`
//! command (as users' hooks and CI have it). Every answer is read with `-z` where git offers
//! it, every blob is bounded by the caller's size limit, and a failure names what was asked.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

/// A git work tree, and where the project root sits inside it.
#[derive(Debug, Clone)]
pub struct Repo {
    top: PathBuf,
    /// The project root relative to the top of the work tree, `/`-separated, ending in `/`
    /// (empty at the top).
    prefix: String,
}

pub use wtfcb_core::source::Blob;

/// A path changed between a commit and the working tree or the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Not in the commit.
    Added,
    /// Modified or changed in type (the path is the same on both sides); the object it had in
    /// the commit (a blob, or a submodule's commit).
    Modified { base: String },
    /// Renamed (or copied) from this repository path, whose object in the commit was `base`.
    RenamedFrom { path: String, base: String },
}

/// One entry of the index (`git ls-files -s`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// `100644`, `100755`, `120000` (a link), `160000` (a submodule's commit).
    pub mode: u32,
    pub object: String,
    /// 0, or 1 to 3 for the sides of a conflict.
    pub stage: u8,
}

impl IndexEntry {
    pub fn is_submodule(&self) -> bool {
        self.mode == 0o160000
    }
}

/// A repository path as git writes it (bytes) in the project's text form
/// ([`wtfcb_core::walk::path_text`]): a name with a backslash or bytes that are not UTF-8 compares
/// equal to the walk's, never lossily.
pub(crate) fn text(bytes: &[u8]) -> String {
    use std::os::unix::ffi::OsStrExt;
    wtfcb_core::walk::path_text(std::ffi::OsStr::from_bytes(bytes))
}

/// Whether `name` is an object id as git writes it (hex, SHA-1 or SHA-256).
fn is_object_id(name: &str) -> bool {
    matches!(name.len(), 40 | 64) && name.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Repo {
    /// The repository holding `root`; `what` names the flag that needs it, for errors.
    pub fn discover(root: &Path, what: &str) -> anyhow::Result<Repo> {
        let out = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["rev-parse", "--show-toplevel"])
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("{what} needs git, which could not be run"))?;
        if !out.status.success() {
            // git says why: not a repository, or one it refuses (`dubious ownership`).
            let said = String::from_utf8_lossy(&out.stderr);
            let said = said.lines().next().unwrap_or("").trim();
            let said = said.strip_prefix("fatal: ").unwrap_or(said);
            bail!(
                "{what} needs a git repository, and git found none usable at {} ({})",
                root.display(),
                wtfcb_core::text::tty(said)
            );
        }
        let top = {
            use std::os::unix::ffi::OsStrExt;
            let bytes = out.stdout.strip_suffix(b"\n").unwrap_or(&out.stdout);
            PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
        };
        let top = std::fs::canonicalize(&top).unwrap_or(top);
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let prefix = match root.strip_prefix(&top) {
            Ok(rel) if rel.as_os_str().is_empty() => String::new(),
            Ok(rel) => format!("{}/", wtfcb_core::walk::path_text(rel.as_os_str())),
            Err(_) => bail!(
                "{what}: the project root {} is outside its repository {}",
                root.display(),
                top.display()
            ),
        };
        Ok(Repo { top, prefix })
    }

    fn git(&self) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C")
            .arg(&self.top)
            .arg("--no-optional-locks")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs git and returns its standard output; an error quotes git's own message.
    pub fn run(&self, args: &[&str], what: &str) -> anyhow::Result<Vec<u8>> {
        let out = self
            .git()
            .args(args)
            .output()
            .with_context(|| format!("{what}: git could not be run"))?;
        if !out.status.success() {
            let message = String::from_utf8_lossy(&out.stderr);
            bail!(
                "{what}: git {} failed: {}",
                args.first().unwrap_or(&""),
                wtfcb_core::text::tty(message.trim())
            );
        }
        Ok(out.stdout)
    }

    /// The top of the work tree.
    pub fn top(&self) -> &Path {
        &self.top
    }

    /// Where the project root sits in the work tree: `/`-separated, ending in `/` (empty at
    /// the top).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The repository path of a project-relative path.
    pub fn repo_path(&self, rel: &str) -> String {
        format!("{}{rel}", self.prefix)
    }

    /// The project-relative path of a repository path, if it lies inside the project.
    pub fn project_path<'p>(&self, repo_path: &'p str) -> Option<&'p str> {
        repo_path.strip_prefix(&self.prefix)
    }

    /// The commit `reference` names, or an error naming it.
    pub fn resolve(&self, reference: &str, what: &str) -> anyhow::Result<String> {
        // `--end-of-options` keeps a reference that starts with `-` from being an option.
        let out = self
            .git()
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{reference}^{{commit}}"))
            .output()
            .with_context(|| format!("{what}: git could not be run"))?;
        if !out.status.success() {
            bail!(
                "{what}: `{}` names no commit in {}",
                wtfcb_core::text::tty(reference),
                self.top.display()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The best common ancestor of `reference` and `HEAD`.
    pub fn merge_base(&self, reference: &str, what: &str) -> anyhow::Result<String> {
        let commit = self.resolve(reference, what)?;
        let head = self.resolve("HEAD", what)?;
        let out = self
            .git()
            .args(["merge-base", &commit, &head])
            .output()
            .with_context(|| format!("{what}: git could not be run"))?;
        if !out.status.success() {
            bail!(
                "{what}: `{}` and HEAD have no common ancestor",
                wtfcb_core::text::tty(reference)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The commit HEAD points at, if there is one.
    pub fn head(&self) -> Option<String> {
        self.resolve("HEAD", "HEAD").ok()
    }

    /// Paths of the project that differ between `commit` and the working tree (or the index,
    /// with `cached`), by their project-relative path, with the object each had in `commit`
    /// and renames detected at `similarity` percent (`git diff --raw -z`: the base objects
    /// come with the list, so reading them needs no lookup by path). Deleted paths are left
    /// out.
    pub fn changes(
        &self,
        commit: &str,
        cached: bool,
        similarity: u8,
        what: &str,
    ) -> anyhow::Result<HashMap<String, Change>> {
        let renames = format!("-M{similarity}%");
        let mut args = vec![
            "diff",
            "--no-ext-diff",
            "--no-textconv",
            "--raw",
            "--no-abbrev",
            "-z",
            renames.as_str(),
        ];
        if cached {
            args.push("--cached");
        }
        args.extend([commit, "--", "."]);
        let out = self.run(&args, what)?;
        Ok(self.parse_raw(&out))
    }

    /// `:old-mode new-mode old-object new-object STATUS\0path\0[new path\0]`, repeated.
    fn parse_raw(&self, out: &[u8]) -> HashMap<String, Change> {
        let mut fields = out.split(|&b| b == 0);
        let mut changes = HashMap::new();
        while let Some(head) = fields.next() {
            let head = String::from_utf8_lossy(head);
            let parts: Vec<&str> = head.trim_start_matches(':').split(' ').collect();
            let [_, _, base, _, status] = parts[..] else {
                break;
            };
            let Some(first) = fields.next().map(text) else {
                break;
            };
            let base = base.to_string();
            let known = is_object_id(&base) && base.bytes().any(|b| b != b'0');
            let (path, change) = match status.as_bytes().first() {
                Some(b'R' | b'C') => {
                    let Some(to) = fields.next().map(text) else {
                        break;
                    };
                    (to, Change::RenamedFrom { path: first, base })
                }
                Some(b'D') => continue,
                _ if !known => (first, Change::Added),
                _ => (first, Change::Modified { base }),
            };
            if let Some(rel) = self.project_path(&path) {
                changes.insert(rel.to_string(), change);
            }
        }
        changes
    }

    /// The index (`git ls-files -s -z`) by project-relative path: its stage-0 entry, or for a
    /// path in conflict the entry of its highest stage.
    pub fn index(&self, what: &str) -> anyhow::Result<HashMap<String, IndexEntry>> {
        let out = self.run(&["ls-files", "-s", "-z", "--", "."], what)?;
        let mut index: HashMap<String, IndexEntry> = HashMap::new();
        for record in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            // `mode object stage\tpath`: the path is everything after the first tab.
            let Some(tab) = record.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let head = String::from_utf8_lossy(&record[..tab]);
            let parts: Vec<&str> = head.split(' ').collect();
            let [mode, object, stage] = parts[..] else {
                continue;
            };
            let (Ok(mode), Ok(stage)) = (u32::from_str_radix(mode, 8), stage.parse::<u8>()) else {
                continue;
            };
            let path = text(&record[tab + 1..]);
            let Some(rel) = self.project_path(&path) else {
                continue;
            };
            let entry = IndexEntry {
                mode,
                object: object.to_string(),
                stage,
            };
            match index.get(rel) {
                Some(e) if e.stage == 0 || e.stage >= stage => {}
                _ => {
                    index.insert(rel.to_string(), entry);
                }
            }
        }
        Ok(index)
    }

    /// The directories (absolute, under the work tree's top) that hold a file of the index.
    pub fn tracked_dirs(&self, what: &str) -> anyhow::Result<std::collections::HashSet<PathBuf>> {
        use std::os::unix::ffi::OsStrExt;
        let out = self.run(
            &["ls-files", "-z", "--cached", "--full-name", "--", "."],
            what,
        )?;
        let mut dirs = std::collections::HashSet::new();
        for path in out.split(|&b| b == 0).filter(|p| !p.is_empty()) {
            let mut dir = Path::new(std::ffi::OsStr::from_bytes(path)).parent();
            while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                if !dirs.insert(self.top.join(d)) {
                    break;
                }
                dir = d.parent();
            }
        }
        Ok(dirs)
    }

    /// Project-relative paths of the files in the index.
    pub fn tracked(&self, what: &str) -> anyhow::Result<std::collections::HashSet<String>> {
        self.path_list(&["ls-files", "-z", "--cached", "--", "."], what)
    }

    /// The project-relative paths of a git command's NUL-separated list of repository paths
    /// (those outside the project left out).
    fn path_list(
        &self,
        args: &[&str],
        what: &str,
    ) -> anyhow::Result<std::collections::HashSet<String>> {
        let out = self.run(args, what)?;
        Ok(out
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .filter_map(|p| self.project_path(&text(p)).map(str::to_string))
            .collect())
    }

    /// Project-relative paths whose working-tree content differs from the index.
    pub fn unstaged(&self, what: &str) -> anyhow::Result<std::collections::HashSet<String>> {
        self.path_list(
            &[
                "diff",
                "--no-ext-diff",
                "--no-textconv",
                "--name-only",
                "-z",
                "--",
                ".",
            ],
            what,
        )
    }

    /// The contents of objects named by their id or as `<commit>:<repository path>`, read
    /// through one `git cat-file --batch`. An object that is missing or not a blob is left out,
    /// and so is a name holding a newline, which the batch protocol cannot carry; one larger
    /// than `max_size` bytes is `TooLarge` (and never held in memory). Index and base contents
    /// are asked for by id: `:path` is revision syntax (`:0:a.py` is a stage, not a file).
    pub fn blobs(
        &self,
        names: &[String],
        max_size: u64,
        what: &str,
    ) -> anyhow::Result<HashMap<String, Blob>> {
        let names: Vec<&String> = names.iter().filter(|n| !n.contains('\n')).collect();
        let mut out = HashMap::new();
        if names.is_empty() {
            return Ok(out);
        }
        let mut child = self
            .git()
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("{what}: git could not be run"))?;
        let mut stdin = child.stdin.take().context("git's stdin")?;
        // Written from a thread: git answers as it reads, and both pipes are bounded.
        let requests: Vec<u8> = names
            .iter()
            .flat_map(|n| n.bytes().chain(std::iter::once(b'\n')))
            .collect();
        let writer = std::thread::Builder::new()
            .name("wtfcb-git".into())
            .spawn(move || {
                let _ = stdin.write_all(&requests);
            })
            .with_context(|| format!("{what}: cannot start a thread to feed git"))?;
        let mut reader = BufReader::new(child.stdout.take().context("git's stdout")?);
        for name in names {
            let mut header = Vec::new();
            reader.read_until(b'\n', &mut header)?;
            let header = String::from_utf8_lossy(&header);
            let mut parts = header.trim_end().split(' ');
            let (_oid, kind, size) = (parts.next(), parts.next(), parts.next());
            let Some(size) = size.and_then(|s| s.parse::<u64>().ok()) else {
                continue; // `<name> missing` or `ambiguous`: no content follows.
            };
            let keep = kind == Some("blob") && size <= max_size;
            let mut content = Vec::new();
            let copied = if keep {
                (&mut reader).take(size).read_to_end(&mut content)? as u64
            } else {
                std::io::copy(&mut (&mut reader).take(size), &mut std::io::sink())?
            };
            let mut newline = [0u8; 1];
            reader.read_exact(&mut newline)?;
            if copied != size {
                bail!("{what}: git cat-file ended early");
            }
            if keep {
                out.insert(name.clone(), Blob::Content(content));
            } else if kind == Some("blob") {
                out.insert(name.clone(), Blob::TooLarge(size));
            }
        }
        let _ = writer.join();
        let _ = child.wait();
        Ok(out)
    }
}

/// The non-blank lines of a text, by hash, with how often each occurs (indentation ignored):
/// what [`Lines::similarity`] compares.
#[derive(Debug, Default)]
pub struct Lines {
    counts: HashMap<u64, u32>,
    total: u64,
}

impl Lines {
    pub fn of(text: &[u8]) -> Lines {
        let mut lines = Lines::default();
        for line in text.split(|&b| b == b'\n') {
            let line = line.trim_ascii();
            if !line.is_empty() {
                *lines
                    .counts
                    .entry(wtfcb_core::text::fnv64(line))
                    .or_insert(0) += 1;
                lines.total += 1;
            }
        }
        lines
    }

    /// The share (0 to 1) of lines two texts have in common, counting a repeated line as
    /// often as both have it, over the larger line count: 1 for equal texts, low for a small
    /// file against a big one.
    pub fn similarity(&self, other: &Lines) -> f64 {
        let larger = self.total.max(other.total);
        if larger == 0 {
            return 0.0;
        }
        let shared: u64 = other
            .counts
            .iter()
            .map(|(h, &n)| u64::from(n.min(self.counts.get(h).copied().unwrap_or(0))))
            .sum();
        shared as f64 / larger as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_similarity(old: &[u8], new: &[u8]) -> f64 {
        Lines::of(old).similarity(&Lines::of(new))
    }

    #[test]
    fn line_similarity_counts_shared_lines_over_the_larger_file() {
        let a = b"def f():\n    return 1\n\n\ndef g():\n    return 2\n";
        assert_eq!(line_similarity(a, a), 1.0);
        // Re-indented and with blank lines added: the same lines.
        assert_eq!(
            line_similarity(a, b"def f():\n  return 1\ndef g():\n  return 2\n"),
            1.0
        );
        // Ten lines inserted at the top of a 4-line file: 4 of 14.
        let mut longer = b"x = 0\n".repeat(10);
        longer.extend_from_slice(a);
        assert!((line_similarity(a, &longer) - 4.0 / 14.0).abs() < 1e-9);
        // Repeated lines count as often as both sides have them.
        assert_eq!(line_similarity(b"a\na\nb\n", b"a\nb\nb\n"), 2.0 / 3.0);
        assert_eq!(line_similarity(b"", b""), 0.0);
    }
}
