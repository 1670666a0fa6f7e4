"""The workspace: articles and sentences as Parquet parts, written in record batches."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import uuid4

import pyarrow as pa
import pyarrow.parquet as pq

from builder.model import Article, Sentence, Token

ARTICLE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("content_hash", pa.string()),
        ("title", pa.string()),
        ("body", pa.string()),
        ("source", pa.string()),
        ("url", pa.string()),
        ("author", pa.string()),
        ("published_at", pa.string()),
        ("dateline", pa.string()),
        ("path", pa.string()),
        ("captions", pa.list_(pa.string())),
        (
            "removed",
            pa.list_(pa.struct([("line", pa.int32()), ("text", pa.string()), ("reason", pa.string())])),
        ),
    ]
)

# Tokens are stored as offsets only: their text is `text[start:end]` (text is stored once).
SENTENCE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("article_id", pa.string()),
        ("index", pa.int32()),
        ("paragraph", pa.int32()),
        ("start", pa.int32()),
        ("text", pa.string()),
        ("token_starts", pa.list_(pa.int32())),
        ("token_ends", pa.list_(pa.int32())),
    ]
)


def article_row(article: Article) -> dict[str, Any]:
    """An Article as a row of ARTICLE_SCHEMA."""
    row = asdict(article)
    row["content_hash"] = Article.content_hash(article.body)
    return row


def sentence_row(sentence: Sentence) -> dict[str, Any]:
    """A Sentence as a row of SENTENCE_SCHEMA."""
    return {
        "id": sentence.id,
        "article_id": sentence.article_id,
        "index": sentence.index,
        "paragraph": sentence.paragraph,
        "start": sentence.start,
        "text": sentence.text,
        "token_starts": [t.start for t in sentence.tokens],
        "token_ends": [t.end for t in sentence.tokens],
    }


def sentence_table(sentences: Sequence[Sentence]) -> pa.Table:
    """Sentences as a SENTENCE_SCHEMA table, built column by column (faster than row dicts)."""
    columns = {
        "id": [s.id for s in sentences],
        "article_id": [s.article_id for s in sentences],
        "index": [s.index for s in sentences],
        "paragraph": [s.paragraph for s in sentences],
        "start": [s.start for s in sentences],
        "text": [s.text for s in sentences],
        "token_starts": [[t.start for t in s.tokens] for s in sentences],
        "token_ends": [[t.end for t in s.tokens] for s in sentences],
    }
    return pa.Table.from_pydict(columns, schema=SENTENCE_SCHEMA)


def sentence_from_row(row: dict[str, Any]) -> Sentence:
    """A row of SENTENCE_SCHEMA back to a Sentence, token texts sliced from the sentence."""
    text = row["text"]
    tokens = tuple(Token(text[s:e], s, e) for s, e in zip(row["token_starts"], row["token_ends"], strict=True))
    return Sentence(
        id=row["id"],
        article_id=row["article_id"],
        index=row["index"],
        paragraph=row["paragraph"],
        start=row["start"],
        text=text,
        tokens=tokens,
    )


class PartWriter:
    """Appends rows to one Parquet part in record batches; the part appears only when closed."""

    def __init__(self, path: Path, schema: pa.Schema, batch_rows: int = 2048) -> None:
        self.path = path
        self.schema = schema
        self.batch_rows = batch_rows
        self.rows_written = 0
        self._tmp = path.with_name(f".{path.name}.tmp")
        self._rows: list[dict[str, Any]] = []
        self._tables: list[pa.Table] = []
        self._queued = 0
        self._writer: pq.ParquetWriter | None = None

    def add(self, row: dict[str, Any]) -> None:
        """Queue a row; a full batch is written out."""
        self._rows.append(row)
        self._queued += 1
        if self._queued >= self.batch_rows:
            self._flush()

    def add_table(self, table: pa.Table) -> None:
        """Queue rows already built as an Arrow table of this schema."""
        if self._rows:
            self._tables.append(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []
        self._tables.append(table)
        self._queued += table.num_rows
        if self._queued >= self.batch_rows:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._tables.append(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []
        if not self._tables:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self._tmp, self.schema, compression="zstd")
        table = pa.concat_tables(self._tables).combine_chunks()  # one chunk: many small ones write slowly
        self._writer.write_table(table, row_group_size=max(self.batch_rows, table.num_rows))
        self.rows_written += table.num_rows
        self._tables = []
        self._queued = 0

    def close(self) -> Path | None:
        """Write what is queued and move the part into place; None if no row was ever added."""
        self._flush()
        if self._writer is None:
            return None
        self._writer.close()
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop the part being written."""
        if self._writer is not None:
            self._writer.close()
        self._tmp.unlink(missing_ok=True)


class Workspace:
    """A directory holding a project's articles, sentences and run reports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.articles_dir = root / "articles"
        self.sentences_dir = root / "sentences"
        self.runs_dir = root / "runs"

    def new_run_id(self) -> str:
        """A run id that sorts by time and does not collide."""
        return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid4().hex[:6]}"

    @staticmethod
    def parts(directory: Path) -> list[Path]:
        """The finished Parquet parts of a table, oldest first."""
        return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []

    @staticmethod
    def iter_parquet(directory: Path, columns: list[str] | None = None,
                     batch_rows: int = 4096) -> Iterator[pa.RecordBatch]:
        """Stream the rows of a directory of Parquet parts as record batches, oldest part first."""
        for part in Workspace.parts(directory):
            yield from pq.ParquetFile(part).iter_batches(batch_size=batch_rows, columns=columns)

    def known_articles(self) -> dict[str, str]:
        """Content hash → where the article was read from, for every stored article."""
        known: dict[str, str] = {}
        for batch in self.iter_parquet(self.articles_dir, columns=["content_hash", "path"]):
            known.update(zip(batch.column("content_hash").to_pylist(), batch.column("path").to_pylist(), strict=True))
        return known

    def iter_sentences(self) -> Iterator[Sentence]:
        """Every stored sentence, streamed."""
        for batch in self.iter_parquet(self.sentences_dir):
            for row in batch.to_pylist():
                yield sentence_from_row(row)

    def count_rows(self, directory: Path) -> int:
        """Rows in a table, from the Parquet footers."""
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.parts(directory))

    def write_report(self, name: str, report: dict[str, Any]) -> Path:
        """Save a run report as JSON (temporary file, then rename)."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        path = self.runs_dir / f"{name}.json"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path
