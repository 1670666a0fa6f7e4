"""LOC spans for news datelines (rule:dateline.v1): the place written in capitals at the start of
an article's first paragraphs, before a dash, e.g. `ALMATY – ...`, `JAKARTA, KOMPAS.com - ...`,
`KUALA LUMPUR (ANTARA) - ...`."""

from __future__ import annotations

from collections.abc import Sequence

from builder.core.phrases import span_over
from builder.core.records import Sentence, Span

_DASHES = frozenset({"-", "–", "—", "--"})
_MAX_PLACE_TOKENS = 3
_MAX_AGENCY_TOKENS = 6  # ", KOMPAS.com" / "(ANTARA)" / ", Okezone" between place and dash


def _leading(tokens: Sequence[str], upper: bool) -> int:
    size = 0
    while size < min(len(tokens), _MAX_PLACE_TOKENS):
        text = tokens[size]
        if not (len(text) >= 2 and text.isalpha() and (text.isupper() if upper else text.istitle())):
            break
        size += 1
    return size


def dateline_end(tokens: Sequence[str]) -> int:
    """How many leading tokens name the dateline's place (0 if the sentence has no dateline):
    capitals before a dash, or capitals or title case before an agency/outlet and a dash."""
    upper = _leading(tokens, upper=True)
    if upper and sum(len(t) for t in tokens[:upper]) >= 4 and tokens[upper : upper + 1] in (["-"], ["–"], ["—"]):
        return upper  # "AS -" is too short to trust
    size = upper or _leading(tokens, upper=False)
    rest = tokens[size : size + _MAX_AGENCY_TOKENS + 1]
    if size and rest[:1] and rest[0] in (",", "("):
        for k, token in enumerate(rest[1:], start=1):
            if token in _DASHES:
                agency = rest[1:k]
                looks_like_agency = any(t.isupper() or "." in t[1:] for t in agency if t.isalnum() or "." in t)
                return size if agency and (upper or looks_like_agency) else 0
    return 0


class DatelineRule:
    """Tags the dateline place of the first sentence of an article's paragraphs 0-`max_paragraph`."""

    name = "rule:dateline.v1"
    labels = ("LOC",)

    def __init__(self, *, max_paragraph: int = 2, score: float = 0.95) -> None:
        self.max_paragraph = max_paragraph
        self.score = score

    def tag(self, sentences: Sequence[Sentence]) -> list[list[Span]]:
        """A dateline span (or none) for each sentence."""
        out: list[list[Span]] = []
        for sentence in sentences:
            spans: list[Span] = []
            if sentence.paragraph <= self.max_paragraph and sentence.tokens:
                size = dateline_end([t.text for t in sentence.tokens])
                if size:
                    spans.append(span_over(sentence, 0, size, "LOC", self.name, self.score))
            out.append(spans)
        return out
