"""What every command shares: the consoles, the workspace option, errors and progress bars."""

from __future__ import annotations

import errno
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import click
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


P = ParamSpec("P")
R = TypeVar("R")

#: Set to 1 to see the traceback of an unexpected error instead of its one-line summary.
DEBUG_ENV = "BUILDER_DEBUG"


def error_line(error: BaseException) -> str:
    """One line for an error a command did not handle itself: what went wrong, on which file, and what to do."""
    import pyarrow as pa

    from builder.core.schema import SchemaError
    from builder.workspace.lock import WorkspaceBusy
    from builder.workspace.parts import DamagedPart

    if isinstance(error, DamagedPart | WorkspaceBusy | SchemaError):  # they name the file and what to do
        return str(error)
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        where = f" while writing {error.filename}" if error.filename else ""
        return (f"No space left on the device{where}. The command stopped and removed what it had half written, "
                "so every file in the workspace and the releases is whole (ingest and release changed nothing). "
                "Free some space and run it again.")
    if isinstance(error, pa.ArrowException):
        return (f"Damaged Parquet data ({_first_line(error)}); run `builder status` to find the damaged part, "
                "then restore it or move it out of the workspace.")
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or _first_line(error)}; check the path and its permissions."
    return (f"Unexpected error: {type(error).__name__}: {_first_line(error)}. This is a bug; please report it "
            f"(set {DEBUG_ENV}=1 to see the traceback).")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """The one error path of the command line: any error a command does not turn into a message itself
    reaches the user as one line (see `error_line`) and exit code 1, never as a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.ClickException):
            raise
        except KeyboardInterrupt:
            raise fail("[red]Interrupted.[/red] Run the command again: unfinished parts are removed by the next "
                       "run.", 130) from None
        except Exception as error:
            if os.environ.get(DEBUG_ENV):
                raise
            raise fail(f"[red]error:[/red] {_escape(error_line(error))}") from None

    return run


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
