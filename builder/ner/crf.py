"""The CRF NER model `id_news.ner.crf.v1`: token features and a tagger over token lists."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import pycrfsuite

from builder.ner.conll import to_iob2

MODEL_NAME = "id_news.ner.crf.v1"
MODEL_FILE = f"{MODEL_NAME}.crfsuite"
LABELS = ("PER", "ORG", "LOC")

_PUNCT = re.compile(r"^\W+$")
_TRAILING_TITLE = re.compile(r"^[A-Z][a-z]*\.$")  # "Dr.", "H.", "Jl."


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


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _own_features(word: str) -> list[str]:
    """Features of a token that do not depend on its neighbours."""
    lower = word.lower()
    feats = [
        "b",
        "w=" + lower,
        "sh=" + word_shape(word),
        "p2=" + lower[:2],
        "p3=" + lower[:3],
        "p4=" + lower[:4],
        "s2=" + lower[-2:],
        "s3=" + lower[-3:],
        "s4=" + lower[-4:],
        f"len={min(len(word), 12)}",
    ]
    if word.istitle():
        feats.append("title")
    if word.isupper() and any(c.isalpha() for c in word):
        feats.append("upper")
    if any(c.isdigit() for c in word):
        feats.append("digit")
    if "-" in word:
        feats.append("hyphen")
        feats.append("hy0=" + lower.split("-", 1)[0])
    if _TRAILING_TITLE.match(word):
        feats.append("abbrdot")
    if _PUNCT.match(word):
        feats.append("punct")
    return feats


def _cap_runs(tokens: Sequence[str]) -> list[tuple[int, int]]:
    """For each token, (index in its run of capitalised tokens, run length); (0, 0) outside runs."""
    runs = [(0, 0)] * len(tokens)
    i = 0
    while i < len(tokens):
        if not _is_cap(tokens[i]):
            i += 1
            continue
        j = i
        while j < len(tokens) and _is_cap(tokens[j]):
            j += 1
        for k in range(i, j):
            runs[k] = (k - i + 1, j - i)
        i = j
    return runs


def sentence_features(tokens: Sequence[str]) -> list[list[str]]:
    """The CRF feature strings for every token of a pre-tokenised sentence."""
    words = [unicodedata.normalize("NFC", t) for t in tokens]
    lowers = [w.lower() for w in words]
    shapes = [word_shape(w) for w in words]
    runs = _cap_runs(words)
    n = len(words)
    out: list[list[str]] = []
    for i, word in enumerate(words):
        feats = _own_features(word)
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
                if _is_cap(words[j]):
                    feats.append(f"{offset}cap")
        if i > 0:
            feats.append(f"-1w|w={lowers[i - 1]}|{lowers[i]}")
        if i < n - 1:
            feats.append(f"w|+1w={lowers[i]}|{lowers[i + 1]}")
        if 1 < i:
            feats.append(f"-2w|-1w={lowers[i - 2]}|{lowers[i - 1]}")
        out.append(feats)
    return out


class Tagged(NamedTuple):
    """IOB2 tags for one sentence and the marginal probability of each predicted tag."""

    tags: tuple[str, ...]
    scores: tuple[float, ...]


def packaged_model_path() -> Path:
    """Where the trained model ships inside the package."""
    return Path(str(resources.files("builder") / "resources" / MODEL_FILE))


class CrfNerModel:
    """A loaded CRF NER model; open it once and tag many sentences."""

    name = MODEL_NAME

    def __init__(self, path: Path, tagger: pycrfsuite.Tagger) -> None:
        self.path = path
        self._tagger = tagger

    @classmethod
    def load(cls, path: Path | None = None) -> CrfNerModel:
        """Open a model file; with no path, the one shipped in `builder/resources`."""
        path = Path(path) if path is not None else packaged_model_path()
        if not path.is_file():
            raise FileNotFoundError(
                f"NER model file {path} does not exist; train one with "
                "`builder train-ner --data-dir ../shared/data/ner --out builder/resources/`"
            )
        tagger = pycrfsuite.Tagger()
        try:
            tagger.open(str(path))
        except Exception as error:  # crfsuite raises a bare ValueError/IOError
            raise ValueError(
                f"{path} is not a CRFsuite model ({error}); retrain it with `builder train-ner`"
            ) from error
        return cls(path, tagger)

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        # The crfsuite tagger cannot be pickled; workers (Ray, multiprocessing) reopen the file.
        return (type(self).load, (self.path,))

    @property
    def labels(self) -> tuple[str, ...]:
        """The tags this model can predict."""
        return tuple(self._tagger.labels())

    def predict(self, sentences: Sequence[Sequence[str]]) -> list[Tagged]:
        """Tag each sentence (a list of token strings) with IOB2 tags and their marginals."""
        out: list[Tagged] = []
        for tokens in sentences:
            if isinstance(tokens, str):
                raise TypeError(
                    f"predict() takes a list of token lists, got the string {tokens[:40]!r}; "
                    "tokenize first, e.g. with builder.segment.tokenize"
                )
            if not tokens:
                out.append(Tagged((), ()))
                continue
            tags = self._tagger.tag(sentence_features(tokens))
            scores = tuple(self._tagger.marginal(tag, i) for i, tag in enumerate(tags))
            # A CRF can emit I-X after O; read it as the start of an entity, as IOB1 would.
            out.append(Tagged(to_iob2(tags), scores))
        return out
