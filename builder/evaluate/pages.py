"""The cleaner on a folder of labelled real pages: title, author, time, boilerplate and text kept, per outlet.

The folder holds the pages (any layout, e.g. `<outlet>/<name>.html`) and an `expected.jsonl`, one object
per page: `file` (relative to the folder), `outlet`, `title`, `author` (null when the page names no
person), `published` (ISO 8601 to the minute with the zone's offset; null when the page shows no
publication time, then a cleaner is right only if it reports none), `must_contain` (body sentences
the text must keep) and `must_not_contain` (boilerplate lines that must not reach it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from builder.core.records import Article
from builder.ingest.clean import normalise_line
from builder.ingest.read import InputError, read_file

EXPECTED_FILE = "expected.jsonl"
_REQUIRED = ("file", "outlet", "title", "author", "published", "must_contain", "must_not_contain")


@dataclass(frozen=True, slots=True)
class GoldPage:
    """One labelled page: where it is and what a perfect cleaner would return for it."""

    file: str
    outlet: str
    title: str
    author: str | None
    published: str | None  # None: the page shows no publication time
    must_contain: tuple[str, ...]
    must_not_contain: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PageResult:
    """How the cleaner did on one page."""

    page: GoldPage
    lost: str  # why the article was lost ("" if it was read)
    title_ok: bool
    author_ok: bool
    time_ok: bool
    kept: int  # must_contain lines found in the text
    leaked: int  # must_not_contain lines found in the text
    got_title: str = ""
    got_author: str = ""
    got_published: str = ""


@dataclass
class OutletFigures:
    """The figures of issue 16's table for a group of pages."""

    pages: int = 0
    title: int = 0
    author: int = 0
    time: int = 0
    leaked: int = 0
    boilerplate_lines: int = 0
    kept: int = 0
    body_lines: int = 0
    lost: int = 0

    def add(self, result: PageResult) -> None:
        """Count one page in."""
        self.pages += 1
        self.title += result.title_ok
        self.author += result.author_ok
        self.time += result.time_ok
        self.leaked += result.leaked
        self.boilerplate_lines += len(result.page.must_not_contain)
        self.kept += result.kept
        self.body_lines += len(result.page.must_contain)
        self.lost += bool(result.lost)

    def to_json(self) -> dict[str, int]:
        """The raw counts, for --json."""
        return {
            "pages": self.pages, "title_exact": self.title, "author_exact": self.author,
            "time_to_minute_with_offset": self.time, "boilerplate_leaked": self.leaked,
            "boilerplate_lines": self.boilerplate_lines, "body_lines_kept": self.kept,
            "body_lines": self.body_lines, "articles_lost": self.lost,
        }  # fmt: skip


@dataclass
class PagesReport:
    """Per-page results and the figures per outlet and overall."""

    results: list[PageResult] = field(default_factory=list)

    def by_outlet(self) -> dict[str, OutletFigures]:
        """The figures per outlet, outlets in alphabetical order."""
        figures: dict[str, OutletFigures] = {}
        for result in sorted(self.results, key=lambda r: r.page.outlet):
            figures.setdefault(result.page.outlet, OutletFigures()).add(result)
        return figures

    def total(self) -> OutletFigures:
        """The figures over every page."""
        total = OutletFigures()
        for result in self.results:
            total.add(result)
        return total

    def to_json(self) -> dict[str, object]:
        """Everything, for --json: totals, per outlet, and what was read from each page."""
        return {
            "total": self.total().to_json(),
            "outlets": {name: f.to_json() for name, f in self.by_outlet().items()},
            "pages": [
                {
                    "file": r.page.file, "lost": r.lost, "title_ok": r.title_ok, "author_ok": r.author_ok,
                    "time_ok": r.time_ok, "kept": r.kept, "leaked": r.leaked, "title": r.got_title,
                    "author": r.got_author, "published": r.got_published,
                }  # fmt: skip
                for r in self.results
            ],
        }


def read_expected(folder: Path) -> list[GoldPage]:
    """The labelled pages of a folder; a clear ValueError names the line and field that are wrong."""
    path = folder / EXPECTED_FILE
    if not path.is_file():
        raise ValueError(f"{path} does not exist; a labelled folder needs an {EXPECTED_FILE} (one JSON object "
                         "per page: file, outlet, title, author, published, must_contain, must_not_contain)")
    pages: list[GoldPage] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not valid JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}")
        missing = [name for name in _REQUIRED if name not in record]
        if missing:
            raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
        if not (folder / record["file"]).is_file():
            raise ValueError(f"{where}: the page {record['file']!r} is not in {folder}")
        try:
            moment = None if record["published"] is None else _minute(str(record["published"]))
        except ValueError:
            moment = None
        if moment is None and record["published"] is not None:
            raise ValueError(f"{where}: published {record['published']!r} is not ISO 8601 with a time and an "
                             "offset (e.g. 2015-11-04T21:04+07:00), nor null (the page shows no time)")
        pages.append(GoldPage(
            file=record["file"], outlet=record["outlet"], title=record["title"], author=record["author"],
            published=record["published"], must_contain=tuple(record["must_contain"]),
            must_not_contain=tuple(record["must_not_contain"]),
        ))  # fmt: skip
    if not pages:
        raise ValueError(f"{path} holds no pages")
    return pages


def _minute(value: str) -> tuple[str, float] | None:
    """A time as (wall clock to the minute, UTC offset in seconds); None without a time or an offset."""
    if len(value.strip()) <= 10:  # a bare date
        return None
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    offset = moment.utcoffset()
    if offset is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M"), offset.total_seconds()


def _same_minute(got: str, expected: str | None) -> bool:
    if expected is None:  # the page shows no time: right only when none is reported
        return not got.strip()
    try:
        return bool(got) and _minute(got) is not None and _minute(got) == _minute(expected)
    except ValueError:
        return False


def _flat(text: str) -> str:
    """Text with every run of whitespace made one space, so line breaks inside a sentence do not matter."""
    return " ".join(normalise_line(text).split())


def score_page(page: GoldPage, outcome: Article | InputError) -> PageResult:
    """Compare what the cleaner returned for a page with its labels."""
    if isinstance(outcome, InputError):
        return PageResult(page, lost=f"{outcome.kind}: {outcome.message}", title_ok=False,
                          author_ok=False, time_ok=False, kept=0, leaked=0)
    text = _flat(outcome.body)
    author = normalise_line(outcome.author)
    return PageResult(
        page,
        lost="",
        title_ok=normalise_line(outcome.title) == normalise_line(page.title),
        author_ok=author == normalise_line(page.author or ""),
        time_ok=_same_minute(outcome.published_at, page.published),
        kept=sum(_flat(line) in text for line in page.must_contain),
        leaked=sum(_flat(line) in text for line in page.must_not_contain),
        got_title=outcome.title,
        got_author=outcome.author,
        got_published=outcome.published_at,
    )


def _first_outcome(path: Path) -> Article | InputError:
    outcomes = list(read_file(path))
    if not outcomes:
        return InputError(str(path), "empty", "the reader returned nothing")
    return outcomes[0]


def evaluate_pages(folder: Path, pages: Iterable[GoldPage] | None = None,
                   read: Callable[[Path], Article | InputError] = _first_outcome) -> PagesReport:
    """Run the cleaner (builder.ingest's reader) over every labelled page of a folder and score it."""
    report = PagesReport()
    for page in pages if pages is not None else read_expected(folder):
        report.results.append(score_page(page, read(folder / page.file)))
    return report
