"""Sentence splitting and tokenisation: each Indonesian rule, and exact offsets."""

from __future__ import annotations

import pytest

from builder.core.records import Article
from builder.ingest.segment import segment, split_sentences, tokenize


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


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("kota-kota 2.000 2,5 6/1/2022", ["kota-kota", "2.000", "2,5", "6", "/", "1", "/", "2022"]),
        ("Kassym-Jomart Jokowi-JK U-19", ["Kassym-Jomart", "Jokowi-JK", "U", "-", "19"]),
        ("Dr. Jl. Rp. S.H. M.Si. dll.", ["Dr.", "Jl.", "Rp.", "S.H.", "M.Si.", "dll."]),
        ('"Ya," katanya.', ['"', "Ya", ",", '"', "katanya", "."]),
        # a date's closing bracket is its own token (spaCy 3.8 merged "8)" as an emoticon)
        ("Minggu (21/8) pukul 10.30 WIB.", ["Minggu", "(", "21", "/", "8", ")", "pukul", "10.30", "WIB", "."]),
        # money, units, percentages; a lone capital keeps its period, as initials do
        (
            "Rp5.000, Rp. 5.000, US$385, 10km, 2,5%, 4G.",
            ["Rp", "5.000", ",", "Rp.", "5.000", ",", "US$", "385", ",", "10", "km", ",", "2,5", "%", ",", "4G."],
        ),
        # clitics and apostrophes
        ("Jokowi-nya, Tuhan-Mu, Newell's, Jum'at", ["Jokowi", "-nya", ",", "Tuhan", "-Mu", ",", "Newell", "'s", ",", "Jum'at"]),
        # e-mail addresses and URLs stay whole, without the sentence's closing period
        (
            "Tulis ke humas@kemenkeu.go.id atau https://kemenkeu.go.id/a?id=5.",
            ["Tulis", "ke", "humas@kemenkeu.go.id", "atau", "https://kemenkeu.go.id/a?id=5", "."],
        ),
        (
            "H. Ahmad, S.H., dari PT. Maju Tbk. (ant/rdk)",
            ["H.", "Ahmad", ",", "S.H.", ",", "dari", "PT.", "Maju", "Tbk.", "(", "ant", "/", "rdk", ")"],
        ),
        # an abbreviation glued to the next word still keeps its period
        ("Jl.Sudirman, Prof.Dr. Ani", ["Jl.", "Sudirman", ",", "Prof.", "Dr.", "Ani"]),
        ("tunggu... lalu… Apa?!", ["tunggu", "...", "lalu", "…", "Apa", "?", "!"]),
        # punctuation glued between words is split off
        ('Kamis(6/1) "Ya,"kata dia--yang', ["Kamis", "(", "6", "/", "1", ")", '"', "Ya", ",", '"', "kata", "dia", "-", "-", "yang"]),
        # an emoji sequence (skin tone, flag, zero-width joiner) is one token
        ("👍🏽 🇮🇩 👨\u200d👩\u200d👧 😀😀", ["👍🏽", "🇮🇩", "👨\u200d👩\u200d👧", "😀", "😀"]),
        # combining marks stay on their letter; any whitespace separates tokens
        ("Jose\u0301 Mourinho\u00a0datang\tke\nJakarta", ["Jose\u0301", "Mourinho", "datang", "ke", "Jakarta"]),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert [t.text for t in tokenize(text)] == tokens


def test_token_offsets_are_code_points_with_astral_characters() -> None:
    text = "Akun @warga menulis 🎢😭 lalu 👨‍👩‍👧 pergi ke 𝕏 😀."
    tokens = tokenize(text)
    for token in tokens:
        assert text[token.start : token.end] == token.text
    assert [t.text for t in tokens][:5] == ["Akun", "@warga", "menulis", "🎢", "😭"]
    assert [t.text for t in tokens][-3:] == ["𝕏", "😀", "."]
    assert tokens[-1].start == len(text) - 1


TRICKY_TEXTS = [
    "Akun @warga menulis 🎢😭 lalu 👨\u200d👩\u200d👧 pergi ke 𝕏 😀.",
    "👍🏽👍🏿🇮🇩🏳\ufe0f\u200d🌈 1\ufe0f\u20e3 ❤\ufe0f❤",
    "Harga\u00a0naik\u00a0\u00a02,5%\tdi\tJakarta.\nLalu\r\nturun \u2009 lagi\u3000ya",
    "Jose\u0301 Mourinho, Ame\u0301lie, \u0301awal, n\u0303\u0303, e\u0301.",
    "Kata\u200bitu \u200e(15/9/2016).\u200e \ufeffBOM \u00adlunak",
    "\"Ya...\"kata--dia; (ant/rdk)(21/8):) 'tes' ’s 's H+4 C++ HD+. 10%-15 -nya Rp.5",
    "https://x.id/a_(b)). www.y.com, z.com/a?b#c... mail: a.b+c@d.co.id.",
    "\U0001d54f\U00020000\U0001f600\U0001f3fb \U0010ffff \x00\x7f\u2028\u2029",
    "", "   ", "\n\n", ".", "-", "'", "…", "a",
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_tokens_cover_every_visible_character_once(text: str) -> None:
    tokens = tokenize(text)
    position = 0
    for token in tokens:
        assert text[token.start : token.end] == token.text
        assert position <= token.start < token.end  # in order, not overlapping, not empty
        assert text[position : token.start].strip() == ""  # only whitespace is skipped
        assert not any(c.isspace() for c in token.text)
        position = token.end
    assert text[position:].strip() == ""
    assert "".join(t.text for t in tokens) == "".join(text.split())


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
