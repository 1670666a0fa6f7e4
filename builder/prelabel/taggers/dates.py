"""DATE spans by rule (rule:date.v1): Indonesian day and month names and numeric dates."""

from __future__ import annotations

import re
from collections.abc import Sequence

from builder.core.records import Sentence, Span
from builder.core.spans import snap

_DAY = r"(?:Senin|Selasa|Rabu|Kamis|Jum'?at|Sabtu|Minggu|Ahad)"
_MONTH = (
    r"(?:Januari|Februari|Pebruari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Nopember"
    r"|Desember)"
)
_MONTH_SHORT = r"(?:Jan|Feb|Peb|Mar|Apr|Jun|Jul|Agu|Agt|Ags|Sept|Sep|Okt|Nov|Nop|Des)\.?"
_PART_OF_DAY = r"(?:\s+(?:dini hari|pagi|siang|sore|malam))?"
_NUMERIC = r"\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\)"
_DAY_MONTH = rf"\d{{1,2}}\s+(?:{_MONTH}|{_MONTH_SHORT})(?:\s+\d{{4}})?"

# (pattern, score); tried in this order at each position, so longer forms first.
PATTERNS: tuple[tuple[str, float], ...] = (
    (rf"{_DAY}\s*,?\s*{_NUMERIC}{_PART_OF_DAY}", 0.95),  # Kamis (6/1/2022)
    (rf"{_DAY}\s*,?\s*{_DAY_MONTH}", 0.95),  # Jum'at, 07 Januari 2022
    (_DAY_MONTH, 0.9),  # 7 Januari 2022, 14 Mar
    (rf"(?:(?:awal|akhir|pertengahan)\s+)?{_MONTH}\s+\d{{4}}", 0.85),  # Januari 2022
    (r"\d{1,2}/\d{1,2}/\d{4}", 0.85),  # 6/1/2022
    (r"tahun\s+(?:19|20)\d{2}", 0.7),  # tahun 2022
    (rf"{_DAY}{_PART_OF_DAY}", 0.75),  # Kamis, Kamis malam
)
# Every pattern starts with a digit or one of these letters (day and month names, "awal",
# "akhir", "pertengahan", "tahun"), at a word boundary; checking that before trying the
# alternatives makes the scan about 6x faster (tests/test_prelabel_rules.py checks it is the
# same as the plain alternation).
FIRST_LETTERS = "ADFJKMNOPRSapt"
_REGEX = re.compile(
    rf"\b(?=[\d{FIRST_LETTERS}])(?<![\w/])(?:"
    + "|".join(f"(?P<p{i}>{p})" for i, (p, _) in enumerate(PATTERNS))
    + r")(?![\w/])"
)
_SCORES = {f"p{i}": score for i, (_, score) in enumerate(PATTERNS)}


class DateRule:
    """Finds DATE expressions with regular expressions and snaps them to tokens."""

    name = "rule:date.v1"

    def tag(self, sentences: Sequence[Sentence]) -> list[list[Span]]:
        """DATE spans for each sentence."""
        return [self.tag_one(sentence) for sentence in sentences]

    def tag_one(self, sentence: Sentence) -> list[Span]:
        """DATE spans in one sentence."""
        spans = []
        for m in _REGEX.finditer(sentence.text):
            group = m.lastgroup or ""
            raw = Span(m.start(), m.end(), "DATE", m.group(), self.name, _SCORES[group])
            snapped = snap(raw, sentence.text, sentence.tokens)
            if snapped is not None:
                spans.append(snapped.span)
        return spans
