"""One guideline across the NER sets: the convention map learnt from doubly annotated sentences,
and the weighted training set built with it."""

from __future__ import annotations

import pytest

from builder.ner.conll import TaggedSentence
from builder.ner.harmonise import GUIDELINE_CORPUS, ConventionMap, agreement
from builder.ner.train import (
    Example,
    NerCorpus,
    convention_pairs,
    guideline_training_set,
)

PEOPLE = ["Joko Widodo", "Susilo Yudhoyono", "Jusuf Kalla", "Prabowo Subianto", "Anies Baswedan",
          "Ganjar Pranowo", "Ridwan Kamil", "Tri Rismaharini", "Sri Mulyani", "Mahfud Md"]
TITLES = ["Presiden", "Menteri", "Gubernur", "Wakil"]


def titled(title: str, person: str, *, title_inside: bool) -> TaggedSentence:
    """"<title> <person> tiba di Jakarta ." with the title inside PER (other set) or not (guideline)."""
    names = person.split()
    tokens = (title, *names, "tiba", "di", "Jakarta", ".")
    person_tags = ["B-PER"] + ["I-PER"] * (len(names) - 1)
    head = ["B-PER", *(t.replace("B-", "I-") for t in person_tags)] if title_inside else ["O", *person_tags]
    return TaggedSentence(tokens, (*head, "O", "O", "B-LOC", "O"))


def pairs_for(people: list[str]) -> list[tuple[TaggedSentence, TaggedSentence]]:
    return [(titled(t, p, title_inside=False), titled(t, p, title_inside=True)) for t in TITLES for p in people]


@pytest.fixture(scope="module")
def convention() -> ConventionMap:
    return ConventionMap.learn(pairs_for(PEOPLE[:8]))


def test_the_map_takes_titles_out_of_names_it_never_saw(convention: ConventionMap) -> None:
    unseen = pairs_for(PEOPLE[8:])
    converted = convention.convert(other for _, other in unseen)
    assert [c.tags for c in converted] == [g.tags for g, _ in unseen]
    assert agreement(unseen, convention) == {"pairs": len(unseen), "before": 0.5, "after": 1.0}


def test_learning_needs_pairs() -> None:
    with pytest.raises(ValueError, match="needs such pairs"):
        ConventionMap.learn([])


def test_training_set_rewrites_other_sets_and_weights_the_guideline() -> None:
    corpora = (NerCorpus(GUIDELINE_CORPUS, ("a.txt",), "MIT", "x", weight=3), NerCorpus("other", ("b.txt",), "MIT", "y"))
    raw = [Example(g, GUIDELINE_CORPUS) for g, _ in pairs_for(PEOPLE[:8])]
    raw += [Example(o, "other") for _, o in pairs_for(PEOPLE[:8])]
    raw += [Example(titled("Presiden", p, title_inside=True), "other") for p in PEOPLE[8:]]
    guideline = [e for e in raw if e.corpus == GUIDELINE_CORPUS]
    pairs = convention_pairs(raw, guideline)
    assert len(pairs) == len(guideline) and all(g.tokens == o.tokens for g, o in pairs)
    assert convention_pairs(raw, guideline[:3]) == pairs[:3]  # only the guideline sentences given
    only_new = raw[len(guideline) * 2 :]
    training = guideline_training_set(guideline + only_new, pairs, corpora)
    assert training.pairs == len(pairs)
    assert training.rewritten == {"other": 2}
    assert len(training.sentences) == 3 * len(guideline) + len(only_new)
    assert training.sentences[-1].tags[:2] == ("O", "B-PER")


def test_without_pairs_the_tags_are_kept() -> None:
    corpora = (NerCorpus("tiny", ("a.txt",), "MIT", "x"),)
    train = [Example(titled("Presiden", "Joko Widodo", title_inside=True), "tiny")]
    training = guideline_training_set(train, [], corpora)
    assert training.convention is None and not training.rewritten
    assert training.sentences == [train[0].sentence]


def test_weight_must_be_positive() -> None:
    with pytest.raises(ValueError, match="weight 0"):
        NerCorpus("x", ("a.txt",), "MIT", "x", weight=0)
