"""Title, author and publication time of an HTML page, from what the page shows.

The visible headline, byline and dateline come first; <meta> tags, JSON-LD and trafilatura's guesses
are the fallback and a cross-check. Every choice is recorded (as `RemovedLine`s with line 0 and a
reason "meta:<field>=<source>" or "meta:rejected_<field>=<why>") so a user can audit it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import html as lxml_html

from builder.core.records import RemovedLine
from builder.ingest.dates import find_date, in_zone, normalise_timestamp, with_zone
from builder.ingest.outlets import Outlet, find_outlet_rules, rules_for, squeeze

#: Block elements: their text starts a new visible line.
_BLOCKS = frozenset(
    "p div br h1 h2 h3 h4 h5 h6 li ul ol dl dt dd tr td th table section article header footer aside nav "
    "figure figcaption blockquote main form time address hr pre".split()
)
_HIDDEN = "//script|//style|//noscript|//template|//svg|//iframe|//select|//button"
_ANCHOR = "\ue000"  # a private-use character marks the headline's line
#: How many visible lines after the headline the byline and dateline may be.
HEADER_WINDOW = 16
_UPDATED = re.compile(r"^\s*(?:diperbarui|diupdate|update[d]?|terakhir diperbarui|modified)\b", re.IGNORECASE)
_EDITOR = re.compile(r"\b(?:editor|penyunting|redaktur|editing)\s*:\s*(?P<name>[^|·•:]+?)\s*(?:[|·•].*)?$",
                     re.IGNORECASE)
_NOT_A_NAME = re.compile(
    r"https?:|www\.|\.(?:com|co\.id|co|id|net|org)\b|@|\d|\b(?:web ?design\w*|developer|admin|webmaster|seo|team"
    r"|redaksi|desk|media group|cyber media|network|official"
    # section names, which sit where a byline would ("News Nasional", "Ekonomi Bisnis")
    r"|news|berita|nasional|regional|internasional|megapolitan|daerah|ekonomi|bisnis|finansial|olahraga|sport"
    r"|hiburan|lifestyle|gaya hidup|tekno|teknologi|otomotif|health|kesehatan|travel|food|kuliner|video|foto"
    r"|politik|hukum|pendidikan|trending|viral|headline|terkini|terpopuler|home|beranda)\b",
    re.IGNORECASE,
)
_PARTICLES = frozenset({"bin", "binti", "van", "de", "der", "da", "dan", "al", "el", "von", "di", "&"})
_INITIALS_TAIL = re.compile(r"\s*(?:/\s*[A-Za-z]{2,5}|\([a-z/ ]{2,15}\))\s*$")
_OUTLET_TAIL = re.compile(r"\s*[-–—,]\s*[\w.]+\.(?:com|co\.id|id)\b.*$|\s*[-–—]\s*detik\w*\s*$", re.IGNORECASE)
_LABELS = re.compile(
    r"^(?:oleh|by|penulis|reporter|pewarta|kontributor|wartawan|jurnalis|author|writer|rep)\b\s*:?\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What was chosen for a page's header fields, and the audit trail of the choice."""

    title: str
    author: str
    published_at: str
    outlet: Outlet | None
    audit: tuple[RemovedLine, ...] = field(default_factory=tuple)
    lines: tuple[str, ...] = ()  # the page's visible lines
    captions: tuple[str, ...] = ()  # the text of its <figcaption>s
    header_lines: tuple[str, ...] = ()  # the visible lines the byline and dateline were read from
    headline_at: int | None = None  # where the headline is among them
    credits_at: int | None = None  # where a credits box that closes the article is among them


@dataclass(frozen=True, slots=True)
class Hints:
    """What trafilatura read from the page (its guesses, used as fallbacks)."""

    title: str = ""
    author: str = ""
    date: str = ""
    url: str = ""
    sitename: str = ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def visible_lines(tree: lxml_html.HtmlElement, anchor: lxml_html.HtmlElement | None = None) -> list[str]:
    """The page's text as the reader sees it, one line per block; `anchor`'s line starts with U+E000.
    The tree is changed (hidden elements dropped): pass a copy."""
    for element in tree.xpath(_HIDDEN):
        if element is not anchor:
            element.drop_tree()
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            element.text = ("\n" + _ANCHOR if element is anchor else "\n") + (element.text or "")
    lines = []
    for line in tree.text_content().split("\n"):
        line = _squash(line)
        if line:
            lines.append(line)
    return lines


def _meta(tree: lxml_html.HtmlElement, *names: str) -> list[str]:
    values = []
    for name in names:
        for value in tree.xpath(f'//meta[@name="{name}" or @property="{name}" or @itemprop="{name}"]/@content'):
            if (value := _squash(str(value))):
                values.append(value)
    return values


def _json_ld(tree: lxml_html.HtmlElement) -> list[dict[str, object]]:
    objects: list[dict[str, object]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(str(script))
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                objects.append(item)
                stack.extend(v for k, v in item.items() if k == "@graph")
    return objects


def strip_site_name(title: str, rules: tuple[Outlet, ...], site_name: str = "") -> str:
    """A <title> without the site's name ("... | merdeka.com", "KapanLagi.com: ..."); punctuation kept."""
    title = _squash(title)
    for outlet in rules:
        for pattern in outlet.title:
            stripped = pattern.sub("", title).strip()
            if stripped and stripped != title and len(stripped) >= 10:
                return stripped
    if site_name:
        for sep in (" | ", " - ", " – ", " — ", " : "):
            head, _, tail = title.rpartition(sep)
            if head and squeeze(site_name) and squeeze(site_name) in squeeze(tail):
                return head.strip()
    return title


def _similar(a: str, b: str) -> float:
    """Share of the words of the shorter text that the other has."""
    wa, wb = set(squeeze(w) for w in a.split()), set(squeeze(w) for w in b.split())
    wa.discard("")
    wb.discard("")
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def clean_name(raw: str, outlet: Outlet | None) -> str:
    """A byline's name without labels, the desk's initials or the outlet's name."""
    name = _squash(raw)
    for _ in range(2):
        name = _LABELS.sub("", name).strip(" :-–—|·•,")
    name = _OUTLET_TAIL.sub("", name)
    name = _INITIALS_TAIL.sub("", name).strip(" :-–—|·•,")
    return name


def reject_name(name: str, outlet: Outlet | None, site_name: str = "") -> str:
    """Why a would-be author is not a person's name ("" if it may be one)."""
    if not name:
        return "empty"
    if len(name) > 80 or len(name.split()) > 12:
        return "too_long"
    squeezed = squeeze(name)
    publisher_names = [n for o in rules_for(outlet) for n in o.names]
    if outlet is not None:
        publisher_names.append(squeeze(outlet.name))
    if site_name:
        publisher_names.append(squeeze(site_name))
    if any(n and (n in squeezed or (len(squeezed) >= 4 and squeezed in n)) for n in publisher_names):
        return "publisher"
    if _NOT_A_NAME.search(name):
        return "not_a_name"
    if not any(ch.isalpha() for ch in name):
        return "not_a_name"
    words = [w for w in re.split(r"[\s,]+", name) if w and w[0].isalpha() and w.lower() not in _PARTICLES]
    if words and (not name[0].isupper() or sum(w[0].isupper() for w in words) < 0.5 * len(words)):
        return "not_capitalised"  # "Oleh karena itu ..." opens a sentence, not a byline
    return ""


def _looks_like_person(line: str) -> bool:
    """An unlabelled line that may be a name: two to six capitalised words, no digits, not all capitals."""
    words = line.split()
    return (2 <= len(words) <= 6 and not line.isupper() and not re.search(r"[|©/:;()\[\]]", line) and len(line) <= 60 and not any(ch.isdigit() for ch in line)
            and all(w[0].isupper() or w in {"bin", "binti", "van", "de", "dan", "&"} for w in words if w[0].isalpha())
            and not line.endswith((".", "?", "!", ":")))


@dataclass
class _Found:
    author: str = ""
    author_from: str = ""
    published: str = ""
    published_from: str = ""
    rejected: list[RemovedLine] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # header lines read (byline, dateline)
    credits_at: int | None = None  # where a credits box was read, among the lines scanned


def _try_author(found: _Found, raw: str, how: str, outlet: Outlet | None, site_name: str,
                editors: set[str]) -> bool:
    name = clean_name(raw, outlet)
    why = reject_name(name, outlet, site_name)
    if not why and not how.startswith("visible") and squeeze(name) in editors:
        why = "editor"
    if why:
        found.rejected.append(RemovedLine(0, name or raw, f"meta:rejected_author={how}:{why}"))
        return False
    found.author, found.author_from = name, how
    return True


def _shown_time(line: str, rules: tuple[Outlet, ...]) -> tuple[str, bool]:
    """The time a dateline line shows (ISO, zone filled in from the outlet), and whether it had a clock."""
    text = line
    for outlet in rules:
        for pattern in outlet.date:
            m = pattern.search(line)
            if m:
                text = m["date"]
                break
        else:
            continue
        break
    date = find_date(text)
    if date is None:
        return "", False
    zone = rules[0].zone
    return with_zone(date.iso, zone), len(date.iso) > 10


def _scan_header(lines: list[str], start: int, rules: tuple[Outlet, ...], found: _Found,
                 outlet: Outlet | None, site_name: str, editors: set[str]) -> None:
    """Byline and dateline in the lines just after the headline: labelled bylines first, then an
    unlabelled name just before the dateline or on its line ("Beryl Santoso" / "- 7 Oktober 2020")."""
    window = lines[start : start + HEADER_WINDOW]
    date_only = ""
    date_at = -1
    for i, line in enumerate(window):
        if len(line) > 200:
            continue
        # A date inside a sentence of the text ("... kata dia, Jumat, 7 Februari 2020.") is an event's date.
        if not found.published and not _UPDATED.match(line) and not _is_sentence(line):
            iso, has_clock = _shown_time(line, rules)
            if iso and has_clock:
                found.published, found.published_from, date_at = iso, "visible_dateline", i
                found.lines.append(line)
            elif iso and not date_only:
                date_only = iso
        if not found.author:
            _byline_in(found, line, rules, outlet, site_name, editors, "visible_byline")
            if found.author:
                found.lines.append(line)
        if not found.author and i > 0 and any(line.lower() == label for o in rules for label in o.author_label):
            if _try_author(found, window[i - 1], "visible_byline", outlet, site_name, editors):
                found.lines.extend((window[i - 1], line))
    if not found.author and date_at >= 0:
        line = window[date_at]
        date = find_date(line)
        prefix = clean_name(line[: date.start], outlet) if date else ""
        if _looks_like_person(prefix):
            _try_author(found, prefix, "visible_byline", outlet, site_name, editors)
        elif date_at > 0 and _looks_like_person(window[date_at - 1]):
            if _try_author(found, window[date_at - 1], "visible_byline", outlet, site_name, editors):
                found.lines.append(window[date_at - 1])
    if not found.published and date_only:
        found.published, found.published_from = date_only, "visible_date"


def _is_sentence(line: str) -> bool:
    return len(line.split()) >= SENTENCE_WORDS and line.endswith((".", '"', "”", "!", "?"))


#: A line of at least this many words that ends like a sentence is body text, not a dateline.
SENTENCE_WORDS = 12


def _byline_in(found: _Found, line: str, rules: tuple[Outlet, ...], outlet: Outlet | None, site_name: str,
               editors: set[str], how: str) -> None:
    if len(line) > 160:
        return
    for rule in rules:
        for pattern in rule.byline:
            m = pattern.search(line)
            if m and _try_author(found, m["name"], how, outlet, site_name, editors):
                return


def _editors(lines: list[str]) -> set[str]:
    return {squeeze(m["name"]) for line in lines if len(line) < 120 and (m := _EDITOR.search(line))}


def _find_anchor(tree: lxml_html.HtmlElement, title_hint: str) -> lxml_html.HtmlElement | None:
    """The <h1> that is the headline: the one most like the page's <title>, else the first with words."""
    best, best_score = None, -1.0
    for h1 in tree.xpath("//h1"):
        text = _squash(h1.text_content())
        if len(text.split()) < 2:
            continue
        score = _similar(text, title_hint) if title_hint else 0.0
        if score > best_score:
            best, best_score = h1, score
    if best is not None and title_hint and best_score < 0.5:
        return None
    return best


#: A caption beside an image is short: a longer text next to a picture is a paragraph.
MAX_CAPTION = 400
_PICTURE = ("figure", "img", "picture")


def image_captions(tree: lxml_html.HtmlElement) -> tuple[str, ...]:
    """Captions that are not <figcaption>s: a box holding exactly a picture and one short text block
    (photo sliders: <div><figure><img></figure><div><p>caption</p></div></div>)."""
    found = []
    for box in tree.xpath("//*[count(*) = 2][figure or img or picture]"):
        if _squash(box.text or ""):
            continue
        texts = [child for child in box if child.tag not in _PICTURE]
        if len(texts) != 1 or texts[0].xpath(".//img") or _squash(texts[0].tail or ""):
            continue
        caption = _squash(texts[0].text_content())
        if caption and len(caption) <= MAX_CAPTION and not _squash(box[0].tail or ""):
            found.append(caption)
    return tuple(found)


def read_metadata(html: str, hints: Hints) -> PageMeta:
    """Title, author and time of an HTML page: visible first, then <meta>/JSON-LD/trafilatura."""
    tree = lxml_html.fromstring(html)
    ld = _json_ld(tree)
    url = next(iter(_meta(tree, "og:url")), "") or next(
        (str(u) for u in tree.xpath('//link[@rel="canonical"]/@href')), "") or hints.url
    site_name = next(iter(_meta(tree, "og:site_name")), "") or hints.sitename
    meta_titles = _meta(tree, "og:title", "twitter:title") + [_squash(t) for t in tree.xpath("//title/text()")]
    raw_title = next(iter(meta_titles), "") or hints.title
    outlet = find_outlet_rules(url, site_name, raw_title)
    for other in meta_titles[1:]:  # og:title may lack the site's name that <title> carries
        outlet = outlet or find_outlet_rules(title=other)
    rules = rules_for(outlet)
    audit: list[RemovedLine] = []

    meta_title = strip_site_name(raw_title, rules, site_name) if raw_title else ""
    anchor = _find_anchor(tree, meta_title or hints.title)
    headline = _squash(anchor.text_content()) if anchor is not None else ""
    captions = tuple(c for f in tree.xpath("//figcaption") if (c := _squash(f.text_content()))) + image_captions(tree)
    lines = visible_lines(tree, anchor)  # changes the tree: what is read from text is read above
    start = next((i for i, line in enumerate(lines) if line.startswith(_ANCHOR)), None)
    if start is not None:
        lines[start] = lines[start][1:].strip()

    # Title: the headline shown (h1), else the <title> without the site's name.
    if anchor is not None:
        title = headline
        how = "visible_h1"
        # An all-capitals headline is the site's styling: the <title>/og:title spelling of the same words wins.
        cased = next((t for t in (strip_site_name(m, rules, site_name) for m in meta_titles)
                      if t.casefold() == headline.casefold() and not t.isupper()), "")
        if headline.isupper() and cased:
            title, how = cased, "visible_h1_cased_as_meta_title"
        audit.append(RemovedLine(0, title, f"meta:title={how}"))
    else:
        title = meta_title or strip_site_name(hints.title, rules, site_name)
        audit.append(RemovedLine(0, title, "meta:title=meta_title"))
        if title and start is None:
            start = _title_line(lines, title)

    found = _Found()
    editors = _editors(lines)
    if start is not None:
        _scan_header(lines, start + 1, rules, found, outlet, site_name, editors)
    # A labelled credit further down ("Penulis: X" under the text, "Redaktur & Reporter : Boy").
    if not found.author:
        after = lines[start + 1 :] if start is not None else lines
        for line in after:
            if len(line) <= 120 and _LABELLED.search(line):
                _byline_in(found, line, rules, outlet, site_name, editors, "visible_credit")
                if found.author:
                    break
    # A credits box: a label on its own line, the names on the lines below ("Penulis" / "A B" / "C D").
    if not found.author:
        after = lines[start + 1 :] if start is not None else lines
        _credit_block(found, after, rules, outlet, site_name, editors)
        if found.credits_at is not None:
            found.credits_at += len(lines) - len(after)
    # Meta tags and JSON-LD, then trafilatura: the fallback.
    if not found.author:
        candidates = [("meta_author", a) for a in _meta(tree, "author", "article:author", "dable:author")]
        candidates += [("json_ld_author", a) for a in _ld_authors(ld)]
        candidates += [("trafilatura_author", hints.author)] if hints.author else []
        for how, value in candidates:
            if _try_author(found, value, how, outlet, site_name, editors):
                break
    audit.extend(found.rejected)
    if found.author:
        audit.append(RemovedLine(0, found.author, f"meta:author={found.author_from}"))

    published = _choose_time(found, tree, ld, hints, rules[0].zone, audit)
    return PageMeta(title=title, author=found.author, published_at=published, outlet=outlet, audit=tuple(audit),
                    lines=tuple(lines), captions=captions, headline_at=start,
                    header_lines=tuple(found.lines), credits_at=found.credits_at)


#: At most this many names are read from a credits box under one label.
CREDIT_NAMES = 4
# The next role of a credits box, which ends the names under a label.
_CREDIT_ROLE = re.compile(
    r"(?:penyumbang bahan|pimpinan proyek|penanggung jawab|editor|penyunting|redaktur|multimedia|video|foto"
    r"|fotografer|infografis|desain|grafis|ilustrasi|periset|riset|produser|podcast|kontributor|penulis"
    r"|reporter|pewarta|data|programmer|pengembang)\b", re.IGNORECASE)


def _credit_block(found: _Found, lines: list[str], rules: tuple[Outlet, ...], outlet: Outlet | None,
                  site_name: str, editors: set[str]) -> None:
    labels = {label for o in rules for label in o.author_label}
    for i, line in enumerate(lines):
        if line.lower().rstrip(" :") not in labels:
            continue
        names = []
        for below in lines[i + 1 : i + 1 + CREDIT_NAMES]:
            if not _looks_like_person(below) or _CREDIT_ROLE.match(below):
                break
            names.append(clean_name(below, outlet))
        if names and _try_author(found, ", ".join(names), "visible_credit_block", outlet, site_name, editors):
            found.lines.extend(lines[i : i + 1 + len(names)])
            found.credits_at = i
            return


_LABELLED = re.compile(r"\b(?:penulis|reporter|pewarta|kontributor|laporan wartawan|rep|teks|naskah)\b\s*:",
                       re.IGNORECASE)


def _title_line(lines: list[str], title: str) -> int | None:
    """Where the headline is among the visible lines when it is not an <h1>."""
    flat = squeeze(title)
    for i, line in enumerate(lines):
        if squeeze(line) == flat:
            return i
    return None


def _ld_authors(ld: list[dict[str, object]]) -> list[str]:
    names = []
    for item in ld:
        author = item.get("author")
        for value in author if isinstance(author, list) else [author]:
            if isinstance(value, dict) and isinstance(value.get("name"), str):
                names.append(_squash(value["name"]))
            elif isinstance(value, str):
                names.append(_squash(value))
    return [n for n in names if n]


def _choose_time(found: _Found, tree: lxml_html.HtmlElement, ld: list[dict[str, object]], hints: Hints,
                 zone: str, audit: list[RemovedLine]) -> str:
    metas = [("meta_published_time", v) for v in _meta(tree, "article:published_time", "pubdate",
                                                       "datePublished", "publishdate", "content_PublishedDate")]
    metas += [("json_ld_date", str(item["datePublished"])) for item in ld if item.get("datePublished")]
    # <time datetime> and hAtom's <abbr class="published|updated" title> (Blogger and WordPress themes)
    # (only the first: later ones are usually the times of other stories in lists)
    metas += [("time_element", str(v)) for v in tree.xpath(
        '(//time/@datetime | //abbr[contains(@class, "published") or contains(@class, "updated")]/@title)[1]')]
    metas += [("trafilatura_date", hints.date)] if hints.date else []
    parsed = [(how, iso) for how, raw in metas if (iso := normalise_timestamp(raw))]
    shown = found.published
    if shown and len(shown) > 10:
        for how, iso in dict.fromkeys(parsed):
            if len(iso) > 10 and not _same_instant(iso, shown):
                audit.append(RemovedLine(0, iso, f"meta:rejected_published_at={how}:disagrees_with_page"))
        audit.append(RemovedLine(0, shown, f"meta:published_at={found.published_from}"))
        return shown
    # The page shows a day (or nothing): a meta time on that day fills in the clock.
    for how, iso in parsed:
        if len(iso) <= 10:
            continue
        local = in_zone(with_zone(iso, zone), zone)
        if shown and local[:10] != shown[:10]:
            audit.append(RemovedLine(0, iso, f"meta:rejected_published_at={how}:other_day_than_page"))
            continue
        audit.append(RemovedLine(0, local, f"meta:published_at={how}"))
        return local
    if shown:
        audit.append(RemovedLine(0, shown, f"meta:published_at={found.published_from}"))
        return shown
    for how, iso in parsed:
        if how == "trafilatura_date":
            # trafilatura's extensive search takes any date of the text when the markup has none
            # (an event's date, "15 Mei 1998"): not a publication time the page shows.
            audit.append(RemovedLine(0, iso, f"meta:rejected_published_at={how}:guessed_from_text"))
            continue
        audit.append(RemovedLine(0, iso, f"meta:published_at={how}"))
        return iso
    return ""


def _same_instant(a: str, b: str) -> bool:
    try:
        da, db = datetime.fromisoformat(a), datetime.fromisoformat(b)
    except ValueError:
        return False
    if (da.utcoffset() is None) != (db.utcoffset() is None):
        return da.replace(tzinfo=None) == db.replace(tzinfo=None)
    return abs((da - db).total_seconds()) < 60


# --- scraped plain-text pages ---------------------------------------------------------------------

#: The headline of a scraped text page is among its first lines, below at most this many short lines.
TEXT_TITLE_ZONE = 6


@dataclass(frozen=True, slots=True)
class TextHeader:
    """The header of a scraped text page, read with the same outlet rules as an HTML page."""

    title_at: int | None
    title: str = ""
    author: str = ""
    published_at: str = ""
    outlet: Outlet | None = None
    used: tuple[str, ...] = ()  # the lines the byline and dateline were read from
    audit: tuple[RemovedLine, ...] = ()


def _site_line(line: str) -> Outlet | None:
    return find_outlet_rules(site_name=line) if len(line.split()) <= 3 else None


def read_text_header(lines: list[str], credits: list[str]) -> TextHeader:
    """Title, byline and dateline of a scraped page from its first lines (site name, section, headline,
    byline, dateline), the credit lines ("Penulis: X") as the fallback for the author."""
    outlet = None
    title_at = None
    for index, line in enumerate(lines[: TEXT_TITLE_ZONE + 1]):
        site = _site_line(line)
        if site is not None:
            outlet = outlet or site
            continue
        words = line.split()
        if (3 <= len(words) <= 25 and not line.endswith((".", ",", ";", ":", ")")) and find_date(line) is None
                and not re.search(r"[.!?][\"”]?\s", line)
                and not _LABELLED.search(line) and not re.match(r"(?i)(oleh|by)\b", line)):
            title_at = index
            break
        if len(words) > 5:
            break
    if title_at is None:
        return TextHeader(None)
    rules = rules_for(outlet)
    found = _Found()
    _scan_header(lines, title_at + 1, rules, found, outlet, "", set())
    if not found.author:
        for line in credits:
            _byline_in(found, line, rules, outlet, "", set(), "visible_credit")
            if found.author:
                break
    audit = list(found.rejected)
    if found.author:
        audit.append(RemovedLine(0, found.author, f"meta:author={found.author_from}"))
    if found.published:
        audit.append(RemovedLine(0, found.published, f"meta:published_at={found.published_from}"))
    return TextHeader(title_at, lines[title_at], found.author, found.published, outlet, tuple(found.lines),
                      tuple(audit))
