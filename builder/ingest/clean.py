"""Clean a scraped page: normalise text, drop boilerplate lines (with reasons), read the header."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace

from builder.core.records import RemovedLine
from builder.ingest.dates import DateMatch, find_date, with_zone
from builder.ingest.metadata import (
    Hints,
    read_metadata,
    read_text_header,
    visible_lines,
)
from builder.ingest.outlets import Outlet, rules_for

#: Name of the boilerplate rule set; it goes into every workspace manifest.
RULES_VERSION = "clean.rules.v3"

# Spaces that are not U+0020 (the seed page has U+00A0) and invisible characters.
# U+200D (zero-width joiner) is kept: it is part of emoji sequences.
_ODD_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile("[\x00\u00ad\u200b\u2060\ufeff]")
_RUNS_OF_SPACES = re.compile(" {2,}")


def normalise_line(line: str) -> str:
    """NFC, odd spaces to plain spaces, invisible characters removed, spaces collapsed."""
    line = unicodedata.normalize("NFC", line)
    line = _INVISIBLE.sub("", _ODD_SPACES.sub(" ", line))
    return _RUNS_OF_SPACES.sub(" ", line).strip()


def normalise_text(text: str) -> str:
    """Normalise every line of a text and its line endings to "\\n"."""
    return "\n".join(normalise_line(line) for line in text.replace("\r\n", "\n").split("\n"))


@dataclass(frozen=True, slots=True)
class LineRule:
    """A boilerplate line: its name (the reason recorded) and the pattern a whole line matches."""

    name: str
    pattern: re.Pattern[str]
    max_length: int  # boilerplate is short: a longer line is body text whatever it starts with


def _rule(name: str, pattern: str, max_length: int = 120) -> LineRule:
    return LineRule(name, re.compile(pattern, re.IGNORECASE), max_length)


LINE_RULES: tuple[LineRule, ...] = (
    _rule("advertisement", r"(advertisement|iklan|ads|sponsored|scroll to (continue|resume) with content)"),
    _rule("read_also", r"(baca juga|baca pula|lihat juga|simak juga|artikel terkait)\s*[:\-–]?.*|baca\s*:.+"),
    _rule(
        "widget",
        r"([AaT]\s*){1,3}|[-+]?\s*A\s*[-+]|(share|bagikan|tweet|copy link|salin tautan|komentar|lihat foto)",
    ),
    _rule(
        "follow",
        r"(follow|ikuti|simak|dapatkan|download|unduh)\b.*\b(whatsapp|channel|google news|instagram|twitter"
        r"|tiktok|telegram|ponsel\w*|aplikasi|update berita)\b.*",
    ),
    _rule("topic", r"topik artikel\s*:?.*|(topik|tags?|tagar)\s*:.*|tags?"),
    _rule("related", r"(berita terkait|berita lainnya|rekomendasi|terpopuler|berita terkini|populer)\s*:?"),
    _rule("browse", r"telusuri berita\b.*"),
    _rule("updated", r"(diperbarui|diupdate|updated?|terakhir diperbarui)\s*:?\s*.{0,40}\d{4}.{0,20}", max_length=80),
    _rule(
        "navigation",
        r"((indeks|infografis|home|beranda|news|video|foto|terkini|index|nasional|regional|internasional"
        r"|megapolitan|daerah|ekonomi|bisnis|olahraga|tekno|hiburan|global|skip to( main)? content)\s*)+"
        r"|[\w-]+(\.[\w-]+)*\.(com|co\.id|id|net|org)",
    ),
    _rule("credit", r"(editor|penyunting|penulis|reporter|pewarta|kontributor|sumber)\s*:.*"),
    _rule("copyright", r"(©|copyright\b).*"),
    _rule(
        "caption",
        r"(foto|photo|ilustrasi)\s*:.*|.*\((foto|photo|ilustrasi|dok\.?|dokumentasi|sumber foto)\s*[:/].*\)"
        # a photo agency's credit in brackets closing the line: "... [ANTARA FOTO/Abriawan Abhe].", "[TEMPO/ X]"
        r"|.*\[(antara foto|antara|tempo|foto|dok\.?|reuters|afp|ap photo|getty images)\s*(/[^\]]*)?\]\W*",
        max_length=400,
    ),
    _rule("closing_byline", r"\((?=[^)]*[A-Za-z])[\w .,'/&-]{1,60}\)"),
)

#: How many kept lines at the top of a scraped text page are read as its header.
TEXT_HEADER_LINES = 24

#: After body text, a line matching one of these rules ends the article.
FOOTER_RULES = frozenset({"follow", "topic", "related", "browse"})

_ROLE_WORDS = re.compile(
    r"^(oleh|jurnalis|wartawan|reporter|penulis|editor|kontributor|redaksi)\b\s*:?\s*", re.IGNORECASE
)
_AUTHOR_SEPARATORS = re.compile(r"\s*[,|]\s*|\s+[-–—]\s+|\s*[-–—]\s*$")
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Za-z .'’]{1,40}?)(?:\s*,\s*(?P<outlet>[A-Za-z.]+))?\s*"
    r"(?:\((?P<agency>[A-Za-z .]+)\))?\s*[–—-]{1,2}\s+(?=\S)"
)
# "... katanya. (ant/rdk)": reporter initials closing the last paragraph.
_TRAILING_BYLINE = re.compile(
    r"(?:(?<=[.!?\"”])\s+([(\[][\w/ .,-]{1,30}[)\]])|\s+(\((?:[a-z]{2,6}/)+[a-z]{2,6}\)))$"
)
# A line that reads like a headline in a list of other stories: a few capitalised words, no sentence end.
_SENTENCE_END = (".", "!", "?", '"', "”", ":", ";", ",", ")")
#: This many headline-like lines at the end of the text are a teaser list, not the article.
TEASER_RUN = 3
_MAX_TITLE_WORDS = 30
_MAX_HEADER_LINE = 200

#: Outlet names recognised in a page's boilerplate and datelines, by lower-case key.
OUTLETS = {
    "okezone": "Okezone", "kompas": "Kompas", "detik": "detikcom", "tempo": "Tempo",
    "antara": "ANTARA", "cnn indonesia": "CNN Indonesia", "kumparan": "kumparan",
    "tribun": "Tribunnews", "liputan6": "Liputan6", "republika": "Republika",
    "merdeka": "Merdeka", "suara.com": "Suara", "sindonews": "SINDOnews", "viva": "VIVA",
    "jpnn": "JPNN", "tirto": "Tirto", "idn times": "IDN Times", "bisnis.com": "Bisnis",
    "kabar timur": "Kabar Timur",
}  # fmt: skip
_OUTLET = re.compile(r"\b(" + "|".join(re.escape(k) for k in OUTLETS) + r")", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CleanPage:
    """What the cleaner keeps of a page: header fields, body paragraphs, and what it removed."""

    title: str
    author: str
    published_at: str
    source: str
    dateline: str
    paragraphs: tuple[str, ...]
    captions: tuple[str, ...]
    removed: tuple[RemovedLine, ...]

    @property
    def body(self) -> str:
        """Paragraphs joined by blank lines: the text every sentence offset refers to."""
        return "\n\n".join(self.paragraphs)


def match_rule(line: str, extra: tuple[LineRule, ...] = ()) -> str | None:
    """The name of the first boilerplate rule that the whole line matches, or None."""
    for rule in LINE_RULES + extra:
        if len(line) <= rule.max_length and rule.pattern.fullmatch(line):
            return rule.name
    return None


def find_outlet(text: str) -> str:
    """The outlet named in a piece of boilerplate, or ""."""
    m = _OUTLET.search(text)
    return OUTLETS[m.group(1).lower()] if m else ""


def parse_author(prefix: str) -> str:
    """The author's name from the part of a byline before the date."""
    names = []
    for part in _AUTHOR_SEPARATORS.split(prefix):
        part = _ROLE_WORDS.sub("", part.strip()).strip(" -–—:")
        if part and not _ROLE_WORDS.match(part + " ") and not find_outlet(part):
            names.append(part)
    return ", ".join(names)


def find_dateline(paragraph: str) -> str:
    """The dateline that opens a paragraph ("ALMATY –", "Jakarta (ANTARA) -"), or ""."""
    m = _DATELINE.match(paragraph)
    if not m:
        return ""
    place = m["place"].strip()
    if place.isupper() or m["agency"] or m["outlet"]:
        return place
    return ""


@dataclass
class _Header:
    """What the lines above the body said: title, author, time and outlet."""

    title: str
    author: str = ""
    published_at: str = ""
    source: str = ""


def _apply_rules(text: str, extra: tuple[LineRule, ...] = ()
                 ) -> tuple[list[tuple[int, str]], list[RemovedLine], list[str]]:
    """Lines kept (with their numbers), lines removed by a rule, and photo captions."""
    removed: list[RemovedLine] = []
    captions: list[str] = []
    kept: list[tuple[int, str]] = []
    in_body = False
    footer_from: str | None = None
    for number, line in enumerate(normalise_text(text).split("\n"), start=1):
        if not line:
            continue
        if footer_from is not None:
            rule = match_rule(line, extra) or f"footer_after_{footer_from}"
        else:
            rule = match_rule(line, extra)
        if rule is None:
            kept.append((number, line))
            in_body = in_body or _looks_like_body(line)
            continue
        if rule in FOOTER_RULES and in_body and footer_from is None:
            footer_from = rule
        if rule == "caption":
            captions.append(line)
        removed.append(RemovedLine(number, line, rule))
    return kept, removed, captions


def _read_header(kept: list[tuple[int, str]], removed: list[RemovedLine], header: _Header,
                 title_given: bool, header_lines: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """Take the byline, a repeated title and (unless given) the title off the top; the rest is the body.
    With a title given, the top is read only when `header_lines` (byline and dateline lines the page
    showed, found by the HTML reader) are given; those lines are removed wherever they are on top."""
    body: list[tuple[int, str]] = []
    header_open = not title_given or bool(header_lines)
    for number, line in kept:
        if header_open and line in header_lines:
            removed.append(RemovedLine(number, line, "duplicate_title" if line == header.title else "byline"))
            continue
        if header_open and len(line) <= _MAX_HEADER_LINE:
            date = find_date(line) if not header.published_at else None
            if date is not None and _looks_like_byline(line, date):
                header.published_at = date.iso
                header.author = parse_author(line[: date.start]) or header.author
                header.source = header.source or find_outlet(line)
                removed.append(RemovedLine(number, line, "byline"))
                continue
            if line == header.title:
                removed.append(RemovedLine(number, line, "duplicate_title"))
                continue
            if not header.title and _looks_like_title(line):
                header.title = line
                removed.append(RemovedLine(number, line, "title"))
                continue
        header_open = False
        body.append((number, line))
    return body


def outlet_line_rules(outlet: Outlet | None) -> tuple[LineRule, ...]:
    """The extra boilerplate lines of an outlet's table (and the generic table) as line rules."""
    return tuple(LineRule(f"outlet_{o.key}", p, 200) for o in rules_for(outlet) for p in o.boilerplate)


def clean_page(text: str, *, title: str | None = None, extra: tuple[LineRule, ...] = (),
               header_lines: frozenset[str] = frozenset()) -> CleanPage:
    """Clean a scraped page; read title, byline and date from its header unless `title` is given."""
    kept, removed, captions = _apply_rules(text, extra)
    header = _Header(title or "")
    for item in removed:
        header.source = header.source or find_outlet(item.text)
        if item.reason == "credit" and re.match(r"(penulis|reporter|pewarta)\b", item.text, re.I):
            header.author = header.author or item.text.split(":", 1)[1].strip()
    text_header = None
    if title is None:
        credits = [r.text for r in removed if r.reason == "credit"]
        text_header = read_text_header([line for _, line in kept[:TEXT_HEADER_LINES]], credits)
    if text_header is not None and text_header.title_at is not None:
        # The header as the outlet's rules read it; lines above the headline are the site's name and section.
        # (A text page has no meta tags to cross-check: its removed lines are all lines of the page.)
        removed.extend(RemovedLine(n, line, "above_title") for n, line in kept[: text_header.title_at])
        removed.append(RemovedLine(*kept[text_header.title_at], "title"))
        kept = kept[text_header.title_at + 1 :]
        header = _Header(text_header.title, text_header.author or header.author, text_header.published_at,
                         header.source or (text_header.outlet.name if text_header.outlet else ""))
        body = _read_header(kept, removed, header, True, frozenset(text_header.used) | {text_header.title})
    else:
        body = _read_header(kept, removed, header, title is not None, header_lines)
    if len(header.published_at) > 10 and "+" not in header.published_at[10:]:
        zone = text_header.outlet.zone if text_header and text_header.outlet else "WIB"
        header.published_at = with_zone(header.published_at, zone)
    body = _drop_teaser_tail(body, removed)
    if body and (m := _TRAILING_BYLINE.search(body[-1][1])):
        number, line = body[-1]
        body[-1] = (number, line[: m.start()].rstrip())
        removed.append(RemovedLine(number, m.group(1) or m.group(2), "closing_byline"))
    paragraphs = tuple(line for _, line in body)
    dateline = find_dateline(paragraphs[0]) if paragraphs else ""
    if paragraphs and not header.source:
        m = _DATELINE.match(paragraphs[0])
        if m and (m["outlet"] or m["agency"]):
            header.source = find_outlet(m["outlet"] or m["agency"])
    removed.sort(key=lambda r: r.line)
    return CleanPage(
        title=header.title,
        author=header.author,
        published_at=header.published_at,
        source=header.source,
        dateline=dateline,
        paragraphs=paragraphs,
        captions=tuple(captions),
        removed=tuple(removed),
    )


def _headline_like(line: str) -> bool:
    words = line.split()
    if not 3 <= len(words) <= 20 or line.endswith(_SENTENCE_END) or not line[0].isalpha():
        return False
    capitals = sum(w[0].isupper() or w[0].isdigit() for w in words)
    return capitals >= 0.5 * len(words)


def _drop_teaser_tail(body: list[tuple[int, str]], removed: list[RemovedLine]) -> list[tuple[int, str]]:
    """Remove a list of other stories' headlines that ends the text: TEASER_RUN or more headline-like
    lines, or any after the closing initials ("... (mdk/yan)") of the article."""
    end = len(body)
    while end > 0 and _headline_like(body[end - 1][1]):
        end -= 1
    run = len(body) - end
    after_initials = end > 0 and bool(_TRAILING_BYLINE.search(body[end - 1][1]))
    if run == 0 or end == 0 or not (run >= TEASER_RUN or after_initials):
        return body
    removed.extend(RemovedLine(number, line, "teaser_list") for number, line in body[end:])
    return body[:end]


def _looks_like_body(line: str) -> bool:
    return len(line) > _MAX_HEADER_LINE or (len(line.split()) >= 8 and line.endswith((".", '"', "”")))


def _looks_like_byline(line: str, date: DateMatch) -> bool:
    return len(line) - (date.end - date.start) < 80 and not line.endswith(".")


def _looks_like_title(line: str) -> bool:
    return len(line.split()) <= _MAX_TITLE_WORDS and not line.endswith((".", ",", ";", ":"))


# --- HTML pages ---------------------------------------------------------------------------

_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d+\s+(?:menit|jam|hari)\s+(?:yang\s+)?lalu\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """A cleaned HTML page: the page, its URL and site name, and the captions of its figures."""

    page: CleanPage
    url: str
    source: str
    captions: tuple[str, ...]


def text_quality(text: str, title: str) -> float:
    """How much a text looks like one article (higher is better): its opening shares words with the
    headline, its lines are sentences rather than short headline-like lines or timestamps."""
    lines = [line for line in (normalise_line(x) for x in text.split("\n")) if line]
    if not lines:
        return -1.0
    words = sum(len(line.split()) for line in lines)
    sentences = sum(len(line.split()) >= 12 and line.endswith((".", '"', "”", "?", "!", ")")) for line in lines)
    headline_like = sum(len(line.split()) < 12 and not line.endswith((".", '"', "”")) for line in lines)
    stamps = sum(bool(_CLOCK.search(line)) and len(line.split()) < 12 for line in lines)
    head = set(_words(" ".join(lines[:4])))
    title_words = set(_words(title))
    overlap = len(head & title_words) / len(title_words) if title_words else 0.5
    return (overlap + sentences / len(lines) - headline_like / len(lines) - 2 * stamps / len(lines)
            + min(words, 300) / 600)


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text.lower()) if len(w) > 3]


#: Below this quality, or when shorter than SHORT_TEXT characters (a text cut off after its first
#: section), the precision-mode text is checked against trafilatura's recall mode.
QUALITY_FLOOR = 0.9
SHORT_TEXT = 1500


#: How far apart (in visible lines) two extracted paragraphs may be for the lines between to be restored.
RESTORE_GAP = 6
#: How far below the headline a dateline lead may be for it to be restored.
LEAD_WINDOW = 20


_SENTENCE_INSIDE = re.compile(r"[.!?][\"”]?\s+[A-Z\"“]")
_PHOTO_CREDIT = re.compile(r"/|©|\(c\)|\b(?:foto|photo|dok|lihat foto|perbesar|ilustrasi)\b", re.IGNORECASE)


def _sentence_like(line: str) -> bool:
    words = len(line.split())
    ends = line.endswith((".", "!", "?", '"', "”"))
    return (words >= 10 and ends or words >= 15 and bool(_SENTENCE_INSIDE.search(line))) and match_rule(line) is None


def _restorable(lines: tuple[str, ...], index: int, known: set[str]) -> bool:
    """A visible line that may be article text the extractor skipped: a sentence, not already in the
    text, not a caption (the line above it is not a photo credit or "lihat foto")."""
    line = lines[index]
    if line in known or "©" in line or not _sentence_like(line):
        return False
    above = lines[index - 1] if index > 0 else ""
    return not (len(above.split()) <= 8 and _PHOTO_CREDIT.search(above))


#: Restorable sentences this close below the text's last line mean the extractor stopped too early.
CUT_OFF_WINDOW = 12


def looks_cut_off(text: str, lines: tuple[str, ...], headline_at: int | None) -> bool:
    """Whether the page goes on with article-like sentences just below the extracted text's last line."""
    extracted = [line for line in (normalise_line(x) for x in text.split("\n")) if line]
    if not extracted or not lines:
        return False
    floor = headline_at or 0
    last = next((i for i in range(len(lines) - 1, floor - 1, -1) if lines[i] == extracted[-1]), None)
    if last is None:
        return False
    known = set(extracted)
    window = range(last + 1, min(len(lines), last + 1 + CUT_OFF_WINDOW))
    return sum(_restorable(lines, i, known) for i in window) >= 2


#: Below a cut-off text, restorable sentences at most this many lines apart are one article going on.
CONTINUE_GAP = 4


def continue_cut_off(text: str, lines: tuple[str, ...], headline_at: int | None,
                     captions: set[str]) -> tuple[str, list[str]]:
    """Append the article's sentences that follow the extracted text's last line on the page (a later
    section or page of a paginated article): restorable lines at most CONTINUE_GAP lines apart, up to
    the first line of the page's footer (tags, related stories)."""
    extracted = [line for line in (normalise_line(x) for x in text.split("\n")) if line]
    if not extracted or not lines:
        return text, []
    floor = headline_at or 0
    last = next((i for i in range(len(lines) - 1, floor - 1, -1) if lines[i] == extracted[-1]), None)
    if last is None:
        return text, []
    known = set(extracted) | captions
    added: list[str] = []
    index, since = last + 1, 0
    while index < len(lines) and since <= CONTINUE_GAP:
        line = lines[index]
        if match_rule(line) in FOOTER_RULES:
            break
        if _restorable(lines, index, known):
            added.append(line)
            known.add(line)
            since = 0
        else:
            since += 1
        index += 1
    return ("\n".join([text, *added]), added) if added else (text, [])


def restore_missing(text: str, lines: tuple[str, ...], headline_at: int | None,
                    captions: set[str]) -> tuple[str, list[str]]:
    """Put back the article lines the extractor skipped (text directly in a <div>, not in a <p>): a
    dateline lead between the headline and the first extracted paragraph, and sentences between two
    extracted paragraphs that are close on the page. Returns the text and the lines restored."""
    if not lines:
        return text, []
    extracted = [normalise_line(x) for x in text.split("\n")]
    where: dict[str, int] = {}
    floor = headline_at or 0
    for index, line in enumerate(lines):
        if index >= floor:
            where.setdefault(line, index)
    known = set(extracted) | captions
    positions = [where.get(line) for line in extracted]
    inserts: dict[int, list[str]] = {}  # extracted line number -> lines to put before it
    restored: list[str] = []
    previous: tuple[int, int] | None = None  # (extracted line number, visible index)
    for number, position in enumerate(positions):
        if position is None:
            continue
        if previous is None:
            if headline_at is not None and 0 < position - headline_at <= LEAD_WINDOW:
                for index in range(headline_at + 1, position):
                    if find_dateline(lines[index]) and _restorable(lines, index, known):
                        inserts.setdefault(number, []).append(lines[index])
        elif 1 < position - previous[1] <= RESTORE_GAP:
            for index in range(previous[1] + 1, position):
                if _restorable(lines, index, known):
                    inserts.setdefault(number, []).append(lines[index])
        previous = (number, position)
    if not inserts:
        return text, []
    out: list[str] = []
    for number, line in enumerate(text.split("\n")):
        for extra in inserts.get(number, []):
            out.append(extra)
            restored.append(extra)
        out.append(line)
    return "\n".join(out), restored


def cut_after_credits(text: str, lines: tuple[str, ...], credits_at: int | None) -> tuple[str, list[str]]:
    """Drop the extracted lines that the page shows only below the article's credits box (pop-ups,
    glossaries, other stories): the credits close the article. Returns the text and the lines dropped."""
    if credits_at is None:
        return text, []
    first: dict[str, int] = {}
    for index, line in enumerate(lines):
        first.setdefault(line, index)
    kept, dropped = [], []
    for line in text.split("\n"):
        position = first.get(normalise_line(line))
        (dropped if position is not None and position > credits_at else kept).append(line)
    return "\n".join(kept), [line for line in dropped if line.strip()]


def drop_captions(text: str, captions: tuple[str, ...], lines: tuple[str, ...]) -> tuple[str, list[str]]:
    """Drop the extracted lines that are the page's photo captions; returns the text and the lines dropped.
    A caption that the page also prints as a paragraph (a lead repeated under the photo) is dropped only
    as many times as it is a caption: the paragraph stays."""
    if not captions:
        return text, []
    as_caption = Counter(captions)
    on_page = Counter(line for line in lines if line in as_caption)
    in_text = Counter(normalise_line(line) for line in text.split("\n"))
    to_drop = {c: max(0, in_text[c] - max(0, on_page[c] - n)) for c, n in as_caption.items()}
    kept, dropped = [], []
    for line in text.split("\n"):
        key = normalise_line(line)
        if to_drop.get(key, 0) > 0:
            to_drop[key] -= 1
            dropped.append(line)
        else:
            kept.append(line)
    return "\n".join(kept), dropped


def _extract(html: str, recall: bool) -> tuple[str, str, object]:
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_recall=recall,
        date_extraction_params={"extensive_search": True, "original_date": True},
    )
    if document is None:
        return "", "", None
    return document.text or "", document.title or "", document


#: The second extractor, tried only when trafilatura's text fails the self-check: "readability"
#: (readability-lxml, Mozilla Readability's scoring of content blocks) or "justext" (jusText's
#: paragraph classifier with its Indonesian stop-word list); "" turns it off.
SECOND_EXTRACTOR = "readability"


def _second_extractor(html: str, name: str) -> str:
    """The article's text by the second extractor, one line per block; "" when it finds none."""
    if name == "justext":
        import justext

        paragraphs = justext.justext(html.encode("utf-8"), justext.get_stoplist("Indonesian"), encoding="utf-8")
        return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)
    if name == "readability":
        from lxml import html as lxml_html
        from readability import Document

        summary = Document(html).summary(html_partial=True)
        return "\n".join(visible_lines(lxml_html.fromstring(summary))) if summary.strip() else ""
    raise ValueError(f"unknown second extractor {name!r} (readability, justext or empty)")


def _try_second_extractor(html: str, title: str, audit: list[RemovedLine]) -> tuple[str, float]:
    """The second extractor's text and its quality, the attempt recorded in the audit."""
    try:
        text = _second_extractor(html, SECOND_EXTRACTOR)
    except Exception as error:  # noqa: BLE001 - a failing fallback must not lose the article
        audit.append(RemovedLine(0, f"{type(error).__name__}: {error}"[:200], f"extract:{SECOND_EXTRACTOR}_failed"))
        return "", -1.0
    quality = text_quality(text, title) if text.strip() else -1.0
    audit.append(RemovedLine(0, f"quality {quality:.2f}", f"extract:{SECOND_EXTRACTOR}_tried"))
    return text, quality


def clean_html(html: str) -> HtmlPage | None:
    """An HTML page cleaned: the article's text (trafilatura, checked and retried in recall mode when it
    does not look like the article), the headline, byline and time the page shows (meta tags as a
    fallback) and the outlet's extra boilerplate removed. None when no article text is found.
    May raise ValueError or lxml's errors for HTML that cannot be parsed."""
    text, _, document = _extract(html, recall=False)
    if document is None or not text.strip():
        text, _, document = _extract(html, recall=True)
        if document is None or not text.strip():
            return None
    hints = Hints(
        title=normalise_line(getattr(document, "title", "") or ""),
        author=normalise_line(getattr(document, "author", "") or ""),
        date=getattr(document, "date", "") or "",
        url=getattr(document, "url", "") or "",
        sitename=normalise_line(getattr(document, "sitename", "") or ""),
    )
    meta = read_metadata(html, hints)
    audit = list(meta.audit)
    quality = text_quality(text, meta.title) if text.strip() else -1.0
    choice = "trafilatura_precision"

    def fails(candidate: str, score: float) -> bool:  # the self-check
        return score < QUALITY_FLOOR or (len(candidate) < SHORT_TEXT
                                         and looks_cut_off(candidate, meta.lines, meta.headline_at))

    if fails(text, quality):
        recall_text, _, recall_document = _extract(html, recall=True)
        recall_quality = text_quality(recall_text, meta.title) if recall_text.strip() else -1.0
        if recall_quality > quality + 0.05:
            text, quality, choice = recall_text, recall_quality, "trafilatura_recall"
            document = document or recall_document
        if SECOND_EXTRACTOR and fails(text, quality):
            # trafilatura's texts still fail: the second extractor's text is kept if it passes and scores higher.
            other, other_quality = _try_second_extractor(html, meta.title, audit)
            if other_quality > quality + 0.05 and not fails(other, other_quality):
                text, quality, choice = other, other_quality, SECOND_EXTRACTOR
    audit.append(RemovedLine(0, f"quality {quality:.2f}", f"extract:{choice}"))
    if text.strip() and looks_cut_off(text, meta.lines, meta.headline_at):
        text, added = continue_cut_off(text, meta.lines, meta.headline_at, set(meta.captions))
        audit.extend(RemovedLine(0, line, "extract:continued_from_page") for line in added)
    if not text.strip():
        return None
    text, after_credits = cut_after_credits(text, meta.lines, meta.credits_at)
    audit.extend(RemovedLine(0, line, "extract:after_credits") for line in after_credits)
    captions = tuple(c for c in (normalise_line(x) for x in meta.captions) if c)
    text, in_text = drop_captions(text, captions, meta.lines)
    audit.extend(RemovedLine(0, line, "extract:caption") for line in in_text)
    text, restored = restore_missing(text, meta.lines, meta.headline_at, set(captions))
    audit.extend(RemovedLine(0, line, "extract:restored_from_page") for line in restored)
    page = clean_page(text, title=meta.title, extra=outlet_line_rules(meta.outlet),
                      header_lines=frozenset(meta.header_lines) | {meta.title})
    page = replace(
        page,
        author=meta.author,
        published_at=meta.published_at,
        source=meta.outlet.name if meta.outlet is not None else page.source,
        # The audit (line 0) is stored only with an article; a page with no text keeps its own reasons.
        removed=(tuple(audit) + page.removed) if page.paragraphs else page.removed,
    )
    return HtmlPage(
        page=page,
        url=getattr(document, "url", "") or "",
        source=hints.sitename or page.source,
        captions=captions,
    )
