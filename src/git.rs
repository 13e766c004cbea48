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

/// An object's content, or its size when it is over the caller's limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blob {
    Content(Vec<u8>),
    TooLarge(u64),
}

/// A path changed between a commit and the working tree or the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Added, modified or changed in type (the path is the same on both sides).
    Modified,
    /// Renamed (or copied) from this repository path.
    RenamedFrom(String),
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
                crate::report::tty(said)
            );
        }
        let top = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim_end_matches('\n'));
        let top = std::fs::canonicalize(&top).unwrap_or(top);
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let prefix = match root.strip_prefix(&top) {
            Ok(rel) if rel.as_os_str().is_empty() => String::new(),
            Ok(rel) => format!("{}/", rel.to_string_lossy()),
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
    fn run(&self, args: &[&str], what: &str) -> anyhow::Result<Vec<u8>> {
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
                crate::report::tty(message.trim())
            );
        }
        Ok(out.stdout)
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
                crate::report::tty(reference),
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
                crate::report::tty(reference)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The commit HEAD points at, if there is one.
    pub fn head(&self) -> Option<String> {
        self.resolve("HEAD", "HEAD").ok()
    }

    /// Paths of the project that differ between `commit` and the working tree (or the index,
    /// with `cached`), by their project-relative path, with renames detected at `similarity`
    /// percent. Deleted paths are left out.
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
            "--name-status",
            "-z",
            renames.as_str(),
        ];
        if cached {
            args.push("--cached");
        }
        args.extend([commit, "--", "."]);
        let out = self.run(&args, what)?;
        let mut fields = out.split(|&b| b == 0).map(|f| String::from_utf8_lossy(f));
        let mut changes = HashMap::new();
        while let Some(status) = fields.next() {
            if status.is_empty() {
                break;
            }
            let first = fields.next().unwrap_or_default().into_owned();
            let (path, change) = match status.as_bytes()[0] {
                b'R' | b'C' => {
                    let to = fields.next().unwrap_or_default().into_owned();
                    (to, Change::RenamedFrom(first))
                }
                b'D' => continue,
                _ => (first, Change::Modified),
            };
            if let Some(rel) = self.project_path(&path) {
                changes.insert(rel.to_string(), change);
            }
        }
        Ok(changes)
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
            .filter_map(|p| {
                let p = String::from_utf8_lossy(p);
                self.project_path(&p).map(str::to_string)
            })
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

    /// The contents of objects named `<tree-ish>:<repository path>` (`:path` for the index),
    /// read through one `git cat-file --batch`. An object that is missing or not a blob is
    /// left out, and so is a name holding a newline, which the batch protocol cannot carry;
    /// one larger than `max_size` bytes is `TooLarge` (and never held in memory).
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
                *lines.counts.entry(fnv(line)).or_insert(0) += 1;
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

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
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
