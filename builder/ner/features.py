"""Token features of the CRF NER model: word shape and affixes, capitalised runs, and the
entity lexicon from the training data. The reference CRF (crf.py) and the NumPy decoder
(fastcrf.py) both build on these templates."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from builder.workspace.parts import atomic_write

LEXICON_HEADER = " lexicon: entity strings and word labels from its training data"
_PUNCT = re.compile(r"^\W+$")
_TRAILING_TITLE = re.compile(r"^[A-Z][a-z]*\.$")  # "Dr.", "H.", "Jl."


@lru_cache(maxsize=1 << 18)
def word_shape(word: str) -> str:
    """Collapsed character classes: 'Jokowi' -> 'Xx', 'DKI' -> 'X', '2.000' -> 'd.d'."""
    out: list[str] = []
    for char in word:
        if char.isupper():
            cls = "X"
        elif char.islower():
            cls = "x"
        elif char.isdigit():
            cls = "d"
        else:
            cls = char
        if not out or out[-1] != cls:
            out.append(cls)
    return "".join(out)[:6]


def is_cap(word: str) -> bool:
    return word[:1].isupper()


def _flag(fires: Callable[[str], object]) -> Callable[[str, str], str | None]:
    """A feature with no value: "" when it fires on the word, else None."""
    return lambda word, lower: "" if fires(word) else None


def _lower(word: str, lower: str) -> str:
    return lower


def _shape(word: str, lower: str) -> str:
    return word_shape(word)


def _suffix3(word: str, lower: str) -> str:
    return lower[-3:]


#: The features of a token's own word, in order, as (name, value): the value is read from the word
#: and its lower case, None where the feature does not fire; the feature string is name + value
#: ("w=jakarta", "title"). The CRF's NumPy decoder (fastcrf.py) reads the same list.
OWN_TEMPLATES: tuple[tuple[str, Callable[[str, str], str | None]], ...] = (
    ("b", lambda word, lower: ""),
    ("w=", _lower),
    ("sh=", _shape),
    ("p2=", lambda word, lower: lower[:2]),
    ("p3=", lambda word, lower: lower[:3]),
    ("p4=", lambda word, lower: lower[:4]),
    ("s2=", lambda word, lower: lower[-2:]),
    ("s3=", _suffix3),
    ("s4=", lambda word, lower: lower[-4:]),
    ("len=", lambda word, lower: str(min(len(word), 12))),
    ("title", _flag(str.istitle)),
    ("upper", _flag(lambda word: word.isupper() and any(c.isalpha() for c in word))),
    ("digit", _flag(lambda word: any(c.isdigit() for c in word))),
    ("hyphen", _flag(lambda word: "-" in word)),
    ("hy0=", lambda word, lower: lower.split("-", 1)[0] if "-" in word else None),
    ("abbrdot", _flag(_TRAILING_TITLE.match)),
    ("punct", _flag(_PUNCT.match)),
)
#: Templates of a neighbour's word (the feature name gets its offset in front: "-1w=", "2sh=").
NEIGHBOUR_VALUES = {"w=": _lower, "sh=": _shape, "s3=": _suffix3, "cap": _flag(is_cap)}


@lru_cache(maxsize=1 << 18)
def own_features(word: str) -> tuple[str, ...]:
    """Features of a token that do not depend on its neighbours (cached: news vocabulary repeats)."""
    lower = word.lower()
    return tuple(name + value for name, value_of in OWN_TEMPLATES if (value := value_of(word, lower)) is not None)


def _cap_runs(tokens: Sequence[str]) -> list[tuple[int, int]]:
    """For each token, (index in its run of capitalised tokens, run length); (0, 0) outside runs."""
    runs = [(0, 0)] * len(tokens)
    i = 0
    while i < len(tokens):
        if not is_cap(tokens[i]):
            i += 1
            continue
        j = i
        while j < len(tokens) and is_cap(tokens[j]):
            j += 1
        for k in range(i, j):
            runs[k] = (k - i + 1, j - i)
        i = j
    return runs


def sentence_features(
    tokens: Sequence[str], lexicon: EntityLexicon | None = None
) -> list[list[str]]:
    """The CRF feature strings for every token of a pre-tokenised sentence."""
    words = [unicodedata.normalize("NFC", t) for t in tokens]
    lowers = [w.lower() for w in words]
    shapes = [word_shape(w) for w in words]
    runs = _cap_runs(words)
    n = len(words)
    out: list[list[str]] = []
    for i, word in enumerate(words):
        feats = list(own_features(word))
        position, length = runs[i]
        if length:
            feats.append(f"run={min(length, 5)}:{min(position, 4)}")
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < n:
                feats.append(f"{offset}w={lowers[j]}")
                feats.append(f"{offset}sh={shapes[j]}")
            else:
                feats.append(f"{offset}w=<pad>")
        for offset in (-1, 1):
            j = i + offset
            if 0 <= j < n:
                feats.append(f"{offset}s3={lowers[j][-3:]}")
                if is_cap(words[j]):
                    feats.append(f"{offset}cap")
        if i > 0:
            feats.append(f"-1w|w={lowers[i - 1]}|{lowers[i]}")
        if i < n - 1:
            feats.append(f"w|+1w={lowers[i]}|{lowers[i + 1]}")
        if 1 < i:
            feats.append(f"-2w|-1w={lowers[i - 2]}|{lowers[i - 1]}")
        out.append(feats)
    if lexicon is not None:
        for feats, extra in zip(out, lexicon_features(lowers, lexicon), strict=True):
            feats.extend(extra)
    return out


@dataclass(frozen=True, slots=True)
class EntityLexicon:
    """Entity strings and word label tendencies seen in the training data, used as features."""

    entities: Mapping[str, str]  # lower-cased tokens joined by spaces -> PER/ORG/LOC
    words: Mapping[str, str]  # lower-cased word -> "PER:hi", "O:mid", ... (majority label, share)
    longest: Mapping[str, int] = field(default_factory=dict)  # first word -> longest entity

    def __post_init__(self) -> None:
        if not self.longest:
            longest: dict[str, int] = {}
            for key in self.entities:
                words = key.split(" ")
                longest[words[0]] = max(longest.get(words[0], 0), len(words))
            object.__setattr__(self, "longest", longest)

    def match_at(self, lowers: Sequence[str], i: int, end: int) -> tuple[int, str]:
        """The longest entity string starting at lowers[i] and ending by `end`: (tokens, label),
        or (0, "") if none does."""
        for size in range(min(self.longest.get(lowers[i], 0), end - i), 0, -1):
            label = self.entities.get(" ".join(lowers[i : i + size]))
            if label:
                return size, label
        return 0, ""

    @classmethod
    def from_sentences(
        cls, sentences: Iterable[tuple[Sequence[str], Sequence[str]]]
    ) -> EntityLexicon:
        """Collect entity strings (majority label) and majority labels of words seen twice+."""
        entity_labels: dict[str, Counter[str]] = defaultdict(Counter)
        word_labels: dict[str, Counter[str]] = defaultdict(Counter)
        for tokens, tags in sentences:
            lowers = [unicodedata.normalize("NFC", t).lower() for t in tokens]
            for start, end, label in entity_ranges(tags):
                entity_labels[" ".join(lowers[start:end])][label] += 1
            for word, tag in zip(lowers, tags, strict=True):
                word_labels[word][tag[2:] or "O"] += 1
        entities = {k: c.most_common(1)[0][0] for k, c in entity_labels.items()}
        words = {}
        for word, counts in word_labels.items():
            total = sum(counts.values())
            if total >= 2:
                label, count = counts.most_common(1)[0]
                words[word] = f"{label}:{'hi' if count / total >= 0.8 else 'mid'}"
        return cls(entities, words)

    @classmethod
    def load(cls, path: Path) -> EntityLexicon:
        """Read a lexicon written by `dump`."""
        entities: dict[str, str] = {}
        words: dict[str, str] = {}
        with Path(path).open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3 or parts[0] not in ("E", "W"):
                    raise ValueError(
                        f"{path}:{number}: expected 'E|W<TAB>label<TAB>text', got {line[:60]!r}; "
                        "rewrite the lexicon with `builder train-ner`"
                    )
                (entities if parts[0] == "E" else words)[parts[2]] = parts[1]
        return cls(entities, words)

    def dump(self, path: Path, model_name: str) -> None:
        """Write the lexicon as sorted TSV lines (E = entity string, W = word), under a header naming its model."""
        lines = [f"# {model_name}{LEXICON_HEADER}"]
        lines += [f"E\t{v}\t{k}" for k, v in sorted(self.entities.items())]
        lines += [f"W\t{v}\t{k}" for k, v in sorted(self.words.items())]
        atomic_write(path, "\n".join(lines) + "\n")


def lexicon_model_name(path: Path) -> str | None:
    """The model name in a lexicon's header line (`# <name> lexicon: ...`), or None if it has none."""
    with Path(path).open(encoding="utf-8") as handle:
        first = handle.readline().rstrip("\n")
    if first.startswith("# ") and first.endswith(LEXICON_HEADER):
        return first[2 : -len(LEXICON_HEADER)] or None
    return None


def entity_ranges(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) token ranges of the IOB2 entities in tags."""
    out: list[tuple[int, int, str]] = []
    for i, tag in enumerate(tags):
        if tag.startswith("B-"):
            out.append((i, i + 1, tag[2:]))
        elif tag.startswith("I-") and out and out[-1][1] == i and out[-1][2] == tag[2:]:
            out[-1] = (out[-1][0], i + 1, tag[2:])
    return out


def lexicon_features(lowers: Sequence[str], lexicon: EntityLexicon) -> list[list[str]]:
    """Longest lexicon entity match over each token; word labels of it and its neighbours."""
    n = len(lowers)
    out: list[list[str]] = [[] for _ in range(n)]
    i = 0
    while i < n:
        length, label = lexicon.match_at(lowers, i, n)
        if length:
            out[i].append(f"gzB={label}/{min(length, 3)}")
            for k in range(i + 1, i + length):
                out[k].append(f"gzI={label}/{min(length, 3)}")
            i += length
        else:
            i += 1
    words = [lexicon.words.get(w, "") for w in lowers]
    for k in range(n):
        if words[k]:
            out[k].append("tk=" + words[k])
        for offset in (-1, 1):
            j = k + offset
            if 0 <= j < n and words[j]:
                out[k].append(f"{offset}tk={words[j].split(':')[0]}")
    return out
