"""The dataset card: the Hub's YAML header, then the card template filled with the release's numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from string import Template
from typing import Any

from builder.core.schema import Schema
from builder.release.options import GOLD, SILVER, ReleaseOptions
from builder.release.rows import ReleaseRow


@dataclass(frozen=True)
class CardContext:
    """Everything a card is written from."""

    options: ReleaseOptions
    schema: Schema
    features: Any  # datasets.Features
    split_info: Mapping[str, Mapping[str, int]]  # split → num_examples, num_bytes
    counts: Mapping[str, Any]
    previous: str | None
    prelabellers: Sequence[str]
    quality: Mapping[str, Any]
    agreement: Mapping[str, Any]
    rows: Mapping[str, list[ReleaseRow]]


def markdown_table(head: Sequence[str], body: Iterable[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def _header(context: CardContext) -> dict[str, Any]:
    """The Hub's YAML metadata."""
    from datasets import DatasetInfo, SplitDict, SplitInfo

    options = context.options
    info = DatasetInfo(features=context.features)
    info.splits = SplitDict()
    for split, values in context.split_info.items():
        info.splits.add(SplitInfo(name=split, num_bytes=values["num_bytes"], num_examples=values["num_examples"]))
    return {
        "pretty_name": options.pretty_name or options.name,
        "language": ["id"],
        "license": options.license,
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition", "multi-label-classification"],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": s, "path": f"data/{s}-*.parquet"} for s in context.split_info]}],
        "dataset_info": info._to_yaml_dict(),
    }


def _values(context: CardContext) -> dict[str, str]:
    """The template's placeholders."""
    options, schema, counts = context.options, context.schema, context.counts
    splits = counts["splits"]
    status = counts["status"]
    sources = Counter(r.source or "(unknown)" for items in context.rows.values() for r in items)
    return {
        "pretty_name": options.pretty_name or options.name,
        "version": options.version,
        "previous_note": f" (previous: {context.previous}; see CHANGES.md)" if context.previous else "",
        "load_path": f"releases/{options.name}/{options.version}",
        "status_table": markdown_table(("status", "sentences"),
                                       [(GOLD, status.get(GOLD, 0)), (SILVER, status.get(SILVER, 0))]),
        "prelabellers": "\n".join(f"- `{v}`" for v in context.prelabellers if v) or "- (none)",
        "quality_section": _quality_table(context.quality),
        "agreement_section": _agreement_text(context.agreement),
        "split_table": markdown_table(("split", "sentences", "articles", "tokens", "gold", "silver"),
                                      [(s, v["sentences"], v["articles"], v["tokens"], v.get(GOLD, 0), v.get(SILVER, 0))
                                       for s, v in splits.items()]),
        "label_table": markdown_table(("label", "description", "gold spans", "silver spans"),
                                      [(d.label, d.description, counts["entities"][d.label][GOLD],
                                        counts["entities"][d.label][SILVER]) for d in schema.entities]),
        "event_table": markdown_table(("event type", "description", "sentences"),
                                      [(d.label, d.description, counts["events"][d.label]) for d in schema.events]),
        "sources_table": markdown_table(("source", "sentences"), sorted(sources.items())),
        "license": options.license,
        "near_duplicates_note": (f"; this version has {counts['near_duplicate_groups']} such groups "
                                 f"({counts['articles_in_near_duplicate_groups']} articles)"),
    }


def render_card(template: str, context: CardContext) -> str:
    """The dataset card: the Hub's YAML header, then the template filled with real numbers."""
    import yaml

    body = Template(template).safe_substitute(_values(context))
    return "---\n" + yaml.safe_dump(_header(context), sort_keys=False, allow_unicode=True) + "---\n\n" + body


def _quality_table(quality: Mapping[str, Any]) -> str:
    ner = quality.get("ner") or {}
    if not ner:
        return "No sentence has both gold labels and pre-labels yet, so this is not measured."
    lines = markdown_table(("label", "precision", "recall", "F1", "gold spans"),
                           [(k, v["precision"], v["recall"], v["f1-score"], v["support"]) for k, v in ner.items()])
    events = quality.get("events")
    if events:
        lines += (f"\n\nEvent types (micro, over {quality.get('sentences', 0)} gold sentences): precision "
                  f"{events['precision']}, recall {events['recall']}, F1 {events['f1-score']}.")
    return lines


def _agreement_text(agreement: Mapping[str, Any]) -> str:
    if not agreement or not agreement.get("sentences_compared"):
        return "No sentence was labelled by more than one annotator yet."
    rows = [(label, f1, "pairwise span F1") for label, f1 in agreement.get("entity_f1", {}).items()]
    rows += [(label, a if a is not None else "undefined (no variation)", "Krippendorff's alpha")
             for label, a in agreement.get("event_alpha", {}).items()]
    return (f"Over {agreement['sentences_compared']} sentences labelled by two or more people:\n\n"
            + markdown_table(("label", "agreement", "measure"), rows))
