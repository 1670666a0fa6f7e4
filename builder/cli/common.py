"""What every command shares: the consoles, the workspace option, errors and progress bars."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

console = Console()
err = Console(stderr=True)

#: Problems printed at the end of a command; the rest are in its report.
SHOWN_PROBLEMS = 20

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace", "-w", envvar="BUILDER_WORKSPACE", file_okay=False,
        help="Directory holding articles, sentences, snapshots and reports.",
    ),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error (unwrapped, so paths stay whole) and return the exit to raise."""
    err.print(message, soft_wrap=True, highlight=False)
    return typer.Exit(code)


def progress() -> Progress:
    """A progress bar on stderr that disappears when done."""
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"), console=err, transient=True,
    )
