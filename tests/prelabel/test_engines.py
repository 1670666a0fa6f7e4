"""Running the pre-labeller over a workspace: in-process and on worker processes, the same result."""

from __future__ import annotations

from collections import Counter
from functools import partial
from pathlib import Path

from builder.core.schema import load_schema
from builder.ingest.run import IngestOptions, ingest
from builder.prelabel.engines.local import prelabel_workspace
from builder.prelabel.registry import default_prelabeller
from builder.workspace.layout import Workspace


def test_workers_give_the_same_prelabels_and_reruns_add_nothing(examples_dir: Path, tmp_path: Path) -> None:
    factory = partial(default_prelabeller, load_schema())
    results = []
    for workers in (1, 2):
        ws = Workspace(tmp_path / f"ws{workers}")
        ingest([examples_dir], workspace=ws)
        summary = prelabel_workspace(ws, factory, workers=workers, batch_size=7)
        assert summary.sentences == 65 and summary.already_labelled == 0
        results.append(list(Workspace.iter_prelabels(Path(summary.directory))))
        again = prelabel_workspace(ws, factory, workers=workers)
        assert (again.sentences, again.already_labelled, again.output) == (0, 65, None)
    assert results[0] == results[1]
    assert sum(len(item.labels.entities) for item in results[0]) > 50
    sources = {span.source for item in results[0] for span in item.labels.entities}
    assert sources == {"rule:date.v1", "model:id_news.ner.crf.v2", "rule:doc-consistency.v1"}


def test_ingest_can_prelabel_in_the_same_pass(examples_dir: Path, tmp_path: Path) -> None:
    """`ingest(prelabeller=...)` (the library's one pass; the CLI runs a second pass) writes what a separate
    `prelabel` run would, with any number of workers, and a later `prelabel` finds it all done."""
    factory = partial(default_prelabeller, load_schema())
    separate = Workspace(tmp_path / "separate")
    ingest([examples_dir], workspace=separate)
    expected = list(Workspace.iter_prelabels(Path(prelabel_workspace(separate, factory).directory)))
    for workers in (1, 2):
        ws = Workspace(tmp_path / f"fused{workers}")
        # the duplicate copy must be skipped together with its pre-labels
        (tmp_path / f"copy{workers}").mkdir()
        copy = tmp_path / f"copy{workers}" / "again.txt"
        copy.write_text((examples_dir / "okezone-kazakhstan.txt").read_text(encoding="utf-8"), encoding="utf-8")
        summary = ingest([examples_dir, copy], workspace=ws, options=IngestOptions(workers=workers, prelabeller=factory))
        assert summary.skipped_by_kind() == {"duplicate": 1}
        assert summary.prelabels is not None and summary.prelabels.sentences == summary.sentences == 65
        assert list(Workspace.iter_prelabels(Path(summary.prelabels.directory))) == expected
        assert summary.prelabels.entities_by_label == Counter(e.label for x in expected for e in x.labels.entities)
        later = prelabel_workspace(ws, factory, workers=workers)
        assert (later.sentences, later.already_labelled) == (0, 65)


def test_seed_article_prelabels(seed_text: str, tmp_path: Path) -> None:
    """The examples the issue names: Tokayev PER, the CSTO ORG, Almaty LOC, Kamis (6/1/2022) DATE, an arrest."""
    page = tmp_path / "seed.txt"
    page.write_text(seed_text, encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    ingest([page], workspace=ws)
    summary = prelabel_workspace(ws, partial(default_prelabeller, load_schema()))
    labels = {item.sentence_id: item for item in Workspace.iter_prelabels(Path(summary.directory))}
    spans = set()
    events = {}
    for sentence in ws.iter_sentences():
        spans |= {(s.text, s.label) for s in labels[sentence.id].labels.entities}
        events[sentence.text] = {e.label for e in labels[sentence.id].labels.events}
    assert {("Kassym-Jomart Tokayev", "PER"), ("Organisasi Perjanjian Keamanan Kolektif", "ORG"),
            ("Almaty", "LOC"), ("Kamis (6/1/2022)", "DATE")} <= spans
    assert events["Lebih dari 2.000 orang ditangkap."] == {"Justice.Arrest-Jail"}


def test_ray_engine_gives_the_same_prelabels_as_the_local_path(examples_dir: Path, tmp_path: Path) -> None:
    from builder.prelabel.engines.ray import prelabel_with_ray

    factory = partial(default_prelabeller, load_schema())
    local, on_ray = Workspace(tmp_path / "local"), Workspace(tmp_path / "ray")
    for ws in (local, on_ray):
        ingest([examples_dir], workspace=ws)
    local_summary = prelabel_workspace(local, factory)
    expected = {x.sentence_id: x for x in Workspace.iter_prelabels(Path(local_summary.directory))}
    summary = prelabel_with_ray(on_ray, factory, workers=2, batch_size=16)
    got = {x.sentence_id: x for x in Workspace.iter_prelabels(Path(summary.directory))}
    assert summary.sentences == 65 and got == expected
    assert summary.tokens == local_summary.tokens > 0
    for counts in ("entities_by_source", "entities_by_label", "events_by_type"):
        assert getattr(summary, counts) == getattr(local_summary, counts) != {}
    again = prelabel_with_ray(on_ray, factory, workers=1)
    assert (again.sentences, again.already_labelled, again.tokens) == (0, 65, 0)
