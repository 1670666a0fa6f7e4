"""What to release and under which version; a version is never overwritten."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SPLITS = ("train", "validation", "test")
GOLD, SILVER = "gold", "silver"
EXPORT_FORMATS = ("jsonl", "docbin", "conll")
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


class ReleaseError(ValueError):
    """A release cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class ReleaseOptions:
    """What to release and how; validated on creation."""

    name: str
    version: str
    releases_dir: Path = Path("releases")
    include_silver: bool = True
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    license: str = "other"  # a Hub licence id (cc-by-4.0, ...) or "other" with a license_name
    license_name: str = "news-publishers-terms"
    pretty_name: str = ""
    exports: tuple[str, ...] = ()  # any of EXPORT_FORMATS, written to exports/ inside the release
    exports_gold_only: bool = False  # exports hold gold rows only
    resplit: bool = False  # forget the previous release's pinned splits (moves are listed in CHANGES.md)
    repo_id: str = ""  # the Hub dataset repo the card's load snippet names
    homepage: str = ""  # where the card links the tool (nothing is linked when empty)
    bucket_rows: int = 65_536  # sentences held in memory at a time while rows are built
    annotator_names: bool = False  # name annotators by e-mail instead of their stable pseudonyms

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}", self.name):
            raise ReleaseError(f"release name {self.name!r}: use letters, digits, '.', '_' or '-'")
        if not _VERSION.fullmatch(self.version):
            raise ReleaseError(f"version {self.version!r} is not X.Y.Z (e.g. 1.0.0); or use --bump")
        if len(self.ratios) != 3 or any(r < 0 for r in self.ratios) or abs(sum(self.ratios) - 1) > 1e-6:
            raise ReleaseError(f"split ratios {self.ratios} must be three non-negative numbers that sum to 1")
        if self.bucket_rows < 1:
            raise ReleaseError(f"bucket_rows {self.bucket_rows}: hold at least 1 sentence at a time")
        unknown = [f for f in self.exports if f not in EXPORT_FORMATS]
        if unknown:
            raise ReleaseError(f"export format(s) {unknown}: use {', '.join(EXPORT_FORMATS)}")
        if not _SLUG.fullmatch(self.license):
            raise ReleaseError(f"licence {self.license!r}: give a Hub licence id such as cc-by-4.0, or other")
        if self.license == "other" and not _SLUG.fullmatch(self.license_name):
            raise ReleaseError(f"licence name {self.license_name!r}: a licence of 'other' needs a name in "
                               "lower case letters, digits, '.', '_' or '-' (--license-name)")
        if self.repo_id and not re.fullmatch(r"[\w.-]+/[\w.-]+", self.repo_id):
            raise ReleaseError(f"repo id {self.repo_id!r}: use owner/name")

    @property
    def target(self) -> Path:
        """Where this version goes."""
        return self.releases_dir / self.name / self.version


def existing_versions(releases_dir: Path, name: str) -> list[str]:
    """Released versions of a dataset, oldest first."""
    folder = releases_dir / name
    found = [p.name for p in folder.iterdir() if p.is_dir() and _VERSION.fullmatch(p.name)] if folder.is_dir() else []
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))


def bump(releases_dir: Path, name: str, part: str) -> str:
    """The next version after the latest one (0.0.0 when there is none)."""
    versions = existing_versions(releases_dir, name)
    major, minor, patch = (int(x) for x in (versions[-1] if versions else "0.0.0").split("."))
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    if part == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ReleaseError(f"--bump {part!r}: use major, minor or patch")
