"""Scoring sentence event types: per type and micro P/R/F1, exact sets, reliability, confusions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from builder.core.metrics import prf, reliability


@dataclass
class TypeScores:
    """How predicted event types compare with gold ones, sentence by sentence."""

    types: dict[str, dict[str, float]]
    exact_match: float
    reliability: list[dict[str, float]] = field(default_factory=list)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def micro_f1(self) -> float:
        """Micro-F1 of sentence event types."""
        return self.types["micro avg"]["f1-score"]


def score_types(gold: Sequence[frozenset[str]], predicted: Sequence[Mapping[str, float | None]]) -> TypeScores:
    """Gold type sets against predicted types with their scores (None where a predictor has none)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    scored: list[tuple[float, bool]] = []
    confusions: Counter[tuple[str, str]] = Counter()
    exact = 0
    for truth, best in zip(gold, predicted, strict=True):
        guess = set(best)
        exact += truth == guess
        for label in truth | guess:
            counts[label]["tp" if label in truth and label in guess else "fp" if label in guess else "fn"] += 1
            counts[label]["support"] += label in truth
        scored += [(value, label in truth) for label, value in best.items() if value is not None]
        confusions.update((g, p) for g in truth - guess for p in guess - truth)
    total: Counter[str] = Counter()
    for c in counts.values():
        total.update(c)
    types = {k: {**prf(c["tp"], c["fp"], c["fn"]), "support": c["support"]} for k, c in sorted(counts.items())}
    types["micro avg"] = {**prf(total["tp"], total["fp"], total["fn"]), "support": total["support"]}
    return TypeScores(types, round(exact / max(1, len(gold)), 4), reliability(scored),
                      [(g, p, n) for (g, p), n in sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))[:10]])
