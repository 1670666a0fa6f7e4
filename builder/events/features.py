"""Features of a trigger candidate: its stem and affixes, its neighbours, the lexicon's word for it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from builder.core.phrases import PhraseIndex
from builder.events.morphology import Form, FormIndex

WINDOW = 3  # words either side that go in as a bag


def norms(words: Sequence[str], forms: FormIndex) -> list[str]:
    """Each lower-cased word as its stem where it is a form of a known stem, else as it is."""
    out = []
    for word in words:
        form = forms.get(word)
        out.append(form.stem if form is not None else word)
    return out


def phrase_types(keys: Sequence[str], phrases: PhraseIndex) -> list[tuple[int, int, tuple[str, ...]]]:
    """Multi-word lexicon phrases found in a sentence: (first, last + 1, their types)."""
    return [(a, b, value) for a, b, value in phrases.find(keys)]  # type: ignore[misc]


def candidate_features(i: int, form: Form, texts: Sequence[str], lowers: Sequence[str],
                       lexicon_types: Mapping[str, tuple[str, ...]],
                       in_phrase: Sequence[tuple[str, ...]], keys: Sequence[str] = ()) -> list[str]:
    """The features of token i, a form of a known trigger stem."""
    stem, affix = form.stem, f"{form.prefix}+{form.suffix}"
    n = len(lowers)
    prev1 = lowers[i - 1] if i > 0 else "<s>"
    prev2 = lowers[i - 2] if i > 1 else "<s>"
    next1 = lowers[i + 1] if i + 1 < n else "</s>"
    next2 = lowers[i + 2] if i + 2 < n else "</s>"
    next_cap = i + 1 < n and texts[i + 1][:1].isupper()
    feats = [
        f"s={stem}", f"w={lowers[i]}", f"aff={affix}", f"s={stem}|aff={affix}",
        f"p1={prev1}", f"n1={next1}", f"p2={prev2}", f"n2={next2}",
        f"s={stem}|p1={prev1}", f"s={stem}|n1={next1}",
        f"cap={texts[i][:1].isupper()}", f"s={stem}|cap={texts[i][:1].isupper()}",
        f"ncap={next_cap}", f"s={stem}|ncap={next_cap}",
    ]
    if i == 0:
        feats.append("first")
    feats += [f"lex={t}" for t in lexicon_types.get(stem, ())]
    feats += [f"lexph={t}" for t in in_phrase[i]]
    feats += [f"c={lowers[j]}" for j in range(max(0, i - WINDOW), min(n, i + WINDOW + 1)) if j != i]
    if keys:  # neighbours that are forms of known stems, as their stems (ditahan, penahanan → tahan)
        feats += [f"cs={keys[j]}" for j in range(max(0, i - WINDOW), min(n, i + WINDOW + 1))
                  if j != i and keys[j] != lowers[j]]
        feats.append(f"s={stem}|p1s={keys[i - 1] if i > 0 else '<s>'}")
    return feats
