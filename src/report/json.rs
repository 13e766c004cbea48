//! JSON output: the serialised report, pretty-printed, newline-terminated.

use std::io::Write;

use serde::Serialize;

pub fn write<T: Serialize>(out: &mut dyn Write, report: &T) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)?;
    Ok(())
}
