"""Sentence-boundary precision/recall/F1 of the segmenter against IndoSum's sentence splits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from builder.core.tokenizer import tokenize
from builder.ingest.segment import split_sentences

_NO_SPACE_BEFORE = frozenset(",.;:!?)]}%…/")
_NO_SPACE_AFTER = frozenset("([{/")
_QUOTES = frozenset({'"', "'"})


def detokenize(sentences: list[list[str]]) -> tuple[str, list[int]]:
    """Join pre-tokenised sentences into paragraph text; also the start offset of each sentence."""
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    quote_open = False
    glue_next = True  # no space before the very first token
    for sentence in sentences:
        for position, token in enumerate(sentence):
            closing_quote = token in _QUOTES and quote_open
            glue = glue_next or token in _NO_SPACE_BEFORE or closing_quote
            if not glue:
                parts.append(" ")
                length += 1
            if position == 0:
                starts.append(length)
            parts.append(token)
            length += len(token)
            if token in _QUOTES:
                quote_open = not quote_open
            glue_next = token in _NO_SPACE_AFTER or (token in _QUOTES and quote_open)
    return "".join(parts), starts


@dataclass
class BoundaryScore:
    """Counts of predicted and reference sentence boundaries inside paragraphs."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    articles: int = 0
    paragraphs: int = 0
    reference_sentences: int = 0
    examples: list[dict[str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of predicted boundaries that are in the reference."""
        return self.true_positives / max(1, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        """Share of reference boundaries that were predicted."""
        return self.true_positives / max(1, self.true_positives + self.false_negatives)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def indosum_articles(files: Iterable[Path]) -> Iterator[dict]:
    """IndoSum JSONL articles, each id once across the folds."""
    seen: set[str] = set()
    for path in files:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                article = json.loads(line)
                if article["id"] not in seen:
                    seen.add(article["id"])
                    yield article


def score_boundaries(articles: Iterable[dict], *, max_examples: int = 20) -> BoundaryScore:
    """Compare our sentence starts with the reference's, paragraph by paragraph."""
    score = BoundaryScore()
    for article in articles:
        score.articles += 1
        for paragraph in article["paragraphs"]:
            if not paragraph:
                continue
            score.paragraphs += 1
            score.reference_sentences += len(paragraph)
            text, starts = detokenize(paragraph)
            reference = set(starts[1:])
            tokens = tokenize(text)
            predicted = {tokens[first].start for first, _ in split_sentences(text, tokens)[1:]}
            score.true_positives += len(predicted & reference)
            for kind, offsets in (("false_positive", predicted - reference), ("false_negative", reference - predicted)):
                setattr(score, f"{kind}s", getattr(score, f"{kind}s") + len(offsets))
                for offset in sorted(offsets):
                    if len(score.examples) < max_examples:
                        around = text[max(0, offset - 60) : offset] + " ‖ " + text[offset : offset + 40]
                        score.examples.append({"kind": kind, "article": article["id"], "context": around})
    return score


def evaluate_segments(reference: Path, *, max_examples: int = 20) -> tuple[dict[str, object], BoundaryScore]:
    """Boundary figures against IndoSum (a folder of `*.jsonl` or one file), as a JSON-ready dict."""
    files = sorted(reference.glob("*.jsonl")) if reference.is_dir() else [reference]
    score = score_boundaries(indosum_articles(files), max_examples=max_examples)
    figures: dict[str, object] = {
        "reference": str(reference), "articles": score.articles, "paragraphs": score.paragraphs,
        "reference_sentences": score.reference_sentences, "true_positives": score.true_positives,
        "false_positives": score.false_positives, "false_negatives": score.false_negatives,
        "precision": round(score.precision, 4), "recall": round(score.recall, 4), "f1": round(score.f1, 4),
    }
    return figures, score
