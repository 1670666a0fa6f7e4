"""The `builder` command line: thin commands that validate, show progress and call one library function."""

from __future__ import annotations

import logging
from importlib import metadata
from typing import Annotated

import typer

from builder.cli import ingest, labelstudio, prelabel, release, report, train, workspace
from builder.cli.common import console, guarded
from builder.cli.evaluate import eval_app
from builder.cli.mlbackend import ml_backend

app = typer.Typer(
    help="Build annotated Indonesian news NER/event datasets: ingest → pre-label → Label Studio → release.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Every command goes through the one error path (builder/cli/common.py: guarded).
app.command()(guarded(ingest.ingest))
app.command()(guarded(prelabel.prelabel))
app.command()(guarded(train.train))
app.command("train-ner")(guarded(train.train_ner))
app.command("train-events")(guarded(train.train_events))
app.command()(guarded(labelstudio.serve))
app.command()(guarded(labelstudio.push))
app.command()(guarded(labelstudio.pull))
app.command()(guarded(labelstudio.review))
app.command("label-config")(guarded(labelstudio.label_config))
app.command("ml-backend")(guarded(ml_backend))
app.command()(guarded(release.release))
app.command()(guarded(release.export))
app.command()(guarded(release.publish))
app.command()(guarded(workspace.status))
app.command()(guarded(report.report))
app.command()(guarded(ingest.show))
for _info in eval_app.registered_commands:
    if _info.callback is not None:
        _info.callback = guarded(_info.callback)
app.add_typer(eval_app, name="eval")


def version_text() -> str:
    """`builder 0.1.0` (the installed package's version)."""
    try:
        return f"builder {metadata.version('news-dataset-builder')}"
    except metadata.PackageNotFoundError:
        return "builder (not installed: run `pip install -e .`)"


def _show_version(value: bool) -> None:
    if value:
        console.print(version_text(), highlight=False)
        raise typer.Exit()


@app.callback()
def options(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Build annotated Indonesian news NER/event datasets: ingest → pre-label → Label Studio → release."""


def main() -> None:
    """Entry point for `builder` and `python -m builder`."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
