"""Every Arrow schema of the workspace, and the one span codec, in one place.

A span is stored with all its fields (start, end, label, text, source, score) wherever it is
stored; files written before the human labels carried source and score still read (as
"human", no score).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

import pyarrow as pa

from builder.core.labels import EventLabel, LabelSet, SentenceLabels
from builder.core.records import Article, Sentence, Span, Token

SPAN_FIELDS = ("start", "end", "label", "text", "source", "score")
SPAN = pa.struct(
    [("start", pa.int32()), ("end", pa.int32()), ("label", pa.string()), ("text", pa.string()),
     ("source", pa.string()), ("score", pa.float64())]
)
EVENT = pa.struct([("label", pa.string()), ("score", pa.float64()), ("source", pa.string())])

ARTICLE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("content_hash", pa.string()),
        ("title", pa.string()),
        ("body", pa.string()),
        ("source", pa.string()),
        ("url", pa.string()),
        ("author", pa.string()),
        ("published_at", pa.string()),
        ("dateline", pa.string()),
        ("path", pa.string()),
        ("captions", pa.list_(pa.string())),
        (
            "removed",
            pa.list_(pa.struct([("line", pa.int32()), ("text", pa.string()), ("reason", pa.string())])),
        ),
    ]
)

# Tokens are stored as offsets only: their text is `text[start:end]` (text is stored once).
SENTENCE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("article_id", pa.string()),
        ("index", pa.int32()),
        ("paragraph", pa.int32()),
        ("start", pa.int32()),
        ("text", pa.string()),
        ("token_starts", pa.list_(pa.int32())),
        ("token_ends", pa.list_(pa.int32())),
    ]
)

# `uncertainty` (1 - the pre-labeller's least confident decision; it orders the annotation queue) came
# later: parts written before it read as null (conform_prelabels).
PRELABEL_SCHEMA = pa.schema(
    [("sentence_id", pa.string()), ("article_id", pa.string()), ("entities", pa.list_(SPAN)),
     ("events", pa.list_(EVENT)), ("triggers", pa.list_(SPAN)), ("uncertainty", pa.float64())]
)

# Human labels: every annotator's latest annotation per task, and one merged label set per sentence.
ANNOTATION_SCHEMA = pa.schema(
    [("task_id", pa.int64()), ("annotation_id", pa.int64()), ("sentence_id", pa.string()),
     ("text_hash", pa.string()), ("annotator", pa.string()), ("updated_at", pa.string()),
     ("skipped", pa.bool_()), ("entities", pa.list_(SPAN)), ("triggers", pa.list_(SPAN)),
     ("event_types", pa.list_(pa.string())), ("flags", pa.list_(pa.string())), ("ground_truth", pa.bool_())]
)
FINAL_SCHEMA = pa.schema(
    [("sentence_id", pa.string()), ("text_hash", pa.string()), ("status", pa.string()), ("reason", pa.string()),
     ("annotators", pa.list_(pa.string())), ("agreement", pa.float64()), ("entities", pa.list_(SPAN)),
     ("triggers", pa.list_(SPAN)), ("event_types", pa.list_(pa.string()))]
)


# --- spans and label sets ---------------------------------------------------------------

def span_row(span: Span) -> dict[str, Any]:
    """A span as a row of the SPAN struct."""
    return {"start": span.start, "end": span.end, "label": span.label, "text": span.text,
            "source": span.source, "score": span.score}


def span_from_row(row: dict[str, Any], source: str = "human") -> Span:
    """A SPAN struct row back to a Span; `source` for rows stored without one."""
    return Span(row["start"], row["end"], row["label"], row["text"], row.get("source", source), row.get("score"))


def spans_rows(spans: Iterable[Span]) -> list[dict[str, Any]]:
    """Spans as a list of SPAN rows."""
    return [span_row(s) for s in spans]


def spans_from_rows(rows: Iterable[dict[str, Any]]) -> tuple[Span, ...]:
    """A list of SPAN rows back to spans."""
    return tuple(span_from_row(r) for r in rows)


def human_labels(row: dict[str, Any]) -> LabelSet:
    """The label set of a human-labels row (ANNOTATION_SCHEMA or FINAL_SCHEMA)."""
    return LabelSet.of_types(spans_from_rows(row["entities"]), spans_from_rows(row["triggers"]), row["event_types"])


def human_label_columns(labels: LabelSet) -> dict[str, Any]:
    """The label columns of a human-labels row."""
    return {"entities": spans_rows(labels.entities), "triggers": spans_rows(labels.triggers),
            "event_types": list(labels.event_types)}


# --- articles and sentences -------------------------------------------------------------

def article_row(article: Article) -> dict[str, Any]:
    """An Article as a row of ARTICLE_SCHEMA."""
    row = asdict(article)
    row["content_hash"] = Article.content_hash(article.body)
    return row


def sentence_table(sentences: Sequence[Sentence]) -> pa.Table:
    """Sentences as a SENTENCE_SCHEMA table, built column by column (faster than row dicts)."""
    columns = {
        "id": [s.id for s in sentences],
        "article_id": [s.article_id for s in sentences],
        "index": [s.index for s in sentences],
        "paragraph": [s.paragraph for s in sentences],
        "start": [s.start for s in sentences],
        "text": [s.text for s in sentences],
        "token_starts": [[t.start for t in s.tokens] for s in sentences],
        "token_ends": [[t.end for t in s.tokens] for s in sentences],
    }
    return pa.Table.from_pydict(columns, schema=SENTENCE_SCHEMA)


def sentences_from_table(table: pa.Table | pa.RecordBatch) -> list[Sentence]:
    """Rows of SENTENCE_SCHEMA back to Sentences, read column by column (a third faster than row dicts)."""
    names = ("id", "article_id", "index", "paragraph", "start", "text", "token_starts", "token_ends")
    columns = [table.column(name).to_pylist() for name in names]
    return [Sentence(id=id_, article_id=article, index=index, paragraph=paragraph, start=start, text=text,
                     tokens=tuple(Token(text[s:e], s, e) for s, e in zip(starts, ends, strict=True)))
            for id_, article, index, paragraph, start, text, starts, ends in zip(*columns, strict=True)]


def prelabel_row(labels: SentenceLabels, article_id: str) -> dict[str, Any]:
    """SentenceLabels as a row of PRELABEL_SCHEMA."""
    return {
        "sentence_id": labels.sentence_id,
        "article_id": article_id,
        "entities": spans_rows(labels.labels.entities),
        "events": [{"label": e.label, "score": e.score, "source": e.source} for e in labels.labels.events],
        "triggers": spans_rows(labels.labels.triggers),
        "uncertainty": labels.uncertainty,
    }


def prelabel_table(sentences: Sequence[Sentence], labels: Sequence[SentenceLabels]) -> pa.Table:
    """Pre-labels of sentences as a PRELABEL_SCHEMA table, in sentence order."""
    rows = [prelabel_row(label, sentence.article_id) for sentence, label in zip(sentences, labels, strict=True)]
    return pa.Table.from_pylist(rows, schema=PRELABEL_SCHEMA)


def prelabel_from_row(row: dict[str, Any]) -> SentenceLabels:
    """A row of PRELABEL_SCHEMA back to SentenceLabels."""
    return SentenceLabels(
        row["sentence_id"],
        LabelSet(
            entities=spans_from_rows(row["entities"]),
            triggers=spans_from_rows(row["triggers"]),
            events=tuple(EventLabel(**e) for e in row["events"]),
        ),
        row.get("uncertainty"),
    )


def conform_prelabels(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A batch of pre-labels in PRELABEL_SCHEMA: a part written before a column existed gets it as nulls."""
    if batch.schema.equals(PRELABEL_SCHEMA):
        return batch
    columns = [batch.column(f.name) if f.name in batch.schema.names else pa.nulls(batch.num_rows, f.type)
               for f in PRELABEL_SCHEMA]
    return pa.RecordBatch.from_arrays(columns, schema=PRELABEL_SCHEMA)
