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
    if args.report.format == crate::cli::PART_FORMAT_NAME {
        anyhow::bail!("merge writes reports, not parts: choose another --format");
    }
    let parts = args
        .parts
        .iter()
        .map(|path| shard::read_part(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    shard::check_parts(&parts)?;
    let header = &parts[0].header;
    header.args.check_against(args)?;
    let analyze = header.args.to_analyze(args)?;
    let settings = AnalyzeSettings::from_args(&analyze)?;
    check_commit(header.commit.as_deref(), &settings)?;
    super::analyze::run_with(&settings, Some(parts), out, err)
}

/// Parts describe the commit the shards ran at: a merge in a checkout of another commit would
/// report that commit's findings as this one's.
fn check_commit(parts: Option<&str>, settings: &AnalyzeSettings) -> anyhow::Result<()> {
    let here = crate::git::Repo::discover(&settings.walk.project.root, "merge")
        .ok()
        .and_then(|repo| repo.head());
    if parts == here.as_deref() {
        return Ok(());
    }
    let show = |c: Option<&str>| wtfcb_core::text::tty(c.unwrap_or("(no commit)")).into_owned();
    anyhow::bail!(
        "the parts were written at commit {} but this checkout is at {}: merge runs in a checkout of the commit the shards analyzed",
        show(parts),
        show(here.as_deref())
    )
}
