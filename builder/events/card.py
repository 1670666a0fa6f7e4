"""The event model's card, written from a training run's figures."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from typing import Any

from builder.events.model import MODEL_NAME

TRAIN_COMMAND = "builder train-events --corpus corpora/id_news_events/events.jsonl.gz --out builder/resources/"


def _table(head: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def model_card(metrics: Mapping[str, Any]) -> str:
    """The Markdown model card."""
    final = metrics["final_test"]
    per_type = _table(("type", "precision", "recall", "F1", "support"),
                      [(k, v["precision"], v["recall"], v["f1-score"], v["support"]) for k, v in final["types"].items()])
    compared = _table(("model / split", "precision", "recall", "F1 (types)", "trigger F1", "exact set"),
                      [(k, v["precision"], v["recall"], v["f1-score"], v["trigger_f1"], v["exact_match"])
                       for k, v in metrics["comparison"].items()])
    reliability = _table(("score from", "to", "predicted types", "share correct"),
                         [(b["from"], b["to"], b["predictions"], b["correct"]) for b in final["reliability"]])
    confusions = _table(("gold type missed", "type predicted instead", "sentences"),
                        [tuple(c) for c in final["confusions"]]) if final["confusions"] else "(none)"
    counts = metrics["corpus"]
    return f"""# Model card: `{MODEL_NAME}`

Sentence event types (ACE 2005 subtypes) and their trigger words for Indonesian news. Every
token that is a form of a stem the model knows is a candidate: the stems come from the
triggers of the team's event corpus and from the trigger lexicon `lexicon:events.v1`, and
their forms are generated (meN-/peN- with nasal assimilation, di-, ter-, ber-, ke-, per-,
-kan, -i, -an, -nya, reduplication; not the reciprocal ber-...-an, as in *bergantian* "in turns"),
so a token is looked up, never stemmed. A multinomial
logistic regression over the candidate's stem, affixes, neighbours, capitalisation, the
lexicon's types for it and the multi-word lexicon phrases around it gives the probability of
each type (or of none); a type is proposed when its probability reaches
{metrics["threshold"]} (tuned on dev). The lexicon also enters as a prior: each of its
single-word entries is {metrics["lexicon_copies"]} training example(s) of its types (tuned on dev). Where the
lexicon is precise, it proposes its types beside the classifier: an entry (phrases with gaps
such as `aju ... [banding]` included) whose precision on the training sentences reaches
{metrics["rule_cutoff"]} (tuned on dev; its prior score counts as two matches) is kept as a rule,
{metrics["rules"]} rules in all, and its predictions carry that measured precision as their score
(the higher score wins where the classifier proposes the same type on the same word; a phrase kept
for two types, such as *bunuh* for Conflict.Attack and Life.Die, proposes both).
Predictions carry `model:{MODEL_NAME}` and their probability. CPU only, NumPy at run time;
{metrics["model_bytes"] / 1e6:.1f} MB.

## Training data

`corpora/id_news_events/events.jsonl.gz` ({counts["sentences"]:,} sentences of MIT and CC BY 4.0
Indonesian news; see its DATA_CARD.md), split by source document: train {counts["train"]},
dev {counts["dev"]}, test {counts["test"]}. The shipped model is trained on train + dev with the
regularisation (C = {metrics["C"]}), threshold and rule cutoff chosen on dev by a model trained on train
alone; the test split was used only for the figures below.

## Evaluation on the corpus's test split (the shipped model)

Sentence event types, micro: precision {final["types"]["micro avg"]["precision"]}, recall
{final["types"]["micro avg"]["recall"]}, **F1 {final["types"]["micro avg"]["f1-score"]}**;
trigger spans (type and exact span): F1 {final["triggers"]["f1-score"]}; exact set of types per
sentence: {final["exact_match"]}.

{per_type}

Commonest confusions (a gold type missed while another was predicted in the same sentence):

{confusions}

Reliability (how often a proposed type is right, by its probability):

{reliability}

## Compared models (each trained on train only)

{compared}

- `lexicon`: `lexicon:events.v1` alone (its prior precision as score).
- `sentence`: one logistic regression per type over the sentence's words, stems and lexicon
  types (types only, no trigger span).
- `crf`: a CRF (python-crfsuite) over every token with the candidate features, BIO tags.
- `classifier`: this model's method (the classifier with the lexicon rules).

Dev micro-F1 for each setting tried (C, threshold, lexicon copies, rule cutoff): {", ".join(f"{k}: {v}" for k, v in metrics["tuning"].items())}.

## Reproduce

```
{TRAIN_COMMAND}
```

Training is deterministic (same corpus, same model bytes). Trained with scikit-learn
{metrics["sklearn"]} on {platform.machine()} {platform.system()}, Python {platform.python_version()}.

## Known weaknesses

- Recall is bounded by the vocabulary: a trigger word whose stem never occurs as a trigger in
  the corpus or the lexicon is never proposed.
- Rare types (Justice.* except Sue and Arrest-Jail, Business.Merge-Org/End-Org/Declare-Bankruptcy,
  Life.Divorce) have a handful of examples or none; their figures are not meaningful.
- The corpus was annotated by AI annotation sessions following written guidelines (see the
  corpus's DATA_CARD.md), not by a team of people; its test split is small ({counts["test"]}
  sentences).
- One sentence at a time: no document context (a bare *sidang* cannot be told from its article).
- The dev split is small too (255 sentences): refitting after a change of a few lexicon entries
  moves dev micro-F1 by about ±0.01 in sentences the change does not touch, so differences of
  that size between settings or versions are noise.
- Known misses (seed page of issue 12): a verb whose sense depends on its object (*maju* of
  troops is a movement, of a candidate a nomination), a misspelt object (*pasuaknnya*), a
  successor *dipilih* (picked, nominated) read as no event, *berkonsultasi* between states.
"""
