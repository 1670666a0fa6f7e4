"""The objects that flow between stages: Article → Sentence (tokens, spans)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple


def short_hash(*parts: str, length: int = 16) -> str:
    """A stable hex digest of the parts, joined with a separator no text contains."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line the cleaner dropped from a page, kept so a user can audit why."""

    line: int  # 1-based line number in the decoded page
    text: str
    reason: str  # rule name, e.g. "read_also", "advertisement"


@dataclass(frozen=True, slots=True)
class Article:
    """One cleaned news article; `body` is NFC text with paragraphs split by blank lines."""

    id: str
    title: str
    body: str
    source: str = ""
    url: str = ""
    author: str = ""
    published_at: str = ""  # ISO 8601 with offset, e.g. 2022-01-07T05:52:00+07:00, or ""
    dateline: str = ""
    path: str = ""  # where it was read from (file, or file:line for JSONL)
    captions: tuple[str, ...] = ()
    removed: tuple[RemovedLine, ...] = ()

    @staticmethod
    def make_id(source: str, body: str) -> str:
        """The article id is derived from its source and its cleaned content."""
        return short_hash(source, body)

    @staticmethod
    def content_hash(body: str) -> str:
        """Hash of the body alone, used to find the same article read twice."""
        return short_hash(body)


class Token(NamedTuple):
    """A token as a half-open code point range into its sentence's text.

    A named tuple rather than a frozen dataclass: a corpus makes millions of them, and a
    named tuple is built in half the time."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled half-open code point range into a sentence's text."""

    start: int
    end: int
    label: str
    text: str
    source: str  # e.g. "rule:date.v1", "model:id_news.ner.crf.v2", "human:3"
    score: float | None = None

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end):
            raise ValueError(
                f"span {self.label!r} has offsets [{self.start}, {self.end}); "
                "start must be >= 0 and smaller than end"
            )

    def check(self, sentence_text: str, where: str) -> None:
        """Raise if the span's text is not the sentence text at its offsets."""
        found = sentence_text[self.start : self.end]
        if found != self.text:
            raise ValueError(
                f"{where}: span {self.label!r} [{self.start}, {self.end}) says {self.text!r} "
                f"but the sentence has {found!r} there"
            )


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an article, with its tokens; offsets are into `text`."""

    id: str
    article_id: str
    index: int  # 0-based position in the article
    paragraph: int  # 0-based paragraph of the article body
    start: int  # code point offset of `text` in the article body
    text: str
    tokens: tuple[Token, ...] = field(default=())

    @staticmethod
    def make_id(article_id: str, index: int, text: str) -> str:
        """A sentence id from its article, position and text, so edited text is a new id."""
        return short_hash(article_id, str(index), short_hash(text))
