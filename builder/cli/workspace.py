"""`builder status`: what the workspace holds."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from builder.cli.common import WorkspaceOption, console, err, fail
from builder.workspace.layout import Workspace


def status(workspace: WorkspaceOption = Path("workspace")) -> None:
    """Counts of what the workspace holds, and whether its Label Studio runs."""
    from annotation.embedded import server_state
    from builder.workspace.annotators import AnnotatorBook
    from builder.workspace.status import workspace_status

    ws = Workspace(workspace)
    if not ws.root.is_dir():
        raise fail(f"[red]No workspace at {ws.root}[/red]; run `builder ingest FILES --workspace {ws.root}` first.")
    ws.check()  # a damaged or orphaned part is named in one line, as by every other command
    counts = workspace_status(ws)
    table = Table(title=f"Workspace {ws.root}", show_header=False)
    table.add_row("articles", f"{counts.articles:,}")
    table.add_row("sentences", f"{counts.sentences:,}")
    table.add_row("ingest runs", f"{counts.ingest_runs:,}")
    table.add_row("pre-labelled sentences", f"{counts.prelabelled:,}")
    server = server_state(ws)
    if server.running is not None:
        table.add_row("Label Studio", f"running at {server.running.url} (pid {server.running.pid})")
    else:
        table.add_row("Label Studio", f"not running (`builder serve --workspace {ws.root}` starts it)")
    if counts.push is not None:
        push = counts.push
        table.add_row("tasks in Label Studio (last push)",
                      f"{push['tasks_in_project']:,} (project {push['project_id']}, pushed to {push['url']})")
    table.add_row("sentences annotated (accepted)", f"{counts.accepted:,}")
    table.add_row("sentences skipped", f"{counts.skipped:,}")
    table.add_row("sentences in review", f"{counts.in_review:,}")
    book = AnnotatorBook.of(ws)  # pulls before e-mails were recorded named people by Label Studio id
    of_tasks = f" of {counts.push['tasks_in_project']:,} tasks" if counts.push is not None else ""
    for annotator, progress in counts.annotators.items():
        table.add_row(f"  annotator {book.email(annotator)}",
                      f"{progress.annotated:,} annotated, {progress.skipped:,} skipped{of_tasks}")
    console.print(table)
    if server.stale:
        err.print(f"[yellow]note:[/yellow] {server.stale}", soft_wrap=True, highlight=False)
    page = ws.root / "report.html"
    console.print(f"Report: {page}" if page.exists() else f"Report: none yet; run `builder report --workspace {ws.root}`",
                  soft_wrap=True, highlight=False)
