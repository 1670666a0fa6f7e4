"""`builder train-ner`: train the CRF NER model on the public sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from builder.cli.common import console, fail


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
