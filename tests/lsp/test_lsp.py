"""`wtfcb lsp` driven by a real LSP client (pytest-lsp, on pygls) over stdio.

Run by `tests/cli/lsp.rs` (`cargo test`), which installs pytest-lsp and sets WTFCB_BIN to the
debug binary; by hand: `WTFCB_BIN=target/debug/wtfcb python -m pytest tests/lsp`.
"""

import asyncio
import os
import pathlib
import shutil
import tempfile

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

WTFCB = os.environ["WTFCB_BIN"]

# A function of cognitive complexity 7 (limit 15), cyclomatic 5 (limit 10): no metric finding
# until the config lowers the limits; and a bare `except:`, which `bare-except` reports.
SOURCE = """\
def f(xs, y):
    for x in xs:
        if x and y:
            return f(x)
        elif y:
            pass
        else:
            pass


def g():
    try:
        return 1
    except:
        return 2
"""


def uri(path: pathlib.Path) -> str:
    return path.resolve().as_uri()


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[WTFCB, "lsp"],
        server_env={**os.environ, "WTFCB_TEST_FAULTS": "1"},
    ),
)
async def client(lsp_client: LanguageClient):
    root = pathlib.Path(tempfile.mkdtemp(prefix="wtfcb-lsp-test-"))
    (root / "pkg").mkdir()
    (root / "pkg" / "a.py").write_text(SOURCE)
    (root / "pkg" / "b.py").write_text("import pkg.a\n")
    lsp_client.root = root
    capabilities = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        text_document=types.TextDocumentClientCapabilities(
            diagnostic=types.DiagnosticClientCapabilities(),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(),
        ),
    )
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=uri(root),
            workspace_folders=[types.WorkspaceFolder(uri=uri(root), name="test")],
        )
    )
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


def open_doc(client: LanguageClient, path: pathlib.Path, text: str, version: int = 1):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri(path), language_id="python", version=version, text=text
            )
        )
    )


def replace_doc(client: LanguageClient, path: pathlib.Path, text: str, version: int):
    """A `didChange` that replaces the whole document."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def diagnostics_of(client: LanguageClient, path: pathlib.Path, want, tries: int = 100):
    """Waits until the published diagnostics of `path` satisfy `want`."""
    for _ in range(tries):
        found = client.diagnostics.get(uri(path))
        if found is not None and want(found):
            return found
        try:
            await asyncio.wait_for(
                client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 5
            )
        except asyncio.TimeoutError:
            pass
    raise AssertionError(f"diagnostics never matched: {client.diagnostics.get(uri(path))}")


def codes(diagnostics):
    return sorted(d.code for d in diagnostics)


@pytest.mark.asyncio
async def test_open_change_and_pull_diagnostics_come_from_the_text_in_memory(
    client: LanguageClient,
):
    path = client.root / "pkg" / "a.py"
    open_doc(client, path, SOURCE)
    found = await diagnostics_of(client, path, lambda d: "bare-except" in codes(d))
    bare = next(d for d in found if d.code == "bare-except")
    assert bare.source == "wtfcb"
    assert bare.range.start.line == 13
    assert bare.code_description.href.endswith("bare-except.md")
    assert pathlib.Path(bare.code_description.href[len("file://") :]).read_text().startswith(
        "bare-except"
    )
    # An edit that fixes it, never saved: the diagnostics follow the buffer, not the disk.
    fixed = SOURCE.replace("    except:\n", "    except ValueError:\n")
    replace_doc(client, path, fixed, 2)
    await diagnostics_of(client, path, lambda d: "bare-except" not in codes(d))
    # An incremental edit that breaks it again: `ValueError` deleted.
    line = fixed.splitlines().index("    except ValueError:")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=3),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=line, character=10),
                        end=types.Position(line=line, character=21),
                    ),
                    text="",
                )
            ],
        )
    )
    pulled = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri(path)))
    )
    assert "bare-except" in codes(pulled.items)


@pytest.mark.asyncio
async def test_code_lenses_and_hover_explain_the_metrics(client: LanguageClient):
    path = client.root / "pkg" / "a.py"
    open_doc(client, path, SOURCE)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri(path)))
    )
    titles = [(lens.range.start.line, lens.command.title) for lens in lenses]
    assert titles == [
        (0, "cyclomatic 5 · cognitive 7 · nesting 2 · 8 lines"),
        (10, "cyclomatic 2 · cognitive 1 · nesting 1 · 5 lines"),
    ]
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri(path)),
            position=types.Position(line=2, character=8),
        )
    )
    text = hover.contents.value
    assert "**f**" in text
    for step in [
        "    2  +1 for",
        "    3  +2 if (nesting 1)",
        "    3  +1 and sequence",
        "    4  +1 recursion",
        "    5  +1 else if",
        "    7  +1 else",
    ]:
        assert step in text, text


@pytest.mark.asyncio
async def test_code_actions_suppress_on_the_line_or_in_the_file_and_open_the_docs(
    client: LanguageClient,
):
    path = client.root / "pkg" / "a.py"
    open_doc(client, path, SOURCE)
    found = await diagnostics_of(client, path, lambda d: "bare-except" in codes(d))
    bare = next(d for d in found if d.code == "bare-except")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri(path)),
            range=bare.range,
            context=types.CodeActionContext(diagnostics=[bare]),
        )
    )
    by_title = {a.title: a for a in actions}
    here = by_title["Suppress bare-except here (wtfcb: ignore)"]
    edit = here.edit.changes[uri(path)][0]
    assert edit.new_text == "    # wtfcb: ignore[bare-except]\n"
    assert edit.range.start.line == 13
    whole = by_title["Suppress bare-except in this file (wtfcb: ignore-file)"]
    assert whole.edit.changes[uri(path)][0].new_text == "# wtfcb: ignore-file[bare-except]\n"
    # Applying the line suppression (as the editor would) silences the finding.
    lines = SOURCE.splitlines(keepends=True)
    lines.insert(13, edit.new_text)
    replace_doc(client, path, "".join(lines), 2)
    await diagnostics_of(client, path, lambda d: "bare-except" not in codes(d))
    docs = by_title["Show the documentation of bare-except"]
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=docs.command, arguments=docs.arguments)
    )
    for _ in range(50):
        if client.shown_documents:
            break
        await asyncio.sleep(0.1)
    shown = client.shown_documents
    assert shown and shown[0].uri.endswith("bare-except.md")


@pytest.mark.asyncio
async def test_a_grammar_abort_costs_the_document_a_diagnostic_not_the_server(
    client: LanguageClient,
):
    bad = client.root / "pkg" / "bad.py"
    open_doc(client, bad, "x = 1  # WTFCB-TEST-FAULT-ABORT\n")
    found = await diagnostics_of(client, bad, lambda d: len(d) > 0)
    assert codes(found) == ["analysis-failed"]
    # The server still answers, for another document.
    path = client.root / "pkg" / "a.py"
    open_doc(client, path, SOURCE)
    await diagnostics_of(client, path, lambda d: "bare-except" in codes(d))


@pytest.mark.asyncio
async def test_a_config_change_reloads_the_rules(client: LanguageClient):
    path = client.root / "pkg" / "a.py"
    open_doc(client, path, SOURCE)
    await diagnostics_of(client, path, lambda d: "cognitive-complexity" not in codes(d))
    config = client.root / "wtfcb.toml"
    config.write_text("[rules.cognitive-complexity]\nthresholds = { medium = 3 }\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=uri(config), type=types.FileChangeType.Created)]
        )
    )
    await diagnostics_of(client, path, lambda d: "cognitive-complexity" in codes(d))


@pytest.mark.asyncio
async def test_garbage_gets_an_error_and_the_server_goes_on(client: LanguageClient):
    with pytest.raises(Exception, match="does not answer"):
        await client.protocol.send_request_async("wtfcb/nonsense", {"nonsense": True})
    path = client.root / "pkg" / "a.py"
    open_doc(client, path, SOURCE)
    await diagnostics_of(client, path, lambda d: "bare-except" in codes(d))


@pytest.mark.asyncio
async def test_cross_file_findings_come_from_the_workspace_run(client: LanguageClient):
    # `pkg/c.py` and `pkg/d.py` import each other: the workspace run (started with the
    # server, through the cache) finds the cycle, and the open document shows it.
    root = client.root
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "c.py").write_text("from pkg import d\n")
    (root / "pkg" / "d.py").write_text("from pkg import c\n")
    path = root / "pkg" / "c.py"
    # The run that started with the server may have missed the new files: a save asks again.
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri(path)))
    )
    open_doc(client, path, path.read_text())
    found = await diagnostics_of(client, path, lambda d: "import-cycle" in codes(d))
    cycle = next(d for d in found if d.code == "import-cycle")
    assert any(r.location.uri == uri(root / "pkg" / "d.py") for r in cycle.related_information)
    # The cache the run wrote is the one `wtfcb analyze` uses.
    assert (root / ".wtfcb-cache").is_dir()
