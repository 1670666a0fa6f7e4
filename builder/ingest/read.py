"""Read article files (scraped .txt pages, .html pages, .jsonl) into cleaned `Article`s."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from lxml.etree import LxmlError

from builder.core.records import Article
from builder.ingest.clean import CleanPage, clean_html, clean_page, normalise_line
from builder.ingest.dates import normalise_timestamp

SUFFIXES = (".txt", ".html", ".htm", ".jsonl")
#: Pages longer than this are not news articles (a 10 MB single line, a dump).
DEFAULT_MAX_CHARS = 500_000


class InputError(ValueError):
    """A file, or one record in it, that cannot become an article; `kind` is the summary key."""

    def __init__(self, where: str, kind: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.kind = kind
        self.message = message

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str]]:
        # Results travel back from worker processes pickled; the default would call InputError(text).
        return (type(self), (self.where, self.kind, self.message))


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to tell the user about an input: a notice on one that was read, or why one was skipped."""

    where: str
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Decoded:
    """A file's text and what had to be done to read it."""

    text: str
    notices: tuple[Notice, ...]


def decode(data: bytes, where: str) -> Decoded:
    """Bytes to text: UTF-8 (BOM allowed), else cp1252, else latin-1, saying which; binary is refused."""
    if not data.strip():
        raise InputError(where, "empty", "the file is empty; nothing to read")
    if b"\x00" in data[:8192] or _control_ratio(data[:8192]) > 0.1:
        raise InputError(
            where, "binary", "this looks like a binary file, not text; give .txt, .html or .jsonl files"
        )
    notices: list[Notice] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        notices.append(Notice(where, "bom", "UTF-8 byte order mark removed"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = data[error.start]
        for encoding in ("cp1252", "latin-1"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            notices.append(
                Notice(
                    where,
                    f"decoded_{encoding.replace('-', '')}",
                    f"not UTF-8 (byte 0x{bad:02x} at offset {error.start}); read as {encoding}. "
                    "Check the text, and re-save the file as UTF-8 to silence this",
                )
            )
            break
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notices.append(Notice(where, "crlf", "CR/CRLF line endings turned into LF"))
    return Decoded(text, tuple(notices))


def _control_ratio(sample: bytes) -> float:
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls / max(1, len(sample))


def _article(page: CleanPage, where: str, *, source: str = "", url: str = "", author: str = "",
             published_at: str = "") -> Article:
    if not page.paragraphs:
        reasons = ", ".join(sorted({r.reason for r in page.removed})) or "blank lines"
        raise InputError(
            where,
            "all_boilerplate",
            f"nothing is left after cleaning ({_lines(len(page.removed))} removed: {reasons}); "
            "if this page has real text, the boilerplate rules in builder/clean.py are too eager",
        )
    body = page.body
    final_source = source or page.source
    return Article(
        id=Article.make_id(final_source, body),
        title=page.title,
        body=body,
        source=final_source,
        url=url,
        author=author or page.author,
        published_at=published_at or page.published_at,
        dateline=page.dateline,
        path=where,
        captions=page.captions,
        removed=page.removed,
    )


def _lines(count: int) -> str:
    return f"{count} line" if count == 1 else f"{count} lines"


def read_text_page(text: str, where: str) -> Article:
    """A scraped plain-text page (header, body, boilerplate) to an Article."""
    return _article(clean_page(text), where)


def read_html_page(text: str, where: str) -> Article:
    """An HTML page to an Article: text by trafilatura, header fields as the page shows them (clean_html)."""
    try:
        html = clean_html(text)
    except (ValueError, LxmlError) as error:
        raise InputError(where, "bad_html", f"cannot parse this HTML page ({error})") from None
    if html is None:
        raise InputError(where, "no_article_text", "trafilatura found no article text in this HTML page")
    article = _article(html.page, where, source=html.source, url=html.url)
    return replace(article, captions=article.captions + html.captions)


@dataclass(frozen=True, slots=True)
class HtmlMeta:
    """What the page's own markup states outright, preferred over trafilatura's guesses."""

    author: str
    published_at: str
    captions: tuple[str, ...]


def _html_meta(html: str) -> HtmlMeta:
    """Author and time from <meta> (trafilatura keeps only the day, and may take a byline's first word
    as the author) and the photo captions, which trafilatura drops."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(html)

    def first(xpath: str, parse: Callable[[str], str]) -> str:
        return next((v for raw in tree.xpath(xpath) if (v := parse(str(raw)))), "")

    return HtmlMeta(
        author=first('//meta[@name="author" or @property="article:author"]/@content', normalise_line),
        published_at=first(
            '//meta[@property="article:published_time" or @name="pubdate" or @itemprop="datePublished"]/@content',
            normalise_timestamp,
        ),
        captions=tuple(c for f in tree.xpath("//figcaption") if (c := normalise_line(f.text_content()))),
    )


def read_jsonl_record(line: str, where: str) -> Article:
    """One JSONL line with `text` (or `body`/`content`) and optional metadata to an Article."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(where, "bad_json", f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(record, dict):
        raise InputError(where, "bad_json", f"expected a JSON object per line, got {type(record).__name__}")
    text = next((record[k] for k in ("text", "body", "content") if isinstance(record.get(k), str)), None)
    if text is None:
        fields = ", ".join(sorted(record)) or "none"
        raise InputError(where, "no_text_field", f"no string field 'text' (fields present: {fields})")

    def field(*names: str) -> str:
        return next((normalise_line(str(record[n])) for n in names if record.get(n) not in (None, "")), "")

    title = field("title")
    page = clean_page(text, title=title or None)
    return _article(
        page,
        where,
        source=field("source"),
        url=field("url"),
        author=field("author"),
        published_at=normalise_timestamp(field("published_at", "date")),
    )


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """The files under the given files and directories, in a stable order; dotfiles skipped."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield path


Outcome = Article | InputError


def read_file(path: Path, *, max_chars: int = DEFAULT_MAX_CHARS,
              notify: Callable[[Notice], None] = lambda n: None) -> Iterator[Outcome]:
    """Every article in one file, or the error that stopped each one; never raises for bad input."""
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        yield InputError(where, "unsupported_type",
                         f"unsupported file type {suffix or '(none)'!r}; give {', '.join(SUFFIXES)} files")
        return
    try:
        data = path.read_bytes()
    except OSError as error:
        yield InputError(where, "unreadable", f"cannot read the file: {error.strerror}")
        return
    try:
        decoded = decode(data, where)
    except InputError as error:
        yield error
        return
    for notice in decoded.notices:
        notify(notice)
    if suffix == ".jsonl":
        yield from _read_jsonl(decoded.text, where, max_chars)
        return
    if len(decoded.text) > max_chars:
        yield _too_long(where, len(decoded.text), max_chars)
        return
    reader = read_html_page if suffix in (".html", ".htm") else read_text_page
    try:
        yield reader(decoded.text, where)
    except InputError as error:
        yield error


def _too_long(where: str, length: int, max_chars: int) -> InputError:
    return InputError(where, "too_long",
                      f"{length:,} characters is more than the {max_chars:,} an article may have; "
                      "this does not look like one article (split it, or raise --max-chars)")


def _read_jsonl(text: str, where: str, max_chars: int) -> Iterator[Outcome]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        at = f"{where}:{number}"
        if len(line) > max_chars:
            yield _too_long(at, len(line), max_chars)
            continue
        try:
            yield read_jsonl_record(line, at)
        except InputError as error:
            yield error
