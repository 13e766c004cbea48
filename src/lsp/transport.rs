//! The server's stdio transport: LSP's `Content-Length` frames read from stdin and written to
//! stdout by two threads, around an in-memory `lsp_server::Connection`.
//!
//! `lsp_server::Connection::stdio` stops reading at the first body that is not a JSON-RPC
//! message, which ends the server. Here such a body gets the JSON-RPC error it calls for
//! (`-32700` parse error, `-32600` invalid request, with a null id) and the server goes on; a
//! frame over [`MAX_FRAME`] is read past, in bounded chunks, with the same error. Only a broken
//! frame header, after which no frame boundary can be found, ends the connection (with a
//! message on stderr).

use std::io::{BufRead, Read, Write};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use lsp_server::{Connection, Message};
use serde_json::json;

/// The largest message body read (a document's whole text is one message).
pub const MAX_FRAME: usize = 64 << 20;

/// The longest header line read.
const MAX_HEADER_LINE: usize = 1024;

/// The threads that move messages between stdio and the connection.
pub struct Io {
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl Io {
    /// Waits for both threads: the writer ends once the server drops its connection.
    pub fn join(self) {
        let _ = self.writer.join();
        // The reader may be blocked on stdin, which the client closes after `exit`; it holds
        // nothing that needs it to end first.
        drop(self.reader);
    }
}

/// The server's end of a connection over stdin and stdout.
pub fn stdio() -> (Connection, Io) {
    let (server, client) = Connection::memory();
    let stdout = Arc::new(Mutex::new(std::io::stdout()));
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    let out = Arc::clone(&stdout);
    let writer = std::thread::Builder::new()
        .name("wtfcb-lsp-writer".into())
        .spawn(move || {
            for message in from_server {
                // `Message` serializes without the protocol's version field.
                let Ok(mut value) = serde_json::to_value(&message) else {
                    continue;
                };
                if let Some(object) = value.as_object_mut() {
                    object.insert("jsonrpc".into(), "2.0".into());
                }
                let Ok(body) = serde_json::to_vec(&value) else {
                    continue;
                };
                if write_frame(&out, &body).is_err() {
                    break;
                }
            }
        })
        .expect("a thread for the LSP writer");
    let reader = std::thread::Builder::new()
        .name("wtfcb-lsp-reader".into())
        .spawn(move || {
            let mut input = std::io::BufReader::new(std::io::stdin().lock());
            loop {
                match read_frame(&mut input) {
                    Ok(Frame::Message(message)) => {
                        if to_server.send(message).is_err() {
                            break;
                        }
                    }
                    Ok(Frame::Bad(code, why)) => {
                        let error = json!({
                            "jsonrpc": "2.0",
                            "id": null,
                            "error": {"code": code, "message": why},
                        });
                        let body = serde_json::to_vec(&error).unwrap_or_default();
                        if write_frame(&stdout, &body).is_err() {
                            break;
                        }
                    }
                    Ok(Frame::End) => break,
                    Err(why) => {
                        eprintln!("wtfcb lsp: {why}; closing the connection");
                        break;
                    }
                }
            }
            // Dropping `to_server` tells the server the client is gone.
        })
        .expect("a thread for the LSP reader");
    (server, Io { reader, writer })
}

fn write_frame(out: &Mutex<std::io::Stdout>, body: &[u8]) -> std::io::Result<()> {
    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(body)?;
    out.flush()
}

/// What one frame held.
pub enum Frame {
    Message(Message),
    /// A body that is no JSON-RPC message: the error code and why.
    Bad(i32, String),
    /// The input ended.
    End,
}

/// Reads one frame: its headers (`Content-Length` required, others ignored), then its body.
pub fn read_frame(input: &mut impl BufRead) -> Result<Frame, String> {
    let mut length: Option<usize> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = input
            .by_ref()
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("reading stdin: {e}"))?;
        if read == 0 {
            return if length.is_none() {
                Ok(Frame::End)
            } else {
                Err("the input ended inside a frame header".into())
            };
        }
        if !line.ends_with(b"\n") {
            return Err("a frame header line is too long or unterminated".into());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err("a frame header without a `:`".into());
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .trim()
                    .parse()
                    .map_err(|_| "a Content-Length that is not a number".to_string())?,
            );
        }
    }
    let length = length.unwrap_or(0);
    if length > MAX_FRAME {
        // Read past it, in bounded chunks, and say why it was not read.
        let skipped = std::io::copy(
            &mut input.by_ref().take(length as u64),
            &mut std::io::sink(),
        )
        .map_err(|e| format!("reading stdin: {e}"))?;
        if (skipped as usize) < length {
            return Err("the input ended inside a frame".into());
        }
        return Ok(Frame::Bad(
            -32600,
            format!("a message of {length} bytes, over the {MAX_FRAME}-byte limit"),
        ));
    }
    let mut body = vec![0; length];
    input
        .read_exact(&mut body)
        .map_err(|_| "the input ended inside a frame".to_string())?;
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return Ok(Frame::Bad(-32700, format!("parse error: {e}"))),
    };
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Ok(Frame::Message(message)),
        Err(e) => Ok(Frame::Bad(-32600, format!("invalid request: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut f = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        f.extend_from_slice(body);
        f
    }

    #[test]
    fn bad_bodies_are_errors_and_the_next_frame_still_reads() {
        let mut input = Vec::new();
        input.extend(frame(b"{this is not json"));
        input.extend(frame(br#"{"no":"message"}"#));
        input.extend(frame(
            br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
        ));
        let mut input = std::io::Cursor::new(input);
        let codes: Vec<String> = std::iter::from_fn(|| match read_frame(&mut input) {
            Ok(Frame::Message(Message::Notification(n))) => Some(n.method),
            Ok(Frame::Message(_)) => Some("another message".into()),
            Ok(Frame::Bad(code, _)) => Some(code.to_string()),
            Ok(Frame::End) | Err(_) => None,
        })
        .collect();
        assert_eq!(codes, ["-32700", "-32600", "initialized"]);
    }

    #[test]
    fn an_oversized_frame_is_read_past_and_a_broken_header_ends_the_input() {
        let mut input = format!("Content-Length: {}\r\n\r\n", MAX_FRAME + 1).into_bytes();
        input.extend(std::iter::repeat_n(b' ', MAX_FRAME + 1));
        input.extend(frame(br#"{"jsonrpc":"2.0","method":"exit"}"#));
        input.extend(b"Content-Length: twelve\r\n\r\n");
        let mut input = std::io::Cursor::new(input);
        assert!(matches!(read_frame(&mut input), Ok(Frame::Bad(-32600, _))));
        assert!(matches!(read_frame(&mut input), Ok(Frame::Message(_))));
        assert!(read_frame(&mut input).is_err());
        // A header line with no end, however long, is read in bounded pieces.
        let mut endless = std::io::Cursor::new(vec![b'x'; 10 * MAX_HEADER_LINE]);
        assert!(read_frame(&mut endless).is_err());
        assert!(matches!(
            read_frame(&mut std::io::Cursor::new(Vec::new())),
            Ok(Frame::End)
        ));
    }
}
