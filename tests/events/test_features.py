"""The event model's two ways to a candidate's features: written out (`candidate_features`, for training) and
looked up as weight columns by kind (`candidate_columns`, for tagging) must agree exactly, column for column
and in the same order (a different order of summing changes the probabilities' last bits)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from builder.core.schema import load_schema
from builder.core.tokenizer import tokenize
from builder.events.corpus import read_corpus
from builder.events.features import (
    FeatureColumns,
    candidate_columns,
    candidate_features,
)
from builder.events.model import EventModel
from builder.events.morphology import Form

CORPUS = Path(__file__).resolve().parents[2] / "corpora" / "id_news_events" / "events.jsonl.gz"


@pytest.fixture(scope="module")
def model() -> EventModel:
    return EventModel.load()


@pytest.fixture(scope="module")
def sentences() -> list[list[str]]:
    corpus = read_corpus(CORPUS, frozenset(load_schema().event_labels))
    return [[t.text for t in tokenize(s.text)] for s in corpus if s.split == "train"]


def columns_of(model: EventModel, features: list[str]) -> list[int]:
    index = {f: i for i, f in enumerate(model.data.features)}
    return [index[f] for f in features if f in index]


def test_columns_by_kind_are_the_columns_of_the_written_features(model: EventModel,
                                                                 sentences: list[list[str]]) -> None:
    table = FeatureColumns({f: i for i, f in enumerate(model.data.features)})
    checked = known = 0
    for words in sentences:
        lowers = [w.lower() for w in words]
        forms = [model._forms.get(w) for w in lowers]
        places = [i for i, form in enumerate(forms) if form is not None]
        keys = [form.stem if form is not None else w for form, w in zip(forms, lowers, strict=True)]
        in_phrase: list[tuple[str, ...]] = [()] * len(words)
        for i in places[::3]:  # some candidates inside a lexicon phrase, to cover the lexph= features
            in_phrase[i] = ("Life.Die",)
        got = candidate_columns(places, forms, words, lowers, model.data.lexicon_types, in_phrase, keys, table)
        for i, columns in zip(places, got, strict=True):
            features = candidate_features(i, forms[i], words, lowers, model.data.lexicon_types,  # type: ignore[arg-type]
                                          in_phrase, keys)
            assert columns == columns_of(model, features), (words, i)
            checked += 1
            known += len(columns)
    assert checked > 1000 and known > 10 * checked, "many candidates, each with many features the model knows"


def test_feature_columns_split_stem_features_at_every_bar() -> None:
    index = {"s=a|b|p1=x": 0, "s=a|p1=y": 1, "c=|": 2, "first": 3, "s=a": 4, "s=a|p1s=z": 5, "cs=a": 6}
    table = FeatureColumns(index)
    assert table.first == 3
    by_stem, _, _, _, _, _, _, _, _, _, _, by_context, by_context_stem = table.kinds
    assert by_stem["a"] == 4 and by_context == {"|": 2} and by_context_stem == {"a": 6}
    assert table.with_stem("a|b")[1] == {"x": 0}  # a stem with a bar in it
    assert table.with_stem("a")[1] == {"y": 1} and table.with_stem("a")[5] == {"z": 5}
    assert table.with_stem("zzz") == ({},) * 6
    words, lowers = ["Polisi", "menangkap"], ["polisi", "menangkap"]
    form = Form("a", "meN", "")
    got = candidate_columns([1], [None, form], words, lowers, {}, [(), ()], lowers, table)
    assert got == [[4]]  # s=a; no p1=polisi, no s=a|p1=polisi, no c=polisi in this index


def test_summed_weights_match_a_plain_segmented_sum(model: EventModel, sentences: list[list[str]]) -> None:
    # float64 weights with full mantissas: the shipped ones are float32, whose sums come out the same in almost
    # any order, so only these show that the weights are still added in the order (and grouping) they were
    rng = np.random.default_rng(7)
    model = EventModel(model.data, rng.normal(size=model._coef.shape), rng.normal(size=model._intercept.shape))
    features = [feats for words in sentences[:400] for _, feats in model.candidates(words)]
    features += [[], ["no such feature"]]  # candidates with no known feature keep the intercepts
    index = {f: i for i, f in enumerate(model.data.features)}
    columns, starts, rows = [], [], []
    for row, feats in enumerate(features):  # the sum as the model made it before it was batched by position
        found = [index[f] for f in feats if f in index]
        if found:
            rows.append(row)
            starts.append(len(columns))
            columns += found
    coef, intercept = model._coef, model._intercept
    logits = np.tile(intercept, (len(features), 1))
    logits[rows] += np.add.reduceat(coef[columns], starts, axis=0)
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    expected = logits / logits.sum(axis=1, keepdims=True)
    assert np.array_equal(model.probabilities(features), expected)  # bit for bit, not approximately


def test_tagging_by_columns_gives_the_probabilities_of_the_written_features(model: EventModel,
                                                                           sentences: list[list[str]]) -> None:
    words = sentences[:300]
    probs = model.probabilities([feats for w in words for _, feats in model.candidates(w)])
    predictions, confidences = model.predict_with_confidence(words)
    none = model.data.classes.index("O")
    events = probs.copy()
    events[:, none] = -1.0
    best = events.argmax(axis=1)
    row = 0
    for sentence_confidences in confidences:
        for confidence in sentence_confidences:
            p = float(probs[row, best[row]])
            assert confidence == (p if p >= model.data.threshold else float(probs[row, none]))
            row += 1
    assert row == len(probs) > 100 and any(predictions)


@pytest.mark.parametrize("rules", [True, False])
def test_a_batch_gives_each_sentence_what_it_gets_alone(model: EventModel, sentences: list[list[str]],
                                                        rules: bool) -> None:
    # the batch is read as one list of words; empty sentences and sentences with nothing to read keep their place
    model = model if rules else model.with_rules(())
    batch = [[], *sentences[:60], [], [], ["Harga", "cabai", "naik", "."], *sentences[60:90], []]
    predictions, confidences = model.predict_with_confidence(batch)
    alone = [model.predict_with_confidence([words]) for words in batch]
    assert predictions == [p[0] for p, _ in alone] and confidences == [c[0] for _, c in alone]
    assert len(predictions) == len(batch) and predictions[0] == [] and sum(map(len, predictions)) > 20
