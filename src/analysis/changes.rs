//! `analyze --staged` and `--new-since REF`: what git says changed, turned into the content to
//! analyze and the findings that were already there.

use std::collections::{HashMap, HashSet};

use crate::git::{Blob, Change, IndexEntry, Lines, Repo};
use crate::settings::AnalyzeSettings;
use wtfcb_core::walk::{Skipped, WalkResult};
use wtfcb_engine::engine::{self, Contents, Outcome, Services};
use wtfcb_report::baseline::{entries_of, Baseline, Entry};
use wtfcb_report::report::analyze::NewSinceSummary;

/// Similarity, in percent, at which git's rename detection pairs a deleted and an added file
/// (git's own default).
const RENAME_SIMILARITY: u8 = 50;

/// What git told a run with `--staged` or `--new-since`, asked before anything is written: a
/// bad reference or a missing repository stops the run with nothing on disk.
#[derive(Default)]
pub struct Git {
    repo: Option<Repo>,
    /// `--new-since`'s merge-base.
    base: Option<String>,
    /// `--staged`: index content of the files whose working copy differs.
    pub staged: Option<Contents>,
    /// `--staged`: the files the index changes against `HEAD` (all of them before the first
    /// commit): what the commit is about.
    pub staged_changed: Option<HashSet<String>>,
}

impl Git {
    pub fn prepare(settings: &AnalyzeSettings, walked: &mut WalkResult) -> anyhow::Result<Git> {
        let Some(repo) = repo_for(settings)? else {
            return Ok(Git::default());
        };
        let base = merge_base(settings, &repo)?;
        let staged = settings
            .staged
            .then(|| staged_contents(&repo, walked, settings.walk.options.max_file_size))
            .transpose()?;
        let staged_changed = match (settings.staged, repo.head()) {
            (true, Some(head)) => Some(
                repo.changes(&head, true, RENAME_SIMILARITY, "--staged")?
                    .into_keys()
                    .collect(),
            ),
            _ => None,
        };
        Ok(Git {
            repo: Some(repo),
            base,
            staged,
            staged_changed,
        })
    }

    /// With `--new-since`: the findings at the merge-base (see [`findings_at_base`]).
    pub fn new_since(
        &self,
        settings: &AnalyzeSettings,
        walked: &WalkResult,
        outcomes: &[Outcome],
        services: &Services,
    ) -> anyhow::Result<Option<(NewSinceSummary, Baseline)>> {
        match (&self.repo, &self.base) {
            (Some(repo), Some(base)) => {
                findings_at_base(settings, repo, base.clone(), walked, outcomes, services).map(Some)
            }
            _ => Ok(None),
        }
    }
}

/// The repository `--staged` or `--new-since` needs.
fn repo_for(settings: &AnalyzeSettings) -> anyhow::Result<Option<Repo>> {
    let what = match (&settings.new_since, settings.staged) {
        (Some(_), _) => "--new-since",
        (None, true) => "--staged",
        (None, false) => return Ok(None),
    };
    Repo::discover(&settings.walk.project.root, what).map(Some)
}

/// For `--staged`: files not in the index leave the walk (as skipped), and files whose
/// working-tree content differs from the index are analyzed from the index.
fn staged_contents(
    repo: &Repo,
    walked: &mut WalkResult,
    max_size: u64,
) -> anyhow::Result<Contents> {
    let index = repo.index("--staged")?;
    let unstaged = repo.unstaged("--staged")?;
    let (kept, untracked): (Vec<_>, Vec<_>) = std::mem::take(&mut walked.files)
        .into_iter()
        .partition(|c| index.contains_key(&c.rel));
    walked.files = kept;
    walked
        .skipped
        .extend(untracked.into_iter().map(|c| Skipped {
            path: c.display,
            reason: "not in the git index (--staged analyzes staged content)".into(),
        }));
    // The staged content, by object id: a path is never spelled as revision syntax (`:a.py`),
    // which misreads names such as `0:a.py` and cannot carry a newline.
    let staged: Vec<(&str, &str)> = walked
        .files
        .iter()
        .filter(|c| unstaged.contains(&c.rel))
        .filter_map(|c| {
            let entry = index.get(&c.rel).filter(|e| e.stage == 0)?;
            Some((c.rel.as_str(), entry.object.as_str()))
        })
        .collect();
    let objects: Vec<String> = staged.iter().map(|(_, o)| o.to_string()).collect();
    let blobs = repo.blobs(&objects, max_size, "--staged")?;
    Ok(staged
        .into_iter()
        .filter_map(|(rel, object)| Some((rel.to_string(), blobs.get(object)?.clone())))
        .collect())
}

/// For `--new-since REF`: the merge-base of REF and HEAD (an error naming REF when it names
/// no commit).
fn merge_base(settings: &AnalyzeSettings, repo: &Repo) -> anyhow::Result<Option<String>> {
    settings
        .new_since
        .as_deref()
        .map(|reference| repo.merge_base(reference, "--new-since"))
        .transpose()
}

/// For `--new-since REF`: the findings at the merge-base `base` of REF and HEAD, as a baseline over
/// today's paths. A file unchanged since then (same path, same content) had exactly today's
/// findings; a changed or renamed one is analyzed as it was at the merge-base, through the
/// same pipeline and cache; a file that did not exist there (or is untracked) had none.
fn findings_at_base(
    settings: &AnalyzeSettings,
    repo: &Repo,
    base: String,
    walked: &WalkResult,
    outcomes: &[Outcome],
    services: &Services,
) -> anyhow::Result<(NewSinceSummary, Baseline)> {
    let what = "--new-since";
    let reference = settings.new_since.as_deref().unwrap_or("HEAD");
    let (repos, states) = states_at_base(settings, repo, &base, walked)?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut changed: Vec<(&wtfcb_core::walk::Candidate, usize, &str)> = Vec::new();
    for (candidate, outcome) in walked.files.iter().zip(outcomes) {
        let Outcome::Analyzed(record) = outcome else {
            continue;
        };
        match states.get(&candidate.rel) {
            Some(AtBase::Same) => entries.extend(entries_of(
                &own_findings(record.findings.as_deref().unwrap_or(&[])),
                &candidate.rel,
            )),
            Some(AtBase::Was { repo, object }) => changed.push((candidate, *repo, object)),
            Some(AtBase::Absent) | None => {}
        }
    }
    let max_size = settings.walk.options.max_file_size;
    let mut contents = Contents::new();
    let mut files = Vec::new();
    for (r, repo) in repos.iter().enumerate() {
        let objects: Vec<String> = changed
            .iter()
            .filter(|(_, from, _)| *from == r)
            .map(|(_, _, o)| o.to_string())
            .collect();
        if objects.is_empty() {
            continue;
        }
        let blobs = repo.blobs(&objects, max_size, what)?;
        for (candidate, _, object) in changed.iter().filter(|(_, from, _)| *from == r) {
            if let Some(blob @ Blob::Content(_)) = blobs.get(*object) {
                contents.insert(candidate.rel.clone(), blob.clone());
                files.push((*candidate).clone());
            }
        }
    }
    let base_walk = WalkResult {
        files,
        ..WalkResult::default()
    };
    let base_services = Services {
        contents: Some(&contents),
        tokens: wtfcb_project::project::token_need(&settings.rules, settings.duplicates),
        observer: None,
        ..*services
    };
    let base_outcomes =
        engine::process_walked(&base_walk, &settings.walk.plan(), &base_services, None)?;
    // Each base file is one candidate: one record each.
    for outcome in &base_outcomes {
        if let Outcome::Analyzed(record) = outcome {
            entries.extend(entries_of(
                &own_findings(record.findings.as_deref().unwrap_or(&[])),
                &record.rel,
            ));
        }
    }
    entries.extend(project_findings_at_base(
        settings,
        &states,
        walked,
        outcomes,
        base_outcomes,
        services.cache,
    ));
    let summary = NewSinceSummary {
        reference: reference.to_string(),
        merge_base: base,
        preexisting: 0,
        changed: states
            .iter()
            .filter(|(_, s)| **s != AtBase::Same)
            .map(|(rel, _)| rel.clone())
            .collect(),
    };
    Ok((
        summary,
        Baseline {
            entries,
            commit: None,
            warnings: Vec::new(),
        },
    ))
}

/// What a file of today was at the merge-base.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AtBase {
    /// The same content at the same path: its findings were there.
    Same,
    /// Other content (or another path): this object of `repos[repo]`.
    Was { repo: usize, object: String },
    /// Not there (added since, or untracked): none of its findings were.
    Absent,
}

/// How a submodule's files compare with the merge-base.
enum Submodule {
    /// Its commit did not move.
    Unchanged,
    /// Added since, or moved from a commit this clone lacks: its files are new.
    New,
    /// Moved: its files compare with its old commit, in `repos[repo]`.
    Moved {
        repo: usize,
        changes: HashMap<String, Change>,
        tracked: HashSet<String>,
    },
}

/// Each walked file's state at the merge-base `base`, from one `git diff --raw` (and one per
/// submodule that moved), with the repositories whose objects the states name (the project's
/// first). A file in a submodule whose commit did not move is unchanged, as `git diff` says;
/// in one that moved, it is compared with the submodule's old commit; in one that is new, or
/// whose old commit this clone lacks, it is new.
fn states_at_base(
    settings: &AnalyzeSettings,
    repo: &Repo,
    base: &str,
    walked: &WalkResult,
) -> anyhow::Result<(Vec<Repo>, HashMap<String, AtBase>)> {
    let what = "--new-since";
    let index = repo.index(what)?;
    let changes = repo.changes(base, settings.staged, RENAME_SIMILARITY, what)?;
    let mut repos = vec![repo.clone()];
    // Per submodule (its directory, `/`-ended): how its files compare.
    let mut submodules: Vec<(String, Submodule)> = Vec::new();
    let mut gitlinks: Vec<&String> = index
        .iter()
        .filter(|(_, e): &(&String, &IndexEntry)| e.is_submodule())
        .map(|(rel, _)| rel)
        .collect();
    gitlinks.sort();
    for rel in gitlinks {
        let state = match changes.get(rel) {
            None => Submodule::Unchanged,
            Some(Change::Modified { base: old }) => {
                Repo::discover(&settings.walk.project.root.join(rel), what)
                    .and_then(|sub| {
                        let changes = sub.changes(old, false, RENAME_SIMILARITY, what)?;
                        let tracked = sub.tracked(what)?;
                        repos.push(sub);
                        Ok(Submodule::Moved {
                            repo: repos.len() - 1,
                            changes,
                            tracked,
                        })
                    })
                    .unwrap_or(Submodule::New)
            }
            Some(_) => Submodule::New,
        };
        submodules.push((format!("{rel}/"), state));
    }
    let classify = |rel: &str, changes: &HashMap<String, Change>, known: bool, r: usize| {
        if !known {
            return AtBase::Absent;
        }
        match changes.get(rel) {
            None => AtBase::Same,
            Some(Change::Added) => AtBase::Absent,
            Some(Change::Modified { base } | Change::RenamedFrom { base, .. }) => AtBase::Was {
                repo: r,
                object: base.clone(),
            },
        }
    };
    let states = walked
        .files
        .iter()
        .map(|c| {
            let rel = c.rel.as_str();
            let state = match submodules
                .iter()
                .find(|(dir, _)| rel.starts_with(dir.as_str()))
            {
                Some((_, Submodule::Unchanged)) => AtBase::Same,
                Some((_, Submodule::New)) => AtBase::Absent,
                Some((
                    dir,
                    Submodule::Moved {
                        repo,
                        changes,
                        tracked,
                    },
                )) => {
                    let inner = &rel[dir.len()..];
                    classify(inner, changes, tracked.contains(inner), *repo)
                }
                None => classify(rel, &changes, index.contains_key(rel), 0),
            };
            (c.rel.clone(), state)
        })
        .collect();
    Ok((repos, states))
}

/// A file's findings of its own: what the project phase added (clones, cycles, contracts)
/// depends on other files, and is judged on the project as it was (see
/// [`project_findings_at_base`]).
fn own_findings(findings: &[wtfcb_core::findings::Finding]) -> Vec<wtfcb_core::findings::Finding> {
    findings
        .iter()
        .filter(|f| !wtfcb_core::rules::is_project_rule(&f.rule))
        .cloned()
        .collect()
}

/// The findings of the project rules on the project as it was at the merge-base: today's files
/// where they are unchanged, their base versions where they changed, without the files that
/// did not exist there. A clone or a cycle that was there is old even when one of its files
/// changed; one that a new copy or a new import made is new, in whichever file it is reported.
fn project_findings_at_base(
    settings: &AnalyzeSettings,
    states: &HashMap<String, AtBase>,
    walked: &WalkResult,
    outcomes: &[Outcome],
    base_outcomes: Vec<Outcome>,
    cache: Option<&wtfcb_store::cache::Cache>,
) -> Vec<Entry> {
    let mut at_base: std::collections::HashMap<String, Outcome> = base_outcomes
        .into_iter()
        .filter_map(|o| match &o {
            Outcome::Analyzed(r) => Some((r.rel.clone(), o)),
            _ => None,
        })
        .collect();
    let mut project: Vec<Outcome> = Vec::with_capacity(walked.files.len());
    for (candidate, outcome) in walked.files.iter().zip(outcomes) {
        let Outcome::Analyzed(record) = outcome else {
            continue;
        };
        if let Some(base) = at_base.remove(&candidate.rel) {
            project.push(base);
        } else if matches!(states.get(&candidate.rel), Some(AtBase::Same)) {
            let mut record = record.clone();
            record.findings = Some(own_findings(record.findings.as_deref().unwrap_or(&[])));
            project.push(Outcome::Analyzed(record));
        }
    }
    let ctx = wtfcb_project::project::Context {
        rules: &settings.rules,
        mode: settings.duplicates,
        root: &settings.walk.project.root,
        cache,
        max_size: settings.walk.options.max_file_size,
        contracts: &settings.walk.project.config.contracts,
        saved_state: false,
    };
    wtfcb_project::project::run(&mut project, &ctx);
    project
        .iter()
        .filter_map(|o| match o {
            Outcome::Analyzed(r) => Some(r),
            _ => None,
        })
        .flat_map(|r| {
            let theirs: Vec<wtfcb_core::findings::Finding> = r
                .findings
                .iter()
                .flatten()
                .filter(|f| wtfcb_core::rules::is_project_rule(&f.rule))
                .cloned()
                .collect();
            entries_of(&theirs, &r.rel)
        })
        .collect()
}

/// Share of lines a file must have in common with a baselined file that disappeared to be
/// taken for it, renamed (see [`crate::git::Lines::similarity`]).
const RENAME_LINE_SHARE: f64 = 0.85;
/// At most this many vanished files are read back from git to look for renames by content.
const MAX_VANISHED: usize = 1000;
/// At most this many files without entries are compared with them.
const MAX_NEWCOMERS: usize = 5000;

/// Moves the baseline's entries of files renamed since it was written to their new paths, so
/// their findings stay accepted: renames git reports between the baseline's commit and the
/// working tree, then files sharing at least 85% of their lines with a baselined file that
/// disappeared (`mv` without `git mv`, or a rename with edits). Needs the commit the baseline
/// recorded; without git, or when git fails, the baseline is used as it is, with a warning.
pub fn follow_renames(
    settings: &AnalyzeSettings,
    baseline: &mut Baseline,
    walked: &WalkResult,
    outcomes: &[Outcome],
    warnings: &mut Vec<String>,
) {
    let Some(commit) = baseline.commit.clone() else {
        return;
    };
    let present: HashSet<&str> = walked.files.iter().map(|c| c.rel.as_str()).collect();
    let baselined: HashSet<&str> = baseline.entries.iter().map(|e| e.path.as_str()).collect();
    let vanished: HashSet<String> = baselined
        .iter()
        .filter(|p| !present.contains(*p) && !settings.walk.project.root.join(p).exists())
        .map(|p| p.to_string())
        .collect();
    // Files with findings and no entries of their own: where a vanished file may have gone.
    let newcomers: Vec<&wtfcb_core::walk::Candidate> = walked
        .files
        .iter()
        .zip(outcomes)
        .filter(|(c, o)| {
            !baselined.contains(c.rel.as_str())
                && matches!(o, Outcome::Analyzed(r) if r.findings.as_ref().is_some_and(|f| !f.is_empty()))
        })
        .map(|(c, _)| c)
        .collect();
    if vanished.is_empty() || newcomers.is_empty() {
        return;
    }
    match renames_since(settings, &commit, &vanished, &newcomers) {
        Ok(moves) => {
            for entry in &mut baseline.entries {
                if let Some(to) = moves.get(&entry.path) {
                    entry.path = to.clone();
                }
            }
        }
        Err(e) => warnings.push(format!("baseline renames not followed: {e:#}")),
    }
}

/// Old path → new path, for the vanished files that moved to one of the newcomers.
fn renames_since(
    settings: &AnalyzeSettings,
    commit: &str,
    vanished: &HashSet<String>,
    newcomers: &[&wtfcb_core::walk::Candidate],
) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let what = "the baseline's commit";
    let repo = Repo::discover(&settings.walk.project.root, "following renames")?;
    let mut moves = std::collections::HashMap::new();
    let mut taken = HashSet::new();
    for (rel, change) in repo.changes(commit, false, RENAME_SIMILARITY, what)? {
        if let Change::RenamedFrom { path: old, .. } = change {
            if let Some(old) = repo.project_path(&old) {
                if vanished.contains(old) && newcomers.iter().any(|c| c.rel == rel) {
                    taken.insert(rel.clone());
                    moves.insert(old.to_string(), rel);
                }
            }
        }
    }
    let mut left: Vec<&String> = vanished
        .iter()
        .filter(|v| !moves.contains_key(*v))
        .collect();
    left.sort();
    left.truncate(MAX_VANISHED);
    let names: Vec<String> = left
        .iter()
        .map(|v| format!("{commit}:{}", repo.repo_path(v)))
        .collect();
    let max_size = settings.walk.options.max_file_size;
    let blobs = repo.blobs(&names, max_size, what)?;
    // Each newcomer is read once, and only its line hashes are kept.
    let now: Vec<(&str, Lines)> = newcomers
        .iter()
        .filter(|c| !taken.contains(&c.rel))
        .take(MAX_NEWCOMERS)
        .filter_map(|c| {
            let text = wtfcb_core::source::read_bytes(&c.path, max_size).ok()?;
            Some((c.rel.as_str(), Lines::of(&text)))
        })
        .collect();
    let ext = |p: &str| p.rsplit_once('.').map(|(_, e)| e.to_string());
    for (old, name) in left.into_iter().zip(&names) {
        let Some(Blob::Content(before)) = blobs.get(name) else {
            continue;
        };
        let before = Lines::of(before);
        let mut best: Option<(f64, &str)> = None;
        for (rel, lines) in now
            .iter()
            .filter(|(rel, _)| !taken.contains(*rel) && ext(rel) == ext(old))
        {
            let share = before.similarity(lines);
            if share >= RENAME_LINE_SHARE && best.is_none_or(|(b, _)| share > b) {
                best = Some((share, rel));
            }
        }
        if let Some((_, to)) = best {
            taken.insert(to.to_string());
            moves.insert(old.clone(), to.to_string());
        }
    }
    Ok(moves)
}
