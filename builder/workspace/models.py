"""Models trained from the workspace: versioned folders, and the pointer to the promoted ones.

```
<workspace>/models/
  <base name>/<version>/      e.g. id_news.ner.crf.v2/3/: the model files, MODEL_CARD.md, metrics.json
  promoted.json               kind ("ner", "events") → the promoted version's name and model file
```

`builder prelabel` (and the ML backend) use the promoted models; `builder train` writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from builder.workspace.layout import Workspace
from builder.workspace.parts import DamagedPart, atomic_write_json

PROMOTED_FILE = "promoted.json"
KINDS = ("ner", "events")
VERSION_MARK = "+ws"  # id_news.ner.crf.v2 version 3 is named id_news.ner.crf.v2+ws3


def versioned_name(base: str, version: int) -> str:
    """The name a workspace model carries into every pre-label: `<base>+ws<version>`."""
    return f"{base}{VERSION_MARK}{version}"


@dataclass(frozen=True)
class PromotedModel:
    """A promoted model: its kind, versioned name, version and model file (inside the workspace)."""

    kind: str
    name: str
    version: int
    path: Path
    promoted_at: str
    forced: bool = False


def version_dir(workspace: Workspace, base: str, version: int) -> Path:
    """The folder of one version of a model."""
    return workspace.models_dir / base / str(version)


def versions(workspace: Workspace, base: str) -> list[int]:
    """The versions of a model the workspace holds, in increasing order."""
    folder = workspace.models_dir / base
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit())


def next_version(workspace: Workspace, base: str) -> int:
    """One more than the highest version written so far (1 for the first)."""
    return max(versions(workspace, base), default=0) + 1


def _pointer(workspace: Workspace) -> Path:
    return workspace.models_dir / PROMOTED_FILE


def read_promoted(workspace: Workspace) -> dict[str, PromotedModel]:
    """The promoted model of each kind (none if nothing was promoted); raises DamagedPart naming the
    pointer file when it cannot be read or names a model file that is gone."""
    path = _pointer(workspace)
    if not path.is_file():
        return {}
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        promoted = {
            kind: PromotedModel(kind, str(entry["name"]), int(entry["version"]), workspace.models_dir / entry["path"],
                                str(entry["promoted_at"]), bool(entry.get("forced", False)))
            for kind, entry in raw.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise DamagedPart(path, f"not a promoted-models file: {error}",
                          "delete it to fall back to the packaged models, or run `builder train` again") from None
    unknown = sorted(set(promoted) - set(KINDS))
    if unknown:
        raise DamagedPart(path, f"unknown model kind {', '.join(unknown)}", f"keep only {', '.join(KINDS)}")
    for model in promoted.values():
        if not model.path.is_file():
            raise DamagedPart(path, f"it promotes {model.name}, whose file {model.path} is missing",
                              "restore that model folder, or delete the pointer to fall back to the packaged models")
    return promoted


def promoted_models(workspace: Workspace) -> dict[str, Path]:
    """Kind ("ner", "events") → the promoted model file; kinds never promoted are absent."""
    return {kind: model.path for kind, model in read_promoted(workspace).items()}


def promote(workspace: Workspace, kind: str, name: str, version: int, path: Path, *, forced: bool = False) -> Path:
    """Point `kind` at a model file of the workspace (atomically); call it holding the workspace lock."""
    if kind not in KINDS:
        raise ValueError(f"model kind {kind!r}: use one of {', '.join(KINDS)}")
    root = workspace.models_dir
    current = {k: m for k, m in read_promoted(workspace).items() if k != kind}
    entries = {k: _entry(m.name, m.version, m.path.relative_to(root), m.promoted_at, m.forced)
               for k, m in current.items()}
    now = f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ}"
    entries[kind] = _entry(name, version, Path(path).relative_to(root), now, forced)
    return atomic_write_json(_pointer(workspace), dict(sorted(entries.items())))


def _entry(name: str, version: int, relative: Path, promoted_at: str, forced: bool) -> dict[str, Any]:
    return {"name": name, "version": version, "path": relative.as_posix(), "promoted_at": promoted_at,
            "forced": forced}
