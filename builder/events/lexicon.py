"""The Indonesian trigger lexicon (lexicon:events.v1): trigger phrases → event types, matched on forms of stems.

Inflections are handled by the affix-aware FormIndex (builder/events/morphology.py): every
affixed form of an entry's stems (menewaskan ~ tewas, ditangkap ~ tangkap) is looked up, never
stemmed, except for entries marked `match = "surface"`, which match their written forms only.
A phrase may have gaps: `"mengajukan ... [banding]"` matches "mengajukan banding" and
"mengajukan permohonan banding" (up to the entry's `gap` words, default 3, in place of each
`...`, never across , ; : . ! ?); the words in brackets are the trigger span (the guidelines'
event noun after a light verb); without brackets the span is the whole phrase. Entry scores
are prior precisions. The lexicon tagger (builder/prelabel/taggers/events.py) uses it
directly; the event model bakes it into its features and trusts its precise entries.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from builder.core.phrases import PhraseIndex
from builder.core.records import Sentence
from builder.core.schema import Schema, SchemaError
from builder.core.tokenizer import tokenize
from builder.events.morphology import FormIndex, stem, surface_forms

MATCH_KINDS = ("stem", "surface")
GAP = "..."
DEFAULT_GAP = 3
#: Tokens a gap never spans: a light verb and its event noun stay in one clause.
CLAUSE_BREAKS = frozenset(",;:.!?")
#: peN-/pe- forms without -an name a person, not an event (pengunjuk rasa, pembunuh, pembeli: GUIDELINES §2).
AGENT_PREFIXES = frozenset({"peN", "pe"})
AGENT_SUFFIXES = frozenset({"", "nya"})


def _stem_key(word: str) -> str:
    """The match key of a word of a `stem` entry: its stem, or the word itself when it is an agent noun
    (so an entry written "pemilu" matches "pemilu" but "unjuk rasa" does not match "pengunjuk rasa")."""
    lowered = word.lower()
    root = stem(lowered)
    affixes = surface_forms(root).get(lowered) if root != lowered else None
    if affixes is not None and affixes[0] in AGENT_PREFIXES and affixes[1] in AGENT_SUFFIXES:
        return lowered
    return root


@dataclass(frozen=True, slots=True)
class Trigger:
    """One trigger phrase of the lexicon, as the keys it is matched on.

    `parts` are the contiguous pieces of the phrase (one piece unless it has gaps), `gap` the
    most words each gap may hold, `head` the words of the phrase (first, last + 1, counted over
    all its words) that make the trigger span."""

    phrase: str
    keys: tuple[str, ...]
    match: str
    types: tuple[str, ...]
    score: float
    parts: tuple[tuple[str, ...], ...] = ()
    gap: int = 0
    head: tuple[int, int] = (0, 0)


def _words(phrase: str) -> list[str]:
    return [t.text for t in tokenize(phrase)]


def parse_phrase(phrase: str, match: str, gap: int, where: str) -> Trigger:
    """A Trigger from its written phrase: `...` for a gap, [brackets] around the trigger words."""
    words, parts, current = [], [], []
    head: list[int] = []
    depth = 0
    for token in phrase.replace("[", " [ ").replace("]", " ] ").replace(GAP, f" {GAP} ").split():
        if token == "[":
            depth += 1
            head.append(len(words))
        elif token == "]":
            depth -= 1
            head.append(len(words))
        elif token == GAP:
            if not current or depth:
                raise SchemaError(f"{where}: phrase {phrase!r} has '...' at its start or inside brackets; put it "
                                  "between words")
            parts.append(tuple(current))
            current = []
        else:
            for word in _words(token):
                key = _stem_key(word) if match == "stem" else word.lower()
                words.append(key)
                current.append(key)
    if not current or depth or len(head) not in (0, 2) or (head and head[0] == head[1]):
        raise SchemaError(f"{where}: phrase {phrase!r} is not 'words', 'word ... word' or 'word ... [word]' "
                          "(one pair of brackets around the trigger words, no '...' at the end)")
    parts.append(tuple(current))
    span = (head[0], head[1]) if head else (0, len(words))
    return Trigger(phrase, tuple(words), match, (), 0.0, tuple(parts), gap if len(parts) > 1 else 0, span)


@dataclass(frozen=True)
class EventLexicon:
    """Trigger phrases → event types, with a score per phrase."""

    name: str
    triggers: tuple[Trigger, ...]

    def __post_init__(self) -> None:
        plain = [t for t in self.triggers if len(t.parts) <= 1]
        indexes = {kind: PhraseIndex((t.keys, t) for t in plain if t.match == kind) for kind in MATCH_KINDS}
        gapped: dict[str, list[Trigger]] = {}
        for trigger in self.triggers:
            if len(trigger.parts) > 1:
                gapped.setdefault(trigger.parts[0][0], []).append(trigger)
        stems = {k for t in self.triggers if t.match == "stem" for k in t.keys if len(k) >= 3}
        object.__setattr__(self, "_indexes", indexes)  # derived from `triggers`, built once
        object.__setattr__(self, "_gapped", gapped)
        forms = FormIndex(stems)
        # The match key of every affixed form of the stems (its stem; an agent noun stays itself, see `_stem_key`);
        # any other word is its own key.
        stem_keys = {word: form.stem for word, form in forms.items()
                     if not (form.prefix in AGENT_PREFIXES and form.suffix in AGENT_SUFFIXES)}
        object.__setattr__(self, "_stem_keys", stem_keys)
        # The lower-cased words that may begin a match: a sentence with none of them is skipped at once.
        firsts = {t.keys[0] for t in self.triggers if t.match == "surface"}
        firsts |= forms.words_of(t.keys[0] for t in self.triggers if t.match == "stem")
        firsts |= {t.keys[0] for t in self.triggers if t.match == "stem"}
        object.__setattr__(self, "_firsts", frozenset(firsts))
        # Likewise the words that may end a match (a word whose key is some trigger's last key).
        lasts = {t.keys[-1] for t in self.triggers}
        stem_lasts = {t.keys[-1] for t in self.triggers if t.match == "stem"}
        lasts |= {word for word, key in stem_keys.items() if key in stem_lasts}
        object.__setattr__(self, "_lasts", frozenset(lasts))

    @property
    def first_words(self) -> frozenset[str]:
        """The lower-cased words that may begin a match: a sentence with none of them has none."""
        return self._firsts  # type: ignore[attr-defined,no-any-return]

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
        """Trigger matches (first token, last token + 1 of the trigger span, trigger); longer matches win."""
        return self.find_words([t.text for t in sentence.tokens])

    def find_words(self, words: Sequence[str]) -> list[tuple[int, int, Trigger]]:
        """Like `find`, for a sentence given as its token texts."""
        return self.find_lowered([w.lower() for w in words])

    def find_lowered(self, lowered: Sequence[str]) -> list[tuple[int, int, Trigger]]:
        """Like `find_words`, for a sentence given as its lower-cased token texts."""
        if self._firsts.isdisjoint(lowered) or self._lasts.isdisjoint(lowered):  # type: ignore[attr-defined]
            return []
        stems = list(map(self._stem_keys.get, lowered, lowered))  # type: ignore[attr-defined]
        matches: list[tuple[int, int, Trigger]] = []
        for kind, keys in (("stem", stems), ("surface", lowered)):
            matches += self._indexes[kind].find(keys)  # type: ignore[attr-defined,arg-type]
        gapped = self._gapped  # type: ignore[attr-defined]
        if gapped:
            for kind, keys in (("stem", stems), ("surface", lowered)):
                if gapped.keys().isdisjoint(keys):
                    continue
                for i in [k for k, key in enumerate(keys) if key in gapped]:
                    for trigger in gapped[keys[i]]:
                        if trigger.match == kind:
                            end = _match_gapped(keys, lowered, i, trigger)
                            if end is not None:
                                matches.append((i, end, trigger))
        if not matches:
            return []
        matches.sort(key=lambda m: (-(m[1] - m[0]), -m[2].score, m[0]))
        kept: list[tuple[int, int, Trigger]] = []
        for first, last, trigger in matches:
            if all(last <= a or first >= b for a, b, _ in kept):
                kept.append((first, last, trigger))
        return sorted(((a, b, t) for a, b, t in _spans(kept, stems, lowered)), key=lambda m: m[0])


def _match_gapped(keys: Sequence[str], lowered: Sequence[str], first: int, trigger: Trigger) -> int | None:
    """The end of `trigger` matched from token `first` (each gap as short as it can be), or None."""
    position = first
    for number, part in enumerate(trigger.parts):
        limit = 0 if number == 0 else trigger.gap
        for skip in range(limit + 1):
            start = position + skip
            if tuple(keys[start : start + len(part)]) == part:
                position = start + len(part)
                break
            if start < len(lowered) and lowered[start] in CLAUSE_BREAKS:
                return None
        else:
            return None
    return position


def _spans(kept: list[tuple[int, int, Trigger]], stems: Sequence[str],
           lowered: Sequence[str]) -> list[tuple[int, int, Trigger]]:
    """Each match narrowed to its trigger words (the bracketed head of a phrase with gaps)."""
    out = []
    for first, last, trigger in kept:
        if len(trigger.parts) <= 1 and trigger.head == (0, len(trigger.keys)):
            out.append((first, last, trigger))
            continue
        keys = stems if trigger.match == "stem" else lowered
        # Walk the phrase's words over the matched tokens, skipping gap tokens, to place the head.
        positions, k = [], first
        for part in trigger.parts:
            while tuple(keys[k : k + len(part)]) != part:
                k += 1
            positions += range(k, k + len(part))
            k += len(part)
        a, b = trigger.head
        out.append((positions[a], positions[b - 1] + 1, trigger))
    return out


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
        gap = entry.get("gap", DEFAULT_GAP)
        if not isinstance(gap, int) or isinstance(gap, bool) or not 1 <= gap <= 10:
            raise SchemaError(f"{where}: entry {number} has gap = {gap!r}; give a whole number of words from 1 to 10")
        types = tuple(entry.get("types", ()))
        words = entry.get("words", ())
        if not types or not words:
            raise SchemaError(f"{where}: entry {number} needs both 'types' and 'words'")
        for phrase in words:
            parsed = parse_phrase(phrase, match, gap, f"{where}: entry {number}")
            triggers.append(Trigger(phrase, parsed.keys, match, types, score, parsed.parts, parsed.gap,
                                    parsed.head))
    return EventLexicon(str(raw.get("name", "lexicon:events")), tuple(triggers))


#: A lexicon entry as the event model stores it: phrase, match kind, gap, types, score.
Rule = tuple[str, str, int, tuple[str, ...], float]


def lexicon_from_rules(name: str, rules: Sequence[Rule]) -> EventLexicon:
    """An EventLexicon of single phrases (the trusted lexicon entries an event model carries)."""
    triggers = []
    for phrase, match, gap, types, score in rules:
        parsed = parse_phrase(phrase, match, gap or DEFAULT_GAP, f"{name}: rule {phrase!r}")
        triggers.append(Trigger(phrase, parsed.keys, match, tuple(types), score, parsed.parts, parsed.gap,
                                parsed.head))
    return EventLexicon(name, tuple(triggers))


def load_lexicon(path: Path | None = None) -> EventLexicon:
    """The lexicon at `path`, or the packaged builder/resources/event_lexicon.toml."""
    if path is None:
        text = resources.files("builder.resources").joinpath("event_lexicon.toml").read_text(encoding="utf-8")
        return parse_lexicon(text, "builder/resources/event_lexicon.toml")
    return parse_lexicon(path.read_text(encoding="utf-8"), str(path))
