"""MODEL_CARD.md of a model trained from the workspace: data and counts, snapshots, scores, decision."""

from __future__ import annotations

from builder.learn.gold import GoldSet
from builder.learn.options import Outcome, TrainOptions
from builder.learn.scores import changes

WHAT = {
    "ner": "A linear-chain CRF (python-crfsuite) tagging PER, ORG and LOC in IOB2, with the features and lexicon "
           "of the packaged model (builder/resources/MODEL_CARD.md). Training data: the public sets' train split "
           "(deduplicated, split by a hash of the sentence text), brought to idner-news-2k's guideline and "
           "weighted as `builder train-ner` does (builder/ner/harmonise.py), and the workspace gold outside the "
           "held-back articles, weighted like the guideline set. Evaluation data: the public dev split and the held-back gold; strict span matching "
           "(seqeval, IOB2).",
    "events": "The trigger classifier of the packaged event model (builder/resources/EVENT_MODEL_CARD.md). "
              "Training data: the team corpus's train and dev splits and the workspace gold outside the held-back "
              "articles (each trigger span is a mention of its event type). Evaluation data: the corpus's test "
              "split and the held-back gold; sentence event types, micro-averaged.",
}


def model_card(outcome: Outcome, gold: GoldSet, options: TrainOptions) -> str:
    """The Markdown card of one trained model."""
    rows = "\n".join(f"| {c.label} | {c.before:.4f} | {c.after:.4f} | {c.delta:+.4f} | {c.support} |"
                     for c in changes(outcome.before, outcome.after))
    parts = "\n".join(f"| {part} | {outcome.before.parts.get(part, {}).get('f1-score', 0.0):.4f} "
                      f"| {figures.get('f1-score', 0.0):.4f} | {figures.get('support', 0)} |"
                      for part, figures in outcome.after.parts.items())
    data = "\n".join(f"| {source} | {n['train']:,} | {n['evaluation']:,} |" for source, n in outcome.sentences.items())
    left_out = "\n".join(f"- {what}: {n:,}" for what, n in sorted({**gold.counts, **outcome.notes}.items()) if n)
    snapshots = "\n".join(f"- `{s}`" for s in gold.snapshots) or "- none (no pull has happened)"
    details = "\n".join(f"- {k}: {v}" for k, v in sorted(outcome.details.items()))
    return f"""# Model card: `{outcome.name}`

Version {outcome.version} of `{outcome.name.split('+')[0]}` trained from this workspace. Pre-labels made
with it carry `model:{outcome.name}` and are stored apart from every other version's.

{WHAT[outcome.kind]}

## Decision

{outcome.reason}.

Compared with: `{outcome.current}`.

## Data

Workspace gold: the accepted sentences of `labelstudio/final.parquet` ({len(gold.sentences):,}: {len(gold.train):,}
for training, {len(gold.held_out):,} held back, {gold.holdout_fraction:.0%} of the articles by a hash of the
article id). Pre-labels, `review` and `skipped` sentences are never used.

| source | sentences trained on | sentences scored on |
|---|---|---|
{data}

Counts (what was read and what was left out):

{left_out or "- nothing left out"}

Label Studio snapshots the gold was read from (labelstudio/snapshots/):

{snapshots}

## Scores: current model → this model

F1 per label over all the evaluation data:

| label | current | new | change | support |
|---|---|---|---|---|
{rows}

Micro-F1 per part of the evaluation data:

| part | current | new | support |
|---|---|---|---|
{parts}

## Training

Training took {outcome.seconds:.1f} s.

{details}

Command: `{options.command}`
"""
