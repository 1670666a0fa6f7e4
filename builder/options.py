"""Command-line options shared by every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace", "-w", envvar="BUILDER_WORKSPACE", file_okay=False,
        help="Directory holding articles, sentences, snapshots and reports.",
    ),
]
