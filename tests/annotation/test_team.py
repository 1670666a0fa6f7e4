"""A labelling team on the real Label Studio: pre-labels not lost, annotators by e-mail, adjudication, overlap.

Annotators sign up through the web form, as people do (sign_up), and work through the API with
their own tokens; the admin is the session's server user.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pyarrow.parquet as pq
import requests

from annotation.client import (
    apply_export,
    connect,
    download_export,
    load_project,
    server_users,
)
from annotation.push import PushOptions, push_workspace
from annotation.review import load_review
from builder.ingest.run import ingest
from builder.prelabel.engines.local import prelabel_workspace
from builder.release.options import ReleaseOptions
from builder.release.quality import agreement
from builder.release.write import release_workspace
from builder.workspace.annotators import annotators_file
from builder.workspace.human import ACCEPTED, REVIEW, AnnotationStore
from builder.workspace.layout import PUSH_REPORT, Workspace
from tests.annotation.test_roundtrip import SCHEMA, prelabeller, sign_up

ROOT = Path(__file__).resolve().parents[2]
ARREST = "Lebih dari 2.000 orang ditangkap."


def fresh(tmp_path: Path, source: Path, *, labelled: bool = True) -> Workspace:
    ws = Workspace(tmp_path / f"ws-{uuid4().hex[:6]}")
    ingest([source], workspace=ws)
    if labelled:
        prelabel_workspace(ws, prelabeller)
    return ws


def push(ls, ws: Workspace, url: str, **options) -> object:  # type: ignore[no-untyped-def]
    folder = ws.latest_prelabels()
    return push_workspace(ws, ls, url=url, title=f"team {uuid4().hex[:8]}", schema=SCHEMA,
                          options=PushOptions(prelabels_dir=folder, **options))


def pull(ls, ws: Workspace, **kw):  # type: ignore[no-untyped-def]
    """What `builder pull` does: the project's export, the users, and the review project's export if any."""
    project_id = load_project(ws).project_id
    review = load_review(ws)
    decisions = download_export(ls, review.project_id) if review is not None else None
    return apply_export(ws, download_export(ls, project_id), origin="server", schema=SCHEMA, users=server_users(ls),
                        decisions=decisions, **kw)


def next_task(url: str, token: str, project_id: int) -> int | None:
    """The task Label Studio's label stream gives this user next (None when it has none for them)."""
    answer = requests.get(f"{url}/api/projects/{project_id}/next", headers={"Authorization": f"Token {token}"},
                          timeout=30)
    return answer.json()["id"] if answer.status_code == 200 else None


def test_tasks_pushed_before_prelabel_get_them_on_the_next_push(label_studio, examples_dir: Path,
                                                                tmp_path: Path) -> None:
    ls = connect(label_studio.url, label_studio.token)
    ws = fresh(tmp_path, examples_dir / "okezone-kazakhstan.txt", labelled=False)
    ref, first = push(ls, ws, label_studio.url)  # as `builder push --no-prelabels` does
    assert (first.created, first.without_predictions) == (23, 0)
    assert ls.projects.get(id=ref.project_id).sampling == "Sequential sampling", "no scores: the import order"
    task_ids = sorted(t.id for t in ls.tasks.list(project=ref.project_id, include="id"))
    skipped = task_ids[0]
    ls.annotations.create(id=skipped, result=[], was_cancelled=True, project=ref.project_id)  # touched before
    prelabel_workspace(ws, prelabeller)
    env = {**os.environ, "LABEL_STUDIO_API_KEY": label_studio.token, "COLUMNS": "250"}
    result = subprocess.run([sys.executable, "-m", "builder", "push", "-w", str(ws.root), "--url", label_studio.url],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Traceback" not in output, output
    report = ws.read_report(PUSH_REPORT)
    assert (report["created"], report["filled"], report["left_alone_annotated"], report["without_predictions"]) == (
        0, 22, 1, 1), output
    assert "predictions added (task had none)" in output and "1 task(s) in project" in output
    version = ", ".join(prelabeller().versions)
    predictions = {p.task: p.model_version for p in ls.predictions.list(project=ref.project_id)}
    assert sorted(predictions) == task_ids[1:] and set(predictions.values()) == {version}
    assert ls.projects.get(id=ref.project_id).model_version == version, "the label stream shows them"
    again = subprocess.run([sys.executable, "-m", "builder", "push", "-w", str(ws.root), "--url", label_studio.url],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (ws.read_report(PUSH_REPORT)["filled"], ws.read_report(PUSH_REPORT)["already_current"]) == (0, 22)
    assert len(list(ls.predictions.list(project=ref.project_id))) == 22, "nothing added twice"


def test_annotators_by_email_adjudicator_by_email_or_id_majority_and_pseudonyms(label_studio, examples_dir: Path,
                                                                                 tmp_path: Path) -> None:
    url = label_studio.url
    admin = connect(url, label_studio.token)
    ws = fresh(tmp_path, examples_dir / "okezone-kazakhstan.txt")
    ref, _ = push(admin, ws, url)
    emails = {name: f"{name}-{uuid4().hex[:6]}@example.com" for name in ("bea", "chief", "dina")}
    people = {name: connect(url, sign_up(url, email)) for name, email in emails.items()}
    admin_email = label_studio.credentials.username
    tasks = {t.data["text"]: t.id for t in admin.tasks.list(project=ref.project_id, include="id,data")}

    def annotate(client, text: str, keep) -> None:  # type: ignore[no-untyped-def]
        task_id = tasks[text]
        prediction = admin.tasks.get(id=task_id).predictions[0]
        result = [dict(r) for r in prediction.result if keep(r)]
        client.annotations.create(id=task_id, result=result, project=ref.project_id, lead_time=3.0,
                                  parent_prediction=prediction.id)

    everything = lambda r: True  # noqa: E731
    prediction = admin.tasks.get(id=tasks[ARREST]).predictions[0]
    assert any(r["from_name"] == "triggers" for r in prediction.result), "the arrest sentence has a trigger"
    annotate(admin, ARREST, everything)
    annotate(people["bea"], ARREST, lambda r: False)  # no entity, no event: a disagreement
    annotate(people["chief"], ARREST, lambda r: r["from_name"] == "triggers")  # a third version, the decision
    majority_text = next(t for t in tasks if t.startswith("ALMATY – Kerusuhan pecah"))
    annotate(admin, majority_text, everything)
    annotate(people["bea"], majority_text, everything)
    annotate(people["dina"], majority_text, lambda r: False)

    summary = pull(admin, ws)
    store = AnnotationStore.of(ws)
    by_text = {s.id: s.text for s in ws.iter_sentences()}
    final = {by_text[f.sentence_id]: f for f in store.iter_final()}
    assert {a.annotator for a in store.read_annotations()} == {admin_email, *emails.values()}
    assert summary.annotators[emails["bea"]] == 2
    assert final[ARREST].status == REVIEW, "three versions and no adjudicator: review"
    assert final[majority_text].status == ACCEPTED and final[majority_text].reason == "majority vote: 2 of 3 annotators agree"
    assert final[majority_text].labels.entities, "the two who kept the pre-labels outvote the one who cleared them"
    book = json.loads(annotators_file(ws).read_text())
    ids = {u["email"]: u["id"] for u in book["annotators"]}
    assert {admin_email, *emails.values()} <= ids.keys() and all(isinstance(i, int) for i in ids.values())
    assert stat.S_IMODE(annotators_file(ws).stat().st_mode) == 0o600

    chief_labels = None
    for adjudicator in (emails["chief"], str(ids[emails["chief"]])):
        decided = pull(admin, ws, adjudicator=adjudicator)
        arrest = next(f for f in store.iter_final() if by_text[f.sentence_id] == ARREST)
        assert arrest.status == ACCEPTED and arrest.reason == f"adjudicated by {emails['chief']}", adjudicator
        assert arrest.labels.triggers and not arrest.labels.event_types
        assert decided.adjudicator_note == ""
        chief_labels = chief_labels or arrest.labels
        assert arrest.labels == chief_labels
    unknown = pull(admin, ws, adjudicator="nobody@example.com")
    assert "nobody@example.com" in unknown.adjudicator_note
    assert next(f for f in store.iter_final() if by_text[f.sentence_id] == ARREST).status == REVIEW
    pull(admin, ws, adjudicator=emails["chief"])

    report = agreement(store.read_annotations(), SCHEMA.entity_labels, SCHEMA.event_labels)
    assert report.trigger_f1 and all(0 <= v < 1 for v in report.trigger_f1.values()), report.trigger_f1

    releases = tmp_path / "releases"
    folder = ws.prelabel_dir(prelabeller().versions)
    seen: list[dict[str, str]] = []
    for version in ("0.1.0", "0.2.0"):
        path = release_workspace(ws, SCHEMA, ReleaseOptions(name="team", version=version, releases_dir=releases),
                                 prelabels_dir=folder).path
        rows = [r for p in sorted((path / "data").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
        seen.append({r["text"]: r["annotators"] for r in rows if r["status"] == "gold"})
        card = (path / "README.md").read_text()
        assert "stable pseudonyms" in card and "@example.com" not in card
    assert seen[0] == seen[1], "the same pseudonyms in every release"
    names = seen[0][ARREST].split(", ")
    assert len(set(names)) == 3 and all(re.fullmatch(r"annotator-[0-9a-f]{10}", n) for n in names)
    assert not any("@" in value for value in seen[0].values())
    named = release_workspace(ws, SCHEMA, ReleaseOptions(name="team", version="0.3.0", releases_dir=releases,
                                                         annotator_names=True), prelabels_dir=folder).path
    rows = [r for p in sorted((named / "data").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    arrest_row = next(r for r in rows if r["text"] == ARREST)
    assert set(arrest_row["annotators"].split(", ")) == {admin_email, emails["bea"], emails["chief"]}
    assert "real e-mail addresses" in (named / "README.md").read_text()


def test_annotators_per_task_is_label_studios_overlap(label_studio, tmp_path: Path) -> None:
    """Overlap 2: the task stays in the label stream for the second person and leaves it after two."""
    url = label_studio.url
    admin = connect(url, label_studio.token)
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"title": "Satu", "source": "test",
                                  "text": "Polisi menangkap Budi Santoso di Jakarta pada Senin."}) + "\n")
    tokens = {name: sign_up(url, f"{name}-{uuid4().hex[:6]}@example.com") for name in ("bea", "cici")}

    def work(token: str, project_id: int) -> int | None:
        task_id = next_task(url, token, project_id)
        if task_id is not None:
            connect(url, token).annotations.create(id=task_id, result=[], project=project_id, lead_time=1.0)
        return task_id

    one = fresh(tmp_path, source)
    ref_one, _ = push(admin, one, url)  # the default: one annotator per task
    project = admin.projects.get(id=ref_one.project_id)
    assert (project.maximum_annotations, project.overlap_cohort_percentage) == (1, 100)
    assert work(label_studio.token, ref_one.project_id) is not None
    assert next_task(url, tokens["bea"], ref_one.project_id) is None, "with overlap 1 the task is done"

    two = fresh(tmp_path, source)
    ref, _ = push(admin, two, url, annotators_per_task=2)
    project = admin.projects.get(id=ref.project_id)
    assert (project.maximum_annotations, project.overlap_cohort_percentage, project.show_overlap_first) == \
        (2, 100, True)
    (task,) = admin.tasks.list(project=ref.project_id, include="id,overlap")
    assert task.overlap == 2
    assert work(label_studio.token, ref.project_id) == task.id
    assert work(tokens["bea"], ref.project_id) == task.id, "the second annotator still gets the task"
    assert next_task(url, tokens["cici"], ref.project_id) is None, "two annotations: it leaves the stream"
    assert admin.tasks.get(id=task.id).is_labeled

    push(admin, two, url, annotators_per_task=3)  # raising it on an existing project re-opens its tasks
    (task,) = admin.tasks.list(project=ref.project_id, include="id,overlap,is_labeled")
    assert admin.projects.get(id=ref.project_id).maximum_annotations == 3 and task.overlap == 3
    assert work(tokens["cici"], ref.project_id) == task.id
    push(admin, two, url)  # no --annotators-per-task: the project keeps 3
    assert admin.projects.get(id=ref.project_id).maximum_annotations == 3
    summary = pull(admin, two)
    assert summary.annotators and all("@" in who for who in summary.annotators) and len(summary.annotators) == 3
    status = subprocess.run([sys.executable, "-m", "builder", "status", "-w", str(two.root)], cwd=ROOT,
                            env={**os.environ, "COLUMNS": "250"}, capture_output=True, text=True, timeout=300,
                            check=False)
    assert status.returncode == 0, status.stdout + status.stderr
    for who in summary.annotators:
        assert re.search(rf"annotator {re.escape(who)} +│ +1 annotated, 0 skipped of 1 tasks", status.stdout), \
            status.stdout


def test_review_project_shows_the_competing_versions_and_its_decision_is_final(label_studio, examples_dir: Path,
                                                                                 tmp_path: Path) -> None:
    url = label_studio.url
    admin = connect(url, label_studio.token)
    ws = fresh(tmp_path, examples_dir / "okezone-kazakhstan.txt")
    ref, _ = push(admin, ws, url, annotators_per_task=2)
    bea_email, chief_email = (f"{n}-{uuid4().hex[:6]}@example.com" for n in ("bea", "chief"))
    bea_token = sign_up(url, bea_email)
    bea, chief = connect(url, bea_token), connect(url, sign_up(url, chief_email))
    task_id = next(t.id for t in admin.tasks.list(project=ref.project_id, include="id,data") if t.data["text"] == ARREST)
    prediction = admin.tasks.get(id=task_id).predictions[0]
    admin.annotations.create(id=task_id, result=[dict(r) for r in prediction.result], project=ref.project_id)
    assert next_task(url, bea_token, ref.project_id) == task_id, "overlap 2, started tasks first: bea gets it next"
    bea.annotations.create(id=task_id, result=[], project=ref.project_id)
    pull(admin, ws)
    env = {**os.environ, "LABEL_STUDIO_API_KEY": label_studio.token, "COLUMNS": "250"}
    command = [sys.executable, "-m", "builder", "review", "-w", str(ws.root), "--url", url]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0 and "1 new review task(s)" in result.stdout, result.stdout + result.stderr
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert "0 new review task(s), 1 already there" in again.stdout, again.stdout + again.stderr
    review = load_review(ws)
    (review_task,) = admin.tasks.list(project=review.project_id, include="id,data")
    assert review_task.data["text"] == ARREST
    versions = {p.model_version: p.result for p in admin.tasks.get(id=review_task.id).predictions}
    assert versions.keys() == {label_studio.credentials.username, bea_email}
    assert versions[bea_email] == [] and versions[label_studio.credentials.username]
    chosen = [dict(r) for r in versions[label_studio.credentials.username] if r["from_name"] == "triggers"]
    chief.annotations.create(id=review_task.id, result=chosen, project=review.project_id)
    pull(admin, ws)
    store = AnnotationStore.of(ws)
    text_of = {s.id: s.text for s in ws.iter_sentences()}
    arrest = next(f for f in store.iter_final() if text_of[f.sentence_id] == ARREST)
    assert arrest.status == ACCEPTED and arrest.reason == f"adjudicated by {chief_email}"
    assert [t.label for t in arrest.labels.triggers] and not arrest.labels.event_types
    path = release_workspace(ws, SCHEMA, ReleaseOptions(name="reviewed", version="0.1.0",
                                                        releases_dir=tmp_path / "releases"),
                             prelabels_dir=ws.prelabel_dir(prelabeller().versions)).path
    rows = [r for p in sorted((path / "data").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    row = next(r for r in rows if r["text"] == ARREST)
    assert row["status"] == "gold" and row["event_types"] == [] and [t["text"] for t in row["triggers"]]
