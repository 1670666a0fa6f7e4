"""Entity spans from the statistical NER model (model:id_news.ner.crf.v2)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from builder.core.records import Sentence, Span
from builder.core.spans import tags_to_spans
from builder.ner.crf import CrfNerModel


class CrfEntityTagger:
    """Wraps a loaded CRF model; a span's score is the lowest marginal of its tokens."""

    def __init__(self, model: CrfNerModel | None = None) -> None:
        self.model = model if model is not None else CrfNerModel.load()
        self.name = f"model:{self.model.name}"

    @classmethod
    def from_path(cls, path: Path | None) -> CrfEntityTagger:
        """Load the model at `path`, or the packaged one."""
        return cls(CrfNerModel.load(path))

    @property
    def labels(self) -> tuple[str, ...]:
        """Entity labels the model can predict (without IOB prefixes)."""
        return tuple(sorted({tag[2:] for tag in self.model.labels if tag != "O"}))

    def tag(self, sentences: Sequence[Sentence]) -> list[list[Span]]:
        """Entity spans for each sentence."""
        return self.tag_with_confidence(sentences)[0]

    def tag_with_confidence(self, sentences: Sequence[Sentence]) -> tuple[list[list[Span]], list[list[float]]]:
        """Entity spans for each sentence, and the marginal of every token's chosen tag ("O" included)."""
        tagged = self.model.predict([[t.text for t in s.tokens] for s in sentences])
        spans = [
            tags_to_spans(s.text, s.tokens, t.tags, self.name, t.scores) for s, t in zip(sentences, tagged, strict=True)
        ]
        return spans, [list(t.scores) for t in tagged]  # marginals, already within [0, 1]
