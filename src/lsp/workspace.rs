//! What the server analyzes with: the project's settings and parser processes for a
//! document's in-memory text, and whole-workspace runs for the cross-file findings.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::settings::{settings_for, AnalyzeSettings};
use wtfcb_core::findings::Finding;
use wtfcb_core::lang::Language;
use wtfcb_core::source::Blob;
use wtfcb_core::walk::Candidate;
use wtfcb_engine::engine::FileRecord;
use wtfcb_engine::engine::{self, Contents, Outcome, PhaseTimes, Pipeline, Services};
use wtfcb_engine::isolate::Isolation;

/// Cross-file findings by path relative to the project root.
pub type WorkspaceFindings = HashMap<String, Vec<Finding>>;

/// One analysis of a document's text.
pub struct DocResult {
    /// The path relative to the project root (what findings and the workspace run use).
    pub rel: String,
    pub language: Option<Language>,
    pub outcome: DocOutcome,
}

pub enum DocOutcome {
    Analyzed(Box<FileRecord>),
    /// Not analyzed, on purpose: excluded by the config, generated, not a language wtfcb
    /// reads. Said once as an information diagnostic.
    Skipped(String),
    /// The analysis failed (a grammar aborted or looped in its parser process): an error
    /// diagnostic at the top of the document.
    Failed(String),
}

/// The settings of `wtfcb analyze ROOT`, and parser processes kept for the session.
pub struct Analyzer {
    settings: AnalyzeSettings,
    isolation: Isolation,
    root: PathBuf,
    /// What the walk of the root left out on purpose (excludes, vendored, generated), by path
    /// relative to the root, with the reason.
    skipped: HashMap<String, String>,
    /// Directories the walk left out (`node_modules/`, `vendor/`, config excludes).
    skipped_dirs: Vec<(String, String)>,
    analyzed: HashSet<String>,
}

impl Analyzer {
    pub fn new(root: &Path) -> anyhow::Result<Analyzer> {
        let settings = settings_for(root, &["--no-cache"])?;
        let times = PhaseTimes::default();
        let (walked, configs) = settings.walk.walk_all(&times)?;
        settings
            .rules
            .set_nested(configs.iter().map(|n| n.rules()).collect())?;
        let project_root = settings.walk.project.root.clone();
        let root = std::fs::canonicalize(&project_root).unwrap_or(project_root);
        let mut skipped = HashMap::new();
        let mut skipped_dirs = Vec::new();
        for s in &walked.skipped {
            let rel = relative(&root, Path::new(&s.path)).unwrap_or_else(|| s.path.clone());
            match rel.strip_suffix('/') {
                Some(dir) => skipped_dirs.push((format!("{dir}/"), s.reason.clone())),
                None => {
                    skipped.insert(rel, s.reason.clone());
                }
            }
        }
        let analyzed = walked.files.iter().map(|c| c.rel.clone()).collect();
        let isolation = crate::analysis::isolation(&settings.walk)?;
        Ok(Analyzer {
            settings,
            isolation,
            root,
            skipped,
            skipped_dirs,
            analyzed,
        })
    }

    /// Why the walk leaves `rel` out, if it does.
    fn skip_reason(&self, rel: &str) -> Option<&str> {
        if self.analyzed.contains(rel) {
            return None;
        }
        self.skipped.get(rel).map(String::as_str).or_else(|| {
            self.skipped_dirs
                .iter()
                .find(|(dir, _)| rel.starts_with(dir.as_str()))
                .map(|(_, reason)| reason.as_str())
        })
    }

    /// Analyzes `text` as the content of `path`, with the rules that apply to that path.
    pub fn analyze(&self, path: &Path, text: &str) -> DocResult {
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        let rel = relative(&self.root, &absolute)
            .unwrap_or_else(|| absolute.to_string_lossy().into_owned());
        let language = Language::from_path(&absolute);
        let done = |outcome| DocResult {
            rel: rel.clone(),
            language,
            outcome,
        };
        let Some(language) = language else {
            return done(DocOutcome::Skipped("not a language wtfcb reads".into()));
        };
        if let Some(reason) = self.skip_reason(&rel) {
            return done(DocOutcome::Skipped(reason.to_string()));
        }
        let candidate = Candidate {
            display: rel.clone(),
            path: absolute.clone(),
            language,
            rel: rel.clone(),
            size: text.len() as u64,
            mtime_ns: 0,
            identity: (0, 0),
        };
        let mut contents = Contents::new();
        contents.insert(rel.clone(), Blob::Content(text.as_bytes().to_vec()));
        let times = PhaseTimes::default();
        let plan = self.settings.walk.plan();
        let pipeline = Pipeline {
            services: Services {
                rules: Some(&self.settings.rules),
                cache: None,
                isolation: &self.isolation,
                times: &times,
                contents: Some(&contents),
                tokens: wtfcb_core::facts::tokens::Need::Nothing,
                observer: None,
            },
            max_size: plan.options.max_file_size,
            budget: plan.budget,
            skip_generated: plan.options.default_excludes
                != wtfcb_core::walk::DefaultExcludes::None,
            peer_suppressions: plan.options.peer_suppressions,
            progress: None,
        };
        let outcome = match engine::process(&candidate, &pipeline) {
            Outcome::Analyzed(record) => DocOutcome::Analyzed(record),
            Outcome::Skipped(s) => DocOutcome::Skipped(s.reason),
            Outcome::Failed(d) | Outcome::Broken(d) => DocOutcome::Failed(d.message),
        };
        done(outcome)
    }
}

/// `path` relative to `root`, `/`-separated, if it is inside. A file not on disk yet (a new
/// buffer) is placed by its directory.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let canonical = std::fs::canonicalize(path).ok().or_else(|| {
        let dir = std::fs::canonicalize(path.parent()?).ok()?;
        Some(dir.join(path.file_name()?))
    });
    let path = canonical.as_deref().unwrap_or(path);
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// A whole-workspace run through the cache, as `wtfcb analyze ROOT` makes it: every file's
/// result (cached ones served from the cache), then the cross-file analyses. Returns the
/// cross-file findings, unsuppressed, by file.
pub fn run_workspace(root: &Path) -> anyhow::Result<WorkspaceFindings> {
    // The cache is closed, its writes made, when the run finishes: the next run (and the next
    // editor session) is warm.
    let report = crate::analysis::whole(&settings_for(root, &[])?)?.report;
    let mut found = WorkspaceFindings::new();
    for record in &report.files {
        let project_findings = record
            .findings
            .iter()
            .flatten()
            .filter(|f| !f.suppressed && wtfcb_core::rules::is_project_rule(&f.rule))
            .cloned();
        found
            .entry(record.rel.clone())
            .or_default()
            .extend(project_findings);
    }
    found.retain(|_, v| !v.is_empty());
    Ok(found)
}
