//! What the user typed, validated once into the settings a run uses. Nothing below `commands`
//! sees clap types.

use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::cli::{AnalyzeArgs, AnalyzeFormat, FailOn, OutputArgs, ScanArgs, ScanFormat, WalkArgs};
use crate::findings::Severity;
use crate::rules::{Layer, Ruleset};
use crate::walk::WalkOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

impl From<&OutputArgs> for Verbosity {
    fn from(args: &OutputArgs) -> Self {
        if args.quiet {
            Verbosity::Quiet
        } else if args.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }
}

/// Where and how to walk, and how many threads to use.
#[derive(Debug, Clone)]
pub struct WalkSettings {
    pub paths: Vec<PathBuf>,
    pub options: WalkOptions,
    pub jobs: usize,
}

impl WalkSettings {
    pub fn from_args(args: &WalkArgs) -> anyhow::Result<WalkSettings> {
        let max_file_size = parse_size::Config::new()
            .with_binary()
            .parse_size(args.max_file_size.trim())
            .with_context(|| format!("invalid --max-file-size {:?}", args.max_file_size))?;
        let jobs = match args.jobs {
            Some(0) => bail!("--jobs must be at least 1"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        Ok(WalkSettings {
            paths,
            options: WalkOptions {
                include: args.include.clone(),
                exclude: args.exclude.clone(),
                no_ignore: args.no_ignore,
                hidden: args.hidden,
                follow_links: args.follow_links,
                max_file_size,
            },
            jobs,
        })
    }
}

#[derive(Debug, Clone)]
pub struct ScanSettings {
    pub walk: WalkSettings,
    pub format: ScanFormat,
    pub verbosity: Verbosity,
}

impl ScanSettings {
    pub fn from_args(args: &ScanArgs) -> anyhow::Result<ScanSettings> {
        Ok(ScanSettings {
            walk: WalkSettings::from_args(&args.walk)?,
            format: args.format,
            verbosity: Verbosity::from(&args.output),
        })
    }
}

#[derive(Debug)]
pub struct AnalyzeSettings {
    pub walk: WalkSettings,
    pub format: AnalyzeFormat,
    pub verbosity: Verbosity,
    pub rules: Ruleset,
    pub min_severity: Severity,
    pub fail_on: FailOn,
}

impl AnalyzeSettings {
    pub fn from_args(args: &AnalyzeArgs) -> anyhow::Result<AnalyzeSettings> {
        Ok(AnalyzeSettings {
            walk: WalkSettings::from_args(&args.walk)?,
            format: args.format,
            verbosity: Verbosity::from(&args.output),
            rules: Ruleset::from_cli(cli_layer(&args.select, &args.ignore))?,
            min_severity: args.min_severity,
            fail_on: args.fail_on,
        })
    }
}

/// `--select` / `--ignore` as a rule layer (comma-separated or repeated).
fn cli_layer(select: &[String], ignore: &[String]) -> Layer {
    let tokens = |values: &[String]| -> Vec<String> {
        values
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    };
    Layer {
        select: (!select.is_empty()).then(|| tokens(select)),
        ignore: tokens(ignore),
        rules: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn walk_settings(args: &[&str]) -> anyhow::Result<WalkSettings> {
        let cli = crate::cli::Cli::try_parse_from(args)?;
        match cli.command {
            crate::cli::Command::Scan(scan) => WalkSettings::from_args(&scan.walk),
            other => panic!("not scan: {other:?}"),
        }
    }

    #[test]
    fn sizes_accept_units() {
        let s = walk_settings(&["wtfcb", "scan", "--max-file-size", "2M"]).unwrap();
        assert_eq!(s.options.max_file_size, 2 * 1024 * 1024);
        let s = walk_settings(&["wtfcb", "scan", "--max-file-size", "1500"]).unwrap();
        assert_eq!(s.options.max_file_size, 1500);
        assert!(walk_settings(&["wtfcb", "scan", "--max-file-size", "lots"]).is_err());
    }

    #[test]
    fn zero_jobs_is_refused_and_no_path_means_dot() {
        assert!(walk_settings(&["wtfcb", "scan", "-j", "0"]).is_err());
        let s = walk_settings(&["wtfcb", "scan"]).unwrap();
        assert_eq!(s.paths, [PathBuf::from(".")]);
        assert!(s.jobs >= 1);
    }
}
