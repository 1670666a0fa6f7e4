"""Token texts and IOB2 tags of many sentences at once, as Arrow columns built with NumPy (no per-token Python).

Offsets are code points, as everywhere in the workspace; Arrow stores UTF-8, so they are turned
into byte offsets from where each code point starts in the text buffer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from builder.release.options import ReleaseError

_ROW = np.int64(1) << 32  # row * _ROW + offset orders (row, offset) pairs in one int64


def _array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _lengths(lists: pa.Array) -> np.ndarray:
    return pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)


def _offsets(lengths: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)


def _ranges(firsts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated aranges: firsts[k], firsts[k]+1, ... (counts[k] of each)."""
    total = int(counts.sum())
    return np.repeat(firsts - _offsets(counts)[:-1], counts) + np.arange(total, dtype=np.int64)


def _point_starts(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Where each code point of these texts starts (byte positions in their buffer), and each text's first one."""
    at = np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset : texts.offset + len(texts) + 1]
    buffer = texts.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8)[: at[-1]] if buffer is not None else np.zeros(0, np.uint8)
    points = np.flatnonzero((data & 0xC0) != 0x80)
    points = np.concatenate((points, [at[-1]])).astype(np.int64)
    return points, np.searchsorted(points, at[:-1])


def token_texts(texts: pa.Array | pa.ChunkedArray, starts: pa.Array | pa.ChunkedArray,
                ends: pa.Array | pa.ChunkedArray) -> pa.ListArray:
    """Each sentence's tokens as list<string>, cut from the sentences' UTF-8 bytes by code point offsets."""
    texts, starts, ends = _array(texts), _array(starts), _array(ends)
    lengths = _lengths(starts)
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    text_at = np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset : texts.offset + len(texts) + 1]
    text_at = text_at.astype(np.int64)
    begin = text_at[rows] + pc.list_flatten(starts).to_numpy().astype(np.int64)
    finish = text_at[rows] + pc.list_flatten(ends).to_numpy().astype(np.int64)
    wide = ~pc.string_is_ascii(texts).to_numpy(zero_copy_only=False)
    if wide.any():  # code points of non-ASCII sentences are not bytes: map them through their code point starts
        picked_rows = np.flatnonzero(wide)
        points, first = _point_starts(texts.take(pa.array(picked_rows)))
        local = np.full(len(texts), -1, dtype=np.int64)
        local[picked_rows] = np.arange(len(picked_rows))
        at_token = np.flatnonzero(local[rows] >= 0)
        k, base = local[rows[at_token]], text_at[rows[at_token]]
        for edge in (begin, finish):
            edge[at_token] = base + points[first[k] + edge[at_token] - base] - points[first[k]]
    buffer = texts.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    edges = np.zeros(len(data) + 1, dtype=np.int8)
    edges[begin] += 1
    edges[finish] -= 1
    picked = data[np.cumsum(edges[:-1], dtype=np.int8) > 0]
    widths = finish - begin
    if len(picked) != int(widths.sum()):
        raise ReleaseError("tokens overlap or are empty in this batch of sentences; ingest the articles again")
    values = pa.StringArray.from_buffers(len(widths), pa.py_buffer(_offsets(widths).astype(np.int32)),
                                         pa.py_buffer(picked.tobytes()))
    return pa.ListArray.from_arrays(pa.array(_offsets(lengths).astype(np.int32)), values)


def iob2_tags(starts: pa.Array, ends: pa.Array, spans: pa.Array, tag_index: Mapping[str, tuple[int, int]],
              ids: Sequence[str]) -> pa.ListArray:
    """IOB2 tag indices per sentence from its spans; every span must sit on token boundaries, none may overlap."""
    starts, ends, spans = _array(starts), _array(ends), _array(spans)
    lengths = _lengths(starts)
    rows = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    token_start = rows * _ROW + pc.list_flatten(starts).to_numpy().astype(np.int64)
    token_end = rows * _ROW + pc.list_flatten(ends).to_numpy().astype(np.int64)
    flat = pc.list_flatten(spans)
    span_rows = np.repeat(np.arange(len(spans), dtype=np.int64), _lengths(spans))
    span_start = span_rows * _ROW + flat.field("start").to_numpy(zero_copy_only=False).astype(np.int64)
    span_end = span_rows * _ROW + flat.field("end").to_numpy(zero_copy_only=False).astype(np.int64)
    labels = flat.field("label").to_pylist()
    unknown = [k for k, label in enumerate(labels) if label not in tag_index]
    if unknown:
        k = unknown[0]
        raise ReleaseError(f"sentence {ids[span_rows[k]]}: label {labels[k]!r} is not in the schema; "
                           "fix the schema or the labels")
    first = np.searchsorted(token_start, span_start)
    last = np.searchsorted(token_end, span_end)
    total = len(token_start)
    bad = ((first >= total) | (last >= total) | (last < first)
           | (token_start[np.minimum(first, total - 1)] != span_start)
           | (token_end[np.minimum(last, total - 1)] != span_end)) if total else np.ones(len(labels), bool)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ReleaseError(f"sentence {ids[span_rows[k]]}: span {labels[k]!r} [{span_start[k] % _ROW}, "
                           f"{span_end[k] % _ROW}) does not sit on token boundaries; pull again so it is snapped")
    inside = last - first
    cover = np.bincount(np.concatenate((first, _ranges(first + 1, inside))), minlength=total)
    if (cover > 1).any():
        token = int(np.flatnonzero(cover > 1)[0])
        raise ReleaseError(f"sentence {ids[rows[token]]}: two spans overlap at token {token - _offsets(lengths)[rows[token]]}")
    begin = np.array([tag_index[label][0] for label in labels], dtype=np.int64)
    within = np.array([tag_index[label][1] for label in labels], dtype=np.int64)
    tags = np.zeros(total, dtype=np.int64)
    tags[first] = begin
    tags[_ranges(first + 1, inside)] = np.repeat(within, inside)
    return pa.ListArray.from_arrays(pa.array(_offsets(lengths).astype(np.int32)), pa.array(tags))


def labels_of(structs: pa.Array | pa.ChunkedArray) -> pa.ListArray:
    """The `label` field of a list<struct> column as list<string> (null lists become empty)."""
    structs = _array(structs)
    flat = pc.struct_field(pc.list_flatten(structs), "label")
    return pa.ListArray.from_arrays(pa.array(_offsets(_lengths(structs)).astype(np.int32)), flat)


def class_indices(names: pa.Array | pa.ChunkedArray, labels: Sequence[str], ids: Sequence[str]) -> pa.ListArray:
    """list<string> of label names → sorted, distinct ClassLabel indices per row; an unknown name is an error."""
    names = _array(names)
    lengths = _lengths(names)
    rows = np.repeat(np.arange(len(names), dtype=np.int64), lengths)
    flat = pc.list_flatten(names)
    found = pc.index_in(flat, value_set=pa.array(list(labels), pa.string()))
    if found.null_count:
        k = int(np.flatnonzero(pc.is_null(found).to_numpy(zero_copy_only=False))[0])
        raise ReleaseError(f"sentence {ids[rows[k]]}: event type {flat[k].as_py()!r} is not in the schema; "
                           "fix the schema or the labels")
    width = len(labels) + 1
    keys = np.unique(rows * width + found.to_numpy(zero_copy_only=False).astype(np.int64))
    counts = np.bincount(keys // width, minlength=len(names)).astype(np.int64)
    return pa.ListArray.from_arrays(pa.array(_offsets(counts).astype(np.int32)), pa.array(keys % width))
