"""Exports beside the Parquet files: CoNLL (token<TAB>tag) per split."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq


def export_conll(release: Path, out_dir: Path, names: list[str] | None = None) -> list[Path]:
    """One `token<TAB>tag` file per split of a release, sentences separated by blank lines."""
    if names is None:
        names = json.loads((release / "manifest.json").read_text(encoding="utf-8"))["schema"]["ner_tags"]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for part in sorted((release / "data").glob("*.parquet")):
        split = part.name.split("-", 1)[0]
        path = out_dir / f"{split}.conll"
        with path.open("w", encoding="utf-8") as handle:
            for row in pq.read_table(part, columns=["tokens", "ner_tags"]).to_pylist():
                for token, tag in zip(row["tokens"], row["ner_tags"], strict=True):
                    handle.write(f"{token}\t{names[tag]}\n")
                handle.write("\n")
        written.append(path)
    return written
