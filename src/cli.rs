//! The command line as the user types it (clap derive structs only; validation is in
//! `settings`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::findings::Severity;

#[derive(Debug, Parser)]
#[command(
    name = "wtfcb",
    version,
    about = "WTF CodeBot: a fast tree-sitter code analyzer"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Count files, lines, functions and classes per language (like tokei, from syntax trees).
    Scan(ScanArgs),
    /// Measure every function and run the rules; exit 1 on findings at or above --fail-on.
    Analyze(AnalyzeArgs),
    /// List the rules, or print one rule's documentation.
    Rules(RulesArgs),
}

/// Which files to look at: shared by every command that walks a tree.
#[derive(Debug, Args)]
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
}

/// How chatty a run is on stderr.
#[derive(Debug, Args)]
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFormat {
    Text,
    Json,
}

/// `--fail-on`: a severity, or `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Never,
    At(Severity),
}

pub fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s == "never" {
        return Ok(FailOn::Never);
    }
    Severity::from_str(s, true)
        .map(FailOn::At)
        .map_err(|_| format!("expected never, info, low, medium, high or critical, got {s:?}"))
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text)]
    pub format: AnalyzeFormat,
    /// Run only these rules or categories (comma-separated or repeated; `ALL` for every rule).
    #[arg(long, value_name = "RULES")]
    pub select: Vec<String>,
    /// Do not run these rules or categories.
    #[arg(long, value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Show only findings at or above this severity.
    #[arg(long, value_enum, default_value_t = Severity::Info, value_name = "SEVERITY")]
    pub min_severity: Severity,
    /// Exit 1 when an unsuppressed finding is at or above this severity (or `never`)
    /// [default: high, or the config's].
    #[arg(long, value_parser = parse_fail_on, value_name = "SEVERITY|never")]
    pub fail_on: Option<FailOn>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule id: print its full documentation.
    pub id: Option<String>,
}
