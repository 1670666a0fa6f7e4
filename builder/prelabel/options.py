"""Which files the taggers load: a small module, so the command line can build it without loading them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from builder.workspace.layout import Workspace
from builder.workspace.models import read_promoted


@dataclass(frozen=True)
class TaggerOptions:
    """Files the taggers load instead of the packaged ones. A lexicon given here replaces the event
    model (its triggers alone decide the event types)."""

    model_path: Path | None = None
    lexicon_path: Path | None = None
    event_model_path: Path | None = None


def with_promoted_models(options: TaggerOptions, workspace: Workspace) -> tuple[TaggerOptions, list[str]]:
    """The options with the workspace's promoted models (`builder train`) wherever no file was given; and the
    names of the promoted models taken. A trigger lexicon given replaces the event model, promoted or not."""
    promoted = read_promoted(workspace)
    taken = []
    ner, events = promoted.get("ner"), promoted.get("events")
    if options.model_path is None and ner is not None:
        options = replace(options, model_path=ner.path)
        taken.append(ner.name)
    if options.event_model_path is None and options.lexicon_path is None and events is not None:
        options = replace(options, event_model_path=events.path)
        taken.append(events.name)
    return options, taken
