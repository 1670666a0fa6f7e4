"""Several annotators → one label set per sentence.

Policy: an annotation marked ground truth in Label Studio (or by the adjudicator) wins;
one annotator's labels are accepted; several annotators who agree on entities, triggers
and event types are accepted; of three or more, the version more than half of them gave
exactly is accepted (majority vote); anything else (two who disagree, a tie, no majority)
marks the sentence for review and lists what differs. The agreement figure counts entities,
triggers and event types. How much annotators agree is measured for the release (builder/release/quality.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations
from statistics import fmean

from builder.core.labels import LabelSet
from builder.workspace.human import ACCEPTED, REVIEW, SKIPPED, Annotation, FinalLabels


def _items(a: Annotation) -> set[tuple[object, ...]]:
    spans = {("E", s.start, s.end, s.label) for s in a.labels.entities}
    triggers = {("T", s.start, s.end, s.label) for s in a.labels.triggers}
    return spans | triggers | {("V", t) for t in a.labels.event_types}


def _f1(a: set[tuple[object, ...]], b: set[tuple[object, ...]]) -> float:
    return 1.0 if not a and not b else 2 * len(a & b) / (len(a) + len(b))


def _same(a: Annotation, b: Annotation) -> bool:
    return _items(a) == _items(b)


def _majority(done: Sequence[Annotation]) -> tuple[Annotation, int] | None:
    """The version more than half of three or more annotators gave exactly (the latest of them), if any."""
    if len(done) < 3:
        return None
    versions: dict[frozenset[tuple[object, ...]], list[Annotation]] = defaultdict(list)
    for a in done:
        versions[frozenset(_items(a))].append(a)
    group = max(versions.values(), key=len)
    if 2 * len(group) <= len(done):
        return None
    return max(group, key=lambda a: a.updated_at), len(group)


def _differences(annotations: Sequence[Annotation]) -> str:
    parts = []
    for a in annotations:
        ents = ", ".join(f"{s.text}/{s.label}" for s in a.labels.entities) or "no entities"
        triggers = ", ".join(f"{s.text}/{s.label}" for s in a.labels.triggers) or "none"
        parts.append(f"{a.annotator}: {ents}; triggers {triggers}; events {list(a.labels.event_types)}")
    return " | ".join(parts)


def merge_sentence(annotations: Sequence[Annotation], adjudicator: str | None = None) -> FinalLabels:
    """Apply the merge policy to one sentence's latest annotations (one per annotator)."""
    first = annotations[0]
    done = [a for a in annotations if not a.skipped]
    names = tuple(sorted(a.annotator for a in annotations))
    agreement = fmean(_f1(_items(a), _items(b)) for a, b in combinations(done, 2)) if len(done) > 1 else None

    def final(status: str, reason: str, chosen: Annotation | None) -> FinalLabels:
        return FinalLabels(
            sentence_id=first.sentence_id, text_hash=first.text_hash, status=status, reason=reason,
            annotators=names, agreement=None if agreement is None else round(agreement, 4),
            labels=chosen.labels if chosen else LabelSet(),
        )

    if not done:
        return final(SKIPPED, "skipped by " + ", ".join(names), None)
    deciding = [a for a in done if a.ground_truth or a.annotator == adjudicator]
    if deciding:
        chosen = max(deciding, key=lambda a: a.updated_at)
        return final(ACCEPTED, f"adjudicated by {chosen.annotator}", chosen)
    if len(done) == 1:
        return final(ACCEPTED, "single annotator", done[0])
    if all(_same(done[0], other) for other in done[1:]):
        return final(ACCEPTED, f"{len(done)} annotators agree", done[0])
    majority = _majority(done)
    if majority is not None:
        chosen, votes = majority
        return final(ACCEPTED, f"majority vote: {votes} of {len(done)} annotators agree", chosen)
    return final(REVIEW, "annotators disagree: " + _differences(done), None)


def merge(annotations: Iterable[Annotation], adjudicator: str | None = None) -> list[FinalLabels]:
    """Final labels for every annotated sentence, in sentence id order."""
    by_sentence: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        by_sentence[annotation.sentence_id].append(annotation)
    return [merge_sentence(group, adjudicator) for _, group in sorted(by_sentence.items())]
