"""Spans and tokens: IOB2 tags to spans and back, and snapping a span onto token boundaries."""

from __future__ import annotations

import pytest

from builder.core.records import Sentence, Span
from builder.core.spans import snap, spans_to_tags, tags_to_spans
from builder.core.tokenizer import tokenize


def sentence(text: str) -> Sentence:
    return Sentence("s", "a", 0, 0, 0, text, tokenize(text))


def test_tags_spans_round_trip_and_snap() -> None:
    s = sentence("Presiden Kassym-Jomart Tokayev tiba di Almaty 😀 kemarin.")
    tags = ["O", "B-PER", "I-PER", "O", "O", "B-LOC", "O", "O", "O"]
    spans = tags_to_spans(s.text, s.tokens, tags, "model:x", [1.0, 0.9, 0.8, 1, 1, 0.7, 1, 1, 1])
    assert [(x.text, x.label, x.score) for x in spans] == [("Kassym-Jomart Tokayev", "PER", 0.8), ("Almaty", "LOC", 0.7)]
    assert spans_to_tags(s.tokens, spans, "s") == tags
    cut = Span(12, 20, "PER", s.text[12:20], "human")  # cuts "Kassym-Jomart"
    snapped = snap(cut, s.text, s.tokens)
    assert snapped is not None and snapped.moved and snapped.span.text == "Kassym-Jomart"
    with pytest.raises(ValueError, match=r"does not sit on token boundaries; snap it first"):
        spans_to_tags(s.tokens, [cut], "sentence s")


def test_stray_inside_tag_starts_a_span() -> None:
    s = sentence("di Almaty sekarang")
    assert [x.text for x in tags_to_spans(s.text, s.tokens, ["O", "I-LOC", "O"], "m")] == ["Almaty"]
