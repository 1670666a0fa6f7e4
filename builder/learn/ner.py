"""The NER CRF retrained on the public sets plus the workspace gold, and scored on the held-out data.

Workspace models learn from the public sets' train split and the workspace gold outside the held-back
articles; they never see the public dev split or the held-back gold, which are what they are scored on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder.learn.gold import WORKSPACE_SOURCE, GoldSet, tagged
from builder.learn.scores import MICRO, Scores, clean
from builder.ner.crf import LABELS, CrfNerModel
from builder.ner.harmonise import GUIDELINE_CORPUS, Pair
from builder.ner.train import (
    CORPORA,
    CrfParams,
    Example,
    NerCorpus,
    convention_pairs,
    deduplicate,
    evaluate,
    guideline_training_set,
    load_corpora,
    sentence_key,
    split_examples,
    train_crf,
)


@dataclass(frozen=True)
class NerOptions:
    """Where the public sets are, which of them, the CRF's options and the public split."""

    data_dir: Path
    corpora: tuple[NerCorpus, ...] = CORPORA
    params: CrfParams = CrfParams()
    seed: int = 0
    dev_fraction: float = 0.15

    def __post_init__(self) -> None:
        if not 0 < self.dev_fraction < 1:
            raise ValueError(f"dev_fraction={self.dev_fraction}: give a fraction between 0 and 1")


@dataclass
class NerData:
    """What the CRF is trained and scored on."""

    public_train: list[Example]
    public_dev: list[Example]
    gold_train: list[Example]
    gold_held_out: list[Example]
    counts: Counter[str] = field(default_factory=Counter)
    pairs: list[Pair] = field(default_factory=list)  # doubly annotated public train sentences (harmonise.py)

    @property
    def train(self) -> list[Example]:
        """Public train split, then the workspace gold (outside the held-back articles)."""
        return [*self.public_train, *self.gold_train]

    @property
    def evaluation(self) -> list[Example]:
        """Public dev split, then the held-back workspace gold."""
        return [*self.public_dev, *self.gold_held_out]

    def sentence_counts(self) -> dict[str, dict[str, int]]:
        """Sentences per source: used for training, and for evaluation."""
        out: dict[str, dict[str, int]] = {}
        for role, examples in (("train", self.train), ("evaluation", self.evaluation)):
            for source, n in sorted(Counter(e.corpus for e in examples).items()):
                out.setdefault(source, {"train": 0, "evaluation": 0})[role] = n
        return out


def ner_data(gold: GoldSet, options: NerOptions) -> NerData:
    """The public sets (deduplicated, without the sentences the workspace gold has) split by hash, and the
    workspace gold as IOB2 sentences of the model's labels."""
    counts: Counter[str] = Counter()
    raw = load_corpora(Path(options.data_dir), options.corpora)
    examples, dropped = deduplicate(raw)
    counts["public duplicates dropped"] = sum(dropped.values())
    gold_keys = {sentence_key([t.text for t in g.sentence.tokens]) for g in gold.sentences}
    public = [e for e in examples if sentence_key(e.sentence.tokens) not in gold_keys]
    counts["public sentences the workspace gold also has (gold kept)"] = len(examples) - len(public)
    train, dev = split_examples(public, seed=options.seed, dev_fraction=options.dev_fraction)
    gold_train = [Example(tagged(g, LABELS, counts), WORKSPACE_SOURCE) for g in gold.train]
    gold_held_out = [Example(tagged(g, LABELS, counts), WORKSPACE_SOURCE) for g in gold.held_out]
    return NerData(train, dev, gold_train, gold_held_out, counts, convention_pairs(raw, train))


def train_ner_model(data: NerData, path: Path, name: str, options: NerOptions, *, public_only: bool = False) -> None:
    """Fit the CRF (named `name`) on the training data, or on the public train split alone, the way
    `builder train-ner` does: the public sets brought to one guideline and weighted; the workspace gold
    (human-corrected, so already in the guideline) weighted like the guideline set."""
    public = guideline_training_set(data.public_train, data.pairs, options.corpora).sentences
    gold: Sequence[Example] = [] if public_only else data.gold_train
    weight = next((c.weight for c in options.corpora if c.name == GUIDELINE_CORPUS), 1)
    train_crf([*public, *(e.sentence for e in gold for _ in range(weight))], path, options.params,
              seed=options.seed, name=name)


def score_ner(model: CrfNerModel, data: NerData) -> Scores:
    """Strict IOB2 span scores (seqeval) per label over the evaluation data, and micro-F1 per part."""
    scores, _ = evaluate(model, data.evaluation)
    by_part = scores.pop("by_corpus")
    return Scores(clean(scores), clean(by_part))  # type: ignore[arg-type]


def empty_scores() -> Scores:
    """Scores of nothing (no evaluation data)."""
    return Scores({MICRO: {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0}})
