"""Matching token sequences in sentences: the shared machinery of rules and gazetteers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from builder.core.records import Sentence, Span, Token

Key = tuple[str, ...]


class PhraseIndex:
    """Phrases (as token-key tuples) found longest-first, without overlaps, in a token sequence."""

    def __init__(self, phrases: Iterable[tuple[Key, object]]) -> None:
        self._by_first: dict[str, list[tuple[Key, object]]] = {}
        for key, value in phrases:
            if key:
                self._by_first.setdefault(key[0], []).append((key, value))
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))

    def find(self, keys: Sequence[str]) -> list[tuple[int, int, object]]:
        """(first token, last token + 1, value) of each match, scanning left to right."""
        by_first = self._by_first
        if by_first.keys().isdisjoint(keys):  # most sentences: no phrase starts anywhere
            return []
        found = []
        free = 0  # the first token not inside an earlier match
        for i in [k for k, key in enumerate(keys) if key in by_first]:
            if i < free:
                continue
            for key, value in by_first[keys[i]]:
                if tuple(keys[i : i + len(key)]) == key:
                    found.append((i, i + len(key), value))
                    free = i + len(key)
                    break
        return found


def span_over(sentence: Sentence, first: int, last: int, label: str, source: str, score: float) -> Span:
    """A span covering tokens[first:last] of a sentence."""
    tokens: Sequence[Token] = sentence.tokens
    start, end = tokens[first].start, tokens[last - 1].end
    return Span(start, end, label, sentence.text[start:end], source, score)
