"""`builder train-ner` and `builder train-events`: the packaged models on the public data;
`builder train`: models trained from a workspace's gold as well, versioned and promoted there."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape as _escape
from rich.table import Table

from builder.cli.common import WorkspaceOption, console, err, fail
from builder.workspace.parts import atomic_write

if TYPE_CHECKING:
    from builder.learn.options import TrainResult


def train_ner(
    data_dir: Annotated[Path, typer.Option(help="Folder with the public NER sets (see ../shared/data/README.md).")]
    = Path("../shared/data/ner"),
    out: Annotated[Path, typer.Option(help="Where the model file and MODEL_CARD.md go.")] = Path("builder/resources"),
    seed: Annotated[int, typer.Option(help="Seed of the train/dev split.")] = 0,
    dev_fraction: Annotated[float, typer.Option(min=0.01, max=0.9, help="Share of sentences held out.")] = 0.15,
) -> None:
    """Train the CRF NER model on the MIT / CC BY 4.0 sets (deduplicated, split by hash) and score it."""
    from builder.ner.train import train_ner as run_training

    if not data_dir.is_dir():
        raise fail(f"[red]{data_dir} is not a directory.[/red] Point --data-dir at ../shared/data/ner.", 2)
    with console.status("Training the CRF (a few minutes)..."):
        metrics = run_training(data_dir=data_dir, out_dir=out, seed=seed, dev_fraction=dev_fraction)
    console.print_json(json.dumps(metrics["scores"]))
    console.print(f"wrote {metrics['model_path']} and {out / 'MODEL_CARD.md'}", highlight=False)


def _repository_file(relative: str) -> Path:
    """A file of the repository checkout the tool is installed from."""
    return Path(__file__).resolve().parents[2] / relative


def train_events(
    corpus: Annotated[Path, typer.Option(help="The event corpus (JSONL or .jsonl.gz, with train/dev/test splits).")]
    = _repository_file("corpora/id_news_events/events.jsonl.gz"),
    out: Annotated[Path, typer.Option(help="Where the model files and EVENT_MODEL_CARD.md go.")]
    = Path("builder/resources"),
    lexicon: Annotated[Path | None, typer.Option(help="Trigger lexicon TOML baked into the model (default: packaged).")]
    = None,
    seed: Annotated[int, typer.Option(help="Seed of the solvers.")] = 0,
) -> None:
    """Train the event model on the team's corpus: compare models on dev/test, ship the trigger classifier."""
    from builder.core.schema import load_schema
    from builder.events.corpus import CorpusError, read_corpus
    from builder.events.lexicon import load_lexicon
    from builder.events.train import EventTrainOptions
    from builder.events.train import train_events as run_training

    try:
        sentences = read_corpus(corpus, frozenset(load_schema().event_labels))
    except CorpusError as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    try:
        import sklearn  # noqa: F401 - training needs it; tagging does not
    except ImportError:
        raise fail("[red]scikit-learn is not installed.[/red] Install the training extra: "
                   "`pip install 'news-dataset-builder[train]'`.", 2) from None
    with console.status(f"Training the event model on {len(sentences):,} sentences (a minute or two)..."):
        metrics = run_training(sentences, load_lexicon(lexicon), out, EventTrainOptions(seed=seed))
    final = metrics["final_test"]
    console.print(f"test split: sentence types micro-F1 {final['types']['micro avg']['f1-score']} "
                  f"(P {final['types']['micro avg']['precision']}, R {final['types']['micro avg']['recall']}); "
                  f"trigger F1 {final['triggers']['f1-score']}", highlight=False)
    for name, figures in metrics["comparison"].items():
        console.print(f"  {name}: micro-F1 {figures['f1-score']}", highlight=False)
    console.print(f"wrote {metrics['model_path']} and {out / 'EVENT_MODEL_CARD.md'}", highlight=False)


def train(
    workspace: WorkspaceOption = Path("workspace"),
    ner: Annotated[bool, typer.Option("--ner/--no-ner", help="Retrain the NER CRF.")] = True,
    events: Annotated[bool, typer.Option("--events/--no-events", help="Retrain the event model.")] = True,
    force: Annotated[bool, typer.Option("--force", help="Promote the new models even when they score worse.")]
    = False,
    data_dir: Annotated[Path, typer.Option(help="Folder with the public NER sets (see ../shared/data/README.md).")]
    = Path("../shared/data/ner"),
    events_corpus: Annotated[Path, typer.Option(help="The team's event corpus (JSONL or .jsonl.gz).")]
    = _repository_file("corpora/id_news_events/events.jsonl.gz"),
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
    holdout: Annotated[float, typer.Option(min=0.0, max=0.9, help="Share of the workspace's articles whose gold "
                                                                "is held back for scoring, never trained on.")]
    = 0.2,
    seed: Annotated[int, typer.Option(help="Seed of the public NER train/dev split and of the CRF's lexicon folds.")] = 0,
    max_iterations: Annotated[int, typer.Option(min=1, help="L-BFGS iterations of the CRF.")] = 200,
    retune_events: Annotated[bool, typer.Option(help="Tune the event model's setting on the corpus's dev split "
                                                     "(several minutes) instead of reusing the shipped one.")]
    = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the run report here.")] = None,
) -> None:
    """Retrain NER and event models on public data plus the workspace's accepted gold; promote them if not worse."""
    import sys

    from builder.core.schema import SchemaError, load_schema
    from builder.events.corpus import CorpusError
    from builder.learn.events import EventOptions
    from builder.learn.gold import GoldError
    from builder.learn.ner import NerOptions
    from builder.learn.options import TrainOptions
    from builder.learn.run import train_workspace
    from builder.ner.train import CrfParams
    from builder.workspace.layout import Workspace
    from builder.workspace.parts import DamagedPart

    ws = Workspace(workspace)
    if not ws.root.is_dir():
        raise fail(f"[red]No workspace at {ws.root}[/red]; run `builder ingest FILES --workspace {ws.root}` first.", 2)
    if not (ner or events):
        raise fail("[red]Nothing to train:[/red] leave --ner or --events on.", 2)
    if ner and not data_dir.is_dir():
        raise fail(f"[red]{data_dir} is not a directory.[/red] Point --data-dir at the public NER sets "
                   "(../shared/data/ner), or pass --no-ner.", 2)
    if events:
        try:
            import sklearn  # noqa: F401 - training needs it; tagging does not
        except ImportError:
            raise fail("[red]scikit-learn is not installed.[/red] Install the training extra: "
                       "`pip install 'news-dataset-builder[train]'`, or pass --no-events.", 2) from None
    try:
        label_schema = load_schema(schema)
        options = TrainOptions(
            ner=NerOptions(data_dir, params=CrfParams(max_iterations=max_iterations), seed=seed),
            events=EventOptions(events_corpus, retune=retune_events), train_ner=ner, train_events=events,
            force=force, holdout_fraction=holdout, command=" ".join(["builder", *sys.argv[1:]]),
        )
    except (SchemaError, ValueError) as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    with console.status("Training...") as status:
        options = replace(options, on_progress=lambda message: status.update(f"{message}..."))
        try:
            ws.check()
            result = train_workspace(ws, label_schema, options)
        except (GoldError, CorpusError, DamagedPart, FileNotFoundError) as error:
            raise fail(f"[red]error:[/red] {_escape(str(error))}", 2) from None
    print_training(result)
    if json_out is not None:
        atomic_write(json_out, result.report.read_text(encoding="utf-8"))
    console.print(f"report: {result.report}", highlight=False)


def print_training(result: TrainResult) -> None:
    """What the gold held, then per model: F1 per label before and after, and the decision."""
    from builder.learn.scores import changes

    gold = result.gold
    if not gold.sentences:
        err.print("[yellow]note:[/yellow] the workspace has no accepted gold (pull annotations first); the models "
                  "were trained on public data only.", highlight=False, soft_wrap=True)
    else:
        console.print(f"workspace gold: {len(gold.sentences):,} accepted sentences ({len(gold.train):,} trained on, "
                      f"{len(gold.held_out):,} held back), from {len(gold.snapshots)} snapshot(s)", highlight=False)
    for outcome in result.outcomes:
        console.print(f"[bold]{outcome.kind}[/bold]: {outcome.current} → {outcome.name}", highlight=False)
        table = Table()
        for column in ("label", "current F1", "new F1", "change", "support"):
            table.add_column(column, justify="left" if column == "label" else "right")
        for change in changes(outcome.before, outcome.after):
            colour = "green" if change.delta > 0 else "red" if change.delta < 0 else ""
            table.add_row(change.label, f"{change.before:.4f}", f"{change.after:.4f}",
                          f"[{colour}]{change.delta:+.4f}[/{colour}]" if colour else f"{change.delta:+.4f}",
                          f"{change.support:,}")
        console.print(table)
        for part, figures in outcome.after.parts.items():
            old = outcome.before.parts.get(part, {}).get("f1-score", 0.0)
            console.print(f"  {part}: micro-F1 {old:.4f} → {figures['f1-score']:.4f} "
                          f"(support {figures['support']:,})", highlight=False)
        style = "yellow" if outcome.forced else "green" if outcome.promoted else "bold"
        console.print(f"[{style}]{_escape(outcome.reason)}[/{style}]", highlight=False)
        console.print(f"wrote {outcome.folder} (training {outcome.seconds:.1f} s)", highlight=False)
