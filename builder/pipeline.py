"""Ingest run: files → articles → sentences → workspace Parquet, counting what was skipped."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from builder.clean import RULES_VERSION
from builder.ingest import DEFAULT_MAX_CHARS, InputError, Notice, discover, read_file
from builder.parallel import ordered_map
from builder.segment import SEGMENTER_VERSION, segment
from builder.store import ARTICLE_SCHEMA, SENTENCE_SCHEMA, PartWriter, Workspace, article_row, sentence_row

log = logging.getLogger(__name__)


@dataclass
class IngestSummary:
    """What one ingest run read, wrote and skipped."""

    run_id: str
    files: int = 0
    articles: int = 0
    sentences: int = 0
    tokens: int = 0
    skipped: list[Notice] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    removed_lines: Counter[str] = field(default_factory=Counter)

    def skipped_by_kind(self) -> Counter[str]:
        """How many inputs were skipped for each kind of problem."""
        return Counter(p.kind for p in self.skipped)

    def to_report(self) -> dict[str, Any]:
        """The summary as a JSON-ready report."""
        return {
            "run_id": self.run_id,
            "versions": {"clean": RULES_VERSION, "segment": SEGMENTER_VERSION},
            "files": self.files,
            "articles": self.articles,
            "sentences": self.sentences,
            "tokens": self.tokens,
            "skipped_by_kind": dict(sorted(self.skipped_by_kind().items())),
            "skipped": [asdict(p) for p in self.skipped],
            "notices": [asdict(p) for p in self.notices],
            "removed_lines_by_reason": dict(sorted(self.removed_lines.items())),
            "outputs": self.outputs,
        }


@dataclass(frozen=True)
class Segmented:
    """An article as rows ready to write: built on the worker, so the main process only decides."""

    path: str
    content_hash: str
    row: dict[str, Any]
    removed_reasons: list[str]
    sentences: pa.Table
    tokens: int


@dataclass(frozen=True)
class FileResult:
    """What one file gave: its articles and errors in file order, and notices."""

    path: Path
    outcomes: list[Segmented | InputError]
    notices: list[Notice]


def read_and_segment(path: Path, max_chars: int = DEFAULT_MAX_CHARS) -> FileResult:
    """Read one file, segment its articles and build their rows (the part of ingest on workers)."""
    notices: list[Notice] = []
    outcomes: list[Segmented | InputError] = []
    for outcome in read_file(path, max_chars=max_chars, notify=notices.append):
        if isinstance(outcome, InputError):
            outcomes.append(outcome)
            continue
        sentences = segment(outcome)
        table = pa.Table.from_pylist([sentence_row(s) for s in sentences], schema=SENTENCE_SCHEMA)
        row = article_row(outcome)
        outcomes.append(Segmented(outcome.path, row["content_hash"], row, [r.reason for r in outcome.removed],
                                  table, sum(len(s.tokens) for s in sentences)))
    return FileResult(path, outcomes, notices)


def ingest(
    paths: Iterable[Path],
    *,
    workspace: Workspace,
    max_chars: int = DEFAULT_MAX_CHARS,
    batch_rows: int = 2048,
    workers: int = 1,
    on_file: Callable[[Path], None] | None = None,
) -> IngestSummary:
    """Read, clean and segment every article under `paths` into new workspace parts.

    Files are read and segmented on `workers` processes; duplicates are found and rows
    written here, in file order, so the result does not depend on the number of workers.
    """
    run_id = workspace.new_run_id()
    summary = IngestSummary(run_id=run_id)
    seen = workspace.known_articles()
    articles = PartWriter(workspace.articles_dir / f"part-{run_id}.parquet", ARTICLE_SCHEMA, batch_rows)
    sentences = PartWriter(workspace.sentences_dir / f"part-{run_id}.parquet", SENTENCE_SCHEMA, batch_rows)

    def accept(article: Segmented) -> None:
        if article.content_hash in seen:
            summary.skipped.append(
                Notice(article.path, "duplicate", f"same text as {seen[article.content_hash]}; kept that one")
            )
            return
        seen[article.content_hash] = article.path
        articles.add(article.row)
        sentences.add_table(article.sentences)
        summary.articles += 1
        summary.removed_lines.update(article.removed_reasons)
        summary.sentences += article.sentences.num_rows
        summary.tokens += article.tokens

    try:
        results = ordered_map(partial(read_and_segment, max_chars=max_chars), discover(paths), workers=workers,
                              ahead=8 * workers)
        for result in results:
            summary.files += 1
            if on_file is not None:
                on_file(result.path)
            summary.notices += result.notices
            for outcome in result.outcomes:
                if isinstance(outcome, InputError):
                    summary.skipped.append(Notice(outcome.where, outcome.kind, outcome.message))
                else:
                    accept(outcome)
    except BaseException:
        articles.abort()
        sentences.abort()
        raise
    for writer in (articles, sentences):
        if (written := writer.close()) is not None:
            summary.outputs.append(str(written))
    summary.outputs.append(str(workspace.write_report(f"ingest-{run_id}", summary.to_report())))
    return summary
