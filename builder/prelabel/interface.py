"""The pre-labelling interface: taggers, their merge, and what a sentence gets.

How it runs (in-process, worker pool, Ray) lives elsewhere (builder/prelabel/engines/).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from builder.core.labels import EventLabel, LabelSet, SentenceLabels
from builder.core.records import Sentence, Span
from builder.prelabel.ranking import sentence_uncertainty

#: What a tagger's `tag_with_confidence` returns: its `tag` output and, per sentence, the
#: confidence of each decision it made (a token's tag marginal, an event candidate's class probability).
Confidences = list[list[float]]


class EntityTagger(Protocol):
    """Proposes entity spans; `name` is its versioned source, e.g. "rule:date.v1"."""

    name: str

    def tag(self, sentences: Sequence[Sentence]) -> list[list[Span]]:
        """Spans for each sentence, on token boundaries."""
        ...


class EventTagger(Protocol):
    """Proposes sentence event types and their trigger spans."""

    name: str

    def tag(self, sentences: Sequence[Sentence]) -> list[tuple[list[EventLabel], list[Span]]]:
        """Event types and triggers for each sentence."""
        ...


def merge_spans(candidates: Sequence[Sequence[Span]]) -> list[Span]:
    """Spans from taggers in priority order; a span overlapping an accepted one is dropped."""
    accepted: list[Span] = []
    for spans in candidates:
        for span in sorted(spans, key=lambda s: (s.start, -s.end)):
            if all(span.end <= other.start or span.start >= other.end for other in accepted):
                accepted.append(span)
    return sorted(accepted, key=lambda s: s.start)


@dataclass(frozen=True)
class Prelabeller:
    """Entity taggers in priority order (earlier wins an overlap) and an optional event tagger."""

    entity_taggers: tuple[EntityTagger, ...]
    event_tagger: EventTagger | None = None

    @property
    def versions(self) -> tuple[str, ...]:
        """The versioned names of every part, in order; they go into each release."""
        names = [t.name for t in self.entity_taggers]
        if self.event_tagger is not None:
            names.append(self.event_tagger.name)
        return tuple(names)

    def label(self, sentences: Sequence[Sentence]) -> list[SentenceLabels]:
        """Pre-label a batch of sentences; every span is checked against its sentence text.

        A tagger that also has `tag_with_confidence` (the CRF, the event model, the trigger lexicon)
        reports how sure it was of each decision; a sentence's uncertainty is 1 - the least of them
        (builder/prelabel/ranking.py), None if no tagger reported any (rules and gazetteer only).
        """
        confidences: list[Confidences] = []
        per_tagger = [_tag(tagger, sentences, confidences) for tagger in self.entity_taggers]
        events = _tag(self.event_tagger, sentences, confidences) if self.event_tagger is not None else None
        labelled = []
        for i, sentence in enumerate(sentences):
            entities = merge_spans([spans[i] for spans in per_tagger])
            types, triggers = events[i] if events is not None else ([], [])
            labels = LabelSet(tuple(entities), tuple(triggers), tuple(types))
            labels.check(sentence.text, f"sentence {sentence.id}")
            uncertainty = sentence_uncertainty(*(c[i] for c in confidences)) if confidences else None
            labelled.append(SentenceLabels(sentence.id, labels, uncertainty))
        return labelled


def _tag(tagger: Any, sentences: Sequence[Sentence], confidences: list[Confidences]) -> Any:
    """The tagger's output; its decisions' confidences are appended to `confidences` when it gives them."""
    scored = getattr(tagger, "tag_with_confidence", None)
    if scored is None:
        return tagger.tag(sentences)
    tagged, confidence = scored(sentences)
    confidences.append(confidence)
    return tagged
