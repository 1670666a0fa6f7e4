"""The event model `id_news.events.v2`: a trigger classifier over the forms of known trigger stems.

Every token that is a form of a stem the model knows (from its training corpus and the trigger
lexicon) is a candidate; a multinomial logistic regression over its features gives the
probability of each event type (or of none). A sentence gets the types its candidates were
given, each with its probability, and each candidate's trigger span (extended over a known
multi-word trigger such as `unjuk rasa`).
"""

from __future__ import annotations

import io
import json
import zipfile
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from itertools import accumulate, chain, compress, repeat
from pathlib import Path

import numpy as np

from builder.core.phrases import PhraseIndex
from builder.core.records import Sentence
from builder.events.features import (
    FeatureColumns,
    candidate_columns,
    candidate_features,
)
from builder.events.lexicon import Rule, lexicon_from_rules
from builder.events.morphology import Form, FormIndex
from builder.workspace.parts import atomic_path, atomic_write

MODEL_NAME = "id_news.events.v2"
NONE = "O"


@dataclass(frozen=True, slots=True)
class TriggerPrediction:
    """An event type proposed for tokens [first, last) of a sentence, with its probability."""

    type: str
    first: int
    last: int
    score: float


@dataclass(frozen=True)
class ModelData:
    """What a model file holds (weights aside): its vocabulary and the lexicon baked into it."""

    name: str
    classes: tuple[str, ...]  # "O", or one type, or types joined by "+" (membunuh: Attack + Die)
    features: tuple[str, ...]
    stems: tuple[str, ...]
    seen_forms: dict[str, str]  # exact trigger words of the corpus that no generated form covers → stem
    lexicon_types: dict[str, tuple[str, ...]]  # stem → types of single-word lexicon entries
    phrases: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # multi-word triggers: stems → types
    threshold: float
    #: Lexicon entries precise enough to propose their types whatever the classifier says, each with its
    #: precision measured on the training sentences (the lexicon's prior score as a pseudo-count).
    rules: tuple[Rule, ...] = ()


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    """Like `np.savez_compressed`, but with fixed zip timestamps, so the same weights give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in sorted(arrays.items()):
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def _sentences_at(positions: Iterable[int], ends: Sequence[int]) -> dict[int, None]:
    """The sentences (in order, as dict keys) holding the given positions, ascending, of a batch's words, where
    sentence s ends before position ends[s] (and so holds the positions k with ends[s - 1] <= k < ends[s])."""
    return dict.fromkeys(map(bisect_right, repeat(ends), positions))


def packaged_model_path() -> Path:
    """Where the trained event model ships inside the package."""
    return Path(str(resources.files("builder") / "resources" / f"{MODEL_NAME}.json"))


class EventModel:
    """A loaded event model; open it once and tag many sentences."""

    def __init__(self, data: ModelData, coef: np.ndarray, intercept: np.ndarray) -> None:
        if coef.shape != (len(data.features), len(data.classes)) or intercept.shape != (len(data.classes),):
            raise ValueError(f"event model {data.name}: weights of shape {coef.shape} do not fit "
                             f"{len(data.features)} features and {len(data.classes)} classes; retrain it")
        self.data = data
        self.name = data.name
        self._coef = coef.astype(np.float64)
        self._intercept = intercept.astype(np.float64)
        self._index = {f: i for i, f in enumerate(data.features)}
        self._columns = FeatureColumns(self._index)  # the index by kind of feature, for `candidate_columns`
        self._class_types = [c.split("+") for c in data.classes]
        self._forms = FormIndex(data.stems, data.seen_forms)
        self._phrases = PhraseIndex((keys, types) for keys, types in data.phrases)
        self._phrases_by_head: dict[str, list[tuple[str, ...]]] = {}
        for keys, _ in data.phrases:
            self._phrases_by_head.setdefault(keys[0], []).append(keys)
        self._none = data.classes.index(NONE) if NONE in data.classes else -1  # a tiny corpus may lack it
        # The rules as a lexicon with one trigger per phrase: a phrase kept for several types (bunuh: Attack and
        # Die) would otherwise match once, for one type, since a lexicon keeps one match per span. Each phrase's
        # (type, score) pairs are looked up by its trigger.
        grouped: dict[tuple[str, str], list[tuple[str, float]]] = {}
        gaps: dict[tuple[str, str], int] = {}
        for phrase, match, gap, types, score in data.rules:
            grouped.setdefault((phrase, match), []).extend((t, score) for t in types)
            gaps.setdefault((phrase, match), gap)
        self._rule_types = {key: tuple(pairs) for key, pairs in grouped.items()}
        merged = [(p, m, gaps[(p, m)], tuple(t for t, _ in pairs), max(s for _, s in pairs))
                  for (p, m), pairs in grouped.items()]
        self._rules = lexicon_from_rules(f"{data.name} rules", merged) if merged else None

    def with_threshold(self, threshold: float) -> EventModel:
        """The same model, proposing a type when its probability reaches `threshold`."""
        return EventModel(replace(self.data, threshold=threshold), self._coef, self._intercept)

    def with_rules(self, rules: Sequence[Rule]) -> EventModel:
        """The same model, with these trusted lexicon entries."""
        return EventModel(replace(self.data, rules=tuple(rules)), self._coef, self._intercept)

    @classmethod
    def load(cls, path: Path | None = None) -> EventModel:
        """Open a model (`<name>.json` with `<name>.npz` beside it); with no path, the packaged one."""
        path = Path(path) if path is not None else packaged_model_path()
        weights = path.with_suffix(".npz")
        for needed in (path, weights):
            if not needed.is_file():
                raise FileNotFoundError(f"event model file {needed} does not exist; train it with "
                                        "`builder train-events` (see builder/resources/EVENT_MODEL_CARD.md)")
        raw = json.loads(path.read_text(encoding="utf-8"))
        data = ModelData(raw["name"], tuple(raw["classes"]), tuple(raw["features"]), tuple(raw["stems"]),
                         dict(raw["seen_forms"]), {k: tuple(v) for k, v in raw["lexicon_types"].items()},
                         tuple((tuple(k), tuple(v)) for k, v in raw["phrases"]), float(raw["threshold"]),
                         tuple((p, m, int(g), tuple(t), float(s)) for p, m, g, t, s in raw.get("rules", [])))
        with np.load(weights) as arrays:
            return cls(data, arrays["coef"], arrays["intercept"])

    def save(self, path: Path) -> None:
        """Write `<name>.json` and `<name>.npz` (weights as float32)."""
        data = self.data
        meta = {"name": data.name, "classes": list(data.classes), "threshold": data.threshold,
                "stems": list(data.stems), "seen_forms": dict(sorted(data.seen_forms.items())),
                "lexicon_types": {k: list(v) for k, v in sorted(data.lexicon_types.items())},
                "phrases": [[list(k), list(v)] for k, v in data.phrases],
                "rules": [[p, m, g, list(t), s] for p, m, g, t, s in data.rules], "features": list(data.features)}
        atomic_write(path, json.dumps(meta, ensure_ascii=False, separators=(",", ":")) + "\n")
        with atomic_path(path.with_suffix(".npz")) as tmp:
            _save_npz(tmp, coef=self._coef.astype(np.float32), intercept=self._intercept.astype(np.float32))

    def candidates(self, words: Sequence[str]) -> list[tuple[int, list[str]]]:
        """(token index, features) of each token that is a form of a known stem."""
        lowers = [w.lower() for w in words]
        forms = list(map(self._forms.get, lowers))
        keys, places, in_phrase = self._analyse(lowers, forms)
        return [(i, candidate_features(i, forms[i], words, lowers, self.data.lexicon_types, in_phrase, keys))
                for i in places]

    def _analyse(self, lowers: list[str], forms: list[Form | None]
                 ) -> tuple[list[str], list[int], list[tuple[str, ...]]]:
        """A sentence given as its lower-cased words and their forms: its match keys (stems where known),
        the places of its candidates (the forms of known stems), and the lexicon phrase types over each word."""
        places = [i for i, form in enumerate(forms) if form is not None]
        if not places:  # most sentences: no candidate, and the keys are the lower-cased words
            return lowers, [], []
        keys = lowers.copy()
        for i in places:
            keys[i] = forms[i].stem  # type: ignore[union-attr]
        in_phrase: list[tuple[str, ...]] = [()] * len(lowers)
        for first, last, types in self._phrases.find(keys):
            for k in range(first, last):
                in_phrase[k] = in_phrase[k] + tuple(types)  # type: ignore[operator]
        return keys, places, in_phrase

    def _read(self, words: Sequence[str], lowers: list[str], forms: list[Form | None]
              ) -> tuple[list[str], list[tuple[int, list[int]]]]:
        """A sentence's match keys, and (token index, the columns of its features the model has, in the order
        of `candidate_features`) for each candidate; `lowers` are the words lower-cased, `forms` their forms."""
        keys, places, in_phrase = self._analyse(lowers, forms)
        if not places:
            return keys, []
        columns = candidate_columns(places, forms, words, lowers, self.data.lexicon_types, in_phrase, keys,
                                    self._columns)
        return keys, list(zip(places, columns, strict=True))

    def probabilities(self, feature_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """Class probabilities (rows: candidates, columns: classes) by softmax over summed weights."""
        column_of = self._index.get
        return self._probabilities([[c for c in map(column_of, feats) if c is not None] for feats in feature_lists])

    def _probabilities(self, column_lists: Sequence[list[int]]) -> np.ndarray:
        """`probabilities` of candidates given as the columns of their features (in the features' order)."""
        lengths = np.fromiter(map(len, column_lists), dtype=np.intp, count=len(column_lists))
        columns = np.fromiter(chain.from_iterable(column_lists), dtype=np.intp, count=int(lengths.sum()))
        logits = np.tile(self._intercept, (len(column_lists), 1))
        rows = np.flatnonzero(lengths)  # candidates with no feature the model knows keep the intercepts
        if len(rows):  # one gather and one segmented sum for the whole batch
            starts = np.cumsum(lengths) - lengths
            logits[rows] += np.add.reduceat(self._coef[columns], starts[rows], axis=0)
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        return logits / logits.sum(axis=1, keepdims=True)

    def _extend(self, keys: Sequence[str], first: int) -> int:
        """The end of a known multi-word trigger starting at `first` (first + 1 if none)."""
        best = first + 1
        for phrase in self._phrases_by_head.get(keys[first], ()):
            if tuple(keys[first : first + len(phrase)]) == phrase:
                best = max(best, first + len(phrase))
        return best

    def predict(self, sentences: Sequence[Sequence[str]]) -> list[list[TriggerPrediction]]:
        """Trigger predictions for each sentence (given as its token texts)."""
        return self.predict_with_confidence(sentences)[0]

    def predict_with_confidence(
        self, sentences: Sequence[Sequence[str]]
    ) -> tuple[list[list[TriggerPrediction]], list[list[float]]]:
        """`predict`, and per sentence the probability of the class chosen for each candidate: its event
        class where it passed the threshold, else "none" (1 - the best event class's if there is no "none")."""
        # The batch's words as one list, lower-cased once for the classifier and the rules, and looked up in
        # one pass: most sentences have no candidate and no word a rule begins with, and need nothing more.
        starts = [0, *accumulate(map(len, sentences))]
        lowered = list(map(str.lower, chain.from_iterable(sentences)))
        forms = list(map(self._forms.get, lowered))
        ends = starts[1:]
        with_candidates = _sentences_at(compress(range(len(forms)), forms), ends)
        with_rules = {} if self._rules is None else _sentences_at(
            compress(range(len(lowered)), map(self._rules.first_words.__contains__, lowered)), ends)
        read = {s: self._read(sentences[s], lowered[starts[s] : starts[s + 1]], forms[starts[s] : starts[s + 1]])
                for s in with_candidates}
        flat = [columns for _, found in read.values() for _, columns in found]
        probs = self._probabilities(flat) if flat else np.zeros((0, len(self.data.classes)))
        events = probs.copy()
        if self._none >= 0:
            events[:, self._none] = -1.0
        best_classes = events.argmax(axis=1)  # the likeliest event class, even where "no event" is likelier
        # As Python lists: indexing a numpy array once per candidate costs more than the whole conversion.
        best_probabilities = probs[np.arange(len(probs)), best_classes].tolist()
        none_probabilities = probs[:, self._none].tolist() if self._none >= 0 else None
        best_list = best_classes.tolist()
        threshold = self.data.threshold
        out: list[list[TriggerPrediction]] = [[] for _ in sentences]
        confidences: list[list[float]] = [[] for _ in sentences]
        row = 0  # the candidates' rows come in sentence order, as `read` does
        for s in sorted(with_candidates.keys() | with_rules.keys()):
            predictions = out[s]
            confidence = confidences[s]
            keys, found = read.get(s, ([], []))
            for i, _ in found:
                best = best_list[row]
                probability = best_probabilities[row]
                none = none_probabilities[row] if none_probabilities is not None else 1.0 - probability
                row += 1
                if probability < threshold:
                    confidence.append(min(1.0, max(0.0, none)))
                    continue
                confidence.append(min(1.0, max(0.0, probability)))
                last = self._extend(keys, i)
                for event_type in self._class_types[best]:
                    predictions.append(TriggerPrediction(event_type, i, last, probability))
            if self._rules is not None:
                out[s] = self._add_rules(lowered[starts[s] : starts[s + 1]], predictions)
        return out, confidences

    def _add_rules(self, lowers: list[str], predictions: list[TriggerPrediction]) -> list[TriggerPrediction]:
        """The classifier's predictions and the trusted lexicon entries' (the higher score where both agree),
        for a sentence given as its lower-cased words."""
        matches = self._rules.find_lowered(lowers)  # type: ignore[union-attr]
        if matches:
            by_place = {(p.type, p.first): k for k, p in enumerate(predictions)}
            for first, last, trigger in matches:
                for event_type, score in self._rule_types[(trigger.phrase, trigger.match)]:
                    k = by_place.get((event_type, first))
                    if k is None:
                        by_place[(event_type, first)] = len(predictions)
                        predictions.append(TriggerPrediction(event_type, first, last, score))
                    elif predictions[k].score < score:
                        predictions[k] = replace(predictions[k], score=score)
        return sorted(predictions, key=lambda p: (p.first, p.type)) if predictions else predictions

    def tag_sentences(self, sentences: Sequence[Sentence]) -> list[list[TriggerPrediction]]:
        """Trigger predictions for workspace sentences."""
        return self.predict([[t.text for t in s.tokens] for s in sentences])
