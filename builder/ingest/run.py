"""Ingest run: files → articles → sentences → workspace Parquet, counting what was skipped."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from builder.core.labels import Labeller, SentenceLabels
from builder.core.parallel import ordered_map, paused_gc
from builder.core.records import Sentence
from builder.ingest.clean import RULES_VERSION
from builder.ingest.read import (
    DEFAULT_MAX_CHARS,
    InputError,
    Notice,
    discover,
    read_file,
    unexpected,
)
from builder.ingest.segment import SEGMENTER_VERSION, segment
from builder.workspace.layout import Workspace
from builder.workspace.parts import PartWriter
from builder.workspace.summary import PrelabelSummary
from builder.workspace.tables import (
    ARTICLE_SCHEMA,
    PRELABEL_SCHEMA,
    SENTENCE_SCHEMA,
    article_row,
    prelabel_table,
    sentence_table,
)

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
    prelabels: PrelabelSummary | None = None  # when the run also pre-labelled

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
            "prelabels": None if self.prelabels is None else self.prelabels.to_report(),
            "outputs": self.outputs,
        }


@dataclass(frozen=True)
class Segmented:
    """An article ready to write: its row, and where its sentences sit in its batch's tables."""

    path: str
    content_hash: str
    row: dict[str, Any]
    removed_reasons: list[str]
    first: int  # its first sentence row in the batch's sentence (and pre-label) tables
    count: int
    tokens: int
    prelabels: PrelabelSummary | None  # counts of its pre-labels, when ingest pre-labels


@dataclass(frozen=True)
class FileResult:
    """What one file gave: its articles and errors in file order, and notices."""

    path: Path
    outcomes: list[Segmented | InputError]
    notices: list[Notice]


@dataclass(frozen=True)
class BatchResult:
    """What a worker made of a batch of files: per-file results and the Arrow tables of all
    their sentences (and pre-labels), built on the worker so the main process only decides."""

    files: list[FileResult]
    sentences: pa.Table
    prelabels: pa.Table | None


_worker_prelabeller: Labeller | None = None


def _start_worker(factory: Callable[[], Labeller] | None) -> None:
    """Build the pre-labeller once per worker process (the model is loaded once)."""
    global _worker_prelabeller
    _worker_prelabeller = factory() if factory is not None else None


def read_and_segment(paths: Sequence[Path], max_chars: int = DEFAULT_MAX_CHARS,
                     prelabel_batch: int = 2048) -> BatchResult:
    """Read a batch of files, segment their articles, pre-label them if this worker has a
    pre-labeller, and build the rows (the part of ingest that runs on workers)."""
    with paused_gc():
        return _read_and_segment(paths, max_chars, prelabel_batch)


def _read_and_segment(paths: Sequence[Path], max_chars: int, prelabel_batch: int) -> BatchResult:
    files: list[FileResult] = []
    sentences: list[Sentence] = []
    for path in paths:
        notices: list[Notice] = []
        outcomes: list[Segmented | InputError] = []
        for outcome in read_file(path, max_chars=max_chars, notify=notices.append):
            if isinstance(outcome, InputError):
                outcomes.append(outcome)
                continue
            try:
                article_sentences = segment(outcome)
                row = article_row(outcome)
            except Exception as error:  # noqa: BLE001 - one article that cannot be segmented is one skip
                outcomes.append(unexpected(outcome.path, error))
                continue
            reasons = [r.reason for r in outcome.removed if r.line > 0]  # line 0 entries audit the metadata
            outcomes.append(Segmented(outcome.path, row["content_hash"], row, reasons,
                                      len(sentences), len(article_sentences),
                                      sum(len(s.tokens) for s in article_sentences), None))
            sentences += article_sentences
        files.append(FileResult(path, outcomes, notices))
    prelabels = None
    prelabeller = _worker_prelabeller
    if prelabeller is not None:
        labels: list[SentenceLabels] = []
        for start in range(0, len(sentences), prelabel_batch):
            labels += prelabeller.label(sentences[start : start + prelabel_batch])
        prelabels = prelabel_table(sentences, labels)
        for result in files:
            for k, outcome in enumerate(result.outcomes):
                if isinstance(outcome, Segmented):
                    counts = PrelabelSummary("", prelabeller.versions, tokens=outcome.tokens)
                    counts.count(labels[outcome.first : outcome.first + outcome.count])
                    result.outcomes[k] = replace(outcome, prelabels=counts)
    return BatchResult(files, sentence_table(sentences), prelabels)


def batches(paths: Iterable[Path], max_files: int = 64, max_bytes: int = 8 << 20) -> Iterator[list[Path]]:
    """Group files into worker tasks of up to `max_files` files or about `max_bytes` bytes: big
    enough to pre-label in batches and to keep inter-process traffic low, small enough for memory."""
    batch: list[Path] = []
    size = 0
    for path in paths:
        batch.append(path)
        try:
            size += path.stat().st_size if path.is_file() else 0
        except OSError:
            pass  # read_file says why
        if len(batch) >= max_files or size >= max_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


@dataclass(frozen=True)
class IngestOptions:
    """How to ingest: page size limit, rows per Parquet batch, workers, an optional labeller
    factory (pre-label in the same pass) and a callback per file read."""

    max_chars: int = DEFAULT_MAX_CHARS
    batch_rows: int = 2048
    workers: int = 1
    prelabeller: Callable[[], Labeller] | None = None
    on_file: Callable[[Path], None] | None = None

    def __post_init__(self) -> None:
        if self.max_chars < 1 or self.batch_rows < 1 or self.workers < 1:
            raise ValueError(f"max_chars, batch_rows and workers must be at least 1, not "
                             f"{self.max_chars}, {self.batch_rows}, {self.workers}")


class _RunWriters:
    """The parts one ingest run writes (articles, sentences, and pre-labels when it pre-labels),
    and the duplicate check that decides what goes into them."""

    def __init__(self, workspace: Workspace, run_id: str, options: IngestOptions, summary: IngestSummary) -> None:
        self.summary = summary
        self.seen = workspace.known_articles()
        self.articles = PartWriter(workspace.articles_dir / f"part-{run_id}.parquet", ARTICLE_SCHEMA,
                                   options.batch_rows)
        self.sentences = PartWriter(workspace.sentences_dir / f"part-{run_id}.parquet", SENTENCE_SCHEMA,
                                    options.batch_rows)
        self.prelabels: PartWriter | None = None
        if options.prelabeller is not None:
            built = options.prelabeller()  # fails here, clearly, rather than in a worker; warms what workers inherit
            directory = workspace.open_prelabel_dir(built.versions)
            summary.prelabels = PrelabelSummary(str(directory), built.versions)
            self.prelabels = PartWriter(directory / f"part-{run_id}.parquet", PRELABEL_SCHEMA, options.batch_rows)

    def abort(self) -> None:
        """Drop every part of the run."""
        for writer in self.all:
            writer.abort()

    @property
    def all(self) -> list[PartWriter]:
        """Every writer of the run."""
        return [w for w in (self.articles, self.sentences, self.prelabels) if w is not None]

    def accept(self, article: Segmented, batch: BatchResult) -> None:
        """Write an article and its rows, unless the same text was stored before."""
        summary = self.summary
        if article.content_hash in self.seen:
            summary.skipped.append(
                Notice(article.path, "duplicate", f"same text as {self.seen[article.content_hash]}; kept that one")
            )
            return
        self.seen[article.content_hash] = article.path
        self.articles.add(article.row)
        self.sentences.add_table(batch.sentences.slice(article.first, article.count))
        if self.prelabels is not None and batch.prelabels is not None and article.prelabels is not None:
            self.prelabels.add_table(batch.prelabels.slice(article.first, article.count))
            summary.prelabels.add(article.prelabels)  # type: ignore[union-attr]
        summary.articles += 1
        summary.removed_lines.update(article.removed_reasons)
        summary.sentences += article.count
        summary.tokens += article.tokens

    def close(self) -> None:
        """Finish every part, then move them into place, the articles part last: a run's articles
        part exists only if its sentences (and pre-labels) made it, so a stopped run is never half kept."""
        try:
            finished = [writer for writer in self.all if writer.finish()]
        except BaseException:
            self.abort()
            raise
        for writer in sorted(finished, key=lambda w: w is self.articles):
            if (written := writer.commit()) is not None:
                self.summary.outputs.append(str(written))
        if self.summary.prelabels is not None:
            written_prelabels = self.prelabels is not None and self.prelabels.rows_written
            self.summary.prelabels.output = str(self.prelabels.path) if written_prelabels else None  # type: ignore[union-attr]


def ingest(paths: Iterable[Path], *, workspace: Workspace, options: IngestOptions = IngestOptions()) -> IngestSummary:
    """Read, clean and segment every article under `paths` into new workspace parts.

    Files are read and segmented in batches on `options.workers` processes; duplicates are found
    and rows written here, in file order, so the result does not depend on the number of workers.
    With a `prelabeller` factory, the workers also pre-label the new sentences in the same
    pass (as `builder prelabel` would, into the same pre-label folder).

    The run holds the workspace lock (WorkspaceBusy names the holder if another command writes),
    removes unfinished parts a killed run left (reported as notices), and refuses a damaged
    workspace (DamagedPart names the file) before it writes anything.
    """
    with workspace.lock("ingest") as held:
        return _ingest_locked(paths, workspace, options, held.note)


def _ingest_locked(paths: Iterable[Path], workspace: Workspace, options: IngestOptions,
                   lock_note: str | None) -> IngestSummary:
    run_id = workspace.new_run_id()
    summary = IngestSummary(run_id=run_id)
    if lock_note is not None:
        summary.notices.append(Notice(str(workspace.root), "lock_taken_over", lock_note))
    for leftover in workspace.clean_leftovers():
        summary.notices.append(Notice(str(leftover), "leftover_removed",
                                      "an unfinished part left by a run that was stopped; removed"))
    workspace.check()
    writers = _RunWriters(workspace, run_id, options, summary)
    try:
        work = partial(read_and_segment, max_chars=options.max_chars)
        for batch in ordered_map(work, batches(discover(paths)), workers=options.workers, ahead=2 * options.workers,
                                 initializer=_start_worker, initargs=(options.prelabeller,)):
            for result in batch.files:
                summary.files += 1
                if options.on_file is not None:
                    options.on_file(result.path)
                summary.notices += result.notices
                for outcome in result.outcomes:
                    if isinstance(outcome, InputError):
                        summary.skipped.append(Notice(outcome.where, outcome.kind, outcome.message))
                    else:
                        writers.accept(outcome, batch)
        writers.close()
    except BaseException:
        writers.abort()
        raise
    finally:
        _start_worker(None)  # with workers=1 the pre-labeller was built here; do not keep it
    summary.outputs.append(str(workspace.write_report(f"ingest-{run_id}", summary.to_report())))
    return summary
