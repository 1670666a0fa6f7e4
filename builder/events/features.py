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


#: The kinds of feature that are a fixed prefix and a value (a word, a stem, an affix, a type, True/False).
KINDS = ("s=", "w=", "aff=", "p1=", "n1=", "p2=", "n2=", "cap=", "ncap=", "lex=", "lexph=", "c=", "cs=")
#: The kinds that pair a candidate's stem with a value: `s=<stem>|<kind>=<value>`.
STEM_KINDS = ("aff", "p1", "n1", "cap", "ncap", "p1s")


class FeatureColumns:
    """A model's feature index split by kind of feature: for each kind (`c=`, `p1=`, `s=<stem>|p1=`, ...), the
    column of each value, so that a candidate's columns are found by looking up its words as they are (their
    strings already hashed) rather than by writing out and hashing each feature string.

    Exact by construction: a value is in a kind's table when kind + value is a feature of the index."""

    def __init__(self, index: Mapping[str, int]) -> None:
        self.kinds: tuple[dict[str, int], ...] = tuple({} for _ in KINDS)
        self.first = index.get("first")
        self._with_stem: dict[str, tuple[dict[str, int], ...]] = {}
        self._none: tuple[dict[str, int], ...] = tuple({} for _ in STEM_KINDS)
        by_kind = dict(zip(KINDS, self.kinds, strict=True))
        for feature, column in index.items():
            # Each kind is a name and one "=", so the feature's text up to its first "=" says its kind.
            name, equals, value = feature.partition("=")
            table = by_kind.get(name + equals)
            if table is not None:
                table[value] = column
            if name == "s":  # s=<stem>|<kind>=<value>, split at each "|" (a stem might hold one)
                bar = feature.find("|")
                while bar >= 0:
                    rest = feature[bar + 1:]
                    for number, kind in enumerate(STEM_KINDS):
                        if rest.startswith(kind + "="):
                            tables = self._with_stem.setdefault(feature[2:bar], tuple({} for _ in STEM_KINDS))
                            tables[number][rest[len(kind) + 1:]] = column
                    bar = feature.find("|", bar + 1)

    def with_stem(self, stem: str) -> tuple[dict[str, int], ...]:
        """The tables of the STEM_KINDS for one stem (empty where the model has no such feature)."""
        return self._with_stem.get(stem, self._none)


def candidate_columns(places: Sequence[int], forms: Sequence[Form | None], texts: Sequence[str],
                      lowers: Sequence[str], lexicon_types: Mapping[str, tuple[str, ...]],
                      in_phrase: Sequence[tuple[str, ...]], keys: Sequence[str],
                      columns: FeatureColumns) -> list[list[int]]:
    """For each candidate i of a sentence (in `places`, a form `forms[i]`), the columns of
    `candidate_features(i, forms[i], ...)` that the model has, in the same order: the same features, each
    looked up in its kind's table (keep the two functions in step; tests/events/test_features.py checks)."""
    n = len(lowers)
    (by_stem, by_word, by_affix, by_prev1, by_next1, by_prev2, by_next2, by_cap, by_next_cap, by_lex, by_phrase,
     by_context, by_context_stem) = columns.kinds
    # The c= and cs= columns of the sentence's words, looked up once for the candidates' windows to share; a
    # word has a cs= feature only where it is a form of a known stem, that is at a candidate.
    context = list(map(by_context.get, lowers))
    context_stems: list[int | None] = [None] * n
    for j in places:
        if keys[j] != lowers[j]:
            context_stems[j] = by_context_stem.get(keys[j])
    with_stem, no_stem = columns._with_stem.get, columns._none  # `columns.with_stem`, bound once
    out = []
    for i in places:
        form = forms[i]
        stem, affix = form.stem, f"{form.prefix}+{form.suffix}"  # type: ignore[union-attr]
        prev1 = lowers[i - 1] if i > 0 else "<s>"
        prev2 = lowers[i - 2] if i > 1 else "<s>"
        next1 = lowers[i + 1] if i + 1 < n else "</s>"
        next2 = lowers[i + 2] if i + 2 < n else "</s>"
        cap = "True" if texts[i][:1].isupper() else "False"
        next_cap = "True" if i + 1 < n and texts[i + 1][:1].isupper() else "False"
        stem_affix, stem_prev1, stem_next1, stem_cap, stem_next_cap, stem_prev_key = with_stem(stem, no_stem)
        found = [
            by_stem.get(stem), by_word.get(lowers[i]), by_affix.get(affix), stem_affix.get(affix),
            by_prev1.get(prev1), by_next1.get(next1), by_prev2.get(prev2), by_next2.get(next2),
            stem_prev1.get(prev1), stem_next1.get(next1),
            by_cap.get(cap), stem_cap.get(cap), by_next_cap.get(next_cap), stem_next_cap.get(next_cap),
        ]
        if i == 0:
            found.append(columns.first)
        types = lexicon_types.get(stem)
        if types:
            found += [by_lex.get(t) for t in types]
        if in_phrase[i]:
            found += [by_phrase.get(t) for t in in_phrase[i]]
        low, high = i - WINDOW if i > WINDOW else 0, i + WINDOW + 1 if i + WINDOW + 1 < n else n
        found += context[low:i]
        found += context[i + 1 : high]
        if keys:
            found += context_stems[low:i]
            found += context_stems[i + 1 : high]
            found.append(stem_prev_key.get(keys[i - 1] if i > 0 else "<s>"))
        out.append([c for c in found if c is not None])
    return out
