"""Place names as CRF features: the official Indonesian region list (Kepmendagri 2025) and the
project's country/city list. A name only gives a feature (its level and length), never a tag;
the CRF learns how far to trust each level. Village and district names that are common words
(seen lower-case in news text more often than capitalised) are left out unless they have
more than one token."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder.workspace.parts import atomic_write

PLACES_SUFFIX = ".places.tsv"
_ROW = re.compile(r"\('([0-9.]+)','((?:[^'\\]|\\.|'')*)'\)")
_PREFIXES = ("kabupaten ", "kota administrasi ", "kabupaten administrasi ", "kota ")
# Levels by the number of dot-separated parts of the region code.
_LEVELS = {1: "prov", 2: "kab", 3: "kec", 4: "desa"}


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).lower().replace("(", " ").replace(")", " ").split())


@dataclass(frozen=True, slots=True)
class PlaceNames:
    """Lower-cased place names (tokens joined by spaces) -> level (world, prov, kab, kec, desa)."""

    names: Mapping[str, str]
    longest: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.longest:
            longest: dict[str, int] = {}
            for key in self.names:
                first = key.split(" ")[0]
                longest[first] = max(longest.get(first, 0), len(key.split(" ")))
            object.__setattr__(self, "longest", longest)

    def match_at(self, lowers: Sequence[str], i: int, end: int) -> tuple[int, str]:
        """The longest listed name starting at lowers[i] and ending by `end`: (tokens, level)."""
        for size in range(min(self.longest.get(lowers[i], 0), end - i), 0, -1):
            level = self.names.get(" ".join(lowers[i : i + size]))
            if level:
                return size, level
        return 0, ""

    @classmethod
    def load(cls, path: Path) -> PlaceNames:
        names: dict[str, str] = {}
        with Path(path).open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 2:
                    raise ValueError(
                        f"{path}:{number}: expected 'level<TAB>name', got {line[:60]!r}; "
                        "rewrite the place list with `builder train-ner`"
                    )
                names[parts[1]] = parts[0]
        return cls(names)

    def dump(self, path: Path, model_name: str) -> None:
        lines = [f"# {model_name} place names: level, lower-cased name (Kepmendagri 2025 regions, "
                 "gazetteer:places.v1)"]
        lines += [f"{level}\t{name}" for name, level in sorted(self.names.items())]
        atomic_write(path, "\n".join(lines) + "\n")


def read_regions(path: Path) -> list[tuple[str, str]]:
    """(level, name) of every region in the Kepmendagri SQL dump (`INSERT ... ('11.01','Name')`)."""
    text = Path(path).read_text(encoding="utf-8")
    rows = [(_LEVELS.get(code.count(".") + 1, ""), name.replace("''", "'").replace("\\'", "'"))
            for code, name in _ROW.findall(text)]
    rows = [(level, name) for level, name in rows if level]
    if not rows:
        raise ValueError(f"{path}: no `('code','name')` rows found; expected the wilayah.sql dump")
    return rows


def common_words(sentences: Iterable[Sequence[str]]) -> set[str]:
    """Words written lower-case more often than capitalised (outside sentence starts)."""
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    for sentence in sentences:
        for token in sentence[1:]:
            word = unicodedata.normalize("NFC", token)
            (capital if word[:1].isupper() else lower)[word.lower()] += 1
    return {w for w, c in lower.items() if c >= capital[w]}


def build_places(regions: Iterable[tuple[str, str]], world: Iterable[str],
                 common: set[str]) -> PlaceNames:
    """Region names (and their forms without `Kabupaten`/`Kota`) plus world names; village and
    district names of one token that are common words are dropped. A name listed at several
    levels keeps the highest one."""
    order = {"world": 0, "prov": 1, "kab": 2, "kec": 3, "desa": 4}
    names: dict[str, str] = {}

    def add(key: str, level: str) -> None:
        if not key or (level in ("kec", "desa") and " " not in key and key in common):
            return
        if key not in names or order[level] < order[names[key]]:
            names[key] = level

    for name in world:
        add(_key(name), "world")
    for level, name in regions:
        key = _key(name)
        add(key, level)
        for prefix in _PREFIXES:
            if key.startswith(prefix):
                add(key[len(prefix):], level)
                break
    return PlaceNames(names)


def place_features(words: Sequence[str], lowers: Sequence[str], places: PlaceNames) -> list[list[str]]:
    """Longest place-name match starting at a capitalised token: `plB=level/len` on its first
    token, `plI=level/len` on the others."""
    n = len(lowers)
    out: list[list[str]] = [[] for _ in range(n)]
    i = 0
    while i < n:
        size, level = places.match_at(lowers, i, n) if words[i][:1].isupper() else (0, "")
        if size:
            suffix = f"={level}/{min(size, 3)}"
            out[i].append("plB" + suffix)
            for k in range(i + 1, i + size):
                out[k].append("plI" + suffix)
            i += size
        else:
            i += 1
    return out
