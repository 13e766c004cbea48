//! `wtfcb merge PART...`: the parts of a sharded run joined into one report. The merge reads no
//! source file: it walks the checkout as the shards did (to know the project's files and
//! settings), takes every file's result from its part, and runs what spans files (duplicates,
//! the import graph, baseline and `--new-since`, the exit code) over the whole project.

use std::io::Write;

use crate::cli::MergeArgs;
use crate::settings::AnalyzeSettings;
use crate::shard;

use super::ExitStatus;

pub fn run(
    args: &MergeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    if args.report.format == shard::PART_FORMAT_NAME {
        anyhow::bail!("merge writes reports, not parts: choose another --format");
    }
    let parts = args
        .parts
        .iter()
        .map(|path| shard::read_part(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    shard::check_parts(&parts)?;
    let analyze = parts[0].header.args.to_analyze(args)?;
    let settings = AnalyzeSettings::from_args(&analyze)?;
    super::analyze::run_with(&settings, Some(parts), out, err)
}
