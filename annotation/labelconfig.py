"""The Label Studio labelling config (the labelling screen), generated from the label schema.

The screen reads top to bottom: the article title, the sentence before, the sentence to label,
the sentence after (each under its heading), the entity and trigger labels, then the event types
(a Taxonomy grouped by ACE family, so ``Conflict.Attack`` is ``Attack`` under ``Conflict``)
and the flags. Trigger labels are coloured by family, every label and flag has its own hotkey.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from xml.sax.saxutils import quoteattr

from builder.core.schema import DEFAULT_COLOR, LabelDef, Schema, SchemaError

#: Flags an annotator can raise on a task, besides labelling it.
FLAGS = ("wrong sentence split", "not news text", "boilerplate")

# Names of the controls; the export parser reads results by these.
TEXT, ENTITIES, TRIGGERS, EVENTS, FLAGS_NAME = "text", "entities", "triggers", "events", "flags"

#: Headings of the three context blocks, in screen order.
BEFORE, SENTENCE, AFTER = "Before", "Sentence to label", "After"

#: Result type of the event control (Label Studio's Taxonomy tag): paths such as ["Conflict", "Attack"].
EVENTS_RESULT_TYPE = "taxonomy"

#: Trigger colours, one per event family in schema order; chosen far from the entity colours
#: (orange, blue, green, purple in the default schema) and from each other.
FAMILY_COLORS = ("#e377c2", "#17becf", "#bcbd22", "#8c564b", "#a50f15", "#f5c400", "#006d5b", "#393b79",
                 "#ff9896", "#9edae5", "#c49c94", "#dbdb8d")

# Keys Label Studio 1.23 binds itself (its keymap; image tools included, they are global): never ours.
RESERVED_KEYS = frozenset({"b", "e", "h", "k", "m", "o", "p", "r", "u", "v", "w", "[", "]", "shift+1", "shift+2",
                           "shift+r", "shift+."})
_LETTERS = [c for c in "acdfgijlnqstxyz" if c not in RESERVED_KEYS]
_DIGITS = list("1234567890")
#: Hotkeys handed out in order: digits, free letters, then shift+ each of those.
HOTKEY_POOL = tuple(k for k in (*_DIGITS, *_LETTERS, *(f"shift+{c}" for c in (*_DIGITS, *_LETTERS)))
                    if k not in RESERVED_KEYS)


def family_of(label: str) -> str:
    """The ACE family of an event type: the part before the first '.' (the whole name if none)."""
    return label.split(".", 1)[0]


def event_path(label: str) -> list[str]:
    """The Taxonomy path of an event type: ``Conflict.Attack`` -> ``["Conflict", "Attack"]``."""
    return label.split(".", 1)


def event_types_of(value: Mapping[str, object]) -> list[str]:
    """Event type names from the `value` of an `events` result: Taxonomy paths (this config) joined
    with '.', or a plain `choices` list (projects made with the earlier Choices config)."""
    names = [str(c) for c in value.get("choices") or [] if isinstance(c, str)]  # type: ignore[union-attr]
    for path in value.get("taxonomy") or []:  # type: ignore[union-attr]
        if isinstance(path, list) and path and all(isinstance(p, str) for p in path):
            names.append(".".join(path))
    return names


def families(events: Iterable[LabelDef]) -> dict[str, list[LabelDef]]:
    """Event types grouped by family, families and types in schema order."""
    grouped: dict[str, list[LabelDef]] = {}
    for d in events:
        grouped.setdefault(family_of(d.label), []).append(d)
    return grouped


def family_colors(schema: Schema) -> dict[str, str]:
    """Event family -> trigger colour (the schema's colour of the family's first type if it sets one)."""
    colors: dict[str, str] = {}
    for family, defs in families(schema.events).items():
        explicit = next((d.color for d in defs if d.color != DEFAULT_COLOR), None)
        colors[family] = explicit or FAMILY_COLORS[len(colors) % len(FAMILY_COLORS)]
    return colors


def hotkeys(schema: Schema) -> dict[tuple[str, str], str]:
    """(control name, value) -> hotkey for every entity label, trigger label and flag; all different.

    Raises SchemaError when the schema has more labels than free keys."""
    items = [(ENTITIES, d.label) for d in schema.entities] + [(TRIGGERS, d.label) for d in schema.events]
    items += [(FLAGS_NAME, f) for f in FLAGS]
    if len(items) > len(HOTKEY_POOL):
        raise SchemaError(f"the schema has {len(items) - len(FLAGS)} labels but the screen has hotkeys for "
                         f"{len(HOTKEY_POOL) - len(FLAGS)}; use fewer entity or event labels")
    return dict(zip(items, HOTKEY_POOL, strict=False))


def _taxonomy(events: Sequence[LabelDef]) -> str:
    lines = []
    for family, members in families(events).items():
        if len(members) == 1 and "." not in members[0].label:
            d = members[0]
            lines.append(f"    <Choice value={quoteattr(d.label)} hint={quoteattr(d.description)}/>")
            continue
        lines.append(f"    <Choice value={quoteattr(family)}>")
        lines += [f"      <Choice value={quoteattr(event_path(d.label)[-1])} hint={quoteattr(d.description)}/>"
                  for d in members]
        lines.append("    </Choice>")
    return "\n".join(lines)


def _labels(defs: Iterable[tuple[str, str, str]], control: str, keys: Mapping[tuple[str, str], str]) -> str:
    return "\n".join(
        f"    <Label value={quoteattr(name)} background={quoteattr(color)} hint={quoteattr(hint)} "
        f"hotkey={quoteattr(keys[(control, name)])}/>"
        for name, color, hint in defs
    )


def labelling_config(schema: Schema) -> str:
    """The <View> XML of the labelling screen. Attribute values are XML-quoted."""
    keys = hotkeys(schema)
    colors = family_colors(schema)
    entity_labels = _labels(((d.label, d.color, d.description) for d in schema.entities), ENTITIES, keys)
    ordered = [d for members in families(schema.events).values() for d in members]
    trigger_labels = _labels(((d.label, colors[family_of(d.label)], d.description) for d in ordered), TRIGGERS, keys)
    flag_choices = "\n".join(f"    <Choice value={quoteattr(f)} hotkey={quoteattr(keys[(FLAGS_NAME, f)])}/>"
                             for f in FLAGS)
    context = "color: #555; font-size: 90%; padding: 2px 8px; border-left: 3px solid #ddd"
    target = "font-size: 115%; padding: 6px 8px; border-left: 4px solid #333; background: #fafafa"
    events = ""
    if schema.events:
        events = f"""
  <Header value="Event trigger words (colour = event family)" size="6"/>
  <Labels name="{TRIGGERS}" toName="{TEXT}" showInline="true">
{trigger_labels}
  </Labels>"""
    event_types = ""
    if schema.events:
        event_types = f"""
  <Header value="Event types in this sentence (none is a valid answer)" size="6"/>
  <Taxonomy name="{EVENTS}" toName="{TEXT}" leafsOnly="true" showFullPath="true" pathSeparator="."
            placeholder="Pick the event types: open a family, tick its types">
{_taxonomy(schema.events)}
  </Taxonomy>"""
    return f"""<View>
  <Header value="$title" size="4"/>
  <Header value="{BEFORE}" size="6"/>
  <View style="{context}">
    <Text name="context_prev" value="$prev" granularity="word"/>
  </View>
  <Header value="{SENTENCE}" size="5"/>
  <View style="{target}">
    <Text name="{TEXT}" value="$text" granularity="word"/>
  </View>
  <Header value="{AFTER}" size="6"/>
  <View style="{context}">
    <Text name="context_next" value="$next" granularity="word"/>
  </View>
  <Header value="Entities (pick a label, then drag over the words)" size="6"/>
  <Labels name="{ENTITIES}" toName="{TEXT}" showInline="true">
{entity_labels}
  </Labels>{events}{event_types}
  <Header value="Flags" size="6"/>
  <Choices name="{FLAGS_NAME}" toName="{TEXT}" choice="multiple" showInline="true">
{flag_choices}
  </Choices>
</View>
"""
