"""The workspace's gold as training data: accepted merged labels, a held-back slice, and the two formats.

Only `labelstudio/final.parquet` rows with status `accepted` are gold (adjudicated sentences end up
accepted); `review` and `skipped` rows and every pre-label are left out. A stable share of the
articles (by a hash of the article id) is held back for evaluation and never trained on.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from builder.core.labels import LabelSet
from builder.core.records import Sentence
from builder.core.schema import Schema
from builder.core.spans import snap, spans_to_tags
from builder.events.corpus import EventMention, EventSentence
from builder.ner.conll import TaggedSentence
from builder.workspace.human import ACCEPTED, AnnotationStore
from builder.workspace.layout import Workspace
from builder.workspace.parts import DamagedPart

WORKSPACE_SOURCE = "workspace"


class GoldError(ValueError):
    """The workspace's gold cannot be used; the message names the file, the sentence and what to do."""


def held_out_point(article_id: str, salt: str = "holdout") -> float:
    """Where an article falls in [0, 1), fixed by its id: the held-back slice is [0, fraction)."""
    digest = hashlib.blake2b(f"{salt}\x1f{article_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class GoldSentence:
    """A workspace sentence and its accepted human labels; `held_out` ones are for evaluation only."""

    sentence: Sentence
    labels: LabelSet
    held_out: bool


@dataclass
class GoldSet:
    """The workspace gold, the snapshots it came from and what was left out (counts)."""

    sentences: list[GoldSentence] = field(default_factory=list)
    snapshots: tuple[str, ...] = ()
    counts: Counter[str] = field(default_factory=Counter)
    holdout_fraction: float = 0.2

    @property
    def train(self) -> list[GoldSentence]:
        """The gold sentences a model may learn from."""
        return [g for g in self.sentences if not g.held_out]

    @property
    def held_out(self) -> list[GoldSentence]:
        """The gold sentences of the held-back articles."""
        return [g for g in self.sentences if g.held_out]


def read_gold(workspace: Workspace, schema: Schema, *, holdout_fraction: float = 0.2) -> GoldSet:
    """The accepted sentences of `final.parquet` with their stored sentence (text and tokens), checked:
    every label is the schema's and every span is the sentence's text at its offsets."""
    if not 0 <= holdout_fraction < 1:
        raise ValueError(f"holdout_fraction={holdout_fraction}: give a fraction from 0 up to (not) 1")
    store = AnnotationStore.of(workspace)
    gold = GoldSet(snapshots=tuple(store.snapshot_names()), holdout_fraction=holdout_fraction)
    path = workspace.final_path
    try:
        finals = list(store.iter_final())
    except (pa.ArrowException, OSError, KeyError, TypeError, ValueError) as error:
        raise DamagedPart(path, str(error).splitlines()[0][:200] if str(error) else type(error).__name__,
                          "run `builder pull` to write it again from Label Studio") from None
    accepted = {}
    for final in finals:
        gold.counts[f"status {final.status}"] += 1
        if final.status == ACCEPTED:
            accepted[final.sentence_id] = final.labels
    entity_labels, event_labels = set(schema.entity_labels), set(schema.event_labels)
    for sentence in workspace.iter_sentences():
        labels = accepted.pop(sentence.id, None)
        if labels is None:
            continue
        where = f"{path}: sentence {sentence.id}"
        _check_labels(labels, entity_labels, event_labels, where, schema.name)
        try:
            labels.check(sentence.text, where)
        except ValueError as error:
            raise GoldError(f"{error}; run `builder pull` again to rewrite {path.name}") from None
        held = held_out_point(sentence.article_id) < holdout_fraction
        gold.sentences.append(GoldSentence(sentence, labels, held))
    gold.counts["accepted, sentence not in the workspace"] = len(accepted)
    gold.sentences.sort(key=lambda g: (g.sentence.article_id, g.sentence.index, g.sentence.id))
    return gold


def _check_labels(labels: LabelSet, entity_labels: set[str], event_labels: set[str], where: str, schema: str) -> None:
    for kind, found, known in (("entity label", [s.label for s in labels.entities], entity_labels),
                               ("trigger label", [s.label for s in labels.triggers], event_labels),
                               ("event type", list(labels.event_types), event_labels)):
        unknown = sorted(set(found) - known)
        if unknown:
            raise GoldError(f"{where} has {kind} {', '.join(map(repr, unknown))}, which schema {schema!r} does "
                            "not define; add it to the schema (--schema) or correct the label in Label Studio "
                            "and pull again")


def tagged(gold: GoldSentence, labels: Sequence[str], counts: Counter[str] | None = None) -> TaggedSentence:
    """IOB2 tags of the sentence's entities whose label is one of `labels` (the others, e.g. DATE, are O).

    Spans are widened to whole tokens (a pull already snaps them; this keeps older files usable)."""
    sentence = gold.sentence
    spans = []
    for span in gold.labels.entities:
        if span.label not in labels:
            if counts is not None:
                counts[f"entities {span.label} (not a label of the model)"] += 1
            continue
        snapped = snap(span, sentence.text, sentence.tokens)
        if snapped is None:
            continue
        if snapped.moved and counts is not None:
            counts["entities widened to whole tokens"] += 1
        spans.append(snapped.span)
    try:
        tags = spans_to_tags(sentence.tokens, spans, f"sentence {sentence.id}")
    except ValueError as error:
        raise GoldError(f"{error}; correct it in Label Studio and pull again") from None
    return TaggedSentence(tuple(t.text for t in sentence.tokens), tuple(tags), f"{WORKSPACE_SOURCE}:{sentence.id}")


def event_sentence(gold: GoldSentence, counts: Counter[str] | None = None) -> EventSentence:
    """The sentence in the event corpus's shape: each trigger span is a mention of its event type.

    An event type chosen without a trigger span cannot teach the trigger classifier; it is counted."""
    sentence = gold.sentence
    mentions = tuple(EventMention(s.label, s.start, s.end, s.text)
                     for s in sorted(gold.labels.triggers, key=lambda s: (s.start, s.end, s.label)))
    if counts is not None:
        counts["event types without a trigger span"] += len(set(gold.labels.event_types) - {m.type for m in mentions})
    return EventSentence(sentence.id, WORKSPACE_SOURCE, sentence.article_id, "test" if gold.held_out else "train",
                         sentence.text, mentions)


def gold_types(gold: GoldSentence) -> frozenset[str]:
    """The sentence's event types: the chosen ones and those of its triggers."""
    return frozenset(gold.labels.event_types) | {s.label for s in gold.labels.triggers}
