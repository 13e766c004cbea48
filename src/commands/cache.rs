//! `wtfcb cache stats|clear|prune`.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{AnalyzeFormat, CacheAction, CacheArgs};
use crate::settings::{cache_options, Project};
use wtfcb_report::report::json;
use wtfcb_store::cache;

use super::ExitStatus;

/// `wtfcb cache warm [--all]`: the tiers of [`crate::warm`], and what each cost.
fn warm(
    root: &std::path::Path,
    all: bool,
    format: AnalyzeFormat,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let never = std::sync::atomic::AtomicBool::new(false);
    let tiers = crate::warm::warm(root, all, &never)?;
    if format == AnalyzeFormat::Json {
        json::write(out, &tiers)?;
        return Ok(ExitStatus::Success);
    }
    for t in &tiers {
        writeln!(
            out,
            "{:<9} {} file(s), {} parsed, {} from the cache",
            t.name,
            t.files,
            t.parsed,
            (t.files as u64).saturating_sub(t.parsed)
        )?;
    }
    if tiers.is_empty() {
        writeln!(out, "nothing to warm")?;
    }
    Ok(ExitStatus::Success)
}

/// `wtfcb cache ping`: every check against the remote, and exit 2 at the first that fails.
fn ping(args: &CacheArgs, project: &Project, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    for note in project.config.notes() {
        eprintln!("wtfcb: warning: {note}");
    }
    let Some(opts) = crate::settings::remote_options(&args.remote, &project.config)? else {
        anyhow::bail!("no remote cache: give --remote-cache URL (or set WTFCB_REMOTE_CACHE)");
    };
    writeln!(
        out,
        "remote cache {}{}; token from ${} ({}); signing key {}",
        wtfcb_core::text::tty(&wtfcb_store::remote::redact(&opts.url)),
        if opts.read_only { " (read-only)" } else { "" },
        opts.token_env,
        if opts.token.is_some() {
            "set"
        } else {
            "not set"
        },
        if opts.signing_key.is_some() {
            "set: values are signed and unsigned ones refused"
        } else {
            "not set: values are checksummed, not signed"
        }
    )?;
    let remote = wtfcb_store::remote::Remote::new(opts).map_err(anyhow::Error::msg)?;
    let mut failed = false;
    for (step, result) in remote.ping() {
        match result {
            Ok(what) => writeln!(out, "  {step:<10} ok: {what}")?,
            Err(why) => {
                failed = true;
                writeln!(out, "  {step:<10} FAILED: {}", wtfcb_core::text::tty(&why))?;
            }
        }
    }
    Ok(if failed {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

pub fn run(args: &CacheArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let start = args.project.clone().unwrap_or_else(|| PathBuf::from("."));
    if !start.exists() {
        anyhow::bail!("{}: no such file or directory", start.display());
    }
    let project = Project::locate(&[start], None)?;
    let opts = cache_options(&project, args.dir.cache_dir.as_deref());
    match args.action {
        CacheAction::Warm { all } => return warm(&project.root, all, args.format, out),
        CacheAction::Stats => {
            let stats = cache::store_stats(&opts)?;
            if args.format == AnalyzeFormat::Json {
                json::write(out, &stats)?;
                return Ok(ExitStatus::Success);
            }
            let Some(s) = stats else {
                writeln!(out, "no cache at {}", opts.db_path().display())?;
                return Ok(ExitStatus::Success);
            };
            writeln!(out, "cache:    {}", s.path)?;
            writeln!(
                out,
                "entries:  {} results, {} file states",
                s.results, s.files
            )?;
            writeln!(out, "size:     {} bytes", s.bytes)?;
            match &s.last_run {
                Some(r) => writeln!(
                    out,
                    "last run: {} files, {} stat hits, {} hash hits, {} misses (hit rate {:.1}%), {} parsed, {} written; lookups {:.1}ms, write {:.1}ms",
                    r.files_seen, r.stat_hits, r.hash_hits, r.misses, r.hit_rate * 100.0,
                    r.files_parsed, r.entries_written, r.read_ms, r.write_ms
                )?,
                None => writeln!(out, "last run: none recorded")?,
            }
            if let Some(remote) = s.last_run.as_ref().and_then(|r| r.remote.as_ref()) {
                writeln!(out, "last run's {}", remote.line())?;
            }
        }
        CacheAction::Clear => {
            if cache::clear(&opts)? {
                writeln!(out, "removed the cache in {}", opts.dir.display())?;
            } else {
                writeln!(out, "no cache at {}", opts.db_path().display())?;
            }
        }
        CacheAction::Ping => return ping(args, &project, out),
        CacheAction::Prune => match cache::prune_now(&opts)? {
            Some(p) => writeln!(
                out,
                "pruned {} results and {} file states (older than {} days or over {} bytes)",
                p.results, p.files, opts.max_age_days, opts.max_size
            )?,
            None => writeln!(out, "no cache at {}", opts.db_path().display())?,
        },
    }
    Ok(ExitStatus::Success)
}
