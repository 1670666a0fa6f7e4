"""`builder prelabel`: pre-label the stored sentences, on worker processes or Ray."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from builder.cli.common import WorkspaceOption, console, err, fail, progress
from builder.core.labels import labeller_name
from builder.core.parallel import default_workers
from builder.prelabel.options import TaggerOptions, with_promoted_models
from builder.workspace.layout import Workspace

if TYPE_CHECKING:
    from builder.prelabel.interface import Prelabeller
    from builder.prelabel.run import EngineOptions
    from builder.workspace.summary import PrelabelSummary


def prelabeller_factory(schema: Path | None, options: TaggerOptions, gazetteer: bool | None = None,
                        consistency: bool = True) -> Callable[[], Prelabeller]:
    """The default pre-labeller's factory, built once here so a bad option fails clearly, not in a worker.
    `gazetteer` None: the registry's default (DEFAULT_ENTITY_TAGGERS)."""
    from builder.core.schema import SchemaError, load_schema
    from builder.prelabel.registry import default_prelabeller

    try:
        chosen = {} if gazetteer is None else {"gazetteer": gazetteer}
        factory = partial(default_prelabeller, load_schema(schema), options, consistency=consistency, **chosen)
        factory()
    except (SchemaError, FileNotFoundError, ValueError) as error:
        raise fail(f"[red]Cannot set up the pre-labeller:[/red] {error}", 2) from None
    return factory


def workspace_tagger_options(ws: Workspace, options: TaggerOptions) -> TaggerOptions:
    """The options with the workspace's promoted models where none was given, saying which were taken."""
    options, taken = with_promoted_models(options, ws)
    if taken:
        err.print(f"using the workspace's promoted model(s): {', '.join(taken)} (see {ws.models_dir})",
                  highlight=False, soft_wrap=True)
    return options


def print_prelabels(summary: PrelabelSummary) -> None:
    """A table of what a pre-labelling run wrote."""
    table = Table(title="Pre-labels", show_header=False)
    table.add_row("pre-labeller", labeller_name(summary.versions))
    table.add_row("sentences labelled", f"{summary.sentences:,}")
    table.add_row("already labelled (skipped)", f"{summary.already_labelled:,}")
    for label, count in sorted(summary.entities_by_label.items()):
        table.add_row(f"  entities {label}", f"{count:,}")
    for source, count in sorted(summary.entities_by_source.items()):
        table.add_row(f"  entities from {source}", f"{count:,}")
    for label, count in summary.events_by_type.most_common():
        table.add_row(f"  event {label}", f"{count:,}")
    console.print(table)


def prelabel(
    workspace: WorkspaceOption = Path("workspace"),
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
    model: Annotated[Path | None, typer.Option(help="CRF model file (default: the workspace's promoted one, "
                                                    "else the packaged one).")] = None,
    event_model: Annotated[Path | None, typer.Option(help="Event model (.json with its .npz; default: the "
                                                          "workspace's promoted one, else the packaged one).")]
    = None,
    lexicon: Annotated[Path | None, typer.Option(help="Tag events with this trigger lexicon TOML instead of the "
                                                      "event model.")] = None,
    gazetteer: Annotated[bool, typer.Option(help="Also tag places from the packaged gazetteer (off by default: it "
                                                "tags countries used as modifiers, which the guideline leaves "
                                                "out).")] = False,
    consistency: Annotated[bool, typer.Option(help="Make each article's entity pre-labels agree: one label per "
                                                  "name, short mentions of names found elsewhere, datelines "
                                                  "as places.")] = True,
    batch_size: Annotated[int, typer.Option(min=1, help="Sentences per batch (an article is never split).")]
    = 512,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes or Ray actors (default: all cores).")]
    = default_workers(),
    engine: Annotated[str, typer.Option(help="local (worker processes) or ray (Ray Data).")] = "local",
    address: Annotated[str | None, typer.Option(help="Ray cluster address (with --engine ray); default: local Ray.")]
    = None,
) -> None:
    """Pre-label every stored sentence: entities (DATE rules, CRF model, optionally the gazetteer, then one
    label per name in each article), event types and triggers."""
    from builder.prelabel.run import ENGINES, EngineOptions

    ws = Workspace(workspace)
    if engine not in ENGINES:
        raise fail(f"[red]--engine {engine!r}[/red]: use {' or '.join(ENGINES)}", 2)
    if not ws.root.is_dir():
        raise fail(f"[red]No workspace at {ws.root}[/red]; run `builder ingest FILES --workspace {ws.root}` first.")
    factory = prelabeller_factory(schema, workspace_tagger_options(ws, TaggerOptions(model, lexicon, event_model)),
                                  gazetteer, consistency)
    run_prelabel_pass(ws, factory, EngineOptions(workers=workers, batch_size=batch_size, address=address), engine)


def run_prelabel_pass(ws: Workspace, factory: Callable[[], Prelabeller], options: EngineOptions,
                      engine: str = "local") -> PrelabelSummary:
    """Pre-label the workspace's sentences under its lock, with a progress bar; print what was written."""
    from builder.prelabel.run import EngineUnavailable
    from builder.prelabel.run import prelabel as run_prelabel

    with ws.lock("prelabel") as held:
        if held.note:
            err.print(f"[yellow]note:[/yellow] {held.note}", highlight=False, soft_wrap=True)
        for leftover in ws.clean_leftovers():
            err.print(f"[yellow]note:[/yellow] removed {leftover}, an unfinished part left by a run that was stopped",
                      highlight=False, soft_wrap=True)
        ws.check()
        total = ws.count_sentences()
        if total == 0:
            raise fail(f"[red]No sentences in {ws.root}[/red]; run `builder ingest FILES --workspace {ws.root}` first.")
        with progress() as bar:
            task = bar.add_task(f"Pre-labelling ({engine})", total=total,
                                current=f"sentences on {options.workers} worker(s)")
            options = replace(options, on_batch=lambda n: bar.update(task, advance=n))
            try:
                summary = run_prelabel(ws, factory, engine=engine, options=options)
            except EngineUnavailable as error:
                raise fail(f"[red]{error}[/red]", 2) from None
            bar.update(task, completed=total)
    print_prelabels(summary)
    console.print(f"wrote {summary.output or 'nothing new'} (in {summary.directory})", highlight=False)
    return summary
