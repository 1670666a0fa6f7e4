"""Each pre-labelled sentence's uncertainty: measured while pre-labelling, stored, read back (null for
older parts), and turned into the push's prediction score and queue order."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotation.tasks import build_tasks, ranked_tasks, task_uncertainty
from builder.core.labels import LabelSet, SentenceLabels
from builder.core.records import Sentence, Token
from builder.core.tokenizer import tokenize
from builder.events.lexicon import load_lexicon
from builder.events.model import EventModel
from builder.ner.crf import CrfNerModel
from builder.prelabel.interface import Prelabeller
from builder.prelabel.taggers.crf import CrfEntityTagger
from builder.prelabel.taggers.dates import DateRule
from builder.prelabel.taggers.event_model import ModelEventTagger
from builder.prelabel.taggers.events import LexiconEventTagger
from builder.prelabel.taggers.gazetteer import Gazetteer
from builder.workspace.layout import Workspace
from builder.workspace.tables import PRELABEL_SCHEMA, conform_prelabels, prelabel_table

TEXTS = (
    "Presiden Joko Widodo bertemu Perdana Menteri Anthony Albanese di Jakarta pada Senin (6/2/2023).",
    "Polisi menangkap dua orang setelah bentrokan di Makassar yang menewaskan seorang warga.",
    "Harga cabai naik.",
)


def sentence(i: int, text: str, article: str = "a1") -> Sentence:
    tokens = tuple(Token(t.text, t.start, t.end) for t in tokenize(text))
    return Sentence(id=f"s{i}", article_id=article, index=i, paragraph=0, start=0, text=text, tokens=tokens)


SENTENCES = [sentence(i, t) for i, t in enumerate(TEXTS)]


def test_uncertainty_is_one_minus_the_least_confident_token_tag_or_event_candidate() -> None:
    crf, events = CrfNerModel.load(), EventModel.load()
    labelled = Prelabeller((DateRule(), CrfEntityTagger(crf), Gazetteer()), ModelEventTagger(events)).label(SENTENCES)
    words = [[t.text for t in s.tokens] for s in SENTENCES]
    marginals = [t.scores for t in crf.predict(words)]
    predictions, candidates = events.predict_with_confidence(words)
    assert predictions == events.predict(words), "the confidences do not change what the model proposes"
    assert [len(c) for c in candidates] == [len(events.candidates(w)) for w in words]
    assert any(candidates), "the event model saw candidates in these sentences"
    for item, tags, chosen in zip(labelled, marginals, candidates, strict=True):
        assert item.uncertainty == pytest.approx(1.0 - min([*tags, *chosen]))
        assert 0.0 <= item.uncertainty < 1.0
    assert len({round(item.uncertainty, 6) for item in labelled}) > 1, "sentences differ in how sure the model is"


def test_rules_alone_measure_nothing_and_the_lexicon_counts_its_trigger_scores() -> None:
    assert {x.uncertainty for x in Prelabeller((DateRule(), Gazetteer())).label(SENTENCES)} == {None}
    lexicon = LexiconEventTagger(load_lexicon())
    labelled = Prelabeller((DateRule(),), lexicon).label(SENTENCES)
    for item, (_, triggers) in zip(labelled, lexicon.tag(SENTENCES), strict=True):
        scores = [t.score for t in triggers if t.score is not None]
        assert item.uncertainty == pytest.approx(1.0 - min(scores, default=1.0))


def test_uncertainty_is_stored_and_parts_written_before_it_read_as_null(tmp_path: Path) -> None:
    table = prelabel_table(SENTENCES[:2], [SentenceLabels("s0", LabelSet(), 0.25), SentenceLabels("s1", LabelSet())])
    assert table.column("uncertainty").to_pylist() == [0.25, None]
    folder = tmp_path / "prelabels"
    folder.mkdir()
    old_schema = pa.schema([f for f in PRELABEL_SCHEMA if f.name != "uncertainty"])
    pq.write_table(table.select(old_schema.names).cast(old_schema), folder / "part-0-old.parquet")
    pq.write_table(table, folder / "part-1-new.parquet")
    read = list(Workspace.iter_prelabels(folder))
    assert [x.uncertainty for x in read] == [None, None, 0.25, None]
    old_batch = pq.read_table(folder / "part-0-old.parquet").to_batches()[0]
    conformed = conform_prelabels(old_batch)
    assert conformed.schema.equals(PRELABEL_SCHEMA) and conformed.column("uncertainty").null_count == 2


def test_the_push_sends_one_minus_uncertainty_as_score_and_queues_least_sure_first_across_articles() -> None:
    sentences = [sentence(i, t, "a1") for i, t in enumerate(TEXTS)] + [sentence(9, TEXTS[2], "a2")]
    uncertainty = {"s0": 0.9, "s1": 0.8, "s2": None, "s9": 0.5}
    tasks = list(build_tasks(sentences, titles={}, prelabels={s.id: LabelSet() for s in sentences},
                             model_version="v", uncertainty=uncertainty))
    assert [t["predictions"][0]["score"] for t in tasks] == [pytest.approx(0.1), pytest.approx(0.2), 1.0,
                                                             pytest.approx(0.5)]
    assert [task_uncertainty(t) for t in tasks] == [pytest.approx(0.9), pytest.approx(0.8), 0.0, pytest.approx(0.5)]
    # a1's second sentence counts 0.8 * 0.5 = 0.4 < a2's 0.5: the other article comes in between
    assert [t["data"]["sentence_id"] for t in ranked_tasks(tasks)] == ["s0", "s9", "s1", "s2"]
    assert [t["data"]["sentence_id"] for t in ranked_tasks(tasks, decay=1.0)] == ["s0", "s1", "s9", "s2"]
