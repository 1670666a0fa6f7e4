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
