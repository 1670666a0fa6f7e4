"""What the event model knows before it learns: trigger stems from the corpus and the lexicon,
the lexicon's types per stem, and the multi-word triggers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from builder.core.tokenizer import tokenize
from builder.events.corpus import EventSentence
from builder.events.features import norms
from builder.events.lexicon import EventLexicon
from builder.events.morphology import FormIndex, stem, surface_forms


@dataclass(frozen=True)
class Vocabulary:
    """Stems that make candidates, exact forms that do too, lexicon types, multi-word triggers."""

    stems: tuple[str, ...]
    seen_forms: dict[str, str]
    lexicon_types: dict[str, tuple[str, ...]]
    phrases: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]


def _root(word: str) -> tuple[str, bool]:
    """The stem of a word, and whether the generated forms of that stem include the word."""
    root = stem(word)
    return root, word in surface_forms(root)


def build_vocabulary(sentences: Sequence[EventSentence], lexicon: EventLexicon) -> Vocabulary:
    """The vocabulary of a training set: the first word of every trigger and of every lexicon entry."""
    stems: set[str] = set()
    seen: dict[str, str] = {}
    lexicon_types: dict[str, set[str]] = defaultdict(set)
    phrase_words: dict[tuple[str, ...], set[str]] = defaultdict(set)

    def add(word: str) -> str:
        root, generated = _root(word)
        if len(root) < 3:
            return word
        stems.add(root)
        if not generated:
            seen[word] = root
        return root

    for sentence in sentences:
        for mention in sentence.events:
            words = [t.text.lower() for t in tokenize(mention.trigger)]
            add(words[0])
            if len(words) > 1:
                phrase_words[tuple(words)].add(mention.type)
    for trigger in lexicon.triggers:
        if len(trigger.parts) > 1:  # a phrase with gaps: its trigger words are candidates; the model's rules match it
            head = trigger.keys[trigger.head[0]]
            if trigger.match == "stem" and len(head) >= 3:
                stems.add(head)
            elif trigger.match == "surface":
                seen.setdefault(head, head)
            continue
        words = [t.text.lower() for t in tokenize(trigger.phrase.replace("[", " ").replace("]", " "))]
        root = add(words[0]) if trigger.match == "stem" else words[0]
        if trigger.match == "surface":
            seen.setdefault(words[0], words[0])
        if len(words) == 1:
            lexicon_types[root].update(trigger.types)
        else:
            phrase_words[tuple(words)].update(trigger.types)
    forms = FormIndex(stems, seen)
    phrases = sorted((tuple(norms(list(words), forms)), tuple(sorted(types))) for words, types in phrase_words.items())
    return Vocabulary(tuple(sorted(stems)), dict(sorted(seen.items())),
                      {k: tuple(sorted(v)) for k, v in sorted(lexicon_types.items())}, tuple(phrases))
