"""Several annotators → one label set per sentence, and how much they agree.

Policy: an annotation marked ground truth in Label Studio (or by the adjudicator) wins;
one annotator's labels are accepted; several annotators who agree on entities, triggers
and event types are accepted; any disagreement marks the sentence for review and lists
what differs. Agreement per label: pairwise span F1 for entities, Krippendorff's alpha
(nominal, from the `krippendorff` package) for each event type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from statistics import fmean

from annotation.export import Annotation
from builder.model import Span

ACCEPTED, REVIEW, SKIPPED = "accepted", "review", "skipped"


@dataclass(frozen=True)
class FinalLabels:
    """The merged labels of one sentence and how they were reached."""

    sentence_id: str
    text_hash: str
    status: str  # accepted | review | skipped
    reason: str
    annotators: tuple[str, ...]
    agreement: float | None  # mean pairwise F1 over entity spans and event types; None for one annotator
    entities: tuple[Span, ...] = ()
    triggers: tuple[Span, ...] = ()
    event_types: tuple[str, ...] = ()


def _items(a: Annotation) -> set[tuple[object, ...]]:
    spans = {("E", s.start, s.end, s.label) for s in a.entities}
    return spans | {("V", t) for t in a.event_types}


def _f1(a: set[tuple[object, ...]], b: set[tuple[object, ...]]) -> float:
    return 1.0 if not a and not b else 2 * len(a & b) / (len(a) + len(b))


def _same(a: Annotation, b: Annotation) -> bool:
    key = lambda x: {(s.start, s.end, s.label) for s in x}  # noqa: E731 - a local comparison key
    return key(a.entities) == key(b.entities) and key(a.triggers) == key(b.triggers) and (
        set(a.event_types) == set(b.event_types)
    )


def _differences(annotations: Sequence[Annotation]) -> str:
    parts = []
    for a in annotations:
        ents = ", ".join(f"{s.text}/{s.label}" for s in a.entities) or "no entities"
        parts.append(f"{a.annotator}: {ents}; events {list(a.event_types)}")
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
            entities=chosen.entities if chosen else (), triggers=chosen.triggers if chosen else (),
            event_types=chosen.event_types if chosen else (),
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
    return final(REVIEW, "annotators disagree: " + _differences(done), None)


def merge(annotations: Iterable[Annotation], adjudicator: str | None = None) -> list[FinalLabels]:
    """Final labels for every annotated sentence, in sentence id order."""
    by_sentence: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        by_sentence[annotation.sentence_id].append(annotation)
    return [merge_sentence(group, adjudicator) for _, group in sorted(by_sentence.items())]


@dataclass
class AgreementReport:
    """Per-label agreement among annotators, over the sentences that two or more annotated."""

    sentences_compared: int = 0
    entity_f1: dict[str, float] = field(default_factory=dict)  # mean pairwise span F1 per label
    event_alpha: dict[str, float | None] = field(default_factory=dict)  # Krippendorff's alpha per type


def agreement(annotations: Iterable[Annotation], entity_labels: Sequence[str],
              event_labels: Sequence[str]) -> AgreementReport:
    """Pairwise span F1 per entity label and Krippendorff's alpha per event type."""
    import numpy as np
    from krippendorff import alpha

    by_sentence: dict[str, list[Annotation]] = defaultdict(list)
    for a in annotations:
        if not a.skipped:
            by_sentence[a.sentence_id].append(a)
    shared = {sid: group for sid, group in by_sentence.items() if len(group) > 1}
    report = AgreementReport(sentences_compared=len(shared))
    if not shared:
        return report
    for label in entity_labels:
        matched = total = 0
        for group in shared.values():
            for a, b in combinations(group, 2):
                sa = {(s.start, s.end) for s in a.entities if s.label == label}
                sb = {(s.start, s.end) for s in b.entities if s.label == label}
                matched += 2 * len(sa & sb)
                total += len(sa) + len(sb)
        if total:
            report.entity_f1[label] = round(matched / total, 4)
    annotators = sorted({a.annotator for group in shared.values() for a in group})
    sentence_ids = sorted(shared)
    for event_type in event_labels:
        data = np.full((len(annotators), len(sentence_ids)), np.nan)
        for j, sid in enumerate(sentence_ids):
            for a in shared[sid]:
                data[annotators.index(a.annotator), j] = 1.0 if event_type in a.event_types else 0.0
        observed = data[~np.isnan(data)]
        if not observed.size or observed.max() == 0:
            continue  # no one used this type
        if observed.min() == observed.max():
            report.event_alpha[event_type] = None  # alpha is undefined when every answer is the same
            continue
        value = alpha(reliability_data=data, level_of_measurement="nominal")
        report.event_alpha[event_type] = None if np.isnan(value) else round(float(value), 4)
    return report
