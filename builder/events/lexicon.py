"""The Indonesian trigger lexicon (lexicon:events.v1): trigger phrases → event types, matched on stems.

Inflections are handled by matching Sastrawi stems (menewaskan ~ tewas, ditangkap ~
tangkap), except for entries marked `match = "surface"`. Entry scores are prior
precisions. The lexicon tagger (builder/prelabel/taggers/events.py) uses it directly; the
event model bakes it into its features when it is trained.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from builder.core.phrases import PhraseIndex
from builder.core.records import Sentence
from builder.core.schema import Schema, SchemaError
from builder.core.tokenizer import tokenize
from builder.events.morphology import stem

MATCH_KINDS = ("stem", "surface")


@dataclass(frozen=True, slots=True)
class Trigger:
    """One trigger phrase of the lexicon, as the keys it is matched on."""

    phrase: str
    keys: tuple[str, ...]
    match: str
    types: tuple[str, ...]
    score: float


def _keys(phrase: str, match: str) -> tuple[str, ...]:
    words = [t.text for t in tokenize(phrase)]
    return tuple(stem(w) for w in words) if match == "stem" else tuple(w.lower() for w in words)


@dataclass(frozen=True)
class EventLexicon:
    """Trigger phrases → event types, with a score per phrase."""

    name: str
    triggers: tuple[Trigger, ...]

    def __post_init__(self) -> None:
        indexes = {kind: PhraseIndex((t.keys, t) for t in self.triggers if t.match == kind) for kind in MATCH_KINDS}
        # Stemming is slow (milliseconds a word), so only words that contain a stem's core are stemmed:
        # the stem without its first letter, which prefixes may change (tangkap → menangkap).
        cores = {k[1:] if len(k) > 3 else k for t in self.triggers if t.match == "stem" for k in t.keys}
        pattern = "|".join(re.escape(c) for c in sorted(cores, key=len, reverse=True)) or r"(?!)"
        object.__setattr__(self, "_indexes", indexes)  # derived from `triggers`, built once
        object.__setattr__(self, "_may_match", re.compile(pattern).search)
        object.__setattr__(self, "_stem_keys", {})  # word -> its match key, cached

    def validate(self, schema: Schema) -> None:
        """Raise if a trigger names an event type the schema does not have."""
        known = set(schema.event_labels)
        for trigger in self.triggers:
            unknown = [t for t in trigger.types if t not in known]
            if unknown:
                raise SchemaError(
                    f"{self.name}: trigger {trigger.phrase!r} maps to {', '.join(unknown)}, "
                    f"which the schema {schema.name!r} does not define; fix the lexicon or add the type"
                )

    def find(self, sentence: Sentence) -> list[tuple[int, int, Trigger]]:
        """Trigger matches (first token, last token + 1, trigger); longer matches win overlaps."""
        lowered = [t.text.lower() for t in sentence.tokens]
        keys = self._stem_keys
        if len(keys) > 500_000:  # bounded, whatever the corpus
            keys.clear()
        stems = [keys.get(w) or keys.setdefault(w, stem(w) if self._may_match(w) else w) for w in lowered]
        matches = self._indexes["stem"].find(stems)
        matches += self._indexes["surface"].find(lowered)
        matches.sort(key=lambda m: (-(m[1] - m[0]), -m[2].score, m[0]))  # type: ignore[union-attr]
        kept: list[tuple[int, int, Trigger]] = []
        for first, last, trigger in matches:
            if all(last <= a or first >= b for a, b, _ in kept):
                kept.append((first, last, trigger))  # type: ignore[arg-type]
        return sorted(kept, key=lambda m: m[0])


def parse_lexicon(text: str, where: str) -> EventLexicon:
    """An EventLexicon from TOML text; errors name the entry and the fix."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SchemaError(f"{where}: not valid TOML ({error})") from None
    triggers = []
    for number, entry in enumerate(raw.get("entries", []), start=1):
        match = entry.get("match", "stem")
        if match not in MATCH_KINDS:
            raise SchemaError(f"{where}: entry {number} has match = {match!r}; use 'stem' or 'surface'")
        score = float(entry.get("score", 0.5))
        if not 0.0 <= score <= 1.0:
            raise SchemaError(f"{where}: entry {number} has score {score}; give a number from 0 to 1")
        types = tuple(entry.get("types", ()))
        words = entry.get("words", ())
        if not types or not words:
            raise SchemaError(f"{where}: entry {number} needs both 'types' and 'words'")
        triggers += [Trigger(w, _keys(w, match), match, types, score) for w in words]
    return EventLexicon(str(raw.get("name", "lexicon:events")), tuple(triggers))


def load_lexicon(path: Path | None = None) -> EventLexicon:
    """The lexicon at `path`, or the packaged builder/resources/event_lexicon.toml."""
    if path is None:
        text = resources.files("builder.resources").joinpath("event_lexicon.toml").read_text(encoding="utf-8")
        return parse_lexicon(text, "builder/resources/event_lexicon.toml")
    return parse_lexicon(path.read_text(encoding="utf-8"), str(path))
