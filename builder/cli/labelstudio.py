"""The Label Studio commands: serve, push, pull and label-config.

Every failure a user can cause (a wrong URL or key, a server that does not answer, a missing
file or folder, a bad schema) ends in one line naming the URL or file and what to do.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from annotation.env import KEY_ENV, URL_ENV
from annotation.offsets import CODEPOINT, UNITS
from builder.cli.common import WorkspaceOption, console, err, fail, progress
from builder.workspace.layout import Workspace

if TYPE_CHECKING:
    from annotation.client import ProjectRef
    from builder.core.schema import Schema


def _note(message: str) -> None:
    err.print(f"[yellow]note:[/yellow] {message}", soft_wrap=True, highlight=False)


def _schema(path: Path | None) -> Schema:
    """The label schema, or a one-line error naming the file."""
    from builder.core.schema import load_schema

    try:
        return load_schema(path)
    except FileNotFoundError:
        raise fail(f"[red]Schema file {path} does not exist[/red]; give an existing TOML file with --schema, "
                   "or leave --schema out to use the packaged schema.", 2) from None
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"[red]Cannot read the schema file {path}[/red] ({type(error).__name__}: {error}).", 2) from None
    except ValueError as error:  # SchemaError names the file and the value
        raise fail(f"[red]{error}[/red]", 2) from None


@contextmanager
def label_studio(ws: Workspace, url: str | None, start_server: bool) -> Iterator[tuple[Any, str]]:
    """A checked client and URL: --url/LABEL_STUDIO_URL with LABEL_STUDIO_API_KEY, a running `builder serve`,
    or (with --start-server) an embedded server started for this command."""
    from annotation.client import (
        LabelStudioRefused,
        LabelStudioUnavailable,
        check_access,
        check_url,
        connect,
    )
    from annotation.embedded import embedded_server, server_state
    from annotation.install import LabelStudioError

    url = url or os.environ.get(URL_ENV)
    try:
        if url:
            try:
                url = check_url(url)
            except ValueError as error:
                raise fail(f"[red]--url / {URL_ENV}: {error}[/red]", 2) from None
            key = os.environ.get(KEY_ENV)
            if not key:
                raise fail(f"[red]{KEY_ENV} is not set.[/red] Put the API key of {url} in it "
                           "(Label Studio → Account & Settings → Access Token); it is never printed or saved.", 2)
            ls = connect(url, key)
            check_access(ls, url)
            yield ls, url
            return
        state = server_state(ws)
        if state.stale:
            _note(state.stale)
        if start_server and state.running is None:
            with ExitStack() as stack:
                with console.status("Starting the embedded Label Studio (the first time installs it: minutes)..."):
                    server = stack.enter_context(embedded_server(ws))
                yield connect(server.url, server.token), server.url
            return
        if state.running is not None:  # with --start-server too: never two servers on one data folder
            ls = connect(state.running.url, state.running.token)
            check_access(ls, state.running.url)
            yield ls, state.running.url
            return
    except (LabelStudioUnavailable, LabelStudioRefused, LabelStudioError) as error:
        raise fail(f"[red]{error}[/red]") from None
    raise fail(f"[red]No Label Studio to talk to.[/red] Run `builder serve --workspace {ws.root}` in another "
               f"terminal, add --start-server, or give --url (or {URL_ENV}) with {KEY_ENV}.", 2)


def _api_error(url: str, error: Exception) -> typer.Exit:
    """A refused API request (HTTP 4xx) as one line."""
    code = getattr(error, "status_code", None)
    body = str(getattr(error, "body", "") or "")[:200]
    return fail(f"[red]Label Studio at {url} refused a request (HTTP {code})[/red]: {body}", 1)


def serve(
    workspace: WorkspaceOption = Path("workspace"),
    port: Annotated[int | None, typer.Option(
        min=1, max=65535, help="Port on 127.0.0.1 (default: 8080 if it is free, else a free one).")] = None,
    show_login: Annotated[bool, typer.Option(
        "--show-login", help="Print the admin password and API token (otherwise they are never printed).")] = False,
    ml_backend: Annotated[bool, typer.Option(
        "--ml-backend", help="Let Label Studio connect to `builder ml-backend` on 127.0.0.1 (turns off its blocking "
        "of local addresses for ML backends and webhooks).")] = False,
) -> None:
    """Run the embedded Label Studio (own virtualenv, SQLite in the workspace) until Ctrl-C."""
    from annotation.embedded import (
        announced,
        embedded_server,
        login_file,
        pick_port,
        server_state,
    )
    from annotation.install import LabelStudioError

    ws = Workspace(workspace)
    state = server_state(ws)
    if state.stale:
        _note(state.stale)
    if state.running is not None:
        raise fail(f"[red]Label Studio already runs for {ws.root} at {state.running.url} "
                   f"(pid {state.running.pid})[/red]; use it, or stop that `builder serve` first.")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stack = ExitStack()
    try:
        with console.status("Starting Label Studio (the first time installs it into its own virtualenv)..."):
            server = stack.enter_context(embedded_server(ws, pick_port(port), local_ml_backends=ml_backend))
    except LabelStudioError as error:
        raise fail(f"[red]{error}[/red]") from None
    with stack, announced(ws, server):
        credentials = server.credentials
        console.print(f"Label Studio is running at [bold]{server.url}[/bold]")
        if show_login:
            console.print(f"Log in as {credentials.username} / {credentials.password}  "
                          f"(API token {credentials.token})", highlight=False, markup=False)
        else:
            console.print(f"Log in as {credentials.username}; `builder serve --show-login` prints the password "
                          f"(kept in {login_file(ws)}, readable by you only).", highlight=False, markup=False)
        console.print(f"Annotators can sign up at {server.url}/user/signup/", highlight=False)
        if ml_backend:
            console.print(f"`builder ml-backend --workspace {ws.root}` in another terminal connects the ML backend "
                          "to the workspace's project.", highlight=False, markup=False)
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
    no_prelabels: Annotated[bool, typer.Option(
        "--no-prelabels", help="Push without pre-labels on purpose (a later push with pre-labels adds them "
        "to the tasks nobody has touched).")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="Tasks per import request.")] = 250,
    annotators_per_task: Annotated[int | None, typer.Option(
        min=1, max=50, help="How many people label each sentence (Label Studio's overlap); default 1 for a new "
        "project, an existing project keeps its setting.")] = None,
    offset_units: Annotated[str, typer.Option(help=f"How the server counts offsets: {', '.join(UNITS)}.")] = CODEPOINT,
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
    refresh: Annotated[bool, typer.Option(
        "--refresh", help="Also replace the older predictions of tasks already in the project with these "
        "pre-labels, on every task nobody has touched (no submitted annotation, skip or draft); touched tasks "
        "are never changed. Without it, only tasks with no prediction at all get one.")] = False,
) -> None:
    """Send sentences (with pre-labels) as tasks, least sure first; only sentences not in the project yet are sent.

    Tasks already there that have no prediction get the pre-labels; with --refresh, untouched tasks
    with older pre-labels get the current ones. Two pushes at once take turns: the second waits and
    then sends nothing twice."""
    from label_studio_sdk.core.api_error import ApiError

    from annotation.client import LabelStudioUnavailable
    from annotation.push import PushOptions, push_workspace, write_tasks_file

    ws = Workspace(workspace)
    total = ws.count_sentences()
    if total == 0:
        raise fail(f"[red]No sentences in {ws.root}[/red]; run `builder ingest` first.")
    if offset_units not in UNITS:
        raise fail(f"[red]--offset-units {offset_units!r}[/red]: use {' or '.join(UNITS)}", 2)
    label_schema = _schema(schema)
    prelabels_dir = None if no_prelabels else prelabels or ws.latest_prelabels()
    if prelabels_dir is None and not no_prelabels:
        raise fail(f"[red]No pre-labels in {ws.root}[/red]: run `builder prelabel --workspace {ws.root}` first, "
                   "or push with --no-prelabels to send the tasks without them on purpose.", 2)
    if prelabels is not None and not prelabels.is_dir():
        raise fail(f"[red]--prelabels {prelabels} is not a folder[/red]; give one of {ws.root}'s pre-label "
                   "folders, or leave it out for the latest.", 2)
    if refresh and prelabels_dir is None:
        raise fail("[red]--refresh needs pre-labels[/red]: leave out --no-prelabels (or run `builder prelabel` "
                   "first).", 2)
    options = PushOptions(prelabels_dir=prelabels_dir, offset_units=offset_units, batch_size=batch_size)
    if to_file is not None:
        if refresh:
            raise fail("[red]--refresh works on a server's project[/red], not with --to-file.", 2)
        if not to_file.parent.is_dir():
            raise fail(f"[red]--to-file {to_file}: the folder {to_file.parent} does not exist[/red]; "
                       "create it or write the file elsewhere.", 2)
        try:
            written = write_tasks_file(ws, to_file, options)
        except OSError as error:
            raise fail(f"[red]Cannot write {to_file}[/red] ({error.strerror or error}); nothing was written.") from None
        console.print(f"wrote {written:,} tasks to {to_file}; import it in Label Studio "
                      "(project → Import) with the config from `builder label-config`.", highlight=False)
        return
    title = project or f"{label_schema.name} – {ws.root.resolve().name}"
    with label_studio(ws, url, start_server) as (ls, server_url):
        try:
            with progress() as bar:
                task = bar.add_task("Pushing", total=total, current="tasks")
                options = PushOptions(prelabels_dir=prelabels_dir, offset_units=offset_units,
                                      batch_size=batch_size, on_batch=lambda n: bar.update(task, advance=n),
                                      on_wait=_note, annotators_per_task=annotators_per_task, refresh=refresh)
                ref, summary = push_workspace(ws, ls, url=server_url, title=title, schema=label_schema,
                                              options=options)
        except LabelStudioUnavailable as error:
            raise fail(f"[red]{error}[/red]") from None
        except ApiError as error:
            raise _api_error(server_url, error) from None
    table = Table(title=f"Push to {server_url} project {ref.project_id}", show_header=False)
    table.add_row("tasks created", f"{summary.created:,}")
    table.add_row("already in the project", f"{summary.already_there:,}")
    if annotators_per_task is not None:
        table.add_row("annotators per task (Label Studio overlap)", str(annotators_per_task))
    table.add_row("batches (recovered after a lost answer)", f"{summary.batches} ({summary.recovered_batches})")
    if summary.duplicates_on_server:
        table.add_row("[red]duplicate tasks found on the server[/red]", f"{summary.duplicates_on_server:,}")
    changed = summary.refresh
    if changed is not None and summary.already_there:
        if refresh:
            table.add_row("predictions refreshed", f"{changed.refreshed:,}")
        table.add_row("predictions added (task had none)", f"{changed.filled:,}")
        table.add_row("left alone: annotated, skipped or drafted", f"{changed.annotated:,}")
        table.add_row("already current", f"{changed.current:,}")
        if changed.stale:
            table.add_row("[yellow]older pre-labels, not touched by anyone[/yellow]", f"{changed.stale:,}")
    console.print(table)
    if changed is not None and changed.stale:
        err.print(f"[yellow]note:[/yellow] {changed.stale:,} task(s) nobody has touched carry older pre-labels; Label "
                  "Studio's label stream shows only the current version's. `builder push --refresh` replaces them.",
                  soft_wrap=True, highlight=False)
    if summary.without_predictions:
        err.print(f"[yellow]warning:[/yellow] {summary.without_predictions:,} task(s) in project {ref.project_id} "
                  "still have no pre-labels: someone annotated, skipped or drafted them before there were any "
                  "(their work is never changed), or these pre-labels do not cover their sentences.",
                  soft_wrap=True, highlight=False)


def pull(
    workspace: WorkspaceOption = Path("workspace"),
    url: Annotated[str | None, typer.Option(help=f"Label Studio URL (or {URL_ENV}); key from {KEY_ENV}.")] = None,
    start_server: Annotated[bool, typer.Option(help="Start the embedded server for this command.")] = False,
    from_file: Annotated[Path | None, typer.Option(help="Read an export downloaded from the UI (JSON).")] = None,
    adjudicator: Annotated[str | None, typer.Option(
        help="Annotator whose labels settle disagreements: their e-mail (or Label Studio user id).")] = None,
    offset_units: Annotated[str | None, typer.Option(help="Override the project's offset units.")] = None,
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
) -> None:
    """Save the export as a snapshot, then check and merge every annotator's latest work.

    The export replaces the workspace's human labels: work deleted in Label Studio is withdrawn
    (the snapshots keep it)."""
    from label_studio_sdk.core.api_error import ApiError

    from annotation.client import (
        LabelStudioUnavailable,
        apply_export,
        download_export,
        load_project,
        server_users,
    )
    from annotation.export import ExportError
    from annotation.review import load_review

    ws = Workspace(workspace)
    label_schema = _schema(schema)
    remembered: ProjectRef | None = load_project(ws)
    units = offset_units or (remembered.offset_units if remembered else CODEPOINT)
    try:
        if from_file is not None:
            if not from_file.is_file():
                raise fail(f"[red]{from_file} is not a file.[/red]", 2)
            summary = apply_export(ws, from_file.read_bytes(), origin="file", schema=label_schema, units=units,
                                   adjudicator=adjudicator, on_wait=_note)
        else:
            if remembered is None:
                raise fail("[red]This workspace has no Label Studio project yet[/red]; run `builder push` "
                           "first, or pull an export with --from-file.", 2)
            with label_studio(ws, url, start_server) as (ls, server_url):
                try:
                    raw = download_export(ls, remembered.project_id)
                    users = server_users(ls)
                    review = load_review(ws)
                    decisions = download_export(ls, review.project_id) if review is not None else None
                except ApiError as error:
                    if error.status_code == 404:
                        raise fail(f"[red]Project {remembered.project_id} is not on {server_url}[/red] (deleted, or "
                                   f"another server); run `builder push` to make it again.") from None
                    raise _api_error(server_url, error) from None
            summary = apply_export(ws, raw, origin="server", schema=label_schema, units=units,
                                   adjudicator=adjudicator, on_wait=_note, users=users, decisions=decisions)
    except (ExportError, LabelStudioUnavailable) as error:
        raise fail(f"[red]{error}[/red]\nNothing in the workspace's annotations was changed.") from None
    table = Table(title="Pull", show_header=False)
    table.add_row("snapshot", summary.snapshot)
    for name in ("tasks", "annotations", "skipped", "drafts_ignored", "superseded", "accepted"):
        table.add_row(name.replace("_", " "), f"{getattr(summary, name):,}")
    table.add_row("in review", f"{len(summary.review):,}")
    table.add_row("spans snapped to tokens", f"{len(summary.snapped):,}")
    table.add_row("withdrawn (deleted in Label Studio)", f"{len(summary.withdrawn):,}")
    table.add_row("sentences no longer accepted", f"{summary.no_longer_accepted:,}")
    console.print(table)
    for line in summary.snapped[:20] + summary.review[:20] + summary.withdrawn[:20]:
        console.print(line, highlight=False, markup=False)
    if summary.review:
        console.print(f"{len(summary.review):,} sentence(s) in review: `builder review --workspace {ws.root}` sends "
                      "them to the adjudicator with every version shown.", highlight=False, markup=False)
    if summary.adjudicator_note:
        err.print("[yellow]warning:[/yellow] " + summary.adjudicator_note.replace("[", r"\["), soft_wrap=True,
                  highlight=False)


def review(
    workspace: WorkspaceOption = Path("workspace"),
    url: Annotated[str | None, typer.Option(help=f"Label Studio URL (or {URL_ENV}); key from {KEY_ENV}.")] = None,
    start_server: Annotated[bool, typer.Option(help="Start the embedded server for this command.")] = False,
    review_sample: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Also this share of the sentences annotators agreed on (a fixed sample).")] = 0.0,
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
) -> None:
    """Put the sentences in review into a review project, each annotator's version shown as a prediction.

    The adjudicator picks or corrects a version there and submits; the next `pull` takes it as final."""
    from label_studio_sdk.core.api_error import ApiError

    from annotation.client import LabelStudioUnavailable, load_project
    from annotation.review import push_review

    ws = Workspace(workspace)
    label_schema = _schema(schema)
    remembered = load_project(ws)
    if remembered is None:
        raise fail("[red]This workspace has no Label Studio project yet[/red]; run `builder push` and `builder pull` "
                   "first.", 2)
    with label_studio(ws, url, start_server) as (ls, server_url):
        try:
            ref, summary = push_review(ws, ls, url=server_url, title=remembered.title, schema=label_schema,
                                       units=remembered.offset_units, sample=review_sample)
        except LabelStudioUnavailable as error:
            raise fail(f"[red]{error}[/red]") from None
        except ApiError as error:
            raise _api_error(server_url, error) from None
    console.print(f"review project {ref.project_id} ({ref.title}) at {server_url}: {summary.created:,} new review "
                  f"task(s), {summary.already_there:,} already there; open {server_url}/projects/{ref.project_id}/ "
                  "as the adjudicator, then `builder pull`.", highlight=False, markup=False)


def label_config(schema: Annotated[Path | None, typer.Option(help="Label schema TOML.")] = None) -> None:
    """Print the Label Studio labelling config generated from the schema."""
    from annotation.labelconfig import labelling_config

    label_schema = _schema(schema)
    try:
        config = labelling_config(label_schema)
    except ValueError as error:
        raise fail(f"[red]{schema or 'the packaged schema'}: {error}[/red]", 2) from None
    print(config, end="")
