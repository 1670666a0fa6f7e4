"""Sentence splitting: each Indonesian rule, and exact offsets into the article body."""

from __future__ import annotations

import pytest

from builder.core.records import Article
from builder.core.tokenizer import tokenize
from builder.ingest.segment import segment, split_sentences


def sentences_of(text: str) -> list[str]:
    tokens = tokenize(text)
    return [text[tokens[a].start : tokens[b - 1].end] for a, b in split_sentences(text, tokens)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # abbreviations do not end sentences
        (
            "Dr. Budi, S.H., M.Si. tinggal di Jl. Sudirman No. 5 bersama Prof. Ani. Ia lahir di Bandung.",
            ["Dr. Budi, S.H., M.Si. tinggal di Jl. Sudirman No. 5 bersama Prof. Ani.", "Ia lahir di Bandung."],
        ),
        ("Bayar Rp. 5.000 a.n. Budi. Lalu pulang.", ["Bayar Rp. 5.000 a.n. Budi.", "Lalu pulang."]),
        # dll./dsb. end a sentence only when a capitalised word follows
        ("Ada beras, gula, dll. Pemerintah siap.", ["Ada beras, gula, dll.", "Pemerintah siap."]),
        ("Ada beras, gula, dsb. yang dibagikan.", ["Ada beras, gula, dsb. yang dibagikan."]),
        # thousands separators, decimals, dates, times
        ("Lebih dari 2.000 orang ditangkap, naik 2,5 persen. Itu data.", ["Lebih dari 2.000 orang ditangkap, naik 2,5 persen.", "Itu data."]),
        ("Terjadi pada Kamis (6/1/2022) pukul 10.30 WIB. Polisi datang.", ["Terjadi pada Kamis (6/1/2022) pukul 10.30 WIB.", "Polisi datang."]),
        # an ellipsis inside a quotation does not end the sentence
        ('"Ini serangan terhadap saya... untuk membantu," katanya.', ['"Ini serangan terhadap saya... untuk membantu," katanya.']),
        ("Saya tidak tahu... Lalu dia pergi.", ["Saya tidak tahu...", "Lalu dia pergi."]),
        # closing quotes after a comma or a period stay with their sentence
        ('"Stok aman," ujarnya. "Kami siap." Dia tersenyum.', ['"Stok aman," ujarnya.', '"Kami siap."', "Dia tersenyum."]),
        ("Ia berkata “cukup.” Lalu diam.", ["Ia berkata “cukup.”", "Lalu diam."]),
        ("Apa?! Ya!! Tentu.", ["Apa?!", "Ya!!", "Tentu."]),
        # the dateline stays in the first sentence
        ("ALMATY – Kerusuhan pecah. Polisi datang.", ["ALMATY – Kerusuhan pecah.", "Polisi datang."]),
        # a closing initials group is its own piece
        ("Polisi masih menyelidiki. (ant/rdk)", ["Polisi masih menyelidiki.", "(ant/rdk)"]),
        # a lower-case word after a period does not start a sentence
        ("Harga naik 5 persen. dan terus naik.", ["Harga naik 5 persen. dan terus naik."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sentences_of(text) == expected


def test_segment_offsets_into_body_and_sentence(seed_text: str) -> None:
    body = "Paragraf satu. Kalimat dua 😀.\n\nParagraf \"dua\" di sini. Selesai."
    article = Article(id="a1", title="t", body=body)
    sentences = segment(article)
    assert [s.text for s in sentences] == ["Paragraf satu.", "Kalimat dua 😀.", 'Paragraf "dua" di sini.', "Selesai."]
    assert [s.paragraph for s in sentences] == [0, 0, 1, 1]
    assert [s.index for s in sentences] == [0, 1, 2, 3]
    for sentence in sentences:
        assert body[sentence.start : sentence.start + len(sentence.text)] == sentence.text
        for token in sentence.tokens:
            assert sentence.text[token.start : token.end] == token.text
        # the one tokenisation: re-tokenising the sentence gives the same tokens
        assert tokenize(sentence.text) == sentence.tokens


def test_sentence_ids_are_stable_and_follow_text() -> None:
    first = segment(Article(id="a1", title="", body="Satu dua. Tiga empat."))
    again = segment(Article(id="a1", title="", body="Satu dua. Tiga empat."))
    edited = segment(Article(id="a1", title="", body="Satu dua. Tiga lima."))
    assert [s.id for s in first] == [s.id for s in again]
    assert first[0].id == edited[0].id
    assert first[1].id != edited[1].id
