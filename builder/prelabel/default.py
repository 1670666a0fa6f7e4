"""The default pre-labeller: DATE rules, the CRF model, the place gazetteer, the event lexicon."""

from __future__ import annotations

from pathlib import Path

from builder.prelabel.core import Prelabeller
from builder.prelabel.dates import DateRule
from builder.prelabel.events import LexiconEventTagger, load_lexicon
from builder.prelabel.gazetteer import Gazetteer
from builder.prelabel.model import CrfEntityTagger
from builder.schema import Schema, SchemaError


def default_prelabeller(schema: Schema, *, model_path: Path | None = None,
                        lexicon_path: Path | None = None, gazetteer: bool = True) -> Prelabeller:
    """Taggers in priority order (an earlier tagger wins an overlap): dates, model, gazetteer."""
    model = CrfEntityTagger.from_path(model_path)
    lexicon = load_lexicon(lexicon_path)
    lexicon.validate(schema)
    taggers = [DateRule(), model] + ([Gazetteer()] if gazetteer else [])
    needed = {"DATE", *model.labels} | ({"LOC"} if gazetteer else set())
    missing = sorted(needed - set(schema.entity_labels))
    if missing:
        raise SchemaError(
            f"the pre-labeller proposes {', '.join(missing)}, which schema {schema.name!r} does not define; "
            "add them to the schema or use a schema-compatible model"
        )
    return Prelabeller(tuple(taggers), LexiconEventTagger(lexicon))
