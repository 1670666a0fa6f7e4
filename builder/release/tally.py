"""Counts of a release, added up a batch at a time: per split, status, label, event type and outlet."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from builder.core.schema import Schema
from builder.release.neardup import Groups
from builder.release.options import GOLD, SILVER, SPLITS
from builder.release.rows import ReleaseBatch


def _labels_by_status(spans: pa.ChunkedArray, status: np.ndarray) -> Counter[tuple[str, str]]:
    lengths = pc.list_value_length(spans).fill_null(0).to_numpy(zero_copy_only=False)
    labels = pc.struct_field(pc.list_flatten(spans), "label").to_pylist()
    return Counter(zip(labels, np.repeat(status, lengths).tolist(), strict=True))


@dataclass
class Tally:
    """Running counts of the rows written."""

    schema: Schema
    splits: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    entities: Counter[tuple[str, str]] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    sources: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    example: dict[str, Any] | None = None

    def add(self, batch: ReleaseBatch) -> None:
        """Count one batch's rows."""
        table = batch.table
        if not len(table):
            return
        status = table["status"].to_numpy()
        tokens = pc.list_value_length(table["tokens"]).to_numpy()
        articles = table["article_id"].to_numpy()
        first_of_article = np.concatenate(([True], articles[1:] != articles[:-1]))
        for split in SPLITS:
            rows = batch.splits == split
            if not rows.any():
                continue
            counts = self.splits[split]
            counts["sentences"] += int(rows.sum())
            counts["articles"] += int((rows & first_of_article).sum())
            counts["tokens"] += int(tokens[rows].sum())
            counts.update(Counter(status[rows].tolist()))
        self.entities.update(_labels_by_status(table["entities"], status))
        names = self.schema.event_labels
        self.events.update(names[i] for i in pc.list_flatten(table["event_types"]).to_pylist())
        sources = table["source"].to_numpy(zero_copy_only=False)
        for source, count in Counter(sources.tolist()).items():
            self.sources[source or "(unknown)"]["sentences"] += count
        for source, count in Counter(sources[first_of_article].tolist()).items():
            self.sources[source or "(unknown)"]["articles"] += count
        if self.example is None or (self.example["status"] != GOLD and GOLD in status):
            self.example = table.slice(int(np.argmax(status == GOLD)) if GOLD in status else 0, 1).to_pylist()[0]

    def as_dict(self, groups: Groups) -> dict[str, Any]:
        """The counts as the manifest and card keep them."""
        status: Counter[str] = Counter()
        for counts in self.splits.values():
            status.update({k: v for k, v in counts.items() if k in (GOLD, SILVER)})
        splits = {s: {"sentences": c["sentences"], "articles": c["articles"], "tokens": c["tokens"],
                      **{k: c[k] for k in (GOLD, SILVER) if c[k]}} for s, c in self.splits.items() if c["sentences"]}
        return {
            "splits": {s: splits[s] for s in SPLITS if s in splits},
            "status": {k: status[k] for k in (SILVER, GOLD) if status[k]},
            "entities": {label: {GOLD: self.entities[(label, GOLD)], SILVER: self.entities[(label, SILVER)]}
                         for label in self.schema.entity_labels},
            "events": {e: self.events.get(e, 0) for e in self.schema.event_labels},
            "sources": {s: dict(sorted(c.items())) for s, c in sorted(self.sources.items())},
            "near_duplicate_groups": groups.group_count,
            "articles_in_near_duplicate_groups": groups.grouped_articles,
        }
