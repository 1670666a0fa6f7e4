"""Label Studio tasks: one sentence each, with its context and the pre-labels as a prediction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from statistics import fmean
from typing import Any

from annotation.labelconfig import (
    ENTITIES,
    EVENTS,
    EVENTS_RESULT_TYPE,
    TEXT,
    TRIGGERS,
    event_path,
)
from annotation.offsets import CODEPOINT, to_label_studio
from builder.core.labels import LabelSet
from builder.core.records import Sentence, Span, short_hash
from builder.prelabel.ranking import DEFAULT_DECAY, ranked


def with_neighbours(sentences: Iterable[Sentence]) -> Iterator[tuple[Sentence, str, str]]:
    """Each sentence with the text of the previous and next sentence of its article ("" at the ends).

    Sentences must come grouped by article, in index order (as the workspace stores them).
    """
    for _, group in groupby(sentences, key=lambda s: s.article_id):
        article = list(group)
        for i, sentence in enumerate(article):
            prev = article[i - 1].text if i > 0 else ""
            nxt = article[i + 1].text if i + 1 < len(article) else ""
            yield sentence, prev, nxt


def _region(span: Span, text: str, from_name: str, number: int, units: str) -> dict[str, Any]:
    region: dict[str, Any] = {
        "id": f"{from_name[0]}{number}",
        "from_name": from_name,
        "to_name": TEXT,
        "type": "labels",
        "value": {"start": to_label_studio(text, span.start, units), "end": to_label_studio(text, span.end, units),
                  "text": span.text,
                  "labels": [span.label]},
        "meta": {"text": [span.source]},
    }
    if span.score is not None:
        region["score"] = round(span.score, 4)
    return region


def prediction(sentence: Sentence, labels: LabelSet, model_version: str,
               units: str = CODEPOINT, uncertainty: float | None = None) -> dict[str, Any]:
    """The pre-labels of a sentence as one Label Studio prediction, offsets in the server's units.

    Its `score` is the pre-labeller's confidence in the sentence, 1 - `uncertainty` (Label Studio's
    "Uncertainty sampling" serves the lowest score first); pre-labels stored without an uncertainty
    (older parts) get the mean of their span and event scores, as before.
    """
    text = sentence.text
    result = [_region(s, text, ENTITIES, i, units) for i, s in enumerate(labels.entities)]
    result += [_region(s, text, TRIGGERS, i, units) for i, s in enumerate(labels.triggers)]
    if labels.events:
        # Label Studio's Taxonomy preselects these paths on the screen (checked in a real browser).
        result.append({"id": "events", "from_name": EVENTS, "to_name": TEXT, "type": EVENTS_RESULT_TYPE,
                       "value": {EVENTS_RESULT_TYPE: [event_path(e.label) for e in labels.events]}})
    if uncertainty is not None:
        score = round(1.0 - uncertainty, 6)
    else:
        scores = [s.score for s in (*labels.entities, *labels.triggers) if s.score is not None]
        scores += [e.score for e in labels.events if e.score is not None]
        score = round(fmean(scores), 4) if scores else 1.0
    return {"model_version": model_version, "score": score, "result": result}


def task_data(sentence: Sentence, *, title: str, prev: str, next_: str) -> dict[str, Any]:
    """The `data` of a task; `sentence_id` is what makes pushing idempotent."""
    return {
        "sentence_id": sentence.id,
        "article_id": sentence.article_id,
        "sentence_index": sentence.index,
        "text_hash": short_hash(sentence.text),
        "text": sentence.text,
        "title": title,
        "prev": prev,
        "next": next_,
    }


def build_tasks(
    sentences: Iterable[Sentence],
    *,
    titles: Mapping[str, str],
    prelabels: Mapping[str, LabelSet],
    model_version: str,
    units: str = CODEPOINT,
    uncertainty: Mapping[str, float | None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Tasks for sentences (grouped by article, in order), with predictions where pre-labels exist."""
    uncertainty = uncertainty or {}
    for sentence, prev, nxt in with_neighbours(sentences):
        task: dict[str, Any] = {
            "data": task_data(sentence, title=titles.get(sentence.article_id, ""), prev=prev, next_=nxt)
        }
        labels = prelabels.get(sentence.id)
        if labels is not None:
            task["predictions"] = [prediction(sentence, labels, model_version, units, uncertainty.get(sentence.id))]
        yield task


def task_uncertainty(task: dict[str, Any]) -> float:
    """How unsure the pre-labeller was of a task's sentence (1 - its prediction's score; 0 without one)."""
    predictions = task.get("predictions") or [{}]
    score = predictions[0].get("score")
    return 0.0 if score is None else max(0.0, 1.0 - float(score))


def ranked_tasks(tasks: Iterable[dict[str, Any]], decay: float = DEFAULT_DECAY) -> list[dict[str, Any]]:
    """Tasks in queue order: least sure first, spread over articles (builder/prelabel/ranking.py).

    Label Studio gives new tasks increasing ids in the order of the import, so under "Sequential
    sampling" annotators get exactly this order; under "Uncertainty sampling" the lowest prediction
    score comes first (see annotation/LABEL_STUDIO_NOTES.md, "The annotation queue").
    """
    return ranked(list(tasks), task_uncertainty, lambda t: t["data"]["article_id"], decay=decay)
