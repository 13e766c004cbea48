//! A range of history as git tells it: the commits, parents before children, each with what
//! changed against its first parent (`--raw`, renames found by `-M`), from one `git log -z`;
//! the lines added and deleted per path (`--numstat`, which costs ten times the rest, so it
//! is asked only for the commits the history store lacks) from one `git diff-tree --stdin`;
//! and a commit's whole tree (`git ls-tree -r -z`). Nothing is checked out or written.

use anyhow::{bail, Context};

use crate::git::{text, Repo};

/// A commit's lines added and deleted per path (`None`: a binary file).
pub type Churn = Vec<(String, Option<(u64, u64)>)>;

/// Which commits: the last N of HEAD, those since a reference, or those between two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Range {
    Last(usize),
    Since(String),
    Between(String, String),
}

/// A path changed by a commit against its first parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `A`, `M`, `D`, `T`, `R` or `C` (git's status letter).
    pub status: u8,
    /// The repository path after the commit (before it, for a deletion).
    pub path: String,
    /// For a rename or copy, the path it came from.
    pub from: Option<String>,
    /// The object after the commit (all zeros for a deletion) and its mode.
    pub object: String,
    pub mode: u32,
}

/// One commit of the range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    pub id: String,
    pub parents: Vec<String>,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    pub author: String,
    pub subject: String,
    pub changes: Vec<Change>,
    /// Lines added and deleted per path (after the commit); `None` for a binary file.
    pub numstat: Churn,
}

/// A commit record starts with this byte (ASCII record separator), its header fields are
/// split by the unit separator.
const RECORD: u8 = 0x1e;
const UNIT: char = '\u{1f}';

/// The commits of `range`, oldest first and parents before children (`--topo-order`), with
/// only first parents followed when `first_parent`.
pub fn commits(repo: &Repo, range: &Range, first_parent: bool) -> anyhow::Result<Vec<Commit>> {
    let what = "history";
    let mut args: Vec<String> = [
        "log",
        "-z",
        "--no-abbrev",
        "--raw",
        "-r",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--diff-merges=first-parent",
        "--reverse",
        "--format=%x1e%H %P%x1f%ct%x1f%aN%x1f%s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if first_parent {
        args.push("--first-parent".into());
    }
    match range {
        Range::Last(n) => {
            let head = repo.resolve("HEAD", what)?;
            args.push(format!("--max-count={n}"));
            args.push(head);
        }
        Range::Since(reference) => {
            let base = repo.resolve(reference, "history --since")?;
            let head = repo.resolve("HEAD", what)?;
            args.push(format!("{base}..{head}"));
        }
        Range::Between(from, to) => {
            let from = repo.resolve(from, "history --from")?;
            let to = repo.resolve(to, "history --to")?;
            args.push(format!("{from}..{to}"));
        }
    }
    args.push("--".into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = repo.run(&refs, what)?;
    let commits = parse_log(&out).context("history: git log's output")?;
    Ok(parents_first(commits))
}

/// The commits reordered so that every commit comes after its parents in the list (git's
/// `--topo-order` walks the whole history to do this, 0.5 s on 100,000 commits); otherwise in
/// the order given (oldest first by date).
pub fn parents_first(commits: Vec<Commit>) -> Vec<Commit> {
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, HashMap};
    let index: HashMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut waiting = vec![0usize; commits.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); commits.len()];
    for (i, c) in commits.iter().enumerate() {
        for p in &c.parents {
            if let Some(&p) = index.get(p.as_str()) {
                waiting[i] += 1;
                children[p].push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..commits.len())
        .filter(|&i| waiting[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(commits.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &c in &children[i] {
            waiting[c] -= 1;
            if waiting[c] == 0 {
                ready.push(Reverse(c));
            }
        }
    }
    let mut slots: Vec<Option<Commit>> = commits.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Reads the next NUL-terminated token at `*at`.
fn token<'a>(bytes: &'a [u8], at: &mut usize) -> anyhow::Result<&'a [u8]> {
    let rest = &bytes[*at..];
    let Some(end) = rest.iter().position(|&b| b == 0) else {
        bail!("a field without its NUL at byte {}", *at);
    };
    *at += end + 1;
    Ok(&rest[..end])
}

/// Parses `git log -z --raw` (and `--numstat`, if asked for) with the header of [`commits`].
pub fn parse_log(bytes: &[u8]) -> anyhow::Result<Vec<Commit>> {
    let mut commits: Vec<Commit> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            RECORD => {
                at += 1;
                let header = token(bytes, &mut at)?;
                commits.push(parse_header(&String::from_utf8_lossy(header))?);
            }
            // Between a header and its diff, and after the last entry.
            b'\n' => at += 1,
            b':' => {
                let meta = token(bytes, &mut at)?;
                let change = parse_raw(meta, bytes, &mut at)?;
                let commit = commits.last_mut().context("a change before any commit")?;
                commit.changes.push(change);
            }
            _ => {
                let entry = parse_numstat(bytes, &mut at)?;
                let commit = commits
                    .last_mut()
                    .context("a line count before any commit")?;
                commit.numstat.push(entry);
            }
        }
    }
    Ok(commits)
}

fn parse_header(header: &str) -> anyhow::Result<Commit> {
    let mut fields = header.splitn(4, UNIT);
    let ids = fields.next().unwrap_or("");
    let mut ids = ids.split(' ').filter(|s| !s.is_empty());
    let id = ids.next().context("a commit without its id")?.to_string();
    if !matches!(id.len(), 40 | 64) || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("`{}` is not a commit id", wtfcb_core::text::tty(&id));
    }
    let parents = ids.map(str::to_string).collect();
    let time = fields.next().and_then(|t| t.parse().ok()).unwrap_or(0);
    let author = fields.next().unwrap_or("").to_string();
    let subject = fields.next().unwrap_or("").to_string();
    Ok(Commit {
        id,
        parents,
        time,
        author,
        subject,
        ..Commit::default()
    })
}

/// `:<old mode> <new mode> <old object> <new object> <status>`, then one path, or two for a
/// rename or copy.
fn parse_raw(meta: &[u8], bytes: &[u8], at: &mut usize) -> anyhow::Result<Change> {
    let meta = String::from_utf8_lossy(&meta[1..]);
    let fields: Vec<&str> = meta.split(' ').collect();
    let [_, mode, _, object, status] = fields[..] else {
        bail!("a raw diff entry of {} fields", fields.len());
    };
    let status = *status
        .as_bytes()
        .first()
        .context("a raw diff entry without status")?;
    let mode = u32::from_str_radix(mode, 8).unwrap_or(0);
    let first = text(token(bytes, at)?);
    let (path, from) = if matches!(status, b'R' | b'C') {
        (text(token(bytes, at)?), Some(first))
    } else {
        (first, None)
    };
    Ok(Change {
        status,
        path,
        from,
        object: object.to_string(),
        mode,
    })
}

/// `<added>\t<deleted>\t<path>`, or for a rename `<added>\t<deleted>\t` then the two paths.
fn parse_numstat(bytes: &[u8], at: &mut usize) -> anyhow::Result<(String, Option<(u64, u64)>)> {
    let entry = token(bytes, at)?;
    let mut fields = entry.splitn(3, |&b| b == b'\t');
    let (added, deleted, path) = (fields.next(), fields.next(), fields.next());
    let (Some(added), Some(deleted), Some(path)) = (added, deleted, path) else {
        bail!("a line count entry that is not `added<TAB>deleted<TAB>path`");
    };
    let number = |b: &[u8]| std::str::from_utf8(b).ok()?.parse::<u64>().ok();
    let counts = number(added).zip(number(deleted));
    let path = if path.is_empty() {
        let _from = token(bytes, at)?;
        text(token(bytes, at)?)
    } else {
        text(path)
    };
    Ok((path, counts))
}

/// The lines added and deleted per path of each `(commit, first parent)` (a root commit:
/// against the empty tree), from one `git diff-tree --stdin`; by commit id.
pub fn numstat(
    repo: &Repo,
    pairs: &[(String, Option<String>)],
) -> anyhow::Result<std::collections::HashMap<String, Churn>> {
    use std::io::Write as _;
    let mut out = std::collections::HashMap::new();
    if pairs.is_empty() {
        return Ok(out);
    }
    let input: String = pairs
        .iter()
        .map(|(c, p)| match p {
            Some(p) => format!("{c} {p}\n"),
            None => format!("{c}\n"),
        })
        .collect();
    let mut child = std::process::Command::new("git")
        .arg("-C")
        .arg(repo.top())
        .args([
            "--no-optional-locks",
            "diff-tree",
            "--stdin",
            "--root",
            "-z",
            "-r",
            "-M",
            "--numstat",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("history: git could not be run")?;
    let mut stdin = child.stdin.take().context("git's stdin")?;
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().context("history: git diff-tree")?;
    let _ = writer.join();
    if !output.status.success() {
        bail!(
            "history: git diff-tree failed: {}",
            wtfcb_core::text::tty(String::from_utf8_lossy(&output.stderr).trim())
        );
    }
    let bytes = &output.stdout;
    let (mut at, mut current) = (0, None::<String>);
    while at < bytes.len() {
        let start = at;
        let first = token(bytes, &mut at)?;
        if !first.contains(&b'\t') {
            let id = String::from_utf8_lossy(first).to_string();
            out.entry(id.clone()).or_insert_with(Vec::new);
            current = Some(id);
            continue;
        }
        at = start;
        let entry = parse_numstat(bytes, &mut at)?;
        let id = current.as_ref().context("a line count before any commit")?;
        out.entry(id.clone()).or_insert_with(Vec::new).push(entry);
    }
    Ok(out)
}

/// The files of a commit's tree: (repository path, blob id, mode), regular files and links
/// only (a submodule is a commit, not content).
pub fn tree(repo: &Repo, commit: &str) -> anyhow::Result<Vec<(String, String, u32)>> {
    let out = repo.run(
        &["ls-tree", "-r", "-z", "--full-tree", commit, "--"],
        "history",
    )?;
    let mut files = Vec::new();
    for entry in out.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let Some(tab) = entry.iter().position(|&b| b == b'\t') else {
            bail!("history: git ls-tree wrote an entry without a path");
        };
        let meta = String::from_utf8_lossy(&entry[..tab]);
        let mut fields = meta.split(' ');
        let (mode, kind, object) = (fields.next(), fields.next(), fields.next());
        if kind != Some("blob") {
            continue;
        }
        let mode = mode
            .and_then(|m| u32::from_str_radix(m, 8).ok())
            .unwrap_or(0);
        let object = object.unwrap_or("").to_string();
        files.push((text(&entry[tab + 1..]), object, mode));
    }
    Ok(files)
}

/// Whether a mode is a file with content to analyze (not a symbolic link or a submodule).
pub fn is_regular(mode: u32) -> bool {
    matches!(mode, 0o100644 | 0o100755 | 0o100664)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_records_are_split_into_commits_changes_and_counts() {
        let id = |c: char| c.to_string().repeat(40);
        let mut out = Vec::new();
        out.push(RECORD);
        out.extend_from_slice(
            format!(
                "{} {}\u{1f}1700000000\u{1f}Ann\u{1f}Fix: a\u{1e}b",
                id('a'),
                id('b')
            )
            .as_bytes(),
        );
        out.extend_from_slice(b"\0\n");
        out.extend_from_slice(
            format!(":100644 100644 {} {} M\0src/a.py\0", id('1'), id('2')).as_bytes(),
        );
        out.extend_from_slice(
            format!(
                ":100644 100644 {} {} R087\0old name.py\0new\tname.py\0",
                id('3'),
                id('4')
            )
            .as_bytes(),
        );
        out.extend_from_slice(b"3\t1\tsrc/a.py\0");
        out.extend_from_slice(b"2\t0\t\0old name.py\0new\tname.py\0");
        out.extend_from_slice(b"-\t-\tlogo.png\0");
        out.push(RECORD);
        out.extend_from_slice(format!("{}\u{1f}1700000001\u{1f}Bo\u{1f}", id('c')).as_bytes());
        out.extend_from_slice(b"\0\n");
        let commits = parse_log(&out).unwrap();
        assert_eq!(commits.len(), 2);
        let first = &commits[0];
        assert_eq!(first.parents, vec![id('b')]);
        // A record separator inside the subject does not start a commit.
        assert_eq!(first.subject, "Fix: a\u{1e}b");
        assert_eq!(first.changes.len(), 2);
        assert_eq!(first.changes[1].status, b'R');
        assert_eq!(first.changes[1].from.as_deref(), Some("old name.py"));
        assert_eq!(first.changes[1].path, "new\tname.py");
        assert_eq!(first.changes[1].object, id('4'));
        assert_eq!(
            first.numstat,
            vec![
                ("src/a.py".to_string(), Some((3, 1))),
                ("new\tname.py".to_string(), Some((2, 0))),
                ("logo.png".to_string(), None),
            ]
        );
        assert!(commits[1].parents.is_empty());
        assert!(commits[1].changes.is_empty());
    }

    #[test]
    fn parents_come_first_whatever_the_dates_say() {
        let commit = |id: char, parents: &[char]| Commit {
            id: id.to_string().repeat(40),
            parents: parents.iter().map(|p| p.to_string().repeat(40)).collect(),
            ..Commit::default()
        };
        // Oldest first by date, but `b` (a rebased commit) is dated before its parent `a`,
        // and `c` merges `b` and `d`.
        let by_date = vec![
            commit('b', &['a']),
            commit('a', &['0']),
            commit('d', &['a']),
            commit('c', &['b', 'd']),
        ];
        let ids: Vec<char> = parents_first(by_date)
            .iter()
            .map(|c| c.id.chars().next().unwrap())
            .collect();
        assert_eq!(ids, ['a', 'b', 'd', 'c']);
    }

    #[test]
    fn damaged_log_output_is_an_error_not_a_panic() {
        for bad in [
            &b"\x1enot-an-id\0\n"[..],
            b":100644 100644 a b M\0x.py\0",
            b"\x1e",
            b"3\t1",
        ] {
            assert!(parse_log(bad).is_err(), "{bad:?}");
        }
    }
}
