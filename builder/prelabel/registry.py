"""Taggers by name, and the default pre-labeller: DATE rules, the CRF model, the place gazetteer,
the event lexicon. Each tagger carries its versioned name (rule:date.v1, model:id_news.ner.crf.v1,
gazetteer:places.v1, lexicon:events.v1) into every span it proposes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from builder.core.schema import Schema, SchemaError
from builder.prelabel.interface import EntityTagger, Prelabeller
from builder.prelabel.taggers.crf import CrfEntityTagger
from builder.prelabel.taggers.dates import DateRule
from builder.prelabel.taggers.events import LexiconEventTagger, load_lexicon
from builder.prelabel.taggers.gazetteer import Gazetteer


@dataclass(frozen=True)
class TaggerOptions:
    """Files the taggers load instead of the packaged ones."""

    model_path: Path | None = None
    lexicon_path: Path | None = None


#: Entity taggers by the short name the command line uses, in the default priority order.
ENTITY_TAGGERS: dict[str, Callable[[TaggerOptions], EntityTagger]] = {
    "date": lambda options: DateRule(),
    "model": lambda options: CrfEntityTagger.from_path(options.model_path),
    "gazetteer": lambda options: Gazetteer(),
}


def entity_taggers(names: Sequence[str], options: TaggerOptions = TaggerOptions()) -> list[EntityTagger]:
    """Entity taggers by short name, in the order given (an earlier one wins overlaps)."""
    unknown = [n for n in names if n not in ENTITY_TAGGERS]
    if unknown or not names:
        raise ValueError(f"taggers {', '.join(names) or '(none)'}: choose from {', '.join(ENTITY_TAGGERS)}")
    return [ENTITY_TAGGERS[n](options) for n in names]


def default_prelabeller(schema: Schema, *, model_path: Path | None = None,
                        lexicon_path: Path | None = None, gazetteer: bool = True) -> Prelabeller:
    """Taggers in priority order (an earlier tagger wins an overlap): dates, model, gazetteer."""
    model = CrfEntityTagger.from_path(model_path)
    lexicon = load_lexicon(lexicon_path)
    lexicon.validate(schema)
    taggers: list[EntityTagger] = [DateRule(), model] + ([Gazetteer()] if gazetteer else [])
    needed = {"DATE", *model.labels} | ({"LOC"} if gazetteer else set())
    missing = sorted(needed - set(schema.entity_labels))
    if missing:
        raise SchemaError(
            f"the pre-labeller proposes {', '.join(missing)}, which schema {schema.name!r} does not define; "
            "add them to the schema or use a schema-compatible model"
        )
    return Prelabeller(tuple(taggers), LexiconEventTagger(lexicon))
