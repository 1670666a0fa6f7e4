"""The workspace's layout: every folder and file name, and the reads every stage shares.

```
<workspace>/
  articles/part-*.parquet         ARTICLE_SCHEMA
  sentences/part-*.parquet        SENTENCE_SCHEMA
  prelabels/<hash>/               one folder per pre-labeller (prelabeller.json + PRELABEL_SCHEMA parts)
  labelstudio/                    project.json, server.json, server/ (embedded server data),
                                  snapshots/ (raw exports), annotations.parquet, final.parquet
  models/<name>/<version>/        models trained from the workspace; models/promoted.json (builder/workspace/models.py)
  runs/<name>.json                run reports
  .lock                           the writer lock (who holds it: pid, command, start time)
```
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import uuid4

from builder.core.labels import SentenceLabels
from builder.core.records import Sentence, short_hash
from builder.workspace.lock import Lock, workspace_lock
from builder.workspace.parts import (
    DamagedPart,
    atomic_write_json,
    count_rows,
    iter_parquet,
    leftovers,
    open_part,
    parts,
)
from builder.workspace.tables import prelabel_from_row, sentences_from_table

PRELABELLER_FILE = "prelabeller.json"
PUSH_REPORT = "push-latest"  # runs/push-latest.json: the latest push to Label Studio


class Workspace:
    """A directory holding a project's articles, sentences, pre-labels, human labels and run reports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.articles_dir = root / "articles"
        self.sentences_dir = root / "sentences"
        self.prelabels_root = root / "prelabels"
        self.runs_dir = root / "runs"
        self.labelstudio_dir = root / "labelstudio"
        self.models_dir = root / "models"

    # --- one writer at a time, and checks ------------------------------------------------

    def lock(self, command: str, *, wait: float | None = 0.0,
             on_wait: Callable[[str], None] | None = None) -> AbstractContextManager[Lock]:
        """Hold the workspace's writer lock (`with workspace.lock("ingest") as held:`); raises
        WorkspaceBusy naming the holder when another command has it after `wait` seconds
        (None: wait until it is free, telling `on_wait` whom it waits for)."""
        return workspace_lock(self.root, command, wait=wait, on_wait=on_wait)

    def part_folders(self) -> list[Path]:
        """Every folder of Parquet parts: articles, sentences and each pre-label folder."""
        prelabels = sorted(p for p in self.prelabels_root.iterdir() if p.is_dir()) if self.prelabels_root.is_dir() else []
        return [self.articles_dir, self.sentences_dir, *prelabels]

    def clean_leftovers(self) -> list[Path]:
        """Remove the unfinished parts a killed run left behind; call it holding the lock."""
        removed = [tmp for folder in self.part_folders() for tmp in leftovers(folder)]
        for tmp in removed:
            tmp.unlink(missing_ok=True)
        return removed

    def check(self) -> None:
        """Raise DamagedPart, naming the file and what to do, if a part's footer cannot be read or a
        run's sentences part has lost its articles part (or the other way round)."""
        for folder in self.part_folders():
            for part in parts(folder):
                open_part(part)
        orphans = self._orphans()
        if orphans:  # a run renames its parts one after the other: look again once it must be done
            time.sleep(0.5)
            orphans = self._orphans()
        for part, missing in orphans:
            if part.parent == self.sentences_dir:
                raise DamagedPart(part, f"its articles part {missing} is missing",
                                  "put the articles part back, or move this sentences part (and the pre-label parts "
                                  "of the same name) out of the workspace and ingest those files again")
            raise DamagedPart(part, f"its sentences part {missing} is missing",
                              "put the sentences part back, or move this articles part out of the workspace and "
                              "ingest those files again")

    def _orphans(self) -> list[tuple[Path, Path]]:
        """(part, its missing partner): a run's sentences part without its articles part, or the other way."""
        articles = {p.name for p in parts(self.articles_dir)}
        sentences = {p.name for p in parts(self.sentences_dir)}
        return ([(self.sentences_dir / n, self.articles_dir / n) for n in sorted(sentences - articles)]
                + [(self.articles_dir / n, self.sentences_dir / n) for n in sorted(articles - sentences)])

    # --- Label Studio side -------------------------------------------------------------

    @property
    def snapshots_dir(self) -> Path:
        """Raw Label Studio exports, as they came, never rewritten."""
        return self.labelstudio_dir / "snapshots"

    @property
    def annotations_path(self) -> Path:
        """Every annotator's latest annotation per task, across all snapshots."""
        return self.labelstudio_dir / "annotations.parquet"

    @property
    def final_path(self) -> Path:
        """One merged label set per sentence."""
        return self.labelstudio_dir / "final.parquet"

    @property
    def project_file(self) -> Path:
        """Which Label Studio project the workspace's tasks live in."""
        return self.labelstudio_dir / "project.json"

    @property
    def server_file(self) -> Path:
        """Written by `builder serve` while it runs, so push and pull find the embedded server."""
        return self.labelstudio_dir / "server.json"

    @property
    def server_data_dir(self) -> Path:
        """The embedded Label Studio's SQLite database and media."""
        return self.labelstudio_dir / "server"

    # --- pre-labels ----------------------------------------------------------------------

    def prelabel_dir(self, versions: Sequence[str]) -> Path:
        """Pre-labels live in a folder named by the pre-labeller's versions, so runs never mix."""
        return self.prelabels_root / short_hash(*versions, length=12)

    def open_prelabel_dir(self, versions: Sequence[str]) -> Path:
        """Create the pre-labeller's folder with its `prelabeller.json` (the versions), and return it."""
        directory = self.prelabel_dir(versions)
        directory.mkdir(parents=True, exist_ok=True)
        atomic_write_json(directory / PRELABELLER_FILE, {"versions": list(versions)})
        return directory

    def latest_prelabels(self) -> Path | None:
        """The pre-label folder written most recently, if any."""
        folders = [p.parent for p in self.prelabels_root.glob(f"*/{PRELABELLER_FILE}")]
        return max(folders, key=lambda p: (p / PRELABELLER_FILE).stat().st_mtime) if folders else None

    @staticmethod
    def prelabeller_versions(directory: Path) -> tuple[str, ...]:
        """The versions a pre-label folder was made with (none if it has no `prelabeller.json`)."""
        meta = directory / PRELABELLER_FILE
        if not meta.exists():
            return ()
        return tuple(json.loads(meta.read_text(encoding="utf-8"))["versions"])

    @staticmethod
    def iter_prelabels(directory: Path) -> Iterator[SentenceLabels]:
        """Every stored pre-label of one pre-labeller folder, streamed."""
        for batch in iter_parquet(directory):
            for row in batch.to_pylist():
                yield prelabel_from_row(row)

    @staticmethod
    def labelled_ids(directory: Path) -> frozenset[str]:
        """Ids of the sentences a pre-label folder already has."""
        return frozenset(sid for batch in iter_parquet(directory, columns=["sentence_id"])
                         for sid in batch.column("sentence_id").to_pylist())

    # --- articles, sentences, runs -------------------------------------------------------

    def new_run_id(self) -> str:
        """A run id that sorts by time and does not collide."""
        return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid4().hex[:6]}"

    def known_articles(self) -> dict[str, str]:
        """Content hash → where the article was read from, for every stored article."""
        known: dict[str, str] = {}
        for batch in iter_parquet(self.articles_dir, columns=["content_hash", "path"]):
            known.update(zip(batch.column("content_hash").to_pylist(), batch.column("path").to_pylist(), strict=True))
        return known

    def article_titles(self) -> dict[str, str]:
        """Article id → title."""
        return {r["id"]: r["title"] for b in iter_parquet(self.articles_dir, ["id", "title"]) for r in b.to_pylist()}

    def iter_sentences(self) -> Iterator[Sentence]:
        """Every stored sentence, streamed."""
        for batch in iter_parquet(self.sentences_dir):
            yield from sentences_from_table(batch)

    def count_sentences(self) -> int:
        """Stored sentences, from the Parquet footers."""
        return count_rows(self.sentences_dir)

    def count_articles(self) -> int:
        """Stored articles, from the Parquet footers."""
        return count_rows(self.articles_dir)

    def write_report(self, name: str, report: dict[str, Any]) -> Path:
        """Save a run report as JSON (atomically)."""
        return atomic_write_json(self.runs_dir / f"{name}.json", report)

    def read_report(self, name: str) -> dict[str, Any] | None:
        """A saved run report, if there is one."""
        path = self.runs_dir / f"{name}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def count_reports(self, prefix: str) -> int:
        """How many run reports start with `prefix`."""
        return len(list(self.runs_dir.glob(f"{prefix}*.json"))) if self.runs_dir.is_dir() else 0
