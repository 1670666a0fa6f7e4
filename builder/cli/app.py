"""The `builder` command line: thin commands that validate, show progress and call one library function."""

from __future__ import annotations

import logging

import typer

from builder.cli import ingest, labelstudio, prelabel, release, report, train, workspace
from builder.cli.evaluate import eval_app

app = typer.Typer(
    help="Build annotated Indonesian news NER/event datasets: ingest → pre-label → Label Studio → release.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(ingest.ingest)
app.command()(prelabel.prelabel)
app.command("train-ner")(train.train_ner)
app.command("train-events")(train.train_events)
app.command()(labelstudio.serve)
app.command()(labelstudio.push)
app.command()(labelstudio.pull)
app.command("label-config")(labelstudio.label_config)
app.command()(release.release)
app.command()(release.export)
app.command()(release.publish)
app.command()(workspace.status)
app.command()(report.report)
app.command()(ingest.show)
app.add_typer(eval_app, name="eval")


def main() -> None:
    """Entry point for `builder` and `python -m builder`."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
