"""The labelling screen's project settings: the config and the guidelines in Label Studio's instructions panel."""

from __future__ import annotations

from html import escape
from importlib import resources
from typing import Any

from markdown_it import MarkdownIt

from annotation.labelconfig import (
    ENTITIES,
    FLAGS,
    FLAGS_NAME,
    TRIGGERS,
    families,
    family_colors,
    hotkeys,
    labelling_config,
)
from builder.core.schema import Schema

GUIDE = "labelling_guide.md"


def guide_markdown() -> str:
    """The annotators' guide (NER short guide and the event guidelines' essentials), as Markdown."""
    return resources.files("builder.resources").joinpath(GUIDE).read_text(encoding="utf-8")


def _swatch(color: str) -> str:
    return (f'<span style="display:inline-block;width:0.9em;height:0.9em;background:{escape(color)};'
            'border-radius:2px;vertical-align:middle"></span>')


def label_tables_html(schema: Schema) -> str:
    """Tables of the schema's labels with their colours, hotkeys and descriptions, events by family."""
    keys = hotkeys(schema)
    rows = "".join(
        f"<tr><td>{_swatch(d.color)} <b>{escape(d.label)}</b></td><td><kbd>{escape(keys[(ENTITIES, d.label)])}</kbd>"
        f"</td><td>{escape(d.description)}</td></tr>" for d in schema.entities)
    parts = ["<h2>Entity labels</h2>",
             f"<table><tr><th>label</th><th>hotkey</th><th>what it covers</th></tr>{rows}</table>"]
    if schema.events:
        colors = family_colors(schema)
        parts.append("<h2>Event types by family</h2><p>The trigger label has the family's colour and the hotkey "
                     "shown; the event type is ticked under <i>Event types</i>.</p>")
        for family, defs in families(schema.events).items():
            rows = "".join(
                f"<tr><td><b>{escape(d.label)}</b></td><td><kbd>{escape(keys[(TRIGGERS, d.label)])}</kbd></td>"
                f"<td>{escape(d.description)}</td></tr>" for d in defs)
            parts.append(f"<h3>{_swatch(colors[family])} {escape(family)}</h3>"
                         f"<table><tr><th>type</th><th>trigger hotkey</th><th>what it covers</th></tr>{rows}</table>")
    flags = ", ".join(f"<b>{escape(f)}</b> (<kbd>{escape(keys[(FLAGS_NAME, f)])}</kbd>)" for f in FLAGS)
    parts.append(f"<h2>Flags</h2><p>{flags}</p>")
    return "\n".join(parts)


def instructions_html(schema: Schema) -> str:
    """The HTML of Label Studio's instructions panel: the guide, then the label tables from the schema."""
    guide = MarkdownIt("commonmark", {"html": False}).enable("table").render(guide_markdown())
    return f"{guide}\n{label_tables_html(schema)}\n"


def project_settings(schema: Schema) -> dict[str, Any]:
    """Keyword arguments for `ls.projects.create(title=..., **project_settings(schema))` (and for
    `ls.projects.update`): the labelling config and the guidelines, shown when a task opens."""
    return {"label_config": labelling_config(schema), "expert_instruction": instructions_html(schema),
            "show_instruction": True}
