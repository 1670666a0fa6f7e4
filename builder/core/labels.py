"""The one label set a sentence carries, whoever made it: entities, triggers and event types.

The pre-labeller, the Label Studio export parser, the merge and the release all carry it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from builder.core.records import Sentence, Span


@dataclass(frozen=True, slots=True)
class EventLabel:
    """A sentence-level event type, with the score and source that proposed it (none for people)."""

    label: str
    score: float | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class LabelSet:
    """Entity spans, event trigger spans and event types of one sentence; spans are offsets into it."""

    entities: tuple[Span, ...] = ()
    triggers: tuple[Span, ...] = ()
    events: tuple[EventLabel, ...] = ()

    @property
    def event_types(self) -> tuple[str, ...]:
        """The event type names, in the order given."""
        return tuple(e.label for e in self.events)

    def check(self, text: str, where: str) -> None:
        """Raise if any span's text is not the sentence text at its offsets."""
        for span in (*self.entities, *self.triggers):
            span.check(text, f"{where} ({span.source})" if span.source else where)

    @classmethod
    def of_types(cls, entities: Sequence[Span], triggers: Sequence[Span], event_types: Sequence[str],
                 source: str = "human") -> LabelSet:
        """A label set whose event types are bare names (as people give them)."""
        return cls(tuple(entities), tuple(triggers), tuple(EventLabel(t, None, source) for t in event_types))


@dataclass(frozen=True, slots=True)
class SentenceLabels:
    """The labels of one sentence, by sentence id, and how unsure the machine that made them was.

    `uncertainty` is 1 - the least confident decision of the pre-labeller (builder/prelabel/ranking.py);
    None where nothing measured it (people's labels, older pre-labels, rule-only pre-labellers).
    """

    sentence_id: str
    labels: LabelSet
    uncertainty: float | None = None


class Labeller(Protocol):
    """Anything that labels batches of sentences: the pre-labeller is one.

    Ingest takes one (to pre-label in the same pass) without depending on the pre-labelling stage.
    """

    @property
    def versions(self) -> tuple[str, ...]:
        """The versioned names of its parts, e.g. ("rule:date.v1", "model:id_news.ner.crf.v2")."""
        ...

    def label(self, sentences: Sequence[Sentence]) -> list[SentenceLabels]:
        """Labels for each sentence, in order."""
        ...


def labeller_name(versions: Sequence[str]) -> str:
    """The one way a labeller's identity is written: its versioned parts joined by ", "."""
    return ", ".join(versions)
