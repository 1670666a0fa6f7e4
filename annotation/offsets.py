"""Code point ↔ UTF-16 offsets: Label Studio counts JavaScript string units, Python code points.

This is the one place where offsets cross that boundary.
"""

from __future__ import annotations


def _has_astral(text: str) -> bool:
    return any(ord(c) > 0xFFFF for c in text)


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
