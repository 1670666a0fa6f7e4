"""Token texts and IOB2 tags built with NumPy agree with the one tokenizer and the one span codec, non-ASCII too."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from builder.core.records import Span
from builder.core.spans import spans_to_tags
from builder.core.tokenizer import tokenize
from builder.release.columns import iob2_tags, token_texts
from builder.release.options import ReleaseError
from builder.workspace.tables import SPAN

TEXTS = ["Presiden Joko Widodo tiba di Jakarta.", "Café “Kopi” di Bandung 🇮🇩 ramai, kata Ibu Siti.", "",
         "Ke Surabaya—naik kereta—pada Senin (6/1/2022).", "👩‍👩‍👧 keluarga Nguyễn Văn An di Hà Nội"]
TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")
INDEX = {"PER": (1, 2), "LOC": (3, 4)}


def _columns(texts: list[str]) -> tuple[pa.Array, pa.Array, pa.Array]:
    tokens = [tokenize(t) for t in texts]
    return (pa.array(texts), pa.array([[t.start for t in ts] for ts in tokens], pa.list_(pa.int32())),
            pa.array([[t.end for t in ts] for ts in tokens], pa.list_(pa.int32())))


def test_token_texts_match_the_tokenizer() -> None:
    texts, starts, ends = _columns(TEXTS)
    assert token_texts(texts, starts, ends).to_pylist() == [[t.text for t in tokenize(t)] for t in TEXTS]


def test_iob2_tags_match_the_span_codec() -> None:
    rng = random.Random(0)
    texts, starts, ends = _columns(TEXTS)
    all_spans = []
    for text in TEXTS:
        tokens = tokenize(text)
        spans, at = [], 0
        while at < len(tokens):
            width = rng.randint(1, 3)
            if rng.random() < 0.4 and at + width <= len(tokens):
                first, last = tokens[at], tokens[at + width - 1]
                spans.append(Span(first.start, last.end, rng.choice(["PER", "LOC"]), text[first.start:last.end], "t"))
            at += width
        all_spans.append(spans)
    column = pa.array([[{"start": s.start, "end": s.end, "label": s.label, "text": s.text, "source": "t",
                         "score": None} for s in spans] for spans in all_spans], pa.list_(SPAN))
    tags = iob2_tags(starts, ends, column, INDEX, [f"s{i}" for i in range(len(TEXTS))]).to_pylist()
    for text, spans, row in zip(TEXTS, all_spans, tags, strict=True):
        assert [TAGS[t] for t in row] == spans_to_tags(tokenize(text), spans, text)


@pytest.mark.parametrize(("span", "message"), [
    ({"start": 0, "end": 5, "label": "PER"}, r"sentence s0: span 'PER' \[0, 5\) does not sit on token boundaries"),
    ({"start": 9, "end": 13, "label": "ORG"}, r"sentence s0: label 'ORG' is not in the schema"),
])
def test_bad_spans_are_named(span: dict, message: str) -> None:
    texts, starts, ends = _columns(TEXTS[:1])
    column = pa.array([[{**span, "text": "", "source": "t", "score": None}]], pa.list_(SPAN))
    with pytest.raises(ReleaseError, match=message):
        iob2_tags(starts, ends, column, INDEX, ["s0"])


def test_overlapping_spans_are_refused() -> None:
    texts, starts, ends = _columns(TEXTS[:1])
    spans = [{"start": 9, "end": 20, "label": "PER", "text": "", "source": "t", "score": None},
             {"start": 14, "end": 20, "label": "PER", "text": "", "source": "t", "score": None}]
    with pytest.raises(ReleaseError, match=r"sentence s0: two spans overlap at token 2"):
        iob2_tags(starts, ends, pa.array([spans], pa.list_(SPAN)), INDEX, ["s0"])


def test_class_indices_are_sorted_distinct_and_checked() -> None:
    from builder.release.columns import class_indices

    names = pa.array([["b", "a", "b"], [], None, ["c"]], pa.list_(pa.string()))
    assert class_indices(names, ["a", "b", "c"], ["s0", "s1", "s2", "s3"]).to_pylist() == [[0, 1], [], [], [2]]
    with pytest.raises(ReleaseError, match=r"sentence s1: event type 'z' is not in the schema"):
        class_indices(pa.array([["a"], ["z"]]), ["a"], ["s0", "s1"])


def test_token_texts_of_a_slice() -> None:
    """Arrays that are views into a bigger buffer (as a bucket's columns can be) cut the right bytes."""
    texts, starts, ends = _columns(TEXTS)
    part = token_texts(texts.slice(1, 3), starts.slice(1, 3), ends.slice(1, 3)).to_pylist()
    assert part == [[t.text for t in tokenize(t)] for t in TEXTS[1:4]]
