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
    """Write JSON (UTF-8, indented, newline-terminated) to `path` atomically; a lone surrogate
    (from a file name that is not UTF-8) is written escaped, never refused."""
    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    return atomic_write(path, text.encode("utf-8", errors="backslashreplace"))


def atomic_write_table(path: Path, table: pa.Table) -> Path:
    """Write an Arrow table as one zstd Parquet file atomically."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return path


class DamagedPart(RuntimeError):
    """A workspace file that cannot be read; the message names it and says what to do."""

    def __init__(self, path: Path, problem: str, advice: str = "") -> None:
        self.path = path
        self.problem = problem
        advice = advice or ("restore it from a backup, or move it out of the workspace and run "
                            "`builder ingest` (or `builder prelabel`) again for what it held")
        super().__init__(f"{path} is damaged ({problem}); {advice}")


def _problem(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]


def parts(directory: Path) -> list[Path]:
    """The finished Parquet parts of a table, oldest first."""
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


def open_part(part: Path) -> pq.ParquetFile:
    """Open one Parquet part (its footer is read); a damaged one raises DamagedPart naming it."""
    try:
        return pq.ParquetFile(part)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise DamagedPart(part, _problem(error)) from None


def read_part(part: Path, columns: list[str] | None = None, schema: pa.Schema | None = None) -> pa.Table:
    """One whole Parquet part; a damaged one raises DamagedPart naming it."""
    try:
        return pq.read_table(part, columns=columns, schema=schema)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise DamagedPart(part, _problem(error)) from None


def iter_parquet(directory: Path, columns: list[str] | None = None, batch_rows: int = 4096) -> Iterator[pa.RecordBatch]:
    """Stream the rows of a directory of Parquet parts as record batches, oldest part first; a
    damaged part raises DamagedPart naming it."""
    for part in parts(directory):
        batches = open_part(part).iter_batches(batch_size=batch_rows, columns=columns)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except (pa.ArrowException, OSError, ValueError) as error:
                raise DamagedPart(part, _problem(error)) from None
            yield batch


def count_rows(directory: Path) -> int:
    """Rows in a table, from the Parquet footers."""
    return sum(open_part(p).metadata.num_rows for p in parts(directory))


#: What a writer leaves beside a part while writing it (see `temporary_path`).
LEFTOVER_GLOB = ".part-*.parquet.tmp"


def leftovers(directory: Path) -> list[Path]:
    """Unfinished parts in a folder: left by a run that was killed (only safe to remove under the lock)."""
    return sorted(directory.glob(LEFTOVER_GLOB)) if directory.is_dir() else []


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
        self._finished = False

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

    def finish(self) -> bool:
        """Write what is queued and close the hidden file (the part is not in place yet); False if
        no row was ever added."""
        self._flush()
        if self._writer is None:
            return False
        self._writer.close()
        self._writer = None
        self._finished = True
        return True

    def commit(self) -> Path | None:
        """Move a finished part into place (one rename)."""
        if not self._finished:
            return None
        os.replace(self._tmp, self.path)
        self._finished = False
        return self.path

    def close(self) -> Path | None:
        """Write what is queued and move the part into place; None if no row was ever added."""
        return self.commit() if self.finish() else None

    def abort(self) -> None:
        """Drop the part being written."""
        if self._writer is not None:
            try:
                self._writer.close()
            except OSError:
                pass  # the disk may be full: the file is dropped anyway
            self._writer = None
        self._tmp.unlink(missing_ok=True)
