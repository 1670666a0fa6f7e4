"""Split an article body into sentences, over the one tokenizer (builder/core/tokenizer.py).

Sentence boundaries are rules over the tokens, because spaCy's rule-based sentencizer
splits after every period-like token and mishandles quotes.
"""

from __future__ import annotations

from collections.abc import Iterator

from builder.core.records import Article, Sentence, Token
from builder.core.tokenizer import ABBREVIATIONS, token_offsets

#: Name of the tokenizer + sentence rules; it goes into every workspace manifest.
SEGMENTER_VERSION = "segment.id.regex-rules.v2"

# Abbreviations that can also end a sentence ("..., sayur, dll. Pemerintah ...").
SENTENCE_FINAL_ABBREVIATIONS = frozenset({"dll.", "dsb.", "dst.", "dkk.", "Tbk.", "Inc.", "Ltd.", "Corp."})
_TERMINALS = frozenset({".", "!", "?", "…", "..."})
_ENDINGS = frozenset(".!?…")  # the last character of every token that may end a sentence
_CLOSERS = frozenset({'"', "”", "'", "’", ")", "]", "»"})
_OPENERS = frozenset({'"', "“", "'", "‘", "(", "[", "«"})


def _is_terminal(text: str) -> bool:
    return text in _TERMINALS or (len(text) > 1 and all(c in ".!?…" for c in text))


def _may_end_sentence(text: str) -> bool:
    """A terminal, a sentence-final abbreviation, or a word the tokenizer left its period on ("GoT.")."""
    if _is_terminal(text) or text in SENTENCE_FINAL_ABBREVIATIONS:
        return True
    return len(text) > 2 and text.endswith(".") and "." not in text[:-1] and text not in ABBREVIATIONS


def _is_trailing_group(texts: list[str], first: int) -> bool:
    """True if texts[first:] is one short bracketed group, like a closing "(ant/rdk)" byline."""
    rest = texts[first:]
    return (
        2 < len(rest) <= 8
        and rest[0] in ("(", "[")
        and rest[-1] in (")", "]")
        and not any(t in "()[]" for t in rest[1:-1])
    )


def _starts_sentence(token: str, following: str | None) -> bool:
    first = token[0]
    if first.isupper() or first.isdigit():
        return True
    if token in _OPENERS and following:
        return following[0].isupper() or following[0].isdigit()
    return False


def split_sentences(text: str, tokens: tuple[Token, ...]) -> list[tuple[int, int]]:
    """Sentence token ranges [first, last) for one paragraph, split only at whitespace."""
    return _split([t.text for t in tokens], [t.start for t in tokens], [t.end for t in tokens])


def _split(texts: list[str], starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """`split_sentences` over token texts and offsets."""
    ranges: list[tuple[int, int]] = []
    first = 0
    n = len(texts)
    # Only a token ending in . ! ? or … may end a sentence; the rest are passed over at once.
    candidates = [k for k, t in enumerate(texts) if t[-1] in _ENDINGS]
    resume = 0  # tokens before this were absorbed into an earlier candidate's ending
    for i in candidates:
        if i < resume or not _may_end_sentence(texts[i]):
            continue
        last = i
        # Absorb further terminals and closing quotes or brackets attached to this one.
        while last + 1 < n and starts[last + 1] == ends[last] and (
            _is_terminal(texts[last + 1]) or texts[last + 1] in _CLOSERS
        ):
            last += 1
        nxt = last + 1
        if (
            nxt < n
            and starts[nxt] > ends[last]  # whitespace between the sentences
            and (
                _starts_sentence(texts[nxt], texts[nxt + 1] if nxt + 1 < n else None)
                or _is_trailing_group(texts, nxt)
            )
        ):
            ranges.append((first, nxt))
            first = nxt
        resume = nxt
    if first < n:
        ranges.append((first, n))
    return ranges


def paragraphs_with_offsets(body: str) -> Iterator[tuple[int, str]]:
    """Each paragraph of a body (split on blank lines) with its code point offset."""
    offset = 0
    for paragraph in body.split("\n\n"):
        if paragraph.strip():
            yield offset, paragraph
        offset += len(paragraph) + 2


def segment(article: Article) -> list[Sentence]:
    """The article's sentences in order, each with its tokens re-based to the sentence."""
    sentences: list[Sentence] = []
    for paragraph_index, (offset, paragraph) in enumerate(paragraphs_with_offsets(article.body)):
        texts, starts, ends = token_offsets(paragraph)
        for first, last in _split(texts, starts, ends):
            start, end = starts[first], ends[last - 1]
            text = paragraph[start:end]
            index = len(sentences)
            sentences.append(
                Sentence(
                    id=Sentence.make_id(article.id, index, text),
                    article_id=article.id,
                    index=index,
                    paragraph=paragraph_index,
                    start=offset + start,
                    text=text,
                    tokens=tuple(Token(texts[k], starts[k] - start, ends[k] - start) for k in range(first, last)),
                )
            )
    return sentences
