"""How good a release's labels are: pre-labels against gold (strict seqeval), and annotator agreement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from builder.core.metrics import prf
from builder.core.schema import Schema
from builder.core.spans import spans_to_tags
from builder.release.inputs import ReleaseInputs
from builder.workspace.human import Annotation


def prelabel_quality(inputs: ReleaseInputs, schema: Schema) -> dict[str, Any]:
    """Strict seqeval scores of the pre-labels against gold, on sentences that have both."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    both = [s for s in inputs.sentences if s.id in inputs.gold and s.id in inputs.prelabels]
    if not both:
        return {}
    gold_tags = [spans_to_tags(s.tokens, inputs.gold[s.id].labels.entities, s.id) for s in both]
    pred_tags = [spans_to_tags(s.tokens, inputs.prelabels[s.id].labels.entities, s.id) for s in both]
    report = classification_report(gold_tags, pred_tags, mode="strict", scheme=IOB2, output_dict=True,
                                   zero_division=0)
    ner = {k: {m: round(float(v), 4) if m != "support" else int(v) for m, v in report[k].items()}
           for k in (*schema.entity_labels, "micro avg") if k in report}
    tp = fp = fn = 0
    for s in both:
        truth = set(inputs.gold[s.id].labels.event_types)
        guess = set(inputs.prelabels[s.id].labels.event_types)
        tp, fp, fn = tp + len(truth & guess), fp + len(guess - truth), fn + len(truth - guess)
    return {"sentences": len(both), "ner": ner, "events": prf(tp, fp, fn)}


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
                sa = {(s.start, s.end) for s in a.labels.entities if s.label == label}
                sb = {(s.start, s.end) for s in b.labels.entities if s.label == label}
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
                data[annotators.index(a.annotator), j] = 1.0 if event_type in a.labels.event_types else 0.0
        observed = data[~np.isnan(data)]
        if not observed.size or observed.max() == 0:
            continue  # no one used this type
        if observed.min() == observed.max():
            report.event_alpha[event_type] = None  # alpha is undefined when every answer is the same
            continue
        value = alpha(reliability_data=data, level_of_measurement="nominal")
        report.event_alpha[event_type] = None if np.isnan(value) else round(float(value), 4)
    return report
