"""The released rows, built a bucket at a time as typed Arrow columns, with their Hugging Face features.

Rows are gold (a person's accepted labels) or silver (pre-labels only). Spans keep their source
and score. Every span is checked against its sentence, and BIO tags are made from the spans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from builder.core.records import short_hash
from builder.core.schema import Schema
from builder.release.buckets import Bucket
from builder.release.columns import class_indices, iob2_tags, labels_of, token_texts
from builder.release.features import ClassLabel, Features, List, Value
from builder.release.options import GOLD, SILVER, ReleaseError
from builder.workspace.tables import SPAN_FIELDS


def release_features(schema: Schema) -> Features:
    """The declared Hugging Face features of every release of this schema."""
    kinds = {"start": "int32", "end": "int32", "score": "float64"}
    span = List({name: Value(kinds.get(name, "string")) for name in SPAN_FIELDS})
    text = Value("string")
    return Features({
        "id": text, "article_id": text, "sentence_index": Value("int32"),
        "text": text, "tokens": List(text),
        "ner_tags": List(ClassLabel(tuple(schema.ner_tags))),
        "entities": span,
        "event_types": List(ClassLabel(tuple(schema.event_labels))),
        "triggers": span,
        "status": text, "annotator_count": Value("int32"),
        "annotators": text, "agreement": Value("float32"),
        "prelabeller": text,
        "title": text, "source": text, "url": text, "published_at": text,
    })


@dataclass(frozen=True)
class RowContext:
    """What every bucket's rows are made with."""

    schema: Schema
    arrow_schema: pa.Schema
    include_silver: bool
    prelabeller: str
    gold: pa.Table  # FINAL_SCHEMA, accepted
    excluded: pa.Array  # sentence ids
    articles: pa.Table  # ARTICLE_META columns


@dataclass
class GoldPairs:
    """Gold and pre-label tags of the sentences that have both, for the quality figures."""

    gold_tags: list[list[str]] = field(default_factory=list)
    pred_tags: list[list[str]] = field(default_factory=list)
    gold_events: list[set[str]] = field(default_factory=list)
    pred_events: list[set[str]] = field(default_factory=list)


@dataclass(frozen=True)
class ReleaseBatch:
    """One bucket's rows as a table of the release schema, and the split of each row."""

    table: pa.Table
    splits: np.ndarray

    @classmethod
    def of(cls, table: pa.Table, split_of: Mapping[str, str]) -> ReleaseBatch:
        """Rows with the splits of their articles."""
        return cls(table, np.array([split_of[a] for a in table["article_id"].to_pylist()], dtype=object))


def _check_texts(spans: pa.Array | pa.ChunkedArray, texts: Sequence[str], ids: Sequence[str], kind: str) -> None:
    """Every span's text must be the sentence's text at its offsets."""
    array = spans.combine_chunks() if isinstance(spans, pa.ChunkedArray) else spans
    lengths = pc.list_value_length(array).fill_null(0).to_numpy(zero_copy_only=False)
    flat = pc.list_flatten(array)
    rows = np.repeat(np.arange(len(array)), lengths).tolist()
    fields = (flat.field(name).to_pylist() for name in ("start", "end", "label", "text"))
    for row, start, end, label, said in zip(rows, *fields, strict=True):
        if texts[row][start:end] != said:
            raise ReleaseError(f"sentence {ids[row]}: {kind} {label!r} [{start}, {end}) says {said!r} but the "
                               f"sentence has {texts[row][start:end]!r} there; pull or pre-label again")


@dataclass(frozen=True)
class Chosen:
    """A bucket's released sentences and the labels each is released with (gold where there is gold)."""

    sentences: pa.Table
    is_gold: pa.Array
    gold: pa.Table | None  # FINAL_SCHEMA rows aligned with `sentences` (null where silver)
    pre: pa.Table | None  # PRELABEL_SCHEMA rows aligned with `sentences` (null where none)
    pre_at: pa.Array
    entities: pa.Array
    triggers: pa.Array
    event_names: pa.Array  # list<string>


def choose_labels(bucket: Bucket, context: RowContext) -> Chosen:
    """Gold labels where a person accepted some, else pre-labels (silver, if released); flagged sentences left out."""
    sentences = bucket.sentences.filter(pc.invert(pc.is_in(bucket.sentences["id"], value_set=context.excluded)))
    gold_at = pc.index_in(sentences["id"], value_set=context.gold["sentence_id"])
    pre_at = pc.index_in(sentences["id"], value_set=bucket.prelabels["sentence_id"])
    keep = pc.or_(pc.is_valid(gold_at), pc.and_(pa.scalar(context.include_silver), pc.is_valid(pre_at)))
    sentences, gold_at, pre_at = sentences.filter(keep), gold_at.filter(keep), pre_at.filter(keep)
    is_gold = pc.is_valid(gold_at)
    gold = context.gold.take(gold_at) if len(context.gold) else None
    pre = bucket.prelabels.take(pre_at) if len(bucket.prelabels) else None
    empty = pa.nulls(len(sentences), pa.list_(context.arrow_schema.field("entities").type.value_type))

    def pick(column: str) -> pa.Array:
        return pc.if_else(is_gold, gold[column] if gold is not None else empty,
                          pre[column] if pre is not None else empty)

    events = pc.if_else(is_gold, gold["event_types"] if gold is not None else labels_of(empty),
                        labels_of(pre["events"]) if pre is not None else labels_of(empty))
    return Chosen(sentences, is_gold, gold, pre, pre_at, pick("entities"), pick("triggers"), events)


def _check_gold_texts(chosen: Chosen, texts: Sequence[str], ids: Sequence[str]) -> None:
    """Gold labels must have been made for the sentence's current text."""
    rows = np.flatnonzero(chosen.is_gold.to_numpy(zero_copy_only=False))
    if chosen.gold is None or not len(rows):
        return
    hashes = chosen.gold["text_hash"].to_pylist()
    for row in rows:
        if short_hash(texts[row]) != hashes[row]:
            raise ReleaseError(f"sentence {ids[row]}: its labels were made for other text (hash {hashes[row]}); "
                               "pull again")


def build_rows(bucket: Bucket, context: RowContext, pairs: GoldPairs) -> pa.Table:
    """The release rows of one bucket, typed, in article and position order; gold pairs are collected."""
    schema = context.schema
    chosen = choose_labels(bucket, context)
    sentences, is_gold = chosen.sentences, chosen.is_gold
    texts, ids = sentences["text"].to_pylist(), sentences["id"].to_pylist()
    _check_gold_texts(chosen, texts, ids)
    _check_texts(chosen.entities, texts, ids, "span")
    _check_texts(chosen.triggers, texts, ids, "trigger")
    tag_index = {label: (schema.ner_tags.index(f"B-{label}"), schema.ner_tags.index(f"I-{label}"))
                 for label in schema.entity_labels}
    ner_tags = iob2_tags(sentences["token_starts"], sentences["token_ends"], chosen.entities, tag_index, ids)
    if chosen.gold is not None and chosen.pre is not None:
        _collect_pairs(pairs, chosen, chosen.pre, ner_tags, schema, tag_index)
    meta_at = pc.index_in(sentences["article_id"], value_set=context.articles["id"])
    if meta_at.null_count:
        missing = sentences["article_id"].filter(pc.is_null(meta_at))[0].as_py()
        raise ReleaseError(f"article {missing} has sentences but is not in the workspace's articles; ingest again")
    meta = context.articles.take(meta_at)
    gold, count = chosen.gold, len(sentences)
    columns = {
        "id": sentences["id"], "article_id": sentences["article_id"], "sentence_index": sentences["index"],
        "text": sentences["text"], "tokens": token_texts(sentences["text"], sentences["token_starts"],
                                                         sentences["token_ends"]),
        "ner_tags": ner_tags, "entities": chosen.entities,
        "event_types": class_indices(chosen.event_names, schema.event_labels, ids), "triggers": chosen.triggers,
        "status": pc.if_else(is_gold, GOLD, SILVER),
        "annotator_count": (pc.list_value_length(gold["annotators"]).fill_null(0) if gold is not None
                            else pa.array(np.zeros(count, dtype=np.int32))),
        "annotators": pa.array([", ".join(row or ()) for row in gold["annotators"].to_pylist()] if gold is not None
                               else [""] * count, pa.string()),
        "agreement": gold["agreement"] if gold is not None else pa.nulls(count, pa.float64()),
        "prelabeller": pc.if_else(is_gold, "", context.prelabeller),
        **{name: meta[name] for name in ("title", "source", "url", "published_at")},
    }
    return pa.Table.from_arrays([columns[f.name].cast(f.type) for f in context.arrow_schema],
                                schema=context.arrow_schema)


def _collect_pairs(pairs: GoldPairs, chosen: Chosen, pre: pa.Table, ner_tags: pa.ListArray, schema: Schema,
                   tag_index: Mapping[str, tuple[int, int]]) -> None:
    """Gold and pre-label tags of gold rows that also have pre-labels."""
    gold_rows = chosen.is_gold.to_numpy(zero_copy_only=False)
    both = pa.array(np.flatnonzero(gold_rows & pc.is_valid(chosen.pre_at).to_numpy(zero_copy_only=False)))
    if not len(both):
        return
    sentences = chosen.sentences
    texts, ids = sentences["text"].take(both).to_pylist(), sentences["id"].take(both).to_pylist()
    machine = pre["entities"].take(both)
    _check_texts(machine, texts, ids, "pre-label span")
    predicted = iob2_tags(sentences["token_starts"].take(both), sentences["token_ends"].take(both), machine,
                          tag_index, ids)
    names = schema.ner_tags
    pairs.gold_tags += [[names[t] for t in row] for row in ner_tags.take(both).to_pylist()]
    pairs.pred_tags += [[names[t] for t in row] for row in predicted.to_pylist()]
    pairs.gold_events += [set(names) for names in chosen.event_names.take(both).to_pylist()]
    pairs.pred_events += [{e["label"] for e in events or []}
                          for events in pre["events"].take(both).to_pylist()]
