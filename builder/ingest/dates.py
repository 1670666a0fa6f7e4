"""Indonesian publication dates ("Jum'at, 07 Januari 2022 |05:52 WIB") to ISO 8601."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

#: Indonesian time zones and their UTC offsets in hours.
ZONES = {"WIB": 7, "WITA": 8, "WIT": 9}

MONTHS = {
    "januari": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2,
    "maret": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12,
    # English names, as KLY's "today" pages and some English-language templates print them
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "october": 10, "december": 12,
}  # fmt: skip

_DAY = r"(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)"
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_TIME = (
    r"(?:\s*[|,\-–—/]?\s*(?:pukul\s*)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?:[:.](?P<second>\d{2}))?\s*(?P<zone>WITA|WIB|WIT)?\b)?"
)
_WORDY = re.compile(
    rf"(?:{_DAY}\s*,?\s*)?(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH})\.?\s+(?P<year>\d{{4}}){_TIME}",
    re.IGNORECASE,
)
_NUMERIC = re.compile(
    rf"(?:{_DAY}\s*,?\s*)?(?P<day>\d{{1,2}})/(?P<month>\d{{1,2}})/(?P<year>\d{{4}}){_TIME}",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A publication date found in a line: where it was and its ISO 8601 form."""

    start: int
    end: int
    iso: str


def _iso(m: re.Match[str], month: int) -> str | None:
    try:
        day = date(int(m["year"]), month, int(m["day"]))
    except ValueError:
        return None
    if m["hour"] is None:
        return day.isoformat()
    hour, minute, second = int(m["hour"]), int(m["minute"]), int(m["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return day.isoformat()
    moment = datetime(day.year, day.month, day.day, hour, minute, second)
    zone = (m["zone"] or "").upper()
    if zone:
        moment = moment.replace(tzinfo=timezone(timedelta(hours=ZONES[zone])))
    return moment.isoformat()


_DIGIT = re.compile(r"\d")


def find_date(text: str) -> DateMatch | None:
    """Find the first Indonesian date (with optional time and zone) in a line of text."""
    if not _DIGIT.search(text):  # every date has a day number: most lines are skipped here, cheaply
        return None
    found: list[DateMatch] = []
    for m in _WORDY.finditer(text):
        iso = _iso(m, MONTHS[m["month"].lower()])
        if iso:
            found.append(DateMatch(m.start(), m.end(), iso))
            break
    for m in _NUMERIC.finditer(text):
        month = int(m["month"])
        iso = _iso(m, month) if 1 <= month <= 12 else None
        if iso:
            found.append(DateMatch(m.start(), m.end(), iso))
            break
    return min(found, key=lambda d: d.start) if found else None


def zone_offset(zone: str) -> timezone:
    """The UTC offset of an Indonesian zone name (WIB, WITA, WIT)."""
    return timezone(timedelta(hours=ZONES[zone.upper()]))


def with_zone(iso: str, zone: str) -> str:
    """A wall-clock time without an offset given the zone's offset; dates and times with one unchanged."""
    if len(iso) <= 10:
        return iso
    moment = datetime.fromisoformat(iso)
    if moment.utcoffset() is not None:
        return iso
    return moment.replace(tzinfo=zone_offset(zone)).isoformat()


def in_zone(iso: str, zone: str) -> str:
    """A time with an offset shown in the given zone (the same instant); others unchanged."""
    if len(iso) <= 10:
        return iso
    moment = datetime.fromisoformat(iso)
    if moment.utcoffset() is None:
        return iso
    return moment.astimezone(zone_offset(zone)).isoformat()


def normalise_timestamp(value: str) -> str:
    """Turn a metadata date (ISO 8601, or Indonesian words) into ISO 8601, or "" if unreadable."""
    value = value.strip()
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        match = find_date(value)
        return match.iso if match else ""
    if len(value) == 10:  # a bare date: do not invent a time
        return parsed.date().isoformat()
    return parsed.isoformat()
