"""One annotation guideline across the NER training sets.

The public sets disagree on what a name is. idner-news-2k, the standardised re-annotation of
Kompas news (Khairunnisa et al. 2020), leaves titles out of PER ("Presiden [Joko Widodo]"), tags
a country LOC only where it is a place ("ke [Israel]", but "serangan Israel", "Israel
menyatakan" are O), and tags parties and state bodies ("DPR", "PPP") as ORG; the other sets
put titles inside PER, tag every country LOC, and miss many organisations. A model trained on
the mix learns neither convention well.

idner-news-2k is the guideline. About 1,000 sentences are annotated by both idner-news-2k and
indolem-nerugm; from them a small CRF learns to rewrite a sentence's tags from another set's
convention into the guideline's, reading the words and the other set's tags around each token.
It then rewrites the training sentences of the other sets. Sentences of the guideline set are
repeated (`NerCorpus.weight`) so that where the sets still disagree, the guideline wins.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pycrfsuite
from seqeval.metrics import f1_score
from seqeval.scheme import IOB2

from builder.ner.conll import TaggedSentence
from builder.ner.features import sentence_features

#: The set whose annotation guideline every training sentence is brought to.
GUIDELINE_CORPUS = "idner-news-2k"
_PAD = "<pad>"
#: (guideline annotation, another set's annotation) of the same sentence.
Pair = tuple[TaggedSentence, TaggedSentence]


def mapping_features(tokens: Sequence[str], tags: Sequence[str]) -> list[list[str]]:
    """The CRF word features (no lexicon) plus the other set's tags at -1, 0, +1 and its tag with the word."""
    out = sentence_features(tokens)
    n = len(tokens)
    for i, feats in enumerate(out):
        feats.append("src=" + tags[i])
        for offset in (-1, 1):
            j = i + offset
            feats.append(f"{offset}src=" + (tags[j] if 0 <= j < n else _PAD))
        feats.append(f"src|w={tags[i]}|{tokens[i].lower()}")
    return out


@dataclass(frozen=True)
class ConventionMap:
    """Rewrites another set's tags into the guideline's (see the module docstring)."""

    model: bytes

    @classmethod
    def learn(cls, pairs: Sequence[Pair], *, max_iterations: int = 150) -> ConventionMap:
        """Learn from (guideline sentence, the same sentence in the other set) pairs."""
        if not pairs:
            raise ValueError(
                f"no sentence is annotated both by {GUIDELINE_CORPUS} and by another set; "
                "the convention map needs such pairs to learn from"
            )
        trainer = pycrfsuite.Trainer(verbose=False)
        for guideline, other in pairs:
            trainer.append(mapping_features(other.tokens, other.tags), list(guideline.tags))
        trainer.set_params({"c1": 0.1, "c2": 0.05, "max_iterations": max_iterations,
                            "feature.possible_transitions": True})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "map.crfsuite"
            trainer.train(str(path))
            return cls(path.read_bytes())

    def convert(self, sentences: Iterable[TaggedSentence]) -> list[TaggedSentence]:
        """The sentences with their tags rewritten into the guideline's convention."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "map.crfsuite"
            path.write_bytes(self.model)
            tagger = pycrfsuite.Tagger()
            tagger.open(str(path))
            try:
                return [replace(s, tags=tuple(tagger.tag(mapping_features(s.tokens, s.tags)))) for s in sentences]
            finally:
                tagger.close()


def agreement(pairs: Sequence[Pair], convention: ConventionMap) -> dict[str, float]:
    """Strict micro-F1 of the other set's tags against the guideline's, as they are and once rewritten."""
    gold = [list(g.tags) for g, _ in pairs]
    before = [list(o.tags) for _, o in pairs]
    after = [list(s.tags) for s in convention.convert(o for _, o in pairs)]
    return {
        "pairs": len(pairs),
        "before": round(float(f1_score(gold, before, mode="strict", scheme=IOB2)), 4),
        "after": round(float(f1_score(gold, after, mode="strict", scheme=IOB2)), 4),
    }
