"""Two `builder push` processes at once against one real Label Studio: one project, no task twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

from annotation.client import connect, existing_tasks, load_project
from builder.core.schema import load_schema
from builder.ingest.run import ingest
from builder.workspace.layout import Workspace

ROOT = Path(__file__).resolve().parents[2]


def push_command(ws: Path, url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "builder", "push", "-w", str(ws), "--url", url, "--batch-size", "4", "--no-prelabels", *extra]


def run_together(commands: list[list[str]], token: str) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "LABEL_STUDIO_API_KEY": token, "COLUMNS": "200"}
    processes = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for c in commands]
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=600), p.communicate()[0], None) for p in processes]


def projects_titled(ls, title: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [p.id for p in ls.projects.list() if p.title == title]


def test_two_pushes_at_once_make_one_project_and_each_task_once(label_studio, examples_dir: Path,
                                                                  tmp_path: Path) -> None:
    ws = Workspace(tmp_path / f"race-{uuid4().hex[:8]}")
    ingest([examples_dir], workspace=ws)
    sentences = ws.count_sentences()
    results = run_together([push_command(ws.root, label_studio.url)] * 2, label_studio.token)
    for result in results:
        assert result.returncode == 0, result.stdout
        assert "Traceback" not in result.stdout
    ls = connect(label_studio.url, label_studio.token)
    title = f"{load_schema().name} – {ws.root.name}"
    assert len(projects_titled(ls, title)) == 1
    project_id = load_project(ws).project_id
    assert projects_titled(ls, title) == [project_id], "the project made is the one remembered"
    tasks = existing_tasks(ls, project_id)
    assert sum(len(ids) for ids in tasks.values()) == sentences == len(tasks) == 65


def test_two_workspaces_pushing_to_one_title_share_one_project(label_studio, examples_dir: Path,
                                                               tmp_path: Path) -> None:
    one, two = Workspace(tmp_path / "a" / "same"), Workspace(tmp_path / "b" / "same")
    ingest([examples_dir], workspace=one)
    ingest([examples_dir], workspace=two)
    title = f"shared {uuid4().hex[:8]}"
    results = run_together([push_command(one.root, label_studio.url, "--project", title),
                            push_command(two.root, label_studio.url, "--project", title)], label_studio.token)
    assert all(r.returncode == 0 for r in results), [r.stdout for r in results]
    ls = connect(label_studio.url, label_studio.token)
    assert len(projects_titled(ls, title)) == 1
    project_id = load_project(one).project_id
    assert load_project(two).project_id == project_id
    tasks = existing_tasks(ls, project_id)
    assert len(tasks) == 65 and all(len(ids) == 1 for ids in tasks.values())


def test_a_remembered_project_deleted_on_the_server_is_made_again(label_studio, examples_dir: Path,
                                                                  tmp_path: Path) -> None:
    from annotation.push import PushOptions, push_workspace

    ws = Workspace(tmp_path / f"gone-{uuid4().hex[:8]}")
    ingest([examples_dir / "okezone-kazakhstan.txt"], workspace=ws)
    ls = connect(label_studio.url, label_studio.token)
    title = f"gone {uuid4().hex[:8]}"
    first, _ = push_workspace(ws, ls, url=label_studio.url, title=title, schema=load_schema(), options=PushOptions())
    ls.projects.delete(id=first.project_id)
    again, summary = push_workspace(ws, ls, url=label_studio.url, title=title, schema=load_schema(),
                                    options=PushOptions())
    assert again.project_id != first.project_id and load_project(ws) == again
    assert summary.created == ws.count_sentences() and projects_titled(ls, title) == [again.project_id]
