"""Everything a release is made of, read from the workspace alone; sentences and pre-labels stay on disk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.core.labels import labeller_name
from builder.workspace.annotators import AnnotatorBook
from builder.workspace.human import ACCEPTED, AnnotationStore
from builder.workspace.layout import Workspace
from builder.workspace.parts import iter_parquet, parts
from builder.workspace.tables import FINAL_SCHEMA, conform_prelabels

#: The article columns a release carries on every row of the article.
ARTICLE_META = ("id", "title", "source", "url", "published_at")


@dataclass(frozen=True)
class ReleaseInputs:
    """Where the sentences and pre-labels are, and the small tables read whole (gold, flags, articles)."""

    workspace: Workspace
    prelabels_dir: Path | None
    prelabeller_versions: tuple[str, ...]
    gold: pa.Table  # FINAL_SCHEMA rows that were accepted
    excluded: frozenset[str]  # sentence ids flagged by annotators (wrong split, not news, ...)
    snapshots: tuple[str, ...]

    @property
    def prelabeller(self) -> str:
        """The pre-labeller's identity, as rows, manifest and card name it."""
        return labeller_name(self.prelabeller_versions)

    def article_meta(self) -> pa.Table:
        """Id, title, source, url and date of every article (no bodies)."""
        return _read_all(self.workspace.articles_dir, list(ARTICLE_META))

    def article_bodies(self) -> Iterator[pa.RecordBatch]:
        """Id and body of every article, in record batches."""
        return iter_parquet(self.workspace.articles_dir, columns=["id", "body"], batch_rows=1024)

    def sentence_batches(self) -> Iterator[pa.RecordBatch]:
        """Every stored sentence, in record batches."""
        return iter_parquet(self.workspace.sentences_dir, batch_rows=65_536)

    def prelabel_batches(self) -> Iterator[pa.RecordBatch]:
        """Every pre-label of the chosen pre-labeller, in record batches (none without one)."""
        if self.prelabels_dir is None:
            return iter(())
        return (conform_prelabels(b) for b in iter_parquet(self.prelabels_dir, batch_rows=65_536))

    def count_sentences(self) -> int:
        """Stored sentences, from the Parquet footers."""
        return self.workspace.count_sentences()


def _read_all(directory: Path, columns: list[str]) -> pa.Table:
    tables = [pq.read_table(p, columns=columns) for p in parts(directory)]
    return pa.concat_tables(tables) if tables else pa.table({c: pa.array([], pa.string()) for c in columns})


def _gold(workspace: Workspace) -> pa.Table:
    path = workspace.final_path
    if not path.exists():
        return FINAL_SCHEMA.empty_table()
    final = pq.read_table(path, schema=FINAL_SCHEMA)
    return final.filter(pc.equal(final["status"], ACCEPTED))


def _named(gold: pa.Table, workspace: Workspace, real_names: bool) -> pa.Table:
    """The gold table with each annotator as their stable pseudonym (or e-mail with `real_names`)."""
    book = AnnotatorBook.of(workspace)
    name = book.email if real_names else book.pseudonym
    names = pa.array([[name(who) for who in row or []] for row in gold["annotators"].to_pylist()],
                     gold.schema.field("annotators").type)
    return gold.set_column(gold.schema.get_field_index("annotators"), "annotators", names)


def load_inputs(workspace: Workspace, *, prelabels_dir: Path | None, annotator_names: bool = False) -> ReleaseInputs:
    """What a release reads: the pre-label folder's versions, accepted human labels and annotators' flags.

    Annotators are named by their stable pseudonyms (builder/workspace/annotators.py), or by
    e-mail with `annotator_names`."""
    versions = workspace.prelabeller_versions(prelabels_dir) if prelabels_dir is not None else ()
    store = AnnotationStore.of(workspace)
    excluded = frozenset(a.sentence_id for a in store.read_annotations() if a.flags and not a.skipped)
    return ReleaseInputs(workspace, prelabels_dir, versions, _named(_gold(workspace), workspace, annotator_names),
                         excluded, tuple(store.snapshot_names()))
