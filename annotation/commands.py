"""The Label Studio commands of the CLI: serve, push, pull (registered on builder's Typer app)."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from annotation.client import (KEY_ENV, URL_ENV, LabelStudioUnavailable, ProjectRef, apply_export, connect,
                               download_export, ensure_project, load_project, push_tasks)
from annotation.export import ExportError
from annotation.offsets import CODEPOINT, UNITS
from annotation.store import AnnotationStore
from builder.options import WorkspaceOption
from builder.store import Workspace


def _cli():  # type: ignore[no-untyped-def]
    from builder import cli

    return cli


def server_file(ws: Workspace) -> Path:
    """Written by `builder serve` while it runs, so push and pull find the embedded server."""
    return AnnotationStore.of(ws).root / "server.json"


def embedded_data_dir(ws: Workspace) -> Path:
    """The embedded server's SQLite database and media."""
    return AnnotationStore.of(ws).root / "server"


@contextmanager
def embedded_server(ws: Workspace, port: int | None = None) -> Iterator[Any]:
    """Start the workspace's embedded Label Studio (installing it on first use) and stop it after."""
    from annotation.server import Credentials, LabelStudioServer, ensure_template

    credentials = Credentials()
    template = ensure_template(credentials)
    with LabelStudioServer(embedded_data_dir(ws), port=port, credentials=credentials, template=template) as server:
        yield server


@contextmanager
def label_studio(ws: Workspace, url: str | None, start_server: bool) -> Iterator[tuple[Any, str]]:
    """A client and URL: --url/LABEL_STUDIO_URL with LABEL_STUDIO_API_KEY, a running `builder serve`,
    or (with --start-server) an embedded server started for this command."""
    cli = _cli()
    url = url or os.environ.get(URL_ENV)
    if url:
        key = os.environ.get(KEY_ENV)
        if not key:
            raise cli.fail(f"[red]{KEY_ENV} is not set.[/red] Put the API key of {url} in it "
                           "(Label Studio → Account & Settings → Access Token); it is never printed or saved.", 2)
        yield connect(url, key), url
        return
    if start_server:
        with ExitStack() as stack:
            with cli.console.status("Starting the embedded Label Studio (the first time installs it: minutes)..."):
                server = stack.enter_context(embedded_server(ws))
            yield connect(server.url, server.token), server.url
        return
    running = server_file(ws)
    if running.exists():
        info = json.loads(running.read_text(encoding="utf-8"))
        from annotation.server import Credentials

        yield connect(info["url"], Credentials().token), info["url"]
        return
    raise cli.fail(f"[red]No Label Studio to talk to.[/red] Run `builder serve --workspace {ws.root}` in another "
                   f"terminal, add --start-server, or give --url (or {URL_ENV}) with {KEY_ENV}.", 2)


def register(app: typer.Typer) -> None:
    """Add serve, push and pull to the CLI."""

    @app.command()
    def serve(
        workspace: WorkspaceOption = Path("workspace"),
        port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default: a free one).")] = 8080,
    ) -> None:
        """Run the embedded Label Studio (own virtualenv, SQLite in the workspace) until Ctrl-C."""
        from annotation.server import Credentials, LabelStudioError

        cli = _cli()
        ws = Workspace(workspace)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        stack = ExitStack()
        try:
            with cli.console.status("Starting Label Studio (the first time installs it into its own virtualenv)..."):
                server = stack.enter_context(embedded_server(ws, port))
        except LabelStudioError as error:
            raise cli.fail(f"[red]{error}[/red]") from None
        with stack:
            running = server_file(ws)
            running.write_text(json.dumps({"url": server.url, "pid": server.pid}) + "\n", encoding="utf-8")
            credentials = Credentials()
            cli.console.print(f"Label Studio is running at [bold]{server.url}[/bold]")
            cli.console.print(f"Log in as {credentials.username} / {credentials.password} "
                              f"(annotators can sign up at {server.url}/user/signup/)", highlight=False)
            cli.console.print("`builder push` and `builder pull` in another terminal use it. Ctrl-C stops it.")
            try:
                while not stop.wait(1.0):
                    pass
            except KeyboardInterrupt:
                pass
            finally:
                running.unlink(missing_ok=True)
        cli.console.print("Label Studio stopped.")

    @app.command()
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
        from annotation.tasks import build_tasks
        from builder.prelabel.apply import iter_prelabels
        from builder.schema import load_schema

        cli = _cli()
        ws = Workspace(workspace)
        total = ws.count_rows(ws.sentences_dir)
        if total == 0:
            raise cli.fail(f"[red]No sentences in {ws.root}[/red]; run `builder ingest` first.")
        if offset_units not in UNITS:
            raise cli.fail(f"[red]--offset-units {offset_units!r}[/red]: use {' or '.join(UNITS)}", 2)
        label_schema = load_schema(schema)
        folder = prelabels or cli._latest_prelabels(ws)
        labels = {item.sentence_id: item for item in iter_prelabels(folder)} if folder else {}
        versions = ""
        if folder and (folder / "prelabeller.json").exists():
            versions = "+".join(json.loads((folder / "prelabeller.json").read_text(encoding="utf-8"))["versions"])
        titles = {r["id"]: r["title"] for b in ws.iter_parquet(ws.articles_dir, ["id", "title"]) for r in b.to_pylist()}
        tasks = build_tasks(ws.iter_sentences(), titles=titles, prelabels=labels, model_version=versions,
                            units=offset_units)
        if to_file is not None:
            items = list(tasks)
            tmp = to_file.with_name(f".{to_file.name}.tmp")
            tmp.write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, to_file)
            cli.console.print(f"wrote {len(items):,} tasks to {to_file}; import it in Label Studio "
                              "(project → Import) with the config from `builder label-config`.", highlight=False)
            return
        title = project or f"{label_schema.name} – {ws.root.resolve().name}"
        with label_studio(ws, url, start_server) as (ls, server_url):
            try:
                ref = ensure_project(ls, ws, url=server_url, title=title, schema=label_schema,
                                     offset_units=offset_units)
                with cli._progress() as progress:
                    task = progress.add_task("Pushing", total=total, current="tasks")
                    summary = push_tasks(ls, ref.project_id, tasks, batch_size=batch_size,
                                         on_batch=lambda n: progress.update(task, advance=n))
            except LabelStudioUnavailable as error:
                raise cli.fail(f"[red]{error}[/red]") from None
        ws.write_report("push-latest", {"url": server_url, "project_id": ref.project_id,
                                        "tasks_in_project": summary.created + summary.already_there,
                                        "created": summary.created, "duplicates_on_server": summary.duplicates_on_server})
        table = Table(title=f"Push to {server_url} project {ref.project_id}", show_header=False)
        table.add_row("tasks created", f"{summary.created:,}")
        table.add_row("already in the project", f"{summary.already_there:,}")
        table.add_row("batches (recovered after a lost answer)", f"{summary.batches} ({summary.recovered_batches})")
        if summary.duplicates_on_server:
            table.add_row("[red]duplicate tasks found on the server[/red]", f"{summary.duplicates_on_server:,}")
        cli.console.print(table)

    @app.command()
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
        from builder.schema import load_schema

        cli = _cli()
        ws = Workspace(workspace)
        label_schema = load_schema(schema)
        remembered: ProjectRef | None = load_project(ws)
        units = offset_units or (remembered.offset_units if remembered else CODEPOINT)
        try:
            if from_file is not None:
                if not from_file.is_file():
                    raise cli.fail(f"[red]{from_file} is not a file.[/red]", 2)
                summary = apply_export(ws, from_file.read_bytes(), origin="file", schema=label_schema, units=units,
                                       adjudicator=adjudicator)
            else:
                if remembered is None:
                    raise cli.fail("[red]This workspace has no Label Studio project yet[/red]; run `builder push` "
                                   "first, or pull an export with --from-file.", 2)
                with label_studio(ws, url, start_server) as (ls, _):
                    raw = download_export(ls, remembered.project_id)
                summary = apply_export(ws, raw, origin="server", schema=label_schema, units=units,
                                       adjudicator=adjudicator)
        except (ExportError, LabelStudioUnavailable) as error:
            raise cli.fail(f"[red]{error}[/red]\nNothing in the workspace's annotations was changed.") from None
        table = Table(title="Pull", show_header=False)
        table.add_row("snapshot", summary.snapshot)
        for name in ("tasks", "annotations", "skipped", "drafts_ignored", "superseded", "accepted"):
            table.add_row(name.replace("_", " "), f"{getattr(summary, name):,}")
        table.add_row("in review", f"{len(summary.review):,}")
        table.add_row("spans snapped to tokens", f"{len(summary.snapped):,}")
        cli.console.print(table)
        for line in summary.snapped[:20] + summary.review[:20]:
            cli.console.print(line, highlight=False, markup=False)

    @app.command("label-config")
    def label_config(schema: Annotated[Path | None, typer.Option(help="Label schema TOML.")] = None) -> None:
        """Print the Label Studio labelling config generated from the schema."""
        from annotation.labelconfig import labelling_config
        from builder.schema import load_schema

        print(labelling_config(load_schema(schema)), end="")
