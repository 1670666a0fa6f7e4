"""What a pre-labelling pass wrote into a pre-label folder: counts per source, label and event type.

Both engines and the ingest pass that pre-labels fill it in, so it lives with the workspace.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from builder.core.labels import SentenceLabels


@dataclass
class PrelabelSummary:
    """What one pre-labelling run did."""

    directory: str
    versions: tuple[str, ...]
    sentences: int = 0
    tokens: int = 0
    already_labelled: int = 0
    entities_by_source: Counter[str] = field(default_factory=Counter)
    entities_by_label: Counter[str] = field(default_factory=Counter)
    events_by_type: Counter[str] = field(default_factory=Counter)
    output: str | None = None

    def count(self, labels: Iterable[SentenceLabels]) -> None:
        """Add sentences' pre-labels to the counts."""
        for item in labels:
            self.sentences += 1
            self.entities_by_source.update(e.source for e in item.labels.entities)
            self.entities_by_label.update(e.label for e in item.labels.entities)
            self.events_by_type.update(item.labels.event_types)

    def count_table(self, table: pa.Table) -> None:
        """Add the counts of a PRELABEL_SCHEMA table (with Arrow compute, not row by row)."""
        self.sentences += table.num_rows
        entities = pc.list_flatten(table["entities"])
        for counter, values in ((self.entities_by_source, pc.struct_field(entities, "source")),
                                (self.entities_by_label, pc.struct_field(entities, "label")),
                                (self.events_by_type, pc.struct_field(pc.list_flatten(table["events"]), "label"))):
            for pair in pc.value_counts(values).to_pylist():
                counter[pair["values"]] += pair["counts"]

    def add(self, other: PrelabelSummary) -> None:
        """Add the counts of another summary (of the same pre-labeller)."""
        self.sentences += other.sentences
        self.tokens += other.tokens
        self.already_labelled += other.already_labelled
        self.entities_by_source.update(other.entities_by_source)
        self.entities_by_label.update(other.entities_by_label)
        self.events_by_type.update(other.events_by_type)

    def to_report(self) -> dict[str, object]:
        """The counts as a JSON-ready report."""
        return {"directory": self.directory, "versions": list(self.versions), "sentences": self.sentences,
                "entities_by_label": dict(sorted(self.entities_by_label.items())),
                "events_by_type": dict(sorted(self.events_by_type.items()))}
