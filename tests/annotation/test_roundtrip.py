"""The Label Studio round trip against a real server: push, annotate as people do, pull, merge.

Every test uses its own workspace and project on the session's server; the kill tests
start (and kill) servers of their own.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from uuid import uuid4

import pytest
import requests

from annotation.client import (
    LabelStudioUnavailable,
    apply_export,
    connect,
    download_export,
    ensure_project,
    existing_tasks,
    push_tasks,
)
from annotation.server import LabelStudioServer
from annotation.tasks import build_tasks
from builder.core.schema import load_schema
from builder.events.lexicon import load_lexicon
from builder.ingest.run import ingest
from builder.prelabel.engines.local import prelabel_workspace
from builder.prelabel.interface import Prelabeller
from builder.prelabel.taggers.dates import DateRule
from builder.prelabel.taggers.events import LexiconEventTagger
from builder.prelabel.taggers.gazetteer import Gazetteer
from builder.workspace.human import ACCEPTED, REVIEW, SKIPPED, AnnotationStore
from builder.workspace.layout import Workspace

SCHEMA = load_schema()
EMOJI_ARTICLE = (
    '{"title": "Emoji 😀 di judul", "source": "test", "text": "Warga 😀 Bekasi bertemu Budi Santoso di 𝐉akarta '
    'pada Senin (19/2/2024). Mereka 🎢 lalu pergi ke Surabaya."}\n'
)


def prelabeller() -> Prelabeller:
    return Prelabeller((DateRule(), Gazetteer()), LexiconEventTagger(load_lexicon()))


def prepared(tmp_path: Path, *inputs: Path) -> Workspace:
    ws = Workspace(tmp_path / f"ws-{uuid4().hex[:6]}")
    ingest(list(inputs), workspace=ws)
    prelabel_workspace(ws, prelabeller)
    return ws


def tasks_of(ws: Workspace) -> list[dict]:
    labels = {item.sentence_id: item.labels for item in ws.iter_prelabels(ws.prelabel_dir(prelabeller().versions))}
    titles = ws.article_titles()
    return list(build_tasks(ws.iter_sentences(), titles=titles, prelabels=labels, model_version="test"))


def project_for(ls, ws: Workspace, url: str) -> int:  # type: ignore[no-untyped-def]
    return ensure_project(ls, ws, url=url, title=f"test {uuid4().hex[:8]}", schema=SCHEMA).project_id


def pull(ls, ws: Workspace, project_id: int, **kw):  # type: ignore[no-untyped-def]
    return apply_export(ws, download_export(ls, project_id), origin="server", schema=SCHEMA, **kw)


def sign_up(url: str, email: str, password: str = "annotator-password-1") -> str:
    """A second annotator signs up through the web form, as a person does; returns their API token."""
    session = requests.Session()
    session.get(f"{url}/user/signup/", timeout=30)
    answer = session.post(
        f"{url}/user/signup/", allow_redirects=False, timeout=30,
        data={"email": email, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{url}/user/signup/"},
    )
    assert answer.status_code == 302, answer.text[:500]
    return session.get(f"{url}/api/current-user/token", timeout=30).json()["token"]


def task_ids_by_text(ls, project_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {t.data["text"]: t.id for t in ls.tasks.list(project=project_id, include="id,data")}


def test_push_twice_pull_twice_gives_identical_results(label_studio, examples_dir: Path, tmp_path: Path) -> None:
    ls = connect(label_studio.url, label_studio.token)
    ws = prepared(tmp_path, examples_dir)
    project_id = project_for(ls, ws, label_studio.url)
    first = push_tasks(ls, project_id, tasks_of(ws), batch_size=20)
    second = push_tasks(ls, project_id, tasks_of(ws), batch_size=20)
    assert (first.created, second.created, second.already_there) == (65, 0, 65)
    existing = existing_tasks(ls, project_id)
    assert len(existing) == 65 and all(len(ids) == 1 for ids in existing.values())
    task_id = task_ids_by_text(ls, project_id)["Lebih dari 2.000 orang ditangkap."]
    prediction = ls.tasks.get(id=task_id).predictions[0]
    ls.annotations.create(id=task_id, result=prediction.result, parent_prediction=prediction.id, lead_time=5.0,
                          project=project_id)
    store = AnnotationStore.of(ws)
    one = pull(ls, ws, project_id)
    final_bytes = ws.final_path.read_bytes()
    two = pull(ls, ws, project_id)
    assert one.snapshot == two.snapshot, "the same export is kept once"
    assert ws.final_path.read_bytes() == final_bytes
    assert (one.annotations, two.annotations, one.accepted) == (1, 1, 1)
    final = next(store.iter_final())
    assert final.status == ACCEPTED and final.labels.event_types == ("Justice.Arrest-Jail",)


def test_annotators_work_as_people_do(label_studio, examples_dir: Path, tmp_path: Path) -> None:
    """Accept a pre-label, change a label, delete a span, add a span, skip, and two people disagree."""
    admin = connect(label_studio.url, label_studio.token)
    ws = prepared(tmp_path, examples_dir / "okezone-kazakhstan.txt")
    project_id = project_for(admin, ws, label_studio.url)
    push_tasks(admin, project_id, tasks_of(ws))
    second = connect(label_studio.url, sign_up(label_studio.url, f"ann-{uuid4().hex[:6]}@example.com"))
    by_text = task_ids_by_text(admin, project_id)

    def predicted(text: str) -> tuple[int, object, list[dict]]:
        task_id = next(i for t, i in by_text.items() if t.startswith(text))
        prediction = admin.tasks.get(id=task_id).predictions[0]
        return task_id, prediction, [dict(r) for r in prediction.result]

    def annotate(client, task_id: int, result: list[dict], prediction=None, **kw) -> None:  # type: ignore[no-untyped-def]
        client.annotations.create(id=task_id, result=result, project=project_id, lead_time=7.5,
                                  parent_prediction=getattr(prediction, "id", None), **kw)

    accept_id, accept_pred, accept_result = predicted("ALMATY – Kerusuhan pecah")
    annotate(admin, accept_id, accept_result, accept_pred)
    change_id, change_pred, change_result = predicted("Polisi di Almaty")
    changed = [{**r, "value": {**r["value"], "labels": ["ORG"]}} if r["value"].get("text") == "Almaty" else r
               for r in change_result]
    annotate(admin, change_id, changed, change_pred)
    delete_id, delete_pred, delete_result = predicted("Baik Kazakhstan maupun Rusia")
    annotate(admin, delete_id, [r for r in delete_result if r["value"].get("text") != "Rusia"], delete_pred)
    add_id, add_pred, add_result = predicted("Penerus yang dipilih Nazarbayev")
    text = next(t for t in by_text if t.startswith("Penerus yang dipilih Nazarbayev"))
    start = text.index("Kassym-Jomart Tokayev")
    added = add_result + [{"id": "new1", "from_name": "entities", "to_name": "text", "type": "labels",
                           "origin": "manual", "value": {"start": start, "end": start + 21,
                                                         "text": "Kassym-Jomart Tokayev", "labels": ["PER"]}}]
    annotate(admin, add_id, added, add_pred)
    skip_id, _, _ = predicted("Kremlin juga menggaungkan")
    annotate(second, skip_id, [], was_cancelled=True)
    both_id, both_pred, both_result = predicted("Lebih dari 2.000 orang ditangkap.")
    annotate(admin, both_id, both_result, both_pred)
    annotate(second, both_id, [], both_pred)  # the second annotator sees no arrest event here

    summary = pull(admin, ws, project_id)
    final = {f.sentence_id: f for f in AnnotationStore.of(ws).iter_final()}
    by_task = {a.task_id: a.sentence_id for a in AnnotationStore.of(ws).read_annotations()}
    assert summary.annotations == 6 and summary.skipped == 1
    accepted = final[by_task[accept_id]]
    assert accepted.status == ACCEPTED
    assert [(s.text, s.label) for s in accepted.labels.entities] == [(r["value"]["text"], r["value"]["labels"][0])
                                                             for r in accept_result if r["from_name"] == "entities"]
    assert ("Almaty", "ORG") in [(s.text, s.label) for s in final[by_task[change_id]].labels.entities]
    assert "Rusia" not in [s.text for s in final[by_task[delete_id]].labels.entities]
    assert ("Kassym-Jomart Tokayev", "PER") in [(s.text, s.label) for s in final[by_task[add_id]].labels.entities]
    assert final[by_task[skip_id]].status == SKIPPED
    disagreement = final[by_task[both_id]]
    assert disagreement.status == REVIEW and len(disagreement.annotators) == 2
    assert any(both_id == a.task_id and a.annotator != "1" for a in AnnotationStore.of(ws).read_annotations())


def test_emoji_text_round_trips_with_exact_offsets(label_studio, tmp_path: Path) -> None:
    source = tmp_path / "emoji.jsonl"
    source.write_text(EMOJI_ARTICLE, encoding="utf-8")
    ls = connect(label_studio.url, label_studio.token)
    ws = prepared(tmp_path, source)
    project_id = project_for(ls, ws, label_studio.url)
    push_tasks(ls, project_id, tasks_of(ws))
    task_id, text = next((i, t) for t, i in task_ids_by_text(ls, project_id).items() if "Bekasi" in t)
    prediction = ls.tasks.get(id=task_id).predictions[0]
    regions = [r["value"] for r in prediction.result if r["from_name"] in ("entities", "triggers")]
    assert "Senin (19/2/2024)" in [r["text"] for r in regions]
    for value in regions:  # code points, as 1.23 draws them: every region sits after the emoji correctly
        assert text[value["start"] : value["end"]] == value["text"]
    start = text.index("Budi Santoso")
    result = [dict(r) for r in prediction.result] + [{
        "id": "p1", "from_name": "entities", "to_name": "text", "type": "labels", "origin": "manual",
        "value": {"start": start, "end": start + 12, "text": "Budi Santoso", "labels": ["PER"]}}]
    ls.annotations.create(id=task_id, result=result, project=project_id, parent_prediction=prediction.id)
    pull(ls, ws, project_id)
    final = next(AnnotationStore.of(ws).iter_final())
    spans = {s.text: (s.start, s.end, s.label) for s in final.labels.entities}
    assert spans["Budi Santoso"] == (start, start + 12, "PER")
    for span in final.labels.entities:
        assert text[span.start : span.end] == span.text


def _kill(server: LabelStudioServer) -> None:
    os.kill(server.pid, signal.SIGKILL)
    server._process.wait(timeout=30)  # noqa: SLF001 - reap the killed child
    server._process = None  # noqa: SLF001
    server._bound_port = None  # noqa: SLF001


def _many_articles(tmp_path: Path, count: int) -> Path:
    lines = [f'{{"title": "Artikel {i}", "source": "t", "text": "Kalimat pertama artikel {i} ada di sini. '
             f'Kalimat kedua artikel {i} juga ada. Polisi menangkap {i} orang di Jakarta."}}' for i in range(count)]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_killed_server_during_push_loses_and_duplicates_nothing(label_studio_template: Path, label_studio_credentials,
                                                                 tmp_path: Path) -> None:
    ws = prepared(tmp_path, _many_articles(tmp_path, 300))
    tasks = tasks_of(ws)
    assert len(tasks) == 900
    data_dir = tmp_path / "ls-data"
    server = LabelStudioServer(data_dir, credentials=label_studio_credentials, template=label_studio_template)
    server.start()
    try:
        ls = connect(server.url, server.token)
        project_id = project_for(ls, ws, server.url)
        batches: list[int] = []
        killer = threading.Timer(0.05, _kill, [server])

        def kill_soon(_: int) -> None:
            batches.append(1)
            if len(batches) == 2:  # kill while the third batch is probably on the wire
                killer.start()

        with pytest.raises(LabelStudioUnavailable, match=r"start the server again and run the same push"):
            push_tasks(ls, project_id, tasks, batch_size=100, on_batch=kill_soon)
        killer.join()
        server.start()
        ls = connect(server.url, server.token)
        before = existing_tasks(ls, project_id)
        assert 200 <= sum(len(v) for v in before.values()) < 900
        again = push_tasks(ls, project_id, tasks, batch_size=100)
        after = existing_tasks(ls, project_id)
        assert again.already_there == len(before)
        assert len(after) == 900, "every sentence has a task"
        assert sum(len(ids) for ids in after.values()) == 900, "no sentence has two tasks"
    finally:
        server.stop()


def test_killed_server_during_pull_changes_nothing_and_loses_nothing(
        label_studio_template: Path, label_studio_credentials, examples_dir: Path, tmp_path: Path) -> None:
    ws = prepared(tmp_path, examples_dir / "okezone-kazakhstan.txt")
    server = LabelStudioServer(tmp_path / "ls-data", credentials=label_studio_credentials,
                               template=label_studio_template)
    server.start()
    try:
        ls = connect(server.url, server.token)
        project_id = project_for(ls, ws, server.url)
        push_tasks(ls, project_id, tasks_of(ws))
        ids = sorted(existing_tasks(ls, project_id).values())
        for (task_id,) in ids[:10]:
            ls.annotations.create(id=task_id, result=[], project=project_id, lead_time=1.0)
        first = pull(ls, ws, project_id)
        assert first.annotations == 10
        for (task_id,) in ids[10:15]:
            ls.annotations.create(id=task_id, result=[], project=project_id, lead_time=1.0)
        store = AnnotationStore.of(ws)
        before = (ws.annotations_path.read_bytes(), ws.final_path.read_bytes(),
                  sorted(p.name for p in ws.snapshots_dir.iterdir()))
        _kill(server)
        with pytest.raises(LabelStudioUnavailable, match=r"nothing was changed in the workspace"):
            pull(ls, ws, project_id)
        assert (ws.annotations_path.read_bytes(), ws.final_path.read_bytes(),
                sorted(p.name for p in ws.snapshots_dir.iterdir())) == before
        server.start()
        ls = connect(server.url, server.token)
        second = pull(ls, ws, project_id)
        assert second.annotations == 15
        assert len([a for a in store.read_annotations() if not a.skipped]) == 15
    finally:
        server.stop()
