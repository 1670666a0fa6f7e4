"""The Label Studio commands: serve, push, pull and label-config."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from annotation.client import (
    KEY_ENV,
    URL_ENV,
    LabelStudioUnavailable,
    ProjectRef,
    apply_export,
    connect,
    download_export,
    load_project,
)
from annotation.export import ExportError
from annotation.offsets import CODEPOINT, UNITS
from builder.cli.common import WorkspaceOption, console, fail, progress
from builder.workspace.layout import Workspace


@contextmanager
def label_studio(ws: Workspace, url: str | None, start_server: bool) -> Iterator[tuple[Any, str]]:
    """A client and URL: --url/LABEL_STUDIO_URL with LABEL_STUDIO_API_KEY, a running `builder serve`,
    or (with --start-server) an embedded server started for this command."""
    from annotation.embedded import embedded_server, running_server

    url = url or os.environ.get(URL_ENV)
    if url:
        key = os.environ.get(KEY_ENV)
        if not key:
            raise fail(f"[red]{KEY_ENV} is not set.[/red] Put the API key of {url} in it "
                       "(Label Studio → Account & Settings → Access Token); it is never printed or saved.", 2)
        yield connect(url, key), url
        return
    if start_server:
        with ExitStack() as stack:
            with console.status("Starting the embedded Label Studio (the first time installs it: minutes)..."):
                server = stack.enter_context(embedded_server(ws))
            yield connect(server.url, server.token), server.url
        return
    running = running_server(ws)
    if running is not None:
        yield connect(running.url, running.token), running.url
        return
    raise fail(f"[red]No Label Studio to talk to.[/red] Run `builder serve --workspace {ws.root}` in another "
               f"terminal, add --start-server, or give --url (or {URL_ENV}) with {KEY_ENV}.", 2)


def serve(
    workspace: WorkspaceOption = Path("workspace"),
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default: a free one).")] = 8080,
) -> None:
    """Run the embedded Label Studio (own virtualenv, SQLite in the workspace) until Ctrl-C."""
    from annotation.embedded import announced, embedded_server
    from annotation.install import LabelStudioError
    from annotation.server import Credentials

    ws = Workspace(workspace)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stack = ExitStack()
    try:
        with console.status("Starting Label Studio (the first time installs it into its own virtualenv)..."):
            server = stack.enter_context(embedded_server(ws, port))
    except LabelStudioError as error:
        raise fail(f"[red]{error}[/red]") from None
    with stack, announced(ws, server):
        credentials = Credentials()
        console.print(f"Label Studio is running at [bold]{server.url}[/bold]")
        console.print(f"Log in as {credentials.username} / {credentials.password} "
                      f"(annotators can sign up at {server.url}/user/signup/)", highlight=False)
        console.print("`builder push` and `builder pull` in another terminal use it. Ctrl-C stops it.")
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
    console.print("Label Studio stopped.")


def push(
    workspace: WorkspaceOption = Path("workspace"),
    url: Annotated[str | None, typer.Option(help=f"Label Studio URL (or {URL_ENV}); key from {KEY_ENV}.")] = None,
    start_server: Annotated[bool, typer.Option(help="Start the embedded server for this command.")] = False,
    to_file: Annotated[Path | None, typer.Option(help="Write tasks to this JSON file instead (for the UI's import).")] = None,
    project: Annotated[str | None, typer.Option(help="Project title (default: '<schema> – <workspace>').")] = None,
    prelabels: Annotated[Path | None, typer.Option(help="Pre-label folder (default: the latest).")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="Tasks per import request.")] = 250,
    offset_units: Annotated[str, typer.Option(help=f"How the server counts offsets: {', '.join(UNITS)}.")] = CODEPOINT,
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
) -> None:
    """Send sentences (with pre-labels) as tasks; only sentences not in the project yet are sent."""
    from annotation.push import PushOptions, push_workspace, write_tasks_file
    from builder.core.schema import load_schema

    ws = Workspace(workspace)
    total = ws.count_sentences()
    if total == 0:
        raise fail(f"[red]No sentences in {ws.root}[/red]; run `builder ingest` first.")
    if offset_units not in UNITS:
        raise fail(f"[red]--offset-units {offset_units!r}[/red]: use {' or '.join(UNITS)}", 2)
    label_schema = load_schema(schema)
    options = PushOptions(prelabels_dir=prelabels or ws.latest_prelabels(), offset_units=offset_units,
                          batch_size=batch_size)
    if to_file is not None:
        written = write_tasks_file(ws, to_file, options)
        console.print(f"wrote {written:,} tasks to {to_file}; import it in Label Studio "
                      "(project → Import) with the config from `builder label-config`.", highlight=False)
        return
    title = project or f"{label_schema.name} – {ws.root.resolve().name}"
    with label_studio(ws, url, start_server) as (ls, server_url):
        try:
            with progress() as bar:
                task = bar.add_task("Pushing", total=total, current="tasks")
                options = PushOptions(prelabels_dir=options.prelabels_dir, offset_units=offset_units,
                                      batch_size=batch_size, on_batch=lambda n: bar.update(task, advance=n))
                ref, summary = push_workspace(ws, ls, url=server_url, title=title, schema=label_schema,
                                              options=options)
        except LabelStudioUnavailable as error:
            raise fail(f"[red]{error}[/red]") from None
    table = Table(title=f"Push to {server_url} project {ref.project_id}", show_header=False)
    table.add_row("tasks created", f"{summary.created:,}")
    table.add_row("already in the project", f"{summary.already_there:,}")
    table.add_row("batches (recovered after a lost answer)", f"{summary.batches} ({summary.recovered_batches})")
    if summary.duplicates_on_server:
        table.add_row("[red]duplicate tasks found on the server[/red]", f"{summary.duplicates_on_server:,}")
    console.print(table)


def pull(
    workspace: WorkspaceOption = Path("workspace"),
    url: Annotated[str | None, typer.Option(help=f"Label Studio URL (or {URL_ENV}); key from {KEY_ENV}.")] = None,
    start_server: Annotated[bool, typer.Option(help="Start the embedded server for this command.")] = False,
    from_file: Annotated[Path | None, typer.Option(help="Read an export downloaded from the UI (JSON).")] = None,
    adjudicator: Annotated[str | None, typer.Option(help="Annotator whose labels settle disagreements.")] = None,
    offset_units: Annotated[str | None, typer.Option(help="Override the project's offset units.")] = None,
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
) -> None:
    """Save the export as a snapshot, then check and merge every annotator's latest work."""
    from builder.core.schema import load_schema

    ws = Workspace(workspace)
    label_schema = load_schema(schema)
    remembered: ProjectRef | None = load_project(ws)
    units = offset_units or (remembered.offset_units if remembered else CODEPOINT)
    try:
        if from_file is not None:
            if not from_file.is_file():
                raise fail(f"[red]{from_file} is not a file.[/red]", 2)
            summary = apply_export(ws, from_file.read_bytes(), origin="file", schema=label_schema, units=units,
                                   adjudicator=adjudicator)
        else:
            if remembered is None:
                raise fail("[red]This workspace has no Label Studio project yet[/red]; run `builder push` "
                           "first, or pull an export with --from-file.", 2)
            with label_studio(ws, url, start_server) as (ls, _):
                raw = download_export(ls, remembered.project_id)
            summary = apply_export(ws, raw, origin="server", schema=label_schema, units=units,
                                   adjudicator=adjudicator)
    except (ExportError, LabelStudioUnavailable) as error:
        raise fail(f"[red]{error}[/red]\nNothing in the workspace's annotations was changed.") from None
    table = Table(title="Pull", show_header=False)
    table.add_row("snapshot", summary.snapshot)
    for name in ("tasks", "annotations", "skipped", "drafts_ignored", "superseded", "accepted"):
        table.add_row(name.replace("_", " "), f"{getattr(summary, name):,}")
    table.add_row("in review", f"{len(summary.review):,}")
    table.add_row("spans snapped to tokens", f"{len(summary.snapped):,}")
    console.print(table)
    for line in summary.snapped[:20] + summary.review[:20]:
        console.print(line, highlight=False, markup=False)


def label_config(schema: Annotated[Path | None, typer.Option(help="Label schema TOML.")] = None) -> None:
    """Print the Label Studio labelling config generated from the schema."""
    from annotation.labelconfig import labelling_config
    from builder.core.schema import load_schema

    print(labelling_config(load_schema(schema)), end="")
