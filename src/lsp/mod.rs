//! `wtfcb lsp`: a language server over stdio (LSP 3.17) on `lsp-server` and `lsp-types`.
//!
//! Each open document is analyzed from its in-memory text (not the file on disk), through the
//! same per-file pipeline as `analyze`: the project's config and rules, and parser worker
//! processes, so a document that makes a grammar abort or loop costs that document a
//! diagnostic, never the server. Edits are coalesced: a changed document is analyzed once no
//! message waits in the queue, so a burst of edits (typing faster than an analysis, a `git
//! checkout` that rewrites open files) costs one analysis, and a lone edit costs no waiting.
//! The cross-file analyses (duplicates, import cycles, layer
//! contracts) come from a whole-workspace run through the cache, made on a background thread
//! when the server starts and after each save or config change; their findings join the open
//! documents' diagnostics. What the server answers: pushed diagnostics and pulled ones
//! (`textDocument/diagnostic`), code lenses with each function's metrics, a hover with a
//! function's metrics and the cognitive-complexity increments line by line, and code actions
//! that add a suppression comment or show a rule's documentation.

mod features;
mod transport;
mod workspace;

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde_json::Value;

use crate::commands::ExitStatus;
use workspace::{Analyzer, DocResult, WorkspaceFindings};

/// An open document.
struct Doc {
    text: String,
    version: i32,
    /// The text changed since its last analysis.
    dirty: bool,
    /// The last analysis of `text` (None until the first one).
    result: Option<DocResult>,
}

/// The server's state between messages.
struct Server {
    conn: Connection,
    root: PathBuf,
    analyzer: Analyzer,
    docs: HashMap<String, Doc>,
    /// The last workspace run's cross-file findings, by path relative to the root.
    cross: WorkspaceFindings,
    /// Messages received and not yet handled.
    queue: VecDeque<Message>,
    /// A workspace run under way, and where its result arrives.
    workspace_run: Option<mpsc::Receiver<anyhow::Result<WorkspaceFindings>>>,
    /// Another run was asked for while one was under way.
    rerun: bool,
    /// The client takes `window/workDoneProgress/create`.
    progress: bool,
    progress_token: i32,
    next_request: i32,
    /// Every rule's documentation, written when the server starts for `codeDescription` links
    /// into a directory it made (removed when it stops).
    rule_docs: tempfile::TempDir,
    /// The cache was warmed (the first workspace run does it).
    warmed: bool,
    /// Set when the server stops: warming ends between its tiers.
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Runs the server on stdin and stdout until the client says `exit`.
pub fn run(err: &mut dyn std::io::Write) -> anyhow::Result<ExitStatus> {
    let (conn, io) = transport::stdio();
    let (id, params) = conn.initialize_start()?;
    let init: lsp::InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let root = root_of(&init).unwrap_or_else(|| std::env::current_dir().unwrap_or_default());
    let result = lsp::InitializeResult {
        capabilities: capabilities(),
        server_info: Some(lsp::ServerInfo {
            name: "wtfcb".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    conn.initialize_finish(id, serde_json::to_value(result)?)?;
    let progress = init
        .capabilities
        .window
        .as_ref()
        .and_then(|w| w.work_done_progress)
        .unwrap_or(false);
    let analyzer = match Analyzer::new(&root) {
        Ok(a) => a,
        Err(e) => {
            writeln!(err, "wtfcb lsp: {e:#}")?;
            return Ok(ExitStatus::Error);
        }
    };
    let mut server = Server {
        conn,
        root,
        analyzer,
        docs: HashMap::new(),
        cross: WorkspaceFindings::default(),
        queue: VecDeque::new(),
        workspace_run: None,
        rerun: false,
        progress,
        progress_token: 0,
        next_request: 0,
        rule_docs: {
            let dir = tempfile::Builder::new().prefix("wtfcb-lsp-").tempdir()?;
            features::write_rule_docs(dir.path())?;
            dir
        },
        warmed: false,
        stop: Default::default(),
    };
    let clean = server.serve()?;
    server.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    drop(server);
    io.join();
    Ok(if clean {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}

/// The workspace root: the first workspace folder, else `rootUri`.
fn root_of(init: &lsp::InitializeParams) -> Option<PathBuf> {
    let folder = init
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.as_str().to_owned());
    #[allow(deprecated)]
    let uri = folder.or_else(|| init.root_uri.as_ref().map(|u| u.as_str().to_owned()))?;
    path_of(&uri)
}

fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        code_lens_provider: Some(lsp::CodeLensOptions {
            resolve_provider: Some(false),
        }),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        execute_command_provider: Some(lsp::ExecuteCommandOptions {
            commands: vec![features::OPEN_RULE_DOCS.into()],
            ..Default::default()
        }),
        diagnostic_provider: Some(lsp::DiagnosticServerCapabilities::Options(
            lsp::DiagnosticOptions {
                identifier: Some("wtfcb".into()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// The file path of a `file:` URI, percent-decoded.
pub fn path_of(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(out).ok()?;
    Some(PathBuf::from(text))
}

/// A `file:` URI for a path, percent-encoding what a URI path may not hold.
pub fn uri_of(path: &Path) -> String {
    let mut uri = String::from("file://");
    for &b in path.to_string_lossy().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

impl Server {
    /// The message loop. Returns whether the client shut down before `exit`.
    fn serve(&mut self) -> anyhow::Result<bool> {
        self.start_workspace_run();
        let mut shutting_down = false;
        loop {
            if self.queue.is_empty() {
                match self.conn.receiver.recv_timeout(self.next_deadline()) {
                    Ok(m) => self.accept(m),
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                    Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(false),
                }
            }
            // Everything the client has sent so far, so that a cancellation reaches the
            // request it names before that request is handled.
            while let Ok(m) = self.conn.receiver.try_recv() {
                self.accept(m);
            }
            match self.queue.pop_front() {
                Some(Message::Request(req)) if shutting_down => self.reply_error(
                    req.id,
                    ErrorCode::InvalidRequest,
                    "the server is shutting down",
                ),
                Some(Message::Request(req)) if req.method == "shutdown" => {
                    shutting_down = true;
                    self.reply(req.id, Value::Null);
                }
                Some(Message::Request(req)) => self.request(req),
                Some(Message::Notification(n)) if n.method == "exit" => return Ok(shutting_down),
                Some(Message::Notification(n)) => self.notification(n),
                Some(Message::Response(_)) | None => {}
            }
            // Edits still queued are applied first: their document is analyzed once.
            if self.queue.is_empty() {
                self.analyze_due();
            }
            self.collect_workspace_run();
        }
    }

    /// Queues a message; a `$/cancelRequest` instead answers the queued request it names with
    /// `RequestCancelled` (one already answered, or never sent, is left alone).
    fn accept(&mut self, message: Message) {
        let cancelled = match &message {
            Message::Notification(n) if n.method == "$/cancelRequest" => {
                decode::<lsp::CancelParams>(n.params.clone()).map(|p| match p.id {
                    lsp::NumberOrString::Number(n) => RequestId::from(n),
                    lsp::NumberOrString::String(s) => RequestId::from(s),
                })
            }
            _ => {
                self.queue.push_back(message);
                return;
            }
        };
        let queued = self
            .queue
            .iter()
            .position(|m| matches!(m, Message::Request(r) if Some(&r.id) == cancelled.as_ref()));
        if let Some(Message::Request(req)) = queued.and_then(|at| self.queue.remove(at)) {
            self.reply_error(req.id, ErrorCode::RequestCanceled, "cancelled");
        }
    }

    /// How long the loop may wait for a message: while a workspace run is under way, until
    /// it is time to look for its result.
    fn next_deadline(&self) -> Duration {
        match self.workspace_run {
            Some(_) => Duration::from_millis(50),
            None => Duration::from_secs(3600),
        }
    }

    fn send(&self, message: Message) {
        // A client that went away ends the loop at the next receive.
        let _ = self.conn.sender.send(message);
    }

    fn reply(&self, id: RequestId, result: Value) {
        self.send(Message::Response(Response::new_ok(id, result)));
    }

    fn reply_error(&self, id: RequestId, code: ErrorCode, message: &str) {
        self.send(Message::Response(Response::new_err(
            id,
            code as i32,
            message.into(),
        )));
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        if let Ok(params) = serde_json::to_value(params) {
            self.send(Message::Notification(Notification::new(
                method.into(),
                params,
            )));
        }
    }

    fn request(&mut self, req: Request) {
        let answer = match req.method.as_str() {
            "textDocument/diagnostic" => self.pull_diagnostics(&req.params),
            "textDocument/codeLens" => self.code_lenses(&req.params),
            "textDocument/hover" => self.hover(&req.params),
            "textDocument/codeAction" => self.code_actions(&req.params),
            "workspace/executeCommand" => self.execute_command(&req.params),
            other => Err((
                ErrorCode::MethodNotFound,
                format!("wtfcb does not answer {other}"),
            )),
        };
        match answer {
            Ok(value) => self.reply(req.id, value),
            Err((code, message)) => self.reply_error(req.id, code, &message),
        }
    }

    fn notification(&mut self, n: Notification) {
        let params = n.params;
        match n.method.as_str() {
            "textDocument/didOpen" => self.did_open(decode(params)),
            "textDocument/didChange" => self.did_change(decode(params)),
            "textDocument/didSave" => {
                let saved: Option<lsp::DidSaveTextDocumentParams> = decode(params);
                self.files_changed(saved.iter().map(|p| p.text_document.uri.as_str()));
            }
            "textDocument/didClose" => self.did_close(decode(params)),
            "workspace/didChangeWatchedFiles" => {
                let changed: Option<lsp::DidChangeWatchedFilesParams> = decode(params);
                let changes = changed.map(|p| p.changes).unwrap_or_default();
                self.files_changed(changes.iter().map(|c| c.uri.as_str()));
            }
            _ => {}
        }
    }

    fn did_open(&mut self, params: Option<lsp::DidOpenTextDocumentParams>) {
        let Some(p) = params else { return };
        let uri = p.text_document.uri.as_str().to_owned();
        let doc = Doc {
            text: p.text_document.text,
            version: p.text_document.version,
            dirty: false,
            result: None,
        };
        self.docs.insert(uri.clone(), doc);
        self.analyze_now(&uri);
    }

    /// Applies the edits; the analysis waits until no message is queued.
    fn did_change(&mut self, params: Option<lsp::DidChangeTextDocumentParams>) {
        let Some(p) = params else { return };
        let Some(doc) = self.docs.get_mut(p.text_document.uri.as_str()) else {
            return;
        };
        for change in p.content_changes {
            features::apply_change(&mut doc.text, change);
        }
        doc.version = p.text_document.version;
        doc.dirty = true;
    }

    fn did_close(&mut self, params: Option<lsp::DidCloseTextDocumentParams>) {
        let Some(p) = params else { return };
        let uri = p.text_document.uri;
        self.docs.remove(uri.as_str());
        let cleared = lsp::PublishDiagnosticsParams::new(uri, Vec::new(), None);
        self.notify("textDocument/publishDiagnostics", cleared);
    }

    /// Saved or changed files: the config reloads; anything else starts a workspace run.
    fn files_changed<'u>(&mut self, mut uris: impl Iterator<Item = &'u str>) {
        let mut any = false;
        let config = uris.any(|u| {
            any = true;
            self.is_config(u)
        });
        if config {
            self.reload();
        } else if any {
            self.start_workspace_run();
        }
    }

    fn is_config(&self, uri: &str) -> bool {
        path_of(uri).is_some_and(|p| p.file_name().is_some_and(|n| n == "wtfcb.toml"))
    }

    /// The config changed: settings read again, every open document analyzed again, a new
    /// workspace run.
    fn reload(&mut self) {
        match Analyzer::new(&self.root) {
            Ok(analyzer) => self.analyzer = analyzer,
            Err(e) => {
                self.show_message(
                    lsp::MessageType::ERROR,
                    &format!("wtfcb: the config does not load, the previous one stays: {e:#}"),
                );
                return;
            }
        }
        let uris: Vec<String> = self.docs.keys().cloned().collect();
        for uri in uris {
            self.analyze_now(&uri);
        }
        self.start_workspace_run();
    }

    fn show_message(&self, typ: lsp::MessageType, message: &str) {
        let params = lsp::ShowMessageParams {
            typ,
            message: message.into(),
        };
        self.notify("window/showMessage", params);
    }

    /// Documents changed since their last analysis.
    fn analyze_due(&mut self) {
        let due: Vec<String> = self
            .docs
            .iter()
            .filter(|(_, d)| d.dirty)
            .map(|(u, _)| u.clone())
            .collect();
        for uri in due {
            self.analyze_now(&uri);
        }
    }

    /// Analyzes a document's text now and publishes its diagnostics.
    fn analyze_now(&mut self, uri: &str) {
        let Some(path) = path_of(uri) else {
            return;
        };
        let Some(doc) = self.docs.get(uri) else {
            return;
        };
        let result = self.analyzer.analyze(&path, &doc.text);
        if let Some(doc) = self.docs.get_mut(uri) {
            doc.result = Some(result);
            doc.dirty = false;
        }
        self.publish(uri);
    }

    fn diagnostics_of(&self, uri: &str) -> Vec<lsp::Diagnostic> {
        let Some(doc) = self.docs.get(uri) else {
            return Vec::new();
        };
        let Some(result) = &doc.result else {
            return Vec::new();
        };
        let cross = self.cross.get(&result.rel);
        features::diagnostics(result, cross, &doc.text, self.rule_docs.path())
    }

    fn publish(&self, uri: &str) {
        let Some(doc) = self.docs.get(uri) else {
            return;
        };
        let Ok(parsed) = uri.parse::<lsp::Uri>() else {
            return;
        };
        let params =
            lsp::PublishDiagnosticsParams::new(parsed, self.diagnostics_of(uri), Some(doc.version));
        self.notify("textDocument/publishDiagnostics", params);
    }

    /// A document the client names, analyzed if its last edit is not yet.
    fn doc_for(&mut self, uri: &str) -> Result<&Doc, (ErrorCode, String)> {
        if self.docs.get(uri).is_some_and(|d| d.dirty) {
            self.analyze_now(uri);
        }
        self.docs
            .get(uri)
            .ok_or((ErrorCode::InvalidParams, format!("{uri} is not open")))
    }

    fn pull_diagnostics(&mut self, params: &Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::DocumentDiagnosticParams = parse(params)?;
        let uri = p.text_document.uri.as_str().to_owned();
        self.doc_for(&uri)?;
        let report = lsp::DocumentDiagnosticReportResult::Report(
            lsp::DocumentDiagnosticReport::Full(lsp::RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport {
                    result_id: None,
                    items: self.diagnostics_of(&uri),
                },
            }),
        );
        serde_json::to_value(report).map_err(internal)
    }

    fn code_lenses(&mut self, params: &Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::CodeLensParams = parse(params)?;
        let doc = self.doc_for(p.text_document.uri.as_str())?;
        let lenses = doc
            .result
            .as_ref()
            .map(|r| features::code_lenses(r, &doc.text))
            .unwrap_or_default();
        serde_json::to_value(lenses).map_err(internal)
    }

    fn hover(&mut self, params: &Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::HoverParams = parse(params)?;
        let uri = p.text_document_position_params.text_document.uri.as_str();
        let position = p.text_document_position_params.position;
        let doc = self.doc_for(uri)?;
        let hover = doc
            .result
            .as_ref()
            .and_then(|r| features::hover(r, &doc.text, position));
        serde_json::to_value(hover).map_err(internal)
    }

    fn code_actions(&mut self, params: &Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::CodeActionParams = parse(params)?;
        let uri = p.text_document.uri.clone();
        let docs_dir = self.rule_docs.path().to_path_buf();
        let doc = self.doc_for(uri.as_str())?;
        let actions = doc
            .result
            .as_ref()
            .map(|r| features::code_actions(r, &doc.text, &uri, &p, &docs_dir))
            .unwrap_or_default();
        serde_json::to_value(actions).map_err(internal)
    }

    /// `wtfcb.openRuleDocs RULE`: asks the client to show the rule's documentation.
    fn execute_command(&mut self, params: &Value) -> Result<Value, (ErrorCode, String)> {
        let p: lsp::ExecuteCommandParams = parse(params)?;
        if p.command != features::OPEN_RULE_DOCS {
            return Err((
                ErrorCode::InvalidParams,
                format!("unknown command {}", p.command),
            ));
        }
        let rule = p.arguments.first().and_then(Value::as_str).unwrap_or("");
        let path = features::rule_doc(self.rule_docs.path(), rule)
            .ok_or((ErrorCode::InvalidParams, format!("unknown rule {rule:?}")))?;
        let uri = uri_of(&path)
            .parse::<lsp::Uri>()
            .map_err(|e| (ErrorCode::InternalError, e.to_string()))?;
        let show = lsp::ShowDocumentParams {
            uri,
            external: Some(false),
            take_focus: Some(true),
            selection: None,
        };
        self.next_request += 1;
        self.send(Message::Request(Request::new(
            RequestId::from(format!("wtfcb-show-{}", self.next_request)),
            "window/showDocument".into(),
            serde_json::to_value(show).map_err(internal)?,
        )));
        Ok(Value::Null)
    }

    /// Starts a whole-workspace run on a background thread (or asks for another when one is
    /// under way), with `$/progress` when the client takes it.
    fn start_workspace_run(&mut self) {
        if self.workspace_run.is_some() {
            self.rerun = true;
            return;
        }
        let (tx, rx) = mpsc::channel();
        let root = self.root.clone();
        // The first run warms the cache in the order files are likely to be opened
        // (`crate::warm`), then reads the rest.
        let warm_first = !std::mem::replace(&mut self.warmed, true);
        let stop = std::sync::Arc::clone(&self.stop);
        let spawned = std::thread::Builder::new()
            .name("wtfcb-workspace".into())
            .spawn(move || {
                // Below the editor's own work: this thread, and the parser processes it starts
                // (which inherit it), at nice 10.
                // SAFETY: on Linux, PRIO_PROCESS with id 0 sets the calling thread's priority.
                unsafe { libc::setpriority(libc::PRIO_PROCESS as _, 0, 10) };
                if warm_first {
                    let _ = crate::warm::warm(&root, false, &stop);
                }
                let _ = tx.send(workspace::run_workspace(&root));
            });
        if spawned.is_ok() {
            self.workspace_run = Some(rx);
            self.begin_progress();
        }
    }

    fn begin_progress(&mut self) {
        if !self.progress {
            return;
        }
        self.progress_token += 1;
        self.next_request += 1;
        let token = lsp::NumberOrString::String(format!("wtfcb-{}", self.progress_token));
        let create = lsp::WorkDoneProgressCreateParams {
            token: token.clone(),
        };
        self.send(Message::Request(Request::new(
            RequestId::from(format!("wtfcb-create-{}", self.next_request)),
            "window/workDoneProgress/create".into(),
            serde_json::to_value(create).unwrap_or(Value::Null),
        )));
        let begin = lsp::ProgressParams {
            token,
            value: lsp::ProgressParamsValue::WorkDone(lsp::WorkDoneProgress::Begin(
                lsp::WorkDoneProgressBegin {
                    title: "wtfcb: reading the workspace".into(),
                    cancellable: Some(false),
                    message: None,
                    percentage: None,
                },
            )),
        };
        self.notify("$/progress", begin);
    }

    fn end_progress(&self, message: String) {
        if !self.progress {
            return;
        }
        let end = lsp::ProgressParams {
            token: lsp::NumberOrString::String(format!("wtfcb-{}", self.progress_token)),
            value: lsp::ProgressParamsValue::WorkDone(lsp::WorkDoneProgress::End(
                lsp::WorkDoneProgressEnd {
                    message: Some(message),
                },
            )),
        };
        self.notify("$/progress", end);
    }

    fn collect_workspace_run(&mut self) {
        let Some(rx) = &self.workspace_run else {
            return;
        };
        let outcome = match rx.try_recv() {
            Ok(outcome) => outcome,
            Err(mpsc::TryRecvError::Empty) => return,
            Err(mpsc::TryRecvError::Disconnected) => Err(anyhow::anyhow!("the run stopped")),
        };
        self.workspace_run = None;
        match outcome {
            Ok(found) => {
                let count: usize = found.values().map(Vec::len).sum();
                self.cross = found;
                self.end_progress(format!("{count} cross-file finding(s)"));
                let uris: Vec<String> = self.docs.keys().cloned().collect();
                for uri in uris {
                    self.publish(&uri);
                }
            }
            Err(e) => {
                self.end_progress("failed".into());
                self.show_message(
                    lsp::MessageType::WARNING,
                    &format!("wtfcb: the workspace run failed: {e:#}"),
                );
            }
        }
        if std::mem::take(&mut self.rerun) {
            self.start_workspace_run();
        }
    }
}

/// A notification's parameters; None when they do not decode (the notification is dropped, as
/// LSP asks: a notification has no reply to carry an error).
fn decode<T: serde::de::DeserializeOwned>(params: Value) -> Option<T> {
    serde_json::from_value(params).ok()
}

fn parse<T: serde::de::DeserializeOwned>(params: &Value) -> Result<T, (ErrorCode, String)> {
    serde_json::from_value(params.clone()).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn internal(e: serde_json::Error) -> (ErrorCode, String) {
    (ErrorCode::InternalError, e.to_string())
}
