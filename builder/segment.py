"""Split an article body into sentences and tokens with code point offsets.

Tokens come from spaCy's Indonesian tokenizer (blank "id" pipeline) with a few more
abbreviations; sentence boundaries are rules over those tokens, because spaCy's
rule-based sentencizer splits after every period-like token and mishandles quotes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from builder.model import Article, Sentence, Token

#: Name of the tokenizer + sentence rules; it goes into every workspace manifest.
SEGMENTER_VERSION = "segment.id.spacy-rules.v1"

# Abbreviations common in Indonesian news that spaCy 3.8's "id" exceptions lack.
EXTRA_ABBREVIATIONS = (
    "Bpk. Brigjen. CV. Gg. Ir. Irjen. Jend. Jl. Jln. Kab. Kapt. Kec. Kel. Kol. Kombes. "
    "Letjen. Mayjen. Ny. PT. Pol. Prov. RT. RW. Rp. Sdr. Sdri. Tbk. Telp. Tlp. Tn. Yth. "
    "dkk. tgl. vs. Mr. Mrs. Ms. Inc. Ltd. Co. Corp."
).split()

# Abbreviations that can also end a sentence ("..., sayur, dll. Pemerintah ...").
SENTENCE_FINAL_ABBREVIATIONS = frozenset({"dll.", "dsb.", "dst.", "dkk.", "Tbk.", "Inc.", "Ltd.", "Corp."})
_TERMINALS = frozenset({".", "!", "?", "…", "..."})
_CLOSERS = frozenset({'"', "”", "'", "’", ")", "]", "»"})
_OPENERS = frozenset({'"', "“", "'", "‘", "(", "[", "«"})


@lru_cache(maxsize=1)
def _tokenizer():  # type: ignore[no-untyped-def]
    """spaCy's Indonesian tokenizer with the extra abbreviations, built once per process."""
    import spacy
    from spacy.symbols import ORTH
    from spacy.util import compile_infix_regex

    nlp = spacy.blank("id")
    for abbreviation in EXTRA_ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])
    # Keep hyphenated words whole (Kassym-Jomart, Jokowi-JK), as the Indonesian NER corpora do;
    # spaCy already keeps reduplications (kota-kota) whole through its exceptions.
    infixes = [p for p in nlp.Defaults.infixes if not re.search(p, "Kassym-Jomart")]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp.tokenizer


def tokenize(text: str) -> tuple[Token, ...]:
    """The one tokenisation used everywhere: tokens with half-open code point offsets."""
    return tuple(Token(t.text, t.idx, t.idx + len(t.text)) for t in _tokenizer()(text))


def _is_terminal(text: str) -> bool:
    return text in _TERMINALS or (len(text) > 1 and all(c in ".!?…" for c in text))


@lru_cache(maxsize=1)
def _known_abbreviations() -> frozenset[str]:
    return frozenset(key for key in _tokenizer().rules if key.endswith("."))


def _may_end_sentence(text: str) -> bool:
    """A terminal, a sentence-final abbreviation, or a word the tokenizer left its period on ("GoT.")."""
    if _is_terminal(text) or text in SENTENCE_FINAL_ABBREVIATIONS:
        return True
    return len(text) > 2 and text.endswith(".") and "." not in text[:-1] and text not in _known_abbreviations()


def _is_trailing_group(tokens: tuple[Token, ...], first: int) -> bool:
    """True if tokens[first:] is one short bracketed group, like a closing "(ant/rdk)" byline."""
    rest = tokens[first:]
    return (
        2 < len(rest) <= 8
        and rest[0].text in ("(", "[")
        and rest[-1].text in (")", "]")
        and not any(t.text in "()[]" for t in rest[1:-1])
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
    ranges: list[tuple[int, int]] = []
    first = 0
    i = 0
    n = len(tokens)
    while i < n:
        token = tokens[i]
        if not _may_end_sentence(token.text):
            i += 1
            continue
        last = i
        # Absorb further terminals and closing quotes or brackets attached to this one.
        while last + 1 < n and tokens[last + 1].start == tokens[last].end and (
            _is_terminal(tokens[last + 1].text) or tokens[last + 1].text in _CLOSERS
        ):
            last += 1
        nxt = last + 1
        if (
            nxt < n
            and tokens[nxt].start > tokens[last].end  # whitespace between the sentences
            and (
                _starts_sentence(tokens[nxt].text, tokens[nxt + 1].text if nxt + 1 < n else None)
                or _is_trailing_group(tokens, nxt)
            )
        ):
            ranges.append((first, nxt))
            first = nxt
        i = nxt
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
        tokens = tokenize(paragraph)
        for first, last in split_sentences(paragraph, tokens):
            start, end = tokens[first].start, tokens[last - 1].end
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
                    tokens=tuple(Token(t.text, t.start - start, t.end - start) for t in tokens[first:last]),
                )
            )
    return sentences
