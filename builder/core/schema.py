"""The one label schema (entities, event types), validated on load; everything else reads it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

_LABEL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COLOR = "#888888"


class SchemaError(ValueError):
    """The schema file is not valid; the message names the value and the fix."""


@dataclass(frozen=True, slots=True)
class LabelDef:
    """A label with the description annotators see and its colour in Label Studio."""

    label: str
    description: str = ""
    color: str = DEFAULT_COLOR

    def __post_init__(self) -> None:
        if not isinstance(self.label, str) or not _LABEL_NAME.fullmatch(self.label):
            raise SchemaError(
                f"label name {self.label!r} is not allowed: use a letter first, then up to 63 letters, "
                "digits, '.', '_' or '-' (no spaces, quotes or '<>&', which would break the Label Studio XML)"
            )
        if not _COLOR.fullmatch(self.color):
            raise SchemaError(f"label {self.label!r} has colour {self.color!r}; write it as #RRGGBB")


@dataclass(frozen=True)
class Schema:
    """Entity labels (tagged IOB2) and sentence event types."""

    name: str
    version: int
    entities: tuple[LabelDef, ...]
    events: tuple[LabelDef, ...]

    def __post_init__(self) -> None:
        if not _LABEL_NAME.fullmatch(self.name):
            raise SchemaError(f"schema name {self.name!r} is not allowed: letters, digits, '.', '_' or '-'")
        if not self.entities:
            raise SchemaError("the schema has no [[entities]]; add at least one entity label")
        for kind, labels in (("entity", self.entities), ("event", self.events)):
            names = [d.label for d in labels]
            duplicated = sorted({n for n in names if names.count(n) > 1})
            if duplicated:
                raise SchemaError(f"{kind} labels are duplicated: {', '.join(duplicated)}; each must be unique")
        for entity in self.entities:
            if entity.label == "O" or entity.label[:2] in ("B-", "I-"):
                raise SchemaError(
                    f"entity label {entity.label!r} clashes with IOB2 tags; name it without 'O', 'B-' or 'I-'"
                )

    @cached_property
    def entity_labels(self) -> tuple[str, ...]:
        """Entity label names in schema order."""
        return tuple(d.label for d in self.entities)

    @cached_property
    def event_labels(self) -> tuple[str, ...]:
        """Event type names in schema order."""
        return tuple(d.label for d in self.events)

    @cached_property
    def ner_tags(self) -> tuple[str, ...]:
        """IOB2 tag names: O, then B-X and I-X for each entity label (the ClassLabel names)."""
        return ("O",) + tuple(f"{p}-{label}" for label in self.entity_labels for p in ("B", "I"))


def _label_defs(raw: object, key: str, where: str) -> tuple[LabelDef, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise SchemaError(f"{where}: [[{key}]] must be a list of tables with 'label', 'description', 'color'")
    defs = []
    for item in raw:
        unknown = set(item) - {"label", "description", "color"}
        if unknown:
            raise SchemaError(f"{where}: [[{key}]] {item.get('label')!r} has unknown keys {sorted(unknown)}")
        if "label" not in item:
            raise SchemaError(f"{where}: an entry of [[{key}]] has no 'label'")
        defs.append(LabelDef(item["label"], str(item.get("description", "")), str(item.get("color", DEFAULT_COLOR))))
    return tuple(defs)


def parse_schema(text: str, where: str = "schema") -> Schema:
    """A Schema from TOML text; raises SchemaError naming what is wrong."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SchemaError(f"{where}: not valid TOML ({error})") from None
    try:
        return Schema(
            name=str(raw.get("name", "")),
            version=int(raw.get("version", 1)),
            entities=_label_defs(raw.get("entities"), "entities", where),
            events=_label_defs(raw.get("events"), "events", where),
        )
    except SchemaError as error:
        message = str(error)
        raise SchemaError(message if message.startswith(where) else f"{where}: {message}") from None


def load_schema(path: Path | None = None) -> Schema:
    """The schema at `path`, or the packaged default (builder/resources/schema.toml)."""
    if path is None:
        text = resources.files("builder.resources").joinpath("schema.toml").read_text(encoding="utf-8")
        return parse_schema(text, "builder/resources/schema.toml")
    return parse_schema(path.read_text(encoding="utf-8"), str(path))
