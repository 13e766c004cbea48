//! The command line as the user types it (clap derive structs only; validation is in
//! `settings`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::findings::{parse_fail_on, FailOn, Severity};

#[derive(Debug, Parser)]
#[command(
    name = "wtfcb",
    version,
    about = "WTF CodeBot: a fast tree-sitter code analyzer"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour in text output: `auto` (a terminal, unless NO_COLOR; CLICOLOR_FORCE or
    /// FORCE_COLOR force it), `always` or `never`.
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

impl Cli {
    /// Whether stdout gets bytes, not text (`analyze --format part`): nothing may filter it.
    pub fn writes_binary(&self) -> bool {
        matches!(&self.command, Command::Analyze(a) if a.report.format == PART_FORMAT_NAME)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Count files, lines, functions and classes per language (like tokei, from syntax trees).
    Scan(ScanArgs),
    /// Measure every function and run the rules; exit 1 on findings at or above --fail-on.
    Analyze(AnalyzeArgs),
    /// List the rules, or print one rule's documentation.
    Rules(RulesArgs),
    /// Inspect or manage the analysis cache (.wtfcb-cache/ at the project root).
    Cache(CacheArgs),
    /// Measure `analyze` on a tree: sequential, parallel and cached runs as fresh processes.
    Bench(BenchArgs),
    /// Accept today's findings: `write` a baseline, or `prune` entries that match nothing.
    Baseline(BaselineArgs),
    /// Print the resolved import graph of the project's files (DOT for Graphviz, or JSON).
    Graph(GraphArgs),
    /// Join the parts of a sharded run (`analyze --shard I/N --format part`) into one report,
    /// with the cross-file analyses over the whole project; run it in the same checkout.
    Merge(MergeArgs),
    /// Print a shell completion script: `wtfcb completions bash > /etc/bash_completion.d/wtfcb`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `wtfcb man > wtfcb.1 && man ./wtfcb.1`.
    Man,
    /// Run a language server on stdin and stdout (LSP 3.17) for an editor: diagnostics as you
    /// type, metrics as code lenses and hovers, suppressions as code actions.
    Lsp,
    /// Analyze the project, then again whenever its files change (through the cache), and say
    /// what is new and what was fixed; Ctrl-C stops.
    Watch(WatchArgs),
    /// Measure the project at each commit of a range straight from git (nothing checked out;
    /// every distinct blob analyzed once): trends, hotspots (churn × complexity), functions
    /// that got worse; as text, JSON, CSV or an HTML dashboard.
    History(HistoryArgs),
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Files or directories of the project to follow (default: the current directory, as
    /// `analyze`); they need not exist any more.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The last N commits of HEAD [default: 100].
    #[arg(long, value_name = "N", conflicts_with_all = ["since", "from"])]
    pub last: Option<usize>,
    /// The commits since REF (`REF..HEAD`).
    #[arg(long, value_name = "REF", conflicts_with = "from")]
    pub since: Option<String>,
    /// The commits from A (excluded) to B (`A..B`; `--to` defaults to HEAD).
    #[arg(long, value_name = "A")]
    pub from: Option<String>,
    #[arg(long, value_name = "B", requires = "from")]
    pub to: Option<String>,
    /// Follow only first parents (the mainline of merges).
    #[arg(long)]
    pub first_parent: bool,
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// How many commits get duplicates and import cycles (the last one always, the others
    /// spread over the range by commit id, the same ones run after run); 0 for none.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub cross_file: usize,
    /// Count the distinct authors of each hotspot's commits (never ranks people).
    #[arg(long)]
    pub authors: bool,
    /// Hotspots and functions listed in the text and HTML reports.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Use this config file instead of searching for one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Parse in this process instead of in supervised worker processes.
    #[arg(long)]
    pub in_process: bool,
    /// Do not read or write the cache or the history store.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub cache_dir: CacheDirArgs,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
    /// One row per commit.
    Csv,
    /// One row per hotspot (file), highest score first.
    CsvHotspots,
    Html,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The project to watch (default: the current directory).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// `text`: a compact summary per analysis; `jsonl`: one JSON object per analysis.
    #[arg(long, value_enum, default_value = "text")]
    pub format: WatchFormat,
    /// How long file events must be quiet before the analysis runs again (a `git checkout`
    /// is one analysis).
    #[arg(long, value_name = "MS", default_value_t = 300)]
    pub debounce_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WatchFormat {
    Text,
    Jsonl,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(subcommand)]
    pub action: BaselineAction,
}

#[derive(Debug, Subcommand)]
pub enum BaselineAction {
    /// Analyze and write every unsuppressed finding to the baseline (default
    /// wtfcb-baseline.json at the project root, or --baseline FILE, or the config's).
    Write(AnalyzeArgs),
    /// Analyze and drop the baseline's entries that no finding matches any more.
    Prune(AnalyzeArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The tree to measure (default: the current directory). It is only read.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Add a `parallel N` scenario (repeatable); `-j` at all cores, the default, is always
    /// measured too.
    #[arg(long, value_name = "N")]
    pub parallel: Vec<usize>,
    /// Add the cache scenarios: cold, warm, one-change, fresh-checkout.
    #[arg(long)]
    pub cache: bool,
    /// Measured runs per scenario.
    #[arg(long, value_name = "K", default_value_t = 5)]
    pub runs: usize,
    /// Unmeasured runs before them.
    #[arg(long, value_name = "W", default_value_t = 1)]
    pub warmup: usize,
    /// Generate projects of 100, 1,000 and 10,000 files and show how cost grows with size.
    #[arg(long, conflicts_with = "path")]
    pub full_suite: bool,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = BenchFormat::Text)]
    pub format: BenchFormat,
    /// Also write bench.json and bench.md into DIR.
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Write a generated project into DIR instead of measuring (with --files).
    #[arg(long, value_name = "DIR", requires = "files", conflicts_with_all = ["path", "full_suite"])]
    pub generate: Option<PathBuf>,
    /// How many files --generate writes.
    #[arg(long, value_name = "N", requires = "generate")]
    pub files: Option<usize>,
    /// Sampling interval of each child's memory and CPU, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 50)]
    pub sample_interval: u64,
    /// Keep this run's timings under NAME (or at a path ending in .json).
    #[arg(long, value_name = "NAME")]
    pub save: Option<String>,
    /// Compare with the run saved under NAME; exit 1 on a regression.
    #[arg(long, value_name = "NAME")]
    pub compare: Option<String>,
    /// Show the bench as it happens on a local page (127.0.0.1, a random port and token),
    /// with the runs saved by --save as history charts.
    #[arg(long)]
    pub serve: bool,
    /// With --serve: keep the page up after the bench, until Ctrl-C.
    #[arg(long, requires = "serve")]
    pub serve_keep: bool,
    /// How far (percent) a median must move, with the runs' ranges apart, to be a regression.
    #[arg(long, value_name = "PCT", default_value_t = 10.0, requires = "compare")]
    pub threshold: f64,
    /// Wall time the bench may take, in seconds (0: no limit): runs are cut and scenarios
    /// skipped, by estimate from the runs so far, and the report says which.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub budget: f64,
}

/// Where the cache is: shared by `analyze` and `cache`.
#[derive(Debug, Clone, Args)]
pub struct CacheDirArgs {
    /// Cache directory [default: .wtfcb-cache/ at the project root].
    #[arg(
        long,
        value_name = "DIR",
        env = "WTFCB_CACHE_DIR",
        hide_env_values = true,
        global = true
    )]
    pub cache_dir: Option<PathBuf>,
}

/// How `analyze` uses the cache.
#[derive(Debug, Clone, Args)]
pub struct CacheUseArgs {
    #[command(flatten)]
    pub dir: CacheDirArgs,
    /// Do not read or write the cache (also `WTFCB_NO_CACHE=1`, `true`, `yes` or `on`).
    #[arg(
        long,
        env = "WTFCB_NO_CACHE", hide_env_values = true,
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub no_cache: bool,
    /// Hash every file even when its size and mtime are unchanged.
    #[arg(long)]
    pub verify_hashes: bool,
    /// Results kept in memory in front of SQLite (entries).
    #[arg(long, value_name = "ENTRIES", default_value_t = 16_384)]
    pub cache_memory: usize,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// The shared remote cache: shared by `analyze`, `merge`, `scan`, `graph` and `cache ping`.
#[derive(Debug, Clone, Args)]
pub struct RemoteArgs {
    /// A shared cache behind the local one: `redis://host:port/db`, `http(s)://host/prefix`
    /// (GET/PUT, as bazel-remote) or `file:///shared/dir`. Only this option or the environment name it, never a
    /// config file. The token comes from WTFCB_REMOTE_CACHE_TOKEN; values are signed when
    /// WTFCB_CACHE_SIGNING_KEY is set.
    #[arg(
        long,
        value_name = "URL",
        env = "WTFCB_REMOTE_CACHE",
        hide_env_values = true,
        global = true
    )]
    pub remote_cache: Option<String>,
    /// Read the remote cache, never write it (for jobs that run untrusted code, such as pull
    /// requests from forks).
    #[arg(
        long,
        env = "WTFCB_REMOTE_CACHE_READ_ONLY", hide_env_values = true,
        global = true,
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub remote_cache_read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum CacheAction {
    /// Where the cache is, what it holds, and how the last run used it.
    Stats,
    /// Delete the cache.
    Clear,
    /// Remove entries unseen for `cache.max-age-days` and trim to `cache.max-size` now.
    Prune,
    /// Check the remote cache: the URL, the credentials, reading, and (unless read-only)
    /// writing and reading back a signed test value.
    Ping,
    /// Analyze first, into the cache, the files likely to be opened next: those changed on
    /// the branch, the most recently modified, and the files they import.
    Warm {
        /// Then the rest of the project too.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: CacheAction,
    /// A path inside the project (default: the current directory).
    #[arg(long, value_name = "PATH", global = true)]
    pub project: Option<PathBuf>,
    #[command(flatten)]
    pub dir: CacheDirArgs,
    /// Output format of `stats`.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text, global = true)]
    pub format: AnalyzeFormat,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// Which files to look at: shared by every command that walks a tree.
#[derive(Debug, Clone, Args)]
pub struct WalkArgs {
    /// Files or directories to look at (default: the current directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Only files matching this glob (repeatable; `*.py`, `src/**`).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Leave out files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore, .ignore or .git/info/exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Also analyze what is excluded by default: vendored and build directories
    /// (node_modules, vendor, vendored, third_party, build, dist, target, virtualenvs, ...), `*.min.js`,
    /// scripts named with a library's version, and files that read as generated, vendored (a
    /// library's banner) or minified.
    #[arg(long)]
    pub no_default_excludes: bool,
    /// Do not read other tools' suppression comments (`//nolint`, `# noqa`,
    /// `eslint-disable`, `rubocop:disable`) as suppressions of the wtfcb rules they stand for.
    #[arg(long)]
    pub no_peer_suppressions: bool,
    /// Also walk hidden files and directories (and .git).
    #[arg(long)]
    pub hidden: bool,
    /// Follow symbolic links (symlink loops are reported and skipped).
    #[arg(long)]
    pub follow_links: bool,
    /// Skip files larger than this (`1M`, `512KiB`, `2000000`) [default: 1MiB, or the config's].
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,
    /// Use this config file instead of searching for wtfcb.toml, .wtfcb.toml or pyproject.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Seconds a file may take to parse, per MiB of source (and at least this long); a file
    /// past it is skipped [default: 5, or the config's `parse-timeout`].
    #[arg(long, value_name = "SECONDS")]
    pub parse_timeout: Option<f64>,
    /// Memory a parse may use per MiB of source, and at least this much (`512MiB`, `2G`; `0`
    /// for no limit); a file that needs more is skipped [default: 1GiB, or the config's
    /// `memory-per-file`].
    #[arg(long, value_name = "SIZE")]
    pub memory_per_file: Option<String>,
    /// Parse in this process instead of in supervised worker processes: a little faster to
    /// start, but a parser that aborts or hangs ends the whole run.
    #[arg(long)]
    pub in_process: bool,
}

/// How chatty a run is on stderr.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// List skipped files and phase times on stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Print only errors on stderr.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,
    #[command(flatten)]
    pub cache: CacheUseArgs,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// `dot` (render with Graphviz: `wtfcb graph | dot -Tsvg > graph.svg`) or `json`.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// What a node is: `file`; `package` (a Go package, a directory elsewhere); `auto` (the
    /// default): a Go file's package, where Go's unit is the package, and every other file.
    #[arg(long, value_enum, default_value_t = GraphLevel::Auto)]
    pub level: GraphLevel,
    #[command(flatten)]
    pub cache: CacheUseArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphLevel {
    Auto,
    File,
    Package,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFormat {
    /// Findings grouped under their file, then the summary (`grouped` is the same).
    #[value(alias = "grouped")]
    Text,
    /// One finding per line, `path:line:col: severity rule message` (grep and editors).
    Concise,
    Json,
}

/// The names `--format` accepts: every registered format, and `grouped`.
/// The `--format` value that writes a part.
pub const PART_FORMAT_NAME: &str = "part";

fn report_format_names() -> clap::builder::PossibleValuesParser {
    let mut names = crate::report::formats::names();
    names.push("grouped");
    names.push(PART_FORMAT_NAME);
    clap::builder::PossibleValuesParser::new(names)
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// How `duplicate-code` compares copies: `type2` (names and literal values may differ)
    /// or `exact` (identical tokens only).
    #[arg(long, value_parser = duplicates_parser(), default_value = "type2", value_name = "MODE")]
    pub duplicates: crate::project::DuplicatesMode,
    /// Run only these rules or categories (comma-separated or repeated; `ALL` for every rule).
    #[arg(long, value_name = "RULES")]
    pub select: Vec<String>,
    /// Run these rules or categories besides the selected ones (e.g. the off-by-default
    /// `unused-suppression`).
    #[arg(long, value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Do not run these rules or categories.
    #[arg(long, value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Analyze only shard I of N (`2/4`) of the files, split by a hash of each path; `auto`
    /// reads the CI's variables (GitLab, Buildkite, CircleCI, Kubernetes, or
    /// WTFCB_SHARD=I/N). With `--format part`, write the part that `wtfcb merge` joins.
    #[arg(long, value_name = "I/N|auto")]
    pub shard: Option<String>,
    /// Analyze the content staged in the git index instead of the working tree (for plain
    /// git hooks); files not in the index are skipped.
    #[arg(long)]
    pub staged: bool,
    /// Print the files that would be analyzed, one per line, and stop.
    #[arg(long, conflicts_with = "statistics")]
    pub show_files: bool,
    /// Print the effective settings of each file (config file, test code, every rule that
    /// applies to its language) and stop.
    #[arg(long, conflicts_with = "show_files")]
    pub show_settings: bool,
    #[command(flatten)]
    pub cache: CacheUseArgs,
    #[command(flatten)]
    pub profile: ProfileArgs,
}

/// What a report shows and when the run fails: shared by `analyze` and `merge`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Output format on stdout (`grouped` is `text`; `part` is a shard's part for `wtfcb
    /// merge`).
    #[arg(long, default_value = "text", value_parser = report_format_names())]
    pub format: String,
    /// Also write this report from the same run, as FORMAT:PATH (e.g. `sarif:wtfcb.sarif`)
    /// or a PATH whose ending names the format (`.sarif`, `.html`, `.md`, `.csv`, `.json`,
    /// `.jsonl`, `.gitlab.json`, `.functions.csv`); repeatable. Each file is written
    /// atomically.
    #[arg(long = "report", short = 'o', value_name = "FORMAT:PATH")]
    pub reports: Vec<String>,
    /// The most findings the Markdown report lists (most severe first).
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub max_findings: usize,
    /// SARIF `automationDetails.id`: the category GitHub code scanning files the results
    /// under (one per tool configuration).
    #[arg(long, default_value = "wtfcb/", value_name = "CATEGORY")]
    pub sarif_category: String,
    /// Put the text of each flagged line in the HTML report (off by default, so a shared
    /// report does not carry code).
    #[arg(long)]
    pub html_source: bool,
    /// List suppressed findings in the text report too (they are always counted, and always
    /// in JSON).
    #[arg(long)]
    pub show_suppressed: bool,
    /// Hide the findings this baseline accepts (and do not fail on them) [default: the
    /// config's `baseline`].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Report and gate only findings that are new since the merge-base of REF and HEAD
    /// (e.g. `--new-since origin/main`); findings already there are counted, not shown.
    #[arg(long, value_name = "REF")]
    pub new_since: Option<String>,
    /// Print counts per rule (most frequent first) instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Show only findings at or above this severity.
    #[arg(long, value_parser = severity_parser(), default_value = "info", value_name = "SEVERITY")]
    pub min_severity: Severity,
    /// Exit 1 when an unsuppressed finding is at or above this severity (or `never`)
    /// [default: high, or the config's].
    #[arg(long, value_parser = parse_fail_on, value_name = "SEVERITY|never")]
    pub fail_on: Option<FailOn>,
}

/// `wtfcb merge`: the parts of a sharded run, and what to report.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The parts the shards wrote (`analyze --shard I/N --format part`), one per shard.
    #[arg(value_name = "PART", required = true)]
    pub parts: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// The config file, when the shards ran with `--config FILE` (a part names it, but only
    /// the merge's own options decide what it opens).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads for what the merge parses itself (`--new-since`'s base versions).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub cache: CacheUseArgs,
}

/// Self-profiling of a run.
#[derive(Debug, Clone, Args)]
pub struct ProfileArgs {
    /// Print a profile (phases, peak and average memory and CPU) on stderr.
    #[arg(long)]
    pub profile: bool,
    /// Write the profile, with its memory/CPU timeline, as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub profile_out: Option<PathBuf>,
    /// Sampling interval of the profiler, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 50)]
    pub sample_interval: u64,
    /// Show the run as it happens on a local page (127.0.0.1, a random port and token; the
    /// address is printed on stderr); it stops when the run ends.
    #[arg(long)]
    pub serve: bool,
    /// With --serve: keep the page up after the run, until Ctrl-C.
    #[arg(long, requires = "serve")]
    pub serve_keep: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule id (print its documentation) or a category (list its rules).
    pub id: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

/// `--min-severity`: a severity by name, as clap's `ValueEnum` would take it (the core's types
/// do not depend on the command line's crate).
fn severity_parser() -> impl clap::builder::TypedValueParser<Value = Severity> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Severity::ALL.map(Severity::as_str)).map(|name| {
        Severity::parse(&name).unwrap_or_else(|| unreachable!("{name} is a possible value"))
    })
}

/// `--duplicates`: a clone comparison mode by name.
fn duplicates_parser(
) -> impl clap::builder::TypedValueParser<Value = crate::project::DuplicatesMode> {
    use crate::project::DuplicatesMode;
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(DuplicatesMode::ALL.map(DuplicatesMode::as_str)).map(
        |name| {
            DuplicatesMode::parse(&name)
                .unwrap_or_else(|| unreachable!("{name} is a possible value"))
        },
    )
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every argument read from the environment, in every subcommand.
    fn env_args(cmd: &clap::Command, out: &mut Vec<(String, bool)>) {
        for arg in cmd.get_arguments() {
            if arg.get_env().is_some() {
                out.push((
                    format!("{} --{}", cmd.get_name(), arg.get_id()),
                    arg.is_hide_env_values_set(),
                ));
            }
        }
        for sub in cmd.get_subcommands() {
            env_args(sub, out);
        }
    }

    // Issue 27: `WTFCB_REMOTE_CACHE='redis://:pw@host/0' wtfcb analyze --help` printed the
    // password: clap shows an env variable's value in the help unless told not to.
    #[test]
    fn help_never_shows_the_value_of_an_environment_variable() {
        let mut found = Vec::new();
        env_args(&super::Cli::command(), &mut found);
        assert!(found.len() >= 4, "{found:?}");
        let shown: Vec<_> = found.iter().filter(|(_, hidden)| !hidden).collect();
        assert!(shown.is_empty(), "{shown:?}");
    }
}
