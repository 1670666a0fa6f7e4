"""Read CoNLL/BIO files (token and tag columns) into sentences with IOB2 tags."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

# Label names used by the public Indonesian NER sets, mapped to ours; names not
# in the map (TIME, QUANTITY, EVT, ...) become O.
DEFAULT_LABEL_MAP: Mapping[str, str] = {
    "PER": "PER",
    "PERSON": "PER",
    "PPL": "PER",
    "ORG": "ORG",
    "ORGANIZATION": "ORG",
    "ORGANISATION": "ORG",
    "LOC": "LOC",
    "LOCATION": "LOC",
    "PLACE": "LOC",
    "PLC": "LOC",
    "GPE": "LOC",
}

_TAG = re.compile(r"^(?:O|[BI]-[^\s-][^\s]*)$")


@dataclass(frozen=True, slots=True)
class TaggedSentence:
    """One pre-tokenised sentence with IOB2 tags and where it was read from."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    origin: str = ""  # "file:line" of the sentence's first token

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise ValueError(
                f"sentence at {self.origin or '?'} has {len(self.tokens)} tokens "
                f"but {len(self.tags)} tags; give one tag per token"
            )


def to_iob2(tags: Iterable[str]) -> tuple[str, ...]:
    """Turn IO or IOB1 tags into IOB2: an I- that does not continue its type becomes B-."""
    out: list[str] = []
    previous = "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        out.append(tag)
        previous = tag
    return tuple(out)


def map_tag(tag: str, label_map: Mapping[str, str] | None) -> str:
    """Rename a tag's label by the map (None keeps all labels); unmapped or "O" labels become O."""
    if tag == "O" or label_map is None:
        return tag
    label = label_map.get(tag[2:], "O")
    return "O" if label == "O" else f"{tag[:2]}{label}"


def parse_conll(
    lines: Iterable[str],
    *,
    name: str = "<string>",
    label_map: Mapping[str, str] | None = DEFAULT_LABEL_MAP,
) -> Iterator[TaggedSentence]:
    """Yield sentences from CoNLL lines: token first, tag last, blank lines between sentences."""
    tokens: list[str] = []
    tags: list[str] = []
    start = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        if not line.strip():
            if tokens:
                yield TaggedSentence(tuple(tokens), to_iob2(tags), f"{name}:{start}")
            tokens, tags = [], []
            continue
        columns = line.split("\t") if "\t" in line else line.split()
        columns = [c.strip() for c in columns]
        if columns[0] == "-DOCSTART-":
            continue
        if len(columns) < 2 or not columns[0] or not _TAG.match(columns[-1]):
            raise ValueError(
                f"{name}:{number}: expected 'token<TAB or SPACE>...tag' with tag O, B-X "
                f"or I-X, got {line!r}; fix the line or check the file is CoNLL/BIO"
            )
        if not tokens:
            start = number
        tokens.append(columns[0])
        tags.append(map_tag(columns[-1], label_map))
    if tokens:
        yield TaggedSentence(tuple(tokens), to_iob2(tags), f"{name}:{start}")


def read_conll(
    path: Path, *, label_map: Mapping[str, str] | None = DEFAULT_LABEL_MAP
) -> list[TaggedSentence]:
    """Read a CoNLL/BIO file (UTF-8, tab or space columns, LF or CRLF) into sentences."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return list(parse_conll(handle, name=str(path), label_map=label_map))
