"""`builder eval learning-curve`: how fast the pre-labeller learns from corrections, random order against the
ranked queue, with simulated annotators.

The annotators are simulated by gold data: a "correction" of a sentence is its gold annotation. They correct
sentences in batches (cumulative sizes such as 100, 200, 400, 800); after each batch the model is retrained with
the project's own training functions and scored on a fixed test set. Two orders pick the next batch:

- `random`: the pool shuffled by a seed (several seeds: their mean and spread are reported);
- `ranked`: the queue the push gives annotators (`builder.prelabel.ranking`): the sentences the *current* model
  is least sure of first (`sentence_uncertainty` of the CRF token marginals, or of the event candidates' class
  probabilities), spread over articles by `ranked`.

A task without a model before the first correction (events: there is no other event corpus) takes its first
batch at random in both orders (the same sentences for the same seed); the queue ranks from the second batch on.
"""

from __future__ import annotations

import json
import math
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from builder.events.corpus import EventSentence
from builder.events.lexicon import EventLexicon
from builder.events.model import EventModel
from builder.events.train import (
    EventTrainOptions,
    Setting,
    classifier_predictor,
    fit_classifier,
    lexicon_rules,
    score,
    tokens_of,
)
from builder.events.vocabulary import build_vocabulary
from builder.ner.conll import TaggedSentence
from builder.ner.crf import MODEL_FILE, CrfNerModel, lexicon_path
from builder.ner.train import (
    CORPORA,
    CrfParams,
    Example,
    NerCorpus,
    deduplicate,
    evaluate,
    load_corpora,
    train_crf,
)
from builder.prelabel.ranking import DEFAULT_DECAY, ranked, sentence_uncertainty

ORDERS = ("random", "ranked")
DEFAULT_SIZES = (100, 200, 400, 800)
#: The shipped event model's setting, chosen on dev by `builder train-events` (EVENT_MODEL_CARD.md): C = 32,
#: threshold 0.2, each single-word lexicon entry as 3 examples, lexicon rules from precision 0.7. The curve keeps
#: it fixed instead of re-tuning at every point (tuning needs a dev split and costs 12 fits per point).
EVENT_SETTING = Setting(c=32.0, threshold=0.2, lexicon_copies=3, rule_cutoff=0.7)
#: CRF iterations per retraining; the shipped model uses 200 (CrfParams), the curve fewer for speed.
DEFAULT_CRF_ITERATIONS = 50


class CurveTask(Protocol):
    """What the curve needs of a task: a pool of gold sentences, training, scoring and confidences."""

    name: str
    pool_size: int

    def group(self, index: int) -> Hashable:
        """The article of pool sentence `index` (the queue spreads over articles)."""

    def start(self) -> object | None:
        """The model before any correction, or None when there is none."""

    def train(self, indices: Sequence[int]) -> object:
        """A model retrained with the corrections of these pool sentences."""

    def score(self, model: object) -> dict[str, float]:
        """Micro precision, recall and F1 of `model` on the fixed test set."""

    def uncertainties(self, model: object, indices: Sequence[int]) -> list[float]:
        """`sentence_uncertainty` of each of these pool sentences under `model`."""

    def tokens(self, indices: Sequence[int]) -> int:
        """How many tokens these pool sentences hold (the work of correcting them, roughly)."""


# --- NER ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NerData:
    """Where NER corrections come from (`pool`), what the model knows before them (`base`), what it is scored on."""

    pool: list[Example]
    test: list[Example]
    base: list[Example]
    notes: dict[str, Any] = field(default_factory=dict)


def load_ner_data(data_dir: Path, *, start: str = "transfer", target: NerCorpus = CORPORA[0],
                  others: Sequence[NerCorpus] = CORPORA[1:]) -> NerData:
    """The target set's train file as the pool and its dev file as the test set (idner-news-2k by default: its
    test split is never read); with `start="transfer"` the other shippable sets as the base the model starts
    from. Deduplicated in the order dev, train, others, so no test sentence is in the pool or the base, and no
    pool sentence in the base (indolem-nerugm shares about 1,000 sentences with idner-news-2k)."""
    if start not in ("transfer", "seed"):
        raise ValueError(f"NER start {start!r}: give 'transfer' (model trained on the other sets) or 'seed'")
    dev_file, train_file = "dev.txt", "train.txt"
    for needed in (dev_file, train_file):
        if needed not in target.files:
            raise ValueError(f"corpus {target.name!r} has no {needed} among {target.files}")
    test = load_corpora(data_dir, [replace(target, files=(dev_file,))])
    pool = load_corpora(data_dir, [replace(target, files=(train_file,))])
    base = load_corpora(data_dir, others) if start == "transfer" else []
    tagged = [Example(e.sentence, f"test:{e.corpus}") for e in test] + [
        Example(e.sentence, f"pool:{e.corpus}") for e in pool] + base
    kept, dropped = deduplicate(tagged)
    out = NerData(
        pool=[Example(e.sentence, e.corpus.removeprefix("pool:")) for e in kept if e.corpus.startswith("pool:")],
        test=[Example(e.sentence, e.corpus.removeprefix("test:")) for e in kept if e.corpus.startswith("test:")],
        base=[e for e in kept if not e.corpus.startswith(("pool:", "test:"))],
        notes={"target": target.name, "pool_file": train_file, "test_file": dev_file, "start": start,
               "base_corpora": [c.name for c in others] if start == "transfer" else [],
               "duplicates_dropped": dict(sorted(dropped.items()))},
    )
    if not out.pool or not out.test:
        raise ValueError(f"{data_dir}/{target.name}: {len(out.pool)} pool and {len(out.test)} test sentences after "
                         "deduplication; the curve needs both")
    return out


class NerTask:
    """The CRF NER model (`builder.ner.train.train_crf`), retrained on the base plus the corrections."""

    name = "ner"

    def __init__(self, data: NerData, params: CrfParams, work_dir: Path) -> None:
        self.data = data
        self.params = params
        self.work_dir = work_dir
        self.pool_size = len(data.pool)
        self._trained = 0

    def group(self, index: int) -> Hashable:
        return index  # the public NER sets carry no article ids: every sentence is its own article

    def _fit(self, sentences: list[TaggedSentence]) -> CrfNerModel:
        self._trained += 1
        path = self.work_dir / f"{self._trained}-{MODEL_FILE}"
        train_crf(sentences, path, self.params, seed=0)
        model = CrfNerModel.load(path)
        path.unlink()  # the model is in memory now (tagger and compiled weights)
        lexicon_path(path).unlink()
        return model

    def start(self) -> CrfNerModel | None:
        return self._fit([e.sentence for e in self.data.base]) if self.data.base else None

    def train(self, indices: Sequence[int]) -> CrfNerModel:
        return self._fit([e.sentence for e in self.data.base] + [self.data.pool[i].sentence for i in indices])

    def score(self, model: object) -> dict[str, float]:
        assert isinstance(model, CrfNerModel)
        micro = evaluate(model, self.data.test)[0]["micro avg"]
        assert isinstance(micro, dict)
        return {"precision": micro["precision"], "recall": micro["recall"], "f1": micro["f1-score"]}

    def uncertainties(self, model: object, indices: Sequence[int]) -> list[float]:
        assert isinstance(model, CrfNerModel)
        tagged = model.predict([list(self.data.pool[i].sentence.tokens) for i in indices])
        return [sentence_uncertainty(t.scores) for t in tagged]

    def tokens(self, indices: Sequence[int]) -> int:
        return sum(len(self.data.pool[i].sentence.tokens) for i in indices)


# --- events ----------------------------------------------------------------------------

class EventTask:
    """The event trigger classifier, fitted as `builder train-events` fits the shipped one (fixed setting)."""

    name = "events"

    def __init__(self, pool: Sequence[EventSentence], test: Sequence[EventSentence], lexicon: EventLexicon,
                 setting: Setting = EVENT_SETTING, options: EventTrainOptions = EventTrainOptions()) -> None:
        if not pool or not test:
            raise ValueError(f"the event curve needs pool and test sentences; got {len(pool)} and {len(test)}")
        self.pool = list(pool)
        self.test = list(test)
        self.lexicon = lexicon
        self.setting = setting
        self.options = options
        self.pool_size = len(self.pool)

    def group(self, index: int) -> Hashable:
        return self.pool[index].doc

    def start(self) -> None:
        return None  # no event corpus but the team's: the model starts from the first batch

    def train(self, indices: Sequence[int]) -> EventModel:
        chosen = [self.pool[i] for i in indices]
        model = fit_classifier(build_vocabulary(chosen, self.lexicon), chosen, self.setting, self.options)
        return model.with_rules(lexicon_rules(self.lexicon, chosen, self.setting.rule_cutoff,
                                              self.options.rule_prior_weight))

    def score(self, model: object) -> dict[str, float]:
        assert isinstance(model, EventModel)
        micro = score(self.test, classifier_predictor(model)(self.test)).types["micro avg"]
        return {"precision": micro["precision"], "recall": micro["recall"], "f1": micro["f1-score"]}

    def uncertainties(self, model: object, indices: Sequence[int]) -> list[float]:
        """Least confidence over the sentence's candidates: the probability of the class the classifier chose
        for each (no event included); a sentence without a candidate counts as certain."""
        assert isinstance(model, EventModel)
        candidates = [[feats for _, feats in model.candidates(tokens_of(self.pool[i]))] for i in indices]
        flat = [feats for found in candidates for feats in found]
        best = model.probabilities(flat).max(axis=1).tolist() if flat else []
        out, row = [], 0
        for found in candidates:
            out.append(sentence_uncertainty(best[row: row + len(found)]))
            row += len(found)
        return out

    def tokens(self, indices: Sequence[int]) -> int:
        return sum(len(tokens_of(self.pool[i])) for i in indices)


# --- the curve -------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    """One retraining: the order and seed, how many sentences were corrected, the test scores, the cost."""

    order: str
    seed: int | None
    size: int
    tokens: int
    f1: float
    precision: float
    recall: float
    train_seconds: float
    train_cpu_seconds: float
    select_seconds: float


@dataclass
class Run:
    """One pass through the pool in one order: a point per batch and the pool sentences in the order corrected."""

    order: str
    seed: int
    points: list[Point]
    selected: list[int]


@dataclass
class Curve:
    """A task's runs, the start point (when the model has one) and the settings."""

    task: str
    pool_size: int
    sizes: tuple[int, ...]
    start: Point | None
    runs: list[Run]
    settings: dict[str, Any]

    def mean_curve(self, order: str) -> list[tuple[int, float]]:
        """(size, mean F1 over the runs of this order), the start point first when there is one."""
        runs = [r for r in self.runs if r.order == order]
        points = [(0, self.start.f1)] if self.start is not None else []
        for k, size in enumerate(self.sizes):
            points.append((size, statistics.fmean(r.points[k].f1 for r in runs)))
        return points

    def summary(self) -> dict[str, Any]:
        """Per order and size: mean, sample standard deviation, min and max F1 over the runs; and the reach."""
        table: dict[str, Any] = {}
        for order in ORDERS:
            runs = [r for r in self.runs if r.order == order]
            table[order] = [
                {"size": size, "runs": len(runs), "mean_f1": statistics.fmean(f1s),
                 "mean_tokens": statistics.fmean(r.points[k].tokens for r in runs),
                 "std_f1": statistics.stdev(f1s) if len(f1s) > 1 else 0.0, "min_f1": min(f1s), "max_f1": max(f1s)}
                for k, size in enumerate(self.sizes) for f1s in ([r.points[k].f1 for r in runs],)
            ]
        target = table["random"][-1]["mean_f1"]
        needed = sentences_to_reach(self.mean_curve("ranked"), target)
        final = self.sizes[-1]
        start = [(0, self.start.f1)] if self.start is not None else []
        needed_tokens = sentences_to_reach(start + [(row["mean_tokens"], row["mean_f1"]) for row in table["ranked"]],
                                           target)
        final_tokens = table["random"][-1]["mean_tokens"]
        table["reach"] = {
            "target": "mean F1 of the random order after the last batch", "target_f1": target,
            "random_sentences": final, "ranked_sentences": needed,
            # The random order may get there before its last batch (its curve is noisy): where it first does.
            "random_first_reaches": sentences_to_reach(self.mean_curve("random"), target),
            "saved_fraction": None if needed is None else 1.0 - needed / final,
            "random_tokens": final_tokens, "ranked_tokens": needed_tokens,
            "saved_tokens_fraction": None if needed_tokens is None else 1.0 - needed_tokens / final_tokens,
            "how": "first crossing of the target by the ranked order's mean curve (start point included), "
                   "linear interpolation between the two points around it; None: not reached within the sizes. "
                   "The token figures do the same on the (mean tokens corrected, mean F1) curve",
        }
        return table

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "pool_size": self.pool_size, "sizes": list(self.sizes), "settings": self.settings,
                "start": asdict(self.start) if self.start is not None else None,
                "runs": [{"order": r.order, "seed": r.seed, "points": [asdict(p) for p in r.points],
                          "selected": r.selected} for r in self.runs],
                "summary": self.summary()}


def sentences_to_reach(curve: Sequence[tuple[int, float]], target: float) -> float | None:
    """How many corrected sentences `curve` (size, F1 points, sizes rising) needs to reach `target`: the size where
    it first gets there, interpolated linearly between the last point below and the first point at or above."""
    for k, (size, f1) in enumerate(curve):
        if f1 >= target:
            if k == 0:
                return float(size)
            before, f1_before = curve[k - 1]
            return before + (target - f1_before) * (size - before) / (f1 - f1_before)
    return None


def check_sizes(sizes: Sequence[int], pool_size: int, task: str) -> tuple[int, ...]:
    """Cumulative batch sizes, rising, positive, no larger than the pool."""
    if not sizes:
        raise ValueError("give at least one batch size")
    if any(s < 1 for s in sizes) or any(b <= a for a, b in zip(sizes, sizes[1:], strict=False)):
        raise ValueError(f"batch sizes {list(sizes)} must be positive and rising (cumulative sentence counts)")
    if sizes[-1] > pool_size:
        raise ValueError(f"the last batch size {sizes[-1]} is larger than the {task} pool ({pool_size} sentences); "
                         "give smaller --sizes")
    return tuple(sizes)


def _timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run_order(task: CurveTask, order: str, seed: int, sizes: Sequence[int], start: object | None, *,
              decay: float = DEFAULT_DECAY, progress: Callable[[str], None] = lambda _: None) -> Run:
    """Correct the pool batch by batch in this order, retraining and scoring after each batch."""
    if order not in ORDERS:
        raise ValueError(f"order {order!r}: give one of {', '.join(ORDERS)}")
    remaining = list(range(task.pool_size))
    random.Random(seed).shuffle(remaining)  # the random order; and the tie order of the ranked queue
    selected: list[int] = []
    model = start
    points = []
    for size in sizes:
        begun = time.perf_counter()
        if order == "ranked" and model is not None:
            scores = dict(zip(remaining, task.uncertainties(model, remaining), strict=True))
            remaining = ranked(remaining, scores.__getitem__, task.group, decay=decay)
        batch, remaining = remaining[: size - len(selected)], remaining[size - len(selected):]
        select_seconds = time.perf_counter() - begun
        selected += batch
        model, wall, cpu = _timed(lambda: task.train(selected))
        scores_now = task.score(model)
        points.append(Point(order, seed, size, task.tokens(selected), scores_now["f1"], scores_now["precision"], scores_now["recall"],
                            wall, cpu, select_seconds))
        progress(f"{task.name} {order} seed {seed}: {size} sentences, F1 {scores_now['f1']:.4f} "
                 f"(trained in {wall:.1f} s)")
    return Run(order, seed, points, selected)


def learning_curve(task: CurveTask, sizes: Sequence[int], seeds: Sequence[int], *, decay: float = DEFAULT_DECAY,
                   settings: dict[str, Any] | None = None,
                   progress: Callable[[str], None] = lambda _: None) -> Curve:
    """Random order for every seed and the ranked queue. With a start model the queue does not depend on the
    seed (only its ties do), so it runs once, with the first seed; without one, once per seed (its first batch
    is that seed's random batch)."""
    if not seeds:
        raise ValueError("give at least one seed")
    sizes = check_sizes(sizes, task.pool_size, task.name)
    model, wall, cpu = _timed(task.start)
    start = None
    if model is not None:
        s = task.score(model)
        start = Point("start", None, 0, 0, s["f1"], s["precision"], s["recall"], wall, cpu, 0.0)
        progress(f"{task.name} start: F1 {s['f1']:.4f} (trained in {wall:.1f} s)")
    runs = [run_order(task, "random", seed, sizes, model, decay=decay, progress=progress) for seed in seeds]
    ranked_seeds = seeds[:1] if model is not None else seeds
    runs += [run_order(task, "ranked", seed, sizes, model, decay=decay, progress=progress) for seed in ranked_seeds]
    return Curve(task.name, task.pool_size, sizes, start, runs, {**(settings or {}), "decay": decay,
                                                                   "seeds": list(seeds)})


def ner_curve(data_dir: Path, sizes: Sequence[int], seeds: Sequence[int], *, start: str = "transfer",
              crf_iterations: int = DEFAULT_CRF_ITERATIONS, decay: float = DEFAULT_DECAY,
              progress: Callable[[str], None] = lambda _: None) -> Curve:
    """The NER curve on the public sets under `data_dir` (see `load_ner_data`)."""
    data = load_ner_data(data_dir, start=start)
    params = CrfParams(max_iterations=crf_iterations)
    settings = {**data.notes, "pool_sentences": len(data.pool), "test_sentences": len(data.test),
                "base_sentences": len(data.base), "crf": asdict(params), "data_dir": str(data_dir),
                "uncertainty": "1 - lowest CRF marginal of the predicted tags (sentence_uncertainty)",
                "articles": "none in the data: each sentence is its own group, so the queue is a plain sort"}
    with tempfile.TemporaryDirectory(prefix="learning-curve-") as work:
        return learning_curve(NerTask(data, params, Path(work)), sizes, seeds, decay=decay, settings=settings,
                              progress=progress)


def event_curve(corpus: Sequence[EventSentence], lexicon: EventLexicon, sizes: Sequence[int], seeds: Sequence[int],
                *, test_split: str = "test", decay: float = DEFAULT_DECAY, setting: Setting = EVENT_SETTING,
                progress: Callable[[str], None] = lambda _: None) -> Curve:
    """The event curve: the corpus's train split is the pool, `test_split` (test or dev) the fixed test set."""
    if test_split not in ("dev", "test"):
        raise ValueError(f"event test split {test_split!r}: give dev or test")
    pool = [s for s in corpus if s.split == "train"]
    test = [s for s in corpus if s.split == test_split]
    settings = {"pool_split": "train", "test_split": test_split, "pool_sentences": len(pool),
                "test_sentences": len(test), "pool_documents": len({s.doc for s in pool}),
                "setting": asdict(setting), "lexicon": lexicon.name,
                "uncertainty": "1 - lowest class probability chosen for a trigger candidate (sentence_uncertainty)",
                "f1": "micro-F1 of sentence event types"}
    return learning_curve(EventTask(pool, test, lexicon, setting), sizes, seeds, decay=decay, settings=settings,
                          progress=progress)


# --- output ----------------------------------------------------------------------------

def plot_curves(curves: Sequence[Curve], path: Path) -> None:
    """One panel per task: each order's mean F1 against corrected sentences, the spread over seeds shaded
    (min to max), single seeds faint, the random order's final F1 dashed and where the queue reaches it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"random": "#636363", "ranked": "#d95f0e"}
    figure, axes_row = plt.subplots(1, len(curves), figsize=(5.2 * len(curves), 3.8), squeeze=False)
    for axes, curve in zip(axes_row[0], curves, strict=True):
        summary = curve.summary()
        start = [(0, curve.start.f1)] if curve.start is not None else []
        for order in ORDERS:
            runs = [r for r in curve.runs if r.order == order]
            mean = curve.mean_curve(order)
            label = f"{order} ({len(runs)} run{'s' if len(runs) > 1 else ''})"
            axes.plot([x for x, _ in mean], [y for _, y in mean], marker="o", color=colours[order], label=label)
            if len(runs) > 1:
                rows = summary[order]
                xs = [x for x, _ in start] + [row["size"] for row in rows]
                axes.fill_between(xs, [y for _, y in start] + [row["min_f1"] for row in rows],
                                  [y for _, y in start] + [row["max_f1"] for row in rows],
                                  color=colours[order], alpha=0.15, linewidth=0)
                for run in runs:
                    axes.plot([x for x, _ in start] + [p.size for p in run.points],
                              [y for _, y in start] + [p.f1 for p in run.points],
                              color=colours[order], alpha=0.25, linewidth=0.8)
        reach = summary["reach"]
        axes.axhline(reach["target_f1"], color=colours["random"], linestyle="--", linewidth=0.8)
        if reach["ranked_sentences"] is not None:
            axes.axvline(reach["ranked_sentences"], color=colours["ranked"], linestyle=":", linewidth=0.8)
            note = (f"ranked reaches random's final F1 at {reach['ranked_sentences']:.0f} sentences "
                    f"({100 * reach['saved_fraction']:.0f} % fewer)")
        else:
            note = "ranked does not reach random's final F1"
        axes.set_title(f"{curve.task}: {note}", fontsize=8)
        axes.set_xlabel("corrected sentences")
        axes.set_ylabel("micro F1 on the fixed test set")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def curves_json(curves: Sequence[Curve], settings: dict[str, Any]) -> dict[str, Any]:
    """Everything the run measured: the settings, every point of every run, the summaries and the timings."""
    return {"settings": settings, "tasks": {c.task: c.to_json() for c in curves},
            "seconds": {c.task: {"train_wall": math.fsum(p.train_seconds for r in c.runs for p in r.points)
                                 + (c.start.train_seconds if c.start else 0.0),
                                 "train_cpu": math.fsum(p.train_cpu_seconds for r in c.runs for p in r.points)
                                 + (c.start.train_cpu_seconds if c.start else 0.0),
                                 "select": math.fsum(p.select_seconds for r in c.runs for p in r.points)}
                        for c in curves}}


_INT_LIST = re.compile(r"\[(\s*-?\d+(?:,\s*-?\d+)*\s*)\]")


def dumps(data: dict[str, Any]) -> str:
    """JSON, indented, with lists of whole numbers (the sentences each run chose) kept on one line."""
    text = json.dumps(data, indent=1)
    return _INT_LIST.sub(lambda m: "[" + re.sub(r"\s+", "", m.group(1)).replace(",", ", ") + "]", text) + "\n"
