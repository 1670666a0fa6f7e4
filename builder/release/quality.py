"""How good a release's labels are: pre-labels against gold (strict seqeval, with intervals), and agreement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from builder.core.metrics import prf
from builder.core.schema import Schema
from builder.release.rows import GoldPairs
from builder.workspace.human import Annotation

BOOTSTRAP = 1000  # resamples of the gold sentences for the confidence intervals
FEW_GOLD_SPANS = 100  # below this many gold spans the card says the figures are indicative only


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(2 * tp / (2 * tp + fp + fn))


def _interval(counts: np.ndarray, seed: int = 0) -> list[float]:
    """95% bootstrap interval of micro F1 over sentences; `counts` is sentences x (tp, fp, fn)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(counts), size=(BOOTSTRAP, len(counts)))
    sums = counts[picks].sum(axis=1)
    low, high = np.percentile(_f1(sums[:, 0], sums[:, 1], sums[:, 2]), [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def _entity_counts(gold: list[list[str]], pred: list[list[str]]) -> np.ndarray:
    """Strict span matches per sentence (seqeval's IOB2 entities): rows of (tp, fp, fn)."""
    from seqeval.scheme import IOB2, Entities

    truth = Entities(gold, IOB2).entities
    guess = Entities(pred, IOB2).entities
    rows = []
    for t, g in zip(truth, guess, strict=True):
        t_set, g_set = {e.to_tuple() for e in t}, {e.to_tuple() for e in g}
        rows.append((len(t_set & g_set), len(g_set - t_set), len(t_set - g_set)))
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def prelabel_quality(pairs: GoldPairs, schema: Schema) -> dict[str, Any]:
    """Strict seqeval scores of the pre-labels against gold, with sample sizes and 95% bootstrap intervals."""
    if not pairs.gold_tags:
        return {}
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    report = classification_report(pairs.gold_tags, pairs.pred_tags, mode="strict", scheme=IOB2, output_dict=True,
                                   zero_division=0)
    ner = {k: {m: round(float(v), 4) if m != "support" else int(v) for m, v in report[k].items()}
           for k in (*schema.entity_labels, "micro avg") if k in report}
    counts = _entity_counts(pairs.gold_tags, pairs.pred_tags)
    event_counts = np.array([(len(t & g), len(g - t), len(t - g))
                             for t, g in zip(pairs.gold_events, pairs.pred_events, strict=True)], dtype=np.int64)
    tp, fp, fn = (int(x) for x in event_counts.sum(axis=0))
    gold_spans = int(counts[:, 0].sum() + counts[:, 2].sum())
    return {"sentences": len(pairs.gold_tags), "gold_spans": gold_spans, "ner": ner,
            "ner_micro_f1_interval": _interval(counts), "events": prf(tp, fp, fn),
            "events_micro_f1_interval": _interval(event_counts), "indicative_only": gold_spans < FEW_GOLD_SPANS}


def _span_f1(groups: Iterable[Sequence[Annotation]], labels: Sequence[str], kind: str) -> dict[str, float]:
    """Pairwise span F1 per label (entities or triggers) over sentences two or more annotated."""
    matched: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for group in groups:
        for a, b in combinations(group, 2):
            spans_a, spans_b = getattr(a.labels, kind), getattr(b.labels, kind)
            for label in labels:
                sa = {(s.start, s.end) for s in spans_a if s.label == label}
                sb = {(s.start, s.end) for s in spans_b if s.label == label}
                matched[label] += 2 * len(sa & sb)
                total[label] += len(sa) + len(sb)
    return {label: round(matched[label] / total[label], 4) for label in labels if total[label]}


@dataclass
class AgreementReport:
    """Per-label agreement among annotators, over the sentences that two or more annotated."""

    sentences_compared: int = 0
    entity_f1: dict[str, float] = field(default_factory=dict)  # mean pairwise span F1 per label
    trigger_f1: dict[str, float] = field(default_factory=dict)  # the same for event triggers, per event type
    event_alpha: dict[str, float | None] = field(default_factory=dict)  # Krippendorff's alpha per type


def agreement(annotations: Iterable[Annotation], entity_labels: Sequence[str],
              event_labels: Sequence[str]) -> AgreementReport:
    """Pairwise span F1 per entity label and per trigger label, and Krippendorff's alpha per event type."""
    from krippendorff import alpha

    by_sentence: dict[str, list[Annotation]] = defaultdict(list)
    for a in annotations:
        if not a.skipped:
            by_sentence[a.sentence_id].append(a)
    shared = {sid: group for sid, group in by_sentence.items() if len(group) > 1}
    report = AgreementReport(sentences_compared=len(shared))
    if not shared:
        return report
    report.entity_f1 = _span_f1(shared.values(), entity_labels, "entities")
    report.trigger_f1 = _span_f1(shared.values(), event_labels, "triggers")
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
