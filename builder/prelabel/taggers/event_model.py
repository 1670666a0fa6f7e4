"""Sentence event types and triggers from the trained event model (model:id_news.events.v2)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from builder.core.labels import EventLabel
from builder.core.phrases import span_over
from builder.core.records import Sentence, Span
from builder.core.schema import Schema, SchemaError
from builder.events.model import EventModel


class ModelEventTagger:
    """A type's score is the probability of its likeliest trigger in the sentence."""

    def __init__(self, model: EventModel | None = None) -> None:
        self.model = model if model is not None else EventModel.load()
        self.name = f"model:{self.model.name}"

    @classmethod
    def from_path(cls, path: Path | None) -> ModelEventTagger:
        """Load the model at `path`, or the packaged one."""
        return cls(EventModel.load(path))

    def validate(self, schema: Schema) -> None:
        """Raise if the model proposes an event type the schema does not have."""
        types = {t for c in self.model.data.classes for t in c.split("+") if c != "O"}
        unknown = sorted(types - set(schema.event_labels))
        if unknown:
            raise SchemaError(f"{self.name} proposes {', '.join(unknown)}, which schema {schema.name!r} does not "
                              "define; add them to the schema or retrain the model on its types")

    def tag(self, sentences: Sequence[Sentence]) -> list[tuple[list[EventLabel], list[Span]]]:
        """Event labels and trigger spans for each sentence."""
        return self.tag_with_confidence(sentences)[0]

    def tag_with_confidence(
        self, sentences: Sequence[Sentence]
    ) -> tuple[list[tuple[list[EventLabel], list[Span]]], list[list[float]]]:
        """Event labels and trigger spans for each sentence, and the probability of the class the model
        chose for each of its candidates ("none" included)."""
        tagged, confidences = self.model.predict_with_confidence([[t.text for t in s.tokens] for s in sentences])
        out = []
        for sentence, predictions in zip(sentences, tagged, strict=True):
            if not predictions:  # most sentences
                out.append(([], []))
                continue
            best: dict[str, float] = {}
            triggers = []
            for p in predictions:
                score = round(p.score, 4)
                best[p.type] = max(best.get(p.type, 0.0), score)
                triggers.append(span_over(sentence, p.first, p.last, p.type, self.name, score))
            out.append(([EventLabel(t, s, self.name) for t, s in sorted(best.items())], triggers))
        return out, confidences
