"""Everything a release is made of, read from the workspace alone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.core.labels import labeller_name
from builder.core.records import Sentence, short_hash
from builder.release.options import GOLD, SILVER, ReleaseError
from builder.release.rows import ArticleMeta, ReleaseLabels
from builder.workspace.human import ACCEPTED, AnnotationStore
from builder.workspace.layout import Workspace
from builder.workspace.parts import iter_parquet


@dataclass
class ReleaseInputs:
    """Articles, sentences, their pre-labels and merged human labels."""

    articles: dict[str, ArticleMeta]
    sentences: list[Sentence]
    prelabels: dict[str, ReleaseLabels]
    gold: dict[str, ReleaseLabels]
    excluded: dict[str, str]  # sentence id → why it is left out (flags)
    prelabeller_versions: tuple[str, ...]
    snapshots: list[str]

    @property
    def prelabeller(self) -> str:
        """The pre-labeller's identity, as rows, manifest and card name it."""
        return labeller_name(self.prelabeller_versions)


def sentence_hash_ok(sentence: Sentence, text_hash: str) -> bool:
    """Whether labels made for `text_hash` still belong to this sentence's text."""
    return short_hash(sentence.text) == text_hash


def _articles(workspace: Workspace) -> dict[str, ArticleMeta]:
    articles: dict[str, ArticleMeta] = {}
    columns = ["id", "title", "body", "source", "url", "published_at"]
    for batch in iter_parquet(workspace.articles_dir, columns=columns):
        for r in batch.to_pylist():
            articles[r["id"]] = ArticleMeta(r["title"], r["body"], r["source"], r["url"], r["published_at"])
    return articles


def load_inputs(workspace: Workspace, *, prelabels_dir: Path | None) -> ReleaseInputs:
    """Read articles, sentences, pre-labels and merged human labels from the workspace."""
    sentences = list(workspace.iter_sentences())
    prelabels: dict[str, ReleaseLabels] = {}
    versions: tuple[str, ...] = ()
    if prelabels_dir is not None:
        versions = workspace.prelabeller_versions(prelabels_dir)
        for item in workspace.iter_prelabels(prelabels_dir):
            prelabels[item.sentence_id] = ReleaseLabels(SILVER, item.labels)
    store = AnnotationStore.of(workspace)
    by_id = {s.id: s for s in sentences}
    gold: dict[str, ReleaseLabels] = {}
    for final in store.iter_final():
        sentence = by_id.get(final.sentence_id)
        if final.status != ACCEPTED or sentence is None:
            continue
        if not sentence_hash_ok(sentence, final.text_hash):
            raise ReleaseError(f"sentence {final.sentence_id}: its labels were made for other text "
                               f"(hash {final.text_hash}); pull again")
        gold[final.sentence_id] = ReleaseLabels(GOLD, final.labels, len(final.annotators), final.agreement)
    excluded = {a.sentence_id: ", ".join(a.flags) for a in store.read_annotations() if a.flags and not a.skipped}
    return ReleaseInputs(_articles(workspace), sentences, prelabels, gold, excluded, versions,
                         store.snapshot_names())
