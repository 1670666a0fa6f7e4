"""Upload a finished release to the Hugging Face Hub and tag it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol


class HubApi(Protocol):
    """The part of `huggingface_hub.HfApi` a push uses."""

    def create_repo(self, repo_id: str, **kwargs: Any) -> Any: ...
    def upload_folder(self, **kwargs: Any) -> Any: ...
    def create_tag(self, repo_id: str, **kwargs: Any) -> Any: ...


def push_to_hub(release: Path, repo_id: str, *, api: HubApi | None = None, private: bool = False) -> str:
    """Upload a release folder to a Hub dataset repo and tag it `v<version>`; returns the tag."""
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    tag = f"v{manifest['version']}"
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    api.upload_folder(folder_path=str(release), repo_id=repo_id, repo_type="dataset",
                      commit_message=f"Release {manifest['name']} {manifest['version']}")
    api.create_tag(repo_id, tag=tag, repo_type="dataset", tag_message=f"{manifest['name']} {manifest['version']}")
    return tag
