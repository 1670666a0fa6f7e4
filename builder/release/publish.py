"""Publish a finished release to the Hugging Face Hub and tag it: checked first, a dry run unless asked."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from builder.release.options import ReleaseError


class HubApi(Protocol):
    """The part of `huggingface_hub.HfApi` a publish uses."""

    def create_repo(self, repo_id: str, **kwargs: Any) -> Any: ...
    def upload_folder(self, **kwargs: Any) -> Any: ...
    def create_tag(self, repo_id: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class PublishPlan:
    """What a publish uploads (or, in a dry run, would upload)."""

    repo_id: str
    tag: str
    files: tuple[str, ...]
    uploaded: bool


def check_release(release: Path) -> dict[str, Any]:
    """The release's manifest, after checking every file it lists against its hash and parsing the card."""
    from huggingface_hub import DatasetCard

    manifest_path = release / "manifest.json"
    if not manifest_path.is_file():
        raise ReleaseError(f"{release} is not a release (no manifest.json); give releases/<name>/<version>")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        path = release / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ReleaseError(f"{path} is missing or changed since the release was written; "
                               "make a new release instead of editing one")
    DatasetCard.load(release / "README.md", ignore_metadata_errors=False)
    return manifest


def publish_release(release: Path, repo_id: str, *, dry_run: bool = True, api: HubApi | None = None,
                    private: bool = False) -> PublishPlan:
    """Check a release, then (unless `dry_run`) validate its card on the Hub, upload it and tag `v<version>`."""
    manifest = check_release(release)
    tag = f"v{manifest['version']}"
    files = tuple(sorted(str(p.relative_to(release)) for p in release.rglob("*") if p.is_file()))
    if dry_run:
        return PublishPlan(repo_id, tag, files, uploaded=False)
    if api is None:
        from huggingface_hub import DatasetCard, HfApi

        DatasetCard.load(release / "README.md").validate(repo_type="dataset")  # the Hub's own check, online
        api = HfApi()
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    api.upload_folder(folder_path=str(release), repo_id=repo_id, repo_type="dataset",
                      commit_message=f"Release {manifest['name']} {manifest['version']}")
    api.create_tag(repo_id, tag=tag, repo_type="dataset", tag_message=f"{manifest['name']} {manifest['version']}")
    return PublishPlan(repo_id, tag, files, uploaded=True)
