"""Document-level consistency of entity spans: sentences of one article are labelled together.

- The same name in one article gets one label: when a name's spans disagree, the label with
  the larger summed score wins, except for spans the model is sure of (context clearly differs).
- A name the model tagged confidently in an article is also tagged where it recurs untagged, and
  so is the last word of a multi-word person name ("Nursultan Nazarbayev" -> "Nazarbayev").
Rewritten and added spans get a score no higher than the evidence for them, so scores stay
probabilities (see the reliability table of `builder eval ner`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from builder.core.records import Sentence, Span


@dataclass(frozen=True, slots=True)
class ConsistencyOptions:
    """Thresholds of the document pass."""

    keep_above: float = 0.9  # a span at least this sure keeps its own label
    propagate_above: float = 0.5  # only names tagged at least this surely are copied
    propagated_discount: float = 0.8  # a copied span's score: the evidence times this


def _name_tokens(sentence: Sentence, span: Span) -> tuple[int, int] | None:
    """The token range [a, b) a span covers exactly, or None."""
    starts = {t.start: k for k, t in enumerate(sentence.tokens)}
    ends = {t.end: k for k, t in enumerate(sentence.tokens)}
    if span.start in starts and span.end in ends:
        return starts[span.start], ends[span.end] + 1
    return None


def harmonise(sentences: Sequence[Sentence], spans: Sequence[Sequence[Span]], source: str,
              options: ConsistencyOptions = ConsistencyOptions()) -> list[list[Span]]:
    """One label per name within each article of the batch; recurring names tagged (see module doc)."""
    out = [list(s) for s in spans]
    by_article: dict[str, list[int]] = defaultdict(list)
    for i, sentence in enumerate(sentences):
        by_article[sentence.article_id].append(i)
    for members in by_article.values():
        if len(members) > 1:
            _harmonise_article(sentences, out, members, source, options)
    return out


def _harmonise_article(sentences: Sequence[Sentence], out: list[list[Span]], members: list[int],
                       source: str, options: ConsistencyOptions) -> None:
    votes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    sure: dict[tuple[str, ...], list[tuple[str, float]]] = defaultdict(list)
    for i in members:
        sentence = sentences[i]
        for span in out[i]:
            votes[span.text][span.label] += span.score or 0.0
            if (span.score or 0.0) < options.propagate_above:
                continue
            found = _name_tokens(sentence, span)
            if found is None:
                continue
            words = tuple(t.text for t in sentence.tokens[found[0] : found[1]])
            sure[words].append((span.label, span.score or 0.0))
            if span.label == "PER" and len(words) > 1 and words[-1][:1].isupper() and len(words[-1]) > 2:
                # the surname alone refers to the same person: evidence for PER wherever it stands alone
                surname = (span.score or 0.0) * options.propagated_discount
                sure[words[-1:]].append(("PER", surname))
                votes[words[-1]]["PER"] += surname
    # 1. one label per name
    winner: dict[str, tuple[str, float]] = {}
    for text, by_label in votes.items():
        if len([v for v in by_label.values() if v > 0]) > 1:
            label, weight = max(by_label.items(), key=lambda item: (item[1], item[0]))
            winner[text] = (label, weight / sum(by_label.values()))
    for i in members:
        rewritten = []
        for span in out[i]:
            if span.text in winner and span.label != winner[span.text][0] and (span.score or 0.0) < options.keep_above:
                label, share = winner[span.text]
                span = replace(span, label=label, score=round(min(span.score or 0.0, share), 4))
            rewritten.append(span)
        out[i] = rewritten
    # 2. recurring names the model left untagged
    if not sure:
        return
    longest = max(len(k) for k in sure)
    for i in members:
        sentence = sentences[i]
        texts = [t.text for t in sentence.tokens]
        taken = [(s.start, s.end) for s in out[i]]
        k = 0
        while k < len(texts):
            matched = 0
            for size in range(min(longest, len(texts) - k), 0, -1):
                words = tuple(texts[k : k + size])
                if words in sure and words[0][:1].isupper():
                    start, end = sentence.tokens[k].start, sentence.tokens[k + size - 1].end
                    if all(end <= a or start >= b for a, b in taken):
                        evidence = sure[words]
                        label = max({lab for lab, _ in evidence},
                                    key=lambda lab: (sum(s for x, s in evidence if x == lab), lab))
                        score = max(s for x, s in evidence if x == label) * options.propagated_discount
                        out[i].append(Span(start, end, label, sentence.text[start:end], source, round(score, 4)))
                        taken.append((start, end))
                        matched = size
                    break
            k += matched or 1
        out[i].sort(key=lambda s: s.start)
