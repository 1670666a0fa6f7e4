"""The team's event corpus and the event model trained on it: shape, families, determinism."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from builder.core.schema import load_schema
from builder.core.tokenizer import tokenize
from builder.events.corpus import (
    CorpusError,
    EventSentence,
    parse_sentence,
    read_corpus,
)
from builder.events.lexicon import load_lexicon, parse_lexicon
from builder.events.model import EventModel, packaged_model_path
from builder.events.train import EventTrainOptions, lexicon_rules, score, train_events

CORPUS = Path(__file__).resolve().parents[2] / "corpora" / "id_news_events" / "events.jsonl.gz"
TYPES = frozenset(load_schema().event_labels)


@pytest.fixture(scope="module")
def corpus() -> list[EventSentence]:
    return read_corpus(CORPUS, TYPES)


def test_the_shipped_corpus_is_split_by_document(corpus: list[EventSentence]) -> None:
    assert len(corpus) >= 1500
    assert sum(bool(s.events) for s in corpus) / len(corpus) >= 0.4
    split_of_doc: dict[str, set[str]] = {}
    for sentence in corpus:
        split_of_doc.setdefault(sentence.doc, set()).add(sentence.split)
    assert all(len(splits) == 1 for splits in split_of_doc.values())
    assert Counter(s.split for s in corpus).keys() == {"train", "dev", "test"}
    assert {s.source for s in corpus} <= {"nlp-id-postag-kumparan", "idner-news-2k", "indolem-nerui", "indolem-nerugm"}


@pytest.mark.parametrize(("record", "message"), [
    ({"text": "Dia ditangkap.", "split": "train", "events": [{"type": "Justice.Arrest-Jail", "trigger": "ditangkap",
                                                               "start": 0, "end": 9}]}, r"is not the text at \[0, 9\)"),
    ({"text": "Dia ditangkap.", "split": "train", "events": [{"type": "Justice.Nab", "trigger": "ditangkap",
                                                               "start": 4, "end": 13}]}, "'Justice.Nab' is not in the schema"),
    ({"text": "x", "split": "holdout", "events": []}, "split 'holdout' is not one of train, dev, test"),
    ({"text": "x", "split": "train", "events": [{"type": "Life.Die"}]}, "needs type, start, end and trigger"),
])
def test_bad_corpus_records_name_the_line(record: dict, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_sentence(record, "events.jsonl:7", TYPES)


@pytest.mark.parametrize(("text", "expected"), [
    ("Polisi menangkap tiga tersangka perampokan di Medan, Senin.", "Justice.Arrest-Jail"),
    ("Dua warga tewas dalam kecelakaan itu.", "Life.Die"),
    ("Pasangan artis itu menikah di Bali pada Sabtu.", "Life.Marry"),
    ("Presiden bertemu Perdana Menteri Malaysia di Istana Merdeka.", "Contact.Meet"),
    ("Ribuan buruh menggelar unjuk rasa di depan gedung DPR.", "Conflict.Demonstrate"),
    ("Pemerintah mengirimkan bantuan ke lokasi bencana.", "Movement.Transport"),
    ("Perusahaan itu membeli saham bank tersebut senilai Rp 2 triliun.", "Transaction.Transfer-Ownership"),
    ("Menteri itu mengundurkan diri dari jabatannya pekan lalu.", "Personnel.End-Position"),
    ("Jaksa menggugat perusahaan itu ke pengadilan.", "Justice.Sue"),
    ("Partai itu didirikan pada 1998 di Jakarta.", "Business.Start-Org"),
])
def test_the_shipped_model_tags_obvious_sentences_in_every_family(text: str, expected: str) -> None:
    model = EventModel.load()
    from builder.core.tokenizer import tokenize

    predictions = model.predict([[t.text for t in tokenize(text)]])[0]
    assert expected in {p.type for p in predictions}, predictions


def _tiny_corpus(path: Path) -> Path:
    rows = []
    texts = [("Polisi menangkap pencuri itu.", "menangkap", "Justice.Arrest-Jail"),
             ("Tentara menyerang desa itu.", "menyerang", "Conflict.Attack"),
             ("Mereka bertemu di Jakarta.", "bertemu", "Contact.Meet"),
             ("Dia pergi ke pasar.", None, None)]
    for split in ("train", "dev", "test"):
        for k, (text, trigger, event_type) in enumerate(texts * 3):
            events = [] if trigger is None else [{"type": event_type, "trigger": trigger,
                                                  "start": text.index(trigger), "end": text.index(trigger) + len(trigger)}]
            rows.append({"id": f"{split}-{k}", "doc": split, "split": split, "text": text, "events": events})
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_training_is_deterministic_and_scores_what_it_learnt(tmp_path: Path) -> None:
    corpus = read_corpus(_tiny_corpus(tmp_path / "tiny.jsonl"), TYPES)
    options = EventTrainOptions(c_values=(4.0,), thresholds=(0.3,), lexicon_copies=(1,))
    first = train_events(corpus, load_lexicon(), tmp_path / "a", options)
    train_events(corpus, load_lexicon(), tmp_path / "b", options)
    for name in ("id_news.events.v2.json", "id_news.events.v2.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert first["final_test"]["types"]["micro avg"]["f1-score"] == 1.0
    assert "classifier / test" in first["comparison"] and "crf / test" in first["comparison"]
    assert (tmp_path / "a" / "EVENT_MODEL_CARD.md").read_text().startswith("# Model card: `id_news.events.v2`")
    model = EventModel.load(tmp_path / "a" / "id_news.events.v2.json")
    test = [s for s in corpus if s.split == "test"]
    result = score(test, model.predict([s.text.rstrip(".").split() + ["."] for s in test]))
    assert result.micro_f1 == 1.0 and sum(b["predictions"] for b in result.reliability) == 9


def test_a_missing_model_file_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="builder train-events"):
        EventModel.load(tmp_path / "none.json")


def _sentence(text: str, trigger: str | None, event_type: str | None, number: int) -> EventSentence:
    events = [] if trigger is None else [{"type": event_type, "trigger": trigger, "start": text.index(trigger),
                                          "end": text.index(trigger) + len(trigger)}]
    return parse_sentence({"id": f"s{number}", "doc": "d", "split": "train", "text": text, "events": events},
                          "test", TYPES)


def test_lexicon_rules_keep_the_entries_that_are_precise_on_the_training_sentences() -> None:
    lexicon = parse_lexicon('[[entries]]\ntypes = ["Justice.Arrest-Jail"]\nwords = ["tangkap"]\nscore = 0.5\n'
                            '[[entries]]\ntypes = ["Life.Be-Born"]\nwords = ["lahir"]\nscore = 0.5\n'
                            '[[entries]]\ntypes = ["Justice.Appeal"]\nwords = ["aju ... [banding]"]\nscore = 0.9',
                            "test.toml")
    sentences = [_sentence("Polisi menangkap pencuri.", "menangkap", "Justice.Arrest-Jail", 1),
                 _sentence("Pencuri itu ditangkap warga.", "ditangkap", "Justice.Arrest-Jail", 2),
                 _sentence("Penangkapan itu sah.", "Penangkapan", "Justice.Arrest-Jail", 3),
                 _sentence("Ide itu lahir dari diskusi.", None, None, 4),  # figurative: not a birth
                 _sentence("Bayi itu lahir di Bandung.", "lahir", "Life.Be-Born", 5)]
    rules = lexicon_rules(lexicon, sentences, 0.7, prior_weight=2.0)
    # tangkap: (3 right + 2 x 0.5) / (3 + 2) = 0.8; lahir: (1 + 1) / (2 + 2) = 0.5; the gapped phrase: its prior
    assert rules == (("tangkap", "stem", 0, ("Justice.Arrest-Jail",), 0.8),
                     ("aju ... [banding]", "stem", 3, ("Justice.Appeal",), 0.9))
    assert lexicon_rules(lexicon, sentences, None, 2.0) == ()
    # a model with these rules proposes their types beside its own, with the measured precision as the score
    model = EventModel.load().with_threshold(0.99).with_rules(rules)
    words = [t.text for t in tokenize("Kuasa hukumnya mengajukan permohonan banding.")]
    predictions = model.predict([words])[0]
    appeal = [p for p in predictions if p.type == "Justice.Appeal"]
    assert [(words[p.first], p.score) for p in appeal] == [("banding", 0.9)]
    assert model.with_rules(()).predict([words])[0] == [p for p in predictions if p.type != "Justice.Appeal"]


def test_the_shipped_model_carries_precise_lexicon_rules_with_gaps() -> None:
    model = EventModel.load()
    assert model.data.rules and all(0 < score <= 1 for *_, score in model.data.rules)
    assert any("..." in phrase for phrase, *_ in model.data.rules)
    reloaded = EventModel.load(packaged_model_path())
    assert reloaded.data.rules == model.data.rules


def test_a_phrase_kept_as_a_rule_for_two_types_proposes_both() -> None:
    # one rule per (phrase, type): "bunuh" kept for Attack and for Die must give both on the same word, with
    # each type's own measured precision (a lexicon keeps one match per span, so the second was lost)
    rules = (("bunuh", "stem", 0, ("Conflict.Attack",), 0.81), ("bunuh", "stem", 0, ("Life.Die",), 0.77))
    model = EventModel.load().with_threshold(0.99).with_rules(rules)
    words = [t.text for t in tokenize("Mereka mengatakan telah membunuh puluhan perusuh.")]
    found = {(words[p.first], p.type, p.score) for p in model.predict([words])[0]}
    assert {("membunuh", "Conflict.Attack", 0.81), ("membunuh", "Life.Die", 0.77)} <= found
