"""The CoNLL reader, the shipped CRF NER model and a tiny training run (no ../shared needed)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from builder.ner.conll import TaggedSentence, parse_conll, read_conll, to_iob2
from builder.ner.crf import MODEL_NAME, CrfNerModel, lexicon_path
from builder.ner.features import EntityLexicon
from builder.ner.train import CrfParams, Example, NerCorpus, deduplicate, train_ner

TAB_CRLF = "Joko\tB-PERSON\r\nWidodo\tI-PERSON\r\nke\tO\r\nBandung\tB-LOCATION\r\n\r\nIa\tO\r\n"
SPACE_3COL = "-DOCSTART- -X- O\n\nDi ADP O\nPPP PROPN B-ORG\nterdapat VERB O\n"


def entities(tokens: list[str], tags: tuple[str, ...]) -> list[tuple[str, str]]:
    """(text, label) of the IOB2 entities, for readable assertions."""
    out: list[tuple[str, str]] = []
    for token, tag in zip(tokens, tags, strict=True):
        if tag.startswith("B-"):
            out.append((token, tag[2:]))
        elif tag.startswith("I-") and out:
            out[-1] = (f"{out[-1][0]} {token}", out[-1][1])
    return out


def test_tab_separated_crlf_with_label_mapping(tmp_path: Path) -> None:
    path = tmp_path / "ugm.txt"
    path.write_bytes(TAB_CRLF.encode("utf-8"))
    first, second = read_conll(path)
    assert first.tokens == ("Joko", "Widodo", "ke", "Bandung")
    assert first.tags == ("B-PER", "I-PER", "O", "B-LOC")
    assert first.origin == f"{path}:1"
    assert second.tokens == ("Ia",) and second.tags == ("O",)


def test_space_separated_three_columns_skips_docstart() -> None:
    (sentence,) = parse_conll(SPACE_3COL.splitlines(keepends=True))
    assert sentence.tokens == ("Di", "PPP", "terdapat")
    assert sentence.tags == ("O", "B-ORG", "O")


@pytest.mark.parametrize(
    ("label", "expected"),
    [("PERSON", "PER"), ("ORGANIZATION", "ORG"), ("ORGANISATION", "ORG"), ("PLACE", "LOC"),
     ("LOCATION", "LOC"), ("TIME", None), ("QUANTITY", None)],
)  # fmt: skip
def test_default_label_map(label: str, expected: str | None) -> None:
    (sentence,) = parse_conll([f"Senin\tB-{label}\n"])
    assert sentence.tags == ((f"B-{expected}",) if expected else ("O",))


def test_custom_label_map_and_no_map() -> None:
    lines = ["Kamis\tB-TIME\n", "pagi\tI-TIME\n"]
    (mapped,) = parse_conll(lines, label_map={"TIME": "DATE"})
    assert mapped.tags == ("B-DATE", "I-DATE")
    (kept,) = parse_conll(lines, label_map=None)
    assert kept.tags == ("B-TIME", "I-TIME")


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["I-PER", "I-PER", "O", "I-LOC"], ("B-PER", "I-PER", "O", "B-LOC")),  # IO
        (["I-PER", "B-PER", "I-PER"], ("B-PER", "B-PER", "I-PER")),  # IOB1 adjacent names
        (["B-ORG", "I-LOC"], ("B-ORG", "B-LOC")),
        (["B-PER", "I-PER"], ("B-PER", "I-PER")),  # IOB2 unchanged
    ],
)
def test_iob1_and_io_become_iob2(tags: list[str], expected: tuple[str, ...]) -> None:
    assert to_iob2(tags) == expected


def test_iob1_file_is_read_as_iob2() -> None:
    (sentence,) = parse_conll(["Sjahril I-PER\n", "dan O\n", "Haposan I-PER\n"])
    assert sentence.tags == ("B-PER", "O", "B-PER")


@pytest.mark.parametrize(
    ("line", "number"),
    [("Jakarta\n", 2), ("Jakarta\tX-LOC\n", 2), ("Jakarta\tB-\n", 2), ("\tB-LOC\n", 2)],
)
def test_malformed_line_names_file_and_line(line: str, number: int) -> None:
    with pytest.raises(ValueError, match=rf"bad\.txt:{number}: expected 'token"):
        list(parse_conll(["di\tO\n", line], name="bad.txt"))


def test_sentence_rejects_length_mismatch() -> None:
    with pytest.raises(ValueError, match="has 2 tokens but 1 tags"):
        TaggedSentence(("a", "b"), ("O",), "x.txt:1")


@pytest.fixture(scope="module")
def model() -> CrfNerModel:
    return CrfNerModel.load()


def test_packaged_model_tags_an_obvious_sentence(model: CrfNerModel) -> None:
    tokens = ["Presiden", "Joko", "Widodo", "mengunjungi", "Surabaya", "bersama", "Kementerian", "Keuangan", "."]
    ((tags, scores),) = model.predict([tokens])
    assert entities(tokens, tags) == [
        ("Joko Widodo", "PER"),
        ("Surabaya", "LOC"),
        ("Kementerian Keuangan", "ORG"),
    ]
    assert len(scores) == len(tokens)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert model.name == MODEL_NAME == "id_news.ner.crf.v2"
    assert set(model.labels) <= {"O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"}


def test_predict_handles_empty_and_rejects_strings(model: CrfNerModel) -> None:
    assert model.predict([[]]) == [((), ())]
    with pytest.raises(TypeError, match="list of token lists"):
        model.predict(["Presiden Joko Widodo"])  # type: ignore[list-item]


def example_token_lists() -> list[list[str]]:
    """Every sentence of the bundled example articles, as token lists."""
    from builder.ingest.read import read_file
    from builder.ingest.segment import segment

    examples = Path(__file__).resolve().parents[2] / "examples"
    out = []
    for path in sorted(examples.iterdir()):
        for article in read_file(path, notify=lambda notice: None):
            out += [[t.text for t in s.tokens] for s in segment(article)]  # type: ignore[union-attr]
    return out


def test_fast_decoder_equals_crfsuite_on_the_examples(model: CrfNerModel) -> None:
    sentences = example_token_lists()
    sentences += [["Jakarta"], ["Joko", "Widodo"], ["ÉMILE", "Zola", "ke", "São", "Paulo"], ["Kota", "kota-kota", "|", "a|b"]]
    assert len(sentences) > 60
    fast, reference = model.predict(sentences), model.predict_reference(sentences)
    assert [t.tags for t in fast] == [t.tags for t in reference]
    assert sum(tag != "O" for t in fast for tag in t.tags) > 50  # the examples do have entities
    for f, r in zip(fast, reference, strict=True):
        assert f.scores == pytest.approx(r.scores, abs=1e-4)


def test_dump_parser_reads_what_pycrfsuite_reads(model: CrfNerModel) -> None:
    from builder.ner.fastcrf import _file_key, _read_weights

    labels, state_features, transitions = _read_weights(*_file_key(model.path))
    info = model._tagger.info()
    assert labels == tuple(model._tagger.labels())
    assert state_features == info.state_features and len(state_features) > 50_000
    assert transitions == info.transitions


def test_fast_decoder_is_the_same_in_any_batch(model: CrfNerModel) -> None:
    sentences = example_token_lists()
    together = model.predict(sentences)
    one_by_one = [model.predict([s])[0] for s in sentences]
    assert together == one_by_one  # scores too, to the last bit: releases must be reproducible


def test_model_pickles_by_reopening_its_file(model: CrfNerModel) -> None:
    clone = pickle.loads(pickle.dumps(model))
    tokens = ["Gubernur", "Ridwan", "Kamil", "tiba", "di", "Bandung", "."]
    assert clone.predict([tokens])[0].tags == model.predict([tokens])[0].tags


def test_missing_model_file_says_how_to_train(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="builder train-ner"):
        CrfNerModel.load(tmp_path / "nothing.crfsuite")


def test_lexicon_round_trip(tmp_path: Path) -> None:
    lexicon = EntityLexicon.from_sentences(
        [(("Joko", "Widodo", "di", "Solo"), ("B-PER", "I-PER", "O", "B-LOC"))] * 2
    )
    assert lexicon.entities == {"joko widodo": "PER", "solo": "LOC"}
    assert lexicon.words["di"] == "O:hi"
    path = tmp_path / "x.lexicon.tsv"
    lexicon.dump(path, MODEL_NAME)
    assert EntityLexicon.load(path) == lexicon


FIXTURE_SENTENCES = [
    ("Presiden Joko Widodo tiba di Surabaya .", "O B-PER I-PER O O B-LOC O"),
    ("Menteri Sri Mulyani berkunjung ke Medan .", "O B-PER I-PER O O B-LOC O"),
    ("Kementerian Keuangan menolak usulan itu .", "B-ORG I-ORG O O O O"),
    ("Ia bertemu Prabowo Subianto di Jakarta .", "O O B-PER I-PER O B-LOC O"),
    ("Partai Golkar menggelar rapat di Bali .", "B-ORG I-ORG O O O B-LOC O"),
    ("Anies Baswedan meninjau banjir di Bekasi .", "B-PER I-PER O O O B-LOC O"),
    ("Bank Indonesia menaikkan suku bunga .", "B-ORG I-ORG O O O O"),
    ("Warga Bandung menyambut Ridwan Kamil .", "O B-LOC O B-PER I-PER O"),
    ("DPR memanggil Kapolri Listyo Sigit .", "B-ORG O O B-PER I-PER O"),
    ("Gempa mengguncang Cianjur , Jawa Barat .", "O O B-LOC O B-LOC I-LOC O"),
    ("KPK menangkap pejabat di Makassar .", "B-ORG O O O B-LOC O"),
    ("Mahfud MD berbicara di Universitas Indonesia .", "B-PER I-PER O O B-ORG I-ORG O"),
]


def write_fixture_corpus(folder: Path) -> None:
    folder.mkdir(parents=True)
    blocks = []
    for text, tags in FIXTURE_SENTENCES:
        blocks.append(
            "\n".join(f"{w}\t{t}" for w, t in zip(text.split(), tags.split(), strict=True))
        )
    (folder / "all.txt").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def test_train_on_fixture_writes_model_lexicon_and_card(tmp_path: Path) -> None:
    write_fixture_corpus(tmp_path / "data" / "tiny")
    corpus = NerCorpus("tiny", ("all.txt",), "MIT", "tests/test_ner_model.py")
    out = tmp_path / "out"
    metrics = train_ner(
        data_dir=tmp_path / "data",
        out_dir=out,
        dev_fraction=0.4,
        corpora=(corpus,),
        params=CrfParams(max_iterations=20, lexicon_folds=2),
    )
    model_file = out / "id_news.ner.crf.v2.crfsuite"
    assert model_file.is_file() and lexicon_path(model_file).is_file()
    assert 0.0 <= metrics["scores"]["micro avg"]["f1-score"] <= 1.0  # type: ignore[index]
    counts = metrics["sentences"]["tiny"]  # type: ignore[index]
    assert counts["train"] + counts["dev"] == len(FIXTURE_SENTENCES)
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "builder train-ner --data-dir ../shared/data/ner --out builder/resources/" in card
    assert "| tiny | MIT |" in card
    tokens = ["Presiden", "Joko", "Widodo", "tiba", "di", "Surabaya", "."]
    tiny = CrfNerModel.load(model_file)
    assert len(tiny.predict([tokens])[0].tags) == len(tokens)
    sentences = [text.split() for text, _ in FIXTURE_SENTENCES] + example_token_lists()
    assert [t.tags for t in tiny.predict(sentences)] == [t.tags for t in tiny.predict_reference(sentences)]


def test_missing_data_dir_names_the_path(tmp_path: Path) -> None:
    corpus = NerCorpus("tiny", ("all.txt",), "MIT", "x")
    with pytest.raises(FileNotFoundError, match=r"tiny[/\\]all\.txt not found"):
        train_ner(data_dir=tmp_path, out_dir=tmp_path / "out", corpora=(corpus,))


def test_share_alike_corpus_is_refused() -> None:
    with pytest.raises(ValueError, match="licence 'CC BY-SA 4.0'"):
        NerCorpus("indonlu-nerp", ("train_preprocess.txt",), "CC BY-SA 4.0", "x")


def test_deduplicate_keeps_the_first_set() -> None:
    first = TaggedSentence(("Di", "PPP"), ("O", "B-ORG"))
    second = TaggedSentence(("di", "PPP"), ("O", "O"))
    kept, dropped = deduplicate([Example(first, "idner"), Example(second, "ugm")])
    assert kept == [Example(first, "idner")]
    assert dropped == {"ugm": 1}


def test_fast_decoder_equals_crfsuite_on_lexicon_entities(model: CrfNerModel) -> None:
    """Sentences made of the lexicon's own entity strings, back to back and overlapping, so the
    batched longest-match (a trie walked over all tokens at once) meets every case of the
    left-to-right reading: a longer match covering the start of another, matches cut by the
    sentence's end, and single words."""
    entities = sorted(model.lexicon.entities)
    multi = [e.split(" ") for e in entities if e.count(" ") >= 2][:40]
    firsts = {e.split(" ")[0] for e in entities}
    # An entity whose second word also starts an entity: the first match must cover the second start.
    covering = [e.split(" ") for e in entities if e.count(" ") >= 1 and e.split(" ")[1] in firsts][:40]
    assert len(multi) == 40 and len(covering) == 40
    sentences = [["Kata", *a, "dan", *b, "."] for a, b in zip(multi, covering, strict=True)]
    sentences += [[*a, *b] for a, b in zip(covering, multi, strict=True)]
    sentences += [a[:-1] for a in multi]  # cut before the entity ends
    sentences += [[w.capitalize() for w in a] for a in covering]
    fast, reference = model.predict(sentences), model.predict_reference(sentences)
    assert [t.tags for t in fast] == [t.tags for t in reference]
    for f, r in zip(fast, reference, strict=True):
        assert f.scores == pytest.approx(r.scores, abs=1e-4)


def test_fast_decoder_is_the_same_after_its_word_cache_is_dropped(model: CrfNerModel,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Past _CACHE_LIMIT distinct words the decoder drops its per-word cache (blocks, capital,
    pair and lexicon ids) and starts again; tags and scores must not change."""
    from builder.ner import fastcrf

    sentences = example_token_lists()
    assert len({word for tokens in sentences for word in tokens}) > 2 * 300  # so the cache is dropped
    expected = CrfNerModel.load(model.path).predict(sentences)
    small = CrfNerModel.load(model.path)
    monkeypatch.setattr(fastcrf, "_CACHE_LIMIT", 300)
    tagged = [t for start in range(0, len(sentences), 7) for t in small.predict(sentences[start : start + 7])]
    assert len(small._compiled._vocabulary) <= 300
    assert tagged == expected
