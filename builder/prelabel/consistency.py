"""Document-level consistency of entity pre-labels (rule:doc-consistency.v1).

The CRF reads one sentence at a time, so the same name can get two labels in one article
("Almaty" LOC twice, PER once) and a short mention of a person named in full earlier
("Nazarbayev" after "Nursultan Nazarbayev") can be missed. Within each article:

- a name's spans vote for its label, each with its score (the CRF's lowest token marginal);
  a span less sure than `keep_above` whose label lost the vote takes the winning label;
- an untagged mention of a PER or ORG name found elsewhere in the article, or of one word of a
  multi-word PER name, is tagged (LOC is left out: in news a country name is a place in
  "ke Israel" but not in "serangan Israel", so the context decides, not the article);
- a dateline, the upper-case place opening an article's first sentence ("ALMATY –",
  "JAKARTA, KOMPAS.com –"), is LOC.

Spans it changes or adds carry its own name as their source, so a release can tell them apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import groupby

from builder.core.records import Sentence, Span, Token

NAME_LABELS = frozenset({"PER", "ORG", "LOC"})
#: Labels whose names are tagged again wherever they appear untagged in the article.
SPREAD_LABELS = frozenset({"PER", "ORG"})
_DASHES = frozenset({"-", "–", "—"})


@dataclass(frozen=True, slots=True)
class DocumentConsistency:
    """Makes the entity spans of each article agree with each other (see the module docstring)."""

    name: str = "rule:doc-consistency.v1"
    keep_above: float = 0.9  # a span at least this sure keeps its label against the article's vote
    part_weight: float = 0.5  # the vote of one word of a multi-word PER name, as a share of the name's

    def apply(self, sentences: Sequence[Sentence], entities: Sequence[Sequence[Span]]) -> list[list[Span]]:
        """The spans of each sentence, made consistent within each article (sentences of one
        article must be next to each other, as the workspace stores them)."""
        out: list[list[Span]] = [list(spans) for spans in entities]
        rows = range(len(sentences))
        for _, group in groupby(rows, key=lambda i: sentences[i].article_id):
            idx = list(group)
            fixed = self._article([sentences[i] for i in idx], [out[i] for i in idx])
            for i, spans in zip(idx, fixed, strict=True):
                out[i] = spans
        return out

    def _article(self, sentences: Sequence[Sentence], entities: Sequence[list[Span]]) -> list[list[Span]]:
        votes: dict[tuple[str, ...], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for sentence, spans in zip(sentences, entities, strict=True):
            for span in spans:
                if span.label not in NAME_LABELS:
                    continue
                words = _words(sentence.tokens, span)
                weight = 1.0 if span.score is None else span.score
                votes[words][span.label] += weight
                if span.label == "PER" and len(words) > 1:
                    for word in words:
                        if _is_name_word(word):
                            votes[(word,)]["PER"] += weight * self.part_weight
        winners = {words: _winner(counts) for words, counts in votes.items()}
        longest = max((len(w) for w in winners), default=0)
        result = []
        for sentence, spans in zip(sentences, entities, strict=True):
            spans = [self._relabel(sentence, span, winners) for span in spans]
            spans = self._spread(sentence, spans, winners, longest)
            if sentence.index == 0:
                spans = self._dateline(sentence, spans)
            result.append(sorted(spans, key=lambda s: s.start))
        return result

    def _relabel(self, sentence: Sentence, span: Span,
                 winners: dict[tuple[str, ...], tuple[str, float] | None]) -> Span:
        if span.label not in NAME_LABELS or (span.score is not None and span.score >= self.keep_above):
            return span
        words = _words(sentence.tokens, span)
        won = winners.get(words)
        if won is None or won[0] == span.label:
            return span
        return replace(span, label=won[0], source=self.name, score=won[1])

    def _spread(self, sentence: Sentence, spans: list[Span],
                winners: dict[tuple[str, ...], tuple[str, float] | None], longest: int) -> list[Span]:
        tokens = sentence.tokens
        covered = [False] * len(tokens)
        for span in spans:
            for k, token in enumerate(tokens):
                if token.start < span.end and span.start < token.end:
                    covered[k] = True
        added: list[Span] = []
        i = 0
        while i < len(tokens):
            found = None
            if not covered[i] and _may_start_name(tokens[i].text):
                for size in range(min(longest, len(tokens) - i), 0, -1):
                    if any(covered[i : i + size]):
                        continue
                    won = winners.get(tuple(t.text for t in tokens[i : i + size]))
                    if won is not None and won[0] in SPREAD_LABELS:
                        found = (size, won)
                        break
            if found is None:
                i += 1
                continue
            size, (label, share) = found
            start, end = tokens[i].start, tokens[i + size - 1].end
            added.append(Span(start, end, label, sentence.text[start:end], self.name, share))
            i += size
        return spans + added

    def _dateline(self, sentence: Sentence, spans: list[Span]) -> list[Span]:
        tokens = sentence.tokens
        end = 0
        while end < len(tokens) and _is_upper_word(tokens[end].text):
            end += 1
        if end == 0 or end >= len(tokens) or not _dateline_follows(tokens[end:]):
            return spans
        start, stop = tokens[0].start, tokens[end - 1].end
        if any(s.start < stop and start < s.end for s in spans):
            return spans
        return [*spans, Span(start, stop, "LOC", sentence.text[start:stop], self.name, None)]


def _words(tokens: Sequence[Token], span: Span) -> tuple[str, ...]:
    return tuple(t.text for t in tokens if span.start <= t.start and t.end <= span.end)


def _winner(counts: dict[str, float]) -> tuple[str, float] | None:
    """The label with the most weight and its share of the vote; None on a tie."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    total = sum(counts.values())
    return ranked[0][0], round(ranked[0][1] / total, 4) if total else 1.0


def _is_name_word(word: str) -> bool:
    """A capitalised word of 3+ letters (not all upper case: acronyms are left to the model)."""
    return len(word) >= 3 and word[0].isupper() and word.replace("-", "").isalpha() and not word.isupper()


def _may_start_name(word: str) -> bool:
    """A capitalised word of 2+ letters, acronyms included ("PPP", "Nazarbayev")."""
    return len(word) >= 2 and word[0].isupper() and word.replace("-", "").isalpha()


def _is_upper_word(word: str) -> bool:
    return len(word) >= 3 and word.isalpha() and word.isupper()


def _dateline_follows(rest: Sequence[Token]) -> bool:
    """A dash right after the place, or a comma and then a dash within four tokens
    ("JAKARTA, KOMPAS.com –")."""
    if rest[0].text in _DASHES:
        return True
    return rest[0].text == "," and any(t.text in _DASHES for t in rest[1:5])
