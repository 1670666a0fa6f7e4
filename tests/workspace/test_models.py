"""The workspace's model versions and its promoted-models pointer."""

from __future__ import annotations

import pytest

from builder.workspace.layout import Workspace
from builder.workspace.models import (
    next_version,
    promote,
    promoted_models,
    read_promoted,
    version_dir,
)
from builder.workspace.parts import DamagedPart


def test_versions_increase_and_promotion_points_at_a_file(workspace: Workspace) -> None:
    assert next_version(workspace, "m.v1") == 1 and promoted_models(workspace) == {}
    for version in (1, 2):
        folder = version_dir(workspace, "m.v1", version)
        folder.mkdir(parents=True)
        (folder / f"m.v1+ws{version}.crfsuite").write_bytes(b"x")
    assert next_version(workspace, "m.v1") == 3
    promote(workspace, "ner", "m.v1+ws2", 2, version_dir(workspace, "m.v1", 2) / "m.v1+ws2.crfsuite")
    promote(workspace, "events", "e+ws1", 1, version_dir(workspace, "m.v1", 1) / "m.v1+ws1.crfsuite", forced=True)
    promoted = read_promoted(workspace)
    assert promoted["ner"].name == "m.v1+ws2" and not promoted["ner"].forced and promoted["events"].forced
    assert promoted_models(workspace)["ner"] == version_dir(workspace, "m.v1", 2) / "m.v1+ws2.crfsuite"


@pytest.mark.parametrize("text, message", [("{not json", "not a promoted-models file"),
                                           ('{"ner": {"name": "m+ws1", "version": 1, "path": "m/1/gone.crfsuite", '
                                            '"promoted_at": "now"}}', "whose file"),
                                           ('{"pos": {"name": "m", "version": 1, "path": "x", "promoted_at": "now"}}',
                                            "unknown model kind pos")])
def test_a_damaged_pointer_names_itself(workspace: Workspace, text: str, message: str) -> None:
    workspace.models_dir.mkdir(parents=True)
    (workspace.models_dir / "promoted.json").write_text(text, encoding="utf-8")
    with pytest.raises(DamagedPart, match=message):
        read_promoted(workspace)
