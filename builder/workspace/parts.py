"""Writing the workspace safely: the one atomic write, and Parquet parts written in record batches."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def temporary_path(path: Path) -> Path:
    """Where `path` is written before it is renamed into place (hidden, beside it)."""
    return path.with_name(f".{path.name}.tmp")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path` to write; on success it replaces `path` in one rename,
    on failure it is removed, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to `path` atomically."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return path


def atomic_write_json(path: Path, value: Any) -> Path:
    """Write JSON (UTF-8, indented, newline-terminated) to `path` atomically."""
    return atomic_write(path, json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def atomic_write_table(path: Path, table: pa.Table) -> Path:
    """Write an Arrow table as one zstd Parquet file atomically."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return path


def parts(directory: Path) -> list[Path]:
    """The finished Parquet parts of a table, oldest first."""
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


def iter_parquet(directory: Path, columns: list[str] | None = None, batch_rows: int = 4096) -> Iterator[pa.RecordBatch]:
    """Stream the rows of a directory of Parquet parts as record batches, oldest part first."""
    for part in parts(directory):
        yield from pq.ParquetFile(part).iter_batches(batch_size=batch_rows, columns=columns)


def count_rows(directory: Path) -> int:
    """Rows in a table, from the Parquet footers."""
    return sum(pq.ParquetFile(p).metadata.num_rows for p in parts(directory))


class PartWriter:
    """Appends rows to one Parquet part in record batches; the part appears only when closed."""

    def __init__(self, path: Path, schema: pa.Schema, batch_rows: int = 2048) -> None:
        self.path = path
        self.schema = schema
        self.batch_rows = batch_rows
        self.rows_written = 0
        self._tmp = temporary_path(path)
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
