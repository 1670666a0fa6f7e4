"""DATE rules, the gazetteer, the event lexicon, span merging and IOB2 conversion."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.core.records import Sentence, Span
from builder.core.schema import SchemaError, load_schema
from builder.core.tokenizer import tokenize
from builder.events.lexicon import load_lexicon, parse_lexicon
from builder.ingest.segment import segment
from builder.prelabel.interface import merge_spans
from builder.prelabel.taggers.dates import DateRule
from builder.prelabel.taggers.events import LexiconEventTagger
from builder.prelabel.taggers.gazetteer import Gazetteer


def sentence(text: str) -> Sentence:
    return Sentence("s", "a", 0, 0, 0, text, tokenize(text))


@pytest.fixture(scope="module")
def events() -> LexiconEventTagger:
    return LexiconEventTagger(load_lexicon())


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("menewaskan puluhan orang pada Kamis (6/1/2022).", ["Kamis (6/1/2022)"]),
        ("Jum'at, 07 Januari 2022 pukul lima.", ["Jum'at, 07 Januari 2022"]),
        ("Sejak 7 Januari 2022 dan Maret 2023 hingga tahun 2024.", ["7 Januari 2022", "Maret 2023", "tahun 2024"]),
        ("hingga Kamis dini hari dan Senin malam.", ["Kamis dini hari", "Senin malam"]),
        ("Pada 6/1/2022 ia datang.", ["6/1/2022"]),
        ("Harga naik 2.000 rupiah seminggu sekali.", []),
        ("dua minggu lalu", []),
    ],
)
def test_date_rule(text: str, dates: list[str]) -> None:
    spans = DateRule().tag_one(sentence(text))
    assert [s.text for s in spans] == dates
    assert all(s.label == "DATE" and s.source == "rule:date.v1" and s.score for s in spans)


def test_date_regex_prefilter_matches_the_plain_alternation(examples_dir: Path) -> None:
    """The fast DATE regex (first-character check) finds exactly what the plain one does."""
    import re

    from builder.prelabel.taggers import dates

    plain = re.compile("|".join(f"(?P<p{i}>(?<![\\w/]){p}(?![\\w/]))" for i, (p, _) in enumerate(dates.PATTERNS)))
    texts = [path.read_text(encoding="utf-8") for path in sorted(examples_dir.iterdir())]
    texts += ["Jum'at, 07 Januari 2022 pukul 05.52", "awal Maret 2023; pertengahan Mei 2020", "Ahad pagi, 6/1/2022",
              "tahun 2019 dan 14 Agt 2021", "Minggu (7/1) malam", "x/6/1/2022", "Nopember 1999, Pebruari 2000",
              "Oktober 2021 Desember 2020 Februari 2001 April 2002 Juli 2003 Juni 2004 September 2005"]
    found = 0
    for text in texts:
        fast = [(m.start(), m.end(), m.lastgroup) for m in dates._REGEX.finditer(text)]
        assert fast == [(m.start(), m.end(), m.lastgroup) for m in plain.finditer(text)]
        found += len(fast)
    assert found > 20


def test_gazetteer_longest_match_case_sensitive() -> None:
    spans = Gazetteer().tag_one(sentence("Amerika Serikat dan Jawa Barat, bukan jawa atau Amerika Latin."))
    assert [(s.text, s.label) for s in spans] == [
        ("Amerika Serikat", "LOC"), ("Jawa Barat", "LOC"), ("Amerika Latin", "LOC")
    ]


def test_gazetteer_custom_names() -> None:
    tagger = Gazetteer(["Kota Baru"], label="LOC", name="gazetteer:test.v1")
    assert [s.text for s in tagger.tag_one(sentence("Di Kota Baru."))] == ["Kota Baru"]


@pytest.mark.parametrize(
    ("text", "types", "triggers"),
    [
        ("Lebih dari 2.000 orang ditangkap.", ["Justice.Arrest-Jail"], ["ditangkap"]),
        ("Polisi menangkap dua orang; penangkapan itu sah.", ["Justice.Arrest-Jail"], ["menangkap", "penangkapan"]),
        ("Kerusuhan pecah, menewaskan puluhan orang.", ["Conflict.Attack", "Life.Die"], ["Kerusuhan", "menewaskan"]),
        ("Ia mengundurkan diri tiga tahun lalu.", ["Personnel.End-Position"], ["mengundurkan diri"]),
        ("Ratusan buruh berunjuk rasa.", ["Conflict.Demonstrate"], ["berunjuk rasa"]),
        # peN- without -an names a person (GUIDELINES §2): the killer, the protesters, the buyer
        ("Polisi menangkap pembunuh itu di antara pengunjuk rasa.", ["Justice.Arrest-Jail"], ["menangkap"]),
        ("Pembunuhan itu terjadi malam hari.", ["Conflict.Attack", "Life.Die"], ["Pembunuhan", "Pembunuhan"]),
        ("Tokayev dilantik menjadi presiden.", ["Personnel.Start-Position"], ["dilantik"]),
        ("Terdakwa divonis bebas oleh hakim.", ["Justice.Acquit"], ["divonis bebas"]),
        ("Dua jenazah ditemukan di sungai.", [], []),  # ditemukan shares the stem of bertemu
        ("Tiba-tiba hujan turun.", [], []),
        ("Mereka mendirikan sekolah.", ["Business.Start-Org"], ["mendirikan"]),
    ],
)
def test_event_lexicon(events: LexiconEventTagger, text: str, types: list[str], triggers: list[str]) -> None:
    labels, spans = events.tag_one(sentence(text))
    assert [e.label for e in labels] == types
    assert [s.text for s in spans] == triggers
    assert all(s.source == "lexicon:events.v1" and 0 < s.score <= 1 for s in spans)


def test_lexicon_types_must_be_in_schema() -> None:
    lexicon = parse_lexicon('name = "x"\n[[entries]]\ntypes = ["Life.Dye"]\nwords = ["tewas"]', "x.toml")
    with pytest.raises(SchemaError, match=r"trigger 'tewas' maps to Life.Dye, which the schema 'id_news' does not"):
        lexicon.validate(load_schema())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[entries]]\ntypes = ["Life.Die"]\nwords = ["x"]\nmatch = "regex"', r"match = 'regex'; use 'stem' or"),
        ('[[entries]]\ntypes = ["Life.Die"]\nwords = ["x"]\nscore = 2', r"score 2.0; give a number from 0 to 1"),
        ('[[entries]]\ntypes = ["Life.Die"]', r"entry 1 needs both 'types' and 'words'"),
    ],
)
def test_lexicon_errors(body: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        parse_lexicon(body, "x.toml")


def test_merge_spans_priority_and_overlap() -> None:
    first = [Span(0, 5, "DATE", "Kamis", "rule")]
    second = [Span(0, 10, "PER", "Kamis Budi", "model"), Span(11, 15, "LOC", "Bali", "model")]
    third = [Span(11, 15, "ORG", "Bali", "gaz"), Span(20, 24, "LOC", "Jawa", "gaz")]
    merged = merge_spans([first, second, third])
    assert [(s.label, s.source) for s in merged] == [("DATE", "rule"), ("LOC", "model"), ("LOC", "gaz")]


def test_seed_article_event_example(seed_text: str, events: LexiconEventTagger) -> None:
    from builder.ingest.read import read_text_page

    sentences = segment(read_text_page(seed_text, "seed.txt"))
    arrested = next(s for s in sentences if s.text == "Lebih dari 2.000 orang ditangkap.")
    labels, _ = events.tag_one(arrested)
    assert [e.label for e in labels] == ["Justice.Arrest-Jail"]
