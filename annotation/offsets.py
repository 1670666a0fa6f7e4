"""Offsets at the Label Studio boundary, in one place.

Label Studio 1.23 (its front end since PR #308 of 2022) stores code points, as Python
does; older servers counted UTF-16 units (JavaScript string length), which differ after
emoji and other astral characters. The unit is a project setting; every region's text is
checked against the sentence after conversion, so a server that counts otherwise is caught.
"""

from __future__ import annotations

CODEPOINT, UTF16 = "codepoint", "utf16"
UNITS = (CODEPOINT, UTF16)


def _has_astral(text: str) -> bool:
    return any(ord(c) > 0xFFFF for c in text)


def check_units(units: str) -> str:
    """The units, or a ValueError naming the allowed ones."""
    if units not in UNITS:
        raise ValueError(f"offset units {units!r}: use {' or '.join(UNITS)}")
    return units


def to_utf16(text: str, offset: int) -> int:
    """The UTF-16 offset of code point `offset` in `text`."""
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside the text of {len(text)} code points")
    if not _has_astral(text):
        return offset
    return offset + sum(1 for c in text[:offset] if ord(c) > 0xFFFF)


def from_utf16(text: str, offset: int) -> int:
    """The code point offset of UTF-16 offset `offset` in `text`; an offset inside a surrogate pair is an error."""
    if not _has_astral(text):
        if not 0 <= offset <= len(text):
            raise ValueError(f"UTF-16 offset {offset} is outside the text of {len(text)} units")
        return offset
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            raise ValueError(f"UTF-16 offset {offset} falls inside the character {char!r} at {index}")
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} is outside the text of {units} units")


def to_label_studio(text: str, offset: int, units: str) -> int:
    """A code point offset as the server counts it."""
    if units == UTF16:
        return to_utf16(text, offset)
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside the text of {len(text)} code points")
    return offset


def from_label_studio(text: str, offset: int, units: str) -> int:
    """An offset from the server as a code point offset."""
    if units == UTF16:
        return from_utf16(text, offset)
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside the text of {len(text)} code points")
    return offset
