"""The document pass of the CRF tagger (one label per name in an article) and the dateline rule."""

from __future__ import annotations

import pytest

from builder.core.records import Sentence, Span, article_batches
from builder.core.tokenizer import tokenize
from builder.prelabel.taggers.dateline import DatelineRule, dateline_end
from builder.prelabel.taggers.document import ConsistencyOptions, harmonise


def sentence(text: str, article: str = "a", index: int = 0, paragraph: int = 0) -> Sentence:
    return Sentence(f"{article}{index}", article, index, paragraph, 0, text, tokenize(text))


def span(s: Sentence, text: str, label: str, score: float) -> Span:
    start = s.text.index(text)
    return Span(start, start + len(text), label, text, "model:x", score)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("ALMATY – Kerusuhan pecah di kota-kota utama.", "ALMATY"),
        ("JAKARTA, KOMPAS.com - Presiden tiba.", "JAKARTA"),
        ("KUALA LUMPUR (ANTARA) - Polisi menangkap dua orang.", "KUALA LUMPUR"),
        ("Jakarta (ANTARA) - Polisi menangkap dua orang.", "Jakarta"),
        ("KPK - lembaga itu menangkap dua orang.", ""),
        ("Presiden Joko, kata dia - bukan dateline.", ""),
        ("Polisi di Almaty mengatakan.", ""),
    ],
)
def test_dateline_end(text: str, place: str) -> None:
    tokens = [t.text for t in tokenize(text)]
    assert " ".join(tokens[: dateline_end(tokens)]) == " ".join(t.text for t in tokenize(place))


def test_dateline_rule_only_opens_the_first_paragraphs() -> None:
    early, late = sentence("ALMATY – Kerusuhan pecah.", paragraph=0), sentence("ALMATY – lagi.", paragraph=7)
    spans = DatelineRule().tag([early, late])
    assert [(s.text, s.label, s.source) for s in spans[0]] == [("ALMATY", "LOC", "rule:dateline.v1")]
    assert spans[1] == []


def test_one_label_per_name_by_summed_score_unless_sure() -> None:
    one, two, three = (sentence("Polisi di Almaty berjaga.", index=0), sentence("Almaty sepi.", index=1),
                       sentence("Warga Almaty marah.", index=2))
    other = sentence("Almaty datang.", article="b")
    spans = [[span(one, "Almaty", "LOC", 0.8)], [span(two, "Almaty", "PER", 0.6)], [span(three, "Almaty", "LOC", 0.7)],
             [span(other, "Almaty", "PER", 0.6)]]
    out = harmonise([one, two, three, other], spans, "model:x")
    assert [[(s.label, s.score) for s in row] for row in out] == [
        [("LOC", 0.8)], [("LOC", 0.6)], [("LOC", 0.7)], [("PER", 0.6)]]  # article b is left alone
    spans[1] = [span(two, "Almaty", "PER", 0.95)]  # the model is sure: context differs
    assert harmonise([one, two, three], spans[:3], "model:x")[1][0].label == "PER"


def test_recurring_names_are_tagged_with_a_discounted_score() -> None:
    first = sentence("Presiden Nursultan Nazarbayev mundur.", index=0)
    later = sentence("Nazarbayev berkuasa lama dan Nursultan Nazarbayev pergi.", index=1)
    spans = [[span(first, "Nursultan Nazarbayev", "PER", 0.9)], []]
    out = harmonise([first, later], spans, "model:x", ConsistencyOptions(propagated_discount=0.5))
    assert [(s.text, s.label, s.score) for s in out[1]] == [
        ("Nazarbayev", "PER", 0.225), ("Nursultan Nazarbayev", "PER", 0.45)]
    lower = sentence("nazarbayev kecil.", index=2)
    assert harmonise([first, lower], [spans[0], []], "model:x")[1] == []  # only capitalised mentions


def test_article_batches_never_cut_an_article() -> None:
    sentences = [sentence("a.", article=a, index=i) for a, n in (("x", 3), ("y", 4), ("z", 1)) for i in range(n)]
    batches = article_batches(sentences, 2)
    assert [[s.article_id for s in b] for b in batches] == [["x", "x", "x"], ["y", "y", "y", "y"], ["z"]]
    assert [s for b in article_batches(sentences, 100) for s in b] == sentences


def test_a_surname_alone_follows_the_full_person_name() -> None:
    first = sentence("Presiden Kassym-Jomart Tokayev berbicara.", index=0)
    later = sentence("Kremlin menggaungkan pernyataan Tokayev itu.", index=1)
    spans = [[span(first, "Kassym-Jomart Tokayev", "PER", 0.95)], [span(later, "Tokayev", "ORG", 0.52)]]
    out = harmonise([first, later], spans, "model:x")
    assert [(s.text, s.label, s.score) for s in out[1]] == [("Tokayev", "PER", 0.52)]
