"""LOC spans from a gazetteer of place names (gazetteer:places.v1), matched on whole tokens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources

from builder.core.phrases import PhraseIndex, span_over
from builder.core.records import Sentence, Span
from builder.core.tokenizer import tokenize


def packaged_places() -> list[str]:
    """The place names shipped in builder/resources/gazetteer_places.txt."""
    text = resources.files("builder.resources").joinpath("gazetteer_places.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


class Gazetteer:
    """Tags the longest listed name at each position; case-sensitive, on token boundaries."""

    def __init__(self, names: Iterable[str] | None = None, *, label: str = "LOC",
                 name: str = "gazetteer:places.v1", score: float = 0.8) -> None:
        self.name = name
        self.label = label
        self.score = score
        phrases = {tuple(t.text for t in tokenize(n)) for n in (names if names is not None else packaged_places())}
        self._index = PhraseIndex((key, None) for key in phrases)

    def tag(self, sentences: Sequence[Sentence]) -> list[list[Span]]:
        """Place spans for each sentence."""
        return [self.tag_one(s) for s in sentences]

    def tag_one(self, sentence: Sentence) -> list[Span]:
        """Place spans in one sentence."""
        keys = [t.text for t in sentence.tokens]
        return [span_over(sentence, a, b, self.label, self.name, self.score) for a, b, _ in self._index.find(keys)]
