"""`builder train`: retrain the models on public data plus the workspace gold, score them against the
current ones, write them versioned into the workspace, and promote the ones that are not worse.

The workspace lock is held only to reserve a version and to write the card and the promotion, so
pulls and pushes are not held up by a training of several minutes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

from builder.core.schema import Schema
from builder.events.lexicon import load_lexicon
from builder.events.model import MODEL_NAME as EVENT_MODEL_NAME
from builder.events.model import EventModel
from builder.learn.card import model_card
from builder.learn.events import (
    EventData,
    event_data,
    score_events,
    train_event_model,
)
from builder.learn.gold import GoldSet, read_gold
from builder.learn.ner import NerData, NerOptions, ner_data, score_ner, train_ner_model
from builder.learn.options import Outcome, TrainOptions, TrainResult
from builder.ner.crf import MODEL_FILE, CrfNerModel
from builder.ner.crf import MODEL_NAME as NER_MODEL_NAME
from builder.workspace.layout import Workspace
from builder.workspace.models import (
    next_version,
    promote,
    read_promoted,
    version_dir,
    versioned_name,
)
from builder.workspace.parts import atomic_write, atomic_write_json

BASE_NAMES = {"ner": NER_MODEL_NAME, "events": EVENT_MODEL_NAME}


def train_workspace(workspace: Workspace, schema: Schema, options: TrainOptions) -> TrainResult:
    """Train the chosen models, score new and current on the held-out data, write and promote."""
    say = options.on_progress or (lambda message: None)
    say("reading the workspace gold")
    gold = read_gold(workspace, schema, holdout_fraction=options.holdout_fraction)
    outcomes = []
    if options.train_ner:
        outcomes.append(_run(workspace, "ner", gold, options, say, _train_ner))
    if options.train_events:
        outcomes.append(_run(workspace, "events", gold, options, say, partial(_train_events, schema=schema)))
    run_id = workspace.new_run_id()
    with workspace.lock("train"):
        report = workspace.write_report(f"train-{run_id}", _report(gold, outcomes, options))
    return TrainResult(gold, outcomes, report)


def _run(workspace: Workspace, kind: str, gold: GoldSet, options: TrainOptions, say: Callable[[str], None],
         train: Callable[..., Outcome]) -> Outcome:
    base = BASE_NAMES[kind]
    with workspace.lock(f"train {kind}"):
        version = next_version(workspace, base)
        folder = version_dir(workspace, base, version)
        folder.mkdir(parents=True)  # reserves the version: a later run takes the next one
    try:
        outcome = train(workspace, gold, options, folder, version, say)
        with workspace.lock(f"train {kind}"):
            _decide(outcome, gold, options.force)
            if outcome.promoted:
                promote(workspace, kind, outcome.name, version, outcome.model_file, forced=outcome.forced)
            atomic_write(folder / "MODEL_CARD.md", model_card(outcome, gold, options))
            atomic_write_json(folder / "metrics.json", _outcome_json(outcome))
        return outcome
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _current(workspace: Workspace, kind: str) -> tuple[str, Path | None]:
    """The current model's name and file: the promoted one, or (None) the packaged one."""
    promoted = read_promoted(workspace).get(kind)
    if promoted is None:
        return "", None
    return promoted.name, promoted.path


def _train_ner(workspace: Workspace, gold: GoldSet, options: TrainOptions, folder: Path, version: int,
               say: Callable[[str], None]) -> Outcome:
    name = versioned_name(NER_MODEL_NAME, version)
    say("NER: reading the public sets")
    data: NerData = ner_data(gold, options.ner)
    path = folder / MODEL_FILE.replace(NER_MODEL_NAME, name)
    say(f"NER: training the CRF on {len(data.train):,} sentences ({len(data.gold_train):,} from the workspace)")
    started = time.perf_counter()
    train_ner_model(data, path, name, options.ner)
    seconds = time.perf_counter() - started
    say(f"NER: scoring on {len(data.evaluation):,} held-out sentences")
    after = score_ner(CrfNerModel.load(path), data)
    current_name, current_path = _current(workspace, "ner")
    details: dict[str, Any] = {"params": _params(options.ner), "seed": options.ner.seed,
                               "dev_fraction": options.ner.dev_fraction}
    if current_path is not None:
        before = score_ner(CrfNerModel.load(current_path), data)
        details["current_scored"] = "the promoted model itself"
    elif not gold.sentences:
        before = after  # the new model is the packaged recipe on the public train split
        current_name = f"{NER_MODEL_NAME} (packaged)"
        details["current_scored"] = "the new model (no workspace gold: the same recipe and data)"
    else:
        # The packaged model was trained on the public dev split too, so it would be scored on its own
        # training data; the same recipe on the public train split alone stands in for it.
        current_name = f"{NER_MODEL_NAME} (packaged)"
        say("NER: training the packaged recipe on the public train split alone, to stand in for the packaged model")
        with tempfile.TemporaryDirectory() as tmp:
            twin = Path(tmp) / MODEL_FILE
            twin_started = time.perf_counter()
            train_ner_model(data, twin, NER_MODEL_NAME, options.ner, public_only=True)
            details["current_train_seconds"] = round(time.perf_counter() - twin_started, 2)
            before = score_ner(CrfNerModel.load(twin), data)
        details["current_scored"] = ("the packaged recipe retrained on the public train split alone (the packaged "
                                     "model itself has seen the public dev split)")
    return Outcome("ner", name, version, folder, path, current_name, before, after, False, False, "",
                   data.sentence_counts(), dict(data.counts), seconds, details)


def _params(options: NerOptions) -> dict[str, Any]:
    p = options.params
    return {"c1": p.c1, "c2": p.c2, "max_iterations": p.max_iterations, "min_feature_freq": p.min_feature_freq,
            "lexicon_folds": p.lexicon_folds}


def _train_events(workspace: Workspace, gold: GoldSet, options: TrainOptions, folder: Path, version: int,
                  say: Callable[[str], None], *, schema: Schema) -> Outcome:
    name = versioned_name(EVENT_MODEL_NAME, version)
    say("events: reading the event corpus")
    data: EventData = event_data(gold, schema, options.events)
    path = folder / f"{name}.json"
    say(f"events: training the trigger classifier on {len(data.train):,} sentences "
        f"({len(data.gold_train):,} from the workspace)" + (", tuning on dev first" if options.events.retune else ""))
    started = time.perf_counter()
    model, setting = train_event_model(data, load_lexicon(options.events.lexicon), name, options.events)
    model.save(path)
    seconds = time.perf_counter() - started
    say("events: scoring")
    after = score_events(EventModel.load(path), data)
    current_name, current_path = _current(workspace, "events")
    current = EventModel.load(current_path)  # None: the packaged model (it has not seen the test split)
    before = score_events(current, data)
    details = {"setting": setting.__dict__, "seed": options.events.train.seed,
               "current_scored": "the promoted model itself" if current_path else "the packaged model itself"}
    return Outcome("events", name, version, folder, path, current_name or f"{current.name} (packaged)", before, after,
                   False, False, "", data.sentence_counts(), dict(data.counts), seconds, details)


def _decide(outcome: Outcome, gold: GoldSet, force: bool) -> None:
    """Promote when not worse on the combined figure (and there was gold to learn from), or when forced."""
    new, old = round(outcome.after.combined, 4), round(outcome.before.combined, 4)
    if not gold.sentences:
        better, why = False, "no workspace gold to learn from: the new model adds nothing to the current one"
    elif new >= old:
        better, why = True, f"not worse on the combined figure: micro-F1 {new:.4f} >= {old:.4f}"
    else:
        better, why = False, f"worse on the combined figure: micro-F1 {new:.4f} < {old:.4f}"
    outcome.promoted = better or force
    outcome.forced = force and not better
    outcome.reason = f"promoted with --force although {why}" if outcome.forced else (
        f"promoted: {why}" if better else f"not promoted: {why} (use --force to promote it anyway)")


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "kind": outcome.kind, "name": outcome.name, "version": outcome.version,
        "model_file": outcome.model_file.name, "current": outcome.current,
        "before": outcome.before.as_dict(), "after": outcome.after.as_dict(),
        "promoted": outcome.promoted, "forced": outcome.forced, "reason": outcome.reason,
        "sentences": outcome.sentences, "notes": outcome.notes, "train_seconds": round(outcome.seconds, 2),
        **outcome.details,
    }


def _report(gold: GoldSet, outcomes: list[Outcome], options: TrainOptions) -> dict[str, Any]:
    return {
        "finished_at": f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ}",
        "command": options.command,
        "gold": {"sentences": len(gold.sentences), "train": len(gold.train), "held_out": len(gold.held_out),
                 "holdout_fraction": gold.holdout_fraction, "counts": dict(gold.counts),
                 "snapshots": list(gold.snapshots)},
        "models": [json.loads(json.dumps(_outcome_json(o), default=str)) for o in outcomes],
    }
