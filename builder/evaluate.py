"""Score pre-labels against gold files: NER with strict seqeval (IOB2), events per type."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from builder.model import Sentence, Token
from builder.ner.conll import TaggedSentence
from builder.prelabel.core import EntityTagger, EventTagger, merge_spans
from builder.segment import tokenize
from builder.spans import spans_to_tags


def sentence_from_tokens(tokens: Sequence[str], sentence_id: str = "gold") -> Sentence:
    """A Sentence whose text is the gold tokens joined by spaces, keeping the gold tokenisation."""
    out: list[Token] = []
    offset = 0
    for text in tokens:
        out.append(Token(text, offset, offset + len(text)))
        offset += len(text) + 1
    return Sentence(sentence_id, "gold", 0, 0, 0, " ".join(tokens), tuple(out))


@dataclass
class NerReport:
    """Strict IOB2 scores per label and the micro average, and what was left out of scoring."""

    scores: dict[str, dict[str, float]]
    sentences: int
    tokens: int
    left_out: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {"sentences": self.sentences, "tokens": self.tokens, "left_out": self.left_out,
                "scores": self.scores}


def evaluate_ner(gold: Sequence[TaggedSentence], taggers: Sequence[EntityTagger],
                 *, batch_size: int = 256) -> NerReport:
    """Tag the gold tokens with the taggers (merged in priority order) and score strictly.

    Labels the gold never uses (e.g. DATE against a PER/ORG/LOC corpus) are left out.
    """
    gold_labels = {tag[2:] for s in gold for tag in s.tags if tag != "O"}
    predicted: list[list[str]] = []
    left_out: Counter[str] = Counter()
    for start in range(0, len(gold), batch_size):
        chunk = gold[start : start + batch_size]
        sentences = [sentence_from_tokens(s.tokens, s.origin or str(start + i)) for i, s in enumerate(chunk)]
        per_tagger = [t.tag(sentences) for t in taggers]
        for i, sentence in enumerate(sentences):
            spans = merge_spans([spans[i] for spans in per_tagger])
            left_out.update(s.label for s in spans if s.label not in gold_labels)
            kept = [s for s in spans if s.label in gold_labels]
            predicted.append(spans_to_tags(sentence.tokens, kept, sentence.id))
    report = classification_report(
        [list(s.tags) for s in gold], predicted, mode="strict", scheme=IOB2, output_dict=True, zero_division=0
    )
    scores = {
        name: {metric: round(float(value), 4) for metric, value in values.items()}
        for name, values in report.items()
        if name in gold_labels or name == "micro avg"
    }
    notes = [f"{label} ({count} predicted spans): the gold file has no {label}"
             for label, count in sorted(left_out.items())]
    return NerReport(scores, len(gold), sum(len(s.tokens) for s in gold), notes)


@dataclass(frozen=True, slots=True)
class EventGold:
    """A gold sentence with its event types."""

    text: str
    event_types: frozenset[str]
    where: str


def read_event_gold(path: Path) -> list[EventGold]:
    """JSONL lines with `text` and `event_types` (a list, possibly empty)."""
    gold = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{where}: not valid JSON ({error.msg}); one object per line") from None
            types = record.get("event_types") if isinstance(record, dict) else None
            if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not isinstance(types, list):
                raise ValueError(f'{where}: expected {{"text": "...", "event_types": ["Life.Die", ...]}}')
            gold.append(EventGold(record["text"], frozenset(types), where))
    return gold


@dataclass
class EventReport:
    """Per-type and micro precision/recall/F1 of sentence event types, and exact-set accuracy."""

    scores: dict[str, dict[str, float]]
    sentences: int
    exact_match: float


def _prf(tp: int, fp: int, fn: int, support: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1-score": round(f, 4), "support": support}


def evaluate_events(gold: Sequence[EventGold], tagger: EventTagger) -> EventReport:
    """Compare predicted and gold event-type sets sentence by sentence."""
    sentences = [Sentence(g.where, "gold", 0, 0, 0, g.text, tokenize(g.text)) for g in gold]
    predicted = [frozenset(e.label for e in labels) for labels, _ in tagger.tag(sentences)]
    counts: dict[str, Counter[str]] = {}
    for truth, guess in zip((g.event_types for g in gold), predicted, strict=True):
        for label in truth | guess:
            c = counts.setdefault(label, Counter())
            c["tp" if label in truth and label in guess else "fp" if label in guess else "fn"] += 1
            c["support"] += label in truth
    scores = {label: _prf(c["tp"], c["fp"], c["fn"], c["support"]) for label, c in sorted(counts.items())}
    total = Counter()
    for c in counts.values():
        total.update(c)
    scores["micro avg"] = _prf(total["tp"], total["fp"], total["fn"], total["support"])
    exact = sum(t == p for t, p in zip((g.event_types for g in gold), predicted, strict=True))
    return EventReport(scores, len(gold), round(exact / len(gold), 4) if gold else 0.0)


def parse_label_map(pairs: Iterable[str], base: Mapping[str, str]) -> dict[str, str]:
    """`NAME=OURS` pairs (e.g. PERSON=PER, TIME=DATE, EVT=O) on top of a base map."""
    mapping = dict(base)
    for pair in pairs:
        name, sep, ours = pair.partition("=")
        if not sep or not name or not ours:
            raise ValueError(f"--map {pair!r}: write it as GOLDNAME=OURS, e.g. PERSON=PER or TIME=O")
        mapping[name] = ours
    return mapping
