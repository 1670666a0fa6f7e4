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

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

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
        first = 0
        for i in range(1, len(sentences) + 1):
            if i == len(sentences) or sentences[i].article_id != sentences[first].article_id:
                self._article(sentences, out, first, i)
                first = i
        return out

    def _article(self, sentences: Sequence[Sentence], out: list[list[Span]], first: int, stop: int) -> None:
        """Make out[first:stop], the spans of one article's sentences, consistent (in place)."""
        votes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for i in range(first, stop):
            for span in out[i]:
                if span.label not in NAME_LABELS:
                    continue
                weight = 1.0 if span.score is None else span.score
                votes[span.text][span.label] += weight
                if span.label == "PER" and " " in span.text:
                    for word in span.text.split():
                        if _is_name_word(word):
                            votes[word]["PER"] += weight * self.part_weight
        winners = {text: won for text, counts in votes.items() if (won := _winner(counts)) is not None}
        contested = {text for text, counts in votes.items() if len(counts) > 1 and text in winners}
        # names to look for in untagged text, longest first (a longer name wins over its parts)
        spread = sorted((text for text, (label, _) in winners.items()
                         if label in SPREAD_LABELS and _may_start_name(text.split(" ", 1)[0])),
                        key=lambda text: (-len(text), text))
        if any(" " not in text for text in spread):
            # a single word the article also writes in lower case is a common word ("Presiden" and
            # "presiden"), not a name: it is not spread even if it was once inside a name's span
            article = "\n".join(sentences[i].text for i in range(first, stop))
            spread = [text for text in spread if " " in text or not _in_lower_case(text, article)]
        for i in range(first, stop):
            sentence, spans = sentences[i], out[i]
            changed = False
            if contested and any(span.text in contested for span in spans):
                spans = [self._relabel(span, winners) if span.text in contested else span for span in spans]
                changed = True
            present = [text for text in spread if text in sentence.text]
            if present and (added := self._spread(sentence, spans, present, winners)):
                spans = spans + added
                changed = True
            if sentence.index == 0 and (dated := self._dateline(sentence, spans)) is not spans:
                spans = dated
                changed = True
            if changed:
                out[i] = sorted(spans, key=lambda s: s.start)

    def _relabel(self, span: Span, winners: dict[str, tuple[str, float]]) -> Span:
        if span.label not in NAME_LABELS or (span.score is not None and span.score >= self.keep_above):
            return span
        won = winners.get(span.text)
        if won is None or won[0] == span.label:
            return span
        return replace(span, label=won[0], source=self.name, score=won[1])

    def _spread(self, sentence: Sentence, spans: list[Span], present: list[str],
                winners: dict[str, tuple[str, float]]) -> list[Span]:
        """Spans for the untagged, whole-token mentions in the sentence of the names `present` in its text."""
        taken = [(s.start, s.end) for s in spans]
        added: list[Span] = []
        starts: set[int] | None = None
        ends: set[int] = set()
        for text in present:
            at = sentence.text.find(text)
            while at != -1:
                end = at + len(text)
                if all(end <= a or at >= b for a, b in taken):  # most mentions are tagged already
                    if starts is None:
                        starts, ends = {t.start for t in sentence.tokens}, {t.end for t in sentence.tokens}
                    if at in starts and end in ends:
                        label, share = winners[text]
                        added.append(Span(at, end, label, text, self.name, share))
                        taken.append((at, end))
                at = sentence.text.find(text, end)
        return added

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


def _winner(counts: dict[str, float]) -> tuple[str, float] | None:
    """The label with the most weight and its share of the vote; None on a tie."""
    if len(counts) == 1:
        return next(iter(counts)), 1.0
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


def _in_lower_case(word: str, text: str) -> bool:
    """Whether `text` has `word` in lower case as a whole word."""
    lower = word.lower()
    return lower in text and re.search(rf"(?<!\w){re.escape(lower)}(?!\w)", text) is not None


def _is_upper_word(word: str) -> bool:
    return len(word) >= 3 and word.isalpha() and word.isupper()


def _dateline_follows(rest: Sequence[Token]) -> bool:
    """A dash right after the place, or a comma and then a dash within four tokens
    ("JAKARTA, KOMPAS.com –")."""
    if rest[0].text in _DASHES:
        return True
    return rest[0].text == "," and any(t.text in _DASHES for t in rest[1:5])
