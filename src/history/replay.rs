//! The range replayed as events, before anything is analyzed: which file (an identity that
//! follows git's renames) went from which blob to which at each commit, and each file's churn.
//! Every distinct (blob, path) is listed once, so it is analyzed once.

use std::collections::{HashMap, HashSet};

use super::log::{self, Commit};
use crate::git::Repo;
use wtfcb_core::lang::Language;

/// A blob at a project-relative path: what is analyzed (the path chooses the language and
/// the rules' settings).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobAt {
    pub object: String,
    pub rel: String,
    pub language: Language,
}

/// A file's step at one commit: from one blob (or none: added) to another (or none: gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub file: usize,
    pub before: Option<usize>,
    pub after: Option<usize>,
}

/// Where a commit's state starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Its first parent's state (an earlier commit of the range, by index), with its events.
    Parent(usize),
    /// Its whole tree (the events add every file).
    Tree,
}

/// One commit's place in the replay.
#[derive(Debug, Clone)]
pub struct Step {
    pub start: Start,
    pub events: Vec<Event>,
    /// Lines added and deleted in the analyzed files (none for a merge outside
    /// `--first-parent`: its side's commits count them).
    pub added: u64,
    pub deleted: u64,
}

/// A file across the range.
#[derive(Debug, Clone, Default)]
pub struct FileHistory {
    /// Its project-relative path, the last it had.
    pub rel: String,
    /// Commits that changed it, and their lines added and deleted.
    pub commits: u64,
    pub added: u64,
    pub deleted: u64,
    pub authors: HashSet<String>,
}

/// The replayed range.
#[derive(Debug, Default)]
pub struct Replay {
    pub blobs: Vec<BlobAt>,
    pub steps: Vec<Step>,
    pub files: Vec<FileHistory>,
    /// Per commit, the blobs of its tree, for the commits whose cross-file numbers are wanted.
    pub trees: HashMap<usize, Vec<usize>>,
}

/// A state: repository path → (file identity, blob).
type State = HashMap<String, (usize, usize)>;

/// Paths a commit removed from the state, with their files.
type Gone = HashMap<String, usize>;

/// What decides which repository paths are analyzed, and as what.
pub struct Selection<'a> {
    pub repo: &'a Repo,
    /// Project-relative prefixes the user named (empty: the whole project).
    pub under: Vec<String>,
    pub selector: wtfcb_core::walk::PathSelector,
}

impl Selection<'_> {
    /// The project-relative path and language of a repository path, if it is analyzed.
    pub fn select(&self, repo_path: &str) -> Option<(String, Language)> {
        let rel = self.repo.project_path(repo_path)?;
        if !self.under.is_empty()
            && !self
                .under
                .iter()
                .any(|u| rel == u || rel.starts_with(&format!("{u}/")))
        {
            return None;
        }
        let language = self.selector.select(rel)?;
        Some((rel.to_string(), language))
    }
}

struct Replayer<'a> {
    selection: &'a Selection<'a>,
    out: Replay,
    blob_index: HashMap<BlobAt, usize>,
}

impl Replayer<'_> {
    fn blob(&mut self, object: &str, rel: String, language: Language) -> usize {
        let key = BlobAt {
            object: object.to_string(),
            rel,
            language,
        };
        if let Some(&i) = self.blob_index.get(&key) {
            return i;
        }
        self.out.blobs.push(key.clone());
        self.blob_index.insert(key, self.out.blobs.len() - 1);
        self.out.blobs.len() - 1
    }

    fn new_file(&mut self, rel: &str) -> usize {
        self.out.files.push(FileHistory {
            rel: rel.to_string(),
            ..FileHistory::default()
        });
        self.out.files.len() - 1
    }

    /// The state of a commit's whole tree, every file an event.
    fn whole_tree(&mut self, repo: &Repo, commit: &str) -> anyhow::Result<(State, Vec<Event>)> {
        let mut state = State::new();
        let mut events = Vec::new();
        for (path, object, mode) in log::tree(repo, commit)? {
            if !log::is_regular(mode) {
                continue;
            }
            let Some((rel, language)) = self.selection.select(&path) else {
                continue;
            };
            let file = self.new_file(&rel);
            let blob = self.blob(&object, rel, language);
            state.insert(path, (file, blob));
            events.push(Event {
                file,
                before: None,
                after: Some(blob),
            });
        }
        Ok((state, events))
    }

    /// Applies a commit's changes to its parent's state; also returns the paths that left
    /// it, with their files.
    fn apply(&mut self, state: &mut State, commit: &Commit) -> (Vec<Event>, Gone) {
        let mut events = Vec::new();
        let mut gone = Gone::new();
        for change in &commit.changes {
            // A rename carries its file's identity; anything else that leaves a path
            // removes it.
            let carried = match (change.status, &change.from) {
                (b'R', Some(from)) => state.remove(from),
                _ => None,
            };
            if let (Some((file, _)), Some(from)) = (carried, &change.from) {
                gone.insert(from.clone(), file);
            }
            // A rename keeps its file's identity; a file it replaces at its new path ends.
            let replaced = state.remove(&change.path);
            let previous = carried.or(replaced);
            if let (Some(_), Some((file, blob))) = (carried, replaced) {
                events.push(Event {
                    file,
                    before: Some(blob),
                    after: None,
                });
            }
            let selected = (change.status != b'D' && log::is_regular(change.mode))
                .then(|| self.selection.select(&change.path))
                .flatten();
            let after = selected.map(|(rel, language)| {
                let file = match previous {
                    Some((file, _)) => {
                        self.out.files[file].rel.clone_from(&rel);
                        file
                    }
                    None => self.new_file(&rel),
                };
                (file, self.blob(&change.object, rel, language))
            });
            match (previous, after) {
                (_, Some((file, blob))) => {
                    state.insert(change.path.clone(), (file, blob));
                    let before = previous.map(|p| p.1);
                    if before != Some(blob) {
                        events.push(Event {
                            file,
                            before,
                            after: Some(blob),
                        });
                    }
                }
                (Some((file, blob)), None) => {
                    gone.insert(change.path.clone(), file);
                    events.push(Event {
                        file,
                        before: Some(blob),
                        after: None,
                    });
                }
                (None, None) => {}
            }
        }
        (events, gone)
    }

    /// Adds a commit's churn to the files it touched (by their paths after the commit, or
    /// before it for a deletion).
    fn churn(&mut self, state: &State, gone: &Gone, commit: &Commit, authors: bool) -> (u64, u64) {
        let (mut added, mut deleted) = (0, 0);
        let mut seen = HashSet::new();
        for (path, counts) in &commit.numstat {
            let Some(file) = state
                .get(path)
                .map(|e| e.0)
                .or_else(|| gone.get(path).copied())
            else {
                continue;
            };
            let (a, d) = counts.unwrap_or((0, 0));
            let history = &mut self.out.files[file];
            history.added += a;
            history.deleted += d;
            if seen.insert(file) {
                history.commits += 1;
                if authors {
                    history.authors.insert(commit.author.clone());
                }
            }
            added += a;
            deleted += d;
        }
        (added, deleted)
    }
}

/// What the replay needs besides the commits.
pub struct Options<'a> {
    pub first_parent: bool,
    pub authors: bool,
    /// Commits (by index) whose whole tree is wanted.
    pub want_trees: &'a HashSet<usize>,
}

/// Replays `commits` (parents before children). A commit whose first parent is in the range
/// starts from its state; any other from its whole tree (`git ls-tree`).
pub fn replay(
    selection: &Selection,
    commits: &[Commit],
    options: &Options,
) -> anyhow::Result<Replay> {
    let index: HashMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    // How many later commits start from each one's state: a state is kept until its last
    // child has taken it (moved, not copied, for the last one).
    let mut children = vec![0usize; commits.len()];
    let parent_of = |c: &Commit| {
        c.parents
            .first()
            .and_then(|p| index.get(p.as_str()).copied())
    };
    for commit in commits {
        if let Some(p) = parent_of(commit) {
            children[p] += 1;
        }
    }
    let mut r = Replayer {
        selection,
        out: Replay::default(),
        blob_index: HashMap::new(),
    };
    let mut states: HashMap<usize, State> = HashMap::new();
    for (i, commit) in commits.iter().enumerate() {
        let (start, gone, mut state, events) = match parent_of(commit) {
            Some(p) => {
                children[p] -= 1;
                let mut state = if children[p] == 0 {
                    states.remove(&p).unwrap_or_default()
                } else {
                    states.get(&p).cloned().unwrap_or_default()
                };
                let (events, gone) = r.apply(&mut state, commit);
                (Start::Parent(p), gone, state, events)
            }
            None => {
                let (state, events) = r.whole_tree(selection.repo, &commit.id)?;
                (Start::Tree, Gone::new(), state, events)
            }
        };
        // A merge's lines were counted at its side's commits, unless those are not listed.
        let merge = commit.parents.len() > 1 && !options.first_parent;
        let (added, deleted) = if merge {
            (0, 0)
        } else {
            r.churn(&state, &gone, commit, options.authors)
        };
        r.out.steps.push(Step {
            start,
            events,
            added,
            deleted,
        });
        if options.want_trees.contains(&i) {
            let mut blobs: Vec<usize> = state.values().map(|&(_, b)| b).collect();
            blobs.sort_unstable();
            r.out.trees.insert(i, blobs);
        }
        if children[i] > 0 {
            states.insert(i, std::mem::take(&mut state));
        }
    }
    Ok(r.out)
}
