"""What `builder train` is given (TrainOptions) and what it gives back per model (Outcome, TrainResult)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.learn.events import EventOptions
from builder.learn.gold import GoldSet
from builder.learn.ner import NerOptions
from builder.learn.scores import Scores


@dataclass(frozen=True)
class TrainOptions:
    """Which models to train, how, and whether to promote a new model even when it is worse."""

    ner: NerOptions
    events: EventOptions
    train_ner: bool = True
    train_events: bool = True
    force: bool = False
    holdout_fraction: float = 0.2
    command: str = "builder train"
    on_progress: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        if not (self.train_ner or self.train_events):
            raise ValueError("nothing to train: leave --ner or --events on")


@dataclass
class Outcome:
    """What training one model gave: where it went, its scores against the current model's, the decision."""

    kind: str
    name: str
    version: int
    folder: Path
    model_file: Path
    current: str
    before: Scores
    after: Scores
    promoted: bool
    forced: bool
    reason: str
    sentences: dict[str, dict[str, int]]
    notes: dict[str, int]
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainResult:
    """The gold read, each model's outcome and the run report written."""

    gold: GoldSet
    outcomes: list[Outcome]
    report: Path
