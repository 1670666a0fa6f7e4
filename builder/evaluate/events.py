"""Score sentence event types against a gold JSONL file: per type and micro P/R/F1, exact set match."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder.core.records import Sentence
from builder.core.tokenizer import tokenize
from builder.events.scoring import score_types
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
    """Per-type and micro precision/recall/F1 of sentence event types, exact-set accuracy, how reliable
    the scores are and which types are confused."""

    scores: dict[str, dict[str, float]]
    sentences: int
    exact_match: float
    reliability: list[dict[str, float]] = field(default_factory=list)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)


def evaluate_events(gold: Sequence[EventGold], tagger: EventTagger) -> EventReport:
    """Compare predicted and gold event-type sets sentence by sentence."""
    sentences = [Sentence(g.where, "gold", 0, 0, 0, g.text, tokenize(g.text)) for g in gold]
    predicted = []
    for labels, _ in tagger.tag(sentences):
        best: dict[str, float | None] = {}
        for e in labels:
            best[e.label] = e.score if best.get(e.label) is None else max(best[e.label] or 0.0, e.score or 0.0)
        predicted.append(best)
    result = score_types([g.event_types for g in gold], predicted)
    return EventReport(result.types, len(gold), result.exact_match, result.reliability, result.confusions)
