"""Train and score the event model on the team's corpus (`builder train-events`).

Four models are compared on the dev and test splits, each from the same corpus: the trigger
lexicon alone, a sentence-level multi-label classifier (one logistic regression per type over
the sentence's words), a CRF trigger tagger over every token (python-crfsuite), and the
trigger classifier that ships (`id_news.events.v2`, builder/events/model.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from builder.core.metrics import prf
from builder.core.tokenizer import tokenize
from builder.events.corpus import EventSentence
from builder.events.lexicon import EventLexicon, Rule
from builder.events.model import (
    MODEL_NAME,
    NONE,
    EventModel,
    ModelData,
    TriggerPrediction,
)
from builder.events.scoring import TypeScores, score_types
from builder.events.vocabulary import Vocabulary, build_vocabulary

#: What a predictor gives for each sentence: (type, score, first token, last token + 1) per trigger.
Predictor = Callable[[Sequence[EventSentence]], list[list[TriggerPrediction]]]


@dataclass(frozen=True)
class EventTrainOptions:
    """Regularisation strengths and thresholds tried on dev; the seed of the solvers."""

    c_values: tuple[float, ...] = (4.0, 8.0, 16.0, 32.0)
    thresholds: tuple[float, ...] = (0.1, 0.15, 0.2, 0.25, 0.3)
    lexicon_copies: tuple[int, ...] = (0, 1, 3)  # each lexicon word as this many training examples
    #: Lexicon entries whose measured precision reaches this propose their types beside the classifier
    #: (None: the classifier alone).
    rule_cutoffs: tuple[float | None, ...] = (None, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65)
    rule_prior_weight: float = 2.0  # the entry's prior score counts as this many matches
    seed: int = 0
    max_iter: int = 2000

    def __post_init__(self) -> None:
        if not self.c_values or any(c <= 0 for c in self.c_values):
            raise ValueError(f"c_values {self.c_values}: give positive numbers")
        if not self.thresholds or any(not 0 < t < 1 for t in self.thresholds):
            raise ValueError(f"thresholds {self.thresholds}: give numbers between 0 and 1")
        if not self.lexicon_copies or any(k < 0 for k in self.lexicon_copies):
            raise ValueError(f"lexicon_copies {self.lexicon_copies}: give whole numbers from 0")


def tokens_of(sentence: EventSentence) -> list[str]:
    """The token texts of a corpus sentence, by the one tokenizer."""
    return [t.text for t in tokenize(sentence.text)]


def gold_starts(sentence: EventSentence) -> dict[int, set[str]]:
    """Token index of each trigger's first token → the types triggered there."""
    starts = {t.start: k for k, t in enumerate(tokenize(sentence.text))}
    out: dict[int, set[str]] = defaultdict(set)
    for mention in sentence.events:
        token = starts.get(mention.start)
        if token is not None:
            out[token].add(mention.type)
    return out


def _inside(sentence: EventSentence) -> set[int]:
    """Tokens inside a trigger but not its first (left out of training: neither event nor none)."""
    tokens = tokenize(sentence.text)
    return {k for k, t in enumerate(tokens) for m in sentence.events if m.start < t.start < m.end}


def _skeleton(vocabulary: Vocabulary, classes: tuple[str, ...] = (NONE,), threshold: float = 0.5) -> EventModel:
    data = ModelData(MODEL_NAME, classes, (), vocabulary.stems, vocabulary.seen_forms, vocabulary.lexicon_types,
                     vocabulary.phrases, threshold)
    return EventModel(data, np.zeros((0, len(classes))), np.zeros(len(classes)))


def instances(model: EventModel, sentences: Sequence[EventSentence]) -> tuple[list[list[str]], list[str]]:
    """Feature lists and labels ("O", a type, or types joined by "+") of every candidate token."""
    features, labels = [], []
    for sentence in sentences:
        gold, inside = gold_starts(sentence), _inside(sentence)
        for index, feats in model.candidates(tokens_of(sentence)):
            if index in inside:
                continue
            features.append(feats)
            labels.append("+".join(sorted(gold[index])) if index in gold else NONE)
    return features, labels


@dataclass(frozen=True)
class Setting:
    """One point of the tuning grid."""

    c: float
    threshold: float
    lexicon_copies: int
    rule_cutoff: float | None = None


#: The setting `builder train-events` chose on the corpus's dev split for id_news.events.v2
#: (EVENT_MODEL_CARD.md). Tuning takes minutes, so a retraining from the workspace reuses it.
SHIPPED_SETTING = Setting(c=32.0, threshold=0.2, lexicon_copies=3, rule_cutoff=0.7)


def lexicon_rules(lexicon: EventLexicon, sentences: Sequence[EventSentence], cutoff: float | None,
                  prior_weight: float) -> tuple[Rule, ...]:
    """Lexicon entries (one per type) whose precision on `sentences` reaches `cutoff`: a match is right when
    its sentence has the type; the entry's prior score counts as `prior_weight` matches."""
    if cutoff is None:
        return ()
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    number = {id(t): k for k, t in enumerate(lexicon.triggers)}
    for sentence in sentences:
        for _, _, trigger in lexicon.find_words(tokens_of(sentence)):
            for event_type in trigger.types:
                tally = counts[(number[id(trigger)], event_type)]
                tally[0] += 1
                tally[1] += event_type in sentence.types
    rules = []
    for k, trigger in enumerate(lexicon.triggers):
        for event_type in trigger.types:
            n, right = counts.get((k, event_type), (0, 0))
            precision = (right + prior_weight * trigger.score) / (n + prior_weight)
            if precision >= cutoff:
                rules.append((trigger.phrase, trigger.match, trigger.gap, (event_type,), round(precision, 4)))
    return tuple(rules)


def lexicon_examples(vocabulary: Vocabulary, copies: int) -> tuple[list[list[str]], list[str]]:
    """Each single-word lexicon entry as `copies` examples of its types (the lexicon as a prior)."""
    feats, labels = [], []
    for stem, types in vocabulary.lexicon_types.items():
        for _ in range(copies):
            feats.append([f"s={stem}", *(f"lex={t}" for t in types)])
            labels.append("+".join(sorted(types)))
    return feats, labels


def fit_classifier(vocabulary: Vocabulary, train: Sequence[EventSentence], setting: Setting,
                   options: EventTrainOptions, name: str = MODEL_NAME) -> EventModel:
    """The trigger classifier: multinomial logistic regression over the candidates of `train`."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    feats, labels = instances(_skeleton(vocabulary), train)
    prior_feats, prior_labels = lexicon_examples(vocabulary, setting.lexicon_copies)
    feats, labels = feats + prior_feats, labels + prior_labels
    vectorizer = DictVectorizer(sort=True)
    x = vectorizer.fit_transform([dict.fromkeys(f, 1) for f in feats])
    classifier = LogisticRegression(C=setting.c, max_iter=options.max_iter, random_state=options.seed)
    classifier.fit(x, labels)
    classes = tuple(str(k) for k in classifier.classes_)
    coef = classifier.coef_.T
    intercept = classifier.intercept_
    if len(classes) == 2:  # binary: scikit-learn keeps one row for the second class
        coef = np.hstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    names = tuple(str(n) for n in vectorizer.get_feature_names_out())
    keep = np.abs(coef).max(axis=1) > 1e-4
    data = ModelData(name, classes, tuple(n for n, k in zip(names, keep, strict=True) if k), vocabulary.stems,
                     vocabulary.seen_forms, vocabulary.lexicon_types, vocabulary.phrases, setting.threshold)
    return EventModel(data, coef[keep], intercept)


def final_fit(sentences: Sequence[EventSentence], lexicon: EventLexicon, setting: Setting,
              options: EventTrainOptions, name: str = MODEL_NAME) -> EventModel:
    """The model that ships: the classifier of a tuned setting on all of `sentences`, with its lexicon rules."""
    model = fit_classifier(build_vocabulary(sentences, lexicon), sentences, setting, options, name)
    return model.with_rules(lexicon_rules(lexicon, sentences, setting.rule_cutoff, options.rule_prior_weight))


# --- scoring --------------------------------------------------------------------------

@dataclass
class EventScores(TypeScores):
    """Sentence event types (per type and micro), trigger spans, reliability and confusions."""

    triggers: dict[str, float] = field(default_factory=dict)


def score(sentences: Sequence[EventSentence], predicted: Sequence[Sequence[TriggerPrediction]]) -> EventScores:
    """Compare predicted triggers with the gold ones, as sentence types and as exact trigger spans."""
    best_per_sentence = []
    trigger_tp = trigger_fp = trigger_fn = 0
    for sentence, predictions in zip(sentences, predicted, strict=True):
        best: dict[str, float] = {}
        for p in predictions:
            best[p.type] = max(best.get(p.type, 0.0), p.score)
        best_per_sentence.append(best)
        tokens = tokenize(sentence.text)
        gold_spans = {(m.type, m.start, m.end) for m in sentence.events}
        spans = {(p.type, tokens[p.first].start, tokens[p.last - 1].end) for p in predictions}
        trigger_tp += len(gold_spans & spans)
        trigger_fp += len(spans - gold_spans)
        trigger_fn += len(gold_spans - spans)
    types = score_types([s.types for s in sentences], best_per_sentence)
    return EventScores(types.types, types.exact_match, types.reliability, types.confusions,
                       prf(trigger_tp, trigger_fp, trigger_fn))


def classifier_predictor(model: EventModel) -> Predictor:
    """Predictions of the trigger classifier."""
    return lambda sentences: model.predict([tokens_of(s) for s in sentences])


def lexicon_predictor(lexicon: EventLexicon) -> Predictor:
    """Predictions of the trigger lexicon alone (its prior precision as the score)."""
    def predict(sentences: Sequence[EventSentence]) -> list[list[TriggerPrediction]]:
        out = []
        for s in sentences:
            out.append([TriggerPrediction(t, a, b, trigger.score) for a, b, trigger in lexicon.find_words(tokens_of(s))
                        for t in trigger.types])
        return out
    return predict


def tune(vocabulary: Vocabulary, train: Sequence[EventSentence], dev: Sequence[EventSentence],
         options: EventTrainOptions, lexicon: EventLexicon | None = None) -> tuple[Setting, dict[str, float]]:
    """The setting with the best dev micro-F1 of sentence types; every tried setting's F1."""
    tried: dict[str, float] = {}
    best: tuple[float, Setting] | None = None
    cutoffs = options.rule_cutoffs if lexicon is not None else (None,)
    rules = {cut: lexicon_rules(lexicon, train, cut, options.rule_prior_weight) if lexicon is not None else ()
             for cut in cutoffs}
    for copies in options.lexicon_copies:
        for c in options.c_values:
            model = fit_classifier(vocabulary, train, Setting(c, options.thresholds[0], copies), options)
            for threshold in options.thresholds:
                for cut in cutoffs:
                    tagger = model.with_threshold(threshold).with_rules(rules[cut])
                    f1 = score(dev, classifier_predictor(tagger)(dev)).micro_f1
                    tried[f"C={c} threshold={threshold} lexicon_copies={copies} rules>={cut}"] = f1
                    if best is None or f1 > best[0]:
                        best = (f1, Setting(c, threshold, copies, cut))
    if best is None:
        raise ValueError("no setting to tune: give at least one C, threshold and lexicon_copies")
    return best[1], tried


def comparison(models: dict[str, Predictor], splits: dict[str, Sequence[EventSentence]]) -> dict[str, Any]:
    """Micro P/R/F1 of sentence types and trigger F1 of each model on each split."""
    table: dict[str, Any] = {}
    for name, predict in models.items():
        for split, sentences in splits.items():
            result = score(sentences, predict(sentences))
            table[f"{name} / {split}"] = {**result.types["micro avg"], "trigger_f1": result.triggers["f1-score"],
                                          "exact_match": result.exact_match}
    return table


# --- the models it is compared with ------------------------------------------------------

def sentence_classifier_predictor(vocabulary: Vocabulary, train: Sequence[EventSentence],
                                  options: EventTrainOptions, threshold: float = 0.5) -> Predictor:
    """A sentence-level multi-label classifier: one logistic regression per type over the words, stems
    and lexicon types of the sentence (types only, so its 'trigger' is the whole sentence)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    skeleton = _skeleton(vocabulary)

    def bag(sentence: EventSentence) -> dict[str, int]:
        words = tokens_of(sentence)
        feats = {f"w={w.lower()}": 1 for w in words}
        for _, candidate in skeleton.candidates(words):
            feats.update(dict.fromkeys((f for f in candidate if f.startswith(("s=", "lex"))), 1))
        return feats

    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([bag(s) for s in train])
    models = {}
    for event_type in sorted({t for s in train for t in s.types}):
        y = [event_type in s.types for s in train]
        if sum(y) >= 2:
            models[event_type] = LogisticRegression(C=4.0, max_iter=options.max_iter,
                                                    random_state=options.seed).fit(x, y)

    def predict(sentences: Sequence[EventSentence]) -> list[list[TriggerPrediction]]:
        matrix = vectorizer.transform([bag(s) for s in sentences])
        probs = {t: m.predict_proba(matrix)[:, 1] for t, m in models.items()}
        out = []
        for row, sentence in enumerate(sentences):
            last = max(1, len(tokens_of(sentence)))
            out.append([TriggerPrediction(t, 0, last, float(p[row])) for t, p in probs.items() if p[row] >= threshold])
        return out

    return predict


def _crf_features(model: EventModel, words: Sequence[str]) -> list[list[str]]:
    lowers = [w.lower() for w in words]
    candidates = dict(model.candidates(words))
    out = []
    for i, word in enumerate(lowers):
        feats = candidates.get(i) or [f"w={word}", f"p1={lowers[i - 1] if i else '<s>'}",
                                      f"n1={lowers[i + 1] if i + 1 < len(lowers) else '</s>'}", "not_candidate"]
        out.append(list(feats))
    return out


def crf_predictor(vocabulary: Vocabulary, train: Sequence[EventSentence], options: EventTrainOptions,
                  work_dir: Path) -> Predictor:
    """A CRF trigger tagger over every token (python-crfsuite), BIO tags of (combined) types."""
    import pycrfsuite

    skeleton = _skeleton(vocabulary)
    trainer = pycrfsuite.Trainer(verbose=False)
    for sentence in train:
        words = tokens_of(sentence)
        tags = ["O"] * len(words)
        tokens = tokenize(sentence.text)
        for start, types in gold_starts(sentence).items():
            label = "+".join(sorted(types))
            tags[start] = f"B-{label}"
            end = next((m.end for m in sentence.events if m.start == tokens[start].start), tokens[start].end)
            for k in range(start + 1, len(tokens)):
                if tokens[k].start < end:
                    tags[k] = f"I-{label}"
        trainer.append(_crf_features(skeleton, words), tags)
    trainer.set_params({"c1": 0.05, "c2": 0.05, "max_iterations": 200, "feature.possible_transitions": True})
    path = work_dir / "events-crf.crfsuite"
    trainer.train(str(path))
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))

    def predict(sentences: Sequence[EventSentence]) -> list[list[TriggerPrediction]]:
        out = []
        for sentence in sentences:
            words = tokens_of(sentence)
            tags = tagger.tag(_crf_features(skeleton, words))
            found = []
            for i, tag in enumerate(tags):
                if tag.startswith("B-"):
                    last = i + 1
                    while last < len(tags) and tags[last] == "I-" + tag[2:]:
                        last += 1
                    found += [TriggerPrediction(t, i, last, tagger.marginal(tag, i)) for t in tag[2:].split("+")]
            out.append(found)
        return out

    return predict


# --- the training run ------------------------------------------------------------------

def _split(sentences: Sequence[EventSentence], name: str) -> list[EventSentence]:
    return [s for s in sentences if s.split == name]


def train_events(corpus: Sequence[EventSentence], lexicon: EventLexicon, out_dir: Path,
                 options: EventTrainOptions = EventTrainOptions()) -> dict[str, Any]:
    """Compare the models, train the shipped one on train + dev, score it on test, write it and its card."""
    import tempfile

    import sklearn

    from builder.events.card import model_card
    from builder.workspace.parts import atomic_write

    train, dev, test = (_split(corpus, s) for s in ("train", "dev", "test"))
    if not train or not dev or not test:
        raise ValueError(f"the corpus needs train, dev and test sentences; it has {len(train)}, {len(dev)}, "
                         f"{len(test)}")
    vocabulary = build_vocabulary(train, lexicon)
    setting, tried = tune(vocabulary, train, dev, options, lexicon)
    with tempfile.TemporaryDirectory() as work:
        models = {"lexicon": lexicon_predictor(lexicon),
                  "sentence": sentence_classifier_predictor(vocabulary, train, options),
                  "crf": crf_predictor(vocabulary, train, options, Path(work)),
                  "classifier": classifier_predictor(fit_classifier(vocabulary, train, setting, options).with_rules(
                      lexicon_rules(lexicon, train, setting.rule_cutoff, options.rule_prior_weight)))}
        compared = comparison(models, {"dev": dev, "test": test})
    final_model = final_fit([*train, *dev], lexicon, setting, options)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{final_model.name}.json"
    final_model.save(path)
    final = score(test, classifier_predictor(EventModel.load(path))(test))  # the model as shipped (float32)
    metrics: dict[str, Any] = {
        "model_path": str(path), "C": setting.c, "threshold": setting.threshold,
        "lexicon_copies": setting.lexicon_copies, "rule_cutoff": setting.rule_cutoff,
        "rules": len(final_model.data.rules), "tuning": tried, "comparison": compared,
        "final_test": {"types": final.types, "triggers": final.triggers, "exact_match": final.exact_match,
                       "reliability": final.reliability, "confusions": final.confusions},
        "corpus": {"sentences": len(corpus), "train": len(train), "dev": len(dev), "test": len(test)},
        "model_bytes": path.stat().st_size + path.with_suffix(".npz").stat().st_size,
        "sklearn": sklearn.__version__,
    }
    atomic_write(out_dir / "EVENT_MODEL_CARD.md", model_card(metrics))
    return metrics
