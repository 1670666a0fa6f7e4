"""Scores of a model on the evaluation data, and the change from the current model to the new one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MICRO = "micro avg"
METRICS = ("precision", "recall", "f1-score", "support")


@dataclass(frozen=True)
class Scores:
    """Per-label precision/recall/F1/support and their micro average over all the evaluation data
    (`labels`), and the micro average of each part of it (`parts`: each public set, `workspace`)."""

    labels: dict[str, dict[str, float]]
    parts: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def combined(self) -> float:
        """The figure promotion is decided on: micro-F1 over all the evaluation data."""
        return float(self.labels.get(MICRO, {}).get("f1-score", 0.0))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"labels": self.labels, "parts": self.parts, "combined_f1": round(self.combined, 4)}


def clean(report: dict[str, Any]) -> dict[str, dict[str, float]]:
    """A report's rows with the four metrics, floats rounded to 4 places and supports as integers."""
    return {label: {m: (int(row[m]) if m == "support" else round(float(row[m]), 4)) for m in METRICS if m in row}
            for label, row in report.items()}


@dataclass(frozen=True)
class Change:
    """One label's F1 before and after, and its support."""

    label: str
    before: float
    after: float
    support: int

    @property
    def delta(self) -> float:
        """After minus before."""
        return round(self.after - self.before, 4)


def changes(before: Scores, after: Scores) -> list[Change]:
    """The per-label change (labels of either model), micro average last."""
    names = sorted((set(before.labels) | set(after.labels)) - {MICRO}) + [MICRO]
    out = []
    for name in names:
        old, new = before.labels.get(name, {}), after.labels.get(name, {})
        out.append(Change(name, float(old.get("f1-score", 0.0)), float(new.get("f1-score", 0.0)),
                          int(new.get("support", old.get("support", 0)))))
    return out
