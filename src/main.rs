//! The `wtfcb` binary: parse the command line, run, map the outcome to an exit code.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::Parser;

/// Counts allocations per phase while `--profile` is on; forwards to mimalloc.
#[global_allocator]
static ALLOCATOR: wtfcb::alloc::Counting = wtfcb::alloc::Counting;

/// mimalloc's options, set before it starts: a constructor with a priority runs before those
/// without one (mimalloc's, built by gcc) and before `main`.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00100"]
static CONFIGURE_ALLOCATOR: extern "C" fn() = wtfcb::alloc::configure;

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Whether styles reach the output (the text report is the only writer of styles).
fn color_choice(cli: &wtfcb::cli::Cli) -> anstream::ColorChoice {
    match cli.color {
        // A part is binary: every byte must reach the file.
        _ if cli.writes_binary() => anstream::ColorChoice::Always,
        wtfcb::cli::ColorWhen::Always => anstream::ColorChoice::Always,
        wtfcb::cli::ColorWhen::Never => anstream::ColorChoice::Never,
        wtfcb::cli::ColorWhen::Auto
            if std::env::var_os("FORCE_COLOR").is_some_and(|v| !v.is_empty() && v != "0") =>
        {
            anstream::ColorChoice::Always
        }
        wtfcb::cli::ColorWhen::Auto => anstream::ColorChoice::Auto,
    }
}

/// `wtfcb lsp`: the server on stdin and stdout.
fn lsp_main() -> ExitCode {
    match wtfcb::lsp::run(&mut io::stderr()) {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            let _ = writeln!(io::stderr(), "wtfcb lsp: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    // SAFETY: nothing has touched tree-sitter yet.
    unsafe { wtfcb::alloc::install() };
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == wtfcb::isolate::WORKER_ARG)
    {
        return ExitCode::from(wtfcb::isolate::worker_main());
    }
    let cli = match wtfcb::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are not errors; usage errors exit 2.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    let choice = color_choice(&cli);
    // Rayon's global pool serves the work outside a run's own pool: started here, as large as
    // the system allows, so that a refused thread is an error with its cause, never a panic.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if let Err(e) = wtfcb::engine::thread_pool(cores, true) {
        let _ = writeln!(io::stderr(), "wtfcb: error: {e:#}");
        return ExitCode::from(2);
    }
    wtfcb::alloc::exits_after_run();
    // The language server owns stdin and stdout (its own threads read and write them): it runs
    // before stdout is locked for a report.
    if matches!(cli.command, wtfcb::cli::Command::Lsp) {
        return lsp_main();
    }
    let stdout = io::stdout();
    let stdout = stdout.lock();
    // Without colour, reports write no styles, and their bytes reach the output unfiltered
    // (stripping escape codes cost as much as writing the text report).
    let choice = match choice {
        anstream::ColorChoice::Auto => anstream::AutoStream::choice(&stdout),
        choice => choice,
    };
    let choice = if choice == anstream::ColorChoice::Never {
        wtfcb::report::analyze::write_plain();
        anstream::ColorChoice::Always
    } else {
        choice
    };
    let mut out = BufWriter::new(anstream::AutoStream::new(stdout, choice));
    let mut err = io::stderr();
    let result = wtfcb::run(cli, &mut out, &mut err).and_then(|status| {
        out.flush()?;
        Ok(status)
    });
    match result {
        Ok(status) => ExitCode::from(status.code()),
        // `wtfcb scan | head` closing the pipe is not a failure.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(err, "wtfcb: error: {}", wtfcb::text::tty(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}
