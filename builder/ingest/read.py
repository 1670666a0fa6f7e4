"""Read article files (scraped .txt pages, .html pages, .jsonl) into cleaned `Article`s."""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import threading
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


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


class _Repairs(threading.local):
    """What the fallback decoder repaired in the current decode (per thread)."""

    def __init__(self) -> None:
        self.count = 0
        self.first: tuple[int, int] | None = None  # (byte, offset)
        self.latin1 = False


_repairs = _Repairs()


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as cp1252 (latin-1 for its five holes)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    if _repairs.first is None:
        _repairs.first = (chunk[0], error.start)
    _repairs.count += len(chunk)
    try:
        return chunk.decode("cp1252"), error.end
    except UnicodeDecodeError:
        _repairs.latin1 = True
        return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in chunk), error.end


codecs.register_error("builder-cp1252", _cp1252_fallback)


def decode_mixed(data: bytes) -> tuple[str, int, tuple[int, int] | None, bool]:
    """UTF-8 where the bytes are UTF-8, cp1252 (else latin-1) for each run of bytes that is not:
    the text, how many bytes were repaired, the first (byte, offset), and whether latin-1 was needed."""
    try:
        return data.decode("utf-8"), 0, None, False
    except UnicodeDecodeError:
        pass
    _repairs.__init__()  # type: ignore[misc]
    text = data.decode("utf-8", errors="builder-cp1252")
    return text, _repairs.count, _repairs.first, _repairs.latin1


def decode(data: bytes, where: str) -> Decoded:
    """Bytes to text: UTF-8 (BOM allowed) or UTF-16/32 with a BOM; any run of bytes that is not UTF-8
    is read as cp1252 (else latin-1), saying so; NUL bytes are removed, saying so; binary is refused."""
    notices: list[Notice] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                data = data.decode(encoding).encode("utf-8")
            except UnicodeError as error:
                raise InputError(where, "bad_encoding",
                                 f"starts with a {encoding.upper()} byte order mark but is not {encoding.upper()} "
                                 f"({error.reason}); re-save it as UTF-8") from None
            notices.append(Notice(where, f"decoded_{encoding.replace('-', '')}",
                                  f"read as {encoding.upper()} (it has a byte order mark); the text is unchanged"))
            break
    if not data.strip(b" \t\r\n\f\v\x00"):
        raise InputError(where, "empty", "the file is empty; nothing to read")
    if _control_ratio(data[:8192]) > 0.1:
        raise InputError(
            where, "binary", "this looks like a binary file, not text; give .txt, .html or .jsonl files"
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
        notices.append(Notice(where, "bom", "UTF-8 byte order mark removed"))
    if b"\x00" in data:
        nuls = data.count(b"\x00")
        data = data.replace(b"\x00", b"")
        notices.append(Notice(where, "nul_removed", f"{nuls:,} NUL byte(s) removed from the text"))
    text, repaired, first, latin1 = decode_mixed(data)
    if repaired and first is not None:
        encoding = "latin-1" if latin1 else "cp1252"
        utf8_chars = len(text) - len(text.encode("ascii", errors="ignore")) - repaired
        mixed = f"; {utf8_chars:,} other non-ASCII character(s) were UTF-8 and read as such" if utf8_chars else ""
        notices.append(
            Notice(
                where,
                f"decoded_{encoding.replace('-', '')}",
                f"not UTF-8 (byte 0x{first[0]:02x} at offset {first[1]}); read as {encoding} "
                f"({repaired:,} byte(s)){mixed}. Check the text, and re-save the file as UTF-8 to silence this",
            )
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notices.append(Notice(where, "crlf", "CR/CRLF line endings turned into LF"))
    return Decoded(text, tuple(notices))


#: Control bytes that text does not hold (tab, LF, FF and CR are text).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _control_ratio(sample: bytes) -> float:
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # counted in C: it runs per JSONL line
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
        if _html_depth(text) >= HTML_MAX_DEPTH:
            raise InputError(where, "too_deep",
                             f"the HTML is nested {HTML_MAX_DEPTH} or more elements deep, past what the HTML parser "
                             "(libxml2) reads, so the text inside is lost; this is not a normal article page")
        raise InputError(where, "no_article_text", "trafilatura found no article text in this HTML page")
    article = _article(html.page, where, source=html.source, url=html.url)
    return replace(article, captions=article.captions + html.captions)


#: libxml2 stops building the tree at this depth (and drops what is deeper).
HTML_MAX_DEPTH = 255


def _html_depth(html: str) -> int:
    """How deep the parsed element tree goes (only asked when a page gave no text)."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.fromstring(html)
    except (ValueError, LxmlError):
        return 0
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


#: A JSON escape of a UTF-16 surrogate; only a lone one (not part of a pair) is a problem.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(record: dict[str, object], where: str) -> None:
    for name, value in record.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                bad = value[error.start]
                raise InputError(where, "bad_text", f"field {name!r} holds a lone surrogate ({bad!r}), which is not "
                                                    "text; fix the \\u escape in the file") from None


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
    if _SURROGATE_ESCAPE.search(line):
        _refuse_lone_surrogates(record, where)

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


def display_path(path: Path | str) -> str:
    """A path as text that can be stored and printed: bytes of a name that is not UTF-8 are kept
    as escapes (\\xe9), not as the lone surrogates Python reads them as."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", errors="backslashreplace")
    return text


Outcome = Article | InputError

#: Bytes a character can take in UTF-8: a file over 4 x --max-chars bytes cannot be one article.
MAX_BYTES_PER_CHAR = 4


def read_file(path: Path, *, max_chars: int = DEFAULT_MAX_CHARS,
              notify: Callable[[Notice], None] = lambda n: None) -> Iterator[Outcome]:
    """Every article in one file, or the error that stopped each one; never raises.

    Only regular files are read (not FIFOs, devices or sockets, even through a symlink), and their
    size is checked before a byte is read. Any error while reading one file (or one JSONL line)
    becomes that input's skip, with its reason."""
    where = display_path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        yield InputError(where, "unsupported_type",
                         f"unsupported file type {suffix or '(none)'!r}; give {', '.join(SUFFIXES)} files")
        return
    try:
        info = path.stat()
    except OSError as error:
        yield InputError(where, "unreadable", f"cannot read the file: {error.strerror}")
        return
    if not stat.S_ISREG(info.st_mode):
        yield InputError(where, "not_a_file", f"not a regular file ({_file_kind(info.st_mode)}); only regular "
                                              "files are read")
        return
    if suffix == ".jsonl":
        yield from _guarded(_read_jsonl(path, where, max_chars, notify), where)
        return
    if info.st_size > MAX_BYTES_PER_CHAR * max_chars:
        yield InputError(where, "too_long",
                         f"{info.st_size:,} bytes is more than an article of at most {max_chars:,} characters "
                         f"can take; not read (split it, or raise --max-chars)")
        return
    yield from _guarded(_read_page(path, where, suffix, max_chars, notify), where)


def _guarded(outcomes: Iterator[Outcome], where: str) -> Iterator[Outcome]:
    """The outcomes of one file; an unexpected error ends that file as a named skip, not the run."""
    try:
        yield from outcomes
    except Exception as error:  # noqa: BLE001 - one bad input must not stop the run; the reason is kept
        yield unexpected(where, error)


def unexpected(where: str, error: BaseException) -> InputError:
    """An unexpected error while reading one input, as that input's skip."""
    if isinstance(error, RecursionError):
        return InputError(where, "too_deep", "nested too deeply to read (more levels than Python can follow)")
    if isinstance(error, MemoryError):
        return InputError(where, "too_big", "not enough memory to read it")
    if isinstance(error, UnicodeError):
        return InputError(where, "bad_text", f"the text is not valid Unicode ({error})")
    if isinstance(error, OSError):
        return InputError(where, "unreadable", f"cannot read the file: {error.strerror or error}")
    return InputError(where, "error", f"could not be read: {type(error).__name__}: {error}")


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def _read_page(path: Path, where: str, suffix: str, max_chars: int,
               notify: Callable[[Notice], None]) -> Iterator[Outcome]:
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


def _read_jsonl(path: Path, where: str, max_chars: int,
                notify: Callable[[Notice], None]) -> Iterator[Outcome]:
    """Stream a JSONL file line by line (a line is never read past its size limit); each line is
    decoded and read on its own, so one bad line is one skip."""
    limit = MAX_BYTES_PER_CHAR * max_chars
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            yield InputError(where, "bad_encoding", "UTF-16 JSONL is not read line by line; re-save it as UTF-8")
            return
        handle.seek(3 if head.startswith(codecs.BOM_UTF8) else 0)
        number = 0
        any_text = False
        while True:
            raw = handle.readline(limit + 1)
            if not raw:
                break
            number += 1
            at = f"{where}:{number}"
            if len(raw) > limit and not raw.endswith(b"\n"):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass
                yield InputError(at, "too_long", f"the line is over {limit:,} bytes, more than an article of at most "
                                                 f"{max_chars:,} characters can take; not read (raise --max-chars)")
                continue
            if not raw.strip():
                continue
            any_text = True
            try:
                yield from _jsonl_line(raw, at, max_chars, notify)
            except InputError as error:
                yield error
            except Exception as error:  # noqa: BLE001 - one bad line must not stop the file
                yield unexpected(at, error)
        if not any_text:
            yield InputError(where, "empty", "the file is empty; nothing to read")


def _jsonl_line(raw: bytes, at: str, max_chars: int, notify: Callable[[Notice], None]) -> Iterator[Outcome]:
    if _control_ratio(raw[:8192]) > 0.1:
        yield InputError(at, "binary", "this line looks like binary data, not JSON text")
        return
    if nuls := raw.count(0):
        notify(Notice(at, "nul_removed", f"{nuls:,} NUL byte(s) removed from the line"))
        raw = raw.replace(b"\x00", b"")
    line, repaired, first, latin1 = decode_mixed(raw)
    if repaired and first is not None:
        encoding = "latin-1" if latin1 else "cp1252"
        notify(Notice(at, f"decoded_{encoding.replace('-', '')}",
                      f"not UTF-8 (byte 0x{first[0]:02x} at offset {first[1]} of the line); {repaired:,} byte(s) "
                      f"read as {encoding}, the rest as UTF-8. Check the text, and re-save the file as UTF-8"))
    if len(line) > max_chars:
        yield _too_long(at, len(line), max_chars)
        return
    yield read_jsonl_record(line, at)
