"""`builder report`: one static HTML page with plots of the annotation work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from builder.cli.common import WorkspaceOption, console, fail
from builder.workspace.layout import Workspace


def report(
    workspace: WorkspaceOption = Path("workspace"),
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="Where to write the page (default: <workspace>/report.html).")] = None,
) -> None:
    """Write one HTML page: progress, label and event distributions, annotators, pre-label quality, disagreements."""
    ws = Workspace(workspace)
    if not ws.root.is_dir():
        raise fail(f"[red]No workspace at {ws.root}[/red]; run `builder ingest FILES --workspace {ws.root}` first.")
    try:
        from builder.evaluate.report import write_report
    except ImportError as error:
        raise fail(f"[red]builder report needs matplotlib ({error.name} is missing)[/red]; "
                   "run `pip install matplotlib`.") from None
    path = write_report(ws, output)
    console.print(f"Report written to {path} (open it in a browser; it needs no network).", soft_wrap=True)
