//! JSON output: the serialised report, pretty-printed, newline-terminated.

use std::io::Write;

use serde::Serialize;

pub fn write<T: Serialize>(out: &mut dyn Write, report: &T) -> anyhow::Result<()> {
    // An I/O failure (a closed pipe) must stay an `io::Error` so the caller can recognise it.
    serde_json::to_writer_pretty(&mut *out, report).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}
