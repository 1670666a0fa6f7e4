"""The one tokenizer: Indonesian token rules and exact code point offsets."""

from __future__ import annotations

import pytest

from builder.core.tokenizer import tokenize


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
