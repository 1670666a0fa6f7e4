"""Taggers by name, and the default pre-labeller: DATE rules, the CRF model (the place gazetteer only
when asked), one label per name in each article, the event model. Each tagger carries its versioned
name (rule:date.v1, model:id_news.ner.crf.v2,
gazetteer:places.v1, model:id_news.events.v2, lexicon:events.v1) into every span it proposes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from builder.core.schema import Schema, SchemaError
from builder.events.lexicon import load_lexicon
from builder.prelabel.consistency import DocumentConsistency
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


#: The entity taggers the pre-labeller and `builder eval ner` use unless told otherwise. The gazetteer is
#: left out: it tags every country LOC, also where it is a modifier or an actor ("serangan Israel"),
#: which the annotation guideline leaves untagged; on idner-news-2k's dev sentences it cost 0.017 to
#: 0.026 micro-F1 on top of the model (issue 13's note; `make bench` reports F1 with these taggers).
DEFAULT_ENTITY_TAGGERS: tuple[str, ...] = ("date", "model")


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
                        gazetteer: bool = "gazetteer" in DEFAULT_ENTITY_TAGGERS,
                        consistency: bool = True) -> Prelabeller:
    """Taggers in priority order (an earlier tagger wins an overlap): dates, model, [gazetteer]; then the
    entity spans of each article made consistent (builder/prelabel/consistency.py); events."""
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
    return Prelabeller(tuple(taggers), events, DocumentConsistency() if consistency else None)
