"""The trigger lexicon: affixed forms through the FormIndex, phrases with gaps and their trigger words."""

from __future__ import annotations

import pytest

from builder.core.schema import SchemaError
from builder.core.tokenizer import tokenize
from builder.events.lexicon import load_lexicon, parse_lexicon

LEXICON = parse_lexicon('''
name = "lexicon:test"
[[entries]]
types = ["Justice.Appeal"]
words = ["aju ... [banding]"]
[[entries]]
types = ["Justice.Sentence"]
words = ["jatuh ... [vonis]", "jatuh ... [hukuman]"]
gap = 2
[[entries]]
types = ["Justice.Charge-Indict"]
words = ["tetapkan ... tersangka"]
gap = 4
[[entries]]
types = ["Personnel.End-Position"]
words = ["[mundur] dari ... jabatan"]
[[entries]]
types = ["Justice.Arrest-Jail"]
words = ["tangkap"]
''', "test.toml")


def found(text: str, lexicon=LEXICON) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    words = [t.text for t in tokenize(text)]
    return [(" ".join(words[a:b]), t) for a, b, trigger in lexicon.find_words(words) for t in trigger.types]


@pytest.mark.parametrize(("text", "expected"), [
    # the light verb in any of its affixed forms, the event noun as the trigger, with or without words between
    ("Jaksa mengajukan banding.", [("banding", "Justice.Appeal")]),
    ("Jaksa akan mengajukan memori banding ke pengadilan tinggi.", [("banding", "Justice.Appeal")]),
    ("Banding diajukan kemarin.", []),  # the order of the phrase is kept
    ("Hakim menjatuhkan vonis 5 tahun.", [("vonis", "Justice.Sentence")]),
    ("Ia dijatuhi hukuman.", [("hukuman", "Justice.Sentence")]),
    ("Ia dijatuhi pula hukumannya.", [("hukumannya", "Justice.Sentence")]),
    # a fixed multi-word trigger with a gap is the trigger as a whole
    ("KPK menetapkan tiga orang tersangka.", [("menetapkan tiga orang tersangka", "Justice.Charge-Indict")]),
    ("Ia ditetapkan sebagai tersangka.", [("ditetapkan sebagai tersangka", "Justice.Charge-Indict")]),
    # the bracketed word may come first
    ("Ia mundur dari jabatannya.", [("mundur", "Personnel.End-Position")]),
    ("Ia mundur dari kursi jabatannya.", [("mundur", "Personnel.End-Position")]),
    ("Polisi menangkap dan menahan pelaku.", [("menangkap", "Justice.Arrest-Jail")]),
])
def test_phrases_with_gaps(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_a_gap_is_bounded_and_stays_in_its_clause() -> None:
    assert found("Hakim menjatuhkan dua tahun vonis.") == [("vonis", "Justice.Sentence")]  # two words: allowed
    assert found("Hakim menjatuhkan dua tahun lagi vonis.") == []  # three words: more than gap = 2
    assert found("Ia mengajukan izin, lalu banding.") == []  # never across a comma
    assert found("Ia jatuh; vonis dibacakan.") == []


def test_the_packaged_lexicon_has_the_guidelines_light_verb_phrases() -> None:
    lexicon = load_lexicon()
    assert found("Kuasa hukumnya mengajukan permohonan banding.", lexicon) == [("banding", "Justice.Appeal")]
    assert ("vonis", "Justice.Sentence") in found("Majelis hakim menjatuhkan vonis berat kepada terdakwa.", lexicon)
    assert found("Terdakwa menjalani sidang perdana.", lexicon) == [("sidang", "Justice.Trial-Hearing")]


@pytest.mark.parametrize(("phrase", "message"), [
    ("... banding", r"'\.\.\.' at its start"),
    ("aju ...", "no '...' at the end"),
    ("[aju] [banding]", "one pair of brackets"),
    ("aju [... banding]", "inside brackets"),
])
def test_bad_phrases_name_the_entry(phrase: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        parse_lexicon(f'[[entries]]\ntypes = ["Justice.Appeal"]\nwords = ["{phrase}"]', "x.toml")


def test_a_bad_gap_names_the_entry() -> None:
    with pytest.raises(SchemaError, match=r"entry 1 has gap = 0; give a whole number of words from 1 to 10"):
        parse_lexicon('[[entries]]\ntypes = ["Justice.Appeal"]\nwords = ["aju ... banding"]\ngap = 0', "x.toml")


@pytest.mark.parametrize(("text", "expected"), [
    ("Kerusuhan pecah di ibu kota.", [("Kerusuhan", "Conflict.Attack")]),
    ("Mereka menghentikan kekerasannya.", [("kekerasannya", "Conflict.Attack")]),
    ("Rusia mengirimkan ribuan pasukannya ke sana.", [("mengirimkan", "Movement.Transport")]),
    ("Pemerintah mengerahkan 500 personel ke lokasi.", [("mengerahkan", "Movement.Transport")]),
    ("Ia mengirim surat kepada presiden.", [("mengirim surat", "Contact.Phone-Write")]),
])
def test_the_packaged_lexicon_has_nominal_violence_and_troop_movements(text: str,
                                                                       expected: list[tuple[str, str]]) -> None:
    words = [t.text for t in tokenize(text)]
    found = [(" ".join(words[a:b]), t) for a, b, trigger in load_lexicon().find_words(words) for t in trigger.types]
    assert found == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Partai itu didirikan pada 1998.", [("didirikan", "Business.Start-Org")]),
    ("Mereka mendirikan sebuah perusahaan rintisan.", [("mendirikan", "Business.Start-Org")]),
])
def test_the_packaged_lexicon_reads_founding_from_the_organisation_noun(text: str,
                                                                       expected: list[tuple[str, str]]) -> None:
    words = [t.text for t in tokenize(text)]
    found = [(" ".join(words[a:b]), t, trigger.phrase) for a, b, trigger in load_lexicon().find_words(words)
             for t in trigger.types]
    assert [f[:2] for f in found] == expected
    assert all("..." in phrase for *_, phrase in found)  # the phrase with the organisation noun, not the bare verb


def test_a_sentence_without_a_first_or_a_last_word_of_any_trigger_is_skipped_but_matches_still_do() -> None:
    # the quick checks (a word that may begin a match, a word that may end one) skip sentences, never matches:
    # the last word may be any affixed form of a stem entry's last stem
    assert found("Jaksa mengajukan permohonan.") == []  # a light verb, no event noun
    assert found("Ia ditetapkan sebagai tersangka.") == [("ditetapkan sebagai tersangka", "Justice.Charge-Indict")]
    assert found("Ia ditetapkan sebagai tersangkanya.") == [
        ("ditetapkan sebagai tersangkanya", "Justice.Charge-Indict")]
    assert found("Hakim menjatuhkan hukuman.") == [("hukuman", "Justice.Sentence")]
    assert found("Polisi menangkapnya.") == [("menangkapnya", "Justice.Arrest-Jail")]
