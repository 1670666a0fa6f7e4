"""The CRF NER model `id_news.ner.crf.v2`: token features and a tagger over token lists."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import pycrfsuite

from builder.ner.conll import to_iob2
from builder.ner.fastcrf import CompiledCrf
from builder.ner.features import EntityLexicon, lexicon_model_name, sentence_features

MODEL_NAME = "id_news.ner.crf.v2"
MODEL_FILE = f"{MODEL_NAME}.crfsuite"
LEXICON_SUFFIX = ".lexicon.tsv"
LABELS = ("PER", "ORG", "LOC")

class Tagged(NamedTuple):
    """IOB2 tags for one sentence and the marginal probability of each predicted tag."""

    tags: tuple[str, ...]
    scores: tuple[float, ...]


def packaged_model_path() -> Path:
    """Where the trained model ships inside the package."""
    return Path(str(resources.files("builder") / "resources" / MODEL_FILE))


def lexicon_path(model_path: Path) -> Path:
    """The lexicon file that travels with a model file: `<name>.lexicon.tsv` beside it."""
    return model_path.with_name(model_path.name.removesuffix(".crfsuite") + LEXICON_SUFFIX)


class CrfNerModel:
    """A loaded CRF NER model and its lexicon; open it once and tag many sentences.

    Its `name` (e.g. `id_news.ner.crf.v2`, or `id_news.ner.crf.v2+ws3` for a model trained from a
    workspace) is the one its lexicon's header names: the trainer writes it there.
    """

    def __init__(self, path: Path, tagger: pycrfsuite.Tagger, lexicon: EntityLexicon,
                 name: str = MODEL_NAME) -> None:
        self.path = path
        self.name = name
        self.lexicon = lexicon
        self._tagger = tagger
        self._compiled = CompiledCrf(path, lexicon)

    @classmethod
    def load(cls, path: Path | None = None) -> CrfNerModel:
        """Open a model file and its lexicon; with no path, the ones in `builder/resources`."""
        path = Path(path) if path is not None else packaged_model_path()
        for needed in (path, lexicon_path(path)):
            if not needed.is_file():
                raise FileNotFoundError(
                    f"NER model file {needed} does not exist; train the model with "
                    "`builder train-ner --data-dir ../shared/data/ner --out builder/resources/`"
                )
        tagger = pycrfsuite.Tagger()
        try:
            tagger.open(str(path))
        except Exception as error:  # crfsuite raises a bare ValueError/OSError
            raise ValueError(
                f"{path} is not a CRFsuite model ({error}); retrain it with `builder train-ner`"
            ) from error
        lexicon = lexicon_path(path)
        return cls(path, tagger, EntityLexicon.load(lexicon), lexicon_model_name(lexicon) or MODEL_NAME)

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        # The crfsuite tagger cannot be pickled; workers (Ray, multiprocessing) reopen the file.
        return (type(self).load, (self.path,))

    @property
    def labels(self) -> tuple[str, ...]:
        """The tags this model can predict."""
        return tuple(self._tagger.labels())

    def predict(self, sentences: Sequence[Sequence[str]]) -> list[Tagged]:
        """Tag each sentence (a list of token strings) with IOB2 tags and their marginals (in [0, 1]).

        Runs the batched NumPy decoder (`builder.ner.fastcrf`), which gives CRFsuite's tags and
        marginals (see `predict_reference`) several times faster.
        """
        _check_token_lists(sentences)
        non_empty = [tokens for tokens in sentences if tokens]
        decoded = iter(self._compiled.decode(non_empty))
        out: list[Tagged] = []
        for tokens in sentences:
            if not tokens:
                out.append(Tagged((), ()))
                continue
            # A CRF can emit I-X after O; the decoder reads it as the start of an entity, as IOB1
            # would (IOB2, as to_iob2 makes it).
            out.append(Tagged(*next(decoded)))
        return out

    def predict_reference(self, sentences: Sequence[Sequence[str]]) -> list[Tagged]:
        """`predict` through CRFsuite's own tagger, one feature string at a time (the reference)."""
        _check_token_lists(sentences)
        out: list[Tagged] = []
        for tokens in sentences:
            if not tokens:
                out.append(Tagged((), ()))
                continue
            tags = self._tagger.tag(sentence_features(tokens, self.lexicon))
            scores = tuple(self._tagger.marginal(tag, i) for i, tag in enumerate(tags))
            out.append(Tagged(to_iob2(tags), scores))
        return out


def _check_token_lists(sentences: Sequence[Sequence[str]]) -> None:
    for tokens in sentences:
        if isinstance(tokens, str):
            raise TypeError(
                f"predict() takes a list of token lists, got the string {tokens[:40]!r}; "
                "tokenize first, e.g. with builder.ingest.segment.tokenize"
            )
