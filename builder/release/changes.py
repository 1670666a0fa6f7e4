"""CHANGES.md: what changed since the previous version (added, removed, relabelled, status and split moves)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.core.schema import Schema
from builder.release.options import GOLD
from builder.release.rows import ReleaseBatch

#: What is read of the previous release's rows to compare with.
PREVIOUS_SCHEMA = pa.schema([("id", pa.string()), ("article_id", pa.string()), ("ner_tags", pa.list_(pa.int64())),
                             ("event_types", pa.list_(pa.int64())), ("status", pa.string()), ("split", pa.string())])
SHOWN_MOVES = 50  # articles listed by id in CHANGES.md when splits were changed on request


def previous_rows(release: Path | None) -> Iterator[pa.RecordBatch]:
    """The previous release's rows (PREVIOUS_SCHEMA), streamed; nothing for a first release."""
    if release is None:
        return
    for part in sorted((release / "data").glob("*.parquet")):
        split = part.name.split("-", 1)[0]
        for batch in pq.ParquetFile(part).iter_batches(batch_size=65_536, columns=PREVIOUS_SCHEMA.names[:-1]):
            columns = [*batch.columns, pa.array([split] * len(batch), pa.string())]
            yield pa.RecordBatch.from_arrays(columns, schema=PREVIOUS_SCHEMA)


def previous_pins(release: Path | None, manifest: Mapping[str, object] | None) -> dict[str, str]:
    """Article → split as the previous release pinned it (read from its rows for releases before pins)."""
    if release is None or manifest is None:
        return {}
    pinned = manifest.get("pinned_splits")
    if isinstance(pinned, dict):
        return {article: split for split, ids in pinned.items() for article in ids}
    out: dict[str, str] = {}
    for batch in previous_rows(release):
        out.update(zip(batch.column("article_id").to_pylist(), batch.column("split").to_pylist(), strict=True))
    return out


@dataclass
class ChangeTally:
    """Running comparison of the rows written with the previous release's rows of the same articles."""

    schema: Schema
    now: int = 0
    added: int = 0
    removed: int = 0
    relabelled: int = 0
    split_moves: int = 0
    gold_withdrawn: int = 0  # gold before, not gold now (deleted in Label Studio, back in review, or gone)
    status_moves: Counter[str] = field(default_factory=Counter)
    per_label: Counter[str] = field(default_factory=Counter)

    def add(self, batch: ReleaseBatch, previous: pa.Table) -> None:
        """Compare one bucket's rows with the previous release's rows of the same articles."""
        table = batch.table
        self.now += len(table)
        at = pc.index_in(table["id"], value_set=previous["id"])
        matched = pc.is_valid(at).to_numpy(zero_copy_only=False)
        self.added += int((~matched).sum())
        self.removed += len(previous) - int(matched.sum())
        gold_before = previous.filter(pc.equal(previous["status"], GOLD))["id"]
        gold_now = table.filter(pc.equal(table["status"], GOLD))["id"]
        self.gold_withdrawn += len(gold_before) - int(pc.sum(pc.is_in(gold_before, value_set=gold_now)).as_py() or 0)
        if not matched.any():
            return
        rows = np.flatnonzero(matched)
        before = previous.take(at.filter(pa.array(matched)))
        now = table.take(pa.array(rows))
        names = self.schema.ner_tags
        for old, new, old_split, new_split in zip(
                before.select(["status", "ner_tags", "event_types"]).to_pylist(),
                now.select(["status", "ner_tags", "event_types"]).to_pylist(),
                before["split"].to_pylist(), batch.splits[rows].tolist(), strict=True):
            if old["status"] != new["status"]:
                self.status_moves[f"{old['status']} → {new['status']}"] += 1
            self.split_moves += old_split != new_split
            if old["ner_tags"] == new["ner_tags"] and sorted(old["event_types"]) == sorted(new["event_types"]):
                continue
            self.relabelled += 1
            old_tags = Counter(names[t][2:] for t in old["ner_tags"] if names[t].startswith("B-"))
            new_tags = Counter(names[t][2:] for t in new["ner_tags"] if names[t].startswith("B-"))
            self.per_label.update(label for label in set(old_tags) | set(new_tags) if old_tags[label] != new_tags[label])
            self.per_label.update(self.schema.event_labels[e] for e in set(old["event_types"]) ^ set(new["event_types"]))


def changes_markdown(previous: str | None, tally: ChangeTally, moved: Mapping[str, tuple[str, str]]) -> str:
    """What changed since the previous version, with every split move made on request."""
    if previous is None:
        return f"# Changes\n\nFirst release: {tally.now:,} sentences.\n"
    lines = [f"# Changes since {previous}", "",
             f"- sentences added: {tally.added:,}", f"- sentences removed: {tally.removed:,}",
             f"- sentences relabelled: {tally.relabelled:,}",
             f"- sentences that moved split: {tally.split_moves:,}",
             f"- articles that moved split: {len(moved):,}" + (" (asked for with --resplit)" if moved else ""),
             f"- gold labels removed: {tally.gold_withdrawn:,} (sentences gold in {previous} and not now: their "
             "annotation or task was deleted in Label Studio, or annotators now disagree)"]
    lines += [f"- {move}: {count:,}" for move, count in sorted(tally.status_moves.items())]
    if tally.per_label:
        lines += ["", "Relabelled sentences per label (a sentence counts once per label whose spans or event "
                  "type changed):", "", "| label | sentences |", "|---|---|"]
        lines += [f"| {label} | {count:,} |" for label, count in sorted(tally.per_label.items())]
    if moved:
        lines += ["", "Articles moved to another split (--resplit):", "", "| article | before | now |", "|---|---|---|"]
        lines += [f"| {a} | {old} | {new} |" for a, (old, new) in list(moved.items())[:SHOWN_MOVES]]
        if len(moved) > SHOWN_MOVES:
            lines.append(f"\n…and {len(moved) - SHOWN_MOVES:,} more; manifest.json pins every article's split.")
    return "\n".join(lines) + "\n"
