"""The `builder` command line: thin commands that validate, show progress and call the library."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from builder.ingest import DEFAULT_MAX_CHARS, discover
from builder.options import WorkspaceOption
from builder.parallel import default_workers
from builder.store import Workspace

if TYPE_CHECKING:
    from builder.prelabel.apply import PrelabelSummary
    from builder.prelabel.core import Prelabeller

app = typer.Typer(
    help="Build annotated Indonesian news NER/event datasets: ingest → pre-label → Label Studio → release.",
    no_args_is_help=True,
    add_completion=False,
)
eval_app = typer.Typer(help="Measure the pipeline against reference data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

console = Console()
err = Console(stderr=True)

SHOWN_PROBLEMS = 20


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error (unwrapped, so paths stay whole) and return the exit to raise."""
    err.print(message, soft_wrap=True, highlight=False)
    return typer.Exit(code)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"), console=err, transient=True,
    )


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of .txt, .html/.htm and .jsonl articles.")],
    workspace: WorkspaceOption = Path("workspace"),
    max_chars: Annotated[int, typer.Option(min=1, help="Skip a page (or JSONL record) longer than this.")] = DEFAULT_MAX_CHARS,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (default: all cores).")] = default_workers(),
    prelabel: Annotated[bool, typer.Option(
        "--prelabel", help="Also pre-label the new sentences in the same pass, with the default pre-labeller "
        "(the fastest way; the same result as running `builder prelabel` afterwards).")] = False,
) -> None:
    """Read, clean and segment articles into the workspace (Parquet), reporting what was skipped."""
    from builder.pipeline import ingest as run_ingest

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"[red]No such file or directory:[/red] {', '.join(missing)}", 2)
    factory = _prelabeller_factory(None, None, None, True) if prelabel else None
    files = list(discover(paths))
    with _progress() as progress:
        task = progress.add_task("Ingesting", total=len(files), current="")

        def on_file(path: Path) -> None:
            progress.update(task, advance=1, current=path.name)

        summary = run_ingest(files, workspace=Workspace(workspace), max_chars=max_chars, workers=workers,
                             prelabeller=factory, on_file=on_file)

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
        err.print(f"[{colour}]{problem.kind}[/{colour}] {problem.where}: {problem.message}", highlight=False,
                  soft_wrap=True)
    hidden = len(summary.skipped) + len(summary.notices) - SHOWN_PROBLEMS
    if hidden > 0:
        err.print(f"... and {hidden} more in the report")
    if summary.prelabels is not None:
        _print_prelabels(summary.prelabels)
    for output in summary.outputs:
        console.print(f"wrote {output}", highlight=False)
    if summary.articles == 0 and summary.skipped:
        raise typer.Exit(1)


TAGGER_NAMES = ("date", "model", "gazetteer")


def _entity_taggers(names: str, model_path: Path | None) -> list:
    """Entity taggers by short name, in the order given (earlier wins overlaps)."""
    from builder.prelabel.dates import DateRule
    from builder.prelabel.gazetteer import Gazetteer
    from builder.prelabel.model import CrfEntityTagger

    makers = {"date": DateRule, "model": lambda: CrfEntityTagger.from_path(model_path), "gazetteer": Gazetteer}
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in makers]
    if unknown or not chosen:
        raise fail(f"[red]--taggers {names!r}[/red]: choose from {', '.join(TAGGER_NAMES)}, comma-separated", 2)
    return [makers[n]() for n in chosen]


def _prelabeller_factory(schema: Path | None, model: Path | None, lexicon: Path | None,
                         gazetteer: bool) -> Callable[[], Prelabeller]:
    """The default pre-labeller's factory, built once here so a bad option fails clearly, not in a worker."""
    from builder.prelabel.default import default_prelabeller
    from builder.schema import SchemaError, load_schema

    try:
        factory = partial(default_prelabeller, load_schema(schema), model_path=model, lexicon_path=lexicon,
                          gazetteer=gazetteer)
        factory()
    except (SchemaError, FileNotFoundError, ValueError) as error:
        raise fail(f"[red]Cannot set up the pre-labeller:[/red] {error}", 2) from None
    return factory


def _print_prelabels(summary: PrelabelSummary) -> None:
    table = Table(title="Pre-labels", show_header=False)
    table.add_row("pre-labeller", ", ".join(summary.versions))
    table.add_row("sentences labelled", f"{summary.sentences:,}")
    table.add_row("already labelled (skipped)", f"{summary.already_labelled:,}")
    for label, count in sorted(summary.entities_by_label.items()):
        table.add_row(f"  entities {label}", f"{count:,}")
    for source, count in sorted(summary.entities_by_source.items()):
        table.add_row(f"  entities from {source}", f"{count:,}")
    for label, count in summary.events_by_type.most_common():
        table.add_row(f"  event {label}", f"{count:,}")
    console.print(table)


@app.command()
def prelabel(
    workspace: WorkspaceOption = Path("workspace"),
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
    model: Annotated[Path | None, typer.Option(help="CRF model file (default: the packaged one).")] = None,
    lexicon: Annotated[Path | None, typer.Option(help="Event trigger lexicon TOML (default: packaged).")] = None,
    gazetteer: Annotated[bool, typer.Option(help="Also tag places from the packaged gazetteer.")] = True,
    batch_size: Annotated[int, typer.Option(min=1, help="Sentences per batch.")] = 512,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes or Ray actors (default: all cores).")]
    = default_workers(),
    engine: Annotated[str, typer.Option(help="local (worker processes) or ray (Ray Data).")] = "local",
    address: Annotated[str | None, typer.Option(help="Ray cluster address (with --engine ray); default: local Ray.")]
    = None,
) -> None:
    """Pre-label every stored sentence: entities (DATE rules, CRF model, gazetteer) and event types."""
    from builder.prelabel.apply import prelabel_workspace

    ws = Workspace(workspace)
    total = ws.count_rows(ws.sentences_dir)
    if total == 0:
        raise fail(f"[red]No sentences in {ws.root}[/red]; run `builder ingest FILES --workspace {ws.root}` first.")
    factory = _prelabeller_factory(schema, model, lexicon, gazetteer)
    if engine == "ray":
        try:
            from builder.prelabel.ray_engine import prelabel_with_ray
        except ImportError:
            raise fail("[red]Ray is not installed.[/red] Install it with `pip install 'news-dataset-builder[ray]'`.",
                       2) from None
        with console.status(f"Pre-labelling on Ray ({address or 'local'}, {workers} actors)..."):
            summary = prelabel_with_ray(ws, factory, workers=workers, address=address, batch_size=batch_size)
    elif engine == "local":
        with _progress() as progress:
            task = progress.add_task("Pre-labelling", total=total, current=f"sentences on {workers} worker(s)")
            summary = prelabel_workspace(ws, factory, workers=workers, batch_size=batch_size,
                                         on_batch=lambda n: progress.update(task, advance=n))
            progress.update(task, completed=total)
    else:
        raise fail(f"[red]--engine {engine!r}[/red]: use local or ray", 2)
    _print_prelabels(summary)
    console.print(f"wrote {summary.output or 'nothing new'} (in {summary.directory})", highlight=False)


@app.command("train-ner")
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


def _latest_prelabels(ws: Workspace) -> Path | None:
    """The pre-label folder written most recently, if any."""
    folders = [p.parent for p in (ws.root / "prelabels").glob("*/prelabeller.json")]
    return max(folders, key=lambda p: (p / "prelabeller.json").stat().st_mtime) if folders else None


@app.command()
def release(
    workspace: WorkspaceOption = Path("workspace"),
    version: Annotated[str | None, typer.Option(help="The version to write, X.Y.Z.")] = None,
    bump_part: Annotated[str | None, typer.Option("--bump", help="Or: next major, minor or patch version.")] = None,
    name: Annotated[str | None, typer.Option(help="Dataset name (default: the schema's name).")] = None,
    releases_dir: Annotated[Path, typer.Option(help="Where releases/<name>/<version>/ go.")] = Path("releases"),
    gold_only: Annotated[bool, typer.Option("--gold-only", help="Leave out silver (machine-only) rows.")] = False,
    ratios: Annotated[str, typer.Option(help="train,validation,test shares of articles.")] = "0.8,0.1,0.1",
    license_: Annotated[str, typer.Option("--license", help="Licence id for the card (e.g. cc-by-4.0).")] = "other",
    prelabels: Annotated[Path | None, typer.Option(help="Pre-label folder (default: the latest).")] = None,
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
    card_template: Annotated[Path | None, typer.Option(help="Card template (default: dataset_card.md).")] = None,
    conll: Annotated[bool, typer.Option(help="Also write token<TAB>tag files in <release>/conll/.")] = False,
    push_to_hub_repo: Annotated[str | None, typer.Option("--push-to-hub", help="Upload to this Hub dataset repo and tag it.")] = None,
) -> None:
    """Write a new versioned Hugging Face release (Parquet, card, manifest, CHANGES.md); never overwrites."""
    from annotation.merge import agreement
    from annotation.store import AnnotationStore
    from builder.publish import push_to_hub
    from builder.release import (
        ReleaseError,
        ReleaseOptions,
        bump,
        load_inputs,
        make_release,
        prelabel_quality,
    )
    from builder.schema import SchemaError, load_schema

    ws = Workspace(workspace)
    if ws.count_rows(ws.sentences_dir) == 0:
        raise fail(f"[red]No sentences in {ws.root}[/red]; run `builder ingest` and `builder prelabel` first.")
    if (version is None) == (bump_part is None):
        raise fail("[red]Give exactly one of --version X.Y.Z or --bump major|minor|patch.[/red]", 2)
    try:
        label_schema = load_schema(schema)
        dataset = name or label_schema.name
        chosen = version or bump(releases_dir, dataset, bump_part or "")
        options = ReleaseOptions(name=dataset, version=chosen, releases_dir=releases_dir, include_silver=not gold_only,
                                 ratios=tuple(float(x) for x in ratios.split(",")), license=license_, conll=conll)
    except (ReleaseError, SchemaError, ValueError) as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    template = card_template.read_text(encoding="utf-8") if card_template is not None else _default_card_template()
    folder = prelabels or _latest_prelabels(ws)
    with console.status("Reading the workspace..."):
        inputs = load_inputs(ws, prelabels_dir=folder)
        annotations = AnnotationStore.of(ws).read_annotations()
        agree = agreement(annotations, label_schema.entity_labels, label_schema.event_labels)
    try:
        with console.status(f"Writing {options.target}..."):
            result = make_release(inputs, label_schema, options, card_template=template,
                                  quality=prelabel_quality(inputs, label_schema),
                                  agreement={"sentences_compared": agree.sentences_compared,
                                             "entity_f1": agree.entity_f1, "event_alpha": agree.event_alpha})
    except ReleaseError as error:
        raise fail(f"[red]{error}[/red]") from None
    table = Table(title=f"Release {options.name} {options.version}", show_header=False)
    table.add_row("previous", result.previous or "(none)")
    table.add_row("pre-labels", str(folder) if folder else "(none)")
    for split, values in result.counts["splits"].items():
        table.add_row(split, ", ".join(f"{k} {v:,}" for k, v in values.items()))
    console.print(table)
    if push_to_hub_repo:
        tag = push_to_hub(result.path, push_to_hub_repo)
        console.print(f"pushed to the Hub as {push_to_hub_repo}, tag {tag}", highlight=False)
    console.print(f"wrote {result.path}", highlight=False)
    console.print(f'Load it with: python -c "import datasets; print(datasets.load_dataset(\'{result.path}\'))"',
                  highlight=False, markup=False, soft_wrap=True)


def _default_card_template() -> str:
    """dataset_card.md at the top of the repository (the tool is installed from its checkout)."""
    beside = Path(__file__).resolve().parent.parent / "dataset_card.md"
    if not beside.is_file():
        raise fail(f"[red]No card template at {beside}[/red]; pass --card-template PATH.", 2)
    return beside.read_text(encoding="utf-8")


@app.command("export-conll")
def export_conll_command(
    release_dir: Annotated[Path, typer.Argument(help="A release folder, releases/<name>/<version>.")],
    out: Annotated[Path, typer.Option(help="Where <split>.conll files go.")] = Path("conll"),
) -> None:
    """Write a release's tokens and IOB2 tags as CoNLL files (token<TAB>tag, blank line between sentences)."""
    from builder.publish import export_conll

    if not (release_dir / "manifest.json").is_file():
        raise fail(f"[red]{release_dir} is not a release[/red] (no manifest.json); give releases/<name>/<version>.", 2)
    for path in export_conll(release_dir, out):
        console.print(f"wrote {path}", highlight=False)


@app.command()
def status(workspace: WorkspaceOption = Path("workspace")) -> None:
    """Counts of what the workspace holds."""
    ws = Workspace(workspace)
    if not ws.root.is_dir():
        raise fail(f"[red]No workspace at {ws.root}[/red]; run `builder ingest FILES --workspace {ws.root}` first.")
    from collections import Counter

    from annotation.store import AnnotationStore

    table = Table(title=f"Workspace {ws.root}", show_header=False)
    table.add_row("articles", f"{ws.count_rows(ws.articles_dir):,}")
    table.add_row("sentences", f"{ws.count_rows(ws.sentences_dir):,}")
    table.add_row("ingest runs", f"{len(list(ws.runs_dir.glob('ingest-*.json'))) if ws.runs_dir.is_dir() else 0:,}")
    latest = _latest_prelabels(ws)
    table.add_row("pre-labelled sentences", f"{ws.count_rows(latest):,}" if latest else "0")
    pushed = ws.runs_dir / "push-latest.json"
    if pushed.exists():
        info = json.loads(pushed.read_text(encoding="utf-8"))
        table.add_row("tasks in Label Studio", f"{info['tasks_in_project']:,} (project {info['project_id']} at {info['url']})")
    store = AnnotationStore.of(ws)
    annotations = store.read_annotations()
    finals = Counter(f.status for f in store.iter_final())
    table.add_row("sentences annotated (accepted)", f"{finals.get('accepted', 0):,}")
    table.add_row("sentences skipped", f"{finals.get('skipped', 0):,}")
    table.add_row("sentences in review", f"{finals.get('review', 0):,}")
    for annotator, count in sorted(Counter(a.annotator for a in annotations if not a.skipped).items()):
        skipped = sum(1 for a in annotations if a.skipped and a.annotator == annotator)
        table.add_row(f"  annotator {annotator}", f"{count:,} annotated, {skipped:,} skipped")
    console.print(table)


@app.command()
def show(
    workspace: WorkspaceOption = Path("workspace"),
    limit: Annotated[int, typer.Option(min=1, help="How many sentences to show.")] = 5,
    article: Annotated[str | None, typer.Option(help="Only this article id.")] = None,
    tokens: Annotated[bool, typer.Option(help="Also show each sentence's tokens.")] = False,
) -> None:
    """Print stored sentences (and optionally tokens), to check what ingest produced."""
    ws = Workspace(workspace)
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


@eval_app.command("segments")
def eval_segments(
    reference: Annotated[
        Path, typer.Argument(help="IndoSum directory (dev.*.jsonl) or one JSONL file with `paragraphs`.")
    ] = Path("../shared/data/raw/indosum-dev"),
    examples: Annotated[int, typer.Option(help="How many disagreements to show.")] = 10,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures here as JSON.")] = None,
) -> None:
    """Sentence-boundary precision/recall/F1 against IndoSum's paragraphs → sentences → tokens."""
    from builder.eval_segments import indosum_articles, score_boundaries

    if not reference.exists():
        raise fail(f"[red]{reference} does not exist.[/red] Point it at IndoSum JSONL "
                   "(the shared reference data lives in ../shared/data/raw/indosum-dev).", 2)
    files = sorted(reference.glob("*.jsonl")) if reference.is_dir() else [reference]
    score = score_boundaries(indosum_articles(files), max_examples=examples)
    figures = {
        "reference": str(reference), "articles": score.articles, "paragraphs": score.paragraphs,
        "reference_sentences": score.reference_sentences, "true_positives": score.true_positives,
        "false_positives": score.false_positives, "false_negatives": score.false_negatives,
        "precision": round(score.precision, 4), "recall": round(score.recall, 4), "f1": round(score.f1, 4),
    }
    table = Table(title="Sentence boundaries inside paragraphs", show_header=False)
    for name, value in figures.items():
        table.add_row(name, str(value))
    console.print(table)
    for example in score.examples:
        console.print(f"{example['kind']}: {example['context']}", highlight=False, markup=False)
    if json_out is not None:
        json_out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def _print_scores(title: str, first_column: str, scores: dict[str, dict[str, float]]) -> None:
    """A precision/recall/F1/support table, one row per label."""
    metrics = ("precision", "recall", "f1-score", "support")
    table = Table(title=title)
    for column in (first_column, *metrics):
        table.add_column(column)
    for label, values in scores.items():
        table.add_row(label, *(str(values[m]) for m in metrics))
    console.print(table)


@eval_app.command("ner")
def eval_ner(
    gold: Annotated[Path, typer.Argument(help="CoNLL/BIO file: token first, tag last, tab- or space-separated.")],
    map_: Annotated[list[str], typer.Option("--map", help="Rename gold labels: PERSON=PER, TIME=DATE, EVT=O.")]
    = [],  # noqa: B006 - typer reads the default
    taggers: Annotated[str, typer.Option(help=f"Comma-separated, in priority order: {', '.join(TAGGER_NAMES)}.")]
    = ",".join(TAGGER_NAMES),
    model: Annotated[Path | None, typer.Option(help="CRF model file (default: the packaged one).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the report here as JSON.")] = None,
) -> None:
    """Strict (seqeval, IOB2) per-label and micro F1 of the entity pre-labels on a gold CoNLL file."""
    from builder.evaluate import evaluate_ner, parse_label_map
    from builder.ner.conll import DEFAULT_LABEL_MAP, read_conll

    if not gold.is_file():
        raise fail(f"[red]{gold} is not a file.[/red] Give a CoNLL/BIO file.", 2)
    try:
        sentences = read_conll(gold, label_map=parse_label_map(map_, DEFAULT_LABEL_MAP))
    except ValueError as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    report = evaluate_ner(sentences, _entity_taggers(taggers, model))
    _print_scores(f"NER on {gold} ({report.sentences:,} sentences, strict IOB2)", "label", report.scores)
    for note in report.left_out:
        console.print(f"left out of scoring: {note}", highlight=False)
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")


@eval_app.command("events")
def eval_events(
    gold: Annotated[Path, typer.Argument(help='JSONL: {"text": ..., "event_types": [...]} per line.')],
    lexicon: Annotated[Path | None, typer.Option(help="Event trigger lexicon TOML (default: packaged).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the report here as JSON.")] = None,
) -> None:
    """Per-type and micro precision/recall/F1 of sentence event types on a gold JSONL file."""
    from builder.evaluate import evaluate_events, read_event_gold
    from builder.prelabel.events import LexiconEventTagger, load_lexicon

    if not gold.is_file():
        raise fail(f"[red]{gold} is not a file.[/red] Give a JSONL file of sentences with event_types.", 2)
    try:
        records = read_event_gold(gold)
    except ValueError as error:
        raise fail(f"[red]{error}[/red]", 2) from None
    report = evaluate_events(records, LexiconEventTagger(load_lexicon(lexicon)))
    _print_scores(f"Event types on {gold} ({report.sentences:,} sentences)", "event type", report.scores)
    console.print(f"exact set match: {report.exact_match}")
    if json_out is not None:
        data = {"sentences": report.sentences, "exact_match": report.exact_match, "scores": report.scores}
        json_out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


from annotation.commands import register  # noqa: E402 - the Label Studio commands need `app` and `fail`

register(app)


def main() -> None:
    """Entry point for `python -m builder`."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
