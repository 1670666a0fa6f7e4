"""`builder train`: models retrained from the workspace gold, versioned, scored against the current one, promoted
only when not worse (or forced), and used by `builder prelabel` afterwards."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from builder.cli.app import app
from builder.core.schema import load_schema
from builder.learn.gold import read_gold
from builder.learn.options import TrainOptions
from builder.learn.run import train_workspace
from builder.workspace.human import ACCEPTED
from builder.workspace.layout import Workspace
from builder.workspace.models import promoted_models, read_promoted
from tests.learn.conftest import write_cli_data

runner = CliRunner()


def test_gold_is_the_accepted_sentences_with_a_stable_held_back_slice(gold_workspace: Workspace) -> None:
    final = pq.read_table(gold_workspace.final_path).to_pylist()
    accepted = {r["sentence_id"] for r in final if r["status"] == ACCEPTED}
    gold = read_gold(gold_workspace, load_schema(), holdout_fraction=0.2)
    assert {g.sentence.id for g in gold.sentences} == accepted  # never review or skipped
    assert gold.counts["status review"] > 0 and gold.counts["status skipped"] > 0
    assert 0 < len(gold.held_out) < len(gold.sentences)
    held_articles = {g.sentence.article_id for g in gold.held_out}
    assert held_articles.isdisjoint(g.sentence.article_id for g in gold.train)  # split by article
    again = read_gold(gold_workspace, load_schema(), holdout_fraction=0.2)
    assert [g.sentence.id for g in again.held_out] == [g.sentence.id for g in gold.held_out]


def test_versions_promotion_force_and_determinism(gold_workspace: Workspace,
                                                  small_options: Callable[..., TrainOptions]) -> None:
    ws, schema = gold_workspace, load_schema()
    first = train_workspace(ws, schema, small_options(force=True))
    ner1, events1 = first.outcomes
    assert (ner1.name, events1.name) == ("id_news.ner.crf.v2+ws1", "id_news.events.v2+ws1")
    assert ner1.promoted and events1.promoted
    assert ner1.reason.startswith("promoted") and (ner1.forced == (ner1.after.combined < ner1.before.combined))
    assert promoted_models(ws) == {"ner": ner1.model_file, "events": events1.model_file}
    card = (ner1.folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "id_news.ner.crf.v2+ws1" in card and "| workspace |" in card and "Command:" in card
    metrics = json.loads((ner1.folder / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["sentences"]["workspace"]["train"] == len(first.gold.train)
    assert metrics["sentences"]["workspace"]["evaluation"] == len(first.gold.held_out)

    # Same inputs: the same model (only the name in the lexicon header and the event JSON differs),
    # so not worse than the promoted one: promoted as version 2.
    second = train_workspace(ws, schema, small_options())
    ner2, events2 = second.outcomes
    assert (ner2.version, events2.version) == (2, 2)
    assert ner2.model_file.read_bytes() == ner1.model_file.read_bytes()
    lexicon1, lexicon2 = (p.with_name(p.name.replace(".crfsuite", ".lexicon.tsv")) for p in (ner1.model_file,
                                                                                            ner2.model_file))
    assert lexicon1.read_text().splitlines()[1:] == lexicon2.read_text().splitlines()[1:]
    assert events1.model_file.with_suffix(".npz").read_bytes() == events2.model_file.with_suffix(".npz").read_bytes()
    assert ner2.after.combined == ner2.before.combined and ner2.promoted and not ner2.forced
    assert read_promoted(ws)["ner"].name == "id_news.ner.crf.v2+ws2"

    # A CRF stopped after one iteration is worse: kept as version 3, not promoted.
    third = train_workspace(ws, schema, small_options(iterations=1, train_events=False))
    (ner3,) = third.outcomes
    assert ner3.version == 3 and ner3.after.combined < ner3.before.combined
    assert not ner3.promoted and "not promoted" in ner3.reason and "--force" in ner3.reason
    assert ner3.model_file.is_file() and read_promoted(ws)["ner"].name == "id_news.ner.crf.v2+ws2"

    # The same with --force: promoted, and it says so.
    fourth = train_workspace(ws, schema, small_options(iterations=1, train_events=False, force=True))
    (ner4,) = fourth.outcomes
    assert ner4.promoted and ner4.forced and ner4.reason.startswith("promoted with --force although worse")
    promoted = read_promoted(ws)
    assert promoted["ner"].name == "id_news.ner.crf.v2+ws4" and promoted["ner"].forced
    assert promoted["events"].name == "id_news.events.v2+ws2"
    report = json.loads(fourth.report.read_text(encoding="utf-8"))
    assert report["models"][0]["forced"] is True and report["gold"]["sentences"] == len(fourth.gold.sentences)


def test_prelabel_uses_the_promoted_models_and_stores_their_labels_apart(
        gold_workspace: Workspace, small_options: Callable[..., TrainOptions]) -> None:
    ws = gold_workspace
    before = runner.invoke(app, ["prelabel", "--workspace", str(ws.root), "--workers", "1"])
    assert before.exit_code == 0, before.output
    packaged_folder = ws.latest_prelabels()
    assert packaged_folder is not None
    assert "model:id_news.ner.crf.v2" in Workspace.prelabeller_versions(packaged_folder)
    train_workspace(ws, load_schema(), small_options(force=True))
    after = runner.invoke(app, ["prelabel", "--workspace", str(ws.root), "--workers", "1"])
    assert after.exit_code == 0, after.output
    assert "id_news.ner.crf.v2+ws1" in after.output
    folder = ws.latest_prelabels()
    assert folder is not None and folder != packaged_folder
    versions = Workspace.prelabeller_versions(folder)
    assert "model:id_news.ner.crf.v2+ws1" in versions and "model:id_news.events.v2+ws1" in versions
    sources = {s.source for labels in Workspace.iter_prelabels(folder) for s in labels.labels.entities}
    assert "model:id_news.ner.crf.v2+ws1" in sources and "model:id_news.ner.crf.v2" not in sources
    assert ws.count_sentences() == len(list(Workspace.iter_prelabels(folder)))
    # An explicit --model still wins over the promoted one.
    explicit = runner.invoke(app, ["prelabel", "--workspace", str(ws.root), "--workers", "1", "--model",
                                   str(Path(__file__).resolve().parents[2] / "builder" / "resources" /
                                       "id_news.ner.crf.v2.crfsuite")])
    assert explicit.exit_code == 0, explicit.output
    assert "model:id_news.ner.crf.v2" in Workspace.prelabeller_versions(ws.latest_prelabels())  # type: ignore[arg-type]


def test_cli_trains_reports_per_label_and_writes_json(gold_workspace: Workspace, tmp_path: Path) -> None:
    data, corpus = write_cli_data(tmp_path)
    out = tmp_path / "train.json"
    result = runner.invoke(app, ["train", "--workspace", str(gold_workspace.root), "--data-dir", str(data),
                                 "--events-corpus", str(corpus), "--max-iterations", "5", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "ner: id_news.ner.crf.v2 (packaged) → id_news.ner.crf.v2+ws1" in result.output
    assert "micro avg" in result.output and "PER" in result.output and "workspace gold:" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [m["name"] for m in report["models"]] == ["id_news.ner.crf.v2+ws1", "id_news.events.v2+ws1"]
    assert set(report["models"][0]["after"]["labels"]) >= {"PER", "micro avg"}


def test_cli_without_gold_trains_on_public_data_and_does_not_promote(examples_dir: Path, workspace: Workspace,
                                                                     tmp_path: Path) -> None:
    from builder.ingest.run import ingest

    ingest([examples_dir], workspace=workspace)
    data, corpus = write_cli_data(tmp_path)
    result = runner.invoke(app, ["train", "--workspace", str(workspace.root), "--data-dir", str(data),
                                 "--events-corpus", str(corpus), "--max-iterations", "5", "--no-events"])
    assert result.exit_code == 0, result.output
    assert "no accepted gold" in result.output and "public data only" in result.output
    assert "not promoted: no workspace gold" in result.output
    assert read_promoted(workspace) == {}
    assert (workspace.models_dir / "id_news.ner.crf.v2" / "1" / "MODEL_CARD.md").is_file()


@pytest.mark.parametrize("damage, message", [
    ("no-data", "is not a directory"),
    ("final", "final.parquet is damaged"),
    ("label", "which schema 'id_news' does not define"),
])
def test_cli_bad_input_is_one_line_and_exit_2(gold_workspace: Workspace, tmp_path: Path, damage: str,
                                              message: str) -> None:
    data, corpus = write_cli_data(tmp_path)
    if damage == "no-data":
        data = tmp_path / "nowhere"
    elif damage == "final":
        gold_workspace.final_path.write_bytes(b"PAR1 not really parquet")
    else:
        table = pq.read_table(gold_workspace.final_path).to_pylist()
        row = next(r for r in table if r["status"] == ACCEPTED and r["entities"])
        row["entities"][0]["label"] = "ANIMAL"
        from builder.workspace.human import AnnotationStore, FinalLabels
        from builder.workspace.tables import human_labels

        AnnotationStore.of(gold_workspace).write_final(
            FinalLabels(r["sentence_id"], r["text_hash"], r["status"], r["reason"], tuple(r["annotators"]),
                        r["agreement"], human_labels(r)) for r in table)
    result = runner.invoke(app, ["train", "--workspace", str(gold_workspace.root), "--data-dir", str(data),
                                 "--events-corpus", str(corpus), "--max-iterations", "5"])
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", "") and "Traceback" not in result.output
    assert not (gold_workspace.models_dir / "id_news.ner.crf.v2" / "1").exists()
