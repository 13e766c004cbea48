//! JSON output: the serialised report, pretty-printed, newline-terminated.

use std::io::Write;

use serde::Serialize;
use serde_json::ser::Formatter;

pub fn write<T: Serialize>(out: &mut dyn Write, report: &T) -> anyhow::Result<()> {
    Ok(pretty(out, report)?)
}

/// `value` as pretty-printed JSON and a newline. The serialiser writes a few bytes at a time
/// (a quote, a key, a colon, the indentation), each a call through `dyn Write`: a buffer of
/// its own in front of `out` makes those copies into memory, and only full buffers reach
/// `out` (the JSON report of 222 cpython files took 103 million instructions before). An I/O
/// failure (a closed pipe) stays an `io::Error`, so the caller can recognise it.
pub fn pretty<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, out);
    let mut ser = serde_json::Serializer::with_formatter(&mut buffered, Indented::default());
    value.serialize(&mut ser).map_err(std::io::Error::from)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// serde_json's `PrettyFormatter` with two spaces, byte for byte, except that a line break
/// and its indentation are one write, not one for the break and one per level (a report's
/// keys are at depth 3 to 6: on the npm sample the writes of indentation were a third of
/// the report's instructions).
#[derive(Default)]
struct Indented {
    level: usize,
    has_value: bool,
}

/// A line break and the indentation of the levels that fit; deeper levels add more.
const BREAK: &[u8; 129] = &{
    let mut text = [b' '; 129];
    text[0] = b'\n';
    text
};

impl Indented {
    /// A new line at the current level, after `before` (a comma or nothing).
    fn new_line<W: ?Sized + Write>(&self, writer: &mut W, before: &[u8]) -> std::io::Result<()> {
        writer.write_all(before)?;
        let mut spaces = self.level * 2;
        let first = spaces.min(BREAK.len() - 1);
        writer.write_all(&BREAK[..1 + first])?;
        spaces -= first;
        while spaces > 0 {
            let more = spaces.min(BREAK.len() - 1);
            writer.write_all(&BREAK[1..1 + more])?;
            spaces -= more;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.new_line(writer, b"")?;
        }
        writer.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        self.new_line(writer, if first { b"" } else { b"," })
    }
}

impl Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn written(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        pretty(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn output_is_serde_jsons_pretty_output_byte_for_byte() {
        let mut deep = json!({"leaf": [1, {"x": null}], "empty": {}, "none": []});
        // Past the 64 levels one write of indentation covers.
        for i in 0..80 {
            deep = if i % 2 == 0 {
                json!([deep, i, "s\n\"q\""])
            } else {
                json!({"k": deep, "n": -1.5, "e": [], "o": {}})
            };
        }
        let cases = [
            json!(null),
            json!([]),
            json!({}),
            json!([[], {}, [[]], {"a": {}}]),
            json!({"a": 1, "b": [true, false], "c": {"d": "é\u{1}"}}),
            deep,
        ];
        for value in cases {
            let expected = serde_json::to_string_pretty(&value).unwrap() + "\n";
            assert_eq!(written(&value), expected);
        }
    }
}
