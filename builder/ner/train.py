"""Train and measure the CRF NER model on the public Indonesian NER sets, and write its card."""

from __future__ import annotations

import hashlib
import logging
import platform
import time
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycrfsuite
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from builder.ner.conll import DEFAULT_LABEL_MAP, TaggedSentence, read_conll
from builder.ner.crf import LABELS, MODEL_FILE, MODEL_NAME, CrfNerModel, lexicon_path
from builder.ner.features import EntityLexicon, sentence_features
from builder.workspace.parts import atomic_path, atomic_write

log = logging.getLogger(__name__)

SHIPPABLE_LICENCES = frozenset({"MIT", "CC BY 4.0"})
TRAIN_COMMAND = "builder train-ner --data-dir ../shared/data/ner --out builder/resources/"


@dataclass(frozen=True, slots=True)
class NerCorpus:
    """One annotated set: its folder under the data dir, files, licence and label names."""

    name: str
    files: tuple[str, ...]
    licence: str
    source: str
    label_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_LABEL_MAP))

    def __post_init__(self) -> None:
        if self.licence not in SHIPPABLE_LICENCES:
            raise ValueError(
                f"corpus {self.name!r} has licence {self.licence!r}; the shipped model may only "
                f"be trained on {sorted(SHIPPABLE_LICENCES)} sets, leave it out"
            )
        if not self.files:
            raise ValueError(f"corpus {self.name!r} lists no files; name at least one")


# In priority order: when two sets hold the same sentence, the earlier set's
# annotation is kept. idner-news-2k is the standardised re-annotation of the
# Kompas text that indolem-nerugm also annotates, so it wins.
CORPORA: tuple[NerCorpus, ...] = (
    NerCorpus(
        "idner-news-2k",
        ("train.txt", "dev.txt"),
        "MIT",
        "khairunnisaor/idner-news-2k@625ff40 (Khairunnisa et al. 2020)",
    ),
    NerCorpus(
        "indolem-nerui",
        ("nergithub.txt",),
        "CC BY 4.0",
        "indolem/indolem@777fdc6 ner/data/nerui (Gultom & Wibowo 2017)",
    ),
    NerCorpus(
        "indonlu-nergrit",
        ("train_preprocess.txt", "valid_preprocess.txt", "test_preprocess.txt"),
        "MIT",
        "IndoNLP/indonlu@ce728f6 dataset/nergrit_ner-grit (NERGRIT, 3-class subset)",
    ),
    NerCorpus(
        "indolem-nerugm",
        ("nerugm.txt",),
        "CC BY 4.0",
        "indolem/indolem@777fdc6 ner/data/nerugm (Fachri 2014)",
    ),
)


@dataclass(frozen=True, slots=True)
class CrfParams:
    """L-BFGS training options for python-crfsuite."""

    c1: float = 0.1
    c2: float = 0.05
    max_iterations: int = 200
    min_feature_freq: int = 1
    lexicon_folds: int = 5  # training sentences see a lexicon built from the other folds

    def __post_init__(self) -> None:
        if self.lexicon_folds < 2:
            raise ValueError(f"lexicon_folds={self.lexicon_folds}: give at least 2")
        if self.c1 < 0 or self.c2 < 0:
            raise ValueError(f"c1={self.c1}, c2={self.c2}: regularisation must be >= 0")
        if self.max_iterations < 1:
            raise ValueError(f"max_iterations={self.max_iterations}: give at least 1")


@dataclass(frozen=True, slots=True)
class Example:
    """A sentence and the corpus it came from."""

    sentence: TaggedSentence
    corpus: str


def sentence_key(tokens: Sequence[str]) -> str:
    """The text a sentence is deduplicated and split by: NFC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFC", t).lower() for t in tokens)


def load_corpora(data_dir: Path, corpora: Sequence[NerCorpus]) -> list[Example]:
    """Read every file of every corpus, with its label names mapped to ours."""
    examples: list[Example] = []
    for corpus in corpora:
        for name in corpus.files:
            path = Path(data_dir) / corpus.name / name
            if not path.is_file():
                raise FileNotFoundError(
                    f"{path} not found; point --data-dir at the folder holding "
                    f"{', '.join(c.name for c in corpora)} (e.g. ../shared/data/ner)"
                )
            examples += [
                Example(s, corpus.name) for s in read_conll(path, label_map=corpus.label_map)
            ]
    return examples


def deduplicate(examples: Sequence[Example]) -> tuple[list[Example], Counter[str]]:
    """Keep the first example of each sentence text; count the dropped ones per corpus."""
    seen: set[str] = set()
    kept: list[Example] = []
    dropped: Counter[str] = Counter()
    for example in examples:
        key = sentence_key(example.sentence.tokens)
        if key in seen:
            dropped[example.corpus] += 1
            continue
        seen.add(key)
        kept.append(example)
    return kept, dropped


def stable_fraction(tokens: Sequence[str], salt: str) -> float:
    """A number in [0, 1) fixed by the sentence text and the salt."""
    digest = hashlib.sha256(f"{salt}\x1f{sentence_key(tokens)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_dev(tokens: Sequence[str], *, seed: int, dev_fraction: float) -> bool:
    """A stable split: the same sentence text lands on the same side for the same seed."""
    return stable_fraction(tokens, str(seed)) < dev_fraction


def split_examples(
    examples: Sequence[Example], *, seed: int, dev_fraction: float
) -> tuple[list[Example], list[Example]]:
    """The stable train/dev split of the deduplicated public sentences (by a hash of their text)."""
    dev_flags = [is_dev(e.sentence.tokens, seed=seed, dev_fraction=dev_fraction) for e in examples]
    train = [e for e, flag in zip(examples, dev_flags, strict=True) if not flag]
    dev = [e for e, flag in zip(examples, dev_flags, strict=True) if flag]
    if not train or not dev:
        raise ValueError(
            f"split gave {len(train)} train and {len(dev)} dev sentences; "
            "give more data or another dev_fraction"
        )
    return train, dev


def train_crf(
    train: Sequence[TaggedSentence], path: Path, params: CrfParams, *, seed: int = 0, name: str = MODEL_NAME
) -> None:
    """Fit a CRF with L-BFGS; write it and its lexicon (whose header carries the model's `name`)
    beside each other (via temporary files).

    Each training sentence gets lexicon features from a lexicon built without its own
    fold, so the model learns how far to trust the lexicon on names it has not seen.
    """
    folds = params.lexicon_folds
    fold_of = [int(stable_fraction(s.tokens, f"fold{seed}") * folds) for s in train]
    lexicons = [
        EntityLexicon.from_sentences(
            (s.tokens, s.tags) for s, f in zip(train, fold_of, strict=True) if f != fold
        )
        for fold in range(folds)
    ]
    trainer = pycrfsuite.Trainer(verbose=False)
    for sentence, fold in zip(train, fold_of, strict=True):
        trainer.append(sentence_features(sentence.tokens, lexicons[fold]), list(sentence.tags))
    trainer.set_params(
        {
            "c1": params.c1,
            "c2": params.c2,
            "max_iterations": params.max_iterations,
            "feature.minfreq": params.min_feature_freq,
            "feature.possible_transitions": True,
        }
    )
    with atomic_path(path) as tmp:
        trainer.train(str(tmp))
        EntityLexicon.from_sentences((s.tokens, s.tags) for s in train).dump(lexicon_path(path), name)


def evaluate(model: CrfNerModel, examples: Sequence[Example]) -> tuple[dict[str, object], float]:
    """Strict IOB2 seqeval scores per label, micro average and per corpus; and tokens/s."""
    token_lists = [list(e.sentence.tokens) for e in examples]
    started = time.perf_counter()
    predicted = [p.tags for p in model.predict(token_lists)]
    elapsed = time.perf_counter() - started
    gold = [list(e.sentence.tags) for e in examples]
    pred = [list(p) for p in predicted]
    scores = _report(gold, pred)
    by_corpus: dict[str, object] = {}
    for corpus in sorted({e.corpus for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.corpus == corpus]
        by_corpus[corpus] = _report([gold[i] for i in idx], [pred[i] for i in idx])["micro avg"]
    scores["by_corpus"] = by_corpus
    tokens = sum(len(t) for t in token_lists)
    return scores, tokens / elapsed if elapsed else float("inf")


def _report(gold: list[list[str]], pred: list[list[str]]) -> dict[str, object]:
    report = classification_report(
        gold, pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0
    )
    keep = (*LABELS, "micro avg")
    return {
        k: {m: float(v) if m != "support" else int(v) for m, v in report[k].items()}
        for k in keep
        if k in report
    }


def train_ner(
    *,
    data_dir: Path,
    out_dir: Path,
    seed: int = 0,
    dev_fraction: float = 0.15,
    corpora: Sequence[NerCorpus] = CORPORA,
    params: CrfParams = CrfParams(),
    final_on_all: bool = True,
) -> dict[str, object]:
    """Assemble, dedupe and split the corpora, train the CRF, score it on dev, write model + card.

    With `final_on_all`, the shipped model is retrained on train + dev after scoring.
    """
    if not 0 < dev_fraction < 1:
        raise ValueError(f"dev_fraction={dev_fraction}: give a fraction between 0 and 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    examples, dropped = deduplicate(load_corpora(Path(data_dir), corpora))
    train, dev = split_examples(examples, seed=seed, dev_fraction=dev_fraction)
    model_path = out_dir / MODEL_FILE
    started = time.perf_counter()
    train_crf([e.sentence for e in train], model_path, params, seed=seed)
    train_seconds = time.perf_counter() - started
    log.info("trained on %d sentences in %.0f s", len(train), train_seconds)
    scores, tokens_per_second = evaluate(CrfNerModel.load(model_path), dev)
    if final_on_all:
        train_crf([e.sentence for e in examples], model_path, params, seed=seed)
    metrics: dict[str, object] = {
        "model": MODEL_NAME,
        "model_path": str(model_path),
        "model_bytes": model_path.stat().st_size,
        "lexicon_bytes": lexicon_path(model_path).stat().st_size,
        "scores": scores,
        "tokens_per_second": tokens_per_second,
        "train_seconds": train_seconds,
        "final_on_all": final_on_all,
        "seed": seed,
        "dev_fraction": dev_fraction,
        "params": {
            "c1": params.c1,
            "c2": params.c2,
            "max_iterations": params.max_iterations,
            "min_feature_freq": params.min_feature_freq,
            "lexicon_folds": params.lexicon_folds,
        },
        "sentences": _counts(examples, train, dev, dropped, corpora),
    }
    atomic_write(out_dir / "MODEL_CARD.md", model_card(metrics, corpora))
    return metrics


def _counts(
    examples: Sequence[Example],
    train: Sequence[Example],
    dev: Sequence[Example],
    dropped: Counter[str],
    corpora: Sequence[NerCorpus],
) -> dict[str, dict[str, int]]:
    kept = Counter(e.corpus for e in examples)
    in_train = Counter(e.corpus for e in train)
    in_dev = Counter(e.corpus for e in dev)
    return {
        c.name: {
            "kept": kept[c.name],
            "duplicates_dropped": dropped[c.name],
            "train": in_train[c.name],
            "dev": in_dev[c.name],
        }
        for c in corpora
    }


def model_card(metrics: Mapping[str, Any], corpora: Sequence[NerCorpus]) -> str:
    """The Markdown model card for a training run's metrics."""
    scores = metrics["scores"]
    counts = metrics["sentences"]
    params = metrics["params"]
    size_mb = metrics["model_bytes"] / 1e6
    lexicon_mb = metrics["lexicon_bytes"] / 1e6
    micro = scores["micro avg"]
    rows = "\n".join(
        f"| {k} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1-score']:.3f} | {v['support']} |"
        for k, v in scores.items()
        if k != "by_corpus"
    )
    by_corpus = "\n".join(
        f"| {name} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1-score']:.3f} "
        f"| {v['support']} |"
        for name, v in scores["by_corpus"].items()
    )
    data_rows = "\n".join(
        f"| {c.name} | {c.licence} | {c.source} | {n['kept']} | {n['duplicates_dropped']} "
        f"| {n['train']} | {n['dev']} |"
        for c in corpora
        for n in (counts[c.name],)
    )
    label_names = sorted({f"{k} → {v}" for c in corpora for k, v in c.label_map.items()})
    final = (
        "After scoring, the shipped model was retrained on train + dev with the same options."
        if metrics["final_on_all"]
        else "The shipped model is the one that was scored (trained on the train split only)."
    )
    return f"""# Model card: `{MODEL_NAME}`

A linear-chain CRF (python-crfsuite, L-BFGS) that tags pre-tokenised Indonesian
news sentences with IOB2 `PER`, `ORG` and `LOC`. It is the statistical part of
the pre-labeller; `DATE` comes from rules, not from this model. Every prediction
made with it carries `model:{MODEL_NAME}`. CPU only, {size_mb:.1f} MB plus a
{lexicon_mb:.1f} MB lexicon.

## Use

```python
from builder.ner.crf import CrfNerModel

model = CrfNerModel.load()  # builder/resources/{MODEL_FILE}
tags, scores = model.predict([["Presiden", "Joko", "Widodo", "tiba", "di", "Surabaya", "."]])[0]
```

`scores` holds the CRF marginal probability of each predicted tag.

## Training data

Only MIT and CC BY 4.0 sets are used. Sentences whose text (NFC, lower-cased,
tokens joined by spaces) appears more than once are kept once, from the first
set in this table: idner-news-2k and indolem-nerugm annotate about 1,000 of the
same Kompas sentences with different conventions, and the idner-news-2k
re-annotation is kept. Deduplication happens before the split.

| set | licence | source | sentences kept | duplicates dropped | train | dev |
|---|---|---|---|---|---|---|
{data_rows}

Left out: `indonlu-nerp` (CC BY-SA 4.0, and lower-cased) and every CC BY-SA raw
text; no feature or word list in the model is derived from them. The model file
holds only feature weights learnt from the sets above.

Label names mapped to ours (anything else, e.g. `TIME`, `QUANTITY`, becomes `O`;
`TIME` is not mapped to `DATE` because only one set has it, with times, parts of
day and durations mixed in): {", ".join(label_names)}. IO/IOB1 runs are
converted to IOB2.

## Evaluation

Dev split: {metrics["dev_fraction"]:.0%} of the deduplicated sentences, chosen by a
stable SHA-256 hash of the sentence text with seed {metrics["seed"]} (the data carry
no article ids, so the split is by sentence). Strict span matching with seqeval
(`mode="strict"`, `scheme=IOB2`). {final}

| label | precision | recall | F1 | support |
|---|---|---|---|---|
{rows}

Micro-F1 per source set of the dev sentences:

| set | precision | recall | F1 | support |
|---|---|---|---|---|
{by_corpus}

Micro-F1 on dev: **{micro["f1-score"]:.3f}**.
Speed: {metrics["tokens_per_second"]:,.0f} tokens/s tagging the dev split (features,
Viterbi and marginals; one core of {platform.machine()} {platform.system()}, Python
{platform.python_version()}).

## Features

Lower-cased word, prefixes and suffixes of 2-4 characters, collapsed word shape,
capitalisation, digits, hyphen, position in a run of capitalised tokens, sentence
start/end, the words and shapes of the neighbours at ±2, suffixes and
capitalisation of the neighbours at ±1, and word bigrams; plus lexicon features
from the training data itself: the longest known entity string covering a
token, and the majority label of the token and its ±1 neighbours. The lexicon
(`{MODEL_NAME}.lexicon.tsv`, {lexicon_mb:.1f} MB) ships beside
the model and must travel with it. While training, each sentence sees a lexicon
built from the other {params["lexicon_folds"]} - 1 folds, so the model learns how
far to trust it for names it has not seen. No external word lists, no
unlabelled text.

## Training options

c1={params["c1"]}, c2={params["c2"]}, max_iterations={params["max_iterations"]},
feature.minfreq={params["min_feature_freq"]}, lexicon folds={params["lexicon_folds"]},
seed={metrics["seed"]},
dev_fraction={metrics["dev_fraction"]}.

## Reproduce

From the repository root, with the shared data checked out next to it:

```
{TRAIN_COMMAND}
```

## Limitations

- The sets disagree on conventions: indolem-nerugm puts titles inside `PER`
  ("Presiden Susilo Bambang Yudhoyono") and tags countries used as modifiers as
  `LOC`; idner-news-2k leaves both out. The model mixes these conventions.
- Trained on news of 2014-2016 (Kompas and similar) and encyclopedic text (NERGRIT);
  names that became prominent later are recognised from context and shape only.
- Expects the tokenisation of `builder.core.tokenizer.tokenize`; the training data were
  tokenised by their authors, which differs in places (quotes, abbreviations).
"""
