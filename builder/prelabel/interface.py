"""The pre-labelling interface: taggers, their merge, and what a sentence gets.

How it runs (in-process, worker pool, Ray) lives elsewhere (builder/prelabel/engines/).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from builder.core.labels import EventLabel, LabelSet, SentenceLabels
from builder.core.records import Sentence, Span
from builder.prelabel.consistency import DocumentConsistency
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
    """Entity taggers in priority order (earlier wins an overlap), an optional event tagger, and
    an optional step that makes the entity spans of each article consistent."""

    entity_taggers: tuple[EntityTagger, ...]
    event_tagger: EventTagger | None = None
    consistency: DocumentConsistency | None = None

    @property
    def versions(self) -> tuple[str, ...]:
        """The versioned names of every part, in order; they go into each release."""
        names = [t.name for t in self.entity_taggers]
        if self.consistency is not None:
            names.append(self.consistency.name)
        if self.event_tagger is not None:
            names.append(self.event_tagger.name)
        return tuple(names)

    def label(self, sentences: Sequence[Sentence]) -> list[SentenceLabels]:
        """Pre-label a batch of sentences; every span is checked against its sentence text.

        A tagger that also has `tag_with_confidence` (the CRF, the event model, the trigger lexicon)
        reports how sure it was of each decision; a sentence's uncertainty is 1 - the least of them
        (builder/prelabel/ranking.py), None if no tagger reported any (rules and gazetteer only).
        With `consistency`, the sentences of one article must be next to each other in the batch.
        """
        confidences: list[Confidences] = []
        per_tagger = [_tag(tagger, sentences, confidences) for tagger in self.entity_taggers]
        events = _tag(self.event_tagger, sentences, confidences) if self.event_tagger is not None else None
        merged = [merge_spans([spans[i] for spans in per_tagger]) for i in range(len(sentences))]
        if self.consistency is not None:
            merged = self.consistency.apply(sentences, merged)
        labelled = []
        for i, sentence in enumerate(sentences):
            entities = merged[i]
            types, triggers = events[i] if events is not None else ([], [])
            labels = LabelSet(tuple(entities), tuple(triggers), tuple(types))
            labels.check(sentence.text, f"sentence {sentence.id}")
            uncertainty = sentence_uncertainty(*(c[i] for c in confidences)) if confidences else None
            labelled.append(SentenceLabels(sentence.id, labels, uncertainty))
        return labelled


def article_batches(sentences: Sequence[Sentence], size: int) -> Iterator[Sequence[Sentence]]:
    """Batches of about `size` sentences that never split an article's run of sentences, so the
    consistency step sees all of an article at once (a batch grows past `size` to finish its article)."""
    start = 0
    while start < len(sentences):
        end = min(start + size, len(sentences))
        while end < len(sentences) and sentences[end].article_id == sentences[end - 1].article_id:
            end += 1
        yield sentences[start:end]
        start = end


def _tag(tagger: Any, sentences: Sequence[Sentence], confidences: list[Confidences]) -> Any:
    """The tagger's output; its decisions' confidences are appended to `confidences` when it gives them."""
    scored = getattr(tagger, "tag_with_confidence", None)
    if scored is None:
        return tagger.tag(sentences)
    tagged, confidence = scored(sentences)
    confidences.append(confidence)
    return tagged
