"""Parse a Label Studio JSON export into checked annotations, one per annotator and task.

Offsets arrive in the server's units (annotation/offsets.py) and become code points here; every region's text
is checked against the sentence, every label against the schema; a region that cuts a
token is snapped to token boundaries and reported. Any disagreement is an error naming
the task and the sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotation.labelconfig import (
    ENTITIES,
    EVENTS,
    FLAGS,
    FLAGS_NAME,
    TRIGGERS,
    event_types_of,
)
from annotation.offsets import CODEPOINT, UTF16, from_label_studio
from builder.core.labels import LabelSet
from builder.core.records import Span, Token
from builder.core.schema import Schema
from builder.core.spans import snap
from builder.core.tokenizer import tokenize
from builder.workspace.human import Annotation


class ExportError(ValueError):
    """The export cannot be used as it is; `problems` lists every one found."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = "\n".join(f"- {p}" for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the export:\n{shown}{more}")
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class SnapReport:
    """A human span that cut a token and was widened to token boundaries."""

    task_id: int
    sentence_id: str
    annotator: str
    before: str
    after: str


@dataclass
class ParsedExport:
    """Everything a pull learned from one export."""

    annotations: list[Annotation] = field(default_factory=list)
    snapped: list[SnapReport] = field(default_factory=list)
    tasks: int = 0
    tasks_without_annotations: int = 0
    superseded: int = 0  # older annotations of the same annotator on the same task
    drafts_ignored: int = 0


def annotator_of(annotation: dict[str, Any]) -> str:
    """Label Studio gives `completed_by` as a user id, or as an object with id and email."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return str(who.get("email") or who.get("id"))
    return str(who)


def check_shape(export: object) -> list[dict[str, Any]]:
    """The export as a list of tasks made by this tool, or ExportError saying what it is instead."""
    if not isinstance(export, list):
        raise ExportError([f"expected a JSON list of tasks (Label Studio 'JSON' export), got {type(export).__name__}"])
    problems = []
    for i, task in enumerate(export):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            problems.append(f"item {i}: not a Label Studio task (no 'data' object)")
            continue
        data = task["data"]
        if not isinstance(data.get("sentence_id"), str) or not isinstance(data.get("text"), str):
            problems.append(f"task {task.get('id', i)}: no data.sentence_id/data.text; this export was not made "
                            "from tasks that `builder push` created")
        if not isinstance(task.get("annotations", []), list):
            problems.append(f"task {task.get('id', i)}: 'annotations' is not a list")
    if problems:
        raise ExportError(problems)
    return export  # type: ignore[return-value]


def _regions(result: list[dict[str, Any]], text: str, schema: Schema, where: str, units: str,
             problems: list[str]) -> tuple[list[Span], list[Span], list[str], list[str]]:
    entities: list[Span] = []
    triggers: list[Span] = []
    events: list[str] = []
    flags: list[str] = []
    allowed = {ENTITIES: set(schema.entity_labels), TRIGGERS: set(schema.event_labels)}
    for item in result:
        name, value = item.get("from_name"), item.get("value") or {}
        if name in allowed:
            labels = value.get("labels") or []
            if len(labels) != 1 or labels[0] not in allowed[name]:
                problems.append(f"{where}: {name} region has labels {labels}; expected one of the schema's")
                continue
            try:
                start = from_label_studio(text, int(value["start"]), units)
                end = from_label_studio(text, int(value["end"]), units)
            except (KeyError, TypeError, ValueError) as error:
                problems.append(f"{where}: {name} region {labels[0]} has bad offsets ({error})")
                continue
            if "text" not in value or text[start:end] != value["text"]:
                problems.append(f"{where}: {name} region {labels[0]} [{start}, {end}) says "
                                f"{value.get('text')!r} but the sentence has {text[start:end]!r} there"
                                + _other_units_hint(text, value, units))
                continue
            if start >= end:
                problems.append(f"{where}: {name} region {labels[0]} is empty")
                continue
            span = Span(start, end, labels[0], value["text"], "human")
            (entities if name == ENTITIES else triggers).append(span)
        elif name == EVENTS:
            choices = event_types_of(value)  # a Taxonomy's paths (or the older Choices)
            unknown = [c for c in choices if c not in schema.event_labels]
            if unknown:
                problems.append(f"{where}: event types {unknown} are not in the schema")
            events += [c for c in choices if c in schema.event_labels]
        elif name == FLAGS_NAME:
            flags += [c for c in value.get("choices") or [] if c in FLAGS]
        else:
            problems.append(f"{where}: result from unknown control {name!r}; was the project's labelling "
                            "config changed by hand?")
    return entities, triggers, events, flags


def _other_units_hint(text: str, value: dict[str, Any], units: str) -> str:
    other = UTF16 if units == CODEPOINT else CODEPOINT
    try:
        start = from_label_studio(text, int(value["start"]), other)
        end = from_label_studio(text, int(value["end"]), other)
    except (KeyError, TypeError, ValueError):
        return ""
    if text[start:end] == value.get("text"):
        return f" (it matches if the server counts {other} offsets: set offset units to {other})"
    return ""


def _latest_per_annotator(task: dict[str, Any], parsed: ParsedExport) -> dict[str, dict[str, Any]]:
    """Each annotator's newest annotation of a task (by update time, then id); older ones are counted."""
    latest: dict[str, dict[str, Any]] = {}
    for annotation in task.get("annotations") or []:
        who = annotator_of(annotation)
        key = (str(annotation.get("updated_at") or ""), int(annotation.get("id", 0)))
        current = latest.get(who)
        if current is None or key > (str(current.get("updated_at") or ""), int(current.get("id", 0))):
            if current is not None:
                parsed.superseded += 1
            latest[who] = annotation
        else:
            parsed.superseded += 1
    return latest


def _snapped(spans: list[Span], text: str, tokens: Sequence[Token], where: str, report: Callable[[Span, Span], None],
             problems: list[str]) -> list[Span]:
    """Spans moved onto token boundaries (each move reported); a span over no token is a problem."""
    kept = []
    for span in spans:
        moved = snap(span, text, tokens)
        if moved is None:
            problems.append(f"{where}: region {span.text!r} covers no token")
            continue
        if moved.moved:
            report(span, moved.span)
        kept.append(moved.span)
    return kept


def _check_overlaps(entities: list[Span], where: str, problems: list[str]) -> None:
    for left, right in zip(entities, entities[1:], strict=False):
        if right.start < left.end:
            problems.append(f"{where}: entity regions {left.text!r} ({left.label}) and {right.text!r} "
                            f"({right.label}) overlap; keep one of them in Label Studio")


def parse_export(export: object, schema: Schema, units: str = CODEPOINT) -> ParsedExport:
    """Checked annotations from an export: each annotator's latest submitted annotation per task."""
    parsed = ParsedExport()
    problems: list[str] = []
    for task in check_shape(export):
        parsed.tasks += 1
        data = task["data"]
        text, sentence_id, task_id = data["text"], data["sentence_id"], int(task.get("id", -1))
        parsed.drafts_ignored += len(task.get("drafts") or [])
        latest = _latest_per_annotator(task, parsed)
        if not latest:
            parsed.tasks_without_annotations += 1
        tokens = tokenize(text)
        for who, annotation in sorted(latest.items()):
            where = f"task {task_id} (sentence {sentence_id}, annotator {who})"
            skipped = bool(annotation.get("was_cancelled"))
            entities, triggers, events, flags = ([], [], [], [])
            if not skipped:
                entities, triggers, events, flags = _regions(annotation.get("result") or [], text, schema, where,
                                                             units, problems)

            def report(before: Span, after: Span, who: str = who) -> None:
                parsed.snapped.append(SnapReport(task_id, sentence_id, who, before.text, after.text))

            entities = sorted(_snapped(entities, text, tokens, where, report, problems), key=lambda s: s.start)
            triggers = _snapped(triggers, text, tokens, where, report, problems)
            _check_overlaps(entities, where, problems)
            parsed.annotations.append(
                Annotation(
                    task_id=task_id,
                    annotation_id=int(annotation.get("id", 0)),
                    sentence_id=sentence_id,
                    text_hash=str(data.get("text_hash", "")),
                    annotator=who,
                    updated_at=str(annotation.get("updated_at") or ""),
                    skipped=skipped,
                    labels=LabelSet.of_types(entities, triggers, sorted(set(events))),
                    flags=tuple(sorted(set(flags))),
                    ground_truth=bool(annotation.get("ground_truth")),
                )
            )
    if problems:
        raise ExportError(problems)
    return parsed
