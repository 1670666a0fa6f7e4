"""Which files the taggers load: a small module, so the command line can build it without loading them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TaggerOptions:
    """Files the taggers load instead of the packaged ones. A lexicon given here replaces the event
    model (its triggers alone decide the event types)."""

    model_path: Path | None = None
    lexicon_path: Path | None = None
    event_model_path: Path | None = None
