"""CHANGES.md: what changed since the previous version (added, removed, relabelled, split moves)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from builder.core.schema import Schema
from builder.release.rows import ReleaseRow


def read_release_rows(path: Path) -> dict[str, dict[str, Any]]:
    """A released version's rows by id, with their split."""
    out = {}
    for part in sorted((path / "data").glob("*.parquet")):
        split = part.name.split("-", 1)[0]
        for r in pq.read_table(part, columns=["id", "ner_tags", "event_types", "status"]).to_pylist():
            out[r["id"]] = {**r, "split": split}
    return out


def changes_markdown(previous: str | None, before: Mapping[str, dict[str, Any]] | None,
                     rows: Mapping[str, list[ReleaseRow]], schema: Schema) -> str:
    """What changed since the previous version: added, removed, relabelled, gold/silver and split moves."""
    now = {r.id: {"status": r.status, "ner_tags": r.ner_tags, "event_types": r.event_types, "split": split}
           for split, items in rows.items() for r in items}
    if previous is None or before is None:
        return f"# Changes\n\nFirst release: {len(now):,} sentences.\n"
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    relabelled: Counter[str] = Counter()
    moves: Counter[str] = Counter()
    split_moves = 0
    changed = 0
    for sid in sorted(set(now) & set(before)):
        old, new = before[sid], now[sid]
        if old["status"] != new["status"]:
            moves[f"{old['status']} → {new['status']}"] += 1
        if old["split"] != new["split"]:
            split_moves += 1
        if list(old["ner_tags"]) != list(new["ner_tags"]) or sorted(old["event_types"]) != sorted(new["event_types"]):
            changed += 1
            old_tags = Counter(schema.ner_tags[t][2:] for t in old["ner_tags"] if schema.ner_tags[t].startswith("B-"))
            new_tags = Counter(schema.ner_tags[t][2:] for t in new["ner_tags"] if schema.ner_tags[t].startswith("B-"))
            for label in set(old_tags) | set(new_tags):
                if old_tags[label] != new_tags[label]:
                    relabelled[label] += 1
            for e in set(old["event_types"]) ^ set(new["event_types"]):
                relabelled[schema.event_labels[e]] += 1
    lines = [f"# Changes since {previous}", "",
             f"- sentences added: {len(added):,}", f"- sentences removed: {len(removed):,}",
             f"- sentences relabelled: {changed:,}", f"- sentences that moved split: {split_moves:,}"]
    for move, count in sorted(moves.items()):
        lines.append(f"- {move}: {count:,}")
    if relabelled:
        lines += ["", "Relabelled sentences per label (a sentence counts once per label whose spans or event "
                  "type changed):", "", "| label | sentences |", "|---|---|"]
        lines += [f"| {label} | {count:,} |" for label, count in sorted(relabelled.items())]
    return "\n".join(lines) + "\n"
