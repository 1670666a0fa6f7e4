"""Scoring sentence event types: per type and micro P/R/F1, exact sets, reliability, confusions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from builder.core.metrics import prf

RELIABILITY_BINS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0001)


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
    bins = [[0, 0] for _ in RELIABILITY_BINS[:-1]]
    confusions: Counter[tuple[str, str]] = Counter()
    exact = 0
    for truth, best in zip(gold, predicted, strict=True):
        guess = set(best)
        exact += truth == guess
        for label in truth | guess:
            counts[label]["tp" if label in truth and label in guess else "fp" if label in guess else "fn"] += 1
            counts[label]["support"] += label in truth
        for label, value in best.items():
            if value is not None:
                k = next(i for i in range(len(bins)) if value < RELIABILITY_BINS[i + 1])
                bins[k][0] += 1
                bins[k][1] += label in truth
        confusions.update((g, p) for g in truth - guess for p in guess - truth)
    total: Counter[str] = Counter()
    for c in counts.values():
        total.update(c)
    types = {k: {**prf(c["tp"], c["fp"], c["fn"]), "support": c["support"]} for k, c in sorted(counts.items())}
    types["micro avg"] = {**prf(total["tp"], total["fp"], total["fn"]), "support": total["support"]}
    reliability = [{"from": RELIABILITY_BINS[i], "to": min(1.0, RELIABILITY_BINS[i + 1]), "predictions": n,
                    "correct": round(ok / n, 4) if n else 0.0} for i, (n, ok) in enumerate(bins)]
    return TypeScores(types, round(exact / max(1, len(gold)), 4), reliability,
                      [(g, p, n) for (g, p), n in sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))[:10]])
