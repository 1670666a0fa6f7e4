"""Publishing an existing release: checked against its manifest, a dry run unless asked, then upload and tag."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from builder.release.options import ReleaseError
from builder.release.publish import publish_release
from builder.workspace.layout import Workspace
from tests.release.conftest import Release


class RecordingHub:
    """Stands in for huggingface_hub.HfApi: there is no network here, so record the calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def create_repo(self, repo_id: str, **kw) -> None:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kw}))

    def upload_folder(self, **kw) -> None:
        self.calls.append(("upload_folder", kw))

    def create_tag(self, repo_id: str, **kw) -> None:
        self.calls.append(("create_tag", {"repo_id": repo_id, **kw}))


def test_dry_run_lists_the_files_and_uploads_nothing(ready: Workspace, tmp_path: Path, release: Release) -> None:
    path = release(ready, tmp_path, "0.1.0", exports=("conll",))
    hub = RecordingHub()
    plan = publish_release(path, "org/id-news", api=hub)
    assert not plan.uploaded and plan.tag == "v0.1.0" and hub.calls == []
    assert {"README.md", "manifest.json", "CHANGES.md", "data/train-00000-of-00001.parquet"} <= set(plan.files)


def test_publish_uploads_the_folder_and_tags(ready: Workspace, tmp_path: Path, release: Release) -> None:
    path = release(ready, tmp_path, "0.1.0")
    hub = RecordingHub()
    plan = publish_release(path, "org/id-news", dry_run=False, api=hub)
    assert plan.uploaded
    assert [c[0] for c in hub.calls] == ["create_repo", "upload_folder", "create_tag"]
    assert hub.calls[1][1]["folder_path"] == str(path) and hub.calls[1][1]["repo_type"] == "dataset"
    assert hub.calls[2][1]["tag"] == "v0.1.0"


def test_a_changed_file_stops_the_publish(ready: Workspace, tmp_path: Path, release: Release) -> None:
    path = release(ready, tmp_path, "0.1.0")
    part = path / "data" / "train-00000-of-00001.parquet"
    os.chmod(part, 0o644)
    part.write_bytes(part.read_bytes() + b"x")
    hub = RecordingHub()
    with pytest.raises(ReleaseError, match=r"train-00000-of-00001.parquet is missing or changed"):
        publish_release(path, "org/id-news", dry_run=False, api=hub)
    assert hub.calls == []


def test_publish_needs_a_release(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match=r"is not a release \(no manifest.json\)"):
        publish_release(tmp_path, "org/x")
