"""The dataset card: huggingface_hub's DatasetCard, its metadata a DatasetCardData, its text from the schema.

The card is checked before it is written: huggingface_hub parses it back, its configs and features
are what `datasets` will read, and every metadata value that has a known list is in it (tests read
it back with `datasets` itself).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from builder.core.schema import Schema
from builder.release.features import Features, type_name
from builder.release.options import GOLD, SILVER, SPLITS, ReleaseError, ReleaseOptions

if TYPE_CHECKING:
    from huggingface_hub import DatasetCardData

TOOL = "news-dataset-builder"
EXAMPLE_ITEMS = 12  # list items shown per column in the card's example row
_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
          (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))


def default_template() -> str:
    """dataset_card.md at the top of the repository the tool is installed from."""
    path = Path(__file__).resolve().parents[2] / "dataset_card.md"
    if not path.is_file():
        raise ReleaseError(f"no card template at {path}; pass --card-template PATH")
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class CardContext:
    """Everything a card is written from."""

    options: ReleaseOptions
    schema: Schema
    features: Features
    split_info: Mapping[str, Mapping[str, int]]  # split → num_examples, num_bytes
    counts: Mapping[str, Any]
    previous: str | None
    prelabellers: Sequence[str]
    quality: Mapping[str, Any]
    agreement: Mapping[str, Any]
    example: Mapping[str, Any] | None
    warnings: Sequence[str]
    tool_version: str


def markdown_table(head: Sequence[str], body: Iterable[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def size_category(rows: int) -> str:
    """The Hub's size category for a number of rows."""
    return next((name for limit, name in _SIZES if rows < limit), "1B<n<10B")


def card_data(context: CardContext) -> DatasetCardData:
    """The card's YAML metadata as a huggingface_hub DatasetCardData, with the `configs` and
    `dataset_info` entries `datasets` reads (in the form `datasets.info.DatasetInfosDict` writes)."""
    from huggingface_hub import DatasetCardData

    options, status = context.options, context.counts["status"]
    creators = (["expert-generated"] if status.get(GOLD) else []) + (["machine-generated"] if status.get(SILVER) else [])
    extra = {"license_name": options.license_name} if options.license == "other" else {}
    size = sum(v["num_bytes"] for v in context.split_info.values())
    return DatasetCardData(
        pretty_name=options.pretty_name or options.name, language=["id"], license=options.license,
        annotations_creators=creators, language_creators=["found"], multilinguality=["monolingual"],
        size_categories=[size_category(sum(status.values()))], source_datasets=["original"],
        task_categories=["token-classification", "text-classification"],
        task_ids=["named-entity-recognition", "multi-label-classification"],
        tags=["news", "indonesian", "named-entity-recognition", "event-detection"], **extra,
        configs=[{"config_name": "default", "data_files": [{"split": s, "path": f"data/{s}-*.parquet"}
                                                            for s in context.split_info]}],
        dataset_info={"features": context.features.yaml_list(),
                      "splits": [{"name": s, "num_bytes": v["num_bytes"], "num_examples": v["num_examples"]}
                                 for s, v in context.split_info.items()],
                      "download_size": size, "dataset_size": size},
    )


def _clip(value: Any) -> Any:
    if isinstance(value, list):
        return [_clip(v) for v in value[:EXAMPLE_ITEMS]] + (["…"] if len(value) > EXAMPLE_ITEMS else [])
    if isinstance(value, float):
        return round(value, 4)
    return value


def _load_snippet(options: ReleaseOptions) -> str:
    local = f'ds = load_dataset("path/to/{options.name}/{options.version}")  # this folder, once downloaded'
    if not options.repo_id:
        return local
    return f'ds = load_dataset("{options.repo_id}", revision="v{options.version}")\n# or: {local[5:]}'


def _license_text(options: ReleaseOptions) -> str:
    named = (f"**other** (`{options.license_name}`)" if options.license == "other" else f"**{options.license}**")
    return (f"Licence of this release: {named}. The labels (spans, tags, event types) are released under it; "
            "the sentences are quoted from their publishers, who keep their copyright: check each outlet's "
            "terms (listed under Source data) before redistributing the text.")


def _citation(options: ReleaseOptions, tool: str) -> str:
    key = f"{options.name}_{options.version}".replace(".", "_").replace("-", "_")
    url = f"\n  url          = {{https://huggingface.co/datasets/{options.repo_id}}}," if options.repo_id else ""
    return (f"@misc{{{key},\n  title        = {{{options.pretty_name or options.name}: Indonesian news NER and "
            f"events}},\n  author       = {{{{{options.name} maintainers}}}},\n  version      = {{{options.version}}},"
            f"{url}\n  note         = {{Built with {tool}}}\n}}")


def _values(context: CardContext) -> dict[str, str]:
    """The template's placeholders."""
    options, schema, counts = context.options, context.schema, context.counts
    status = counts["status"]
    tool = f"{TOOL} {context.tool_version}"
    events = schema.event_labels
    summary = (f"Indonesian news sentences with named entities ({', '.join(f'`{e}`' for e in schema.entity_labels)}, "
               f"IOB2 tags and spans) and sentence-level event types ({len(events)} types, e.g. "
               f"{', '.join(f'`{e}`' for e in events[:3])}) with their trigger words, from schema "
               f"`{schema.name}` v{schema.version}.")
    annotators = context.agreement.get("annotators") or 0
    return {
        "pretty_name": options.pretty_name or options.name,
        "summary": summary,
        "version": options.version,
        "previous_note": f" (previous: {context.previous}; see CHANGES.md)" if context.previous else "",
        "tool": f"[{tool}]({options.homepage})" if options.homepage else f"`{tool}`",
        "load_snippet": _load_snippet(options),
        "status_table": markdown_table(("status", "sentences"), [(GOLD, status.get(GOLD, 0)),
                                                                 (SILVER, status.get(SILVER, 0))]),
        "example_row": "{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(_clip(v), ensure_ascii=False)}"
                                           for k, v in (context.example or {}).items()) + "\n}",
        "columns_table": markdown_table(("column", "type", "what"), _columns(context.features)),
        "label_table": markdown_table(("label", "description (the guideline)", "gold spans", "silver spans"),
                                      [(d.label, d.description, counts["entities"][d.label][GOLD],
                                        counts["entities"][d.label][SILVER]) for d in schema.entities]),
        "event_table": markdown_table(("event type", "description (the guideline)", "sentences"),
                                      [(d.label, d.description, counts["events"][d.label]) for d in schema.events]),
        "split_table": markdown_table(("split", "sentences", "articles", "tokens", "gold", "silver"),
                                      [(s, v["sentences"], v["articles"], v["tokens"], v.get(GOLD, 0), v.get(SILVER, 0))
                                       for s, v in counts["splits"].items()]),
        "near_duplicates_note": (f" (this version has {counts['near_duplicate_groups']} such groups, "
                                 f"{counts['articles_in_near_duplicate_groups']} articles)"),
        "split_warnings": "".join(f"\n\n**Warning:** {w}." for w in context.warnings),
        "sources_table": markdown_table(("outlet", "articles", "sentences"),
                                        [(s, c.get("articles", 0), c.get("sentences", 0))
                                         for s, c in counts["sources"].items()]),
        "prelabellers": "\n".join(f"   - `{v}`" for v in context.prelabellers if v) or "   - (none)",
        "agreement_section": _agreement_text(context.agreement),
        "quality_section": _quality_text(context.quality),
        "annotators_note": (f"{annotators} annotator(s). {_naming(options.annotator_names)}" if annotators else
                            "No person has labelled a sentence of this version yet: every row is silver."),
        "annotator_identity": _naming(options.annotator_names),
        "person_spans": str(sum(counts["entities"].get("PER", {}).values())),
        "license_text": _license_text(options),
        "citation": _citation(options, tool),
    }


_COLUMN_NOTES = {
    "id": "stable sentence id (article, position, text hash)",
    "article_id": "stable article id (source and cleaned text); splits are by article",
    "sentence_index": "position of the sentence in its article",
    "text": "the sentence, NFC, plain spaces",
    "tokens": "the tokenisation (`segment.id.regex-rules.v2`)",
    "ner_tags": "IOB2 tags of the tokens",
    "entities": "spans: `start`, `end` (half-open code point offsets into `text`), `label`, `text`, `source`, `score`",
    "event_types": "event types of the sentence (may be empty)",
    "triggers": "trigger words as spans, labelled with their event type",
    "status": "`gold` (people) or `silver` (machine only)",
    "annotator_count": "how many people labelled the sentence",
    "annotators": "who labelled it, comma-separated (empty for silver): a stable pseudonym per person "
                  "(`annotator-` and 10 hex digits), the same in every release of this dataset",
    "agreement": "their mean pairwise F1 (null for one or none)",
    "prelabeller": "versions of the pre-labellers behind a silver row",
    "title": "the article's title", "source": "the outlet", "url": "the article's address",
    "published_at": "publication time, ISO 8601 with offset",
}


def _columns(features: Features) -> list[tuple[str, str, str]]:
    return [(f"`{name}`", type_name(feature), _COLUMN_NOTES.get(name, "")) for name, feature in features.items()]


def _quality_text(quality: Mapping[str, Any]) -> str:
    ner = quality.get("ner") or {}
    if not ner:
        return "No sentence has both gold labels and pre-labels yet, so this is not measured."
    low, high = quality["ner_micro_f1_interval"]
    lines = (f"Measured on **{quality['sentences']} gold sentences** holding **{quality['gold_spans']} gold "
             f"spans**; micro F1 {ner['micro avg']['f1-score']} (95% bootstrap interval {low}–{high}).")
    if quality.get("indicative_only"):
        lines += (" **Fewer than 100 gold spans: these figures are indicative only**; the interval shows how "
                  "little they pin down.")
    lines += "\n\n" + markdown_table(("label", "precision", "recall", "F1", "gold spans"),
                                     [(k, v["precision"], v["recall"], v["f1-score"], v["support"])
                                      for k, v in ner.items()])
    events = quality["events"]
    e_low, e_high = quality["events_micro_f1_interval"]
    return lines + (f"\n\nEvent types (micro, same {quality['sentences']} sentences): precision "
                    f"{events['precision']}, recall {events['recall']}, F1 {events['f1-score']} "
                    f"(95% bootstrap interval {e_low}–{e_high}).")


def _naming(real_names: bool) -> str:
    """How the `annotators` column names people (the personal-information section repeats it)."""
    if real_names:
        return ("Annotators appear under their real e-mail addresses in the `annotators` column: the maintainer "
                "released them on purpose (`builder release --annotator-names`).")
    return ("Annotators appear only under stable pseudonyms (`annotator-` and a keyed hash of their e-mail, the "
            "same person under the same name in every release) in the `annotators` column; their e-mails and "
            "the key stay in the maintainer's workspace.")


def _agreement_text(agreement: Mapping[str, Any]) -> str:
    if not agreement or not agreement.get("sentences_compared"):
        return "No sentence was labelled by more than one annotator yet, so agreement is not measured."
    rows = [(label, f1, "pairwise span F1") for label, f1 in agreement.get("entity_f1", {}).items()]
    rows += [(f"{label} (trigger)", f1, "pairwise span F1") for label, f1 in agreement.get("trigger_f1", {}).items()]
    rows += [(label, a if a is not None else "undefined (no variation)", "Krippendorff's alpha")
             for label, a in agreement.get("event_alpha", {}).items()]
    return (f"Over {agreement['sentences_compared']} sentences labelled by two or more people:\n\n"
            + markdown_table(("label", "agreement", "measure"), rows))


def _known_languages() -> set[str]:
    """The language codes the Hub knows (the list `datasets` ships), read without importing `datasets`."""
    spec = importlib.util.find_spec("datasets")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / "utils" / "resources" / "languages.json"
        if path.is_file():
            return set(json.loads(path.read_text("utf-8")))
    raise ReleaseError("the Hub's language list (datasets/utils/resources/languages.json) is missing; "
                       "reinstall the `datasets` package")


def check_card(text: str, context: CardContext) -> None:
    """Parse the card back with huggingface_hub and check what `datasets` and the Hub will read from it."""
    from huggingface_hub import DatasetCard

    card = DatasetCard(text, ignore_metadata_errors=False)
    info, configs = card.data.dataset_info or {}, card.data.configs or []
    problems = []
    if info.get("features") != context.features.yaml_list():
        problems.append("its features differ from the Parquet files'")
    if [c.get("config_name") for c in configs] != ["default"] or \
            {s["split"] for s in configs[0].get("data_files", [])} != set(context.split_info):
        problems.append("its configs do not list the splits written")
    if card.data.size_categories[0] != size_category(sum(v["num_examples"] for v in context.split_info.values())):
        problems.append(f"size category {card.data.size_categories}")
    known = _known_languages()
    if any(language not in known for language in card.data.language):
        problems.append(f"language {card.data.language} is not a known language code")
    if set(context.split_info) - set(SPLITS):
        problems.append(f"unknown splits {sorted(set(context.split_info) - set(SPLITS))}")
    if problems:
        raise ReleaseError("the dataset card failed its checks: " + "; ".join(problems) + "; fix the card template")


def render_card(template: str, context: CardContext) -> str:
    """The dataset card (DatasetCard text): metadata header, then the template filled with real numbers."""
    from huggingface_hub import DatasetCard

    values = _values(context)
    unknown = sorted(set(Template(template).get_identifiers()) - set(values))
    if unknown:
        raise ReleaseError(f"the card template has unknown placeholders {unknown}; use {sorted(values)}")
    body = Template(template).safe_substitute(values)
    text = str(DatasetCard(f"---\n{card_data(context).to_yaml()}\n---\n\n{body}"))
    check_card(text, context)
    return text
