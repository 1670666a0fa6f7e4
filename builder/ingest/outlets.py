"""Outlet rules as data: builder/resources/outlets.toml, one table per news outlet.

A rule set says how an outlet shows its byline and its time, what it adds to a headline in
<title>, and which extra lines of furniture it prints. The "generic" table applies to every page.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

OUTLETS_FILE = "outlets.toml"
GENERIC = "generic"
_FIELDS = ("key", "name", "domains", "names", "title", "byline", "date", "boilerplate")


@dataclass(frozen=True, slots=True)
class Outlet:
    """One outlet's rules, compiled."""

    key: str
    name: str
    domains: tuple[str, ...]
    names: tuple[str, ...]  # squeezed spellings (letters and digits, lower case)
    zone: str
    title: tuple[re.Pattern[str], ...]
    byline: tuple[re.Pattern[str], ...]
    author_label: frozenset[str]
    date: tuple[re.Pattern[str], ...]
    boilerplate: tuple[re.Pattern[str], ...]


def squeeze(text: str) -> str:
    """Letters and digits only, lower case: "BeritaSatu.com" -> "beritasatucom"."""
    return re.sub(r"[\W_]+", "", text.lower())


def _compile(patterns: list[str], where: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as error:
            raise ValueError(f"{where}: bad pattern {pattern!r} ({error})") from None
    return tuple(compiled)


def parse_outlets(text: str, where: str = OUTLETS_FILE) -> tuple[Outlet, ...]:
    """Outlet tables from TOML text; a clear ValueError names the outlet and field that are wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{where}: not valid TOML ({error})") from None
    outlets = []
    for number, table in enumerate(data.get("outlet", []), start=1):
        at = f"{where}: outlet {table.get('key', number)!r}"
        missing = [name for name in _FIELDS if name not in table]
        if missing:
            raise ValueError(f"{at}: missing field(s) {', '.join(missing)}")
        zone = table.get("zone", "WIB")
        if zone not in ("WIB", "WITA", "WIT"):
            raise ValueError(f"{at}: zone {zone!r} is not WIB, WITA or WIT")
        byline = _compile(table["byline"], f"{at} byline")
        if any("name" not in p.groupindex for p in byline):
            raise ValueError(f"{at}: every byline pattern needs a (?P<name>...) group")
        date = _compile(table["date"], f"{at} date")
        if any("date" not in p.groupindex for p in date):
            raise ValueError(f"{at}: every date pattern needs a (?P<date>...) group")
        outlets.append(Outlet(
            key=table["key"], name=table["name"], domains=tuple(d.lower() for d in table["domains"]),
            names=tuple(squeeze(n) for n in table["names"]), zone=zone,
            title=_compile(table["title"], f"{at} title"), byline=byline,
            author_label=frozenset(label.lower() for label in table.get("author_label", [])), date=date,
            boilerplate=_compile(table["boilerplate"], f"{at} boilerplate"),
        ))  # fmt: skip
    keys = [o.key for o in outlets]
    if GENERIC not in keys:
        raise ValueError(f"{where}: no [[outlet]] with key = {GENERIC!r}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"{where}: an outlet key is used twice")
    return tuple(outlets)


@cache
def load_outlets() -> tuple[Outlet, ...]:
    """The outlet tables shipped in builder/resources."""
    text = (resources.files("builder") / "resources" / OUTLETS_FILE).read_text(encoding="utf-8")
    return parse_outlets(text)


def generic() -> Outlet:
    """The rules that apply to every page."""
    return next(o for o in load_outlets() if o.key == GENERIC)


def find_outlet_rules(url: str = "", site_name: str = "", title: str = "") -> Outlet | None:
    """The outlet of a page, from its URL's host, else its site name, else its <title>; None if unknown."""
    outlets = [o for o in load_outlets() if o.key != GENERIC]
    host = urlsplit(url).hostname or "" if "//" in url else ""
    if host:
        for outlet in outlets:
            if any(host == d or host.endswith("." + d) for d in outlet.domains):
                return outlet
    # In a <title> only the part after the last separator names the site ("... | Tempo Gaya"): a
    # headline's own words ("Suara Rakyat", "Bisnis Kuliner") do not.
    parts = re.split(r"\s+[|\-–—:»]\s+", title)
    site_parts = [parts[-1]] if len(parts) > 1 else []
    if (m := re.match(r"([\w.-]+\.(?:com|co\.id|id|net))\s*:", title)):
        site_parts.append(m.group(1))
    for hint in (site_name, *site_parts):
        squeezed = squeeze(hint)
        if not squeezed:
            continue
        for outlet in outlets:
            if any(name and name in squeezed for name in outlet.names):
                return outlet
    return None


def rules_for(outlet: Outlet | None) -> tuple[Outlet, ...]:
    """The rule sets to apply, most specific first: the outlet's own, then the generic ones."""
    return (outlet, generic()) if outlet is not None else (generic(),)
