"""Taggers by name, and the default pre-labeller: DATE rules, the CRF model, the place gazetteer,
the event model. Each tagger carries its versioned name (rule:date.v1, model:id_news.ner.crf.v1,
gazetteer:places.v1, model:id_news.events.v2, lexicon:events.v1) into every span it proposes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from builder.core.schema import Schema, SchemaError
from builder.events.lexicon import load_lexicon
from builder.prelabel.interface import EntityTagger, EventTagger, Prelabeller
from builder.prelabel.options import TaggerOptions
from builder.prelabel.taggers.crf import CrfEntityTagger
from builder.prelabel.taggers.dates import DateRule
from builder.prelabel.taggers.event_model import ModelEventTagger
from builder.prelabel.taggers.events import LexiconEventTagger
from builder.prelabel.taggers.gazetteer import Gazetteer

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


def event_tagger(options: TaggerOptions, schema: Schema) -> EventTagger:
    """The event model, or the trigger lexicon when one is given; checked against the schema."""
    if options.lexicon_path is not None:
        lexicon = load_lexicon(options.lexicon_path)
        lexicon.validate(schema)
        return LexiconEventTagger(lexicon)
    tagger = ModelEventTagger.from_path(options.event_model_path)
    tagger.validate(schema)
    return tagger


def default_prelabeller(schema: Schema, options: TaggerOptions = TaggerOptions(), *,
                        gazetteer: bool = True) -> Prelabeller:
    """Taggers in priority order (an earlier tagger wins an overlap): dates, model, gazetteer; events."""
    model = CrfEntityTagger.from_path(options.model_path)
    events = event_tagger(options, schema)
    taggers: list[EntityTagger] = [DateRule(), model] + ([Gazetteer()] if gazetteer else [])
    needed = {"DATE", *model.labels} | ({"LOC"} if gazetteer else set())
    missing = sorted(needed - set(schema.entity_labels))
    if missing:
        raise SchemaError(
            f"the pre-labeller proposes {', '.join(missing)}, which schema {schema.name!r} does not define; "
            "add them to the schema or use a schema-compatible model"
        )
    return Prelabeller(tuple(taggers), events)
