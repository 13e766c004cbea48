//! wtfcb — WTF CodeBot: walks a source tree, parses every file with tree-sitter in a rayon
//! pool and reports what it finds.
//!
//! The pipeline: [`walk`] picks the files, [`source`] reads each once, [`parse`] builds its
//! tree once, [`facts`] reads every per-file fact off that tree in one pass, [`engine`] runs
//! this over all files in parallel, [`report`] renders the result.

pub use wtfcb_core::{
    alloc, facts, findings, fsio, lang, mutate, parse, profile, repair, rules, source, text, walk,
};
pub use wtfcb_engine::{engine, isolate};
pub use wtfcb_project::project;
pub use wtfcb_report::{baseline, report};
pub use wtfcb_store::{cache, remote};

pub mod analysis;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod config;
pub mod fuzz;
pub mod git;
pub mod history;
pub mod lsp;
pub mod serve;
pub mod settings;
pub mod shard;
pub mod signals;
pub mod warm;

use std::io::Write;

use commands::ExitStatus;

/// Runs a parsed command line, writing results to `out` and diagnostics to `err`.
pub fn run(cli: cli::Cli, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match cli.command {
        cli::Command::Scan(args) => {
            let settings = settings::ScanSettings::from_args(&args)?;
            commands::scan::run(&settings, out, err)
        }
        cli::Command::Analyze(args) => {
            let settings = settings::AnalyzeSettings::from_args(&args)?;
            commands::analyze::run(&settings, out, err)
        }
        cli::Command::Rules(args) => commands::rules::run(args.id.as_deref(), args.format, out),
        cli::Command::Cache(args) => commands::cache::run(&args, out),
        cli::Command::Bench(args) => commands::bench::run(&args, out, err),
        cli::Command::Baseline(args) => {
            let (args, mode) = match &args.action {
                cli::BaselineAction::Write(a) => (a, settings::BaselineMode::Write),
                cli::BaselineAction::Prune(a) => (a, settings::BaselineMode::Prune),
            };
            if args.shard.is_some() || args.report.format == crate::cli::PART_FORMAT_NAME {
                anyhow::bail!(
                    "a baseline is written from the whole project: `wtfcb baseline` takes no --shard or --format part"
                );
            }
            let mut settings = settings::AnalyzeSettings::from_args(args)?;
            settings.baseline_action = mode;
            commands::analyze::run(&settings, out, err)
        }
        cli::Command::Merge(args) => commands::merge::run(&args, out, err),
        cli::Command::Completions(args) => {
            use clap::CommandFactory;
            clap_complete::generate(args.shell, &mut cli::Cli::command(), "wtfcb", out);
            Ok(commands::ExitStatus::Success)
        }
        cli::Command::Graph(args) => {
            let settings = settings::ScanSettings::from_parts(
                &args.walk,
                &args.output,
                &args.cache,
                cli::ScanFormat::Json,
            )?;
            commands::graph::run(&settings, (args.format, args.level), out, err)
        }
        // `main` runs it before stdout is locked; here for a caller of the library.
        cli::Command::Lsp => lsp::run(err),
        cli::Command::Watch(args) => commands::watch::run(&args, out, err),
        cli::Command::History(args) => history::run(&args, out, err),
        cli::Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(cli::Cli::command()).render(out)?;
            Ok(commands::ExitStatus::Success)
        }
    }
}
