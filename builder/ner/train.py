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

from builder.core.metrics import calibration_error, reliability
from builder.ner.conll import DEFAULT_LABEL_MAP, TaggedSentence, read_conll
from builder.ner.crf import LABELS, MODEL_FILE, MODEL_NAME, CrfNerModel, lexicon_path
from builder.ner.features import EntityLexicon, entity_ranges, sentence_features
from builder.ner.harmonise import GUIDELINE_CORPUS, ConventionMap, Pair, agreement
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
    weight: int = 1  # how many times each of its training sentences is used

    def __post_init__(self) -> None:
        if self.weight < 1:
            raise ValueError(f"corpus {self.name!r} has weight {self.weight}; give 1 or more")
        if self.licence not in SHIPPABLE_LICENCES:
            raise ValueError(
                f"corpus {self.name!r} has licence {self.licence!r}; the shipped model may only "
                f"be trained on {sorted(SHIPPABLE_LICENCES)} sets, leave it out"
            )
        if not self.files:
            raise ValueError(f"corpus {self.name!r} lists no files; name at least one")


# In priority order: when two sets hold the same sentence, the earlier set's
# annotation is kept. idner-news-2k is the standardised re-annotation of the
# Kompas text that indolem-nerugm also annotates, so it wins; it is also the
# guideline the other sets are brought to (builder/ner/harmonise.py), and its
# sentences count three times.
CORPORA: tuple[NerCorpus, ...] = (
    NerCorpus(
        GUIDELINE_CORPUS,
        ("train.txt", "dev.txt"),
        "MIT",
        "khairunnisaor/idner-news-2k@625ff40 (Khairunnisa et al. 2020)",
        weight=3,
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



def convention_pairs(raw: Sequence[Example], guideline: Sequence[Example]) -> list[Pair]:
    """(guideline annotation, another set's annotation) of the same sentence text, for the sentences of
    `guideline` (examples of the guideline set); `raw` is every set as read, before deduplication."""
    keys = {sentence_key(e.sentence.tokens): e.sentence for e in guideline if e.corpus == GUIDELINE_CORPUS}
    return [
        (keys[key], e.sentence)
        for e in raw
        if e.corpus != GUIDELINE_CORPUS and (key := sentence_key(e.sentence.tokens)) in keys
    ]


@dataclass
class TrainingSet:
    """The sentences the CRF learns from: the other sets rewritten into the guideline's convention,
    every sentence repeated by its set's weight; and what the rewriting did."""

    sentences: list[TaggedSentence]
    rewritten: Counter[str]  # sentences whose tags the convention map changed, per set
    pairs: int  # sentences both annotated, that the map learnt from
    convention: ConventionMap | None  # None when there was nothing to rewrite or nothing to learn from


def guideline_training_set(train: Sequence[Example], pairs: Sequence[Pair],
                           corpora: Sequence[NerCorpus]) -> TrainingSet:
    """Bring `train` to one guideline (builder/ner/harmonise.py) with a map learnt from `pairs`, and
    weight it. Without pairs (e.g. no guideline set among the corpora) the tags are kept as they are."""
    weights = {c.name: c.weight for c in corpora}
    others = [i for i, e in enumerate(train) if e.corpus != GUIDELINE_CORPUS]
    sentences = [e.sentence for e in train]
    rewritten: Counter[str] = Counter()
    convention = ConventionMap.learn(pairs) if pairs and others else None
    if convention is not None:
        converted = convention.convert(sentences[i] for i in others)
        for i, new in zip(others, converted, strict=True):
            if new.tags != sentences[i].tags:
                rewritten[train[i].corpus] += 1
            sentences[i] = new
    weighted = [s for s, e in zip(sentences, train, strict=True) for _ in range(weights.get(e.corpus, 1))]
    return TrainingSet(weighted, rewritten, len(pairs), convention)


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


def span_reliability(model: CrfNerModel, examples: Sequence[Example]) -> list[dict[str, float]]:
    """How often a predicted span is exactly right (same tokens and label), by its score (the lowest
    marginal of its tokens, as the pre-labeller scores it)."""
    scored: list[tuple[float, bool]] = []
    for example, tagged in zip(examples, model.predict([list(e.sentence.tokens) for e in examples]), strict=True):
        truth = set(entity_ranges(example.sentence.tags))
        scored += [(min(tagged.scores[start:end]), (start, end, label) in truth)
                   for start, end, label in entity_ranges(tagged.tags)]
    return reliability(scored)


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
    raw = load_corpora(Path(data_dir), corpora)
    examples, dropped = deduplicate(raw)
    train, dev = split_examples(examples, seed=seed, dev_fraction=dev_fraction)
    model_path = out_dir / MODEL_FILE
    started = time.perf_counter()
    training = guideline_training_set(train, convention_pairs(raw, train), corpora)
    train_crf(training.sentences, model_path, params, seed=seed)
    train_seconds = time.perf_counter() - started
    log.info("trained on %d sentences (%d weighted) in %.0f s", len(train), len(training.sentences), train_seconds)
    scored_model = CrfNerModel.load(model_path)
    scores, tokens_per_second = evaluate(scored_model, dev)
    guideline_reliability = span_reliability(scored_model, [e for e in dev if e.corpus == GUIDELINE_CORPUS])
    held_out_pairs = convention_pairs(raw, dev)
    convention: dict[str, object] = {
        "guideline": GUIDELINE_CORPUS,
        "pairs_learnt_from": training.pairs,
        "rewritten_train_sentences": dict(sorted(training.rewritten.items())),
        "held_out_agreement": (agreement(held_out_pairs, training.convention)
                               if training.convention is not None and held_out_pairs else None),
    }
    if final_on_all:
        final = guideline_training_set(examples, convention_pairs(raw, examples), corpora)
        train_crf(final.sentences, model_path, params, seed=seed)
        convention["final_pairs_learnt_from"] = final.pairs
        convention["final_rewritten_sentences"] = dict(sorted(final.rewritten.items()))
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
        "convention": convention,
        "reliability": guideline_reliability,
        "calibration_error": calibration_error(guideline_reliability),
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
    convention = metrics["convention"]
    rewritten = convention.get("final_rewritten_sentences", convention["rewritten_train_sentences"])
    data_rows = "\n".join(
        f"| {c.name} | {c.licence} | {c.source} | {n['kept']} | {n['duplicates_dropped']} "
        f"| {n['train']} | {n['dev']} | {c.weight} | "
        f"{'(guideline)' if c.name == convention['guideline'] else rewritten.get(c.name, 0)} |"
        for c in corpora
        for n in (counts[c.name],)
    )
    reliability_rows = "\n".join(
        f"| {r['from']} | {r['to']} | {r['predictions']} | {r['correct']:.3f} | {r['mean_score']:.3f} |"
        for r in metrics["reliability"]
    )
    guideline_f1 = scores["by_corpus"].get(convention["guideline"], {}).get("f1-score", 0.0)
    held_out = convention["held_out_agreement"]
    agreement_text = (
        f"On the {held_out['pairs']} doubly annotated sentences of the dev split, which the map did not "
        f"learn from, the other set's tags agree with the guideline's at strict micro-F1 "
        f"{held_out['before']:.3f} as they are and {held_out['after']:.3f} once rewritten."
        if held_out else "No doubly annotated sentence fell in the dev split, so the map's agreement was not measured."
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

| set | licence | source | sentences kept | duplicates dropped | train | dev | weight | rewritten |
|---|---|---|---|---|---|---|---|---|
{data_rows}

**One guideline.** The sets disagree on what a name is: `{convention["guideline"]}` (the
standardised re-annotation) leaves titles out of PER, tags a country LOC only where it is a
place (`ke Israel`, not `serangan Israel` or `Israel menyatakan`) and tags parties and state
bodies (`DPR`, `PPP`) as ORG; the other sets put titles inside PER, tag every country LOC and
miss many organisations. `{convention["guideline"]}` is the guideline. A small CRF, learnt from
the {convention.get("final_pairs_learnt_from", convention["pairs_learnt_from"])} sentences annotated both by it and by
another set, reads each token's words and the other set's tags around it and writes the
guideline's tags; it rewrote the sentences counted under *rewritten* above
(builder/ner/harmonise.py). {agreement_text} Each sentence is used *weight* times in training,
so that where the sets still disagree the guideline wins.

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

Micro-F1 per source set of the dev sentences, each scored against its own set's tags. The
model follows the guideline of `{convention["guideline"]}`, so the other sets' figures count its
convention (no titles in PER, no country used as a modifier) as errors:

| set | precision | recall | F1 | support |
|---|---|---|---|---|
{by_corpus}

Micro-F1 on dev: **{micro["f1-score"]:.3f}** over all sets, each against its own conventions;
**{guideline_f1:.3f}** on the dev sentences of `{convention["guideline"]}`, the guideline.

Span scores (the lowest marginal of a span's tokens, as `builder prelabel` stores them) on the dev
sentences of `{convention["guideline"]}`: how often a span is exactly right, by its score. Expected
calibration error {metrics["calibration_error"]:.3f}; on the other sets, scored against their own
conventions, the scores are higher than the share right.

| score from | to | spans | share right | mean score |
|---|---|---|---|---|
{reliability_rows}

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

- The rewriting map learnt from one pair of sets (idner-news-2k and indolem-nerugm, both
  Kompas news) and is applied to all the others; on encyclopedic NERGRIT text it is on less
  sure ground. Where it is wrong, the model learns its error.
- A country as modifier or actor is O, as the guideline has it; a reader who wants every
  country as LOC must relabel.
- Trained on news of 2014-2016 (Kompas and similar) and encyclopedic text (NERGRIT);
  names that became prominent later are recognised from context and shape only.
- Foreign names that the training sets never contain are guessed from shape and context,
  often wrongly. On the seed page (`tests/data/seed_page_ner.md`) `Kremlin` after `oleh` is
  PER (a lone capitalised word in a person's slot), and `Nursultan Nazarbayev` is LOC at 0.45
  (the suffix `-tan` weighs towards LOC, as in Kazakhstan and Afghanistan). Russian and
  Central Asian names are almost absent from the training data (of words in -ev/-ov only
  Andreev, Lomonosov, Stefanov). Word clusters and place-name lists as features were measured
  and left out: neither moved the dev scores beyond noise, and neither fixes `Kremlin`.
- Expects the tokenisation of `builder.core.tokenizer.tokenize`; the training data were
  tokenised by their authors, which differs in places (quotes, abbreviations).
"""
