"""Exports beside the Parquet files, read back from them a batch at a time: JSONL, spaCy DocBin and CoNLL.

- `jsonl/<split>.jsonl`: one sentence per line, tags and event types by name, spans with source and score.
- `spacy/<split>/<shard>.spacy`: spaCy DocBins (install the `spacy` extra); entities as `doc.ents`, event
  types as `doc.cats`, triggers in `doc.spans["triggers"]`, ids, status and span scores in `user_data`.
- `conll/<split>.<status>.conll`: `token<TAB>tag`, CoNLL-2003's `-DOCSTART- -X- O O` line before
  each article, gold and
  silver rows in separate files (so a trainer never mixes them unknowingly).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.release.options import GOLD, ReleaseError

DOCS_PER_SHARD = 20_000  # spaCy docs per DocBin file
DOCSTART = "-DOCSTART- -X- O O"  # CoNLL-2003's document line: the first column is the token, the last the tag


@dataclass(frozen=True)
class ExportJob:
    """One export of one release: where from, where to, with which names."""

    release: Path
    out_dir: Path
    tag_names: Sequence[str]
    event_names: Sequence[str]
    gold_only: bool = False


def _splits(release: Path) -> list[tuple[str, Path]]:
    return [(part.name.split("-", 1)[0], part) for part in sorted((release / "data").glob("*.parquet"))]


def _rows(part: Path, gold_only: bool) -> Iterator[dict[str, Any]]:
    for batch in pq.ParquetFile(part).iter_batches(batch_size=8192):
        if gold_only:
            batch = batch.filter(pc.equal(batch.column("status"), GOLD))
        yield from batch.to_pylist()


def token_offsets(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Where each token sits in the sentence (tokens are in order and never overlap)."""
    out, at = [], 0
    for token in tokens:
        start = text.index(token, at)
        at = start + len(token)
        out.append((start, at))
    return out


def export_jsonl(job: ExportJob) -> list[Path]:
    """One JSON object per sentence per split."""
    written = []
    for split, part in _splits(job.release):
        path = job.out_dir / "jsonl" / f"{split}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            for row in _rows(part, job.gold_only):
                row["ner_tags"] = [job.tag_names[t] for t in row["ner_tags"]]
                row["event_types"] = [job.event_names[e] for e in row["event_types"]]
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def _doc(vocab: Any, row: dict[str, Any], event_names: Sequence[str]) -> Any:
    """One sentence as a spaCy Doc with its entities, triggers, event types and provenance."""
    from spacy.tokens import Doc, Span

    offsets = token_offsets(row["text"], row["tokens"])
    spaces = [end < nxt[0] for (_, end), nxt in zip(offsets, offsets[1:], strict=False)] + [False]
    doc = Doc(vocab, words=row["tokens"], spaces=spaces)
    first = {start: i for i, (start, _) in enumerate(offsets)}
    after = {end: i + 1 for i, (_, end) in enumerate(offsets)}
    doc.ents = [Span(doc, first[s["start"]], after[s["end"]], label=s["label"]) for s in row["entities"]]
    doc.spans["triggers"] = [Span(doc, first[s["start"]], after[s["end"]], label=s["label"]) for s in row["triggers"]]
    present = {event_names[e] for e in row["event_types"]}
    doc.cats = {name: float(name in present) for name in event_names}
    doc.user_data.update({"id": row["id"], "article_id": row["article_id"], "status": row["status"],
                          "entity_sources": [s["source"] for s in row["entities"]],
                          "entity_scores": [s["score"] for s in row["entities"]]})
    return doc


def export_docbin(job: ExportJob) -> list[Path]:
    """spaCy DocBins per split, in shards of DOCS_PER_SHARD docs."""
    try:
        from spacy.tokens import DocBin
        from spacy.vocab import Vocab
    except ImportError:
        raise ReleaseError("the docbin export needs spaCy: pip install 'news-dataset-builder[spacy]'") from None
    vocab, written = Vocab(), []
    for split, part in _splits(job.release):
        folder = job.out_dir / "spacy" / split
        folder.mkdir(parents=True, exist_ok=True)
        docs = DocBin(store_user_data=True)
        shard = 0
        for row in _rows(part, job.gold_only):
            docs.add(_doc(vocab, row, job.event_names))
            if len(docs) == DOCS_PER_SHARD:
                written.append(folder / f"{shard:05d}.spacy")
                docs.to_disk(written[-1])
                docs, shard = DocBin(store_user_data=True), shard + 1
        if len(docs) or not shard:
            written.append(folder / f"{shard:05d}.spacy")
            docs.to_disk(written[-1])
    return written


def export_conll(job: ExportJob) -> list[Path]:
    """`token<TAB>tag` per split and status, `-DOCSTART-` before each article, blank line between sentences."""
    written = []
    folder = job.out_dir / "conll"
    folder.mkdir(parents=True, exist_ok=True)
    for split, part in _splits(job.release):
        handles: dict[str, Any] = {}
        last_article: dict[str, str] = {}
        try:
            for row in _rows(part, job.gold_only):
                status = row["status"]
                if status not in handles:
                    written.append(folder / f"{split}.{status}.conll")
                    handles[status] = written[-1].open("w", encoding="utf-8")
                handle = handles[status]
                if last_article.get(status) != row["article_id"]:
                    handle.write(f"{DOCSTART}\n\n")
                    last_article[status] = row["article_id"]
                for token, tag in zip(row["tokens"], row["ner_tags"], strict=True):
                    handle.write(f"{token}\t{job.tag_names[tag]}\n")
                handle.write("\n")
        finally:
            for handle in handles.values():
                handle.close()
    return written


#: Export formats by name (options.EXPORT_FORMATS).
EXPORTERS: dict[str, Callable[[ExportJob], list[Path]]] = {
    "jsonl": export_jsonl, "docbin": export_docbin, "conll": export_conll,
}


def write_exports(job: ExportJob, formats: Sequence[str]) -> list[Path]:
    """Write the chosen exports of a release; returns the files written."""
    return [path for name in formats for path in EXPORTERS[name](job)]


def release_job(release: Path, out_dir: Path, *, gold_only: bool = False) -> ExportJob:
    """An export job for a finished release, with the label names from its manifest."""
    manifest_path = release / "manifest.json"
    if not manifest_path.is_file():
        raise ReleaseError(f"{release} is not a release (no manifest.json); give releases/<name>/<version>")
    schema = json.loads(manifest_path.read_text(encoding="utf-8"))["schema"]
    return ExportJob(release, out_dir, schema["ner_tags"], schema["event_types"], gold_only)
