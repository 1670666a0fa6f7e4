"""The released rows: typed, one per sentence, with their Hugging Face features.

Rows are gold (a person's accepted labels) or silver (pre-labels only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import pyarrow as pa

from builder.core.labels import LabelSet
from builder.core.records import Span
from builder.core.schema import Schema
from builder.core.spans import spans_to_tags
from builder.release.options import SILVER, SPLITS, ReleaseError, ReleaseOptions
from builder.release.splits import split_of
from builder.workspace.tables import SPAN_FIELDS

#: The span fields a release carries (the workspace's, without the score).
RELEASE_SPAN_FIELDS = tuple(f for f in SPAN_FIELDS if f != "score")


@dataclass(frozen=True)
class ReleaseLabels:
    """The labels a row is released with, and how they were reached."""

    status: str
    labels: LabelSet
    annotator_count: int = 0
    agreement: float | None = None


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """What a release needs of an article."""

    title: str
    body: str
    source: str
    url: str
    published_at: str


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """One released sentence; the fields are the release's columns, in order."""

    id: str
    article_id: str
    sentence_index: int
    text: str
    tokens: list[str]
    ner_tags: list[int]
    entities: list[dict[str, Any]]
    event_types: list[int]
    triggers: list[dict[str, Any]]
    status: str
    annotator_count: int
    agreement: float | None
    prelabeller: str
    title: str
    source: str
    url: str
    published_at: str


COLUMNS = tuple(f.name for f in fields(ReleaseRow))


def release_features(schema: Schema):  # type: ignore[no-untyped-def]
    """The declared `datasets.Features` of every release of this schema."""
    from datasets import ClassLabel, Features, Sequence, Value

    span = {name: Value("int32") if name in ("start", "end") else Value("string") for name in RELEASE_SPAN_FIELDS}
    return Features({
        "id": Value("string"), "article_id": Value("string"), "sentence_index": Value("int32"),
        "text": Value("string"), "tokens": Sequence(Value("string")),
        "ner_tags": Sequence(ClassLabel(names=list(schema.ner_tags))),
        "entities": [span],
        "event_types": Sequence(ClassLabel(names=list(schema.event_labels))),
        "triggers": [span],
        "status": Value("string"), "annotator_count": Value("int32"), "agreement": Value("float32"),
        "prelabeller": Value("string"),
        "title": Value("string"), "source": Value("string"), "url": Value("string"), "published_at": Value("string"),
    })


def rows_table(rows: list[ReleaseRow], schema: pa.Schema) -> pa.Table:
    """Rows as an Arrow table of the release schema, column by column."""
    return pa.Table.from_pydict({name: [getattr(r, name) for r in rows] for name in COLUMNS}, schema=schema)


def _span(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "label": span.label, "text": span.text, "source": span.source}


def build_rows(inputs: Any, schema: Schema, options: ReleaseOptions,
               groups: Mapping[str, str]) -> dict[str, list[ReleaseRow]]:
    """Rows per split, sorted by article and position; BIO tags are checked against the spans.

    `inputs` is a `ReleaseInputs` (builder/release/inputs.py)."""
    tag_index = {t: i for i, t in enumerate(schema.ner_tags)}
    event_index = {t: i for i, t in enumerate(schema.event_labels)}
    rows: dict[str, list[ReleaseRow]] = {s: [] for s in SPLITS}
    for sentence in sorted(inputs.sentences, key=lambda s: (s.article_id, s.index)):
        if sentence.id in inputs.excluded:
            continue
        chosen: ReleaseLabels | None = inputs.gold.get(sentence.id)
        if chosen is None and options.include_silver:
            chosen = inputs.prelabels.get(sentence.id)
        if chosen is None:
            continue
        where = f"sentence {sentence.id}"
        labels = chosen.labels
        for span in (*labels.entities, *labels.triggers):
            span.check(sentence.text, where)
        unknown = [s.label for s in labels.entities if s.label not in schema.entity_labels]
        unknown += [e for e in labels.event_types if e not in event_index]
        if unknown:
            raise ReleaseError(f"{where}: labels {unknown} are not in schema {schema.name!r}")
        tags = spans_to_tags(sentence.tokens, labels.entities, where)
        article: ArticleMeta = inputs.articles[sentence.article_id]
        rows[split_of(groups[sentence.article_id], options.ratios)].append(ReleaseRow(
            id=sentence.id, article_id=sentence.article_id, sentence_index=sentence.index,
            text=sentence.text, tokens=[t.text for t in sentence.tokens],
            ner_tags=[tag_index[t] for t in tags],
            entities=[_span(s) for s in labels.entities],
            event_types=sorted(event_index[e] for e in set(labels.event_types)),
            triggers=[_span(s) for s in labels.triggers],
            status=chosen.status, annotator_count=chosen.annotator_count, agreement=chosen.agreement,
            prelabeller=inputs.prelabeller if chosen.status == SILVER else "",
            title=article.title, source=article.source, url=article.url, published_at=article.published_at,
        ))
    return rows
