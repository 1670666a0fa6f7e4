"""The one precision/recall/F1 helper for counts that are not spans (spans go through seqeval), and the
reliability table of scored predictions."""

from __future__ import annotations

from collections.abc import Iterable

RELIABILITY_BINS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0001)


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts, rounded to 4 places (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1-score": round(f, 4)}


def reliability(scored: Iterable[tuple[float, bool]], bins: tuple[float, ...] = RELIABILITY_BINS) -> list[dict[str, float]]:
    """How often a prediction is right, by its score: per bin of `bins`, the predictions, the share right and
    their mean score. A calibrated score has the share right close to the mean score in every bin."""
    counts = [[0, 0, 0.0] for _ in bins[:-1]]
    for score, right in scored:
        k = next((i for i in range(len(counts)) if score < bins[i + 1]), len(counts) - 1)
        counts[k][0] += 1
        counts[k][1] += right
        counts[k][2] += score
    return [{"from": bins[i], "to": min(1.0, bins[i + 1]), "predictions": n,
             "correct": round(ok / n, 4) if n else 0.0, "mean_score": round(total / n, 4) if n else 0.0}
            for i, (n, ok, total) in enumerate(counts)]


def calibration_error(table: list[dict[str, float]]) -> float:
    """Expected calibration error of a reliability table: |share right - mean score| weighted by predictions."""
    total = sum(row["predictions"] for row in table)
    return round(sum(row["predictions"] * abs(row["correct"] - row["mean_score"]) for row in table) / total, 4) \
        if total else 0.0
