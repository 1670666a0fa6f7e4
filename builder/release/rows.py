"""The released rows, built a bucket at a time as typed Arrow columns, with their Hugging Face features.

Rows are gold (a person's accepted labels) or silver (pre-labels only). Spans keep their source
and score. Every span is checked against its sentence, and BIO tags are made from the spans.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from builder.core.records import short_hash
from builder.core.schema import Schema
from builder.release.buckets import Bucket
from builder.release.options import GOLD, SILVER, ReleaseError
from builder.workspace.tables import SPAN_FIELDS

#: The release's columns, in order.
COLUMNS = ("id", "article_id", "sentence_index", "text", "tokens", "ner_tags", "entities", "event_types",
           "triggers", "status", "annotator_count", "agreement", "prelabeller", "title", "source", "url",
           "published_at")


def release_features(schema: Schema):  # type: ignore[no-untyped-def]
    """The declared `datasets.Features` of every release of this schema."""
    from datasets import ClassLabel, Features, Sequence, Value

    kinds = {"start": "int32", "end": "int32", "score": "float64"}
    span = {name: Value(kinds.get(name, "string")) for name in SPAN_FIELDS}
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
    split_of: Mapping[str, str]


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


def _flat_spans(spans: pa.ChunkedArray) -> tuple[np.ndarray, dict[str, list[Any]]]:
    """Row offsets into the flattened spans, and the spans' fields as Python lists."""
    array = spans.combine_chunks() if isinstance(spans, pa.ChunkedArray) else spans
    lengths = pc.list_value_length(array).fill_null(0).to_numpy(zero_copy_only=False)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    flat = pc.list_flatten(array)
    return offsets, {name: flat.field(name).to_pylist() for name in ("start", "end", "label", "text")}


def _tags(starts: Sequence[int], ends: Sequence[int], text: str, spans: dict[str, list[Any]], first: int,
          last: int, tag_index: Mapping[str, tuple[int, int]], where: str) -> list[int]:
    """IOB2 tag indices for one sentence's tokens; spans must match the text and sit on token boundaries."""
    tags = [0] * len(starts)
    for k in range(first, last):
        start, end, label, said = spans["start"][k], spans["end"][k], spans["label"][k], spans["text"][k]
        if text[start:end] != said:
            raise ReleaseError(f"{where}: span {label!r} [{start}, {end}) says {said!r} but the sentence has "
                               f"{text[start:end]!r} there; pull or pre-label again")
        if label not in tag_index:
            raise ReleaseError(f"{where}: label {label!r} is not in the schema; fix the schema or the labels")
        i, j = bisect_left(starts, start), bisect_left(ends, end)
        if i >= len(starts) or j >= len(ends) or starts[i] != start or ends[j] != end or j < i:
            raise ReleaseError(f"{where}: span {label!r} [{start}, {end}) {said!r} does not sit on token "
                               "boundaries; pull again so it is snapped")
        if any(tags[i : j + 1]):
            raise ReleaseError(f"{where}: span {label!r} {said!r} overlaps another span")
        begin, inside = tag_index[label]
        tags[i] = begin
        for t in range(i + 1, j + 1):
            tags[t] = inside
    return tags


def _check_texts(spans: dict[str, list[Any]], offsets: np.ndarray, texts: Sequence[str], ids: Sequence[str]) -> None:
    for row, text in enumerate(texts):
        for k in range(offsets[row], offsets[row + 1]):
            start, end, said = spans["start"][k], spans["end"][k], spans["text"][k]
            if text[start:end] != said:
                raise ReleaseError(f"sentence {ids[row]}: trigger [{start}, {end}) says {said!r} but the sentence "
                                   f"has {text[start:end]!r} there; pull or pre-label again")


def build_batch(bucket: Bucket, context: RowContext, pairs: GoldPairs) -> ReleaseBatch:
    """The release rows of one bucket, typed, in article and position order; gold pairs are collected."""
    schema = context.schema
    sentences = bucket.sentences.filter(pc.invert(pc.is_in(bucket.sentences["id"], value_set=context.excluded)))
    gold_at = pc.index_in(sentences["id"], value_set=context.gold["sentence_id"])
    pre_at = pc.index_in(sentences["id"], value_set=bucket.prelabels["sentence_id"])
    keep = pc.or_(pc.is_valid(gold_at), pc.and_(pa.scalar(context.include_silver), pc.is_valid(pre_at)))
    sentences, gold_at, pre_at = sentences.filter(keep), gold_at.filter(keep), pre_at.filter(keep)
    is_gold = pc.is_valid(gold_at)
    gold = context.gold.take(gold_at) if len(context.gold) else None
    pre = bucket.prelabels.take(pre_at) if len(bucket.prelabels) else None
    empty = pa.nulls(len(sentences), pa.list_(context.arrow_schema.field("entities").type.value_type))

    def choose(column: str) -> pa.Array:
        human = gold[column] if gold is not None else empty
        machine = pre[column] if pre is not None else empty
        return pc.if_else(is_gold, human, machine)

    entities, triggers = choose("entities"), choose("triggers")
    texts, ids = sentences["text"].to_pylist(), sentences["id"].to_pylist()
    gold_rows = is_gold.to_numpy(zero_copy_only=False)
    if gold is not None:
        for row in np.flatnonzero(gold_rows):
            if short_hash(texts[row]) != gold["text_hash"][int(row)].as_py():
                raise ReleaseError(f"sentence {ids[row]}: its labels were made for other text "
                                   f"(hash {gold['text_hash'][int(row)].as_py()}); pull again")
    tag_index = {label: (schema.ner_tags.index(f"B-{label}"), schema.ner_tags.index(f"I-{label}"))
                 for label in schema.entity_labels}
    offsets, spans = _flat_spans(entities)
    trigger_offsets, trigger_spans = _flat_spans(triggers)
    _check_texts(trigger_spans, trigger_offsets, texts, ids)
    all_starts, all_ends = sentences["token_starts"].to_pylist(), sentences["token_ends"].to_pylist()
    tokens, ner_tags = [], []
    for row, text in enumerate(texts):
        starts, ends = all_starts[row], all_ends[row]
        tokens.append([text[s:e] for s, e in zip(starts, ends, strict=True)])
        ner_tags.append(_tags(starts, ends, text, spans, offsets[row], offsets[row + 1], tag_index,
                              f"sentence {ids[row]}"))
    event_names = _event_names(gold, pre, gold_rows, len(texts))
    event_index = {label: i for i, label in enumerate(schema.event_labels)}
    unknown = sorted({e for names in event_names for e in names if e not in event_index})
    if unknown:
        raise ReleaseError(f"event types {unknown} are not in schema {schema.name!r}; fix the schema or the labels")
    if gold is not None and pre is not None:
        _collect_pairs(pairs, gold_rows, pre_at, ner_tags, event_names, pre, sentences, schema, tag_index)
    meta_at = pc.index_in(sentences["article_id"], value_set=context.articles["id"])
    if meta_at.null_count:
        missing = sentences["article_id"].filter(pc.is_null(meta_at))[0].as_py()
        raise ReleaseError(f"article {missing} has sentences but is not in the workspace's articles; ingest again")
    meta = context.articles.take(meta_at)
    count = len(sentences)
    annotators = (pc.list_value_length(gold["annotators"]).fill_null(0) if gold is not None
                  else pa.array(np.zeros(count, dtype=np.int32)))
    agreement = gold["agreement"] if gold is not None else pa.nulls(count, pa.float64())
    columns = {
        "id": sentences["id"], "article_id": sentences["article_id"], "sentence_index": sentences["index"],
        "text": sentences["text"], "tokens": pa.array(tokens, pa.list_(pa.string())),
        "ner_tags": pa.array(ner_tags, pa.list_(pa.int64())), "entities": entities,
        "event_types": pa.array([sorted({event_index[e] for e in names}) for names in event_names],
                                pa.list_(pa.int64())),
        "triggers": triggers,
        "status": pc.if_else(is_gold, GOLD, SILVER),
        "annotator_count": annotators.cast(pa.int32()), "agreement": agreement.cast(pa.float32()),
        "prelabeller": pc.if_else(is_gold, "", context.prelabeller),
        **{name: meta[name] for name in ("title", "source", "url", "published_at")},
    }
    arrays = [columns[name] for name in COLUMNS]
    table = pa.Table.from_arrays([a.cast(f.type) for a, f in zip(arrays, context.arrow_schema, strict=True)],
                                 schema=context.arrow_schema)
    splits = np.array([context.split_of[a] for a in sentences["article_id"].to_pylist()], dtype=object)
    return ReleaseBatch(table, splits)


def _event_names(gold: pa.Table | None, pre: pa.Table | None, gold_rows: np.ndarray, count: int) -> list[list[str]]:
    human = gold["event_types"].to_pylist() if gold is not None else [None] * count
    machine = pre["events"].to_pylist() if pre is not None else [None] * count
    return [list(human[i] or []) if gold_rows[i] else [e["label"] for e in machine[i] or []] for i in range(count)]


def _collect_pairs(pairs: GoldPairs, gold_rows: np.ndarray, pre_at: pa.Array, ner_tags: list[list[int]],
                   event_names: list[list[str]], pre: pa.Table, sentences: pa.Table, schema: Schema,
                   tag_index: Mapping[str, tuple[int, int]]) -> None:
    """Gold and pre-label tags of gold rows that also have pre-labels."""
    both = np.flatnonzero(gold_rows & pc.is_valid(pre_at).to_numpy(zero_copy_only=False))
    if not len(both):
        return
    picked = pa.array(both)
    offsets, spans = _flat_spans(pre["entities"].take(picked))
    machine_events = pre["events"].take(picked).to_pylist()
    starts, ends = sentences["token_starts"].take(picked).to_pylist(), sentences["token_ends"].take(picked).to_pylist()
    texts, ids = sentences["text"].take(picked).to_pylist(), sentences["id"].take(picked).to_pylist()
    names = schema.ner_tags
    for n, row in enumerate(both):
        predicted = _tags(starts[n], ends[n], texts[n], spans, offsets[n], offsets[n + 1], tag_index,
                          f"sentence {ids[n]} (pre-labels)")
        pairs.gold_tags.append([names[t] for t in ner_tags[row]])
        pairs.pred_tags.append([names[t] for t in predicted])
        pairs.gold_events.append(set(event_names[row]))
        pairs.pred_events.append({e["label"] for e in machine_events[n] or []})
