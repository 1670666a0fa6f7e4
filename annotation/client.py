"""Push tasks to and pull annotations from a Label Studio server, never losing or duplicating work.

Push is idempotent: it lists the tasks the project has (by `data.sentence_id`) and imports
only the missing ones. The SDK's automatic retries are off: an import whose answer was lost
may have been saved, so after any failure the project is listed again before anything is
re-sent. Two pushes at once take turns (a lock per workspace and one per server and project
title), so the project is made once and no task twice.

Pull keeps the raw export as an immutable snapshot before it parses it. An export is the
project's whole state, so it replaces the workspace's annotations: an annotation or task
deleted in Label Studio is no longer gold (the snapshots still hold it, and the pull says
how many were withdrawn).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from annotation.env import KEY_ENV, URL_ENV  # noqa: F401 (re-exported: the names the SDK uses)
from annotation.export import ExportError, ParsedExport, parse_export
from annotation.install import cache_root
from annotation.merge import merge
from annotation.offsets import CODEPOINT, check_units
from annotation.screen import project_settings
from builder.core.schema import Schema
from builder.workspace.annotators import AnnotatorBook
from builder.workspace.human import (
    ACCEPTED,
    AnnotationStore,
    FinalLabels,
    withdrawn_annotations,
)
from builder.workspace.layout import Workspace
from builder.workspace.lock import file_lock
from builder.workspace.parts import atomic_write_json

log = logging.getLogger(__name__)



class LabelStudioUnavailable(RuntimeError):
    """The server did not answer; what was done so far is safe, and running again continues."""


class LabelStudioRefused(RuntimeError):
    """The server answered but refused the request (wrong URL or API key, or not a Label Studio)."""


def check_url(url: str) -> str:
    """The URL without a trailing slash, or ValueError saying what a Label Studio URL looks like."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not a Label Studio URL: give the whole address with http:// or https://, "
                         "e.g. http://localhost:8080")
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(f"{url!r} has a port that is not a number; e.g. http://localhost:8080") from None
    return url.strip().rstrip("/")


def connect(url: str, api_key: str, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    """An SDK client that never resends a request by itself (see the module docstring)."""
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=url.rstrip("/"), api_key=api_key, max_retries=0, timeout=timeout)


def check_access(ls: Any, url: str, timeout: float = 20.0) -> str:
    """Ask the server who the key belongs to; the e-mail, or an error naming the URL and what to do."""
    from label_studio_sdk.core.api_error import ApiError

    try:
        user = ls.users.whoami(request_options={"timeout_in_seconds": timeout})
    except _network_errors() as error:
        raise LabelStudioUnavailable(
            f"Label Studio at {url} did not answer ({type(error).__name__}: {error or 'no answer'}); start it "
            "(`builder serve`) or check the URL"
        ) from None
    except ApiError as error:
        if error.status_code in (401, 403):
            raise LabelStudioRefused(
                f"Label Studio at {url} refused the API key (HTTP {error.status_code}); copy the key from "
                "Account & Settings → Access Token (legacy tokens must be enabled in Organization settings)"
            ) from None
        raise LabelStudioRefused(f"{url} answered HTTP {error.status_code} to /api/current-user/whoami; "
                                 "is it a Label Studio server?") from None
    except ValueError as error:  # an answer that is not Label Studio's JSON
        raise LabelStudioRefused(f"{url} did not answer as Label Studio does ({type(error).__name__}); "
                                 "is it a Label Studio server?") from None
    return str(getattr(user, "email", "") or "")


def _network_errors() -> tuple[type[BaseException], ...]:
    import httpx

    return (httpx.TransportError, ServerError)


class ServerError(Exception):
    """Stands for an HTTP 5xx answer: the request may or may not have been carried out."""


def _call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the SDK, turning a 5xx answer into ServerError (a 4xx is our mistake and is raised as is)."""
    from label_studio_sdk.core.api_error import ApiError

    try:
        return function(*args, **kwargs)
    except ApiError as error:
        if error.status_code is not None and error.status_code >= 500:
            raise ServerError(f"HTTP {error.status_code}") from error
        raise


def call_sdk(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """An SDK call whose 5xx answer is raised as ServerError (annotation/refresh.py uses it too)."""
    return _call(function, *args, **kwargs)


def network_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean the server did not answer (or answered 5xx): the request may have run."""
    return _network_errors()


@dataclass(frozen=True)
class ProjectRef:
    """Which project on which server a workspace's tasks live in (no key is ever stored)."""

    url: str
    project_id: int
    title: str
    offset_units: str = CODEPOINT


def load_project(workspace: Workspace) -> ProjectRef | None:
    """The remembered project, if any."""
    path = workspace.project_file
    if not path.exists():
        return None
    return ProjectRef(**json.loads(path.read_text(encoding="utf-8")))


def save_project(workspace: Workspace, ref: ProjectRef) -> None:
    """Remember the project (atomically)."""
    atomic_write_json(workspace.project_file, ref.__dict__)


@contextlib.contextmanager
def workspace_lock(workspace: Workspace, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """The workspace's writer lock, for a push or pull: it waits its turn (ingest and release fail at once)."""
    with workspace.lock("push or pull", wait=None, on_wait=on_wait):
        yield


@contextlib.contextmanager
def project_lock(url: str, title: str, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """One push at a time into a project (server URL and title) from this machine, whichever workspace."""
    key = hashlib.sha256(f"{url.rstrip('/')}\x1f{title}".encode()).hexdigest()[:16]
    with file_lock(cache_root() / "locks" / f"push-{key}.lock", f"a push to {title!r} at {url}", wait=None,
                   on_wait=on_wait):
        yield


def _project_exists(ls: Any, project_id: int) -> Any:
    """The project, or None if the server has no project of that id any more."""
    from label_studio_sdk.core.api_error import ApiError

    try:
        return _call(ls.projects.get, id=project_id)
    except ApiError as error:
        if error.status_code == 404:
            return None
        raise


def overlap_settings(annotators_per_task: int) -> dict[str, Any]:
    """Label Studio's own overlap settings for N annotators per task (honoured by Community 1.23).

    `maximum_annotations` is N, and `overlap_cohort_percentage` 100 gives every task that overlap
    (tasks keep coming in the label stream until N people submitted them); `show_overlap_first`
    sends annotators to tasks someone already started before fresh ones.
    """
    if annotators_per_task < 1:
        raise ValueError(f"annotators per task {annotators_per_task}: give 1 or more")
    return {"maximum_annotations": annotators_per_task, "overlap_cohort_percentage": 100,
            "show_overlap_first": annotators_per_task > 1}


#: Label Studio's project `sampling` values (projects/models.py, Project.SAMPLING_CHOICES).
SEQUENTIAL_SAMPLING = "Sequential sampling"
UNCERTAINTY_SAMPLING = "Uncertainty sampling"


def ensure_project(ls: Any, workspace: Workspace, *, url: str, title: str, schema: Schema,
                   offset_units: str = CODEPOINT, annotators_per_task: int | None = None,
                   sampling: str = SEQUENTIAL_SAMPLING) -> ProjectRef:
    """The workspace's project on this server: remembered, found by title, or created from the schema.

    `annotators_per_task` sets Label Studio's overlap (overlap_settings); None leaves an existing
    project's setting as it is (a new project gets 1). `sampling` is how a new project orders its
    label stream; an existing project keeps whatever its managers chose.

    Call it under project_lock (push_workspace does), so two pushes never make two projects.
    Of several projects with the title (made by older versions racing), the oldest is used.
    """
    check_units(offset_units)
    settings = project_settings(schema)
    remembered = load_project(workspace)
    project = None
    if remembered is not None and remembered.url == url.rstrip("/"):
        project = _project_exists(ls, remembered.project_id)
        if project is None:
            log.warning("project %d at %s was deleted; looking for %r or making it again",
                        remembered.project_id, url, title)
    if project is None:
        same_title = sorted(p.id for p in ls.projects.list() if p.title == title)
        if len(same_title) > 1:
            log.warning("%d projects are titled %r at %s (ids %s); using the oldest, %d",
                        len(same_title), title, url, same_title, same_title[0])
        project = _project_exists(ls, same_title[0]) if same_title else None
    overlap = overlap_settings(annotators_per_task) if annotators_per_task is not None else {}
    if project is None:
        project_id = ls.projects.create(title=title, **settings, **(overlap or overlap_settings(1)),
                                        sampling=sampling).id
    else:
        project_id = project.id
        # Label Studio drops the config's last newline: compare without it, or every push re-sends it.
        if (project.label_config or "").strip() != settings["label_config"].strip() or \
                (project.expert_instruction or "") != settings["expert_instruction"]:
            ls.projects.update(id=project_id, **settings)
        if any(getattr(project, name, None) != value for name, value in overlap.items()):
            ls.projects.update(id=project_id, **overlap)  # Label Studio re-sets the overlap of existing tasks
    ref = ProjectRef(url.rstrip("/"), int(project_id), title, offset_units)
    save_project(workspace, ref)
    return ref


def existing_tasks(ls: Any, project_id: int) -> dict[str, list[int]]:
    """sentence id → task ids already in the project (more than one means duplicates)."""
    found: dict[str, list[int]] = {}
    for task in _call(lambda: list(ls.tasks.list(project=project_id, include="id,data", page_size=1000))):
        sentence_id = (task.data or {}).get("sentence_id")
        if sentence_id:
            found.setdefault(sentence_id, []).append(task.id)
    return found


def tasks_without_predictions(ls: Any, project_id: int) -> int:
    """How many of the project's tasks have no prediction (pushed before there were pre-labels)."""
    tasks = _call(lambda: list(ls.tasks.list(project=project_id, include="id,total_predictions", page_size=1000)))
    return sum(not (getattr(task, "total_predictions", 0) or 0) for task in tasks)


@dataclass
class PushSummary:
    """What a push did."""

    project_id: int
    created: int = 0
    already_there: int = 0
    duplicates_on_server: int = 0
    recovered_batches: int = 0
    batches: int = 0
    without_predictions: int = 0  # tasks in the project with no pre-labels although this push had some
    refresh: Any = None  # annotation.refresh.RefreshSummary: what happened to the predictions of earlier tasks


def _batches(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def push_tasks(ls: Any, project_id: int, tasks: Iterable[dict[str, Any]], *, batch_size: int = 250,
               on_batch: Callable[[int], None] | None = None, attempts: int = 3) -> PushSummary:
    """Import the tasks whose sentence is not in the project yet, in batches."""
    summary = PushSummary(project_id)
    try:
        existing = existing_tasks(ls, project_id)
    except _network_errors() as error:
        raise LabelStudioUnavailable(f"Label Studio did not answer ({error}); nothing was pushed") from error
    summary.duplicates_on_server = sum(len(ids) - 1 for ids in existing.values())
    missing = []
    for task in tasks:
        if task["data"]["sentence_id"] in existing:
            summary.already_there += 1
        else:
            missing.append(task)
    for batch in _batches(missing, batch_size):
        summary.created += _import_batch(ls, project_id, batch, attempts, summary)
        summary.batches += 1
        if on_batch is not None:
            on_batch(len(batch))
    return summary


def _import_batch(ls: Any, project_id: int, batch: list[dict[str, Any]], attempts: int,
                  summary: PushSummary) -> int:
    """Import one batch; after a failure, list the project and send only what is still missing."""
    pending = batch
    for attempt in range(attempts):
        try:
            _call(ls.projects.import_tasks, id=project_id, request=pending, return_task_ids=True)
            return len(pending)
        except _network_errors() as error:
            log.warning("import of %d tasks failed (%s); checking what the server saved", len(pending), error)
            try:
                existing = existing_tasks(ls, project_id)
            except _network_errors() as again:
                raise LabelStudioUnavailable(
                    f"Label Studio stopped answering during a push ({again}). Tasks already imported are safe; "
                    "start the server again and run the same push: it sends only the missing ones"
                ) from again
            saved = [t for t in pending if t["data"]["sentence_id"] in existing]
            pending = [t for t in pending if t["data"]["sentence_id"] not in existing]
            summary.recovered_batches += 1
            if not pending:
                return len(saved)
            log.info("attempt %d: %d of the batch were saved, %d still to send", attempt + 1, len(saved), len(pending))
    raise LabelStudioUnavailable(f"{len(pending)} tasks could not be imported after {attempts} attempts; "
                                 "run the push again")


def server_users(ls: Any) -> dict[str, str]:
    """Label Studio user id → e-mail, for every user of the server (the users API)."""
    try:
        return {str(u.id): str(u.email or "") for u in _call(ls.users.list)}
    except _network_errors() as error:
        raise LabelStudioUnavailable(f"Label Studio did not answer when asked for its users ({error}); nothing "
                                     "was changed in the workspace; run the pull again") from error


def download_export(ls: Any, project_id: int) -> bytes:
    """The project's full JSON export (tasks with annotations, skips included), as bytes."""
    try:
        return _call(lambda: b"".join(ls.projects.exports.download_sync(
            project_id, export_type="JSON", download_all_tasks=False)))
    except _network_errors() as error:
        raise LabelStudioUnavailable(f"Label Studio did not answer during the export ({error}); nothing was "
                                     "changed in the workspace; run the pull again") from error


@dataclass
class PullSummary:
    """What a pull read and wrote."""

    snapshot: str
    tasks: int = 0
    annotations: int = 0
    skipped: int = 0
    drafts_ignored: int = 0
    superseded: int = 0
    withdrawn: list[str] = field(default_factory=list)  # annotations earlier pulls had that the export has not
    no_longer_accepted: int = 0  # sentences accepted before this pull and not now
    snapped: list[str] = field(default_factory=list)
    accepted: int = 0
    review: list[str] = field(default_factory=list)
    annotators: dict[str, int] = field(default_factory=dict)  # e-mail (or id if unknown) → annotations
    adjudicator_note: str = ""  # set when --adjudicator names no one the workspace knows


def apply_export(workspace: Workspace, raw: bytes, *, origin: str, schema: Schema, units: str = CODEPOINT,
                 adjudicator: str | None = None, on_wait: Callable[[str], None] | None = None,
                 users: Mapping[str, str] | None = None, decisions: bytes | None = None) -> PullSummary:
    """Keep a raw export as a snapshot, parse and check it, and replace the annotations and merged labels.

    The export is the project's whole state (Label Studio keeps each annotator's latest work),
    so an annotation or task deleted there is withdrawn here; earlier snapshots keep it.
    From a server the snapshot is kept even if parsing fails (it is what the server said);
    from a file, a malformed or foreign export is refused before anything is written.
    Annotators are recorded by e-mail: `users` (id → e-mail, from server_users) is remembered in the
    workspace, so a later pull from a file names them too; `adjudicator` is an e-mail or a user id.
    `decisions` is the review project's export (annotation/review.py): each submitted review
    annotation is kept as a ground-truth annotation, so it settles its sentence.
    """
    with workspace_lock(workspace, on_wait):
        return _apply_export(workspace, raw, origin=origin, schema=schema, units=units, adjudicator=adjudicator,
                             users=users or {}, decisions=decisions)


def _apply_export(workspace: Workspace, raw: bytes, *, origin: str, schema: Schema, units: str,
                  adjudicator: str | None, users: Mapping[str, str], decisions: bytes | None) -> PullSummary:
    store = AnnotationStore.of(workspace)
    snapshot = store.save_snapshot(raw, origin) if origin == "server" else None
    try:
        export = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ExportError([f"not JSON ({error}); give the file from Label Studio's Export → JSON"]) from None
    parsed: ParsedExport = parse_export(export, schema, units)
    if snapshot is None:
        snapshot = store.save_snapshot(raw, origin)
    book = AnnotatorBook.of(workspace)
    book.learn(users)
    book.save(workspace)
    annotations = [dataclasses.replace(a, annotator=book.email(a.annotator)) for a in parsed.annotations]
    if decisions is not None:
        store.save_snapshot(decisions, "review")
        try:
            reviewed = parse_export(json.loads(decisions), schema, units)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ExportError([f"the review project's export is not JSON ({error})"]) from None
        annotations += [dataclasses.replace(a, annotator=book.email(a.annotator), ground_truth=True)
                        for a in reviewed.annotations if not a.skipped]
    note = ""
    if adjudicator is not None:
        adjudicator = book.resolve(adjudicator)
        known = set(book.emails.values()) | {a.annotator for a in annotations}
        if adjudicator not in known:
            note = (f"--adjudicator {adjudicator!r} is not a user of this Label Studio that the workspace knows "
                    f"(known: {', '.join(sorted(known)) or 'none'}); no disagreement was settled by them")
    earlier = [dataclasses.replace(a, annotator=book.email(a.annotator)) for a in store.read_annotations()]
    withdrawn = withdrawn_annotations(earlier, annotations)  # earlier pulls may have named users by id
    accepted_before = {f.sentence_id for f in store.iter_final() if f.status == ACCEPTED}
    finals: list[FinalLabels] = merge(annotations, adjudicator)
    store.write_annotations(annotations)
    store.write_final(finals)
    summary = PullSummary(
        snapshot=str(snapshot), tasks=parsed.tasks, annotations=sum(not a.skipped for a in parsed.annotations),
        skipped=sum(a.skipped for a in parsed.annotations), adjudicator_note=note, drafts_ignored=parsed.drafts_ignored,
        superseded=parsed.superseded,
        withdrawn=[f"task {a.task_id} (sentence {a.sentence_id}, annotator {a.annotator}, annotation "
                   f"{a.annotation_id}) is no longer in Label Studio" for a in withdrawn],
        no_longer_accepted=len(accepted_before - {f.sentence_id for f in finals if f.status == ACCEPTED}),
        snapped=[f"task {s.task_id} (sentence {s.sentence_id}, annotator {s.annotator}): {s.before!r} → {s.after!r}"
                 for s in parsed.snapped],
        accepted=sum(f.status == ACCEPTED for f in finals),
        review=[f"{f.sentence_id}: {f.reason}" for f in finals if f.status == "review"],
    )
    for annotation in annotations:
        summary.annotators[annotation.annotator] = summary.annotators.get(annotation.annotator, 0) + 1
    workspace.write_report(f"pull-{Path(str(snapshot)).stem}", summary.__dict__)
    return summary
