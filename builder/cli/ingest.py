"""`builder ingest` and `builder show`: read articles into the workspace, and look at what came out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from builder.cli.common import (
    SHOWN_PROBLEMS,
    WorkspaceOption,
    console,
    err,
    fail,
    progress,
)
from builder.cli.prelabel import (
    prelabeller_factory,
    run_prelabel_pass,
    workspace_tagger_options,
)
from builder.core.parallel import default_workers
from builder.prelabel.options import TaggerOptions
from builder.workspace.layout import Workspace

#: The default of --max-chars: builder.ingest.read.DEFAULT_MAX_CHARS (a test checks they agree), written
#: here so that `builder --help` and the other commands do not import the reading stage.
MAX_CHARS = 500_000

if TYPE_CHECKING:
    from builder.ingest.run import IngestSummary


def _print_summary(summary: IngestSummary) -> None:
    table = Table(title=f"Ingest {summary.run_id}", show_header=False)
    for name, value in (("files read", summary.files), ("articles", summary.articles),
                        ("sentences", summary.sentences), ("tokens", summary.tokens),
                        ("skipped", len(summary.skipped)), ("notices", len(summary.notices))):
        table.add_row(name, f"{value:,}")
    for kind, count in sorted(summary.skipped_by_kind().items()):
        table.add_row(f"  skipped: {kind}", f"{count:,}")
    for reason, count in sorted(summary.removed_lines.items()):
        table.add_row(f"  lines removed: {reason}", f"{count:,}")
    console.print(table)
    shown = [("red", p) for p in summary.skipped] + [("yellow", p) for p in summary.notices]
    for colour, problem in shown[:SHOWN_PROBLEMS]:
        err.print(f"[{colour}]{problem.kind}[/{colour}] {escape(problem.where)}: {escape(problem.message)}",
                  highlight=False, soft_wrap=True)
    hidden = len(summary.skipped) + len(summary.notices) - SHOWN_PROBLEMS
    if hidden > 0:
        err.print(f"... and {hidden} more in the report")


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of .txt, .html/.htm and .jsonl articles.")],
    workspace: WorkspaceOption = Path("workspace"),
    max_chars: Annotated[int, typer.Option(min=1, help="Skip a page (or JSONL record) longer than this.")]
    = MAX_CHARS,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (default: all cores).")] = default_workers(),
    prelabel: Annotated[bool, typer.Option(
        "--prelabel", help="Then pre-label the workspace's sentences that the default pre-labeller has not "
        "labelled yet, on the same workers: the same as running `builder prelabel` afterwards.")] = False,
) -> None:
    """Read, clean and segment articles into the workspace (Parquet), reporting what was skipped."""
    from builder.ingest.read import SUFFIXES, discover, display_path
    from builder.ingest.run import IngestOptions
    from builder.ingest.run import ingest as run_ingest
    from builder.prelabel.run import EngineOptions

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"[red]No such file or directory:[/red] {', '.join(missing)}", 2)
    files = list(discover(paths))
    if not files:
        raise fail(f"[red]Nothing to ingest:[/red] no files in {', '.join(display_path(p) for p in paths)}; "
                   f"give {', '.join(SUFFIXES)} files or folders holding them.", 2)
    if workspace.is_dir():  # a busy or damaged workspace is named before the progress bar starts
        with Workspace(workspace).lock("ingest") as held:  # (the run takes the lock again for itself)
            if held.note:
                err.print(f"[yellow]note:[/yellow] {held.note}", highlight=False, soft_wrap=True)
            Workspace(workspace).check()
    factory = (prelabeller_factory(None, workspace_tagger_options(Workspace(workspace), TaggerOptions()))
               if prelabel else None)
    with progress() as bar:
        task = bar.add_task("Ingesting", total=len(files), current="")

        def on_file(path: Path) -> None:
            bar.update(task, advance=1, current=display_path(path.name))

        options = IngestOptions(max_chars=max_chars, workers=workers, on_file=on_file)
        summary = run_ingest(files, workspace=Workspace(workspace), options=options)
    _print_summary(summary)
    for output in summary.outputs:
        console.print(f"wrote {output}", highlight=False)
    unread = [p for p in summary.skipped if p.kind != "duplicate"]
    if summary.articles == 0 and unread:
        raise fail(f"[red]No article could be read[/red] from {summary.files:,} file(s): "
                   f"{len(unread):,} input(s) skipped, for the reasons above (all in {summary.outputs[-1]}).")
    if factory is not None and summary.sentences:
        # A second pass over the stored sentences, not pre-labelling inside the ingest workers: each
        # worker then reads and writes its own parts (bench/run.py measures both ways).
        run_prelabel_pass(Workspace(workspace), factory, EngineOptions(workers=workers))


def show(
    workspace: WorkspaceOption = Path("workspace"),
    limit: Annotated[int, typer.Option(min=1, help="How many sentences to show.")] = 5,
    article: Annotated[str | None, typer.Option(help="Only this article id.")] = None,
    tokens: Annotated[bool, typer.Option(help="Also show each sentence's tokens.")] = False,
) -> None:
    """Print stored sentences (and optionally tokens), to check what ingest produced."""
    ws = Workspace(workspace)
    ws.check()
    shown = 0
    for sentence in ws.iter_sentences():
        if article is not None and sentence.article_id != article:
            continue
        console.print(f"[dim]{sentence.article_id}#{sentence.index}[/dim] {sentence.text}", highlight=False)
        if tokens:
            console.print("   " + " | ".join(t.text for t in sentence.tokens), highlight=False, markup=False)
        shown += 1
        if shown >= limit:
            break
    if shown == 0:
        raise fail(f"No sentences in {ws.root}" + (f" for article {article}" if article else "") + ".")
