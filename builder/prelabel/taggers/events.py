"""Sentence event types from the trigger lexicon (lexicon:events.v1), matched on stems."""

from __future__ import annotations

from collections.abc import Sequence

from builder.core.labels import EventLabel
from builder.core.phrases import span_over
from builder.core.records import Sentence, Span
from builder.events.lexicon import EventLexicon


class LexiconEventTagger:
    """Event types of a sentence = the types of its triggers; a type's score is its best trigger's."""

    def __init__(self, lexicon: EventLexicon) -> None:
        self.lexicon = lexicon
        self.name = lexicon.name

    def tag(self, sentences: Sequence[Sentence]) -> list[tuple[list[EventLabel], list[Span]]]:
        """Event labels and trigger spans for each sentence."""
        return [self.tag_one(s) for s in sentences]

    def tag_with_confidence(
        self, sentences: Sequence[Sentence]
    ) -> tuple[list[tuple[list[EventLabel], list[Span]]], list[list[float]]]:
        """Event labels and triggers, and each matched trigger's score (the lexicon's estimate that the
        word is that event) as the confidence of that decision; a lexicon has no "none" probability."""
        tagged = [self.tag_one(s) for s in sentences]
        return tagged, [[span.score for span in triggers if span.score is not None] for _, triggers in tagged]

    def tag_one(self, sentence: Sentence) -> tuple[list[EventLabel], list[Span]]:
        """Event labels and trigger spans of one sentence."""
        best: dict[str, float] = {}
        triggers = []
        for first, last, trigger in self.lexicon.find(sentence):
            for event_type in trigger.types:
                best[event_type] = max(best.get(event_type, 0.0), trigger.score)
                triggers.append(span_over(sentence, first, last, event_type, self.name, trigger.score))
        labels = [EventLabel(t, s, self.name) for t, s in sorted(best.items())]
        return labels, triggers
