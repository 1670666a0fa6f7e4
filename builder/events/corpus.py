"""The team's event corpus: sentences with their event mentions (type, trigger span), split by document."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

SPLITS = ("train", "dev", "test")


class CorpusError(ValueError):
    """The corpus file is not as described in its data card; the message names the line."""


@dataclass(frozen=True, slots=True)
class EventMention:
    """One event mention: its type and its trigger, a half-open code point span of the sentence."""

    type: str
    start: int
    end: int
    trigger: str


@dataclass(frozen=True, slots=True)
class EventSentence:
    """A corpus sentence, where it came from, its split and its event mentions."""

    id: str
    source: str
    doc: str
    split: str
    text: str
    events: tuple[EventMention, ...]
    note: str = ""

    @property
    def types(self) -> frozenset[str]:
        """The event types of the sentence."""
        return frozenset(e.type for e in self.events)


def parse_sentence(record: object, where: str, known_types: frozenset[str] | None = None) -> EventSentence:
    """One JSON record as an EventSentence, checked: offsets match the trigger, types are known."""
    if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not isinstance(
            record.get("events"), list):
        raise CorpusError(f'{where}: expected {{"id", "doc", "split", "text", "events": [...]}}')
    text = record["text"]
    if record.get("split") not in SPLITS:
        raise CorpusError(f"{where}: split {record.get('split')!r} is not one of {', '.join(SPLITS)}")
    mentions = []
    for event in record["events"]:
        try:
            mention = EventMention(str(event["type"]), int(event["start"]), int(event["end"]), str(event["trigger"]))
        except (KeyError, TypeError, ValueError):
            raise CorpusError(f"{where}: event {event!r} needs type, start, end and trigger") from None
        if text[mention.start : mention.end] != mention.trigger or mention.start >= mention.end:
            raise CorpusError(f"{where}: trigger {mention.trigger!r} is not the text at "
                              f"[{mention.start}, {mention.end}) ({text[mention.start:mention.end]!r})")
        if known_types is not None and mention.type not in known_types:
            raise CorpusError(f"{where}: event type {mention.type!r} is not in the schema")
        mentions.append(mention)
    return EventSentence(str(record.get("id", where)), str(record.get("source", "")), str(record.get("doc", "")),
                         record["split"], text, tuple(mentions), str(record.get("note", "")))


def read_corpus(path: Path, known_types: frozenset[str] | None = None) -> list[EventSentence]:
    """Every sentence of a corpus JSONL file (gzipped or not), in file order."""
    if not path.is_file():
        raise CorpusError(f"{path} does not exist; the corpus ships in corpora/id_news_events/events.jsonl.gz")
    sentences = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusError(f"{path}:{number}: not valid JSON ({error.msg})") from None
            sentences.append(parse_sentence(record, f"{path}:{number}", known_types))
    return sentences
