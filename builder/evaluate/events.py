"""Score sentence event types against a gold JSONL file: per type and micro P/R/F1, exact set match."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from builder.core.metrics import prf
from builder.core.records import Sentence
from builder.core.tokenizer import tokenize
from builder.prelabel.interface import EventTagger


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
    return {**prf(tp, fp, fn), "support": support}


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
