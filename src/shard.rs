//! Past one machine: which files shard I of N analyzes, the part each shard writes, and reading
//! the parts back for `wtfcb merge`, which trusts nothing it reads (every length bounded, every
//! frame checksummed, every part checked against the others and against the checkout).

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{bail, Context};
use md5::{Digest, Md5};

use wtfcb_core::lang::Language;
use wtfcb_core::walk::{Candidate, Diagnostic, Skipped};
use wtfcb_engine::engine::{FileRecord, Outcome};
use wtfcb_store::cache::{decode_value, encode_value, CachedFile};

/// What every part file starts with.
const MAGIC: &[u8; 12] = b"wtfcb-part\n\x00";

/// The layout of a part; bumped on any incompatible change.
pub const PART_VERSION: u32 = 1;

/// The largest frame a part may hold (one file's result, with its clone tokens).
const MAX_FRAME: u32 = 256 << 20;

/// The most shards a run may be split into.
pub const MAX_SHARDS: u32 = 10_000;

/// Shard `index` (1-based) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Shard {
    pub index: u32,
    pub total: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

impl Shard {
    /// `I/N` with 1 <= I <= N <= [`MAX_SHARDS`].
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard expects I/N (e.g. 2/4) or auto, got {text:?}");
        let (i, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let total: u32 = n.trim().parse().map_err(|_| bad())?;
        if total == 0 || total > MAX_SHARDS {
            return Err(format!(
                "--shard {text}: the number of shards must be between 1 and {MAX_SHARDS}"
            ));
        }
        if index == 0 || index > total {
            return Err(format!(
                "--shard {text}: the shard must be between 1 and {total} (shards count from 1)"
            ));
        }
        Ok(Shard { index, total })
    }

    /// `--shard auto`: the shard the CI says this job is, from the first of these that is
    /// set: `WTFCB_SHARD` (I/N), GitLab's `CI_NODE_INDEX`/`CI_NODE_TOTAL` (from 1),
    /// Buildkite's `BUILDKITE_PARALLEL_JOB`/`_COUNT`, CircleCI's
    /// `CIRCLE_NODE_INDEX`/`CIRCLE_NODE_TOTAL`, a Kubernetes Indexed Job's
    /// `JOB_COMPLETION_INDEX` (all from 0; the total from `WTFCB_SHARD_TOTAL`).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        if let Some(text) = get("WTFCB_SHARD") {
            return Shard::parse(&text).map_err(|e| format!("WTFCB_SHARD: {e}"));
        }
        // (index variable, total variable, whether the index counts from 0, CI)
        let systems = [
            ("CI_NODE_INDEX", "CI_NODE_TOTAL", false, "GitLab"),
            (
                "BUILDKITE_PARALLEL_JOB",
                "BUILDKITE_PARALLEL_JOB_COUNT",
                true,
                "Buildkite",
            ),
            ("CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", true, "CircleCI"),
            (
                "JOB_COMPLETION_INDEX",
                "WTFCB_SHARD_TOTAL",
                true,
                "a Kubernetes Indexed Job",
            ),
        ];
        for (index_var, total_var, from_zero, ci) in systems {
            let Some(index) = get(index_var) else {
                continue;
            };
            let total = get(total_var).ok_or_else(|| {
                format!("--shard auto: {index_var} is set ({ci}) but {total_var} is not")
            })?;
            let index: u32 = index.trim().parse().map_err(|_| {
                format!("--shard auto: {index_var}={index:?} ({ci}) is not a number")
            })?;
            let text = format!("{}/{}", index + u32::from(from_zero), total.trim());
            return Shard::parse(&text).map_err(|e| {
                format!("--shard auto, from {index_var} and {total_var} ({ci}): {e}")
            });
        }
        Err("--shard auto: no CI shard variables are set (WTFCB_SHARD=I/N, GitLab CI_NODE_INDEX/CI_NODE_TOTAL, Buildkite BUILDKITE_PARALLEL_JOB/_COUNT, CircleCI CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL, Kubernetes JOB_COMPLETION_INDEX with WTFCB_SHARD_TOTAL); on GitHub Actions pass the matrix value: --shard ${{ matrix.shard }}/N".to_string())
    }

    /// Whether this shard analyzes the file at `rel` (relative to the project root).
    pub fn owns(&self, rel: &str) -> bool {
        shard_of(rel, self.total) == self.index
    }
}

/// The shard (1-based) a file belongs to: a hash of its project-relative path alone, so adding
/// or removing a file moves no other file.
pub fn shard_of(rel: &str, total: u32) -> u32 {
    let digest = Md5::digest(rel.as_bytes());
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(head) % u64::from(total.max(1))) as u32 + 1
}

/// What the whole walk found, before the split: every shard of one run must agree on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct WalkId {
    pub files: u64,
    pub digest: [u8; 16],
}

impl WalkId {
    pub fn of(files: &[Candidate]) -> WalkId {
        let mut h = Md5::new();
        for f in files {
            h.update(f.rel.as_bytes());
            h.update([0, f.language.index() as u8, b'\n']);
        }
        WalkId {
            files: files.len() as u64,
            digest: h.finalize().into(),
        }
    }
}

/// The arguments a shard ran with that decide which files it saw and what their results are:
/// `merge` analyzes nothing, but walks and configures itself exactly as the shards did.
#[derive(Debug, Clone, PartialEq, bincode::Encode, bincode::Decode)]
pub struct AnalysisArgs {
    pub paths: Vec<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub no_ignore: bool,
    pub no_default_excludes: bool,
    pub no_peer_suppressions: bool,
    pub hidden: bool,
    pub follow_links: bool,
    pub max_file_size: Option<String>,
    pub config: Option<String>,
    pub parse_timeout: Option<f64>,
    pub memory_per_file: Option<String>,
    pub in_process: bool,
    pub duplicates: String,
    pub select: Vec<String>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
}

impl AnalysisArgs {
    pub fn of(args: &crate::cli::AnalyzeArgs) -> AnalysisArgs {
        let text = |p: &std::path::PathBuf| wtfcb_core::walk::path_text(p.as_os_str());
        let w = &args.walk;
        AnalysisArgs {
            paths: w.paths.iter().map(text).collect(),
            include: w.include.clone(),
            exclude: w.exclude.clone(),
            no_ignore: w.no_ignore,
            no_default_excludes: w.no_default_excludes,
            no_peer_suppressions: w.no_peer_suppressions,
            hidden: w.hidden,
            follow_links: w.follow_links,
            max_file_size: w.max_file_size.clone(),
            config: w.config.as_ref().map(text),
            parse_timeout: w.parse_timeout,
            memory_per_file: w.memory_per_file.clone(),
            in_process: w.in_process,
            duplicates: args.duplicates.as_str().to_string(),
            select: args.select.clone(),
            extend_select: args.extend_select.clone(),
            ignore: args.ignore.clone(),
        }
    }

    /// A part is data, never a path to open: what its header asks the merge to walk must be
    /// relative and inside the directory the merge runs in, and its config file must be the
    /// one the merge was given itself (`merge --config`), checked before anything is opened.
    pub fn check_against(&self, merge: &crate::cli::MergeArgs) -> anyhow::Result<()> {
        use std::path::Component;
        for path in &self.paths {
            let inside = !path.is_empty()
                && !path.chars().any(char::is_control)
                && Path::new(path)
                    .components()
                    .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
            if !inside {
                bail!(
                    "the parts name the path {:?} to walk: a merge walks only relative paths inside the directory it runs in (run the shards from the project, with relative paths)",
                    wtfcb_core::text::tty(path)
                );
            }
        }
        let given = merge
            .config
            .as_ref()
            .map(|p| wtfcb_core::walk::path_text(p.as_os_str()));
        if self.config != given {
            match &self.config {
                Some(config) => bail!(
                    "the shards ran with --config {}: the merge takes its configuration only from its own options, so give it the same --config",
                    wtfcb_core::text::tty(config)
                ),
                None => bail!("the shards ran without --config: run the merge without it too"),
            }
        }
        Ok(())
    }

    /// The `analyze` command line that walks and configures as the shards did and reports as
    /// `merge` was asked (after [`AnalysisArgs::check_against`]).
    pub fn to_analyze(
        &self,
        merge: &crate::cli::MergeArgs,
    ) -> anyhow::Result<crate::cli::AnalyzeArgs> {
        use wtfcb_project::project::DuplicatesMode;
        let Some(duplicates) = DuplicatesMode::parse(&self.duplicates) else {
            bail!(
                "the parts name an unknown --duplicates mode {:?}",
                wtfcb_core::text::tty(&self.duplicates)
            );
        };
        Ok(crate::cli::AnalyzeArgs {
            walk: crate::cli::WalkArgs {
                paths: self.paths.iter().map(Into::into).collect(),
                include: self.include.clone(),
                exclude: self.exclude.clone(),
                no_ignore: self.no_ignore,
                no_default_excludes: self.no_default_excludes,
                no_peer_suppressions: self.no_peer_suppressions,
                hidden: self.hidden,
                follow_links: self.follow_links,
                max_file_size: self.max_file_size.clone(),
                config: merge.config.clone(),
                jobs: merge.jobs,
                parse_timeout: self.parse_timeout,
                memory_per_file: self.memory_per_file.clone(),
                in_process: self.in_process,
            },
            output: merge.output.clone(),
            report: merge.report.clone(),
            duplicates,
            select: self.select.clone(),
            extend_select: self.extend_select.clone(),
            ignore: self.ignore.clone(),
            shard: None,
            staged: false,
            show_files: false,
            show_settings: false,
            cache: merge.cache.clone(),
            profile: crate::cli::ProfileArgs {
                profile: false,
                profile_out: None,
                sample_interval: 50,
                serve: false,
                serve_keep: false,
            },
        })
    }
}

/// What a part says about itself.
#[derive(Debug, Clone, PartialEq, bincode::Encode, bincode::Decode)]
pub struct Header {
    pub part_version: u32,
    pub version: String,
    pub build: String,
    pub shard: Shard,
    pub args: AnalysisArgs,
    /// Every setting the results depend on, after the config files are read (see
    /// [`identity`]).
    pub identity: String,
    pub walk: WalkId,
    /// Records that follow.
    pub records: u64,
    /// `git rev-parse HEAD` where the shard ran, when it ran in a repository.
    pub commit: Option<String>,
}

/// One file of a part: its path relative to the project root, and how its analysis ended.
#[derive(Debug, Clone, bincode::Encode, bincode::Decode)]
pub struct Record {
    pub rel: String,
    pub language: u8,
    pub outcome: RecordOutcome,
}

#[derive(Debug, Clone, bincode::Encode, bincode::Decode)]
pub enum RecordOutcome {
    /// The result as the cache would hold it, with the clone tokens the project phase needs.
    Analyzed(Box<CachedFile>),
    Skipped(String),
    Failed(String),
    Broken(String),
}

/// The record of one outcome (the clone tokens must be in memory: see
/// `project::load_all_tokens`).
fn record_of(candidate: &Candidate, outcome: &Outcome) -> Record {
    let outcome = match outcome {
        Outcome::Analyzed(r) => {
            let mut value = CachedFile::new(
                r.bytes,
                r.invalid_utf8,
                &r.facts,
                r.metrics.as_ref(),
                r.findings.as_deref().unwrap_or(&[]),
            );
            value.facts.tokens = r.facts.tokens.clone();
            value.cpp_header = r.language != candidate.language;
            RecordOutcome::Analyzed(Box::new(value))
        }
        Outcome::Skipped(s) => RecordOutcome::Skipped(s.reason.clone()),
        Outcome::Failed(d) => RecordOutcome::Failed(d.message.clone()),
        Outcome::Broken(d) => RecordOutcome::Broken(d.message.clone()),
    };
    Record {
        rel: candidate.rel.clone(),
        language: candidate.language.index() as u8,
        outcome,
    }
}

/// Writes a part: the magic, then frames (a little-endian length, then a checksummed value):
/// the header, then one record per file, in walk order.
pub fn write_part(
    out: &mut dyn Write,
    header: &Header,
    files: &[Candidate],
    outcomes: &[Outcome],
) -> anyhow::Result<()> {
    out.write_all(MAGIC)?;
    write_frame(out, &encode_value(header))?;
    for (candidate, outcome) in files.iter().zip(outcomes) {
        write_frame(out, &encode_value(&record_of(candidate, outcome)))?;
    }
    out.flush()?;
    Ok(())
}

/// A part of `header` and `records` as they are (tests forge parts with it: a checksum is no
/// authentication, so a merge must hold against any header).
#[doc(hidden)]
pub fn write_records(
    out: &mut dyn Write,
    header: &Header,
    records: &[Record],
) -> anyhow::Result<()> {
    out.write_all(MAGIC)?;
    write_frame(out, &encode_value(header))?;
    for record in records {
        write_frame(out, &encode_value(record))?;
    }
    Ok(())
}

fn write_frame(out: &mut dyn Write, bytes: &[u8]) -> anyhow::Result<()> {
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|&n| n <= MAX_FRAME)
        .context("a file's result is too large for a part")?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(bytes)?;
    Ok(())
}

/// A part as read from disk.
#[derive(Debug)]
pub struct Part {
    pub path: std::path::PathBuf,
    pub header: Header,
    pub records: Vec<Record>,
}

/// Reads a part, checking its magic, every frame's length and checksum, the record count and
/// that nothing follows the last record.
pub fn read_part(path: &Path) -> anyhow::Result<Part> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("cannot open the part {name}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
    let (header, records) = read_from(&name, size, std::io::BufReader::new(file))?;
    Ok(Part {
        path: path.to_path_buf(),
        header,
        records,
    })
}

/// A part's header and records from `input` of `size` bytes (`name` for messages).
fn read_from(name: &str, size: u64, mut input: impl Read) -> anyhow::Result<(Header, Vec<Record>)> {
    let mut magic = [0u8; MAGIC.len()];
    if input.read_exact(&mut magic).is_err() || &magic != MAGIC {
        bail!("{name} is not a wtfcb part (write parts with `wtfcb analyze --shard I/N --format part > FILE`)");
    }
    let damaged = |what: &str| anyhow::anyhow!("{name} is damaged ({what}); write it again");
    let mut remaining = size.saturating_sub(MAGIC.len() as u64);
    let header_bytes = read_frame(&mut input, &mut remaining)
        .map_err(|e| damaged(&e))?
        .ok_or_else(|| damaged("no header"))?;
    let Some(header) = decode_value::<Header>(&header_bytes) else {
        // A part of another layout decodes as garbage: say which is more likely.
        bail!("{name} is a part of another wtfcb build or is damaged; parts and merge must use one wtfcb build");
    };
    if header.part_version != PART_VERSION {
        bail!(
            "{name} has part layout {} (this wtfcb reads {PART_VERSION}); parts and merge must use one wtfcb build",
            header.part_version
        );
    }
    let shard = header.shard;
    if shard.index == 0 || shard.index > shard.total || shard.total > MAX_SHARDS {
        return Err(damaged("its shard number is out of range"));
    }
    // Each record takes at least a few bytes: a count past what the file can hold is a lie.
    if header.records > remaining / 8 + 1 {
        return Err(damaged("its record count exceeds its size"));
    }
    // Grown as records arrive: the count is the part's word, and a sparse file can make its
    // size say anything.
    let mut records = Vec::with_capacity((header.records as usize).min(4096));
    for n in 0..header.records {
        let bytes = read_frame(&mut input, &mut remaining)
            .map_err(|e| damaged(&e))?
            .ok_or_else(|| damaged(&format!("it ends after {n} of {} files", header.records)))?;
        let record = decode_value::<Record>(&bytes).ok_or_else(|| {
            damaged(&format!(
                "file {} of {} does not decode",
                n + 1,
                header.records
            ))
        })?;
        records.push(record);
    }
    if !matches!(read_frame(&mut input, &mut remaining), Ok(None)) || remaining != 0 {
        return Err(damaged("bytes follow its last file"));
    }
    Ok((header, records))
}

/// The next frame, `None` at the end of the input; an error for a length past the limit or
/// past the end of the file.
fn read_frame(input: &mut impl Read, remaining: &mut u64) -> Result<Option<Vec<u8>>, String> {
    let mut len = [0u8; 4];
    match input.read(&mut len[..1]).map_err(|e| e.to_string())? {
        0 => return Ok(None),
        _ => input
            .read_exact(&mut len[1..])
            .map_err(|_| "it ends inside a frame's length".to_string())?,
    }
    let len = u32::from_le_bytes(len);
    *remaining = remaining.saturating_sub(4);
    if len > MAX_FRAME || u64::from(len) > *remaining {
        return Err(format!(
            "a frame claims {len} bytes, more than the part holds or than a frame may hold"
        ));
    }
    // Read as the bytes come, not allocated up front from the claimed length.
    let mut bytes = Vec::with_capacity((len as usize).min(1 << 20));
    input
        .take(u64::from(len))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() != len as usize {
        return Err("it ends inside a frame".to_string());
    }
    *remaining -= u64::from(len);
    Ok(Some(bytes))
}

/// The parts of one run, checked against each other: one build, one configuration, one walk,
/// every shard exactly once.
pub fn check_parts(parts: &[Part]) -> anyhow::Result<()> {
    let Some(first) = parts.first() else {
        bail!("merge: no parts given");
    };
    let this_build = (env!("CARGO_PKG_VERSION"), wtfcb_store::cache::BUILD_ID);
    for part in parts {
        let h = &part.header;
        if (h.version.as_str(), h.build.as_str()) != this_build {
            bail!(
                "{} was written by wtfcb {} (build {}), but this is wtfcb {} (build {}); shards and merge must run one wtfcb build",
                part.path.display(),
                wtfcb_core::text::tty(&h.version),
                wtfcb_core::text::tty(short(&h.build)),
                this_build.0,
                short(this_build.1)
            );
        }
        let f = &first.header;
        if h.shard.total != f.shard.total {
            bail!(
                "{} is shard {} but {} is shard {}: the parts split the run differently",
                part.path.display(),
                h.shard,
                first.path.display(),
                f.shard
            );
        }
        if h.args != f.args || h.identity != f.identity {
            bail!(
                "{} was analyzed with other settings than {} (command-line options or config files differ)",
                part.path.display(),
                first.path.display()
            );
        }
        if h.walk != f.walk {
            bail!(
                "{} saw {} files but {} saw {}: the shards ran on different checkouts",
                part.path.display(),
                h.walk.files,
                first.path.display(),
                f.walk.files
            );
        }
        if h.commit != f.commit {
            bail!(
                "{} was analyzed at commit {} but {} at {}: the shards ran on different commits",
                part.path.display(),
                wtfcb_core::text::tty(h.commit.as_deref().unwrap_or("(none)")),
                first.path.display(),
                wtfcb_core::text::tty(f.commit.as_deref().unwrap_or("(none)"))
            );
        }
    }
    let total = first.header.shard.total;
    let mut seen: Vec<Option<&Part>> = vec![None; total as usize];
    for part in parts {
        let slot = &mut seen[(part.header.shard.index - 1) as usize];
        if let Some(other) = slot {
            bail!(
                "shard {} is given twice: {} and {}",
                part.header.shard,
                other.path.display(),
                part.path.display()
            );
        }
        *slot = Some(part);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(i, _)| format!("{}/{total}", i + 1))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shard(s) {} missing: merge needs every part of the run",
            missing.join(", ")
        );
    }
    Ok(())
}

fn short(build: &str) -> &str {
    wtfcb_core::text::prefix(build, 12)
}

/// The outcomes of the walked files, from the parts (checked with [`check_parts`]), in walk
/// order; an error naming the file and the part when the parts and this checkout disagree.
pub fn outcomes_from(
    parts: Vec<Part>,
    files: &[Candidate],
    walk: WalkId,
    identity: &str,
) -> anyhow::Result<Vec<Outcome>> {
    let total = parts.first().map_or(1, |p| p.header.shard.total);
    let mut by_rel = std::collections::HashMap::new();
    for part in parts {
        let h = &part.header;
        if h.identity != identity {
            bail!(
                "{} was analyzed with other settings than this checkout has (a config file, the rules or the limits differ)",
                part.path.display()
            );
        }
        if h.walk != walk {
            bail!(
                "{} saw {} files, but {} are here: run merge in a checkout of the commit the shards analyzed, from the directory they ran in",
                part.path.display(),
                h.walk.files,
                walk.files
            );
        }
        let shard = h.shard;
        for record in part.records {
            let shown = wtfcb_core::text::tty(&record.rel).into_owned();
            if !shard.owns(&record.rel) {
                bail!(
                    "{} holds {shown}, which belongs to shard {}",
                    part.path.display(),
                    shard_of(&record.rel, total)
                );
            }
            if by_rel
                .insert(record.rel.clone(), (record, part.path.clone()))
                .is_some()
            {
                bail!("{} holds {shown} twice", part.path.display());
            }
        }
    }
    let mut outcomes = Vec::with_capacity(files.len());
    for candidate in files {
        let Some((record, path)) = by_rel.remove(&candidate.rel) else {
            bail!(
                "{} is in no part (shard {}/{total} should hold it)",
                wtfcb_core::text::tty(&candidate.display),
                shard_of(&candidate.rel, total)
            );
        };
        outcomes.push(outcome_of(candidate, record, &path)?);
    }
    if let Some((rel, (_, path))) = by_rel.iter().next() {
        bail!(
            "{} holds {}, which is not among the files here",
            path.display(),
            wtfcb_core::text::tty(rel)
        );
    }
    Ok(outcomes)
}

/// A file's outcome as the shard saw it, with the paths of this run.
fn outcome_of(candidate: &Candidate, record: Record, part: &Path) -> anyhow::Result<Outcome> {
    if usize::from(record.language) != candidate.language.index() {
        bail!(
            "{} holds {} as another language than this checkout",
            part.display(),
            wtfcb_core::text::tty(&candidate.display)
        );
    }
    let path = candidate.display.clone();
    let diagnostic = |message: String, analysis_failed: bool| Diagnostic {
        path: path.clone(),
        message,
        analysis_failed,
    };
    Ok(match record.outcome {
        RecordOutcome::Analyzed(value) => {
            let findings = value.findings_for(&candidate.display, &candidate.rel);
            let CachedFile {
                bytes,
                invalid_utf8,
                facts,
                metrics,
                cpp_header,
                ..
            } = *value;
            Outcome::Analyzed(Box::new(FileRecord {
                path: path.clone(),
                rel: candidate.rel.clone(),
                language: if cpp_header {
                    Language::Cpp
                } else {
                    candidate.language
                },
                bytes,
                invalid_utf8,
                facts,
                metrics,
                findings: Some(findings),
                cache_slot: None,
            }))
        }
        RecordOutcome::Skipped(reason) => Outcome::Skipped(Skipped {
            path: path.clone(),
            reason,
        }),
        RecordOutcome::Failed(message) => Outcome::Failed(diagnostic(message, false)),
        RecordOutcome::Broken(message) => Outcome::Broken(diagnostic(message, true)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_what_is_not_a_shard() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, total: 4 }));
        assert_eq!(Shard::parse(" 1 / 1 "), Ok(Shard { index: 1, total: 1 }));
        for bad in ["0/4", "5/4", "1/0", "a/b", "3", "", "1/10001", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn auto_reads_each_ci_and_counts_from_the_right_base() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let shard = |index, total| Ok(Shard { index, total });
        assert_eq!(Shard::from_env(env(&[("WTFCB_SHARD", "3/5")])), shard(3, 5));
        assert_eq!(
            Shard::from_env(env(&[("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")])),
            shard(2, 3)
        );
        assert_eq!(
            Shard::from_env(env(&[
                ("BUILDKITE_PARALLEL_JOB", "0"),
                ("BUILDKITE_PARALLEL_JOB_COUNT", "4")
            ])),
            shard(1, 4)
        );
        assert_eq!(
            Shard::from_env(env(&[
                ("CIRCLE_NODE_INDEX", "3"),
                ("CIRCLE_NODE_TOTAL", "4")
            ])),
            shard(4, 4)
        );
        assert_eq!(
            Shard::from_env(env(&[
                ("JOB_COMPLETION_INDEX", "1"),
                ("WTFCB_SHARD_TOTAL", "2")
            ])),
            shard(2, 2)
        );
        let missing_total = Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "1")])).unwrap_err();
        assert!(
            missing_total.contains("WTFCB_SHARD_TOTAL"),
            "{missing_total}"
        );
        let none = Shard::from_env(env(&[])).unwrap_err();
        assert!(none.contains("no CI shard variables"), "{none}");
        assert!(Shard::from_env(env(&[
            ("CIRCLE_NODE_INDEX", "4"),
            ("CIRCLE_NODE_TOTAL", "4")
        ]))
        .is_err());
    }

    #[test]
    fn a_files_shard_is_its_path_alone_and_shards_are_near_even() {
        // `shard_of` reads nothing but the path and the count: adding a file cannot move
        // another. What a test can check is that the split is fair and fixed.
        let names: Vec<String> = (0..3000)
            .map(|i| format!("pkg{}/mod_{i}.py", i % 17))
            .collect();
        let mut counts = [0usize; 4];
        for name in &names {
            let s = shard_of(name, 4);
            assert!((1..=4).contains(&s));
            counts[s as usize - 1] += 1;
        }
        for c in counts {
            assert!((650..=850).contains(&c), "{counts:?}");
        }
        // The formula README gives (1 + first 8 bytes of MD5, little-endian, mod N), as
        // Python's hashlib computes it: fixed across builds and machines.
        assert_eq!(
            [
                shard_of("a.py", 3),
                shard_of("b.py", 3),
                shard_of("lib/x/y.ts", 7)
            ],
            [1, 3, 7]
        );
        assert_eq!(shard_of("a.py", 1), 1);
    }

    /// A part of two files: one analyzed (with clone tokens), one skipped.
    fn sample_part() -> Vec<u8> {
        let text = "def f(a):\n    if a:\n        return 1\n    return 2\n";
        let tree = wtfcb_core::parse::parse(Language::Python, text).unwrap();
        let facts = wtfcb_core::facts::extract(
            &tree,
            text,
            Language::Python,
            &wtfcb_core::rules::SYNTACTIC,
        );
        let candidate = |rel: &str| Candidate {
            display: rel.to_string(),
            path: rel.into(),
            language: Language::Python,
            rel: rel.to_string(),
            size: 0,
            mtime_ns: 0,
            identity: (0, 0),
        };
        let files = [candidate("a.py"), candidate("b.py")];
        let outcomes = [
            Outcome::Analyzed(Box::new(FileRecord {
                path: "a.py".into(),
                rel: "a.py".into(),
                language: Language::Python,
                bytes: text.len() as u64,
                invalid_utf8: false,
                facts,
                metrics: None,
                findings: Some(Vec::new()),
                cache_slot: None,
            })),
            Outcome::Skipped(Skipped {
                path: "b.py".into(),
                reason: "generated".into(),
            }),
        ];
        let header = Header {
            part_version: PART_VERSION,
            version: "0".into(),
            build: "b".into(),
            shard: Shard { index: 1, total: 1 },
            args: AnalysisArgs {
                paths: vec![".".into()],
                include: Vec::new(),
                exclude: Vec::new(),
                no_ignore: false,
                no_default_excludes: false,
                no_peer_suppressions: false,
                hidden: false,
                follow_links: false,
                max_file_size: None,
                config: None,
                parse_timeout: None,
                memory_per_file: None,
                in_process: false,
                duplicates: "Type2".into(),
                select: Vec::new(),
                extend_select: Vec::new(),
                ignore: Vec::new(),
            },
            identity: "i".into(),
            walk: WalkId::of(&files),
            records: 2,
            commit: None,
        };
        let mut out = Vec::new();
        write_part(&mut out, &header, &files, &outcomes).unwrap();
        out
    }

    #[test]
    fn a_part_reads_back_and_every_damage_is_an_error_never_a_panic() {
        let part = sample_part();
        let read = |bytes: &[u8]| read_from("p", bytes.len() as u64, bytes);
        let (header, records) = read(&part).unwrap();
        assert_eq!(header.records, 2);
        assert!(matches!(records[0].outcome, RecordOutcome::Analyzed(_)));
        assert!(matches!(&records[1].outcome, RecordOutcome::Skipped(r) if r == "generated"));
        for at in 0..part.len() {
            assert!(read(&part[..at]).is_err(), "cut at {at}");
            for bit in [0x01, 0x80] {
                let mut bad = part.clone();
                bad[at] ^= bit;
                // A flipped byte inside a frame fails its CRC; in a length, the bounds.
                assert!(read(&bad).is_err(), "byte {at} ^ {bit:#x}");
            }
        }
        let mut longer = part.clone();
        longer.push(0);
        assert!(read(&longer).is_err());
    }

    /// The sample part with its header changed by `change`.
    fn forged(change: impl Fn(&mut Header)) -> Vec<u8> {
        let part = sample_part();
        let (mut header, records) = read_from("p", part.len() as u64, part.as_slice()).unwrap();
        change(&mut header);
        let mut out = Vec::new();
        write_records(&mut out, &header, &records).unwrap();
        out
    }

    // Issue 27: a header claiming 2^33 records in a sparse file (whose size says it could hold
    // them) aborted merge allocating 549,755,813,888 bytes up front; a shard number of 0 or past
    // 10,000 indexed or sized the merge's table of shards.
    #[test]
    fn a_forged_count_or_shard_number_is_an_error_not_an_allocation() {
        let lying = forged(|h| h.records = 1 << 33);
        let err = read_from("p", u64::MAX / 2, lying.as_slice()).unwrap_err();
        assert!(
            err.to_string().contains("ends after 2 of 8589934592"),
            "{err}"
        );
        for shard in [(0, 1), (2, 1), (1, u32::MAX)] {
            let bad = forged(|h| {
                h.shard = Shard {
                    index: shard.0,
                    total: shard.1,
                }
            });
            let err = read_from("p", bad.len() as u64, bad.as_slice()).unwrap_err();
            assert!(err.to_string().contains("shard number"), "{shard:?}: {err}");
        }
    }

    #[test]
    fn the_clone_mode_travels_by_name_and_comes_back_the_same() {
        use clap::Parser;
        use wtfcb_project::project::DuplicatesMode;
        for mode in DuplicatesMode::ALL {
            let argv = ["wtfcb", "analyze", "--duplicates", mode.as_str(), "."];
            let crate::cli::Command::Analyze(analyze) = crate::cli::Cli::parse_from(argv).command
            else {
                unreachable!()
            };
            let args = AnalysisArgs::of(&analyze);
            assert_eq!(args.duplicates, mode.as_str());
            let crate::cli::Command::Merge(merge) =
                crate::cli::Cli::parse_from(["wtfcb", "merge", "p1"]).command
            else {
                unreachable!()
            };
            assert_eq!(args.to_analyze(&merge).unwrap().duplicates, mode);
        }
        let odd = AnalysisArgs {
            duplicates: "Type2".into(),
            ..AnalysisArgs::of(
                &match crate::cli::Cli::parse_from(["wtfcb", "analyze"]).command {
                    crate::cli::Command::Analyze(a) => a,
                    _ => unreachable!(),
                },
            )
        };
        let crate::cli::Command::Merge(merge) =
            crate::cli::Cli::parse_from(["wtfcb", "merge", "p1"]).command
        else {
            unreachable!()
        };
        assert!(odd.to_analyze(&merge).is_err());
    }

    // Issue 27: a part's header named `config: /proc/self/environ` and merge loaded it (its
    // TOML error quoted the whole environment); `paths: ["/usr"]` made merge walk `/usr`.
    #[test]
    fn a_part_names_no_file_the_merge_did_not_choose() {
        use clap::Parser;
        let merge = |extra: &[&str]| {
            let mut argv = vec!["wtfcb", "merge", "p1"];
            argv.extend_from_slice(extra);
            match crate::cli::Cli::parse_from(argv).command {
                crate::cli::Command::Merge(m) => m,
                _ => unreachable!(),
            }
        };
        let part = sample_part();
        let (header, _) = read_from("p", part.len() as u64, part.as_slice()).unwrap();
        let ok = header.args.clone();
        assert!(ok.check_against(&merge(&[])).is_ok());
        let mut args = ok.clone();
        args.config = Some("/proc/self/environ".into());
        let err = args.check_against(&merge(&[])).unwrap_err().to_string();
        assert!(err.contains("give it the same --config"), "{err}");
        assert!(args
            .check_against(&merge(&["--config", "other.toml"]))
            .is_err());
        assert!(args
            .check_against(&merge(&["--config", "/proc/self/environ"]))
            .is_ok());
        assert!(ok.check_against(&merge(&["--config", "x.toml"])).is_err());
        for path in ["/usr", "../x", "a/../../b", "", "a\nb"] {
            let mut args = ok.clone();
            args.paths = vec![path.into()];
            assert!(args.check_against(&merge(&[])).is_err(), "{path:?}");
        }
        let mut args = ok.clone();
        args.paths = vec!["src".into(), "./lib/a.py".into()];
        assert!(args.check_against(&merge(&[])).is_ok());
    }
}
