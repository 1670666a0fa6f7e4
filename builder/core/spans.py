"""Spans and tokens: IOB2 tags ↔ spans, and snapping a character span to token boundaries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from builder.core.records import Span, Token


@dataclass(frozen=True, slots=True)
class Snapped:
    """A span moved onto token boundaries; `moved` says whether it had cut a token."""

    span: Span
    moved: bool


def snap(span: Span, text: str, tokens: Sequence[Token]) -> Snapped | None:
    """Widen a span to the tokens it overlaps; None if it overlaps no token (whitespace only)."""
    covered = [t for t in tokens if t.start < span.end and t.end > span.start]
    if not covered:
        return None
    start, end = covered[0].start, covered[-1].end
    if (start, end) == (span.start, span.end):
        return Snapped(span, False)
    moved = Span(start, end, span.label, text[start:end], span.source, span.score)
    return Snapped(moved, True)


def spans_to_tags(tokens: Sequence[Token], spans: Sequence[Span], where: str) -> list[str]:
    """IOB2 tags for tokens; spans must sit on token boundaries and must not overlap."""
    tags = ["O"] * len(tokens)
    by_start = {t.start: i for i, t in enumerate(tokens)}
    by_end = {t.end: i for i, t in enumerate(tokens)}
    for span in sorted(spans, key=lambda s: s.start):
        first, last = by_start.get(span.start), by_end.get(span.end)
        if first is None or last is None:
            raise ValueError(f"{where}: span {span.label!r} [{span.start}, {span.end}) {span.text!r} "
                             "does not sit on token boundaries; snap it first")
        if any(tag != "O" for tag in tags[first : last + 1]):
            raise ValueError(f"{where}: span {span.label!r} {span.text!r} overlaps another span")
        tags[first] = f"B-{span.label}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{span.label}"
    return tags


def tags_to_spans(text: str, tokens: Sequence[Token], tags: Sequence[str], source: str,
                  scores: Sequence[float] | None = None) -> list[Span]:
    """Spans from IOB2 tags (a stray I- starts a span, as seqeval's lenient reading does);
    a span's score is the lowest token score in it."""
    spans: list[Span] = []
    current: tuple[str, int, int] | None = None  # label, first token, last token

    def close() -> None:
        if current is not None:
            label, first, last = current
            score = min(scores[first : last + 1]) if scores is not None else None
            start, end = tokens[first].start, tokens[last].end
            spans.append(Span(start, end, label, text[start:end], source, score))

    for i in [k for k, tag in enumerate(tags) if tag != "O"]:  # most tags are O
        prefix, _, label = tags[i].partition("-")
        if prefix == "I" and current is not None and current[0] == label and current[2] == i - 1:
            current = (label, current[1], i)
            continue
        close()
        current = (label, i, i) if prefix in ("B", "I") else None
    close()
    return spans
