"""The event model retrained on the team's corpus plus the workspace gold, and scored on the held-out data.

Like the shipped model (`builder train-events`), a workspace model learns from the corpus's train and
dev splits; it also learns from the workspace gold outside the held-back articles. Both are scored on
the corpus's test split and the held-back gold, which neither has seen. The regularisation, threshold
and rule cutoff are the shipped model's (tuning takes minutes) unless a retune is asked for.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder.core.schema import Schema
from builder.core.tokenizer import tokenize
from builder.events.corpus import EventSentence, read_corpus
from builder.events.lexicon import EventLexicon
from builder.events.model import EventModel
from builder.events.scoring import score_types
from builder.events.train import (
    SHIPPED_SETTING,
    EventTrainOptions,
    Setting,
    final_fit,
    tune,
)
from builder.events.vocabulary import build_vocabulary
from builder.learn.gold import WORKSPACE_SOURCE, GoldSet, event_sentence, gold_types
from builder.learn.scores import MICRO, Scores, clean


@dataclass(frozen=True)
class EventOptions:
    """The corpus file, the solver options, the setting used (or tuned on the corpus's dev split)."""

    corpus: Path
    lexicon: Path | None = None  # the trigger lexicon TOML (None: the packaged one)
    train: EventTrainOptions = EventTrainOptions()
    setting: Setting = SHIPPED_SETTING
    retune: bool = False


@dataclass
class EventData:
    """What the event model is trained and scored on."""

    corpus_train: list[EventSentence]
    corpus_dev: list[EventSentence]
    corpus_test: list[EventSentence]
    gold_train: list[EventSentence]
    gold_held_out: list[tuple[list[str], frozenset[str]]]  # token texts, event types
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def train(self) -> list[EventSentence]:
        """Corpus train and dev splits, then the workspace gold (outside the held-back articles)."""
        return [*self.corpus_train, *self.corpus_dev, *self.gold_train]

    def sentence_counts(self) -> dict[str, dict[str, int]]:
        """Sentences per source: used for training, and for evaluation."""
        return {
            "id_news_events corpus": {"train": len(self.corpus_train) + len(self.corpus_dev),
                                      "evaluation": len(self.corpus_test)},
            WORKSPACE_SOURCE: {"train": len(self.gold_train), "evaluation": len(self.gold_held_out)},
        }


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def event_data(gold: GoldSet, schema: Schema, options: EventOptions) -> EventData:
    """The corpus by its splits (without the sentences the workspace gold has) and the workspace gold."""
    counts: Counter[str] = Counter()
    corpus = read_corpus(options.corpus, frozenset(schema.event_labels))
    gold_keys = {_key(g.sentence.text) for g in gold.sentences}
    kept = [s for s in corpus if _key(s.text) not in gold_keys]
    counts["corpus sentences the workspace gold also has (gold kept)"] = len(corpus) - len(kept)
    by_split = {split: [s for s in kept if s.split == split] for split in ("train", "dev", "test")}
    gold_train = [event_sentence(g, counts) for g in gold.train]
    held_out = [([t.text for t in g.sentence.tokens], gold_types(g)) for g in gold.held_out]
    return EventData(by_split["train"], by_split["dev"], by_split["test"], gold_train, held_out, counts)


def train_event_model(data: EventData, lexicon: EventLexicon, name: str, options: EventOptions) -> tuple[
        EventModel, Setting]:
    """Fit the trigger classifier (named `name`) with the shipped setting, or one tuned on the corpus's dev split."""
    setting = options.setting
    if options.retune:
        learn = [*data.corpus_train, *data.gold_train]
        setting, _ = tune(build_vocabulary(learn, lexicon), learn, data.corpus_dev, options.train, lexicon)
    return final_fit(data.train, lexicon, setting, options.train, name), setting


def _types(model: EventModel, token_lists: Sequence[Sequence[str]], gold: Sequence[frozenset[str]]) -> dict[
        str, dict[str, float]]:
    best_per_sentence = []
    for predictions in model.predict(token_lists):
        best: dict[str, float] = {}
        for p in predictions:
            best[p.type] = max(best.get(p.type, 0.0), p.score)
        best_per_sentence.append(best)
    return score_types(gold, best_per_sentence).types


def score_events(model: EventModel, data: EventData) -> Scores:
    """Sentence event types, per type and micro, over the corpus's test split and the held-back gold."""
    corpus_tokens = [[t.text for t in tokenize(s.text)] for s in data.corpus_test]
    corpus_gold = [s.types for s in data.corpus_test]
    gold_tokens = [tokens for tokens, _ in data.gold_held_out]
    gold_gold = [types for _, types in data.gold_held_out]
    labels = _types(model, corpus_tokens + gold_tokens, corpus_gold + gold_gold)
    parts = {"id_news_events test": _types(model, corpus_tokens, corpus_gold)[MICRO]}
    if gold_tokens:
        parts[WORKSPACE_SOURCE] = _types(model, gold_tokens, gold_gold)[MICRO]
    return Scores(clean(labels), clean(parts))
