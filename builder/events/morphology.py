"""Indonesian morphology for event triggers: Sastrawi stems, and every affixed form of a stem.

Stemming a word with Sastrawi takes milliseconds, too slow for every token of a corpus. So
the model goes the other way: from each stem it knows, it generates the affixed forms
(meN-, peN-, di-, ter-, ber-, ke-, per-, memper-, diper-, se- with the nasal assimilation of
meN-/peN-; -kan, -i, -an, -nya and their combinations; reduplication) and looks tokens up
in that table: one dictionary lookup per token.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterable
from dataclasses import dataclass
from functools import lru_cache

VOWELS = frozenset("aeiou")
SUFFIXES = ("", "kan", "i", "an", "nya", "kannya", "inya", "annya", "lah", "kanlah", "ilah")
#: (prefix, suffix) pairs whose forms are not generated: the ber-...-an confix makes reciprocal, relational or
#: adverbial words (bergantian "in turns", berhubungan, berkaitan, bertujuan), not the event of its stem
#: (ganti: a replacement in office); none of the corpus's 1,418 triggers has it.
NOT_EVENTS = frozenset({("ber", "an"), ("ber", "annya")})


class _WordSet:
    """Sastrawi's root-word dictionary as a set: its own ArrayDictionary searches a list (≈30 ms a word)."""

    def __init__(self, words: list[str]) -> None:
        self.words = {w for w in words if w and w.strip()}

    def contains(self, word: str) -> bool:
        return word in self.words

    def count(self) -> int:
        return len(self.words)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return Stemmer(_WordSet(StemmerFactory().get_words()))


@lru_cache(maxsize=262_144)
def stem(word: str) -> str:
    """The Sastrawi stem of a lower-cased word (cached: news vocabularies repeat)."""
    lowered = word.lower()
    if not any(c.isalpha() for c in lowered):
        return lowered
    return _stemmer().stem(lowered) or lowered


def nasal_forms(nasal: str, root: str) -> list[str]:
    """meN- or peN- (`nasal` = "me" or "pe") joined to a root, with the assimilations of Indonesian
    (pukul → memukul, tangkap → menangkap, serang → menyerang, kirim → mengirim, ambil → mengambil),
    and the unassimilated form where usage varies (mengkritik, mempunyai)."""
    first, two = root[:1], root[:2]
    if not first:
        return []
    if first in VOWELS:
        return [nasal + "ng" + root]
    if first in "bfv":
        return [nasal + "m" + root]
    if first == "p":
        return [nasal + "m" + root[1:], nasal + "mp" + root[1:]]
    if first == "t":
        return [nasal + "n" + root[1:], nasal + "nt" + root[1:]]
    if two == "sy" or first in "dcjz":
        return [nasal + "n" + root]
    if first == "s":
        return [nasal + "ny" + root[1:], nasal + "ns" + root[1:]]
    if two == "kh" or first in "gh":
        return [nasal + "ng" + root]
    if first == "k":
        return [nasal + "ng" + root[1:], nasal + "ngk" + root[1:]]
    return [nasal + root]  # l, m, n, r, w, y: melapor, meminta, menikah, merampok, mewakili


def prefixed(root: str) -> dict[str, str]:
    """The root with each prefix: form → the prefix's name."""
    forms = {root: ""}
    for form in nasal_forms("me", root):
        forms.setdefault(form, "meN")
    for form in nasal_forms("pe", root):
        forms.setdefault(form, "peN")
    be = "be" if root.startswith("r") else "ber"
    for prefix, name in (("di", "di"), ("ter", "ter"), (be, "ber"), ("ke", "ke"), ("per", "per"), ("se", "se"),
                         ("memper", "memper"), ("diper", "diper"), ("dipe", "diper"), ("pe", "pe")):
        forms.setdefault(prefix + root, name)
    return forms


def surface_forms(root: str) -> dict[str, tuple[str, str]]:
    """Every affixed and reduplicated form of a root: form → (prefix, suffix)."""
    out: dict[str, tuple[str, str]] = {}
    for form, prefix in prefixed(root).items():
        for suffix in SUFFIXES:
            if (prefix, suffix) not in NOT_EVENTS:
                out.setdefault(form + suffix, (prefix, suffix))
    for nasal in nasal_forms("me", root):
        out.setdefault(f"{root}-{nasal}", ("redup", ""))  # tembak-menembak
    out.setdefault(f"{root}-{root}", ("redup", ""))
    out.setdefault(f"{root}-{root}nya", ("redup", "nya"))
    return out


@dataclass(frozen=True, slots=True)
class Form:
    """What a token is: the stem it was made from, and its prefix and suffix."""

    stem: str
    prefix: str
    suffix: str


class FormIndex:
    """Lower-cased word → Form, for every form of the stems given (a stem's own entry wins a collision;
    otherwise the shorter stem, then the alphabetically first, so the table does not depend on order)."""

    def __init__(self, stems: Iterable[str], extra: dict[str, str] | None = None) -> None:
        table: dict[str, Form] = {}
        for root in sorted(set(stems), key=lambda s: (len(s), s)):
            for form, (prefix, suffix) in surface_forms(root).items():
                current = table.get(form)
                if current is None or (form == root and current.stem != root):
                    table[form] = Form(root, prefix, suffix)
        for word, root in sorted((extra or {}).items()):
            table.setdefault(word, Form(root, "seen", ""))
        self._table = table
        #: The form of a lower-cased word, or None if it is no form of a known stem (the table's own
        #: lookup, bound once: it runs for every token of a corpus).
        self.get: Callable[[str], Form | None] = table.get

    def __len__(self) -> int:
        return len(self._table)

    def items(self) -> ItemsView[str, Form]:
        """(lower-cased word, its form) of every word in the table."""
        return self._table.items()

    def words_of(self, stems: Iterable[str]) -> set[str]:
        """Every word in the table that is a form of one of `stems`."""
        wanted = set(stems)
        return {word for word, form in self._table.items() if form.stem in wanted}
